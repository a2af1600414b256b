"""The one door answering goes through: passages, quotes of a speaker, speakers, roles.

`Searcher` is the facade over the store and the derived indexes; `bot/` asks it for
evidence and never builds a filter of its own. Passages come from hybrid search: dense
(Chroma) and lexical (BM25) rankings fused by reciprocal rank. Embeddings capture meaning
but can miss rare names ("Gul Bahadur"); BM25 catches exact terms but not paraphrase, and
fusing ranks needs no score calibration between the two. The lexical side
(`retrieval.index.lexical`) is kept current article by article from the store's manifest,
so a new article costs a search one article's worth of work.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.embedding.encoder import Embedder
from retrieval.index.lexical import LexicalIndex
from retrieval.index.quote_lookup import QuoteLookup
from retrieval.store import ChunkStore
from retrieval.store.manifest import StoreChange
from retrieval.store.records import chroma_where
from retrieval.text.words import index_words
from retrieval.types import (
    Chunk,
    Hit,
    LexicalFilters,
    SearchFilters,
    SentenceHit,
    Speaker,
    StoredArticle,
    StoredQuote,
)

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
        self._speakers: tuple[str, list[Speaker]] | None = None  # (generation, quoted)

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
        narrowing = _lexical(filters)
        if lookup.count(speaker_keys, narrowing) <= COMPARE_ALL_UP_TO:
            return self.store.get_quotes(lookup.nearest(vector, k, speaker_keys, narrowing))
        where: dict = {"speaker_key": {"$in": speaker_keys}}
        dates_and_source = chroma_where(filters)
        if dates_and_source:
            where = {"$and": [where, dates_and_source]}
        return self.store.nearest_quotes(vector, k, where)

    def overview(self) -> dict:
        """Sources with their counts and date ranges, and the newest articles."""
        return self.store.manifest.overview()

    def nearest_quotes(
        self, vector, k: int, filters: SearchFilters | None = None
    ) -> list[StoredQuote]:
        """The k published quotes nearest to `vector` of anyone in the archive (Chroma's
        graph search: "who said this?" compares a pasted quote with every quote)."""
        return self.store.nearest_quotes(vector, k, chroma_where(filters) or None)

    def nearest_sentences(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[SentenceHit]:
        """The k published sentences nearest to the question, each by its own vector (read
        in its passage at ingest): where a short question's answer is found when the
        passage around it is mostly about something else."""
        vector = self.embedder.embed_query(query)
        return self.store.nearest_sentences(vector, k, chroma_where(filters) or None)

    def sentence_similarities(
        self, query: str, places: Iterable[tuple[str, str, int]]
    ) -> dict[tuple[str, int], float]:
        """(article id, start) → cosine of the question with each of these sentences (given
        as article id, content hash, start), read by id: the sentences of the passages found,
        which the nearest-sentence search did not reach, judged as closely."""
        vectors = self.store.sentence_vectors(places)
        if not vectors:
            return {}
        query_vector = self.embedder.embed_query(query)
        keys = list(vectors)
        matrix = np.stack([vectors[key] for key in keys])
        return dict(zip(keys, (matrix @ query_vector).tolist(), strict=True))

    # -- what arrived: the change log, for follows -----------------------------------------
    def changes_since(self, moment: float) -> list[StoreChange]:
        """Articles published, removed or re-stamped after `moment` (a stamp of the store's
        change log), oldest first, whichever process wrote them."""
        return self.store.manifest.changes_since(moment)

    def quotes_of_versions(self, versions: dict[str, str]) -> list[StoredQuote]:
        """The quotes of these article versions, if still published: read from the store by
        version, not from this machine's quote lookup, which may not have synced them yet."""
        ids = [record_id for record_id, _, _ in self.store.quote_records_of(versions)]
        return self.store.get_quotes(dict.fromkeys(ids))

    def sentences_of(self, versions: dict[str, str]) -> list[tuple[SentenceHit, np.ndarray]]:
        """Every body sentence of these article versions ({id: content hash}), with its
        vector: a new article judged against a followed topic sentence by sentence."""
        return self.store.sentences_of(versions)

    # -- the quote index: who is quoted, saying what ------------------------------------
    def articles(self, article_ids: Iterable[str]) -> dict[str, StoredArticle]:
        """The published articles with these ids (text, paragraphs, entities), by id."""
        return self.store.get_articles(article_ids)

    def quotes(self, quote_ids: Iterable[str]) -> list[StoredQuote]:
        return self.store.get_quotes(dict.fromkeys(quote_ids))

    def speakers_named(self, keys: Iterable[str]) -> list[Speaker]:
        """The quoted speakers a name key means: whole names, surnames, short forms."""
        return self._quoted(self.store.speakers.named(sorted(set(keys))))

    def speakers_keyed(self, keys: Iterable[str]) -> list[Speaker]:
        return self._quoted(self.store.speakers.keyed(list(dict.fromkeys(keys))))

    def all_speakers(self) -> list[Speaker]:
        """Every quoted speaker, read once per generation (typos, "did you mean")."""
        generation = self.store.manifest.generation()
        if self._speakers is None or self._speakers[0] != generation:
            self._speakers = (generation, self._quoted(self.store.speakers.everyone()))
        return self._speakers[1]

    def role_holders(self, phrases: list[str]) -> dict[str, list[Speaker]]:
        """Role phrase → the quoted speakers articles bind it to, most bound first."""
        table = self.store.speakers.roles_named(phrases)
        keys = [holder.speaker_key for holders in table.values() for holder in holders]
        speakers = {s.key: s for s in self.speakers_keyed(keys)}
        return {
            role: [speakers[h.speaker_key] for h in holders if h.speaker_key in speakers]
            for role, holders in table.items()
        }

    def quote_ids_of(self, speaker_keys: list[str], filters: SearchFilters | None) -> list[str]:
        """Every published quote of these speakers within `filters`."""
        return self.quote_lookup().of_speakers(speaker_keys, _lexical(filters))

    def quote_ids_in(
        self,
        article_ids: list[str],
        speaker_keys: list[str] | None = None,
        filters: SearchFilters | None = None,
    ) -> list[str]:
        """The quotes of these articles (of these speakers, within `filters`)."""
        return self.quote_lookup().in_articles(article_ids, speaker_keys, _lexical(filters))

    def quote_vectors(self, quote_ids: list[str]) -> dict[str, np.ndarray]:
        return self.quote_lookup().vectors(quote_ids)

    def speaker_table(self, speaker_keys: set[str] | None = None) -> list[SpeakerRow]:
        """Who the archive quotes, most quoted first, with the articles quoting each; only
        the published version of each article counts."""
        metas = self.store.all_quote_metadata()
        live = self.store.manifest.entries({meta["article_id"] for meta in metas})
        table: dict[str, SpeakerRow] = {}
        for meta in metas:
            key, entry = meta.get("speaker_key"), live.get(meta["article_id"])
            if not key or entry is None or entry.content_hash != meta["content_hash"]:
                continue  # no speaker, or a version not (or no longer) published
            if speaker_keys is not None and key not in speaker_keys:
                continue
            row = table.setdefault(key, SpeakerRow(meta["speaker"], meta["speaker_kind"], key=key))
            row.quotes += 1
            row.articles.setdefault(entry.id, (entry.title, entry.published))
        return sorted(table.values(), key=lambda r: (-r.quotes, r.name))

    def _quoted(self, speakers: Iterable[Speaker]) -> list[Speaker]:
        lookup = self.quote_lookup()
        return [s for s in speakers if lookup.quoted(s.key)]

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


@dataclass
class SpeakerRow:
    """One speaker of the archive: how often quoted, and the articles (title, date) by id."""

    name: str
    kind: str
    quotes: int = 0
    articles: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    key: str = ""  # the speaker's key in the quote index

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "quotes": self.quotes,
            "articles": [
                {"id": aid, "title": title, "published": published}
                for aid, (title, published) in self.articles.items()
            ],
        }


def _lexical(filters: SearchFilters | None) -> LexicalFilters:
    """The question's date range and source, as the derived indexes apply them."""
    return filters.lexical() if filters else LexicalFilters()


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
