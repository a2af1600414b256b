"""The Chroma store: chunk and quote vectors plus a manifest of indexed articles.

Three collections: `<name>_chunks` (one record per chunk: vector, text, citation metadata),
`<name>_quotes` (one record per quote of the quote index: vector, text, speaker, span) and
`<name>_articles` (one record per article: full text, content hash, source file stamp,
boilerplate bookkeeping, and a `generation` record that changes on every write). Keeping the
manifest in Chroma rather than in a side file means several processes — or machines, in
server mode — share one truth.

Chunk and quote ids carry the article's content hash, and a chunk or quote is *live* only
while the manifest holds that same hash for its article. `replace_articles` writes the new
version's chunks and quotes, then the manifest (the switch), then deletes the old version's;
so a reader — in this process or another — sees each article whole, old or new, never
half-written or twice.
Crash safety follows from the same order: an interrupted ingest leaves at most invisible
chunks, the manifest still says what is really indexed, and the next ingest sees the
"writing" marker, sweeps stray chunks (`vacuum`) and redoes what is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from retrieval.articles import Article, Paragraph
from retrieval.chunking import Chunk, chunk_id
from retrieval.quotes import Quote
from retrieval.settings import Settings
from retrieval.speakers import PERSON, Speaker, short_forms

_GENERATION_ID = "__generation__"
_REMOVED_PREFIX = "__removed__"  # a tombstone per removed article, so derived indexes follow
_LOG_MARKER_ID = "__log__"  # the change log's bounds: complete since `since`, pruned at
CHANGE_LOG_KEEP_S = 3 * 24 * 3600.0  # the log keeps 3 days; a reader further behind (or a
# store older than its log) reads the manifest's stamps instead: one filter over every record
_LOG_PRUNE_EVERY_S = 3600.0
CHANGE_SLACK_S = 60.0  # readers of change stamps re-read this far back: clock skew between
# hosts, and a writer that stamped a change just before a reader read past it
_SPEAKER_PREFIX = "__speaker__"  # one record per distinct speaker: names resolve in one read
_T = TypeVar("_T")
_SURNAME_PREFIX = "__surname__"  # per surname, the speakers bearing it: found by id, not filter
_ROLE_PREFIX = "__role__"  # per role phrase, the speakers articles bind it to: found by id
_SPEAKERS_MARKER = "__speakers_v2__"  # speaker records complete (older stores are filled once)
_STALE_WRITER_S = 600  # a writer on another host silent this long is taken for dead
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
    published: str | None
    group: str = ""  # the source boilerplate is counted within (retrieval.boilerplate)
    segments: frozenset[str] = frozenset()  # recurrence keys of the article as read
    stripped: frozenset[str] = frozenset()  # the recurring keys stripped from it
    changed_at: float = 0.0  # when this record last changed (derived indexes follow it)
    quote_count: int | None = None  # None: recorded before quotes were counted


@dataclass(frozen=True)
class StoreHead:
    """Which store this is (`store_id`, fixed at creation) and its content `generation`."""

    store_id: str
    generation: str


@dataclass(frozen=True)
class StoreChange:
    """An article published (`content_hash`), or removed or re-stamped (None: ask the
    manifest which version, if any, is live) at `changed_at`."""

    article_id: str
    content_hash: str | None
    changed_at: float


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

    def sentence_number(self, offset: int) -> int:
        """1-based number of the sentence holding `offset`, counted over the body text."""
        from retrieval.sentences import sentence_spans

        number = 0
        for paragraph in self.paragraphs:
            if paragraph.heading:
                continue
            for _start, end in sentence_spans(self.text, paragraph.start, paragraph.end):
                number += 1
                if offset < end:
                    return number
        return max(number, 1)


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


def _store_errors_explained(cls: type) -> type:
    """Every public method turns a lost connection into a StoreError that says what to do."""
    import httpx

    def wrap(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (httpx.TransportError, ConnectionError) as err:
                raise StoreError(
                    f"lost the Chroma store at {self.location} ({err}). Nothing already "
                    "indexed is lost: run `newsdesk refresh` again once it is reachable."
                ) from err

        return guarded

    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, wrap(member))
    return cls


@_store_errors_explained
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
            self.quotes = self.client.get_or_create_collection(
                f"{settings.collection}_quotes",
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self.change_log = self.client.get_or_create_collection(
                f"{settings.collection}_changes", embedding_function=None
            )
        except Exception as err:
            raise StoreError(f"cannot open collections in {self.location}: {err}") from err
        self._writer_id = f"__writer__{uuid.uuid4().hex}"
        self._memo: dict = {}
        self._speakers_ready = False
        self._writing = False

    # -- manifest -----------------------------------------------------------------------
    def manifest(self) -> dict[str, IndexedArticle]:
        """The whole manifest at once: for small stores and tools, never for one ingest."""
        return {entry.id: entry for entry in self.iter_manifest()}

    def iter_manifest(self) -> Iterator[IndexedArticle]:
        """Every manifest record, a page at a time: a sweep over the archive (a refresh, a
        derived index's first build) that never holds it whole (~10 KB a record in Python)."""
        for part in _pages(self.articles, ["metadatas"], where={"kind": "article"}):
            for record_id, meta in zip(part["ids"], part["metadatas"], strict=True):
                yield _indexed_from_meta(record_id, meta)

    def entries_at(self, paths: Iterable[str]) -> list[IndexedArticle]:
        """The manifest records of the articles read from these files: what an ingest of
        some files needs to know, at the cost of those files, not of the archive."""
        found: list[IndexedArticle] = []
        for batch in _batches(list(dict.fromkeys(paths)), 500):
            where = {"$and": [{"kind": "article"}, {"path": {"$in": list(batch)}}]}
            records = _get_all(self.articles, ["metadatas"], where=where)
            found += [
                _indexed_from_meta(record_id, meta)
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
            ]
        return found

    def generation(self) -> str:
        """Changes whenever the indexed content changes; caches key on it."""
        return self.head().generation

    def head(self) -> StoreHead:
        record = self.articles.get(ids=[_GENERATION_ID], include=["metadatas"])
        if not record["ids"]:
            return StoreHead(store_id="empty", generation="empty")
        meta = record["metadatas"][0]
        return StoreHead(store_id=meta.get("store_id", "unnamed"), generation=meta["generation"])

    def manifest_entries(self, article_ids: Iterable[str]) -> dict[str, IndexedArticle]:
        """The manifest records of these articles (absent: not indexed)."""
        found: dict[str, IndexedArticle] = {}
        for batch in _batches(list(article_ids), 500):
            records = self.articles.get(ids=list(batch), include=["metadatas"])
            found.update(
                (record_id, _indexed_from_meta(record_id, meta))
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
                if meta.get("kind") == "article"
            )
        return found

    def changes_since(self, moment: float) -> list[StoreChange]:
        """Articles published, removed or re-stamped after `moment`, oldest first.

        Read from the change log when it reaches back that far: a filter over the last days'
        changes, where the same filter over the manifest reads every record (~100 ms at
        700,000 articles, paid by every process's first sync after each new article)."""
        if moment >= self._log_complete_since():
            records = _get_all(self.change_log, ["metadatas"],
                               where={"changed_at": {"$gt": moment}})  # fmt: skip
            changes = [
                StoreChange(record_id, meta.get("content_hash") or None, meta["changed_at"])
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
            ]
            return sorted(changes, key=lambda change: change.changed_at)
        records = _get_all(self.articles, ["metadatas"], where={"changed_at": {"$gt": moment}})
        changes = [
            StoreChange(
                article_id=meta.get("article_id", record_id),
                content_hash=meta.get("content_hash") if meta["kind"] == "article" else None,
                changed_at=meta["changed_at"],
            )
            for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
            if meta.get("kind") in ("article", "removed")
        ]
        return sorted(changes, key=lambda change: change.changed_at)

    def _log_complete_since(self) -> float:
        """The log holds every change stamped after this (infinity: no log yet)."""
        bounds = self._log_bounds()
        return float(bounds["since"]) if bounds else math.inf

    def _log_bounds(self) -> dict | None:
        """The log's marker: complete `since`, `pruned_at` (None: no log yet)."""
        marker = self.change_log.get(ids=[_LOG_MARKER_ID], include=["metadatas"])
        return marker["metadatas"][0] if marker["ids"] else None

    def _log_changes(self, versions: dict[str, str | None], stamp: float) -> None:
        """Log changes stamped `stamp` (after the manifest switch, so a logged version is a
        published one); started at its first change, pruned to `CHANGE_LOG_KEEP_S` hourly."""
        recorded = self._log_bounds()
        bounds = recorded
        if bounds is None:  # complete from the start for a new store; from now for an older one
            since = 0.0 if self.head().generation == "empty" else stamp
            bounds = {"since": since, "pruned_at": stamp}
        for batch in _batches(list(versions), 500):
            self.change_log.upsert(
                ids=list(batch),
                embeddings=[_DUMMY_VECTOR] * len(batch),
                # "" for unknown: an upsert merges into the record's old keys, never drops one
                metadatas=[{"changed_at": stamp, "content_hash": versions[i] or ""} for i in batch],
            )
        if stamp - bounds["pruned_at"] > _LOG_PRUNE_EVERY_S:
            cutoff = stamp - CHANGE_LOG_KEEP_S
            self.change_log.delete(where={"changed_at": {"$lt": cutoff}})
            bounds = {"since": max(bounds["since"], cutoff), "pruned_at": stamp}
        if bounds != recorded:
            self.change_log.upsert(ids=[_LOG_MARKER_ID], embeddings=[_DUMMY_VECTOR],
                                   metadatas=[bounds])  # fmt: skip

    def last_refresh(self) -> str | None:
        record = self.articles.get(ids=[_GENERATION_ID], include=["metadatas"])
        return record["metadatas"][0].get("refreshed_at") if record["ids"] else None

    def count_chunks(self) -> int:
        return self.chunks.count()

    def is_empty(self) -> bool:
        """Nothing was ever indexed here (no full count: Chroma counts by scanning)."""
        return self.head().generation == "empty"

    def count_articles(self) -> int:
        """All manifest records less the bookkeeping ones; counted once per generation."""

        def count() -> int:
            bookkeeping = _get_all(self.articles, [], where={"kind": {"$ne": "article"}})["ids"]
            return self.articles.count() - len(bookkeeping)

        return self._per_generation("articles", count)

    def count_undated(self, source: str | None = None) -> int:
        """Undated articles (of `source`): what a date filter leaves out, said to the reader."""
        clauses: list[dict] = [{"kind": "article"}, {"dated": False}]
        if source:
            clauses.append({"source": source})
        where = {"$and": clauses}
        return self._per_generation(
            f"undated:{source}", lambda: len(_get_all(self.articles, [], where=where)["ids"])
        )

    def _per_generation(self, key: str, compute: Callable[[], _T]) -> _T:
        """A figure that only changes with the content, computed once per generation (counting
        in Chroma scans the collection: ~60 ms at a million chunks)."""
        generation = self.generation()
        memo = self._memo if self._memo.get("") == generation else {"": generation}
        if key not in memo:
            memo[key] = compute()
        self._memo = memo
        return memo[key]

    # -- writes -------------------------------------------------------------------------
    def replace_articles(self, writes: Sequence[ArticleWrite]) -> None:
        """Publish these articles' new versions: chunks first, manifest (the switch), cleanup."""
        if not writes:
            return
        chunk_rows = [
            (chunk.id, vector, chunk.text, _chunk_meta(chunk))
            for write in writes
            for chunk, vector in zip(write.chunks, write.vectors, strict=True)
        ]
        quote_rows = [
            (
                quote_id(write.article.id, write.article.content_hash, index),
                vector,
                write.article.text[quote.start : quote.end],
                _quote_meta(write.article, quote),
            )
            for write in writes
            for index, (quote, vector) in enumerate(
                zip(write.quotes, write.quote_vectors, strict=True)
            )
        ]
        self._upsert(self.chunks, chunk_rows)
        self._upsert(self.quotes, quote_rows)
        self._save_speakers(row[3] for row in quote_rows)
        self.articles.delete(ids=[_REMOVED_PREFIX + w.article.id for w in writes])
        published_at = time.time()
        self.articles.upsert(
            ids=[w.article.id for w in writes],
            embeddings=[_DUMMY_VECTOR] * len(writes),
            documents=[w.article.text for w in writes],
            metadatas=[_article_meta(w) | {"changed_at": published_at} for w in writes],
        )
        self._log_changes({w.article.id: w.article.content_hash for w in writes}, published_at)
        replaced = [w.article.id for w in writes if w.replaces_existing]
        self._delete_all_but(self.chunks, replaced, {row[0] for row in chunk_rows})
        self._delete_all_but(self.quotes, replaced, {row[0] for row in quote_rows})

    def _delete_all_but(self, collection, article_ids: list[str], keep: set[str]) -> None:
        """Delete these articles' records other than `keep` (the version just written): old
        versions, and records of the same version cut differently (a new chunk size gives
        an article fewer chunks under the same content hash)."""
        for batch in _batches(article_ids, 200):
            where = {"article_id": {"$in": list(batch)}}
            stale = [i for i in _get_all(collection, [], where=where)["ids"] if i not in keep]
            for part in _batches(stale, 500):
                collection.delete(ids=list(part))

    def _upsert(self, collection, rows: list[tuple[str, np.ndarray, str, dict]]) -> None:
        for batch in _batches(rows, self.client.get_max_batch_size()):
            collection.upsert(
                ids=[row[0] for row in batch],
                embeddings=np.asarray([row[1] for row in batch], dtype=np.float32),
                documents=[row[2] for row in batch],
                metadatas=[row[3] for row in batch],
            )

    def remove_articles(self, article_ids: Sequence[str]) -> None:
        """Unpublish (manifest first, so readers stop seeing them), then delete the chunks."""
        if not article_ids:
            return
        for batch in _batches(list(article_ids), 500):
            self.articles.delete(ids=batch)
            removed_at = time.time()
            self.articles.upsert(
                ids=[_REMOVED_PREFIX + article_id for article_id in batch],
                embeddings=[_DUMMY_VECTOR] * len(batch),
                metadatas=[
                    {"kind": "removed", "article_id": article_id, "changed_at": removed_at}
                    for article_id in batch
                ],
            )
            self._log_changes(dict.fromkeys(batch), removed_at)
            self.chunks.delete(where={"article_id": {"$in": list(batch)}})
            self.quotes.delete(where={"article_id": {"$in": list(batch)}})

    def live_versions(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Content hash of the published version of each article (absent: not published)."""
        found: dict[str, str] = {}
        for batch in _batches(list(dict.fromkeys(article_ids)), 500):
            records = self.articles.get(ids=list(batch), include=["metadatas"])
            found.update(
                (record_id, meta["content_hash"])
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
            )
        return found

    def boilerplate_texts(self) -> dict[str, list[str]]:
        """Per source group, the boilerplate texts learnt so far (see retrieval.boilerplate)."""
        records = _get_all(self.articles, ["documents", "metadatas"], where={"kind": "boilerplate"})
        return {
            meta["group"]: json.loads(document)
            for meta, document in zip(records["metadatas"], records["documents"], strict=True)
        }

    def save_boilerplate_texts(self, group: str, texts: list[str]) -> None:
        record_id = "__boilerplate__" + hashlib.sha256(group.encode()).hexdigest()[:24]
        self.articles.upsert(
            ids=[record_id],
            embeddings=[_DUMMY_VECTOR],
            documents=[json.dumps(texts, ensure_ascii=False)],
            metadatas=[{"kind": "boilerplate", "group": group}],
        )

    def begin_writing(self) -> None:
        """Mark this writer at work; sweep what dead writers left, when no other is at work.

        Each writer has its own marker (host, pid, heartbeat). A marker whose process is gone
        (same host) or whose heartbeat is older than `_STALE_WRITER_S` (another host) belongs
        to an interrupted write. Its stray chunks are invisible to readers already; `vacuum`
        deletes them, but only while no live writer is mid-write, since a live writer's new
        chunks look the same until its manifest switch.
        """
        markers = self.articles.get(where={"kind": "writer"}, include=["metadatas"])
        stale, live = [], []
        for marker_id, meta in zip(markers["ids"], markers["metadatas"], strict=True):
            (stale if _writer_is_dead(meta) else live).append(marker_id)
        self._writing = True
        self._beat()
        if stale and not live:
            self.vacuum()
            self.articles.delete(ids=stale)

    def _beat(self) -> None:
        meta = {"kind": "writer", "host": socket.gethostname(), "pid": os.getpid(),
                "beat": time.time()}  # fmt: skip
        self.articles.upsert(ids=[self._writer_id], embeddings=[_DUMMY_VECTOR], metadatas=[meta])

    def end_writing(self) -> None:
        self._writing = False
        self.articles.delete(ids=[self._writer_id])

    def vacuum(self) -> int:
        """Delete chunks and quotes no published article version owns (left by an
        interrupted write)."""
        live = {entry.id: entry.content_hash for entry in self.iter_manifest()}
        removed = 0
        for collection in (self.chunks, self.quotes):
            stray = []
            for part in _pages(collection, ["metadatas"]):
                stray += [
                    record_id
                    for record_id, meta in zip(part["ids"], part["metadatas"], strict=True)
                    if live.get(meta["article_id"]) != meta["content_hash"]
                ]
            for batch in _batches(stray, 500):
                collection.delete(ids=list(batch))
            removed += len(stray)
        return removed

    def touch_articles(self, stamps: dict[str, dict]) -> None:
        """Remember new file stamps (and segment keys) of unchanged articles, so the next
        refresh skips their files."""
        ids, now = list(stamps), time.time()
        for batch in _batches(ids, 500):
            metadatas = [stamps[i] | {"changed_at": now} for i in batch]
            self.articles.update(ids=list(batch), metadatas=metadatas)
            self._log_changes(dict.fromkeys(batch), now)

    def mark_refreshed(self, new_generation: bool = True) -> None:
        """Record the refresh time, and a new generation if content changed (caches key on it)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        head = self.head()
        generation = head.generation
        if new_generation or generation == "empty":
            generation = uuid.uuid4().hex
        store_id = uuid.uuid4().hex if head.store_id in ("empty", "unnamed") else head.store_id
        meta = {"kind": "meta", "generation": generation, "refreshed_at": now, "store_id": store_id}
        self.articles.upsert(ids=[_GENERATION_ID], embeddings=[_DUMMY_VECTOR], metadatas=[meta])
        if new_generation and self._writing:
            self._beat()  # a long write keeps its marker fresh for other hosts

    # -- reads --------------------------------------------------------------------------
    def query(
        self, vector: np.ndarray, k: int, where: dict | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k chunks nearest to `vector` (optionally filtered), with cosine similarity."""
        result = self.chunks.query(  # fewer than k stored is fine: Chroma returns what it has
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        columns = (result[key][0] for key in ("ids", "documents", "metadatas", "distances"))
        return [
            (chunk_from_meta(record_id, text, meta), 1.0 - float(distance))
            for record_id, text, meta, distance in zip(*columns, strict=True)
        ]

    def iter_chunks(self) -> Iterable[Chunk]:
        """Every chunk, page by page: what a derived index is first built from."""
        for part in _pages(self.chunks, ["documents", "metadatas"]):
            columns = (part["ids"], part["documents"], part["metadatas"])
            for record_id, text, meta in zip(*columns, strict=True):
                yield chunk_from_meta(record_id, text, meta)

    def all_chunks(self) -> tuple[list[str], list[str], list[dict]]:
        """Every chunk's id, text and metadata, as three columns (checks and benchmarks)."""
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict] = []
        for part in _pages(self.chunks, ["documents", "metadatas"]):
            ids += part["ids"]
            documents += part["documents"]
            metadatas += part["metadatas"]
        return ids, documents, metadatas

    def chunks_of(self, versions: dict[str, str]) -> list[Chunk]:
        """The chunks of these article versions ({article id: content hash})."""
        records = self._records_of(
            self.chunks, versions, ["documents", "metadatas"], "chunk_count", chunk_id
        )
        columns = (records["ids"], records["documents"], records["metadatas"])
        return [
            chunk_from_meta(record_id, text, meta)
            for record_id, text, meta in zip(*columns, strict=True)
            if versions.get(meta["article_id"]) == meta["content_hash"]
        ]

    def _records_of(
        self,
        collection,
        versions: dict[str, str],
        include: list[str],
        count_field: str,
        record_id: Callable[[str, str, int], str],
    ) -> dict[str, list]:
        """The chunk or quote records of these article versions, read by id where the
        manifest counts them (a filter by article reads the whole collection's index: ~100 ms
        at a million chunks, paid by each derived index's sync after each new article)."""
        entries = self.manifest_entries(versions)
        ids: list[str] = []
        uncounted: list[str] = []
        for article_id, digest in versions.items():
            entry = entries.get(article_id)
            count = getattr(entry, count_field) if entry and entry.content_hash == digest else None
            if count is None:
                uncounted.append(article_id)
            else:
                ids += [record_id(article_id, digest, index) for index in range(count)]
        parts = [collection.get(ids=list(batch), include=include) for batch in _batches(ids, 1000)]
        for batch in _batches(uncounted, 200):
            parts += _pages(collection, include, where={"article_id": {"$in": list(batch)}})
        return _merged(parts, include)

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """These chunks, in the order asked (ids no longer stored are left out)."""
        if not chunk_ids:
            return []
        records = self.chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        columns = (records["ids"], records["documents"], records["metadatas"])
        by_id = {
            record_id: chunk_from_meta(record_id, text, meta)
            for record_id, text, meta in zip(*columns, strict=True)
        }
        return [by_id[cid] for cid in chunk_ids if cid in by_id]

    # -- quotes -------------------------------------------------------------------------
    def count_quotes(self) -> int:
        return self.quotes.count()

    def nearest_quotes(self, vector: np.ndarray, k: int, where: dict | None) -> list[StoredQuote]:
        """The k quotes (matching `where`) nearest to `vector`, with cosine similarity."""
        found = self.quotes.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        columns = (found[key][0] for key in ("ids", "documents", "metadatas", "distances"))
        quotes = [
            _quote_from_meta(quote_id_, text, meta, 1.0 - float(distance))
            for quote_id_, text, meta, distance in zip(*columns, strict=True)
        ]
        return self._published_quotes(quotes)

    def get_quotes(self, similarity: dict[str, float | None]) -> list[StoredQuote]:
        """These quotes ({id: cosine to the question, if known}), in that order, if their
        article versions are still published."""
        by_id: dict[str, StoredQuote] = {}
        for batch in _batches(list(similarity), 5000):  # a speaker's every quote, listed
            found = self.quotes.get(ids=list(batch), include=["documents", "metadatas"])
            columns = (found["ids"], found["documents"], found["metadatas"])
            by_id.update(
                (record_id, _quote_from_meta(record_id, text, meta, similarity[record_id]))
                for record_id, text, meta in zip(*columns, strict=True)
            )
        return self._published_quotes([by_id[i] for i in similarity if i in by_id])

    def iter_quote_records(self) -> Iterator[tuple[str, dict, np.ndarray]]:
        """Every quote's (id, metadata, vector), a page at a time: a derived index's first
        build."""
        for part in _pages(self.quotes, ["metadatas", "embeddings"]):
            yield from zip(part["ids"], part["metadatas"], part["embeddings"], strict=True)

    def quote_records_of(self, versions: dict[str, str]) -> list[tuple[str, dict, np.ndarray]]:
        """The quotes' (id, metadata, vector) of these article versions."""
        records = self._records_of(
            self.quotes, versions, ["metadatas", "embeddings"], "quote_count", quote_id
        )
        return [
            (record_id, meta, vector)
            for record_id, meta, vector in zip(
                records["ids"], records["metadatas"], records["embeddings"], strict=True
            )
            if versions.get(meta["article_id"]) == meta["content_hash"]
        ]

    def speakers_named(self, keys: Sequence[str]) -> list[Speaker]:
        """Distinct speakers whose whole name is one of `keys`, or whose surname is the last
        word of one: two reads by id (surname records name their bearers), however often
        they are quoted, and no filter over the manifest (~140 ms at 700,000 articles).
        A record may outlive its speaker's last article: check the quote lookup."""
        self._ensure_speaker_records()
        surnames = {key.split()[-1] for key in keys if key} | set(keys)  # "best buy" too
        bearers = self.articles.get(ids=[_SURNAME_PREFIX + s for s in surnames],
                                    include=["metadatas"])  # fmt: skip
        wanted = set(keys).union(*(_keys_of(meta) for meta in bearers["metadatas"]))
        return self.speakers_keyed(sorted(wanted))

    def speakers_keyed(self, keys: Sequence[str]) -> list[Speaker]:
        """The speakers of exactly these keys (a role table's holders): one read by id."""
        wanted = list(dict.fromkeys(k for k in keys if k))
        if not wanted:
            return []
        records = self.articles.get(ids=[_SPEAKER_PREFIX + k for k in wanted],
                                    include=["metadatas"])  # fmt: skip
        return [_speaker_from_meta(m) for m in records["metadatas"] if m.get("kind") == "speaker"]

    def all_speakers(self) -> list[Speaker]:
        """Every speaker ever recorded (some may no longer be quoted: check before use)."""
        self._ensure_speaker_records()
        records = _get_all(self.articles, ["metadatas"], where={"kind": "speaker"})
        return [_speaker_from_meta(meta) for meta in records["metadatas"]]

    def roles_named(self, phrases: Sequence[str]) -> dict[str, list[RoleHolder]]:
        """Role phrase → the speakers articles bind it to ("defence minister" → Khawaja
        Asif), most often bound first: one read by id, for every phrase of a question."""
        wanted = list(dict.fromkeys(p for p in phrases if p))
        if not wanted:
            return {}
        records = self.articles.get(ids=[_ROLE_PREFIX + p for p in wanted], include=["metadatas"])
        return {
            record_id.removeprefix(_ROLE_PREFIX): _holders_of(meta)
            for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
        }

    def _save_roles(self, quote_metas: list[dict]) -> None:
        """Count, per role, the articles binding it to each speaker (read, merged, written)."""
        bound: dict[str, dict[str, RoleHolder]] = {}
        seen: set[tuple[str, str, str]] = set()
        for meta in quote_metas:
            for role in filter(None, meta.get("roles", "").split("\t")):
                once = (role, meta["speaker_key"], meta["article_id"])
                if once in seen:
                    continue
                seen.add(once)
                holders = bound.setdefault(role, {})
                one = RoleHolder(meta["speaker_key"], 1, meta.get("published"))
                holders[one.speaker_key] = one.plus(holders.get(one.speaker_key))
        for batch in _batches(sorted(bound), 500):
            ids = [_ROLE_PREFIX + role for role in batch]
            known = self.articles.get(ids=ids, include=["metadatas"])
            merged = {i: _holders_of(m) for i, m in zip(known["ids"], known["metadatas"],
                                                        strict=True)}  # fmt: skip
            self.articles.upsert(
                ids=ids,
                embeddings=[_DUMMY_VECTOR] * len(ids),
                metadatas=[
                    {"kind": "role",
                     "holders": _holders_json(merged.get(i, []), bound[role].values())}
                    for i, role in zip(ids, batch, strict=True)
                ],
            )  # fmt: skip

    def _save_speakers(self, quote_metas: Iterable[dict]) -> None:
        quote_metas = [m for m in quote_metas if m.get("speaker_key")]
        self._save_roles(quote_metas)
        speakers = {m["speaker_key"]: m for m in quote_metas}
        self._save_surnames(speakers.values())
        for batch in _batches(list(speakers.values()), 500):
            self.articles.upsert(
                ids=[_SPEAKER_PREFIX + meta["speaker_key"] for meta in batch],
                embeddings=[_DUMMY_VECTOR] * len(batch),
                metadatas=[
                    {"kind": "speaker", "speaker_key": meta["speaker_key"],
                     "surname": meta["surname"], "speaker": meta["speaker"],
                     "speaker_kind": meta["speaker_kind"]}
                    for meta in batch
                ],
            )  # fmt: skip

    def _save_surnames(self, speakers: Iterable[dict]) -> None:
        """Add each speaker's key to the record of its surname (read, merged, written)."""
        by_surname: dict[str, set[str]] = {}
        for meta in speakers:
            by_surname.setdefault(meta["surname"], set()).add(meta["speaker_key"])
            if meta["speaker_kind"] != PERSON:  # "Best Buy" and "Mead" find their bodies
                for form in short_forms(meta["speaker_key"]):
                    by_surname.setdefault(form, set()).add(meta["speaker_key"])
        for batch in _batches(sorted(by_surname), 500):
            ids = [_SURNAME_PREFIX + surname for surname in batch]
            known = self.articles.get(ids=ids, include=["metadatas"])
            merged = {i: _keys_of(m) for i, m in zip(known["ids"], known["metadatas"], strict=True)}
            self.articles.upsert(
                ids=ids,
                embeddings=[_DUMMY_VECTOR] * len(ids),
                metadatas=[
                    {"kind": "surname",
                     "keys": "\t".join(sorted(merged.get(i, set()) | by_surname[s]))}
                    for i, s in zip(ids, batch, strict=True)
                ],
            )  # fmt: skip

    def _ensure_speaker_records(self) -> None:
        """A store indexed before speaker records existed gets them once, from its quotes."""
        if self._speakers_ready:
            return
        if not self.articles.get(ids=[_SPEAKERS_MARKER], include=[])["ids"]:
            self._save_speakers(self.all_quote_metadata())
            self.articles.upsert(ids=[_SPEAKERS_MARKER], embeddings=[_DUMMY_VECTOR],
                                 metadatas=[{"kind": "marker"}])  # fmt: skip
        self._speakers_ready = True

    def all_quote_metadata(self) -> list[dict]:
        """Every quote's metadata: who is quoted, how often, where (`newsdesk speakers`)."""
        return [meta for part in _pages(self.quotes, ["metadatas"]) for meta in part["metadatas"]]

    def _published_quotes(self, quotes: list[StoredQuote]) -> list[StoredQuote]:
        live = self.live_versions(q.article_id for q in quotes)
        return [q for q in quotes if live.get(q.article_id) == q.content_hash]

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
        published=_date_or_none(meta.get("published")),
        source=meta.get("source"),
        url=meta.get("url"),
        section=meta.get("section"),
        content_hash=meta["content_hash"],
    )


def _chunk_meta(chunk: Chunk) -> dict:
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


def _article_meta(write: ArticleWrite) -> dict:
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
        published=meta.get("published"),
        group=meta.get("group", ""),
        segments=frozenset(meta.get("segments", "").split()),
        stripped=frozenset(meta.get("stripped", "").split()),
        changed_at=float(meta.get("changed_at", 0.0)),
        quote_count=meta.get("quote_count"),
    )


def _stored_from_record(record_id: str, text: str, meta: dict) -> StoredArticle:
    paragraphs = tuple(
        Paragraph(start, end, number, number is None)
        for start, end, number in json.loads(meta["paragraphs"])
    )
    return StoredArticle(
        id=record_id,
        title=meta["title"],
        published=_date_or_none(meta.get("published")),
        source=meta.get("source"),
        url=meta.get("url"),
        text=text,
        paragraphs=paragraphs,
        entities=tuple(tuple(e) for e in json.loads(meta.get("entities", "[]"))),
    )


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def quote_id(article_id: str, content_hash: str, index: int) -> str:
    return f"{article_id}::{content_hash[:12]}::q{index}"


def _quote_meta(article: Article, quote: Quote) -> dict:
    meta: dict = {
        "article_id": article.id,
        "content_hash": article.content_hash,
        "start": quote.start,
        "end": quote.end,
        "mention": quote.mention,
        "cue": quote.cue,
        "kind": quote.kind,
        "title": article.title,
        "dated": article.published is not None,
    }
    if quote.speaker is not None:
        if quote.roles:
            meta["roles"] = "\t".join(quote.roles)
        meta.update(
            speaker=quote.speaker.name,
            speaker_key=quote.speaker.key,
            surname=quote.speaker.surname,
            speaker_kind=quote.speaker.kind,
        )
    if article.published:
        meta["published"] = article.published.isoformat()
        meta["published_ord"] = date_ordinal(article.published)
    if article.source:
        meta["source"] = article.source
    return meta


@dataclass(frozen=True)
class RoleHolder:
    """A speaker an archive's articles call by a role, in how many articles, latest when."""

    speaker_key: str
    articles: int
    latest: str | None  # ISO date of the latest such article (None: all undated)

    def plus(self, other: RoleHolder | None) -> RoleHolder:
        """Both counts of one speaker's articles under a role, and the later date."""
        if other is None:
            return self
        latest = max(filter(None, [self.latest, other.latest]), default=None)
        return RoleHolder(self.speaker_key, self.articles + other.articles, latest)


def _holders_of(role_meta: dict) -> list[RoleHolder]:
    rows = json.loads(role_meta.get("holders", "[]"))
    holders = [RoleHolder(key, count, latest) for key, count, latest in rows]
    return sorted(holders, key=lambda h: (-h.articles, h.speaker_key))


def _holders_json(old: list[RoleHolder], new: Iterable[RoleHolder]) -> str:
    merged = {h.speaker_key: h for h in old}
    for holder in new:
        merged[holder.speaker_key] = holder.plus(merged.get(holder.speaker_key))
    return json.dumps([[h.speaker_key, h.articles, h.latest] for h in merged.values()])


def _keys_of(surname_meta: dict) -> set[str]:
    return set(surname_meta["keys"].split("\t"))


def _speaker_from_meta(meta: dict) -> Speaker:
    return Speaker(meta["speaker"], meta["speaker_key"], meta["surname"], meta["speaker_kind"])


def _quote_from_meta(
    record_id: str, text: str, meta: dict, similarity: float | None = None
) -> StoredQuote:
    speaker = None
    if meta.get("speaker_key"):
        speaker = Speaker(
            meta["speaker"], meta["speaker_key"], meta["surname"], meta["speaker_kind"]
        )
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
        published=_date_or_none(meta.get("published")),
        source=meta.get("source"),
        similarity=similarity,
    )


def _pages(
    collection, include: list[str], where: dict | None = None, page: int = 5000
) -> Iterable[dict]:
    """Every record (matching `where`), a page at a time: one `get` of more than ~30,000
    records fails in Chroma's SQLite ("too many SQL variables")."""
    offset = 0
    while True:
        part = collection.get(where=where, include=include, limit=page, offset=offset)
        yield part
        if len(part["ids"]) < page:
            return
        offset += page


def _get_all(collection, include: list[str], where: dict | None = None) -> dict[str, list]:
    """`collection.get(where=…)` for any number of matches, as one result."""
    return _merged(_pages(collection, include, where), include)


def _merged(parts: Iterable[dict], include: list[str]) -> dict[str, list]:
    """Several `get` results as one."""
    merged: dict[str, list] = {"ids": [], **{key: [] for key in include}}
    for part in parts:
        for key in merged:
            merged[key] += list(part[key])
    return merged


def _writer_is_dead(meta: dict) -> bool:
    if meta.get("host") == socket.gethostname():
        try:
            os.kill(int(meta["pid"]), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return time.time() - float(meta.get("beat", 0)) > _STALE_WRITER_S


def _batches(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
