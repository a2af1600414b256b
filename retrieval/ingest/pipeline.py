"""Refresh bookkeeping: files → added / updated / unchanged / removed / failed articles.

Incremental and idempotent: a file whose size and modification time match the manifest is not
even re-read; an article whose content hash matches is not re-embedded; a changed article has
its chunks and quotes replaced. Between reading and chunking, boilerplate is stripped with
what the store knows of each source (`retrieval.ingest.boilerplate`). Chunks are embedded in large
batches across articles, and each batch's quotes are found (`retrieval.ingest.quotes`) and embedded
with it, so a folder of many small articles runs near the encoder's own speed.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.embedding.encoder import Embedder
from retrieval.index.derived import derived_path
from retrieval.index.segment_counts import Candidate, SegmentCounts
from retrieval.ingest.boilerplate import (
    Boilerplate,
    group_of,
    recurring_texts,
    segment_keys,
    strip,
)
from retrieval.ingest.chunking import Chunker
from retrieval.ingest.cluster import ClusterError
from retrieval.ingest.formats import discover, read_articles
from retrieval.ingest.quotes import EXTRACTOR_VERSION, QuoteExtractor
from retrieval.ingest.report import IngestReport, IngestStopped, ProgressCallback
from retrieval.ingest.writer import BatchWriter, Pending
from retrieval.settings import StoreSettings
from retrieval.store import ChunkStore, IndexedArticle
from retrieval.types import Article, Problem

_NONE = Boilerplate()
# v5: sentence ids by their offset; a change re-reads all
_PIPELINE_VERSION = f"text-v5+{EXTRACTOR_VERSION}"


@dataclass
class _Read:
    """An article read from a file, before boilerplate is stripped."""

    article: Article
    file: str
    mtime_ns: int
    size: int
    old: IndexedArticle | None = None
    group: str = ""
    segments: frozenset[str] = frozenset()


@dataclass
class _Scan:
    """What a scan of files found: articles read, records kept as they are, the ids seen,
    the files read without error, and every manifest record at the files scanned."""

    indexed: list[IndexedArticle]
    reads: list[_Read] = field(default_factory=list)
    kept: list[IndexedArticle] = field(default_factory=list)
    seen_ids: set[str] = field(default_factory=set)
    readable: set[str] = field(default_factory=set)


class Ingestor:
    """Brings the store in line with article files. Setting `stop` stops it (`IngestStopped`)
    between files while it reads, and between batches while it writes."""

    def __init__(
        self,
        settings: StoreSettings,
        store: ChunkStore,
        embedder: Embedder,
        chunker: Chunker | None = None,
        quote_extractor: QuoteExtractor | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self.store = store
        self.embedder = embedder
        self.chunker = chunker or Chunker(settings.chunk_size, settings.chunk_overlap)
        self.quote_extractor = quote_extractor or QuoteExtractor()
        self.segment_counts = SegmentCounts(
            store, derived_path(settings.cache_dir, store, "segments").with_suffix(".sqlite")
        )

    @property
    def signature(self) -> str:
        stripping = "strip" if self.settings.strip_boilerplate else "keep"
        return f"{self.chunker.signature}|{self.embedder.name}|{_PIPELINE_VERSION}:{stripping}"

    def refresh(
        self,
        on_progress: ProgressCallback | None = None,
        folders: Sequence[Path] | None = None,
    ) -> IngestReport:
        """Sync article folders (default: the configured ones), removing vanished articles."""
        folders = folders or self.settings.archive_dirs
        return self.ingest(folders, remove_missing=True, on_progress=on_progress, roots=folders)

    def ingest(
        self,
        paths: Iterable[Path],
        *,
        remove_missing: bool = False,
        on_progress: ProgressCallback | None = None,
        roots: Iterable[Path] | None = None,
    ) -> IngestReport:
        """Add or update the articles under `paths`; with `remove_missing`, drop vanished ones.

        `roots` (default: the configured article folders) name the folders single files' ids
        are relative to.
        """
        started = time.perf_counter()
        paths = [Path(p).expanduser().resolve() for p in paths]
        report = IngestReport()
        roots = self.settings.archive_dirs if roots is None else roots
        scan = self._scan(paths, roots, report)
        pending = self._strip_and_compare(scan.reads, scan.kept, roots, report)
        gone: list[str] = []
        synced = [p for p in paths if p.is_dir() or not p.exists()]
        if remove_missing and synced:
            gone = _vanished(self._may_have_vanished(scan), synced, scan)
        if self.stop.is_set():
            raise IngestStopped(0, len(pending))
        if pending or gone:
            self._publish(pending, gone, report, on_progress)
        self.store.mark_refreshed(new_generation=report.changed)
        report.seconds = time.perf_counter() - started
        return report

    def _may_have_vanished(self, scan: _Scan) -> Iterable[IndexedArticle]:
        """The records at the files scanned, when they are the whole manifest (the usual
        refresh); else every record, page by page, to find the articles of deleted files."""
        if self.store.manifest.count_articles() == len(scan.indexed):
            return scan.indexed
        return self.store.manifest.iter_entries()

    def forget(self, paths: Iterable[Path]) -> IngestReport:
        """Remove the articles read from these files (or from files under these folders)."""
        started = time.perf_counter()
        report = IngestReport()
        places = [Path(p).expanduser().resolve() for p in paths]
        candidates = self.store.manifest.entries_at(str(place) for place in places)
        folders = [p for p in places if str(p) not in {entry.path for entry in candidates}]
        if folders:  # a deleted folder, not a file: its articles are found by a sweep
            candidates += [
                entry
                for entry in self.store.manifest.iter_entries()
                if any(Path(entry.path).is_relative_to(folder) for folder in folders)
            ]
        gone = list(dict.fromkeys(e.id for e in candidates if not Path(e.path).exists()))
        if gone:
            self._publish([], gone, report, None)
        self.store.mark_refreshed(new_generation=report.changed)
        report.seconds = time.perf_counter() - started
        return report

    def _publish(
        self,
        pending: list[Pending],
        gone: list[str],
        report: IngestReport,
        on_progress: ProgressCallback | None,
    ) -> None:
        """Write under this writer's marker (the store sweeps what dead writers left)."""
        self.store.lease.begin(sweep=self.store.vacuum)
        writer = BatchWriter(
            self.store,
            self.embedder,
            self.chunker,
            self.quote_extractor,
            self.signature,
            cluster=self.settings.cluster,
            stop=self.stop,
        )
        try:
            writer.write(pending, report, on_progress)
        except (ClusterError, IngestStopped):  # between batches: each one written is whole
            self.store.lease.end()
            raise
        self.store.remove_articles(gone)
        report.removed = gone
        self.store.lease.end()

    def _scan(
        self,
        paths: Sequence[Path],
        roots: Iterable[Path],
        report: IngestReport,
    ) -> _Scan:
        """Read the files whose stamp changed. Only these files' manifest records are read,
        so an ingest costs its own files."""
        found = list(discover(paths, roots))
        scan = _Scan(indexed=self.store.manifest.entries_at(str(file) for file, _ in found))
        by_path: dict[str, list[IndexedArticle]] = defaultdict(list)
        for entry in scan.indexed:
            by_path[entry.path].append(entry)
        reads, kept, seen_ids, readable_paths = scan.reads, scan.kept, scan.seen_ids, scan.readable
        for file, root in found:
            if self.stop.is_set():
                raise IngestStopped(0, None)
            if not file.exists():
                report.failed.append(Problem(str(file), "no such file or folder"))
                continue
            stat = file.stat()
            known = by_path.get(str(file), [])
            if known and all(self._stamp_matches(e, stat.st_mtime_ns, stat.st_size) for e in known):
                seen_ids.update(e.id for e in known)
                readable_paths.add(str(file))
                kept += known
                continue
            parsed = self._read(file, root)
            report.failed += parsed.problems
            report.warnings += parsed.warnings
            if parsed.articles or not parsed.problems:
                readable_paths.add(str(file))
            for article in parsed.articles:
                if article.id in seen_ids:
                    report.failed.append(
                        Problem(article.path, f"duplicate id {article.id!r}; kept the first")
                    )
                    continue
                seen_ids.add(article.id)
                reads.append(_Read(article, str(file), stat.st_mtime_ns, stat.st_size))
        indexed = self.store.manifest.entries(read.article.id for read in reads)
        for read in reads:
            read.old = indexed.get(read.article.id)
        return scan

    def _read(self, file: Path, root: Path):
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        return read_articles(file, root, max_bytes)

    def _strip_and_compare(
        self,
        reads: list[_Read],
        kept: list[IndexedArticle],
        roots: Iterable[Path],
        report: IngestReport,
    ) -> list[Pending]:
        """Strip boilerplate (learnt over each source, stored and new), then keep what changed.

        A segment may become boilerplate only now that more of its source is in: articles
        indexed earlier that hold it are read again and re-stripped, so none keeps it.
        """
        for read in reads:
            read.group = group_of(read.article, read.file)
            read.segments = frozenset(segment_keys(read.article))
        boilerplate: dict[str, Boilerplate] = {}
        stale: list[IndexedArticle] = []
        if self.settings.strip_boilerplate:  # off: nothing to learn, nothing to re-strip
            boilerplate = self._boilerplate(reads, {entry.group for entry in kept})
            stale = [
                entry
                for entry in kept
                if entry.segments & boilerplate.get(entry.group, _NONE).keys != entry.stripped
            ]
        if stale:
            reads += self._reread(stale, roots, report)
        report.unchanged += len(kept) - len(stale)
        pending: list[Pending] = []
        touched: dict[str, dict] = {}
        for read in reads:
            article, removed, matched = read.article, [], set()
            if self.settings.strip_boilerplate:
                article, removed, matched = strip(article, boilerplate.get(read.group, _NONE))
            report.stripped.add(removed)
            report.undated += article.published is None
            item = Pending(
                article, read.file, read.mtime_ns, read.size, read.old is None,
                read.group, read.segments, frozenset(matched),
            )  # fmt: skip
            if read.old and self._content_matches(read.old, article):
                touched[article.id] = _manifest_stamp(item)
                report.unchanged += 1
            else:
                pending.append(item)
        self.store.manifest.touch(touched)
        return pending

    def _boilerplate(self, reads: list[_Read], kept_groups: set[str]) -> dict[str, Boilerplate]:
        """Per source group read or kept: the segment keys recurring in enough of its
        articles, and their texts (kept in the store, since a lone new article cannot show
        them)."""
        candidates = [Candidate(r.article.id, r.group, r.segments) for r in reads]
        recurring = self.segment_counts.recurring(candidates, also=kept_groups)
        stored = self.store.boilerplate.texts()
        result: dict[str, Boilerplate] = {}
        for group, keys in recurring.items():
            texts = set(stored.get(group, ()))
            for read in (r for r in reads if r.group == group and keys & r.segments):
                texts |= recurring_texts(read.article, keys)
            if texts != set(stored.get(group, ())):
                self.store.boilerplate.save(group, sorted(texts))
            result[group] = Boilerplate(frozenset(keys), tuple(sorted(texts)))
        return result

    def _reread(
        self, entries: list[IndexedArticle], roots: Iterable[Path], report: IngestReport
    ) -> list[_Read]:
        by_file: dict[str, dict[str, IndexedArticle]] = defaultdict(dict)
        for entry in entries:
            by_file[entry.path][entry.id] = entry
        reads: list[_Read] = []
        for file, (_, root) in zip(
            by_file, discover([Path(f) for f in by_file], roots), strict=True
        ):
            stat = Path(file).stat()
            for article in self._read(Path(file), root).articles:
                old = by_file[file].get(article.id)
                if old is None:
                    continue
                read = _Read(article, file, stat.st_mtime_ns, stat.st_size, old)
                read.group = group_of(article, file)
                read.segments = frozenset(segment_keys(article))
                reads.append(read)
            missing = set(by_file[file]) - {r.article.id for r in reads}
            report.unchanged += len(missing)  # unreadable now: keep what is indexed
        return reads

    def _stamp_matches(self, entry: IndexedArticle, mtime_ns: int, size: int) -> bool:
        """Same file stamp and same pipeline: the file need not even be read."""
        same_file = entry.mtime_ns == mtime_ns and entry.size == size
        return same_file and entry.signature == self.signature

    def _content_matches(self, entry: IndexedArticle, article: Article) -> bool:
        return entry.content_hash == article.content_hash and entry.signature == self.signature


def _vanished(entries: Iterable[IndexedArticle], roots: Sequence[Path], scan: _Scan) -> list[str]:
    """Indexed articles under `roots` whose file is gone, or whose readable file dropped them.

    An article whose file exists but could not be read this time is kept: a bad edit must not
    delete what was already indexed.
    """
    gone = []
    for entry in entries:
        if entry.id in scan.seen_ids:
            continue
        if not any(Path(entry.path).is_relative_to(root) for root in roots):
            continue
        if not Path(entry.path).exists() or entry.path in scan.readable:
            gone.append(entry.id)
    return gone


def _manifest_stamp(item: Pending) -> dict:
    """What the manifest learns about unchanged content: its file stamp and segment keys."""
    return {
        "path": item.file,
        "mtime_ns": str(item.mtime_ns),
        "size": item.size,
        "group": item.group,
        "segments": " ".join(sorted(item.segments)),
        "stripped": " ".join(sorted(item.stripped)),
    }
