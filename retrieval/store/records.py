"""What the store holds, record by record, and each record's codec (dataclass ↔ Chroma
metadata), written once.

The articles collection holds several kinds of record, told apart by `kind` and by id:
an article's manifest record (its own id), a removed article's tombstone, the generation
record, writer markers, learnt boilerplate, and the speaker directory's speaker, surname
and role records. Chunks and quotes live in their own collections; their ids carry the
article's content hash, so a record is live only while the manifest holds that hash.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.types import (
    Article,
    Chunk,
    Paragraph,
    Quote,
    SearchFilters,
    SentenceHit,
    Speaker,
    StoredArticle,
    StoredQuote,
    date_ordinal,
)

# Ids of the bookkeeping records of the articles collection.
GENERATION_ID = "__generation__"  # the content generation and the store's id
REMOVED_PREFIX = "__removed__"  # a tombstone per removed article, so derived indexes follow
WRITER_PREFIX = "__writer__"  # one marker per writer at work (retrieval.store.lease)
BOILERPLATE_PREFIX = "__boilerplate__"  # learnt boilerplate of one source group
SPEAKER_PREFIX = "__speaker__"  # one record per distinct speaker: names resolve in one read
SURNAME_PREFIX = "__surname__"  # per surname, the speakers bearing it: found by id, not filter
ROLE_PREFIX = "__role__"  # per role phrase, the speakers articles bind it to: found by id
SPEAKERS_MARKER = "__speakers_v2__"  # speaker records complete (older stores are filled once)
DUMMY_VECTOR = [1.0]  # bookkeeping records are looked up by id, never by similarity


@dataclass(frozen=True)
class IndexedArticle:
    """What the manifest remembers about an indexed article."""

    id: str
    content_hash: str
    signature: str
    path: str
    mtime_ns: int
    size: int
    chunk_count: int
    title: str
    published: str | None
    group: str = ""  # the source boilerplate is counted within (retrieval.ingest.boilerplate)
    segments: frozenset[str] = frozenset()  # recurrence keys of the article as read
    stripped: frozenset[str] = frozenset()  # the recurring keys stripped from it
    changed_at: float = 0.0  # when this record last changed (derived indexes follow it)
    quote_count: int | None = None  # None: recorded before quotes were counted


@dataclass(frozen=True)
class ArticleWrite:
    """One article's new state: the article, its chunks and their vectors, its file stamp."""

    article: Article
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    mtime_ns: int
    size: int
    signature: str
    replaces_existing: bool = True  # False for a new article: no old version to clean up
    file: str = ""  # the file it was read from (an article's own `path` may name a record)
    quotes: Sequence[Quote] = ()
    quote_vectors: np.ndarray | Sequence = ()
    group: str = ""
    segments: frozenset[str] = frozenset()
    stripped: frozenset[str] = frozenset()
    entities: Sequence[tuple[int, int, str]] = ()  # (start, end, label) from the parse
    sentences: Sequence[tuple[int, int]] = ()  # body sentences with a vector of their own
    sentence_vectors: np.ndarray | Sequence = ()


def chunk_from_meta(record_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        id=record_id,
        article_id=meta["article_id"],
        index=meta["index"],
        text=text,
        char_start=meta["char_start"],
        char_end=meta["char_end"],
        paragraph_start=meta["paragraph_start"],
        paragraph_end=meta["paragraph_end"],
        title=meta["title"],
        published=date_or_none(meta.get("published")),
        source=meta.get("source"),
        url=meta.get("url"),
        section=meta.get("section"),
        content_hash=meta["content_hash"],
    )


def chunk_meta(chunk: Chunk) -> dict:
    meta = {
        "article_id": chunk.article_id,
        "index": chunk.index,
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "paragraph_start": chunk.paragraph_start,
        "paragraph_end": chunk.paragraph_end,
        "title": chunk.title,
        "dated": chunk.published is not None,
        "content_hash": chunk.content_hash,
    }
    if chunk.published:
        meta["published"] = chunk.published.isoformat()
        meta["published_ord"] = date_ordinal(chunk.published)
    optional = {"source": chunk.source, "url": chunk.url, "section": chunk.section}
    meta.update({key: value for key, value in optional.items() if value is not None})
    return meta


def article_meta(write: ArticleWrite) -> dict:
    article = write.article
    meta = {
        "kind": "article",
        "content_hash": article.content_hash,
        "signature": write.signature,
        "path": write.file or article.path,
        "mtime_ns": str(write.mtime_ns),
        "size": write.size,
        "chunk_count": len(write.chunks),
        "quote_count": len(write.quotes),
        "title": article.title,
        "dated": article.published is not None,
        "paragraphs": json.dumps([[p.start, p.end, p.number] for p in article.paragraphs]),
        "group": write.group,
        "segments": " ".join(sorted(write.segments)),
        "stripped": " ".join(sorted(write.stripped)),
        "entities": json.dumps([list(entity) for entity in write.entities]),
    }
    optional = {
        "source": article.source,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
    }
    meta.update({key: value for key, value in optional.items() if value is not None})
    return meta


def indexed_from_meta(record_id: str, meta: dict) -> IndexedArticle:
    return IndexedArticle(
        id=record_id,
        content_hash=meta["content_hash"],
        signature=meta.get("signature", ""),
        path=meta["path"],
        mtime_ns=int(meta["mtime_ns"]),
        size=meta["size"],
        chunk_count=meta["chunk_count"],
        title=meta["title"],
        published=meta.get("published"),
        group=meta.get("group", ""),
        segments=frozenset(meta.get("segments", "").split()),
        stripped=frozenset(meta.get("stripped", "").split()),
        changed_at=float(meta.get("changed_at", 0.0)),
        quote_count=meta.get("quote_count"),
    )


def stored_from_record(record_id: str, text: str, meta: dict) -> StoredArticle:
    paragraphs = tuple(
        Paragraph(start, end, number, number is None)
        for start, end, number in json.loads(meta["paragraphs"])
    )
    return StoredArticle(
        id=record_id,
        title=meta["title"],
        published=date_or_none(meta.get("published")),
        source=meta.get("source"),
        url=meta.get("url"),
        text=text,
        paragraphs=paragraphs,
        entities=tuple(tuple(e) for e in json.loads(meta.get("entities", "[]"))),
        content_hash=meta.get("content_hash", ""),
    )


def date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def quote_id(article_id: str, content_hash: str, index: int) -> str:
    return f"{article_id}::{content_hash[:12]}::q{index}"


def sentence_id(article_id: str, content_hash: str, start: int) -> str:
    """Keyed by where the sentence starts, so a passage's sentence finds its vector by id."""
    return f"{article_id}::{content_hash[:12]}::s{start}"


def span_meta(article: Article, start: int, end: int) -> dict:
    """What a span of an article (a sentence, a quote) is found with: its place, its
    article version, and the fields the question's filters read (`chroma_where`)."""
    meta: dict = {
        "article_id": article.id,
        "content_hash": article.content_hash,
        "start": start,
        "end": end,
        "dated": article.published is not None,
    }
    if article.published:
        meta["published"] = article.published.isoformat()
        meta["published_ord"] = date_ordinal(article.published)
    if article.source:
        meta["source"] = article.source
    return meta


def sentence_from_meta(meta: dict, similarity: float) -> SentenceHit:
    return SentenceHit(
        meta["article_id"], meta["content_hash"], meta["start"], meta["end"], similarity
    )


def quote_meta(article: Article, quote: Quote) -> dict:
    meta = span_meta(article, quote.start, quote.end)
    meta.update(mention=quote.mention, cue=quote.cue, kind=quote.kind, title=article.title)
    if quote.speaker is not None:
        if quote.roles:
            meta["roles"] = "\t".join(quote.roles)
        meta.update(
            speaker=quote.speaker.name,
            speaker_key=quote.speaker.key,
            surname=quote.speaker.surname,
            speaker_kind=quote.speaker.kind,
        )
    return meta


def speaker_from_meta(meta: dict) -> Speaker:
    return Speaker(meta["speaker"], meta["speaker_key"], meta["surname"], meta["speaker_kind"])


def quote_from_meta(
    record_id: str, text: str, meta: dict, similarity: float | None = None
) -> StoredQuote:
    speaker = speaker_from_meta(meta) if meta.get("speaker_key") else None
    return StoredQuote(
        id=record_id,
        article_id=meta["article_id"],
        content_hash=meta["content_hash"],
        start=meta["start"],
        end=meta["end"],
        text=text,
        speaker=speaker,
        mention=meta.get("mention", ""),
        cue=meta.get("cue", ""),
        kind=meta.get("kind", ""),
        title=meta.get("title", ""),
        published=date_or_none(meta.get("published")),
        source=meta.get("source"),
        similarity=similarity,
    )


def chroma_where(filters: SearchFilters | None) -> dict | None:
    """The filters as a Chroma `where` on chunk and quote metadata (None: no limit)."""
    if filters is None:
        return None
    clauses: list[dict] = []
    if filters.since:
        clauses.append({"published_ord": {"$gte": date_ordinal(filters.since)}})
    if filters.until:
        clauses.append({"published_ord": {"$lte": date_ordinal(filters.until)}})
    if filters.source:
        clauses.append({"source": filters.source})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
