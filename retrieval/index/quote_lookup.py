"""Who is quoted where, on this machine: the quote index's keys and vectors, read without a
Chroma filter.

Every "what did X say about Y" needs X's quotes (ids and vectors, to rank them against Y)
and the quotes standing in the articles search found; every other answer needs the latter.
Chroma gives both only through a metadata filter, and a filter reads its whole index: ~30 ms
at 130,000 quotes, ~50 ms for a speaker's vectors, several per question, growing with the
archive. This table holds, per quote of each published article version, its id, article,
speaker key, date and source, and its vector. A read is an SQLite index lookup (a few ms);
the quotes themselves (text, speaker's name, place) are then read from Chroma by id.

It is derived like the lexical index and kept current with it (`retrieval.index.lexical`): the same
file, the same sync and the same article versions, so the two never disagree on what is
published. It is written only inside that sync, on its connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.index.derived import select_in

if TYPE_CHECKING:
    from retrieval.store import ChunkStore
    from retrieval.types import LexicalFilters

LAYOUT_VERSION = "quotes-v1"  # a change here rebuilds the table once

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quotes (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL,
    speaker_key TEXT,
    published_ord INTEGER,
    source TEXT,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS quotes_by_speaker ON quotes (speaker_key);
CREATE INDEX IF NOT EXISTS quotes_by_article ON quotes (article_id);
"""


@dataclass(frozen=True)
class QuoteRow:
    """What the lookup keeps of one quote record."""

    id: str
    article_id: str
    content_hash: str
    speaker_key: str | None
    published_ord: int | None
    source: str | None
    vector: np.ndarray

    @classmethod
    def from_record(cls, record_id: str, meta: dict, vector: Sequence[float]) -> QuoteRow:
        return cls(
            id=record_id,
            article_id=meta["article_id"],
            content_hash=meta["content_hash"],
            speaker_key=meta.get("speaker_key"),
            published_ord=meta.get("published_ord"),
            source=meta.get("source"),
            vector=np.asarray(vector, dtype=np.float32),
        )


class QuoteLookup:
    """Quote ids by speaker and by article, and their vectors; read after the lexical sync."""

    def __init__(self, path: Path) -> None:
        self.path = path

    # -- writing (inside the lexical index's sync) --------------------------------------
    @staticmethod
    def prepare(db: sqlite3.Connection) -> None:
        db.executescript(_SCHEMA)

    def rebuild(self, db: sqlite3.Connection, store: ChunkStore, live: dict[str, str]) -> None:
        """Every quote of the published versions `live`: once per store and layout."""
        db.execute("DELETE FROM quotes")
        rows = (QuoteRow.from_record(*record) for record in store.iter_quote_records())
        _insert(db, (row for row in rows if live.get(row.article_id) == row.content_hash))

    def replace(
        self, db: sqlite3.Connection, store: ChunkStore, stale: list[str], live: dict[str, str]
    ) -> None:
        """Drop the quotes of `stale` articles; add those of their published versions `live`."""
        db.executemany("DELETE FROM quotes WHERE article_id = ?", [(aid,) for aid in stale])
        _insert(db, (QuoteRow.from_record(*record) for record in store.quote_records_of(live)))

    # -- reading ------------------------------------------------------------------------
    def quoted(self, speaker_key: str) -> bool:
        """Some published article quotes this speaker."""
        sql = "SELECT 1 FROM quotes WHERE speaker_key = ? LIMIT 1"
        with self._reading() as db:
            return db.execute(sql, (speaker_key,)).fetchone() is not None

    def count(self, speaker_keys: Sequence[str], filters: LexicalFilters) -> int:
        condition, params = _condition(speaker_keys, filters)
        with self._reading() as db:
            (count,) = db.execute(
                f"SELECT COUNT(*) FROM quotes WHERE {condition}", params
            ).fetchone()
        return count

    def of_speakers(self, speaker_keys: Sequence[str], filters: LexicalFilters) -> list[str]:
        condition, params = _condition(speaker_keys, filters)
        with self._reading() as db:
            return [
                row[0] for row in db.execute(f"SELECT id FROM quotes WHERE {condition}", params)
            ]

    def nearest(
        self, vector: np.ndarray, k: int, speaker_keys: Sequence[str], filters: LexicalFilters
    ) -> dict[str, float]:
        """The k quotes of these speakers (within `filters`) nearest to `vector`, by cosine,
        best first: every one of their quotes is compared (exact, unlike a graph search)."""
        condition, params = _condition(speaker_keys, filters)
        with self._reading() as db:
            rows = db.execute(f"SELECT id, vector FROM quotes WHERE {condition}", params).fetchall()
        if not rows:
            return {}
        matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
        similarity = matrix.reshape(len(rows), -1) @ np.asarray(vector, dtype=np.float32)
        best = np.argsort(-similarity)[:k]
        return {rows[i][0]: float(similarity[i]) for i in best}

    def in_articles(
        self,
        article_ids: Sequence[str],
        speaker_keys: Sequence[str] | None = None,
        filters: LexicalFilters | None = None,
    ) -> list[str]:
        """The quotes standing in these articles (of these speakers, within `filters`)."""
        condition, params = _condition(speaker_keys, filters)
        # by article first: a speaker's index would walk all of an often quoted speaker's quotes
        sql = (
            "SELECT id FROM quotes INDEXED BY quotes_by_article"
            f" WHERE {condition} AND article_id IN ({{marks}})"
        )
        with self._reading() as db:
            return [row[0] for row in select_in(db, sql, list(article_ids), *params)]

    def vectors(self, quote_ids: Sequence[str]) -> dict[str, np.ndarray]:
        sql = "SELECT id, vector FROM quotes WHERE id IN ({marks})"
        with self._reading() as db:
            rows = list(select_in(db, sql, list(quote_ids)))
        return {quote_id: np.frombuffer(blob, dtype=np.float32) for quote_id, blob in rows}

    def _reading(self) -> contextlib.closing[sqlite3.Connection]:
        """A connection for one read (opening one costs ~0.1 ms; none is shared by threads)."""
        return contextlib.closing(sqlite3.connect(self.path, timeout=60))


def _condition(
    speaker_keys: Sequence[str] | None, filters: LexicalFilters | None
) -> tuple[str, list]:
    """The SQL condition for these speakers within these filters, and its parameters: the
    same limits a question's date range and source put on search."""
    clauses: list[str] = []
    params: list = []
    if speaker_keys is not None:
        clauses.append(f"speaker_key IN ({','.join('?' * len(speaker_keys))})")
        params += list(speaker_keys)
    if filters is not None:
        if filters.since_ord is not None:
            clauses.append("published_ord >= ?")
            params.append(filters.since_ord)
        if filters.until_ord is not None:
            clauses.append("published_ord <= ?")
            params.append(filters.until_ord)
        if filters.source:
            clauses.append("source = ?")
            params.append(filters.source)
    return (" AND ".join(clauses) or "1"), params


def _insert(db: sqlite3.Connection, rows: Iterable[QuoteRow]) -> None:
    db.executemany(
        "INSERT OR REPLACE INTO quotes VALUES (?, ?, ?, ?, ?, ?)",
        (
            (r.id, r.article_id, r.speaker_key, r.published_ord, r.source, r.vector.tobytes())
            for r in rows
        ),
    )
