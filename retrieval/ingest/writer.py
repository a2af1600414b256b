"""The write side of ingest: articles → chunks → vectors and quotes → the store, in batches.

Three stages run at once: spaCy parses a batch for the quote index (in a worker process for
a large ingest) while the encoder embeds it and the store writes the batch both are done
with; neither waits for the other until a batch is written, so ingest costs about its
slowest stage, not the sum. With a cluster, its workers parse and encode the batches and
this process writes them, through the same path.

A stop request (`stop`, set on SIGINT / SIGTERM by the CLI) ends a write between batches:
the batch being written is finished, the ones being encoded and parsed are dropped with their
worker processes, and `IngestStopped` says how many articles are in.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from retrieval.embedding.encoder import Embedder
from retrieval.embedding.onnx import Spans
from retrieval.ingest.chunking import Chunker
from retrieval.ingest.quotes import ArticleParse, QuoteExtractor, QuoteParser
from retrieval.ingest.report import IngestReport, IngestStopped, ProgressCallback
from retrieval.store import ArticleWrite, ChunkStore
from retrieval.text.sentences import body_sentence_spans
from retrieval.types import Article, Chunk, Quote

EMBED_BATCH_CHUNKS = 128  # chunks per encoder call: near the encoder's best on 2 cores
STOP_POLL_S = 0.2  # a wait for a batch looks for a stop this often (measured: worker gone
# 0.15-0.3 s after SIGTERM, the command exited 0.4-0.9 s after, tests/test_shutdown.py)


@dataclass
class Pending:
    """An article to (re)write, with its file stamp and boilerplate keys."""

    article: Article
    file: str
    mtime_ns: int
    size: int
    is_new: bool
    group: str
    segments: frozenset[str]
    stripped: frozenset[str]


Advance = Callable[[int], None]  # hears how many more chunks are encoded


class BatchWork(Protocol):
    """Where batches are encoded and parsed: in this process (`LocalWork`) or on a cluster's
    workers (`retrieval.ingest.cluster.ClusterWork`). The writer hands each batch over with
    `submit` and takes its vectors and parses back, in order, with `result`."""

    ahead: int  # batches that may be in hand before the writer takes the first one back

    def submit(
        self, texts: list[str], spans: list[Spans], articles: list[Article], advance: Advance
    ) -> object:
        """Start on a batch: its chunks' texts, the sentences each chunk gives a vector
        (offsets into its text), and its articles."""

    def wait(self, handle: object, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a batch; True once `result` will not block."""

    def result(self, handle: object) -> tuple[np.ndarray, list[np.ndarray], list[ArticleParse]]:
        """The chunks' vectors, each chunk's sentence vectors, the articles' parses."""

    def __enter__(self) -> BatchWork: ...

    def __exit__(self, *exc) -> None: ...


class LocalWork:
    """This process's encoder thread and quote parser (a worker process for a large ingest):
    the two run at once, so a batch costs about the slower of the two."""

    ahead = 2

    def __init__(self, embedder: Embedder, parser: QuoteParser) -> None:
        self.embedder, self.parser = embedder, parser
        self.encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-encoder")

    def submit(
        self, texts: list[str], spans: list[Spans], articles: list[Article], advance: Advance
    ) -> tuple[Future, Future, list[Article]]:
        return (
            self.encoder.submit(self.embedder.embed_with_spans, texts, spans, advance),
            self.parser.submit(articles),
            articles,
        )

    def wait(self, handle: tuple[Future, Future, list[Article]], timeout: float) -> bool:
        return not wait_for(handle[:2], timeout).not_done

    def result(
        self, handle: tuple[Future, Future, list[Article]]
    ) -> tuple[np.ndarray, list[np.ndarray], list[ArticleParse]]:
        encoding, parsing, articles = handle
        vectors, sentence_vectors = encoding.result()
        return vectors, sentence_vectors, self.parser.parses(parsing, articles)

    def __enter__(self) -> LocalWork:
        return self

    def __exit__(self, *exc) -> None:
        self.parser.__exit__(*exc)  # first: a stop ends its worker process at once
        self.encoder.shutdown(wait=True, cancel_futures=True)


class BatchWriter:
    """Chunks, encodes, parses and writes pending articles, each one whole or not at all."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        chunker: Chunker,
        quote_extractor: QuoteExtractor,
        signature: str,
        cluster: str | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.store, self.embedder, self.chunker = store, embedder, chunker
        self.quote_extractor, self.signature, self.cluster = quote_extractor, signature, cluster
        self.stop = stop or threading.Event()
        self.written = 0  # articles the store has taken, counted by the store-writer thread

    def write(
        self, pending: list[Pending], report: IngestReport, on_progress: ProgressCallback | None
    ) -> None:
        """Batches are encoded and parsed (`BatchWork`) while the store writes the batches
        already done with; neither waits for the other until a batch is written, so ingest
        costs about its slowest stage, not the sum. Batches are written in order, each
        article whole. A stop raises `IngestStopped` once the batch being written is in."""
        chunked = [(item, self.chunker.split(item.article)) for item in pending]
        total = sum(len(chunks) for _, chunks in chunked)
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if on_progress:
                on_progress(done, total)
            if self.stop.is_set():  # an encode under way ends at its next progress report
                raise _StopRequested

        batches = list(_batches_of_chunks(chunked, EMBED_BATCH_CHUNKS))
        self.written = 0
        try:
            advance(0)
            work = self._work(sum(len(item.article.text) for item in pending))
            writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
            with writer, work:  # `work` ends first: a stop ends its worker processes at once
                self._write_batches(batches, work, writer, report, advance)
        except _StopRequested:
            raise IngestStopped(self.written, len(pending)) from None

    def _write_batches(
        self,
        batches: list[list[tuple[Pending, list[Chunk]]]],
        work: BatchWork,
        writer: ThreadPoolExecutor,
        report: IngestReport,
        advance: Advance,
    ) -> None:
        handles = [_submit(work, batch, advance) for batch in batches[: work.ahead]]
        writing: Future | None = None
        for position, batch in enumerate(batches):
            if position + work.ahead < len(batches):
                handles.append(_submit(work, batches[position + work.ahead], advance))
            handle, places = handles[position]
            vectors, sentence_vectors, parses = self._take(work, handle)
            handles[position] = None  # let finished batches go
            quotes = [parse.quotes for parse in parses]
            writes = self._article_writes(
                batch, vectors, parses, _quote_vectors(batch, vectors, quotes)
            )
            writes = _with_sentences(writes, places, sentence_vectors)
            writing = self._hand_to_writer(writes, writing, writer, report)
        if writing:
            writing.result()

    def _take(
        self, work: BatchWork, handle: object
    ) -> tuple[np.ndarray, list[np.ndarray], list[ArticleParse]]:
        """A batch's vectors and parses, unless a stop comes first: then no batch is handed
        to the store after the one it is writing."""
        while not self.stop.is_set():
            if work.wait(handle, STOP_POLL_S):
                return work.result(handle)
        raise _StopRequested

    def _work(self, characters: int) -> BatchWork:
        if self.cluster:
            from retrieval.ingest.cluster import ClusterWork  # Dask: an optional extra

            return ClusterWork(self.cluster, self.embedder)
        return LocalWork(self.embedder, self.quote_extractor.parser(characters))

    def _hand_to_writer(
        self,
        writes: list[ArticleWrite],
        previous: Future | None,
        writer: ThreadPoolExecutor,
        report: IngestReport,
    ) -> Future:
        if previous:
            previous.result()  # keep order, surface store errors
        for write in writes:
            (report.updated if write.replaces_existing else report.added).append(write.article.id)
            report.chunks_embedded += len(write.chunks)
            report.quotes_indexed += len(write.quotes)
        return writer.submit(self._replace, writes)

    def _replace(self, writes: list[ArticleWrite]) -> None:
        self.store.replace_articles(writes)
        self.written += len(writes)
        self.store.mark_refreshed()  # other processes' caches pick up each batch

    def _article_writes(
        self,
        batch: list[tuple[Pending, list[Chunk]]],
        vectors: np.ndarray,
        parses: list[ArticleParse],
        quote_vectors: np.ndarray,
    ) -> list[ArticleWrite]:
        writes, offset, quote_offset = [], 0, 0
        for (item, chunks), parse in zip(batch, parses, strict=True):
            found = parse.quotes
            end = offset + len(chunks)
            quote_end = quote_offset + len(found)
            writes.append(
                ArticleWrite(
                    item.article,
                    chunks,
                    vectors[offset:end],
                    item.mtime_ns,
                    item.size,
                    self.signature,
                    replaces_existing=not item.is_new,
                    file=item.file,
                    group=item.group,
                    segments=item.segments,
                    stripped=item.stripped,
                    quotes=found,
                    quote_vectors=quote_vectors[quote_offset:quote_end],
                    entities=tuple(parse.entities),
                )
            )
            offset, quote_offset = end, quote_end
        return writes


class _StopRequested(Exception):
    """Raised inside `BatchWriter.write` when asked to stop; it leaves as `IngestStopped`."""


def _quote_vectors(
    batch: list[tuple[Pending, list[Chunk]]], vectors: np.ndarray, quotes: list[list[Quote]]
) -> np.ndarray:
    """Each quote takes the vector of its passage (see `Passages`)."""
    rows, offset = [], 0
    for (_, chunks), found in zip(batch, quotes, strict=True):
        passages = Passages(chunks)
        rows += [offset + passages.of(quote.start, quote.end) for quote in found]
        offset += len(chunks)
    return vectors[rows] if rows else np.zeros((0, vectors.shape[1]), dtype=np.float32)


class Passages:
    """The chunk a quote is found by: the one holding most of it.

    A quote's vector is its passage's, not its own encoding: "what did X say about Y" asks
    what the passage is about ("It is definitely a possibility" is about Tora Bora only in
    its passage), and encoding every quote doubled the encoder's work at ingest. On the
    development set (bench.answers) this answered 117/126 against 118/126 with quotes
    encoded, with the same refusals and no misattribution; Reuters ingest went from 22.6 to
    31.4 articles/s.

    Chunks run in text order, so the ones a quote may overlap are found by bisection: a scan
    of every chunk for every quote cost a 5 MB article 85M comparisons.
    """

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.reach = list(itertools.accumulate((c.char_end for c in chunks), max))
        self.starts = [c.char_start for c in chunks]

    def of(self, start: int, end: int) -> int:
        """The index of the chunk holding most of the span (a quote, a sentence; the first
        of equals; 0 for no chunks)."""

        def overlap(index: int) -> int:
            chunk = self.chunks[index]
            return min(chunk.char_end, end) - max(chunk.char_start, start)

        near = range(bisect_right(self.reach, start), bisect_left(self.starts, end))
        return max(near or range(len(self.chunks)), key=overlap) if self.chunks else 0


Places = list[list[tuple[int, int]]]  # an article's sentences with vectors, chunk by chunk


def _submit(
    work: BatchWork, batch: list[tuple[Pending, list[Chunk]]], advance: Advance
) -> tuple[object, list[Places]]:
    """Hand a batch to `work`; returns its handle and each article's sentence places."""
    texts = [chunk.text for _, chunks in batch for chunk in chunks]
    places = [sentences_by_chunk(item.article, chunks) for item, chunks in batch]
    spans = [
        [(start - chunk.char_start, end - chunk.char_start) for start, end in sentences]
        for (_, chunks), by_chunk in zip(batch, places, strict=True)
        for chunk, sentences in zip(chunks, by_chunk, strict=True)
    ]
    return work.submit(texts, spans, [item.article for item, _ in batch], advance), places


def sentences_by_chunk(article: Article, chunks: list[Chunk]) -> Places:
    """The body sentences each chunk reads for its sentence vectors (article offsets): each
    sentence once, in the chunk holding most of it, cut to that chunk's edges."""
    owned: Places = [[] for _ in chunks]
    if not chunks:
        return owned
    passages = Passages(chunks)
    for start, end in body_sentence_spans(article.text, article.paragraphs):
        index = passages.of(start, end)
        chunk = chunks[index]
        start, end = max(start, chunk.char_start), min(end, chunk.char_end)
        if start < end:
            owned[index].append((start, end))
    return owned


def _with_sentences(
    writes: list[ArticleWrite], places: list[Places], sentence_vectors: list[np.ndarray]
) -> list[ArticleWrite]:
    """Each article's writes with its sentences and their vectors (a sentence the encoder
    never read, past a chunk's 256 tokens, has a zero vector and is left out)."""
    per_chunk = iter(sentence_vectors)
    complete = []
    for write, article_places in zip(writes, places, strict=True):
        kept, vectors = [], []
        for sentences in article_places:
            for place, vector in zip(sentences, next(per_chunk), strict=True):
                if vector.any():
                    kept.append(place)
                    vectors.append(vector)
        found = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
        complete.append(replace(write, sentences=tuple(kept), sentence_vectors=found))
    return complete


def _batches_of_chunks(
    chunked: list[tuple[Pending, list[Chunk]]], size: int
) -> Iterable[list[tuple[Pending, list[Chunk]]]]:
    """Whole articles, grouped until a group holds at least `size` chunks."""
    batch: list[tuple[Pending, list[Chunk]]] = []
    count = 0
    for item, chunks in chunked:
        batch.append((item, chunks))
        count += len(chunks)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch
