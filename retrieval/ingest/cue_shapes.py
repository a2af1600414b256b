"""The shapes of an attribution beyond "X said": a verb that attributes only the quotation
beside it ("Limbaugh continued: “…”", "Trump likened the refugees to a “vicious snake”"),
a speaker the parse left off the verb ("…, saying", "Said Ellis:", "Marc H. Morial, the chief
executive of…, told"), a claim written as a noun ("Trump's claim that there have been
“thousands of shootings”"), and a body speaking through its people or its papers ("officials
at Homeland Security Investigations said", "a complaint filed by the SEC").

Read by `retrieval.ingest.attribution.cue_of`, which resolves the tokens found here.
"""

from __future__ import annotations

from retrieval.ingest.doc_index import entity_of
from retrieval.ingest.mentions import SUBJECTS
from retrieval.ingest.quote_marks import Sentence, inside_quote_marks
from retrieval.text.lexicon import lexicon
from retrieval.types import BODY_KINDS, PERSON

_OBJECTS = {"dobj", "xcomp"}  # "continued his attack", "continued to press": no words
_PARTICIPLE_LINKS = {"advcl", "xcomp", "conj"}  # "…, saying", "chimed in, tweeting"
_MEMBER_PREPOSITIONS = {"at", "of", "from", "for", "with"}  # "officials at the agency"
_SKIPPED_BEFORE_VERB = ("ADV", "AUX", "PART")


def quotes_by_verb(verb, sentence: Sentence) -> bool:
    """A verb that attributes the sentence's quotation only when it has one: a verb of
    uttering with nothing but the quotation as its object ("“…,” Matthews concluded",
    "Limbaugh continued: “…”"), a verb whose own object is quoted ("Trump attacked “the
    hateful ideology…”", "likened the rules to “burning the Constitution”"), a document's
    finding quoted ("a GAO report found that… “the drug trade…”"), or "as the New Yorker
    put it"."""
    lemma = verb.lemma_.lower()
    words = lexicon()
    if lemma in words["quotation_verbs"] or _answers_back(verb):  # (or the quotation
        # opens the next paragraph)
        quoted = sentence.has_marks or sentence.colon
        return quoted and not any(c.dep_ in _OBJECTS for c in verb.children)
    if not sentence.has_marks:
        return False
    if lemma in words["quoting_verbs"]:
        return _quotes_its_object(verb)
    if lemma in words["document_verbs"]:  # "A GAO report found that … “the drug trade…”"
        return any(
            c.dep_ in SUBJECTS and c.lemma_.lower() in words["document_nouns"]
            for c in verb.children
        )
    return lemma == "put" and any(c.dep_ == "dobj" and c.lower_ == "it" for c in verb.children)


def _answers_back(verb) -> bool:
    """ "Hillary shot back, “I suppose…”", "Fallon fired back:": a reply."""
    return any(c.dep_ in ("prt", "advmod") and c.lower_ == "back" for c in verb.children)


def _quotes_its_object(verb) -> bool:
    """A quote mark in what the verb governs, its subject aside."""
    for child in verb.children:
        if child.dep_ in SUBJECTS or child.i < verb.i:
            continue
        if any(inside_quote_marks(verb.doc, t) for t in child.subtree):
            return True
    return False


def speaking_subjects(verb) -> list:
    """The verb's subjects that may be the one speaking: the agent of a passive ("“American
    Skin (41 Shots)” was written by Springsteen"), never its passive subject ("Syrians have
    been admitted", "he was told": what was said, or who heard it); of two subjects the
    parse gives, a person's name first ("said Army Capt. Christian Pardo" parses "Capt" and
    "Pardo")."""
    agent = _passive_agent(verb)
    if agent is not None:
        return [agent]
    subjects = [c for c in verb.children if c.dep_ in SUBJECTS]
    if any(c.dep_ == "nsubjpass" for c in subjects) and verb.lemma_.lower() not in _PASSIVE_SPEAKS:
        return []
    return sorted(subjects, key=lambda c: not _names_person(c))


_PASSIVE_SPEAKS = {"expect", "believe"}  # "Baker is expected to announce": Baker's words


def _passive_agent(verb):
    for agent in verb.children:
        if agent.dep_ == "agent":
            return next((c for c in agent.children if c.dep_ == "pobj"), None)
    return None


def _subject_of(verb):
    return next((c for c in verb.children if c.dep_ in SUBJECTS), None)


def _names_person(token) -> bool:
    entity = entity_of(token)
    return entity is not None and entity.label_ == PERSON


def subject_of_governor(verb):
    """The subject of the verb a subjectless speech verb hangs from: "Clinton chimed in on
    Twitter, saying…", "Paulson declined…, but said…", "After saying…, she was whisked…",
    "the Security Council issued a statement calling…". None when that subject stands inside
    the quotation (`“…,” Tulsa police Chief Chuck Jordan said` read as a second verb of the
    quoted clause)."""
    governor = None
    if verb.dep_ in _PARTICIPLE_LINKS:
        governor = verb.head
    elif verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
        governor = verb.head.head  # "after saying…, she…"
    elif verb.dep_ == "acl" and _names_person(verb.head):
        return verb.head  # "Erin Brockovich, the activist, …, saying…" (parsed on the name)
    elif verb.dep_ == "acl" and _issued_paper(verb.head):
        governor = verb.head.head  # "issued a statement calling…"
        governor = governor.head if governor.dep_ == "prep" else governor
    if governor is None or governor.i == verb.i:
        return None
    subject = _subject_of(governor)
    if subject is None and governor.dep_ == "conj":  # "Dean appeared… and began by saying"
        governor = governor.head
        subject = _subject_of(governor)
    if subject is None or inside_quote_marks(verb.doc, subject):
        return None
    if verb.tag_ == "VBG" and _person_named_between(subject, verb, governor):
        return None  # "…such as senator Bob Corker…, now saying": not the main clause's
    return subject


def _person_named_between(subject, verb, governor) -> bool:
    """A person named after the subject's phrase and before the participle who could be
    the one speaking: not an owner ("Dean… poked at Trump's sniffing…, tweeting" is still
    Dean's), nor where the governing verb acted ("chimed in on Twitter, saying")."""
    phrase = {t.i for t in subject.subtree}
    for token in verb.doc[subject.i + 1 : verb.i]:
        entity = entity_of(token)
        if entity is None or entity.label_ != PERSON or token.i in phrase:
            continue
        root = entity.root
        on_governor = root.dep_ == "pobj" and root.head.head.i == governor.i
        if not _owner(entity) and not on_governor:
            return True
    return False


def _owner(entity) -> bool:
    """ "Trump's sniffing", "Sanders’ approach": a name that owns what follows it."""
    after = entity.doc[entity.end] if entity.end < len(entity.doc) else None
    owns = after is not None and after.text in ("'s", "’s", "'", "’")
    return entity.root.dep_ == "poss" or owns or entity.text.endswith(("’", "'"))


def _issued_paper(noun) -> bool:
    """A document someone put out ("issued a statement"), not anyone's noun with a clause
    after it ("defended people accused of rape" accuses no one)."""
    return noun.dep_ in ("dobj", "pobj") and noun.lemma_.lower() in lexicon()["document_nouns"]


def person_beside(doc, verb):
    """A person the parse did not make the verb's subject: named right before it (adverbs
    aside, or past the description written after the name: "Marc H. Morial, the chief
    executive of the National Urban League, forcefully told"), or right after a verb that
    opens the sentence ("Said Ellis: “…”")."""
    index = verb.i - 1
    while index >= 0 and doc[index].pos_ in _SKIPPED_BEFORE_VERB:
        index -= 1
    if index >= 0:
        entity = entity_of(doc[index])
        if entity is not None and entity.label_ == PERSON:
            return doc[index]
        if doc[index].text == ",":
            return _person_described_before(doc, index)
    return _person_after_opening_verb(doc, verb)


def _person_described_before(doc, comma: int):
    """The person whose description ends at `comma`: every token from the end of the name
    to the comma belongs to the name's phrase ("Stuart Stevens, who served as Mitt Romney's
    chief strategist during the 2012 campaign, called…": Stevens, not Romney)."""
    index = comma - 1
    while index >= 0:
        entity = entity_of(doc[index])
        if entity is None or entity.label_ != PERSON:
            index -= 1
            continue
        phrase = {t.i for t in entity.root.subtree}
        if all(i in phrase for i in range(entity.end, comma + 1)):
            return entity.root
        index = entity.start - 1
    return None


def _person_after_opening_verb(doc, verb):
    """ "Said Ellis: “…”": the verb first in its sentence, a capitalised name right after."""
    if verb.i != verb.sent.start or verb.i + 1 >= len(doc):
        return None
    name = doc[verb.i + 1]
    entity = entity_of(name)
    if entity is not None:
        return entity.root if entity.label_ == PERSON else None
    return name if name.pos_ == "PROPN" and name.text[:1].isupper() else None


def claimed_by(noun):
    """Whose claim a speech noun with a quotation in it is: "Donald Trump's claim that there
    have been “thousands of shootings”" is Trump's. The owner token, or None."""
    if noun.pos_ != "NOUN" or noun.lemma_.lower() not in lexicon()["speech_nouns"]:
        return None
    if not any(inside_quote_marks(noun.doc, t) for t in noun.subtree if t.i > noun.i):
        return None
    verbs = lexicon()["speech_verbs"] | lexicon()["quoting_verbs"]
    if noun.dep_ in ("dobj", "oprd") and noun.head.lemma_.lower() in verbs:
        return None  # "Stevens called Trump's statements “childish”": the verb's subject's
    return next((c for c in noun.children if c.dep_ == "poss" and c.pos_ == "PROPN"), None)


def filed_by(document):
    """The author a document is credited to in a phrase after it: "a complaint filed by
    the federal Securities and Exchange Commission"."""
    for clause in document.children:
        if clause.dep_ == "acl" and clause.tag_ == "VBN":
            author = _passive_agent(clause)
            if author is not None:
                return author
    return None


def members_body(noun):
    """The body a plural of people belongs to, named after them: "officials at Homeland
    Security Investigations", "spokesmen for the ministry" are the body speaking."""
    if noun.lemma_.lower() not in lexicon()["person_nouns"]:
        return None
    for preposition in noun.children:
        if preposition.dep_ != "prep" or preposition.lower_ not in _MEMBER_PREPOSITIONS:
            continue
        for body in preposition.children:
            entity = entity_of(body)
            if body.dep_ == "pobj" and entity is not None and entity.label_ in BODY_KINDS:
                return body
    return None


_SUBORDINATORS = {"after", "before", "when", "while", "as", "since", "because", "once", "until"}


def in_background(verb) -> bool:
    """A speech verb of a clause that sets the scene for the sentence's own ("After Jerry
    Brown criticized him, Hillary shot back, “…”", "…, after CNBC's Becky Quick said…"):
    any other cue comes first."""
    return verb.dep_ == "advcl" and any(
        c.dep_ == "mark" and c.lower_ in _SUBORDINATORS for c in verb.children
    )


def subject_of_description(verb):
    """ "<Hoechst Celanese Corp>, recently formed from the merger of…, said": the parser
    reads the description as the clause said, with the speaker as its subject."""
    for clause in verb.children:
        description = clause.dep_ == "ccomp" and clause.tag_ == "VBN" and clause.i < verb.i
        if description and not any(c.dep_ in ("aux", "auxpass") for c in clause.children):
            subject = _subject_of(clause)
            if subject is not None and subject.i < clause.i and entity_of(subject) is not None:
                return subject
    return None


def quoted_as_saying(verb):
    """The object of "quote … as saying", who is the one speaking."""
    if verb.lemma_.lower() != "quote":
        return None
    saying = any(t.lower_ == "saying" for t in verb.subtree)
    return next((c for c in verb.children if c.dep_ == "dobj"), None) if saying else None
