"""What a question asks: its topic terms, the people it asks about, and whether it follows up.

The extractive answerer needs no language model, so it reads questions with a few rules:
"What did Asif say about Tora Bora?" asks for *speech* by *asif* about *tora, bora*;
"When did he say it?" is a *when* question that *follows up* the previous turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.attribution import SPEECH_VERBS, speaker_key
from retrieval.articles import parse_date
from retrieval.search import SearchFilters, tokenize

STOPWORDS = {
    "a", "about", "according", "after", "all", "also", "an", "and", "any", "are", "as", "at",
    "be", "been", "before", "but", "by", "can", "could", "did", "do", "does", "for", "from",
    "had", "has", "have", "he", "her", "him", "his", "how", "if", "in", "into", "is", "it",
    "its", "me", "more", "of", "on", "or", "our", "she", "so", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "to", "us", "was", "we", "were",
    "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would",
    "you", "your", "tell", "know", "else", "think", "thought", "archive", "news", "article",
    "articles", "anything", "something", "happened", "happen", "say", "says", "said",
}  # fmt: skip
_PRONOUNS = re.compile(r"\b(he|she|they|him|her|them|his|it|that|this|those|these)\b", re.I)
_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his)\b", re.I)
_ASKED_PERSON = re.compile(
    rf"\b(?:did|does|do|has|have|had|was|is|will|would)\s+(?P<name>(?:[A-Z][\w’'-]+\s+){{1,3}})"
    rf"(?:{SPEECH_VERBS}|think|mean|react|respond|claim|threaten|want)",
)
_POSSESSIVE_PERSON = re.compile(
    r"\b(?P<name>[A-Z][\w-]+)(?:’s|'s)\s+"
    r"(?:view|comment|remark|words|statement|warning|position)"
)
_ACCORDING_TO = re.compile(r"\baccording to\s+(?P<name>(?:[A-Z][\w’'-]+\s*){1,3})")
_SPEECH_QUESTION = re.compile(
    rf"\b(?:{SPEECH_VERBS}|tell|think|comment|quote|react|respond|claim|threaten|view)\b", re.I
)
_WHEN = re.compile(r"^\s*(?:when|what date|on what day|which day)\b", re.I)


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]
    people: tuple[str, ...]  # speaker keys, e.g. ("asif",)
    person_names: tuple[str, ...]  # as written, e.g. ("Asif",)
    asks_speech: bool
    asks_when: bool
    has_pronoun: bool
    has_proper_name: bool


def analyse(text: str) -> Question:
    names = _asked_people(text)
    people = tuple(speaker_key(n) for n in names)
    terms = tuple(
        dict.fromkeys(stem(t) for t in tokenize(text) if t not in STOPWORDS and t not in people)
    )
    return Question(
        text=text,
        terms=terms,
        people=people,
        person_names=tuple(names),
        asks_speech=bool(_SPEECH_QUESTION.search(text)),
        asks_when=bool(_WHEN.search(text)),
        has_pronoun=bool(_PRONOUNS.search(text)),
        has_proper_name=bool(re.search(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+", text.strip())),
    )


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


def is_follow_up(question: Question) -> bool:
    """A pronoun and no name of its own: "When did he say it?", "What else did she add?"."""
    return question.has_pronoun and not question.has_proper_name and len(question.terms) <= 3


def substitute_person(text: str, name: str) -> str:
    """`When did he say it?` → `When did Asif say it?`."""
    return _PERSON_PRONOUN.sub(name, text, count=1)


def stem(token: str) -> str:
    """A light suffix stripper: enough to match strike/strikes, warned/warning."""
    for suffix in ("ings", "ing", "ies", "ed", "es", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def _asked_people(text: str) -> list[str]:
    names: list[str] = []
    for pattern in (_ASKED_PERSON, _POSSESSIVE_PERSON, _ACCORDING_TO):
        for match in pattern.finditer(text):
            name = match.group("name").strip()
            if name and name not in names:
                names.append(name)
    return names
