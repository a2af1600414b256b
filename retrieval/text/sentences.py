"""Sentence boundaries as character spans, so quotes are cut from the article's exact text.

News prose quotes people a lot: a sentence may end inside closing quotes (`…peril and doom.”`),
and abbreviations such as `Oct.` or `U.S.` must not end one. A small rule-based splitter
handles both and returns offsets rather than strings.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "gov", "sen", "rep",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "no", "vs", "etc", "inc", "ltd", "co", "corp", "jr", "sr", "u.s", "u.k", "u.n", "e.g", "i.e",
}  # fmt: skip
# A sentence ends at . ! ? (plus any closing quotes/brackets) followed by space and a capital,
# a digit or an opening quote.
_BOUNDARY = re.compile(r"[.!?…]+[”’\"')\]]*(?=\s+[“‘\"'(\[A-Z0-9])")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans `(s, e)` of the sentences in `text[start:end]`, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, match.start()):
            continue
        _append_trimmed(text, cursor, match.end(), spans)
        cursor = match.end()
    _append_trimmed(text, cursor, end, spans)
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        offset = start + piece.index(stripped)
        spans.append((offset, offset + len(stripped)))
