"""What one ingest did, for the CLI, the REPL, Slack and the watcher: articles added,
updated, unchanged, removed and failed, with the problems named by file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.ingest.boilerplate import StripReport
from retrieval.types import Problem

ProgressCallback = Callable[[int, int], None]
"""Called with (chunks embedded, chunks to embed) as ingest advances."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # read, with a caveat
    undated: int = 0  # articles read without a date (indexed all the same)
    stripped: StripReport = field(default_factory=StripReport)
    chunks_embedded: int = 0
    quotes_indexed: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "removed": len(self.removed),
            "failed": len(self.failed),
        }

    def to_dict(self) -> dict:
        return {
            **self.counts(),
            "undated": self.undated,
            "chunks_embedded": self.chunks_embedded,
            "quotes_indexed": self.quotes_indexed,
            "seconds": round(self.seconds, 3),
            "stripped": self.stripped.to_dict(),
            "problems": [{"path": p.path, "reason": p.reason} for p in self.failed],
            "warnings": [{"path": p.path, "reason": p.reason} for p in self.warnings],
        }


class IngestStopped(Exception):
    """An ingest stopped on request (a clean shutdown: SIGINT, SIGTERM) between batches.

    `written` of the `total` articles it had to write are in the store, each whole; the
    rest are not, and the next ingest of the same files writes them, with no duplicate (the
    store's write order, `retrieval.store`). `total` is None when the stop came before the
    ingest knew what it had to write (while it read the files).
    """

    def __init__(self, written: int, total: int | None) -> None:
        done = f"{written} of {total} articles" if total is not None else "no article"
        super().__init__(f"ingest stopped: {done} written")
        self.written, self.total = written, total
