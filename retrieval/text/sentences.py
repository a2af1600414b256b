"""Sentence boundaries as character spans, so quotes are cut from the article's exact text.

News prose quotes people a lot: a sentence may end inside closing quotes (`…peril and doom.”`),
and abbreviations (`Oct.`, `U.S.`, `R.J. Reynolds`, `the N.Z. Dollar`) must not end one.
sentencex (Wikimedia's rule-based segmenter, in Rust) finds the boundaries; this module maps
its sentences back onto offsets of the text, which is what every citation is cut by.
"""

from __future__ import annotations

from collections.abc import Iterable

import sentencex

from retrieval.types import Paragraph


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans `(s, e)` of the sentences in `text[start:end]`, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for sentence in sentencex.segment("en", text[start:end]):
        stripped = sentence.strip()
        at = text.find(stripped, cursor, end) if stripped else -1
        if at < 0:
            continue
        spans.append((at, at + len(stripped)))
        cursor = at + len(stripped)
    return spans


def body_sentence_spans(text: str, paragraphs: Iterable[Paragraph]) -> list[tuple[int, int]]:
    """Every sentence of the body paragraphs (headings are not sentences of the story)."""
    return [
        span
        for paragraph in paragraphs
        if not paragraph.heading
        for span in sentence_spans(text, paragraph.start, paragraph.end)
    ]
