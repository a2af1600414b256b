"""The attribution rules newsdesk used before its quote index (`python -m bench.attribution`
compares the two).

Who said each sentence of an article: quotes attributed to a named speaker.

News copy names a speaker once ("Defence Minister Khawaja Asif warned…") and then refers to
them as "he added", "the defence minister said", or continues a quote in the next paragraph
with no attribution at all. To answer "what did Asif say…", each sentence gets the speaker it
is attributed to, following those references back to the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.text.sentences import sentence_spans
from retrieval.types import StoredArticle

SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|warned|warns|posted|commented|stated|claimed|asserted|"
    "announced|wrote|accused|insisted|stressed|noted|replied|vowed|dismissed|urged|argued|"
    "explained|declared|remarked|recalled|confirmed|denied|acknowledged|suggested"
)
_ROLE_WORDS = (
    "minister|spokesman|spokeswoman|spokesperson|president|secretary|governor|chief|general|"
    "ambassador|commander|director|chairman|chairwoman|leader|mayor|senator|premier|envoy|official"
)
_NAME = r"[A-Z][\w’'\-]+(?:\s+[A-Z][\w’'\-]+){0,3}"
_NAMED_SPEAKER = re.compile(
    rf"(?P<name>{_NAME})(?:’s?|'s?)?\s+(?:has\s+|had\s+|also\s+|further\s+|then\s+)?"
    rf"(?:{SPEECH_VERBS})\b"
)
_SPEAKER_AFTER_VERB = re.compile(rf"[,”\"]\s*(?:{SPEECH_VERBS})\s+(?P<name>{_NAME})")
_PRONOUN_SPEAKER = re.compile(
    rf"\b(?:he|she|they)\s+(?:has\s+|had\s+|also\s+|further\s+)?(?:{SPEECH_VERBS})\b", re.I
)
_ROLE_SPEAKER = re.compile(
    rf"\b(?i:the|a)\s+(?P<role>(?:[\w’'-]+\s+)?(?i:{_ROLE_WORDS}))\s+"
    rf"(?:has\s+|had\s+|also\s+)?(?:{SPEECH_VERBS})\b"
)
_ROLE_NAME = re.compile(rf"(?P<role>(?:[\w’'-]+\s+)?(?i:{_ROLE_WORDS}))\s+(?P<name>{_NAME})")
_NOT_NAMES = {
    "the", "he", "she", "they", "it", "we", "i", "but", "and", "in", "on", "asked", "as",
    "if", "one", "this", "that", "when", "while", "after", "earlier", "later", "meanwhile",
}  # fmt: skip
_OPEN_QUOTES = '“"'
_CLOSE_QUOTES = '”"'


@dataclass(frozen=True)
class AttributedSentence:
    start: int
    end: int
    speaker: str | None  # surname-like key, e.g. "asif"
    speaker_name: str | None  # as written, e.g. "Khawaja Asif"
    implicit: bool  # the sentence does not name its speaker ("he added", a role, a quote)


def speaker_key(name: str) -> str:
    """`Khawaja Asif` → `asif`: the token a question is most likely to use."""
    return re.split(r"\s+", name.strip())[-1].lower().rstrip("’'s")


def attribute(article: StoredArticle) -> list[AttributedSentence]:
    """Every sentence of the article, in order, with its speaker when one can be found."""
    roles = _role_names(article.text)
    sentences: list[AttributedSentence] = []
    previous: tuple[str, str] | None = None  # (key, name) of the last speaker seen
    for paragraph in article.paragraphs:
        if paragraph.heading:  # headings are context, never quoted
            continue
        spans = sentence_spans(article.text, paragraph.start, paragraph.end)
        explicit = [_explicit_speaker(article.text[s:e], roles) for s, e in spans]
        # A paragraph that opens with a quote is one speaker's, named anywhere in it.
        opens_quote = _is_quote(article.text[paragraph.start : paragraph.end])
        quote_speaker = next((found for found in explicit if found), None) if opens_quote else None
        for (start, end), found in zip(spans, explicit, strict=True):
            text = article.text[start:end]
            continues = opens_quote or _PRONOUN_SPEAKER.search(text) or _is_quote(text)
            if found is None and continues:
                found = quote_speaker or previous
            implicit = found is not None and found[0] not in text.lower()
            key, name = found if found else (None, None)
            sentences.append(AttributedSentence(start, end, key, name, implicit))
            if found or not opens_quote:
                previous = found or (previous if _PRONOUN_SPEAKER.search(text) else None)
    return sentences


def _explicit_speaker(text: str, roles: dict[str, str]) -> tuple[str, str] | None:
    for pattern in (_NAMED_SPEAKER, _SPEAKER_AFTER_VERB):
        for match in pattern.finditer(text):
            name = _clean_name(match.group("name"))
            if name:
                return speaker_key(name), name
    role = _ROLE_SPEAKER.search(text)
    if role:
        name = roles.get(_role_key(role.group("role")))
        if name:
            return speaker_key(name), name
    return None


def _clean_name(raw: str) -> str | None:
    words = raw.split()
    while words and words[0].lower() in _NOT_NAMES:
        words = words[1:]
    return " ".join(words) or None


def _role_names(text: str) -> dict[str, str]:
    """`Defence Minister Khawaja Asif` → {"defence minister": "Khawaja Asif"}."""
    roles: dict[str, str] = {}
    for match in _ROLE_NAME.finditer(text):
        name = _clean_name(match.group("name"))
        if name:
            roles.setdefault(_role_key(match.group("role")), name)
    return roles


def _role_key(role: str) -> str:
    return " ".join(role.lower().split()[-2:])


def _is_quote(text: str) -> bool:
    return text.lstrip()[:1] in _OPEN_QUOTES or (
        text.count("”") > text.count("“") and text.rstrip()[-1:] in _CLOSE_QUOTES
    )
