"""What a question asks: its topic terms, the person it asks about, and whether it follows up.

The extractive answerer needs no language model, so it reads questions with a few rules:
"What did Asif say about Tora Bora?" asks for *speech* by *Asif* about the topic *Tora Bora*;
"When did he say it?" is a *when* question that *follows up* the previous turn. Who "Asif" is
is not decided here: `bot.answer.said` resolves the name against the archive's speakers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

from retrieval.text.dates import parse_date
from retrieval.text.lexicon import lexicon, speech_verb_forms
from retrieval.text.names import name_key
from retrieval.text.words import stem, tokenize
from retrieval.types import SearchFilters

STOPWORDS = lexicon()["question_stopwords"]
_ASK_VERBS = (
    "say|said|tell|told|think|thought|mean|react|respond|claim|threaten|want|warn|announce|"
    "add|comment|argue|predict|expect|write|state|declare|promise|insist|suggest|believe|"
    "feel|admit|deny|reveal|reply|urge|stress|note|have to say|had to say"
)
_ASK_VERB_SET = frozenset(re.findall(r"[a-z]+", _ASK_VERBS))
_PRONOUNS = re.compile(r"\b(he|she|they|him|her|them|his|it|that|this|those|these)\b", re.I)
_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his)\b", re.I)
_ASKED_PERSON = re.compile(
    rf"\b(?:did|does|do|has|have|had|was|is|will|would|could)\s+(?P<name>[^?,;]{{1,60}}?)\s+"
    rf"(?:{_ASK_VERBS})\b",
    re.I,
)
_POSSESSIVE_PERSON = re.compile(
    r"\b(?P<name>[A-Z][\w.-]+(?:\s+[A-Z][\w.-]+){0,3})(?:’s|'s)\s+"
    r"(?:view|comment|remark|word|statement|warning|position|response|reaction|stance|take|"
    r"opinion|quote|claim|argument|prediction|forecast)",
)
_ACCORDING_TO = re.compile(
    r"\b(?i:according to)\s+(?P<name>[A-Z][\w.’'-]+(?:\s+[A-Z][\w.’'-]+){0,3})"
)
_TOPIC = re.compile(r"\b(?:about|on|regarding|concerning|over|of)\s+(?P<topic>.+?)[?.!]*\s*$", re.I)
_SPEECH_QUESTION = re.compile(
    rf"\b(?:{_ASK_VERBS}|quote|view|statement|remark|reaction|position)s?\b", re.I
)
_LATEST = re.compile(
    r"\b(?:latest|newest|most recent|recent(?:ly)?|any (?:news|update)|updates? on|"
    r"what'?s new)\b",
    re.I,
)
_WHEN = re.compile(r"^\s*(?:when|what date|on what day|which day)\b", re.I)
CAUSE = "CAUSE"  # no entity: a reason or purpose ("due to…", "in retaliation for…")
# What kind of entity answers a question, by how it opens (spaCy's labels, stored at ingest).
_ANSWER_TYPES = (
    (re.compile(r"^\s*(?:when|what (?:date|time|day|year|month)|on what day|which (?:day|"
                r"date|year|month)|since when|how long ago)\b", re.I), frozenset({"DATE", "TIME"})),
    (re.compile(r"^\s*(?:how (?:many|much)|what (?:number|amount|percentage|share))\b", re.I),
     frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})),
    (re.compile(r"^\s*(?:who|whom|whose)\b", re.I), frozenset({"PERSON"})),
    (re.compile(r"^\s*(?:where|in what (?:place|city|country))\b", re.I),
     frozenset({"GPE", "LOC", "FAC"})),
    (re.compile(r"^\s*(?:why|how come|what (?:caused|made|pushed|prompted|lifted|drove|is "
                r"behind|'s behind|was behind|led)|what (?:is|was|are) the reasons?|for what "
                r"reason)\b|\breasons? (?:for|why)\b", re.I), frozenset({CAUSE})),
)  # fmt: skip
_NOT_NAMES = lexicon()["not_names"]
_AMOUNTS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
_OPENING_AUXILIARIES = "|".join(sorted(lexicon()["auxiliaries"] | {"are"}))
_YES_NO = re.compile(rf"^\s*(?:{_OPENING_AUXILIARIES})\b", re.I)  # "did X raise rates?"
_ASKS = re.compile(  # a question word or an auxiliary opening it: not a few keywords
    rf"^\s*(?:what|which|who|whom|whose|when|where|why|how|any|tell|give|show|"
    rf"{_OPENING_AUXILIARIES})\b",
    re.I,
)


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]  # stemmed topic terms, the person's name left out
    person_names: tuple[str, ...]  # as written, e.g. ("Asif",) or ("the Bundesbank",)
    topic: str  # what the person is asked about: "Tora Bora" ("" when not said)
    asks_speech: bool
    asks_when: bool
    has_pronoun: bool
    has_proper_name: bool
    answer_types: frozenset[str] = frozenset()  # entity labels that answer it: {"DATE", …}
    asks_latest: bool = False  # "the latest on X": the newest story first

    @property
    def people(self) -> tuple[str, ...]:
        """Name keys of the people asked about, e.g. ("asif",)."""
        return tuple(name_key(n) for n in self.person_names)

    @property
    def asks_person(self) -> bool:
        """ "What did X say (about Y)?": answered only with X's own words."""
        return bool(self.person_names) and self.asks_speech


def analyse(text: str) -> Question:
    names = asked_people(text)
    name_words = {word for name in names for word in tokenize(name)}
    topic = _topic(text, names)
    latest = bool(_LATEST.search(text))
    asked = without_latest_frame(text) if latest else text  # "newest" is no word of the topic
    return Question(
        text=text,
        terms=topic_terms(topic or asked, name_words),
        person_names=tuple(names),
        topic=topic,
        asks_speech=asks_speech(text),
        asks_when=bool(_WHEN.search(text)),
        has_pronoun=bool(_PRONOUNS.search(text)),
        has_proper_name=bool(re.search(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+", text.strip())),
        answer_types=answer_types(text),
        asks_latest=latest,
    )


@cache
def _abbreviations() -> tuple[re.Pattern[str], dict[str, str]]:
    pairs = (entry.split("=", 1) for entry in lexicon()["abbreviations"])
    spelled = {short.strip(): long.strip() for short, long in pairs}
    alternatives = "|".join(map(re.escape, sorted(spelled, key=len, reverse=True)))
    return re.compile(rf"(?<![\w&])(?:{alternatives})(?![\w&])", re.I), spelled


def spell_out(text: str, known: Callable[[str], bool] = lambda _: False) -> str:
    """The question with the short forms readers type spelled out as news copy writes them
    ("uk q4 trade deficit" → "uk fourth quarter trade deficit"), unless the archive itself
    uses the short form (`known`: "the Fed chairman" stays, a role the archive knows). A word
    no article holds would refuse the question (`bot.answer.evidence`)."""
    pattern, spelled = _abbreviations()

    def spelled_out(match: re.Match[str]) -> str:
        short = match.group()
        return short if known(short.lower()) else spelled[short.lower()]

    return pattern.sub(spelled_out, text)


def answer_types(text: str) -> frozenset[str]:
    """The entity labels an answer to `text` holds: a date for "when", a number for "how
    many", a person for "who", a place for "where" (empty for other questions)."""
    opening = next((labels for pattern, labels in _ANSWER_TYPES if pattern.search(text)), None)
    if opening is not None:
        return opening
    if not _ASKS.match(text) and set(tokenize(text)) & lexicon()["quantity_nouns"]:
        return _AMOUNTS  # "holiday inns junk bond offering size": a figure answers it
    return frozenset()


_CAUSE_MARKERS = re.compile(
    r"\b(?:"
    + "|".join(sorted(map(re.escape, lexicon()["cause_markers"]), key=len, reverse=True))
    + r")\b",
    re.I,
)


def asks_yes_no(text: str) -> bool:
    """ "Did the Bank of England raise rates?": opens with an auxiliary, presumes nothing."""
    return bool(_YES_NO.match(text))


def gives_reason(sentence: str) -> bool:
    """Does the sentence give a reason or purpose ("largely due to", "in retaliation for")?"""
    return bool(_CAUSE_MARKERS.search(sentence))


_SECOND_QUESTION = re.compile(
    r"(?:,\s*|\s+)(?:and|but)\s+(?=(?:what|how|who|whom|when|where|why|which|is|are|was|were|"
    r"does|do|did|will|would|has|have|can|could)\b)|\s+[-–—]\s+(?=(?:what|how|who|when|where|"
    r"why|which|is|are|does|do|did|will|would)\b)|;\s*",
    re.I,
)
_MIN_PART_WORDS = 3


def question_parts(text: str) -> tuple[str, str] | None:
    """A question that asks two things ("what did TWA offer for USAir and what will it do if
    USAir turns it down") split in two; None for one question ("Texaco and Pennzoil")."""
    pieces = _SECOND_QUESTION.split(text.strip(), maxsplit=1)
    if len(pieces) != 2:
        return None
    first, second = (p.strip(" ,;?") for p in pieces)
    if min(len(first.split()), len(second.split())) < _MIN_PART_WORDS:
        return None
    if not (topic_terms(first) and topic_terms(second)):
        return None  # "Measor on Hong Securities - what did they say?": one question, framed
    return first, second


_LATEST_FRAME = re.compile(
    r"\b(?:what'?s|what is|any|is there any)?\s*(?:the\s+)?(?:latest|newest|most recent|"
    r"recent|new)?\s*(?:news|updates?|word|developments?|latest|newest)\s*(?:on|about|with|"
    r"in|regarding|for|from)?\b\s*",
    re.I,
)


def without_latest_frame(text: str) -> str:
    """ "What's the latest on UK base rates?" → "UK base rates?": the story searched for,
    without the words asking for news ("newest" would find "Redstone's newest proposal")."""
    return _LATEST_FRAME.sub(" ", text, count=1).strip() or text


def content_words(text: str) -> str:
    """The words of a question that say what it is about ("How much oil does Petro-Canada
    think is in Terra Nova" → "oil Petro-Canada think Terra Nova"): what a second question
    joined to it ("and when could it start producing?") is read with, its own words first."""
    words = re.findall(r"[\w][\w.&'’-]*", text)
    return " ".join(w for w in words if w.lower().strip(".'’") not in STOPWORDS)


def topic_terms(topic: str, name_words: set[str] = frozenset()) -> tuple[str, ...]:
    """The stemmed words a topic is matched by: no question words, no person's name."""
    words = (t for t in tokenize(topic) if t not in STOPWORDS and t not in name_words)
    return tuple(dict.fromkeys(stem(t) for t in words))


def asks_speech(text: str) -> bool:
    """Does the question ask what someone said or wrote? Any speech or writing verb in any
    form ("post", "tweeted", "told Geo News"), a word for quotes, or "according to" — not
    one used as a noun ("the official forecast", "the Holiday Inns notes"), nor a report
    ("CIBC is said to be pushing Dome…": no one's words are asked for)."""
    words = list(re.finditer(r"[A-Za-z]+", text))
    kept = text
    for before, word in zip([None, *words], words, strict=False):
        reported = bool(_REPORTED.match(text[word.end() :]))
        if reported or _noun_use(before.group() if before else "", word.group()):
            kept = kept[: word.start()] + "_" * len(word.group()) + kept[word.end() :]
    tokens = [word.lower() for word in re.findall(r"[A-Za-z]+", kept)]
    if set(tokens) & _speech_forms() or "according" in tokens:
        return True
    return bool(_SPEECH_QUESTION.search(kept))


_NOUN_BEFORE = frozenset(
    {"the", "a", "an", "its", "their", "this", "that", "official", "revised", "new", "latest",
     "earlier", "previous", "own", "first", "final", "budget", "growth", "profit", "sales"}
)  # fmt: skip
_NOT_NOUNS = frozenset({"he", "she", "they", "it", "who", "which", "that"})
_AUXILIARY_WORDS = lexicon()["auxiliaries"]


def _noun_use(before: str, word: str) -> bool:
    """ "the official forecast", "its report", "the Holiday Inns notes": a speech verb's form
    used as a noun for a figure or a document, not someone's words ("comments", "remarks",
    "quotes" still ask for words: they are `speech_question_words`). A plural after a
    lower-case word is a noun ("inns notes"); after a name or "he" a verb ("Asif notes")."""
    lowered, previous = word.lower(), before.lower()
    if lowered in lexicon()["speech_question_words"] or lowered not in _speech_words():
        return False
    if previous in _NOUN_BEFORE:
        return True
    plural = lowered.endswith("s") and lowered[:-1] in _ASK_VERB_SET | speech_verb_forms()
    return plural and before[:1].islower() and previous not in _NOT_NOUNS | _AUXILIARY_WORDS


@cache
def _speech_forms() -> frozenset[str]:
    return speech_verb_forms() | lexicon()["speech_question_words"]


@cache
def _speech_words() -> frozenset[str]:
    """Every word `asks_speech` reads as speech: its forms and the asked verbs' plurals."""
    return _speech_forms() | {f"{verb}s" for verb in _ASK_VERB_SET}


_PLAINLY_SPEECH = re.compile(
    r"\b(?:say|says|said|tell|told|quote[sd]?|comment(?:s|ed)?|according to|speaks?|"
    r"spoke|remarks?|react(?:ed|ion)?|statements?)\b",
    re.I,
)


def asks_words_plainly(text: str) -> bool:
    """Says in so many words that it asks for someone's words. A when / who / how-many
    question is about an event ("When did UAL add flights?") unless it does: "add" and
    "file" are speech verbs, but there they are the event."""
    return bool(_PLAINLY_SPEECH.search(text))


_DEMANDS_WORDS = re.compile(
    r"\b(?:say|says|said|saying|tell|tells|told|quote[sd]?|comment(?:s|ed)?|remarks?|"
    r"statements?|words|views?|spoke|speak|speaks)\b",
    re.I,
)
_REPORTED = re.compile(r"^(?:\s+to\s+(?:be|have)\b)")  # "CIBC is said to be pushing…"
_WORDS_OF = frozenset({"from", "by", "of"})  # "quotes from X", "comments by X", "words of X"
_SPEAKING_PRONOUNS = frozenset({"he", "she", "they", "it", "him", "her", "them"})
NEAR_THE_PERSON = 3  # words between the person and the speech word: "did X ever publicly say"


def demands_words(text: str, asked: str = "") -> bool:
    """Asks for someone's words and nothing else: "what did X say", "X's comments on Y".
    "How did X react", "what did X agree to", "according to X, how…" ask about what X
    did or what happened as much as about words, so passages may answer them too. With
    the person `asked`, the words must be theirs: not "why did gold tick up after Reagan
    spoke", nor "why is CIBC said to be pushing Dome…" (a report, not a quotation)."""
    demands = [m for m in _DEMANDS_WORDS.finditer(text) if not _REPORTED.match(text[m.end() :])]
    at = text.lower().find(asked.lower()) if asked else -1
    if at < 0:
        return bool(demands)
    before, after = text[:at], text[at + len(asked) :]
    for match in demands:
        said_by = [w.lower() for w in _NAME_WORD.findall(text[: match.start()])[-2:]]
        if set(said_by) & _SPEAKING_PRONOUNS:
            return True  # "Asif on Tora Bora - what did he say?"
        if match.start() >= at + len(asked):
            between = _NAME_WORD.findall(after[: match.start() - at - len(asked)])
            if len(between) <= NEAR_THE_PERSON:
                return True
        elif match.end() <= at:
            between = [w.lower() for w in _NAME_WORD.findall(before[match.end() :])]
            if len(between) <= 2 and (not between or between[0] in _WORDS_OF):
                return True
    return False


_NAME_WORD = re.compile(r"[\w&][\w&.'’-]*")


def words_in(text: str) -> set[str]:
    """The words of a text as a name is looked for in it, lower case ("S&P", "U.N." whole)."""
    return {word.lower().rstrip(".'’") for word in _NAME_WORD.findall(text)}


def name_head(asked: str) -> str:
    """The word a sentence must hold to name whom a question asks about: the last
    capitalised word of the name ("Nations" of "the United Nations react"), or in a name
    typed in lower case its last word that is no question word; "" when there is none."""
    words = [w.rstrip(".'’") for w in _NAME_WORD.findall(asked)]
    capitalised = [w for w in words if w[:1].isupper() and w.lower() not in STOPWORDS]
    if capitalised:
        return capitalised[-1].lower()
    plain = [w for w in words if w.lower() not in STOPWORDS and w.lower() not in _ASK_VERB_SET]
    return plain[-1].lower() if plain else ""


def without_person(question: Question) -> Question:
    """The question read as one about no one: "did bitcoin prices react" names no person,
    and its words are the topic."""
    terms = tuple(dict.fromkeys(stem(t) for t in tokenize(question.text) if t not in STOPWORDS))
    return replace(question, person_names=(), topic="", terms=terms)


def asked_people(text: str) -> list[str]:
    """The people (or bodies) a question asks about, as written: "Asif", "the Bundesbank"."""
    names: list[str] = []
    for pattern in (_ASKED_PERSON, _POSSESSIVE_PERSON, _ACCORDING_TO):
        for match in pattern.finditer(text):
            name = _clean(match.group("name"))
            if name and name not in names:
                names.append(name)
    return names


def _clean(raw: str) -> str | None:
    words = raw.strip().split()
    hedges = lexicon()["hedge_adverbs"]
    while words and words[-1].lower() in hedges:
        words = words[:-1]
    while words and words[0].lower() in hedges:
        words = words[1:]
    owners = [i for i, word in enumerate(words[:-1]) if re.search(r"['’]s$", word)]
    if owners and words[owners[-1] + 1][:1].isupper():  # "Shell's Holmes": the person, not
        words = words[owners[-1] + 1 :]  # the employer ("Asif's spokesman" stays whole)
    name = " ".join(words).strip(" ,")
    if not name or name.lower() in _NOT_NAMES or len(words) > 6:
        return None
    if not any(word[:1].isupper() for word in words) and len(words) > 3:
        return None
    if not name_key(name):
        return None
    return name


def _topic(text: str, names: list[str]) -> str:
    """The "about Y" part of the question, else the question without its person."""
    match = _TOPIC.search(text)
    if match and names:
        return match.group("topic").strip()
    rest = text
    for name in names:
        rest = re.sub(rf"{re.escape(name)}(?:['’]s)?", " ", rest)
    return " ".join(rest.split()) if names else ""


_FILTER = re.compile(r'\b(since|until|source):(?:"([^"]+)"|(\S+))', re.I)


def extract_filters(text: str) -> tuple[str, SearchFilters]:
    """`Tora Bora since:2025-10-01 source:"Geo News"` → ("Tora Bora", filters).

    The REPL and Slack have no command-line options, so filters ride in the question.
    Raises ArticleError (with the fix) for a date that is not YYYY-MM-DD.
    """
    found: dict[str, str] = {}
    for match in _FILTER.finditer(text):
        found[match.group(1).lower()] = match.group(2) or match.group(3)
    question = re.sub(r"\s+", " ", _FILTER.sub(" ", text)).strip()
    since = parse_date(found["since"], "since:") if "since" in found else None
    until = parse_date(found["until"], "until:") if "until" in found else None
    return question, SearchFilters(since, until, found.get("source"))


def split_quotes_command(text: str) -> tuple[str, str | None]:
    """`Asif about the Taliban` → ("Asif", "the Taliban"): the REPL's and Slack's
    `quotes` command, written the way one would say it."""
    parts = re.split(r"\s+about\s+", text.strip(), maxsplit=1)
    return parts[0].strip(), (parts[1].strip() or None) if len(parts) > 1 else None


def is_follow_up(question: Question) -> bool:
    """A pronoun and no name of its own: "When did he say it?", "What else did she add?",
    "And what did he say about the Taliban?" (a topic named, the person not)."""
    if question.person_names:
        return False
    if _PERSON_PRONOUN.search(question.text):
        return True
    return question.has_pronoun and not question.has_proper_name and len(question.terms) <= 3


def substitute_person(text: str, name: str) -> str:
    """`When did he say it?` → `When did Asif say it?`."""
    return _PERSON_PRONOUN.sub(name, text, count=1)


def speech_verbs() -> frozenset[str]:
    return lexicon()["speech_verbs"]
