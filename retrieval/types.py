"""The values that cross stage boundaries: articles and their paragraphs, chunks, quotes and
speakers, search hits and the filters a question narrows the archive by.

Every stage (ingest, store, index, search) and the answering side import these from here, so
no stage has to import another stage's module only to name what it hands on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property


class ArticleError(ValueError):
    """An article (file or record) that cannot be indexed; the message says what to fix."""


@dataclass(frozen=True)
class Article:
    """One news article, normalised; `text` is what every quote is an exact substring of.

    `published` is None for an undated article. `title_derived` says the title was made from
    the first sentence (so it is made again if that sentence is stripped as boilerplate).
    """

    id: str
    title: str
    published: dt.date | None
    text: str
    path: str
    source: str | None = None
    url: str | None = None
    paragraphs: tuple[Paragraph, ...] = field(default=(), compare=False, repr=False)
    title_derived: bool = field(default=False, compare=False)

    @cached_property
    def content_hash(self) -> str:
        """Kept once computed: every chunk of an article carries it, and it hashes the whole
        text (a 1 MB body chunked into 1,000 chunks hashed 2,000 MB)."""
        published = self.published.isoformat() if self.published else None
        payload = json.dumps([self.title, published, self.source, self.url, self.text])
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def heading_above(text: str, paragraphs: Iterable[Paragraph], offset: int) -> str | None:
    """The section heading above `offset`, if any: context for a citation."""
    heading = None
    for paragraph in paragraphs:
        if paragraph.start > offset:
            break
        if paragraph.heading:
            heading = text[paragraph.start : paragraph.end]
    return heading


@dataclass(frozen=True)
class Problem:
    """Why a file (or one record in it) was skipped, or what was read with a caveat."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Paragraph:
    """A block of the article's text; headings have no number (readers don't count them)."""

    start: int
    end: int
    number: int | None
    heading: bool


@dataclass(frozen=True)
class Chunk:
    """A passage of one article, as stored in the vector store."""

    id: str
    article_id: str
    index: int
    text: str
    char_start: int
    char_end: int
    paragraph_start: int
    paragraph_end: int
    title: str
    published: dt.date | None
    source: str | None
    url: str | None
    section: str | None
    content_hash: str = ""  # the article version this chunk belongs to


def chunk_id(article_id: str, content_hash: str, index: int) -> str:
    """A chunk's id names its article version and place, so a version's chunks are read by id."""
    return f"{article_id}::{content_hash[:12]}::c{index}"


@dataclass(frozen=True)
class Quote:
    """A span of an article attributed to a speaker (None: an unnamed one, e.g. "officials")."""

    start: int
    end: int
    speaker: Speaker | None
    mention: str  # how the text names the speaker at this cue: "he", "the minister", "Asif"
    cue: str  # speech verb lemma, "according to", or "" for a continued quotation
    kind: str  # "direct" (inside quote marks), "reported" ("X said that…"), "continued"
    roles: tuple[str, ...] = ()  # the roles the article gives the speaker: "defence minister"


PERSON = "PERSON"


BODY_KINDS = ("ORG", "GPE", "NORP")  # organisations, countries, peoples: they speak too


@dataclass(frozen=True)
class Speaker:
    """A speaker as stored with each quote: display name, key, surname, kind."""

    name: str  # as written at its fullest in the article, titles dropped: "Khawaja Asif"
    key: str  # "khawaja asif"
    surname: str  # "asif" (for a body: its whole key, "bundesbank")
    kind: str  # PERSON, ORG, GPE or NORP


@dataclass(frozen=True)
class SearchFilters:
    """Optional limits on which articles may answer: a date range and a source."""

    since: dt.date | None = None
    until: dt.date | None = None
    source: str | None = None

    def lexical(self) -> LexicalFilters:
        return LexicalFilters(
            since_ord=date_ordinal(self.since) if self.since else None,
            until_ord=date_ordinal(self.until) if self.until else None,
            source=self.source,
        )

    @property
    def by_date(self) -> bool:
        """A date range is set: undated articles cannot be placed in it and are left out."""
        return bool(self.since or self.until)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with how it ranked; `similarity` is cosine when dense saw it."""

    chunk: Chunk
    score: float
    similarity: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(frozen=True)
class LexicalFilters:
    """The filters the lexical side can apply itself (mirrors search.SearchFilters)."""

    since_ord: int | None = None
    until_ord: int | None = None
    source: str | None = None


def date_ordinal(day: dt.date) -> int:
    """Dates as YYYYMMDD integers, because Chroma filters compare numbers, not strings."""
    return day.year * 10000 + day.month * 100 + day.day


@dataclass(frozen=True)
class StoredArticle:
    """An article as read back from the store, enough to cut and place quotes."""

    id: str
    title: str
    published: dt.date | None
    source: str | None
    url: str | None
    text: str
    paragraphs: tuple[Paragraph, ...]
    entities: tuple[tuple[int, int, str], ...] = ()  # (start, end, label): dates, people…
    content_hash: str = ""  # the published version's: its sentences' vectors are keyed by it

    def entities_in(self, start: int, end: int) -> set[str]:
        """The labels of the named entities within text[start:end] ("DATE", "PERSON")."""
        return {label for s, e, label in self.entities if start <= s and e <= end}

    def paragraph_number(self, offset: int) -> int:
        numbered = [p for p in self.paragraphs if p.number is not None]
        for paragraph in numbered:
            if offset < paragraph.end:
                return paragraph.number or 1
        return numbered[-1].number if numbered else 1

    @property
    def has_paragraphs(self) -> bool:
        """False for a body with no paragraph breaks, where "¶1" would locate nothing."""
        return sum(p.number is not None for p in self.paragraphs) > 1


@dataclass(frozen=True)
class SentenceHit:
    """A sentence found by its own vector (read in its passage at ingest): where it stands
    and its cosine to the question. Short questions live at this level: "how many children
    died" is far from the passage that answers it and close to the sentence."""

    article_id: str
    content_hash: str
    start: int
    end: int
    similarity: float


@dataclass(frozen=True)
class StoredQuote:
    """A quote as read back from the store: its span, speaker, and where it stands."""

    id: str
    article_id: str
    content_hash: str
    start: int
    end: int
    text: str
    speaker: Speaker | None
    mention: str
    cue: str
    kind: str
    title: str
    published: dt.date | None
    source: str | None
    similarity: float | None = None  # cosine to the query, when found by similarity
