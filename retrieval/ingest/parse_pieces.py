"""What spaCy parses of an article: the paragraphs that could hold a quote, each cut into
pieces of bounded length at sentence boundaries.

A scraped page or a live blog often comes as one line: one paragraph of a megabyte. spaCy
refuses a text past `nlp.max_length` (1,000,000 characters) and needs about 1 GB of memory
per 100,000 characters it parses at once; attribution reads sentences against their piece.
So a long paragraph is parsed as pieces of about `PIECE_CHARS`, cut between sentences and,
where one comes soon enough, outside a quotation. The cut is for parsing only: the stored
text, its paragraphs and every offset stay as they are, and the pieces cover the whole
paragraph, so nothing is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from retrieval.ingest.paragraphs import signs
from retrieval.ingest.quote_marks import CLOSE_QUOTES, OPEN_QUOTES, STRAIGHT, sentences_of
from retrieval.text.lexicon import speech_verb_forms
from retrieval.types import Article, Paragraph

PIECE_CHARS = 5_000  # a parse of this size costs ~50 MB and ~0.3 s; paragraphs are ~400 chars
_QUOTATION_SLACK = 4  # a piece may grow to this many times PIECE_CHARS to close a quotation


@dataclass(frozen=True)
class Piece:
    """A span of one paragraph that spaCy parses as one doc (the whole paragraph, mostly)."""

    paragraph: Paragraph
    start: int
    end: int


def pieces_to_parse(article: Article) -> Iterator[Piece]:
    """The pieces of the paragraphs to parse, in article order."""
    for paragraph in paragraphs_to_parse(article):
        if paragraph.end - paragraph.start <= PIECE_CHARS:
            yield Piece(paragraph, paragraph.start, paragraph.end)
        else:
            yield from _cut(article.text, paragraph)


def _cut(text: str, paragraph: Paragraph) -> Iterator[Piece]:
    """Pieces of a long paragraph: whole sentences, the cut outside quote marks unless the
    quotation runs on too long; a sentence longer than a piece is cut at spaces."""
    start = end = paragraph.start
    for sentence in sentences_of(text, paragraph.start, paragraph.end, continues=False):
        size = end - start
        too_long = sentence.end - sentence.start > PIECE_CHARS
        may_cut = size >= PIECE_CHARS and not sentence.inside_at_start
        if end > start and (too_long or may_cut or size >= PIECE_CHARS * _QUOTATION_SLACK):
            yield Piece(paragraph, start, end)
            start = sentence.start
        if too_long:
            *whole, (start, end) = _at_spaces(text, sentence.start, sentence.end)
            yield from (Piece(paragraph, s, e) for s, e in whole)
            continue
        end = sentence.end
    if end > start:
        yield Piece(paragraph, start, end)


def _at_spaces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at spaces into spans of at most about PIECE_CHARS."""
    spans = []
    while end - start > PIECE_CHARS:
        cut = text.rfind(" ", start + PIECE_CHARS // 2, start + PIECE_CHARS)
        cut = start + PIECE_CHARS if cut < 0 else cut
        spans.append((start, cut))
        start = cut + 1 if text[cut] == " " else cut
    spans.append((start, end))
    return spans


def paragraphs_to_parse(article: Article) -> list[Paragraph]:
    """The body paragraphs up to the last one that could hold a quote (a quote mark, a form
    of a speech verb, "according"), and a line after it that signs the quotation above it
    ("Norman Ornstein, American Enterprise Institute"). Attribution only looks back, so the
    paragraphs after them cannot change a quote: skipping them saves most of the parse on
    articles that end in narration or tables, and all of it on articles that quote no one."""
    body = [p for p in article.paragraphs if not p.heading]
    could_quote = _could_quote()
    last = -1
    for position, paragraph in enumerate(body):
        if could_quote(article.text[paragraph.start : paragraph.end]):
            last = position
    following = body[last + 1] if 0 <= last < len(body) - 1 else None
    signed = following is not None and signs(_text(article, body[last]), _text(article, following))
    return body[: last + 1 + signed]  # and a line after that signs the quotation above it


def _text(article: Article, paragraph: Paragraph) -> str:
    return article.text[paragraph.start : paragraph.end]


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
