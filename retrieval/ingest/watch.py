"""Watch article folders and index what arrives, within seconds, whole and once.

watchdog reports file events; a file is indexed only once it has *settled* — no event for
`settle_s` and the same size and modification time on two looks in a row — so a file still
being written is not indexed half-done, and a temp file renamed into place is indexed once
(temp names are never article files). Everything that settles in the same tick is ingested as
one batch, so a burst of a thousand files is embedded in large batches, not one by one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from retrieval.ingest.formats import is_article_file
from retrieval.ingest.report import IngestReport, IngestStopped

log = logging.getLogger("newsdesk.watch")

IngestFn = Callable[[list[Path]], IngestReport]
ForgetFn = Callable[[list[Path]], IngestReport]


class _Collector(FileSystemEventHandler):
    """Remembers which paths changed or vanished, and when they last did."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.lock = threading.Lock()
        self.changed: dict[Path, float] = {}
        self.deleted: set[Path] = set()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in {"opened", "closed_no_write"}:
            return
        now = time.monotonic()
        with self.lock:
            if event.event_type in {"deleted", "moved"}:
                self._vanish(Path(str(event.src_path)), event.is_directory)
            if event.event_type == "moved":
                self._touch(Path(str(event.dest_path)), now)
            elif event.event_type != "deleted" and not event.is_directory:
                self._touch(Path(str(event.src_path)), now)

    def _touch(self, path: Path, now: float) -> None:
        if self._is_article(path):
            self.changed[path] = now
            self.deleted.discard(path)

    def _vanish(self, path: Path, is_directory: bool) -> None:
        if is_directory or self._is_article(path):
            self.deleted.add(path)
            self.changed.pop(path, None)

    def _is_article(self, path: Path) -> bool:
        for root in self.roots:
            try:
                return is_article_file(path.relative_to(root))
            except ValueError:
                continue
        return False


class ArticleWatcher:
    """Runs in a background thread; `stop()` ends it. Reports go to `on_report`."""

    def __init__(
        self,
        folders: Iterable[Path],
        ingest: IngestFn,
        forget: ForgetFn,
        on_report: Callable[[IngestReport], None] | None = None,
        settle_s: float = 0.5,
        tick_s: float = 0.2,
    ) -> None:
        self.folders = [Path(f).expanduser().resolve() for f in folders]
        self.ingest, self.forget, self.on_report = ingest, forget, on_report
        self.settle_s, self.tick_s = settle_s, tick_s
        self._collector = _Collector(self.folders)
        self._observer = Observer()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="article-watcher", daemon=True)
        self._stamps: dict[Path, tuple[int, int]] = {}

    def start(self) -> ArticleWatcher:
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._observer.schedule(self._collector, str(folder), recursive=True)
        self._observer.start()
        self._thread.start()
        log.info("watching %s", ", ".join(map(str, self.folders)))
        return self

    def stop(self) -> None:
        self._stop.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.tick()
            except IngestStopped:  # the process is stopping (SIGINT, SIGTERM): no retry
                return
            except Exception:  # keep watching; the next tick retries what is still pending
                log.exception("indexing new articles failed; will retry")

    def tick(self) -> None:
        """Index what has settled, forget what was deleted."""
        ready, gone = self._take_settled()
        if gone:
            self._report(self.forget(gone))
        if ready:
            try:
                self._report(self.ingest(ready))
            except Exception:
                with self._collector.lock:  # put them back for the next tick
                    for path in ready:
                        self._collector.changed.setdefault(path, time.monotonic())
                raise

    def _take_settled(self) -> tuple[list[Path], list[Path]]:
        now = time.monotonic()
        collector = self._collector
        with collector.lock:
            gone = sorted(collector.deleted)
            collector.deleted.clear()
            ready = []
            for path, last_event in list(collector.changed.items()):
                if now - last_event < self.settle_s or not self._stable(path):
                    continue
                del collector.changed[path]
                self._stamps.pop(path, None)
                if path.exists():
                    ready.append(path)
        return sorted(ready), gone

    def _stable(self, path: Path) -> bool:
        """Same size and mtime as on the previous look: the writer has finished."""
        try:
            stat = path.stat()
        except OSError:
            return True  # gone again: let the caller drop it
        stamp = (stat.st_size, stat.st_mtime_ns)
        previous = self._stamps.get(path)
        self._stamps[path] = stamp
        return previous == stamp

    def _report(self, report: IngestReport) -> None:
        if report.changed or report.failed:
            log.info("indexed: %s", report.counts())
            if self.on_report:
                self.on_report(report)
