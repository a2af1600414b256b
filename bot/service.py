"""The core every interface shares: one `Newsdesk` per process, holding store, model and answerer.

The CLI, the REPL and the Slack app are thin shells over these few calls (`ask`, `ingest`,
`refresh`, `stats`); none of them touches Chroma or the model directly. Heavy parts (the
embedding model, the store) are opened on first use so that `--help` stays instant.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from bot.answer.extractive import ExtractiveAnswerer
from bot.answer.said import QuoteList, SpeechAnswerer
from bot.answer.suggest import suggested_prompts
from bot.answer.types import Answer, Answerer, Conversation
from bot.answer.who import QuoteCheck, QuoteFinder
from bot.follows.following import Following
from bot.settings import Settings
from retrieval.embedding.encoder import Embedder, get_embedder
from retrieval.index.lexical import index_directory
from retrieval.ingest.feed_registry import Feed, FeedRegistry
from retrieval.ingest.feeds import FeedPoller, FeedPolling, PollReport
from retrieval.ingest.pipeline import Ingestor
from retrieval.ingest.report import IngestReport, IngestStopped, ProgressCallback
from retrieval.ingest.watch import ArticleWatcher
from retrieval.search import Searcher
from retrieval.store import ChunkStore
from retrieval.types import SearchFilters


class Newsdesk:
    """The question-answering service over one article archive."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._write_lock = threading.Lock()
        self._polling: FeedPolling | None = None
        self._suggested: tuple[str, list[dict]] | None = None
        self._last_query = time.monotonic()
        self._warmer: threading.Thread | None = None
        self._stopping = threading.Event()
        self.interrupted: IngestStopped | None = None  # the ingest a stop cut short

    @cached_property
    def embedder(self) -> Embedder:
        settings = self.settings
        return get_embedder(settings.embed_batch_size, settings.encoder, settings.model_cache)

    @cached_property
    def store(self) -> ChunkStore:
        return ChunkStore(self.settings)

    @cached_property
    def searcher(self) -> Searcher:
        return Searcher(self.store, self.embedder, self.lexical_dir)

    @property
    def lexical_dir(self) -> Path:
        return index_directory(self.settings.cache_dir, self.store)

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(self.settings, self.store, self.embedder, stop=self._stopping)

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(self.settings, self.searcher, self.embedder)

    @cached_property
    def answerer(self) -> Answerer:
        if not self.settings.llm:  # extractive: langchain's chat stack is never imported
            return self.extractive
        from bot.answer.generative import answerer_for

        return answerer_for(self.settings, self.extractive)

    def ask(
        self,
        question: str,
        conversation: Conversation | None = None,
        filters: SearchFilters | None = None,
        on_token=None,
    ) -> Answer:
        """Answer from the archive; an empty store is first filled from the article folders."""
        self.ensure_indexed()
        self._last_query = time.monotonic()
        with self.searcher.pinned():
            answer = self.answerer.answer(question, conversation, filters, on_token=on_token)
        answer = self._say_what_dates_left_out(answer, filters)
        if conversation is not None:
            conversation.add(question, answer)
        return answer

    def _say_what_dates_left_out(self, answer: Answer, filters: SearchFilters | None) -> Answer:
        """A date range cannot place undated articles: say how many it left out."""
        if filters is None or not filters.by_date:
            return answer
        undated = self.store.manifest.count_undated(filters.source)
        if not undated:
            return replace(answer, undated_left_out=0)
        plural = "article was" if undated == 1 else "articles were"
        note = f"{undated} undated {plural} left out by the date filter."
        return replace(
            answer,
            undated_left_out=undated,
            note=f"{answer.note} {note}" if answer.note else note,
        )

    def ensure_indexed(self, on_progress: ProgressCallback | None = None) -> IngestReport | None:
        """Index the configured folders (the seeds by default) if the store holds nothing."""
        if not self.store.manifest.is_empty():
            return None
        return self.refresh(on_progress)

    def warm_up(self) -> None:
        """Load the model and build the lexical index now, not on a user's first question."""
        self.searcher.search("warm up", k=1)

    def keep_warm(self, interval_s: float | None = None) -> None:
        """Keep the query encoder warm while the process is idle: after `interval_s` with no
        question, encode one short text, and again every `interval_s`.

        An idle process on a small VM encodes its next question several times slower
        (120–400 ms against ~12 ms, `python -m bench.slack`), as its caches and CPU clock
        wind down; one ~10 ms encode every couple of seconds (under 1% of a core) keeps the
        first question after a quiet spell as fast as the next. A daemon thread: it ends
        with the process."""
        interval = self.settings.warm_interval_s if interval_s is None else interval_s
        if interval <= 0 or self._warmer is not None:
            return
        self.embedder.embed(["warm"])  # loads the model now, not on the first question

        def loop() -> None:
            while True:
                time.sleep(interval)
                if time.monotonic() - self._last_query >= interval:
                    self.embedder.embed(["newsdesk keeps its encoder warm"])

        self._warmer = threading.Thread(target=loop, name="newsdesk-warm", daemon=True)
        self._warmer.start()

    def ingest(
        self,
        paths: Iterable[Path],
        on_progress: ProgressCallback | None = None,
        roots: Iterable[Path] | None = None,
    ) -> IngestReport:
        return self._write(
            lambda: self.ingestor.ingest(paths, on_progress=on_progress, roots=roots)
        )

    def stop_writing(self) -> None:
        """Stop this process's ingests, for a clean shutdown (SIGINT, SIGTERM): the one under
        way raises `IngestStopped` once the batch it is writing is in, and any later one at
        once. From any thread, but not from a signal handler: the thread it interrupts may
        hold the lock this takes."""
        self._stopping.set()

    def _write(self, ingest: Callable[[], IngestReport]) -> IngestReport:
        """One ingest at a time; the first one a stop cuts short is kept in `interrupted`."""
        with self._write_lock:
            try:
                report = ingest()
            except IngestStopped as stopped:
                self.interrupted = self.interrupted or stopped
                raise
            return self._keep_lexical_current(report)

    def forget(self, paths: Iterable[Path]) -> IngestReport:
        """Drop the articles of deleted files (or of files under deleted folders)."""
        return self._write(lambda: self.ingestor.forget(paths))

    def watch(
        self,
        folders: Iterable[Path] | None = None,
        on_report: Callable[[IngestReport], None] | None = None,
        on_poll: Callable[[PollReport], None] | None = None,
    ) -> Watching:
        """Start indexing articles as they arrive: files in `folders` (default: the archive
        folders) and entries of the followed feeds, polled every NEWSDESK_FEED_INTERVAL_S."""
        folders = [Path(f) for f in (folders or self.settings.archive_dirs)]
        watcher = ArticleWatcher(
            folders,
            ingest=lambda paths: self.ingest(paths, roots=folders),
            forget=self.forget,
            on_report=on_report,
        ).start()

        def ingest_entries(paths: list[Path]) -> None:
            report = self.ingest(paths, roots=[self.settings.feeds_folder])
            if on_report:
                on_report(report)

        poller = FeedPoller(self.settings, self.feeds)
        self._polling = FeedPolling(poller, ingest_entries, on_report=on_poll).start()
        return Watching(watcher, self._polling)

    # -- feeds ----------------------------------------------------------------------------
    @cached_property
    def feeds(self) -> FeedRegistry:
        return FeedRegistry(self.settings.feeds_db)

    def add_feed(self, url: str, source: str | None = None) -> Feed:
        """Follow a feed; a running poller (`watch`, the Slack app) polls it at once."""
        feed = self.feeds.add(url, source)
        if self._polling is not None:
            self._polling.wake()
        return feed

    def remove_feed(self, url: str) -> IngestReport:
        """Stop following a feed and take its entries out of the archive."""
        files = [Path(f) for f in self.feeds.remove(url)]
        for file in files:
            file.unlink(missing_ok=True)
        return self.forget(files)

    def poll_feeds(self, force: bool = True) -> tuple[PollReport, IngestReport | None]:
        """Poll the followed feeds once and index what they brought."""
        poller = FeedPoller(self.settings, self.feeds)
        try:
            polled = poller.poll(force=force)
        finally:
            poller.close()
        changed = polled.written + polled.replaced
        indexed = self.ingest(changed, roots=[self.settings.feeds_folder]) if changed else None
        return polled, indexed

    def refresh(
        self, on_progress: ProgressCallback | None = None, folders: list[Path] | None = None
    ) -> IngestReport:
        return self._write(lambda: self.ingestor.refresh(on_progress=on_progress, folders=folders))

    def _keep_lexical_current(self, report: IngestReport) -> IngestReport:
        """The writer updates this machine's lexical index with what it just wrote, so the
        next question (from any process here) finds it current; a machine that never answers
        (a watcher-only container) has no index and builds none."""
        if self.lexical_dir.exists():
            self.searcher.lexical_index()
        return report

    def quotes(
        self, name: str, about: str | None = None, filters: SearchFilters | None = None
    ) -> QuoteList:
        """What `name` is quoted saying, in date order (about `about`, when given)."""
        self.ensure_indexed()
        return self.speech.quotes_of(name, about, filters)

    def speakers(self, name: str | None = None) -> list[dict]:
        """Who the archive quotes, most quoted first: quotes, articles, and which articles.

        With `name`, only the speakers that name means ("Asif", "Mr Asif", "Khawaja Asif").
        """
        self.ensure_indexed()
        wanted = set(s.key for s in self.speech.resolve(name)) if name else None
        return [row.to_dict() for row in self.searcher.speaker_table(wanted)]

    def who_said(self, pasted: str, filters: SearchFilters | None = None) -> QuoteCheck:
        """Where a pasted quote came from: speaker, article, date and the stored words."""
        self.ensure_indexed()
        self._last_query = time.monotonic()
        return self.quote_finder.check(pasted, filters)

    def suggestions(self) -> list[dict]:
        """Prompts drawn from the archive (most quoted people, newest story), per generation."""
        self.ensure_indexed()
        generation = self.store.manifest.generation()
        if self._suggested is None or self._suggested[0] != generation:
            self._suggested = (generation, suggested_prompts(self.searcher))
        return self._suggested[1]

    def overview(self) -> dict:
        """What the archive holds, for App Home: figures, sources, newest, feeds."""
        self.ensure_indexed()
        return {
            **self._figures(),
            **self.searcher.overview(),
            "feeds": [feed.to_dict() for feed in self.feeds.feeds()],
        }

    @cached_property
    def following(self) -> Following:
        """The follows: made by commands, matched against what arrives, delivered by the
        surfaces (`bot.follows`)."""
        self.ensure_indexed()
        return Following(self.settings, self.searcher, self.speech, self.embedder)

    @cached_property
    def quote_finder(self) -> QuoteFinder:
        return QuoteFinder(self.searcher, self.embedder)

    @property
    def speech(self) -> SpeechAnswerer:
        return self.extractive.speech

    def _figures(self) -> dict:
        """What the archive holds, counted one way for `stats` and App Home alike."""
        return {
            "articles": self.store.manifest.count_articles(),
            "chunks": self.store.count_chunks(),
            "quotes": self.store.count_quotes(),
            "last_refresh": self.store.manifest.last_refresh(),
        }

    def stats(self) -> dict:
        return {
            **self._figures(),
            "embedding_model": self.embedder.name,
            "answerer": self.answerer.name,
            "store": self.store.location,
            "mode": "server" if self.settings.chroma_url else "embedded",
            "articles_dirs": [str(p) for p in self.settings.articles_dirs],
        }


class Watching:
    """A running watcher and feed poller, stopped together."""

    def __init__(self, watcher: ArticleWatcher, polling: FeedPolling) -> None:
        self.watcher, self.polling = watcher, polling

    def stop(self) -> None:
        self.polling.stop()
        self.watcher.stop()
