"""How many articles of each source group hold each segment key: what boilerplate is judged on.

Recurrence (`retrieval.ingest.boilerplate`) needs, for a new article's segments, their counts over
its whole source. Counting the manifest on every ingest costs the archive (a million-chunk
store holds over 500,000 articles), so the counts are an index derived from the store and
kept on this machine's disk (SQLite, under the data dir), like the lexical index: built once
per store, then kept current from the manifest's change stamps. An ingest reads the counts
of its own articles' keys and of the keys already near the floor, nothing more.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from retrieval.index.derived import machine_lock, select_in
from retrieval.store import CHANGE_SLACK_S, ChunkStore, IndexedArticle

LAYOUT_VERSION = "segments-v1"  # a change here rebuilds the counts once

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, grp TEXT, segments TEXT);
CREATE TABLE IF NOT EXISTS sizes (grp TEXT PRIMARY KEY, n INTEGER);
CREATE TABLE IF NOT EXISTS counts (grp TEXT, key TEXT, n INTEGER, PRIMARY KEY (grp, key))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS counts_by_n ON counts (grp, n);
"""


@dataclass(frozen=True)
class Candidate:
    """An article about to be indexed: its id, source group and segment keys."""

    article_id: str
    group: str
    segments: frozenset[str]


class SegmentCounts:
    """Per source group: articles counted, and in how many of them each key stands."""

    def __init__(self, store: ChunkStore, path: Path) -> None:
        self.store = store
        self.path = path
        self._synced_generation: str | None = None

    def recurring(
        self, candidates: Iterable[Candidate], also: Iterable[str] = ()
    ) -> dict[str, set[str]]:
        """For each group of the candidates (and the groups in `also`): the keys that stand in
        enough of its articles, the candidates counted in place of their indexed versions."""
        self.sync()
        candidates = list(candidates)
        with self._db() as db:
            indexed = _rows(db, [c.article_id for c in candidates])
            groups = {c.group for c in candidates} | set(also)
            return {group: self._recurring_in(db, group, candidates, indexed) for group in groups}

    def _recurring_in(
        self,
        db: sqlite3.Connection,
        group: str,
        candidates: list[Candidate],
        indexed: dict[str, tuple[str, list[str]]],
    ) -> set[str]:
        row = db.execute("SELECT n FROM sizes WHERE grp = ?", (group,)).fetchone()
        size, delta = (row[0] if row else 0), Counter()
        for old_group, old_segments in indexed.values():
            if old_group == group:
                size -= 1
                delta.subtract(old_segments)
        for candidate in (c for c in candidates if c.group == group):
            size += 1
            delta.update(candidate.segments)
        floor = recurrence_floor(size)
        reach = max(delta.values(), default=0)  # no key gains more than this from the arrivals
        counts = dict(
            db.execute("SELECT key, n FROM counts WHERE grp = ? AND n >= ?", (group, floor - reach))
        )
        counts.update(_counts_of(db, group, [key for key in delta if key not in counts]))
        keys = counts.keys() | delta.keys()
        return {key for key in keys if counts.get(key, 0) + delta[key] >= floor}

    # -- keeping current ------------------------------------------------------------------
    def sync(self) -> None:
        """Bring the counts to the store's generation, from the manifest's changes."""
        head = self.store.manifest.head()
        if head.generation == self._synced_generation:
            return
        with machine_lock(self.path.with_suffix(".lock")), self._db() as db:
            state = dict(db.execute("SELECT key, value FROM meta"))
            if state.get("layout") != LAYOUT_VERSION or state.get("store_id") != head.store_id:
                self._rebuild(db, head.store_id)
            elif state.get("generation") != head.generation:
                self._apply_changes(db, float(state.get("watermark") or 0.0))
            _set(db, generation=head.generation)
        self._synced_generation = head.generation

    def _rebuild(self, db: sqlite3.Connection, store_id: str) -> None:
        """Count every indexed article: once per store, never per new article."""
        for table in ("articles", "sizes", "counts"):
            db.execute(f"DELETE FROM {table}")
        watermark = 0.0
        for entry in self.store.manifest.iter_entries():
            db.execute("INSERT INTO articles VALUES (?, ?, ?)", _row(entry))
            watermark = max(watermark, entry.changed_at)
        db.execute("INSERT INTO sizes SELECT grp, COUNT(*) FROM articles GROUP BY grp")
        db.execute(
            "INSERT INTO counts SELECT grp, value, COUNT(*) FROM articles, json_each(segments)"
            " GROUP BY grp, value"
        )
        _set(db, layout=LAYOUT_VERSION, store_id=store_id, watermark=watermark)

    def _apply_changes(self, db: sqlite3.Connection, watermark: float) -> None:
        """Re-count only the articles whose manifest records changed since the last sync."""
        changes = self.store.manifest.changes_since(watermark - CHANGE_SLACK_S)
        if not changes:
            return
        changed = list(dict.fromkeys(change.article_id for change in changes))
        now = self.store.manifest.entries(changed)
        before = _rows(db, changed)
        for article_id in changed:
            entry = now.get(article_id)
            new = (entry.group, sorted(entry.segments)) if entry else None
            old = before.get(article_id)
            if old == new:
                continue  # seen at the last sync (changes overlap by CHANGE_SLACK_S)
            if old is not None:
                _count(db, article_id, *old, step=-1)
            if entry is not None:
                _count(db, article_id, *new, step=1)
        latest = max(change.changed_at for change in changes)
        _set(db, watermark=max(watermark, latest))

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.executescript(_SCHEMA)
            yield db
            db.commit()
        finally:
            db.close()


def _row(entry: IndexedArticle) -> tuple[str, str, str]:
    return entry.id, entry.group, json.dumps(sorted(entry.segments))


def _rows(db: sqlite3.Connection, article_ids: list[str]) -> dict[str, tuple[str, list[str]]]:
    """The counted version of these articles: (group, segment keys)."""
    sql = "SELECT id, grp, segments FROM articles WHERE id IN ({marks})"
    return {aid: (group, json.loads(keys)) for aid, group, keys in select_in(db, sql, article_ids)}


def _counts_of(db: sqlite3.Connection, group: str, keys: list[str]) -> dict[str, int]:
    sql = "SELECT key, n FROM counts WHERE grp = ? AND key IN ({marks})"
    return dict(select_in(db, sql, keys, group))


def _count(
    db: sqlite3.Connection, article_id: str, group: str, segments: list[str], step: int
) -> None:
    """Count an article in (step 1) or out (step -1) of its group."""
    if step > 0:
        db.execute(
            "INSERT INTO articles VALUES (?, ?, ?)", (article_id, group, json.dumps(segments))
        )
    else:
        db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    db.execute(
        "INSERT INTO sizes VALUES (?, ?) ON CONFLICT (grp) DO UPDATE SET n = n + excluded.n",
        (group, step),
    )
    db.executemany(
        "INSERT INTO counts VALUES (?, ?, ?)"
        " ON CONFLICT (grp, key) DO UPDATE SET n = n + excluded.n",
        [(group, key, step) for key in segments],
    )
    if step < 0:
        db.execute("DELETE FROM counts WHERE grp = ? AND n <= 0", (group,))


def _set(db: sqlite3.Connection, **values) -> None:
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))


MIN_ARTICLES = 5  # fewer is coincidence: two wire stories may share a stock sentence


MIN_SHARE = 0.1  # Reuters: "REUTER" is in 24% of articles; table labels ("Year") 3%, kept


def recurrence_floor(articles: int) -> float:
    """In how many of a source's `articles` a key must stand to be boilerplate."""
    return max(MIN_ARTICLES, MIN_SHARE * articles)
