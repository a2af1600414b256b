"""Who is speaking: a sentence's cue (a speech verb or "according to") and its subject,
resolved to a person or body the article has named.

`ArticleContext` is what the article has said so far (people, bodies, the roles it binds to
people, who spoke last); `cue_of` reads one sentence's parse against it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from retrieval.ingest.cue_shapes import (
    claimed_by,
    filed_by,
    in_background,
    members_body,
    person_beside,
    quoted_as_saying,
    quotes_by_verb,
    speaking_subjects,
    subject_of_description,
    subject_of_governor,
)
from retrieval.ingest.doc_index import entity_of, tokens_between
from retrieval.ingest.mentions import (
    HE_SHE,
    INDEFINITE,
    IT,
    person_for_pronoun,
    subject_named_before,
)
from retrieval.ingest.quote_marks import (
    PULL_QUOTE_CUE,
    Sentence,
    inside_quote_marks,
    named_after_dash,
)
from retrieval.text.lexicon import lexicon
from retrieval.text.names import body_key, has_suffix, make_speaker, name_key, short_forms
from retrieval.types import BODY_KINDS, PERSON, Speaker

_ROLE_DEPS = {"compound", "amod", "appos", "nmod", "npadvmod"}
# a claim written as a noun ("Trump's claim that…"), or a verb that attributes only the
# quotation it holds ("Matthews concluded"), yields to a speech verb of the sentence
_NOUN_RANK = 5


_AMBIGUOUS = Speaker("", "", "", "")  # a role bound to more than one person


_RELAY_VERBS = lexicon()["relay_verbs"]


_BARE_ROLES = lexicon()["bare_roles"]
_OWNER_PREPOSITIONS = ("for", "of", "at")  # "a spokesman for the governor", "head of OPEC"


_TITLE_OR_JOB = lexicon()["titles"] | lexicon()["person_nouns"]


@dataclass
class ArticleContext:
    """What the article has said so far: people, bodies, roles, who spoke last."""

    people: dict[str, Speaker] = field(default_factory=dict)  # surname → latest full name
    full_names: dict[str, Speaker] = field(default_factory=dict)  # key → person
    bodies: dict[str, Speaker] = field(default_factory=dict)  # key → body
    roles: dict[str, Speaker] = field(default_factory=dict)  # "defence minister" → person
    aliases: dict[str, Speaker] = field(default_factory=dict)  # "mead" → Mead Corp
    last_person: Speaker | None = None
    last_body: Speaker | None = None
    last_speaking_body: Speaker | None = None  # what "it said" means once a body has spoken
    mentions: dict[str, int] = field(default_factory=dict)  # key → times named so far
    recent: list[Speaker] = field(default_factory=list)  # people named last, latest first

    def person(self, text: str) -> Speaker | None:
        """The person a name means here. A surname two people of the article bear ("Cruz"
        after Ted Cruz and Heidi Cruz) is the one the article has named more often (news
        copy gives the other a first name or a role), and no one when they are even."""
        speaker = make_speaker(text, PERSON)
        if not speaker.key:
            return None
        if len(speaker.key.split()) == 1:
            bearers = [k for k in self.full_names if k.split()[-1] == speaker.surname]
            # (not "donald trump jr": a bare "Trump" is the father)
            if len(bearers) > 1:
                return self._more_named(bearers)
            return self._named(self.people.setdefault(speaker.surname, speaker))
        fuller = self._fuller(speaker.key)
        if fuller is not None:  # "Leao Franco" after "Jorge Luis Leao Franco": the same man
            return self._named(fuller)
        known = self.full_names.setdefault(speaker.key, speaker)
        if not has_suffix(speaker.key):
            self.people[speaker.surname] = known
        return self._named(known)

    def _fuller(self, key: str) -> Speaker | None:
        """The one person of the article whose full name ends with `key`, if one."""
        longer = [p for k, p in self.full_names.items() if k.endswith(" " + key)]
        return longer[0] if len(longer) == 1 else None

    def _named(self, speaker: Speaker) -> Speaker:
        self.mentions[speaker.key] = self.mentions.get(speaker.key, 0) + 1
        return speaker

    def _more_named(self, keys: list[str]) -> Speaker | None:
        counts = sorted(((self.mentions.get(k, 0), k) for k in keys), reverse=True)
        if counts[0][0] == counts[1][0]:
            return None
        return self._named(self.full_names[counts[0][1]])

    def known(self, phrase: str) -> Speaker | None:
        """A person or body of this article that `phrase` names ("Asif", "Mr Asif").

        People first: the tagger may take a surname met before for an organisation.
        """
        key = name_key(phrase)
        if not key:
            return None
        words = key.split()
        if key in self.full_names:
            return self.full_names[key]
        fuller = self._fuller(key) if len(words) > 1 else None
        if fuller is not None:  # "Trump Jr." after "Donald Trump Jr."
            return fuller
        if len(words) <= 2 and words[-1] in self.people:
            person = self.people[words[-1]]
            if len(words) == 1 or person.key.split()[0] == words[0]:
                return person
        return self.body_named(phrase)

    def body_named(self, phrase: str) -> Speaker | None:
        """A body of this article by its name or a short form of it ("Mead" for Mead Corp)."""
        key = body_key(phrase)
        named = self.bodies.get(key) or self.aliases.get(key)
        return None if named is _AMBIGUOUS else named

    def body_called(self, noun: str) -> Speaker | None:
        """The body named last whose name holds `noun`: "the department" after the State
        Department and the Pentagon is the State Department."""
        return next((b for b in reversed(self.bodies.values()) if noun in b.key.split()), None)

    def bind_role(self, role: str, speaker: Speaker) -> None:
        """A role names one person; a role two people hold ("minister") names no one."""
        bound = self.roles.get(role, speaker)
        self.roles[role] = speaker if bound == speaker else _AMBIGUOUS

    def roles_of(self) -> dict[str, tuple[str, ...]]:
        """Speaker key → the roles this article binds to that person alone (the role table
        `newsdesk` resolves "what did the defence minister say" with)."""
        held: dict[str, list[str]] = {}
        for role, speaker in self.roles.items():
            if speaker is not _AMBIGUOUS and role not in _BARE_ROLES:
                person = self.fullest(speaker)
                held.setdefault(person.key, []).append(role)
        return {key: tuple(sorted(roles)) for key, roles in held.items()}

    def fullest(self, speaker: Speaker | None) -> Speaker | None:
        """A surname-only speaker named in full later in the article takes the full name."""
        if speaker is None or speaker.kind != PERSON or " " in speaker.key:
            return speaker
        return self.people.get(speaker.surname, speaker)

    def body(self, text: str, kind: str) -> Speaker | None:
        speaker = make_speaker(text, kind)
        if not speaker.key:
            return None
        person = self.people.get(speaker.key)
        if person is not None:  # "Treybig" tagged ORG after "James Treybig": still him
            return person
        known = self.bodies.pop(speaker.key, speaker)
        self.bodies[speaker.key] = known  # last in the dict: the body named last
        for alias in short_forms(known.key, first_word=True):
            bound = self.aliases.setdefault(alias, known)
            if bound != known:
                self.aliases[alias] = _AMBIGUOUS  # two bodies called "Bond": neither
        return known


def cue_of(doc, offset: int, sentence: Sentence, context: ArticleContext):
    """(speaker, mention, cue) of the sentence's attribution, if it has one."""
    words = lexicon()
    candidates = []
    for token in tokens_between(doc, sentence.start - offset, sentence.end - offset):
        following = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if token.lower_ == "according" and following is not None and following.lower_ == "to":
            target = next((c for c in following.children if c.dep_ == "pobj"), None)
            if target is not None:
                candidates.append((0, target, "according to"))
            continue
        owner = claimed_by(token)
        if owner is not None:  # "Trump's claim that there have been “thousands of…”"
            candidates.append((_NOUN_RANK + _depth(token), owner, token.lemma_.lower()))
            continue
        if token.pos_ not in ("VERB", "AUX") or inside_quote_marks(doc, token):
            continue  # (a verb inside the quotation is the quoted words': "…"to say to…"")
        if token.lemma_.lower() not in words["speech_verbs"]:
            if not quotes_by_verb(token, sentence):
                continue
        elif token.lemma_.lower() in words["needs_clause"] and not _has_clause(token, sentence):
            continue
        if any(c.dep_ == "neg" and not inside_quote_marks(doc, c) for c in token.children):
            continue  # "Baldrige did not say what he wanted": no words of his (a "not" of
            # the quotation hung on the verb is none: `"…Probably not," Ms. Moore said.`)
        subjects = speaking_subjects(token)
        quoted = quoted_as_saying(token)
        if quoted is not None:  # "GNA quoted Botchwey as saying…": Botchwey's words
            candidates.append((0 if token.dep_ == "ROOT" else 1 + _depth(token), quoted, "say"))
            continue
        # a parse can hang words of the quotation on the verb as a second subject ("“The
        # gates held…,” said engineer Mara Quell"): the speaker is the one outside the marks
        outside = [c for c in subjects if not inside_quote_marks(doc, c)]
        subject = (outside or subjects or [None])[0]
        if subject is None:  # "Paulson declined…, but said…", "…, saying"
            subject = subject_of_governor(token)
        if subject is None:
            subject = subject_of_description(token) or person_beside(doc, token)
        if subject is None:
            continue
        rank = 0 if token.dep_ == "ROOT" else 1 + _depth(token)
        if token.lemma_.lower() in _RELAY_VERBS or _news_outlet(subject) or in_background(token):
            rank += 10
        if token.lemma_.lower() not in words["speech_verbs"]:
            rank += _NOUN_RANK  # "The talks began … and Tanjug said …": Tanjug's
        candidates.append((rank, subject, token.lemma_.lower()))
    candidates += [(0, name, PULL_QUOTE_CUE) for name in named_after_dash(doc, offset, sentence)]
    for _, subject, cue in sorted(candidates, key=lambda c: c[0]):
        if cue != PULL_QUOTE_CUE and inside_quote_marks(doc, subject):
            continue  # (a name after "”―" is outside, however the tokens fall: "”―" is one)
        speaker, mention = _resolve(subject, context)
        if mention:
            return speaker, mention, cue
    return None


def _news_outlet(subject) -> bool:
    """ "the official news agency Tass said": an agency relays the words of a speaker the
    sentence names in its clause ("The Soviet government said …, Tass said")."""
    outlets = lexicon()["news_outlet_nouns"]
    return any(t.lemma_.lower() in outlets for t in subject.subtree if t.i <= subject.i)


def _has_clause(verb, sentence: Sentence) -> bool:
    """Words follow the verb: a quotation, a that-clause, or an infinitive of what was said
    ("expects profits to rise"), not of what was done ("agreed to open its markets")."""
    clauses = {"ccomp"} if verb.lemma_.lower() in lexicon()["infinitive_is_an_act"] else {
        "ccomp", "xcomp"}  # fmt: skip
    return sentence.has_marks or any(c.dep_ in clauses for c in verb.children)


def _depth(token) -> int:
    depth = 0
    while token.head.i != token.i and depth < 20:
        token, depth = token.head, depth + 1
    return depth


def _resolve(subject, context: ArticleContext) -> tuple[Speaker | None, str]:
    """The speaker a subject token refers to, and the words naming it here."""
    entity = entity_of(subject)
    if entity is not None:
        label = entity.label_
        if label in BODY_KINDS and _described_as_person(entity):
            label = PERSON  # "Wilson Banks, general manager of…", tagged ORG
        if _indefinite(subject):
            return None, entity.text  # "said one well-connected Democrat": someone unnamed
        if label == PERSON:
            body = context.body_named(entity.text)
            if body is not None and name_key(entity.text) not in context.people:
                return body, entity.text  # "Mead said", after "Mead Corp said"
            return context.person(entity.text), entity.text
        if label in BODY_KINDS:
            return context.body(entity.text, label), entity.text
    phrase = _phrase(subject)
    titled = _person_after_title(subject)
    if titled is not None:  # "President of the Brazilian Coffee Institute Jorio Dauster told"
        return context.person(titled.text), phrase
    known = context.known(phrase) if subject.text[:1].isupper() else None
    if known is not None:  # a name met earlier, whatever the tagger made of it here
        return known, phrase
    lower = subject.lower_
    if subject.pos_ == "PRON":
        if lower in HE_SHE:  # "McCaskill scolded him: “…,” she said.": McCaskill
            named = subject_named_before(subject, context)
            return named or person_for_pronoun(subject, context), subject.text
        if lower in IT:  # "Tanjug said the EC refused… It said": the agency still speaks
            return context.last_speaking_body or context.last_body, subject.text
        return None, subject.text
    if subject.pos_ == "PROPN" and _titled_name(subject):
        return context.person(phrase), phrase  # "group president Francois-Xavier Ortoli"
    if subject.pos_ == "NOUN":
        named = _named_beside(subject, context)
        if named is not None:  # "senior vice president of U.S. operations Ian Diery said"
            return named, phrase
        if subject.lemma_.lower() in lexicon()["document_nouns"]:
            return _author(subject, context), phrase
        return _by_role(subject, context), phrase
    return None, phrase


def _indefinite(token) -> bool:
    return any(c.dep_ in ("det", "nummod") and c.lower_ in INDEFINITE for c in token.children)


def _person_after_title(subject):
    """The person a title phrase ends with, when the parser made the title the subject:
    "GATT director-general for agriculture Jean-Marc Lucq told reporters"."""
    if subject.lemma_.lower() not in _TITLE_OR_JOB:
        return None
    if entity_of(subject) is not None or any(
        c.dep_ == "det" and c.lower_ in INDEFINITE for c in subject.children
    ):
        return None  # "an aide to Chirac told reporters": the aide, unnamed
    last = entity_of(subject.right_edge)
    if last is None or last.label_ != PERSON or last.root.head.lower_ == "to":
        return None
    return last


def _described_as_person(entity) -> bool:
    """An entity given a job in apposition ("Wilson Banks, general manager of…")."""
    people = lexicon()["person_nouns"]
    return any(
        c.dep_ == "appos" and c.pos_ == "NOUN" and c.lemma_.lower() in people
        for c in entity.root.children
    )


def _named_beside(noun, context: ArticleContext) -> Speaker | None:
    """The person a role noun is written beside: "the group's chief executive, Kjell Nilsson"."""
    for child in noun.children:
        entity = entity_of(child) if child.dep_ == "appos" else None
        if entity is not None and entity.label_ == PERSON:
            return context.person(entity.text)
    return None


def _author(document, context: ArticleContext) -> Speaker | None:
    """Whose document speaks: "the Bundesbank's annual report said", "an Atlas statement
    said". A document of no one named ("a memorandum of understanding said") is no one's."""
    for child in document.children:
        if child.dep_ in ("poss", "compound") and child.pos_ == "PROPN":
            speaker, name = _resolve(child, context)
            if speaker is None and entity_of(child) is None:  # a body the tagger missed:
                return context.body(name, "ORG")  # "A Government Accountability Office report"
            return speaker
    author = filed_by(document)  # "a complaint filed by the SEC"
    return _resolve(author, context)[0] if author is not None else None


def _titled_name(token) -> bool:
    """A name the tagger missed, written after a title: "president Francois-Xavier Ortoli".

    Two or more capitalised words, and a lower-case title word (`lexicon.toml`) right before
    them: a person, whatever NER made of it.
    """
    words = [t for t in token.subtree if t.i <= token.i]
    names = [t for t in words if t.pos_ == "PROPN" and t.text[:1].isupper()]
    titles = lexicon()["titles"]
    lowered = [t for t in words if t.text.islower() and t.lower_ in titles]
    return (
        len(names) >= 2
        and bool(lowered)
        and not any(t.lower_ in lexicon()["organisation_nouns"] for t in names)
    )


def _phrase(token) -> str:
    """The subject's noun phrase as written ("the defence minister", "Mr Asif")."""
    words = [t for t in token.subtree if t.i <= token.i and t.dep_ != "punct" and t.pos_ != "VERB"]
    # (a verb is no part of it: "Said Ellis:" parses "Said" as a word of the name)
    start = min(t.i for t in words) if words else token.i
    return token.doc[start : token.i + 1].text


def _by_role(noun, context: ArticleContext) -> Speaker | None:
    """ "the defence minister" → the person bound to that role; "the company" → last body."""
    lemma = noun.lemma_.lower()
    modifiers = [c.lemma_.lower() for c in noun.children if c.dep_ in ("compound", "amod")]
    if noun.tag_ in ("NNS", "NNPS"):
        body = members_body(noun)  # "officials at Homeland Security Investigations"
        return _resolve(body, context)[0] if body is not None else None  # "analysts": no one
    if _indefinite(noun):
        return None  # "a director at one bank": someone new, not the director named before
    for key in (" ".join([*modifiers, lemma]), lemma):
        if key in context.roles:
            bound = context.roles[key]
            return None if bound is _AMBIGUOUS else bound
    if lemma in lexicon()["organisation_nouns"]:
        return _body_by_noun(noun, context)
    return None


def _body_by_noun(noun, context: ArticleContext) -> Speaker | None:
    """ "the official Tanjug news agency" → Tanjug; "the Soviet government" → a body of that
    name; "the department" → the body named last with that word, else the last body."""
    before = [t for t in noun.subtree if t.i < noun.i]
    if any((entity_of(t) is not None and entity_of(t).label_ == PERSON) for t in before):
        return context.last_body  # "the Reagan administration": not Reagan
    proper = [t for t in before if t.pos_ == "PROPN" and entity_of(t) is None]
    if proper and all(t.i + 1 == u.i for t, u in itertools.pairwise(proper)):
        return context.body(noun.doc[proper[0].i : proper[-1].i + 1].text, "ORG")
    places = [t for t in before if (e := entity_of(t)) is not None and e.label_ in ("NORP", "GPE")]
    if places and noun.lemma_.lower() == "government":
        return context.body(f"{places[-1].text} {noun.text}", "ORG")
    return context.body_called(noun.lemma_.lower()) or context.last_body


def learn_names(doc, context: ArticleContext) -> None:
    """Register the paragraph's people and bodies, and the roles written beside a name."""
    for entity in doc.ents:
        if entity.label_ == PERSON or (
            entity.label_ in BODY_KINDS and _described_as_person(entity)
        ):
            speaker = context.person(entity.text)
            if speaker is None:
                continue
            for role in _roles_beside(entity):
                context.bind_role(role, speaker)
        elif entity.label_ in BODY_KINDS:
            context.body(entity.text, entity.label_)


def _roles_beside(entity) -> list[str]:
    """ "Defence Minister Khawaja Asif", "Asif, the defence minister,", "the minister, Asif"."""
    root = entity.root
    nouns = []
    for token in root.children:
        beside = token.dep_ in _ROLE_DEPS and token.i not in range(entity.start, entity.end)
        if beside and token.pos_ in ("NOUN", "PROPN") and entity_of(token) is None:
            nouns.append(token)
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        nouns.append(root.head)
    roles = []
    for noun in nouns:
        lemma = noun.lemma_.lower()
        modifiers = [
            c.lemma_.lower()
            for c in noun.children
            if c.dep_ in ("compound", "amod") and entity_of(c) is None
        ]
        roles.append(lemma)
        if modifiers:
            roles.append(" ".join([*modifiers[-1:], lemma]))
        roles += _roles_for_owner(noun, lemma)
    # "Defence Minister Khawaja Asif": the words before the name that modify it, as a chain.
    chain = []
    for token in reversed(root.doc[max(0, entity.start - 4) : entity.start]):
        in_chain = token.head.i in range(entity.start, entity.end) or token.head in chain
        entity_here = entity_of(token)
        person = entity_here is not None and entity_here.label_ == PERSON
        if token.dep_ not in ("compound", "amod") or not in_chain or person:
            break
        chain.append(token)
    if chain:
        head = chain[0].lemma_.lower()  # the word next to the name: "minister"
        roles.append(head)
        if len(chain) > 1:
            roles.append(f"{chain[1].lemma_.lower()} {head}")
    return [role for role in roles if role[:1].isalpha()]  # not "." of "Capt. Pardo"


def _roles_for_owner(noun, lemma: str) -> list[str]:
    """ "a spokesman for the governor of Khost" → "governor spokesman", "khost governor
    spokesman": the role as a question names it ("the Khost governor's spokesman")."""
    owner = next(
        (g for p in noun.children if p.dep_ == "prep" and p.lower_ in _OWNER_PREPOSITIONS
         for g in p.children if g.dep_ == "pobj" and g.pos_ in ("NOUN", "PROPN")),
        None,
    )  # fmt: skip
    if owner is None:
        return []
    head = owner.lemma_.lower() if owner.pos_ == "NOUN" else owner.lower_
    roles = [f"{head} {lemma}"]
    inner = [
        g.lower_
        for p in owner.children
        if p.dep_ == "prep" and p.lower_ == "of"
        for g in p.children
        if g.dep_ == "pobj" and g.pos_ == "PROPN"
    ]
    if inner:
        roles.append(f"{inner[0]} {head} {lemma}")
    return roles
