"""The manifest: one record per indexed article (what was read, from which file, which
version is published), the generation record, and the change log other machines follow.

Publishing an article is the upsert of its manifest record: its chunks and quotes, written
before, become live only then (see `retrieval.store.store`). Every change is stamped, and
logged in a collection of its own, so a derived index on another machine reads what
changed since it last looked rather than the whole manifest.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from retrieval.store.client import IDS_PER_CALL, batches, explained_errors, get_all, pages
from retrieval.store.records import (
    DUMMY_VECTOR,
    GENERATION_ID,
    REMOVED_PREFIX,
    ArticleWrite,
    IndexedArticle,
    article_meta,
    indexed_from_meta,
)

_T = TypeVar("_T")
LOG_MARKER_ID = "__log__"  # the change log's bounds: complete since `since`, pruned at
CHANGE_LOG_KEEP_S = 3 * 24 * 3600.0  # the log keeps 3 days; a reader further behind (or a
# store older than its log) reads the manifest's stamps instead: one filter over every record
LOG_PRUNE_EVERY_S = 3600.0
CHANGE_SLACK_S = 60.0  # readers of change stamps re-read this far back: clock skew between
# hosts, and a writer that stamped a change just before a reader read past it


@dataclass(frozen=True)
class StoreHead:
    """Which store this is (`store_id`, fixed at creation) and its content `generation`."""

    store_id: str
    generation: str


@dataclass(frozen=True)
class StoreChange:
    """An article published (`content_hash`, read by the pipeline `signature`), or removed
    or re-stamped (None: ask the manifest which version, if any, is live) at `changed_at`.

    The same content re-read by a new pipeline (new quote rules) is a new version: its
    quotes and their ids change, so derived indexes compare both, never the hash alone."""

    article_id: str
    content_hash: str | None
    changed_at: float
    signature: str | None = None


@explained_errors
class Manifest:
    """The articles collection's article records, generation record and change log."""

    def __init__(self, articles, change_log, location: str) -> None:
        self.articles = articles
        self.change_log = change_log
        self.location = location
        self._memo: dict = {}

    def all_entries(self) -> dict[str, IndexedArticle]:
        """The whole manifest at once: for small stores and tools, never for one ingest."""
        return {entry.id: entry for entry in self.iter_entries()}

    def iter_entries(self) -> Iterator[IndexedArticle]:
        """Every manifest record, a page at a time: a sweep over the archive (a refresh, a
        derived index's first build) that never holds it whole (~10 KB a record in Python)."""
        for part in pages(self.articles, ["metadatas"], where={"kind": "article"}):
            for record_id, meta in zip(part["ids"], part["metadatas"], strict=True):
                yield indexed_from_meta(record_id, meta)

    def entries_at(self, paths: Iterable[str]) -> list[IndexedArticle]:
        """The manifest records of the articles read from these files: what an ingest of
        some files needs to know, at the cost of those files, not of the archive."""
        found: list[IndexedArticle] = []
        for batch in batches(list(dict.fromkeys(paths)), IDS_PER_CALL):
            where = {"$and": [{"kind": "article"}, {"path": {"$in": list(batch)}}]}
            records = get_all(self.articles, ["metadatas"], where=where)
            found += [
                indexed_from_meta(record_id, meta)
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
            ]
        return found

    def entries(self, article_ids: Iterable[str]) -> dict[str, IndexedArticle]:
        """The manifest records of these articles (absent: not indexed)."""
        found: dict[str, IndexedArticle] = {}
        for batch in batches(list(article_ids), IDS_PER_CALL):
            records = self.articles.get(ids=list(batch), include=["metadatas"])
            found.update(
                (record_id, indexed_from_meta(record_id, meta))
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
                if meta.get("kind") == "article"
            )
        return found

    def live_versions(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Content hash of the published version of each article (absent: not published)."""
        found: dict[str, str] = {}
        for batch in batches(list(dict.fromkeys(article_ids)), IDS_PER_CALL):
            records = self.articles.get(ids=list(batch), include=["metadatas"])
            found.update(
                (record_id, meta["content_hash"])
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
            )
        return found

    def generation(self) -> str:
        """Changes whenever the indexed content changes; caches key on it."""
        return self.head().generation

    def head(self) -> StoreHead:
        record = self.articles.get(ids=[GENERATION_ID], include=["metadatas"])
        if not record["ids"]:
            return StoreHead(store_id="empty", generation="empty")
        meta = record["metadatas"][0]
        return StoreHead(store_id=meta.get("store_id", "unnamed"), generation=meta["generation"])

    def last_refresh(self) -> str | None:
        record = self.articles.get(ids=[GENERATION_ID], include=["metadatas"])
        return record["metadatas"][0].get("refreshed_at") if record["ids"] else None

    def is_empty(self) -> bool:
        """Nothing was ever indexed here (no full count: Chroma counts by scanning)."""
        return self.head().generation == "empty"

    def count_articles(self) -> int:
        """All manifest records less the bookkeeping ones; counted once per generation."""

        def count() -> int:
            bookkeeping = get_all(self.articles, [], where={"kind": {"$ne": "article"}})["ids"]
            return self.articles.count() - len(bookkeeping)

        return self._per_generation("articles", count)

    def count_undated(self, source: str | None = None) -> int:
        """Undated articles (of `source`): what a date filter leaves out, said to the reader."""
        clauses: list[dict] = [{"kind": "article"}, {"dated": False}]
        if source:
            clauses.append({"source": source})
        where = {"$and": clauses}
        return self._per_generation(
            f"undated:{source}", lambda: len(get_all(self.articles, [], where=where)["ids"])
        )

    def overview(self, newest: int = 5) -> dict:
        """Articles per source (with the first and last date and how many are undated, most
        articles first) and the newest dated articles: what App Home and the assistant's
        suggested prompts show. One sweep of the manifest per generation."""

        def tally() -> dict:
            table: dict[str, dict] = {}
            latest: list[tuple[str, str, str]] = []
            for part in pages(self.articles, ["metadatas"], where={"kind": "article"}):
                for record_id, meta in zip(part["ids"], part["metadatas"], strict=True):
                    published = _tally_source(table, meta)
                    if published:
                        latest = sorted([*latest, (published, meta["title"], record_id)])
                        latest = latest[-newest:]
            sources = sorted(table.values(), key=lambda r: (-r["articles"], r["source"] or ""))
            recent = [
                {"id": aid, "title": title, "published": day}
                for day, title, aid in reversed(latest)
            ]
            return {"sources": sources, "newest": recent}

        return self._per_generation(f"overview:{newest}", tally)

    def _per_generation(self, key: str, compute: Callable[[], _T]) -> _T:
        """A figure that only changes with the content, computed once per generation (counting
        in Chroma scans the collection: ~60 ms at a million chunks)."""
        generation = self.generation()
        memo = self._memo if self._memo.get("") == generation else {"": generation}
        if key not in memo:
            memo[key] = compute()
        self._memo = memo
        return memo[key]

    def changes_since(self, moment: float) -> list[StoreChange]:
        """Articles published, removed or re-stamped after `moment`, oldest first.

        Read from the change log when it reaches back that far: a filter over the last days'
        changes, where the same filter over the manifest reads every record (~100 ms at
        700,000 articles, paid by every process's first sync after each new article)."""
        if moment >= self._log_complete_since():
            records = get_all(self.change_log, ["metadatas"],
                               where={"changed_at": {"$gt": moment}})  # fmt: skip
            changes = [
                StoreChange(
                    record_id,
                    meta.get("content_hash") or None,
                    meta["changed_at"],
                    meta.get("signature") or None,
                )
                for record_id, meta in zip(records["ids"], records["metadatas"], strict=True)
            ]
            return sorted(changes, key=lambda change: change.changed_at)
        records = get_all(self.articles, ["metadatas"], where={"changed_at": {"$gt": moment}})
        changes = [
            StoreChange(
                article_id=meta.get("article_id", record_id),
                content_hash=meta.get("content_hash") if meta["kind"] == "article" else None,
                changed_at=meta["changed_at"],
                signature=meta.get("signature") if meta["kind"] == "article" else None,
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
        marker = self.change_log.get(ids=[LOG_MARKER_ID], include=["metadatas"])
        return marker["metadatas"][0] if marker["ids"] else None

    def _log_changes(
        self,
        versions: dict[str, str | None],
        stamp: float,
        signatures: dict[str, str] | None = None,
    ) -> None:
        """Log changes stamped `stamp` (after the manifest switch, so a logged version is a
        published one); started at its first change, pruned to `CHANGE_LOG_KEEP_S` hourly."""
        recorded = self._log_bounds()
        bounds = recorded
        if bounds is None:  # complete from the start for a new store; from now for an older one
            since = 0.0 if self.head().generation == "empty" else stamp
            bounds = {"since": since, "pruned_at": stamp}
        for batch in batches(list(versions), IDS_PER_CALL):
            self.change_log.upsert(
                ids=list(batch),
                embeddings=[DUMMY_VECTOR] * len(batch),
                # "" for unknown: an upsert merges into the record's old keys, never drops one
                metadatas=[
                    {
                        "changed_at": stamp,
                        "content_hash": versions[i] or "",
                        "signature": (signatures or {}).get(i, ""),
                    }
                    for i in batch
                ],
            )
        if stamp - bounds["pruned_at"] > LOG_PRUNE_EVERY_S:
            cutoff = stamp - CHANGE_LOG_KEEP_S
            self.change_log.delete(where={"changed_at": {"$lt": cutoff}})
            bounds = {"since": max(bounds["since"], cutoff), "pruned_at": stamp}
        if bounds != recorded:
            self.change_log.upsert(ids=[LOG_MARKER_ID], embeddings=[DUMMY_VECTOR],
                                   metadatas=[bounds])  # fmt: skip

    def publish(self, writes: Sequence[ArticleWrite]) -> None:
        """The switch: these articles' manifest records now name their new versions."""
        self.articles.delete(ids=[REMOVED_PREFIX + w.article.id for w in writes])
        published_at = time.time()
        self.articles.upsert(
            ids=[w.article.id for w in writes],
            embeddings=[DUMMY_VECTOR] * len(writes),
            documents=[w.article.text for w in writes],
            metadatas=[article_meta(w) | {"changed_at": published_at} for w in writes],
        )
        self._log_changes(
            {w.article.id: w.article.content_hash for w in writes},
            published_at,
            {w.article.id: w.signature for w in writes},
        )

    def unpublish(self, article_ids: Sequence[str]) -> None:
        """These articles are gone: their records become tombstones derived indexes follow."""
        self.articles.delete(ids=list(article_ids))
        removed_at = time.time()
        self.articles.upsert(
            ids=[REMOVED_PREFIX + article_id for article_id in article_ids],
            embeddings=[DUMMY_VECTOR] * len(article_ids),
            metadatas=[
                {"kind": "removed", "article_id": article_id, "changed_at": removed_at}
                for article_id in article_ids
            ],
        )
        self._log_changes(dict.fromkeys(article_ids), removed_at)

    def touch(self, stamps: dict[str, dict]) -> None:
        """Remember new file stamps (and segment keys) of unchanged articles, so the next
        refresh skips their files."""
        ids, now = list(stamps), time.time()
        for batch in batches(ids, IDS_PER_CALL):
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
        self.articles.upsert(ids=[GENERATION_ID], embeddings=[DUMMY_VECTOR], metadatas=[meta])


def _tally_source(table: dict[str, dict], meta: dict) -> str | None:
    """Count one article under its source; its date, if it has one."""
    name = meta.get("source") or ""
    row = table.setdefault(
        name, {"source": name or None, "articles": 0, "first": None, "last": None, "undated": 0}
    )
    row["articles"] += 1
    published = meta.get("published")
    if not published:
        row["undated"] += 1
        return None
    row["first"] = min(row["first"] or published, published)
    row["last"] = max(row["last"] or published, published)
    return published
