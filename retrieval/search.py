"""Hybrid search: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank.

Embeddings capture meaning but can miss rare names ("Gul Bahadur"); BM25 catches exact terms
but not paraphrase. Reciprocal-rank fusion needs no score calibration between the two. The
lexical side is `retrieval.index.lexical`: an index on this machine kept current article by article
from the store's manifest, so a new article costs a search one article's worth of work.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from retrieval.embedding.encoder import Embedder
from retrieval.index.lexical import LexicalIndex
from retrieval.index.quote_lookup import QuoteLookup
from retrieval.store import ChunkStore, StoredQuote
from retrieval.store.records import chroma_where
from retrieval.text.words import index_words
from retrieval.types import Chunk, Hit, LexicalFilters, SearchFilters

_RRF_K = 60


COMPARE_ALL_UP_TO = 20_000  # a speaker quoted this often or less: every quote is compared with
#                             the topic (exact; 7 ms at 5,000, 40 at 20,000); more: graph search


class Searcher:
    """Ranks chunks for a question; safe to share between threads."""

    def __init__(
        self, store: ChunkStore, embedder: Embedder, index_dir: Path | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.index_dir = index_dir
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()
        self._pinned = threading.local()  # this thread's question, synced once (see `pinned`)

    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None) -> list[Hit]:
        filters = filters or SearchFilters()
        depth = max(k * 3, 20)
        dense = self._dense(query, depth, filters)
        lexical = self._lexical_ranking(query, depth, filters)
        return self._published(_fuse(dense, lexical, depth), k)

    def _published(self, hits: list[Hit], k: int) -> list[Hit]:
        """Only chunks of the article versions the manifest has published (see store.py)."""
        live = self.store.manifest.live_versions(h.chunk.article_id for h in hits)
        return [h for h in hits if live.get(h.chunk.article_id) == h.chunk.content_hash][:k]

    def _dense(self, query: str, depth: int, filters: SearchFilters) -> list[tuple[Chunk, float]]:
        vector = self.embedder.embed_query(query)
        return self.store.query(vector, depth, chroma_where(filters))

    def _lexical_ranking(self, query: str, depth: int, filters: SearchFilters) -> list[Chunk]:
        ranked = self.lexical_index().ranked_ids(index_words(query), depth, filters.lexical())
        return self.store.get_chunks(ranked)

    def document_frequency(self, token: str) -> int:
        """How many chunks hold `token` or a word of its stem ("trusting" → "trust"):
        0 means no article mentions it."""
        return self.lexical_index().document_frequency(token)

    def chunk_count(self) -> int:
        return self.lexical_index().chunk_count()

    def article_count(self) -> int:
        """Articles published now, as the lexical index (synced to this generation) holds
        them: counting them in Chroma scans its whole collection (1.6 s at a million chunks)."""
        return self.lexical_index().article_count()

    def quote_lookup(self) -> QuoteLookup:
        """Which quotes each speaker and article has, synced with the lexical index (so a
        cited quote and the passage search found are of the same article version)."""
        return self.lexical_index().quotes

    def nearest_quotes_of(
        self, speaker_keys: list[str], vector, k: int, filters: SearchFilters | None = None
    ) -> list[StoredQuote]:
        """The k published quotes of these speakers nearest to `vector`, within `filters`.

        Every quote of a speaker quoted up to `COMPARE_ALL_UP_TO` times is compared with the
        vector (exact, and a few ms); one quoted more often is found by Chroma's graph
        search, filtered to the speaker."""
        lookup = self.quote_lookup()
        narrowing = filters.lexical() if filters else LexicalFilters()
        if lookup.count(speaker_keys, narrowing) <= COMPARE_ALL_UP_TO:
            return self.store.get_quotes(lookup.nearest(vector, k, speaker_keys, narrowing))
        where: dict = {"speaker_key": {"$in": speaker_keys}}
        dates_and_source = chroma_where(filters)
        if dates_and_source:
            where = {"$and": [where, dates_and_source]}
        return self.store.nearest_quotes(vector, k, where)

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """One question's reads: the index is synced once, on entry, not on each of the
        question's dozen reads (each sync reads the store's head: ~1.3 ms at a million
        chunks), and every read of the answer sees the same generation."""
        if getattr(self._pinned, "index", None) is not None:  # already inside one
            yield
            return
        self._pinned.index = self.lexical_index()
        try:
            yield
        finally:
            self._pinned.index = None

    def lexical_index(self) -> LexicalIndex:
        """The lexical index, brought up to the store's generation (one article's work per
        new article)."""
        pinned = getattr(self._pinned, "index", None)
        if pinned is not None:
            return pinned
        with self._lock:
            if self._lexical is None:
                self._lexical = LexicalIndex(self.store, self.index_dir)
            self._lexical.sync()
            return self._lexical


def _fuse(dense: list[tuple[Chunk, float]], lexical: list[Chunk], k: int) -> list[Hit]:
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    similarity: dict[str, float] = {}
    dense_rank: dict[str, int] = {}
    lexical_rank: dict[str, int] = {}
    for rank, (chunk, sim) in enumerate(dense, start=1):
        scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (_RRF_K + rank)
        chunks[chunk.id], similarity[chunk.id], dense_rank[chunk.id] = chunk, sim, rank
    for rank, chunk in enumerate(lexical, start=1):
        scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (_RRF_K + rank)
        chunks.setdefault(chunk.id, chunk)
        lexical_rank[chunk.id] = rank
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)[:k]
    return [
        Hit(
            chunk=chunks[cid],
            score=scores[cid],
            similarity=similarity.get(cid),
            dense_rank=dense_rank.get(cid),
            lexical_rank=lexical_rank.get(cid),
        )
        for cid in ranked
    ]
