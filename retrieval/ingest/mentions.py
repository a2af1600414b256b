"""Who was named last: what "he" and "it" refer to in the sentences after (and, for a
pronoun speaker, earlier in its own sentence). Read alongside the cues of
`retrieval.ingest.attribution`, sentence by sentence.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from retrieval.ingest.doc_index import entities_between, tokens_between
from retrieval.ingest.quote_marks import Sentence, inside_quote_marks
from retrieval.text.lexicon import lexicon
from retrieval.types import PERSON, Speaker

if TYPE_CHECKING:
    from retrieval.ingest.attribution import ArticleContext

SUBJECTS = {"nsubj", "nsubjpass"}  # (the cues of retrieval.ingest.attribution read these too)
HE_SHE = lexicon()["person_pronouns"]
IT = lexicon()["body_pronouns"]
_PLURAL_PRONOUNS = lexicon()["plural_pronouns"]
INDEFINITE = lexicon()["indefinite_determiners"]


RECENT = 3  # people a "he" or "she" may reach back to, past those of the other sex
_PRONOUN_SEX = {"he": "male", "him": "male", "she": "female", "her": "female"}


def person_for_pronoun(pronoun, context: ArticleContext) -> Speaker | None:
    """Who "he" or "she" is: the person named last, or, when that person's first name is
    the other sex's ("“I love you,” he said." after Melanie spoke), the one before who is
    not; no one when none of the last few fits (an unnamed one was named since)."""
    if context.last_person is None:
        return None
    wanted = _PRONOUN_SEX.get(pronoun.lower_)
    for person in context.recent[:RECENT] if wanted else [context.last_person]:
        if _fits(person, wanted):
            return person
    return None


def _fits(person: Speaker, wanted: str | None) -> bool:
    sex = sex_of(person)
    return wanted is None or sex is None or sex == wanted


def sex_of(person: Speaker) -> str | None:
    """ "male" or "female" by a person's first name (gender-guesser's tables of first names
    by country), or None: a surname alone, an initial, a name used by both, or one mostly
    one sex's ("Bernie" is mostly a woman's name in its tables)."""
    words = person.name.split()
    if len(words) < 2 or len(words[0].rstrip(".")) < 2:
        return None
    guess = _first_names().get_gender(words[0])
    return guess if guess in ("male", "female") else None  # not "mostly_female" (Bernie)


@cache
def _first_names():
    import gender_guesser.detector

    return gender_guesser.detector.Detector(case_sensitive=False)


def note_person(context: ArticleContext, person: Speaker | None) -> None:
    """The person named last, and the few before (what "he" and "she" may refer to)."""
    context.last_person = person
    if person is not None:
        context.recent = [person, *[p for p in context.recent if p.key != person.key]][:RECENT]


def subject_named_before(pronoun, context: ArticleContext) -> Speaker | None:
    """The person a sentence names as a subject before its speaking pronoun, outside the
    quotation: "Democratic Sen. Claire McCaskill scolded him: “…,” she said." is hers, not
    the last speaker's before the sentence; one named speaking before others named."""
    named = []
    for entity in pronoun.sent.ents:
        if entity.end > pronoun.i:
            break
        subject = entity.label_ == PERSON and entity.root.dep_ in SUBJECTS
        if subject and not inside_quote_marks(pronoun.doc, entity.root):
            named.append(entity)
    # one who speaks first: "Cruz spokesman Rick Tyler said that … Cruz has “…,” he said."
    speaking = [e for e in named if e.root.head.lemma_.lower() in lexicon()["speech_verbs"]]
    chosen = (speaking or named or [None])[-1]
    person = context.person(chosen.text) if chosen is not None else None
    return (
        person if person is not None and _fits(person, _PRONOUN_SEX.get(pronoun.lower_)) else None
    )


def _someone_new_acts(doc, offset: int, sentence: Sentence) -> bool:
    """Is the sentence's subject a person brought in unnamed ("a stocks fund manager")?"""
    people = lexicon()["person_nouns"]
    for token in tokens_between(doc, sentence.start - offset, sentence.end - offset):
        if token.dep_ != "ROOT":
            continue
        for subject in (c for c in token.children if c.dep_ in SUBJECTS):
            indefinite = any(c.dep_ == "det" and c.lower_ in INDEFINITE for c in subject.children)
            if indefinite and subject.tag_ == "NN" and subject.lemma_.lower() in people:
                return True
    return False


def remember_mentions(doc, offset: int, sentence: Sentence, context: ArticleContext) -> None:
    """Who spoke or was named last: what "he" and "it" refer to in the next sentences."""
    if sentence.cue and sentence.cue[0] is not None:
        speaker = sentence.cue[0]
        if speaker.kind == PERSON:
            note_person(context, speaker)
        else:
            context.last_body = context.last_speaking_body = speaker
        return
    if sentence.cue:
        head = (sentence.cue[1].lower().split() or [""])[-1]
        bodies = lexicon()["organisation_nouns"]
        if head not in HE_SHE | IT | _PLURAL_PRONOUNS | bodies and not head.endswith("s"):
            context.last_person = None  # "a director said": "he" is now him, not a name
            return  # whoever else the sentence names as a subject, it is not the speaker
    if _someone_new_acts(doc, offset, sentence):
        context.last_person = None  # "a fund manager … made a prediction. “…,” he said."
        return
    for entity in entities_between(doc, sentence.start - offset, sentence.end - offset):
        if entity.label_ == PERSON and entity.root.dep_ in SUBJECTS:
            note_person(context, context.person(entity.text))
        elif entity.label_ == "ORG" and entity.root.dep_ in SUBJECTS:
            context.last_body = context.body(entity.text, entity.label_)
