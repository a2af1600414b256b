"""Hybrid search: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank.

Embeddings capture meaning but can miss rare names ("Gul Bahadur"); BM25 catches exact terms
but not paraphrase. Reciprocal-rank fusion needs no score calibration between the two. The
BM25 index is built from the store's own chunk texts and rebuilt only when the store's
generation changes, so every process sharing a store sees the same lexical index; a copy is
kept on disk (keyed by generation) so a fresh process need not rebuild it.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.chunking import Chunk
from retrieval.embedding import Embedder
from retrieval.store import ChunkStore, chunk_from_meta, date_ordinal

_RRF_K = 60
_LEXICAL_VERSION = "v2"  # titles indexed with each passage; a change ignores older caches
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class SearchFilters:
    """Optional limits on which articles may answer: a date range and a source."""

    since: dt.date | None = None
    until: dt.date | None = None
    source: str | None = None

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.since:
            clauses.append({"published_ord": {"$gte": date_ordinal(self.since)}})
        if self.until:
            clauses.append({"published_ord": {"$lte": date_ordinal(self.until)}})
        if self.source:
            clauses.append({"source": self.source})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    @property
    def by_date(self) -> bool:
        """A date range is set: undated articles cannot be placed in it and are left out."""
        return bool(self.since or self.until)

    def admits(self, meta: dict) -> bool:
        ordinal = meta.get("published_ord")
        if self.by_date and ordinal is None:
            return False
        if self.since and ordinal < date_ordinal(self.since):
            return False
        if self.until and ordinal > date_ordinal(self.until):
            return False
        return not (self.source and meta.get("source") != self.source)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with how it ranked; `similarity` is cosine when dense saw it."""

    chunk: Chunk
    score: float
    similarity: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass
class _LexicalIndex:
    generation: str
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metas: list[dict] = field(default_factory=list)
    retriever: object | None = None
    vocabulary: set[str] = field(default_factory=set)
    document_frequency: dict[str, int] = field(default_factory=dict)  # token → chunks holding it
    stem_frequency: dict[str, int] = field(default_factory=dict)  # stem → chunks, at most


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; the same rule for documents and queries."""
    return _TOKEN.findall(text.lower())


def stem(token: str) -> str:
    """A light suffix stripper: enough to match strike/strikes, warned/warning."""
    for suffix in ("ings", "ing", "ies", "ed", "es", "s"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


class Searcher:
    """Ranks chunks for a question; safe to share between threads."""

    def __init__(
        self, store: ChunkStore, embedder: Embedder, cache_dir: Path | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.cache_dir = cache_dir
        self._lexical: _LexicalIndex | None = None
        self._lock = threading.Lock()

    def search(self, query: str, k: int = 8, filters: SearchFilters | None = None) -> list[Hit]:
        filters = filters or SearchFilters()
        depth = max(k * 3, 20)
        dense = self._dense(query, depth, filters)
        lexical = self._lexical_ranking(query, depth, filters)
        return self._published(_fuse(dense, lexical, depth), k)

    def _published(self, hits: list[Hit], k: int) -> list[Hit]:
        """Only chunks of the article versions the manifest has published (see store.py)."""
        live = self.store.live_versions(h.chunk.article_id for h in hits)
        return [h for h in hits if live.get(h.chunk.article_id) == h.chunk.content_hash][:k]

    def _dense(self, query: str, depth: int, filters: SearchFilters) -> list[tuple[Chunk, float]]:
        vector = self.embedder.embed_query(query)
        return self.store.query(vector, depth, filters.chroma_where())

    def _lexical_ranking(self, query: str, depth: int, filters: SearchFilters) -> list[Chunk]:
        index = self.lexical_index()
        terms = [t for t in tokenize(query) if t in index.vocabulary]
        if not terms or index.retriever is None:
            return []
        mask = None
        if filters.chroma_where():
            mask = np.array([filters.admits(m) for m in index.metas], dtype=np.float32)
        docs, scores = index.retriever.retrieve(
            [terms],
            k=min(depth, len(index.ids)),
            show_progress=False,
            weight_mask=mask,
            n_threads=1,
        )
        return [
            chunk_from_meta(index.ids[i], index.texts[i], index.metas[i])
            for i, score in zip(docs[0], scores[0], strict=True)
            if score > 0
        ]

    def document_frequency(self, token: str) -> int:
        """How many chunks hold `token` or a word of its stem ("trusting" → "trust"):
        0 means no article mentions it."""
        index = self.lexical_index()
        return index.document_frequency.get(token, 0) or index.stem_frequency.get(stem(token), 0)

    def chunk_count(self) -> int:
        return len(self.lexical_index().ids)

    def lexical_index(self) -> _LexicalIndex:
        """The BM25 index for the store's current generation (rebuilt after a refresh)."""
        generation = self.store.generation()
        with self._lock:
            if self._lexical is None or self._lexical.generation != generation:
                self._lexical = self._load_cached(generation) or self._build(generation)
            return self._lexical

    def _cache_file(self, generation: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return (
            self.cache_dir / f"bm25-{_LEXICAL_VERSION}-{self.store.chunks.name}-{generation}.pickle"
        )

    def _load_cached(self, generation: str) -> _LexicalIndex | None:
        """A fresh process reuses the index an earlier one built for the same generation."""
        path = self._cache_file(generation)
        if path is None or not path.exists():
            return None
        try:
            with path.open("rb") as handle:
                index = pickle.load(handle)
        except Exception:  # a stale or partial cache is only a lost shortcut
            return None
        fresh = getattr(index, "generation", None) == generation
        return index if fresh and hasattr(index, "stem_frequency") else None

    def _build(self, generation: str) -> _LexicalIndex:
        index = _build_lexical(self.store, generation)
        path = self._cache_file(generation)
        if path is not None and index.ids:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob(f"bm25-*-{self.store.chunks.name}-*.pickle"):
                old.unlink(missing_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            with partial.open("wb") as handle:
                pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
            partial.replace(path)
        return index


def _build_lexical(store: ChunkStore, generation: str) -> _LexicalIndex:
    import bm25s

    ids, texts, metas = store.all_chunks()
    index = _LexicalIndex(generation, ids, texts, metas)
    if not ids:
        return index
    stopwords = set(bm25s.stopwords.STOPWORDS_EN)
    corpus_tokens = [  # the headline is part of every passage's words: it says what it is about
        [t for t in tokenize(f"{meta.get('title', '')}\n{text}") if t not in stopwords]
        for text, meta in zip(texts, metas, strict=True)
    ]
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=False)
    index.retriever = retriever
    frequency: Counter = Counter()
    for tokens in corpus_tokens:
        frequency.update(set(tokens))
    index.document_frequency = dict(frequency)
    index.vocabulary = set(frequency)
    stems: Counter = Counter()
    for token, count in frequency.items():
        stems[stem(token)] += count
    index.stem_frequency = dict(stems)
    return index


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
