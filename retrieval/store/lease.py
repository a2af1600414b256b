"""The writer lease: a marker per writer at work, so a crashed write is swept up once.

Each writer has its own marker (host, pid, heartbeat). A marker whose process is gone (same
host) or whose heartbeat is older than `STALE_WRITER_S` (another host) belongs to an
interrupted write. Its stray chunks are invisible to readers already; the sweep deletes
them, but only while no live writer is mid-write, since a live writer's new chunks look the
same until its manifest switch.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable

from retrieval.store.client import explained_errors
from retrieval.store.records import DUMMY_VECTOR, WRITER_PREFIX

STALE_WRITER_S = 600  # a writer on another host silent this long is taken for dead


@explained_errors
class WriterLease:
    """This process's marker among the writers of one store."""

    def __init__(self, articles, location: str) -> None:
        self.articles = articles
        self.location = location
        self.marker_id = f"{WRITER_PREFIX}{uuid.uuid4().hex}"
        self.writing = False

    def begin(self, sweep: Callable[[], int]) -> None:
        """Mark this writer at work; `sweep` what dead writers left, when no other is at work."""
        markers = self.articles.get(where={"kind": "writer"}, include=["metadatas"])
        stale, live = [], []
        for marker_id, meta in zip(markers["ids"], markers["metadatas"], strict=True):
            (stale if writer_is_dead(meta) else live).append(marker_id)
        self.writing = True
        self.beat()
        if stale and not live:
            sweep()
            self.articles.delete(ids=stale)

    def beat(self) -> None:
        """Refresh the marker: a long write stays alive for other hosts."""
        meta = {"kind": "writer", "host": socket.gethostname(), "pid": os.getpid(),
                "beat": time.time()}  # fmt: skip
        self.articles.upsert(ids=[self.marker_id], embeddings=[DUMMY_VECTOR], metadatas=[meta])

    def end(self) -> None:
        self.writing = False
        self.articles.delete(ids=[self.marker_id])


def writer_is_dead(meta: dict) -> bool:
    if meta.get("host") == socket.gethostname():
        try:
            os.kill(int(meta["pid"]), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return time.time() - float(meta.get("beat", 0)) > STALE_WRITER_S
