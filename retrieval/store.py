"""The Chroma store: chunk vectors plus a manifest of indexed articles, and nothing else.

Two collections: `<name>_chunks` (one record per chunk: vector, text, citation metadata) and
`<name>_articles` (one record per article: full text, content hash, source file stamp, and a
`generation` record that changes on every write). Keeping the manifest in Chroma rather than
in a side file means several processes — or machines, in server mode — share one truth.

Crash safety comes from the write order in `replace_articles`: an article's manifest record is
written only after its chunks are, so an interrupted ingest leaves articles whose manifest is
missing or stale, and the next refresh simply redoes them (chunk ids are deterministic, so
redoing never duplicates).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.articles import Article, Paragraph
from retrieval.chunking import Chunk
from retrieval.settings import Settings

_GENERATION_ID = "__generation__"
_DUMMY_VECTOR = [1.0]  # manifest records are looked up by id, never by similarity


class StoreError(RuntimeError):
    """The store cannot be reached or written; the message says what to check."""


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
    published: str


@dataclass(frozen=True)
class StoredArticle:
    """An article as read back from the store, enough to cut and place quotes."""

    id: str
    title: str
    published: dt.date
    source: str | None
    url: str | None
    text: str
    paragraphs: tuple[Paragraph, ...]

    def paragraph_number(self, offset: int) -> int:
        numbered = [p for p in self.paragraphs if p.number is not None]
        for paragraph in numbered:
            if offset < paragraph.end:
                return paragraph.number or 1
        return numbered[-1].number if numbered else 1


@dataclass(frozen=True)
class ArticleWrite:
    """One article's new state: the article, its chunks and their vectors, its file stamp."""

    article: Article
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    mtime_ns: int
    size: int
    signature: str


def date_ordinal(day: dt.date) -> int:
    """Dates as YYYYMMDD integers, because Chroma filters compare numbers, not strings."""
    return day.year * 10000 + day.month * 100 + day.day


def open_client(settings: Settings):
    """An embedded PersistentClient, or an HttpClient when NEWSDESK_CHROMA_URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as err:  # chromadb raises several unrelated types here
        where = settings.chroma_url or settings.chroma_dir
        raise StoreError(
            f"cannot open the Chroma store at {where}: {err}. "
            "Check NEWSDESK_CHROMA_URL (is `chroma run` up?) or NEWSDESK_DATA_DIR."
        ) from err


class ChunkStore:
    """The whole store API: replace/remove articles, query chunks, read the manifest."""

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.location = settings.chroma_url or str(settings.chroma_dir)
        self.client = client or open_client(settings)
        try:
            self.chunks = self.client.get_or_create_collection(
                f"{settings.collection}_chunks",
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self.articles = self.client.get_or_create_collection(
                f"{settings.collection}_articles", embedding_function=None
            )
        except Exception as err:
            raise StoreError(f"cannot open collections in {self.location}: {err}") from err

    # -- manifest -----------------------------------------------------------------------
    def manifest(self) -> dict[str, IndexedArticle]:
        records = self.articles.get(where={"kind": "article"}, include=["metadatas"])
        return {
            record_id: _indexed_from_meta(record_id, meta)
            for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
        }

    def generation(self) -> str:
        """Changes whenever the indexed content changes; caches key on it."""
        record = self.articles.get(ids=[_GENERATION_ID], include=["metadatas"])
        return record["metadatas"][0]["generation"] if record["ids"] else "empty"

    def last_refresh(self) -> str | None:
        record = self.articles.get(ids=[_GENERATION_ID], include=["metadatas"])
        return record["metadatas"][0].get("refreshed_at") if record["ids"] else None

    def count_chunks(self) -> int:
        return self.chunks.count()

    def count_articles(self) -> int:
        return max(0, self.articles.count() - (1 if self.last_refresh() else 0))

    # -- writes -------------------------------------------------------------------------
    def replace_articles(self, writes: Sequence[ArticleWrite]) -> None:
        """Make the store hold exactly these articles' new chunks; manifest written last."""
        if not writes:
            return
        ids = [w.article.id for w in writes]
        self._delete_chunks(ids)
        chunk_ids, vectors, documents, metadatas = [], [], [], []
        for write in writes:
            for chunk, vector in zip(write.chunks, write.vectors, strict=True):
                chunk_ids.append(chunk.id)
                vectors.append(vector)
                documents.append(chunk.text)
                metadatas.append(_chunk_meta(chunk, write.article.content_hash))
        for batch in _batches(range(len(chunk_ids)), self.client.get_max_batch_size()):
            self.chunks.upsert(
                ids=[chunk_ids[i] for i in batch],
                embeddings=np.asarray([vectors[i] for i in batch], dtype=np.float32),
                documents=[documents[i] for i in batch],
                metadatas=[metadatas[i] for i in batch],
            )
        self.articles.upsert(
            ids=ids,
            embeddings=[_DUMMY_VECTOR] * len(writes),
            documents=[w.article.text for w in writes],
            metadatas=[_article_meta(w) for w in writes],
        )

    def remove_articles(self, article_ids: Sequence[str]) -> None:
        if not article_ids:
            return
        self._delete_chunks(article_ids)
        for batch in _batches(list(article_ids), 500):
            self.articles.delete(ids=batch)

    def touch_article(self, article_id: str, path: str, mtime_ns: int, size: int) -> None:
        """Remember a new file stamp for unchanged content, so the next refresh skips the file."""
        self.articles.update(
            ids=[article_id], metadatas=[{"path": path, "mtime_ns": str(mtime_ns), "size": size}]
        )

    def mark_refreshed(self, new_generation: bool = True) -> None:
        """Record the refresh time, and a new generation if content changed (caches key on it)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        generation = self.generation()
        if new_generation or generation == "empty":
            generation = uuid.uuid4().hex
        self.articles.upsert(
            ids=[_GENERATION_ID],
            embeddings=[_DUMMY_VECTOR],
            metadatas=[{"kind": "meta", "generation": generation, "refreshed_at": now}],
        )

    def _delete_chunks(self, article_ids: Sequence[str]) -> None:
        for batch in _batches(list(article_ids), 500):
            self.chunks.delete(where={"article_id": {"$in": batch}})

    # -- reads --------------------------------------------------------------------------
    def query(
        self, vector: np.ndarray, k: int, where: dict | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k chunks nearest to `vector` (optionally filtered), with cosine similarity."""
        total = self.count_chunks()
        if total == 0:
            return []
        result = self.chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(k, total),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        columns = (result[key][0] for key in ("ids", "documents", "metadatas", "distances"))
        return [
            (chunk_from_meta(chunk_id, text, meta), 1.0 - float(distance))
            for chunk_id, text, meta, distance in zip(*columns, strict=True)
        ]

    def all_chunks(self) -> tuple[list[str], list[str], list[dict]]:
        """Every chunk's id, text and metadata: the lexical index is built from these."""
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict] = []
        page = 5000
        for offset in range(0, self.count_chunks(), page):
            part = self.chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            ids += part["ids"]
            documents += part["documents"]
            metadatas += part["metadatas"]
        return ids, documents, metadatas

    def get_articles(self, article_ids: Iterable[str]) -> dict[str, StoredArticle]:
        wanted = list(dict.fromkeys(article_ids))
        if not wanted:
            return {}
        records = self.articles.get(ids=wanted, include=["documents", "metadatas"])
        return {
            record_id: _stored_from_record(record_id, text, meta)
            for record_id, text, meta in zip(
                records["ids"], records["documents"], records["metadatas"], strict=True
            )
        }


def chunk_from_meta(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        id=chunk_id,
        article_id=meta["article_id"],
        index=meta["index"],
        text=text,
        char_start=meta["char_start"],
        char_end=meta["char_end"],
        paragraph_start=meta["paragraph_start"],
        paragraph_end=meta["paragraph_end"],
        title=meta["title"],
        published=dt.date.fromisoformat(meta["published"]),
        source=meta.get("source"),
        url=meta.get("url"),
        section=meta.get("section"),
    )


def _chunk_meta(chunk: Chunk, content_hash: str) -> dict:
    meta = {
        "article_id": chunk.article_id,
        "index": chunk.index,
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "paragraph_start": chunk.paragraph_start,
        "paragraph_end": chunk.paragraph_end,
        "title": chunk.title,
        "published": chunk.published.isoformat(),
        "published_ord": date_ordinal(chunk.published),
        "content_hash": content_hash,
    }
    optional = {"source": chunk.source, "url": chunk.url, "section": chunk.section}
    meta.update({key: value for key, value in optional.items() if value is not None})
    return meta


def _article_meta(write: ArticleWrite) -> dict:
    article = write.article
    meta = {
        "kind": "article",
        "content_hash": article.content_hash,
        "signature": write.signature,
        "path": article.path,
        "mtime_ns": str(write.mtime_ns),
        "size": write.size,
        "chunk_count": len(write.chunks),
        "title": article.title,
        "published": article.published.isoformat(),
        "paragraphs": json.dumps([[p.start, p.end, p.number] for p in article.paragraphs]),
    }
    optional = {"source": article.source, "url": article.url}
    meta.update({key: value for key, value in optional.items() if value is not None})
    return meta


def _indexed_from_meta(record_id: str, meta: dict) -> IndexedArticle:
    return IndexedArticle(
        id=record_id,
        content_hash=meta["content_hash"],
        signature=meta.get("signature", ""),
        path=meta["path"],
        mtime_ns=int(meta["mtime_ns"]),
        size=meta["size"],
        chunk_count=meta["chunk_count"],
        title=meta["title"],
        published=meta["published"],
    )


def _stored_from_record(record_id: str, text: str, meta: dict) -> StoredArticle:
    paragraphs = tuple(
        Paragraph(start, end, number, number is None)
        for start, end, number in json.loads(meta["paragraphs"])
    )
    return StoredArticle(
        id=record_id,
        title=meta["title"],
        published=dt.date.fromisoformat(meta["published"]),
        source=meta.get("source"),
        url=meta.get("url"),
        text=text,
        paragraphs=paragraphs,
    )


def _batches(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
