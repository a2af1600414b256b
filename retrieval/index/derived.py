"""Where a machine keeps the indexes it derives from the store, and how its processes share them.

The store (Chroma) is the one truth, shared by every process and, in server mode, by every
machine. What is derived from it for speed (the lexical index, the segment counts behind
boilerplate) lives in this machine's data dir, one per store, kept current from the
manifest's change stamps and written by one process at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.store import ChunkStore


def derived_path(cache_dir: Path, store: ChunkStore, kind: str) -> Path:
    """One place per store (location and collection), so two stores never share an index."""
    key = hashlib.sha256(f"{store.location}\0{store.chunks.name}".encode()).hexdigest()[:12]
    return cache_dir / f"{kind}-{store.chunks.name}-{key}"


@contextlib.contextmanager
def machine_lock(path: Path) -> Iterator[None]:
    """Held by one process of this machine at a time (released if it dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def select_in(db: sqlite3.Connection, sql: str, values: Sequence, *params) -> Iterator[tuple]:
    """Rows of `sql` whose `IN ({marks})` takes `values`, 500 at a time (SQLite caps the
    variables of one statement); `params` fill the placeholders before the list."""
    for start in range(0, len(values), 500):
        batch = list(values[start : start + 500])
        yield from db.execute(sql.format(marks=",".join("?" * len(batch))), [*params, *batch])
