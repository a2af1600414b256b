"""Who was named last: what "he" and "it" refer to in the sentences after (and, for a
pronoun speaker, earlier in its own sentence). Read alongside the cues of
`retrieval.ingest.attribution`, sentence by sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.ingest.doc_index import entities_between, tokens_between
from retrieval.ingest.quote_marks import Sentence, inside_quote_marks
from retrieval.text.lexicon import lexicon
from retrieval.types import PERSON, Speaker

if TYPE_CHECKING:
    from retrieval.ingest.attribution import ArticleContext

_SUBJECTS = {"nsubj", "nsubjpass"}
_HE_SHE = lexicon()["person_pronouns"]
_IT = lexicon()["body_pronouns"]
_PLURAL_PRONOUNS = lexicon()["plural_pronouns"]
_INDEFINITE = lexicon()["indefinite_determiners"]


def subject_named_before(pronoun, context: ArticleContext) -> Speaker | None:
    """The person a sentence names as a subject before its speaking pronoun, outside the
    quotation: "Democratic Sen. Claire McCaskill scolded him: “…,” she said." is hers, not
    the last speaker's before the sentence."""
    named = None
    for entity in pronoun.sent.ents:
        if entity.end > pronoun.i:
            break
        subject = entity.label_ == PERSON and entity.root.dep_ in _SUBJECTS
        if subject and not inside_quote_marks(pronoun.doc, entity.root):
            named = entity
    return context.person(named.text) if named is not None else None


def _someone_new_acts(doc, offset: int, sentence: Sentence) -> bool:
    """Is the sentence's subject a person brought in unnamed ("a stocks fund manager")?"""
    people = lexicon()["person_nouns"]
    for token in tokens_between(doc, sentence.start - offset, sentence.end - offset):
        if token.dep_ != "ROOT":
            continue
        for subject in (c for c in token.children if c.dep_ in _SUBJECTS):
            indefinite = any(c.dep_ == "det" and c.lower_ in _INDEFINITE for c in subject.children)
            if indefinite and subject.tag_ == "NN" and subject.lemma_.lower() in people:
                return True
    return False


def remember_mentions(doc, offset: int, sentence: Sentence, context: ArticleContext) -> None:
    """Who spoke or was named last: what "he" and "it" refer to in the next sentences."""
    if sentence.cue and sentence.cue[0] is not None:
        speaker = sentence.cue[0]
        if speaker.kind == PERSON:
            context.last_person = speaker
        else:
            context.last_body = context.last_speaking_body = speaker
        return
    if sentence.cue:
        head = (sentence.cue[1].lower().split() or [""])[-1]
        bodies = lexicon()["organisation_nouns"]
        if head not in _HE_SHE | _IT | _PLURAL_PRONOUNS | bodies and not head.endswith("s"):
            context.last_person = None  # "a director said": "he" is now him, not a name
            return  # whoever else the sentence names as a subject, it is not the speaker
    if _someone_new_acts(doc, offset, sentence):
        context.last_person = None  # "a fund manager … made a prediction. “…,” he said."
        return
    for entity in entities_between(doc, sentence.start - offset, sentence.end - offset):
        if entity.label_ == PERSON and entity.root.dep_ in _SUBJECTS:
            context.last_person = context.person(entity.text)
        elif entity.label_ == "ORG" and entity.root.dep_ in _SUBJECTS:
            context.last_body = context.body(entity.text, entity.label_)
