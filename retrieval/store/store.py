"""The Chroma store: chunk and quote vectors plus a manifest of indexed articles.

Three collections: `<name>_chunks` (one record per chunk: vector, text, citation metadata),
`<name>_quotes` (one record per quote of the quote index: vector, text, speaker, span) and
`<name>_articles` (one record per article: full text, content hash, source file stamp,
boilerplate bookkeeping, and a `generation` record that changes on every write) and
`<name>_changes` (the change log). Keeping the
manifest in Chroma rather than in a side file means several processes — or machines, in
server mode — share one truth.

Chunk and quote ids carry the article's content hash, and a chunk or quote is *live* only
while the manifest holds that same hash for its article. `replace_articles` writes the new
version's chunks and quotes, then the manifest (the switch), then deletes the old version's;
so a reader — in this process or another — sees each article whole, old or new, never
half-written or twice.
Crash safety follows from the same order: an interrupted ingest leaves at most invisible
chunks, the manifest still says what is really indexed, and the next ingest sees the
"writing" marker, sweeps stray chunks (`vacuum`) and redoes what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from retrieval.settings import StoreSettings
from retrieval.store.boilerplate import BoilerplateMemory
from retrieval.store.client import (
    ARTICLES_PER_FILTER,
    IDS_PER_CALL,
    PAGE,
    RECORDS_PER_READ,
    StoreError,
    batches,
    explained_errors,
    get_all,
    merged,
    open_client,
    pages,
)
from retrieval.store.directory import SpeakerDirectory
from retrieval.store.lease import WriterLease
from retrieval.store.manifest import Manifest
from retrieval.store.records import (
    ArticleWrite,
    StoredArticle,
    StoredQuote,
    chunk_from_meta,
    chunk_meta,
    quote_from_meta,
    quote_id,
    quote_meta,
    sentence_from_meta,
    sentence_id,
    span_meta,
    stored_from_record,
)
from retrieval.types import Chunk, SentenceHit, chunk_id


@explained_errors
class ChunkStore:
    """The store: its collections, and the parts that keep each kind of record —
    `manifest` (articles and the change log), `lease` (writers), `speakers` (the speaker
    directory), `boilerplate` — with the writes that span them and the chunk and quote reads.
    """

    def __init__(self, settings: StoreSettings, client: Any | None = None) -> None:
        self.settings = settings
        self.location = settings.chroma_url or str(settings.chroma_dir)
        self.client = client or open_client(settings)
        try:
            self.chunks = self._collection("chunks", by_similarity=True)
            self.articles = self._collection("articles")
            self.quotes = self._collection("quotes", by_similarity=True)
            self.sentences = self._collection("sentences", by_similarity=True)
            self.change_log = self._collection("changes")
        except Exception as err:
            raise StoreError(f"cannot open collections in {self.location}: {err}") from err
        self.manifest = Manifest(self.articles, self.change_log, self.location)
        self.lease = WriterLease(self.articles, self.location)
        self.speakers = SpeakerDirectory(self.articles, self.location, self.all_quote_metadata)
        self.boilerplate = BoilerplateMemory(self.articles, self.location)

    def _collection(self, kind: str, by_similarity: bool = False):
        """`<name>_<kind>`, cosine-indexed where it is searched by similarity; never with
        Chroma's default embedding function (it downloads a model)."""
        options = {"configuration": {"hnsw": {"space": "cosine"}}} if by_similarity else {}
        return self.client.get_or_create_collection(
            f"{self.settings.collection}_{kind}", embedding_function=None, **options
        )

    def count_chunks(self) -> int:
        return self.chunks.count()

    # -- writes -------------------------------------------------------------------------
    def replace_articles(self, writes: Sequence[ArticleWrite]) -> None:
        """Publish these articles' new versions: chunks first, manifest (the switch), cleanup."""
        if not writes:
            return
        chunk_rows = [
            (chunk.id, vector, chunk.text, chunk_meta(chunk))
            for write in writes
            for chunk, vector in zip(write.chunks, write.vectors, strict=True)
        ]
        quote_rows = [
            (
                quote_id(write.article.id, write.article.content_hash, index),
                vector,
                write.article.text[quote.start : quote.end],
                quote_meta(write.article, quote),
            )
            for write in writes
            for index, (quote, vector) in enumerate(
                zip(write.quotes, write.quote_vectors, strict=True)
            )
        ]
        sentence_rows = [
            (
                sentence_id(write.article.id, write.article.content_hash, start),
                vector,
                "",  # the words are the article's: its text and the span
                span_meta(write.article, start, end),
            )
            for write in writes
            for (start, end), vector in zip(write.sentences, write.sentence_vectors, strict=True)
        ]
        self._upsert(self.chunks, chunk_rows)
        self._upsert(self.quotes, quote_rows)
        self._upsert(self.sentences, sentence_rows)
        self.speakers.save(row[3] for row in quote_rows)
        self.manifest.publish(writes)
        replaced = [w.article.id for w in writes if w.replaces_existing]
        self._delete_all_but(self.chunks, replaced, {row[0] for row in chunk_rows})
        self._delete_all_but(self.quotes, replaced, {row[0] for row in quote_rows})
        self._delete_all_but(self.sentences, replaced, {row[0] for row in sentence_rows})

    def _delete_all_but(self, collection, article_ids: list[str], keep: set[str]) -> None:
        """Delete these articles' records other than `keep` (the version just written): old
        versions, and records of the same version cut differently (a new chunk size gives
        an article fewer chunks under the same content hash)."""
        for batch in batches(article_ids, ARTICLES_PER_FILTER):
            where = {"article_id": {"$in": list(batch)}}
            stale = [i for i in get_all(collection, [], where=where)["ids"] if i not in keep]
            for part in batches(stale, IDS_PER_CALL):
                collection.delete(ids=list(part))

    def _upsert(self, collection, rows: list[tuple[str, np.ndarray, str, dict]]) -> None:
        for batch in batches(rows, self.client.get_max_batch_size()):
            collection.upsert(
                ids=[row[0] for row in batch],
                embeddings=np.asarray([row[1] for row in batch], dtype=np.float32),
                documents=[row[2] for row in batch],
                metadatas=[row[3] for row in batch],
            )

    def remove_articles(self, article_ids: Sequence[str]) -> None:
        """Unpublish (manifest first, so readers stop seeing them), then delete the chunks."""
        for batch in batches(list(article_ids), IDS_PER_CALL):
            self.manifest.unpublish(batch)
            self.chunks.delete(where={"article_id": {"$in": list(batch)}})
            self.quotes.delete(where={"article_id": {"$in": list(batch)}})
            self.sentences.delete(where={"article_id": {"$in": list(batch)}})

    def vacuum(self) -> int:
        """Delete chunks, quotes and sentences no published article version owns (left by
        an interrupted write)."""
        live = {entry.id: entry.content_hash for entry in self.manifest.iter_entries()}
        removed = 0
        for collection in (self.chunks, self.quotes, self.sentences):
            stray = []
            for part in pages(collection, ["metadatas"]):
                stray += [
                    record_id
                    for record_id, meta in zip(part["ids"], part["metadatas"], strict=True)
                    if live.get(meta["article_id"]) != meta["content_hash"]
                ]
            for batch in batches(stray, IDS_PER_CALL):
                collection.delete(ids=list(batch))
            removed += len(stray)
        return removed

    def mark_refreshed(self, new_generation: bool = True) -> None:
        """Record the refresh time, and a new generation if content changed (caches key on it)."""
        self.manifest.mark_refreshed(new_generation)
        if new_generation and self.lease.writing:
            self.lease.beat()  # a long write keeps its marker fresh for other hosts

    # -- reads --------------------------------------------------------------------------
    def query(
        self, vector: np.ndarray, k: int, where: dict | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k chunks nearest to `vector` (optionally filtered), with cosine similarity."""
        result = self.chunks.query(  # fewer than k stored is fine: Chroma returns what it has
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        columns = (result[key][0] for key in ("ids", "documents", "metadatas", "distances"))
        return [
            (chunk_from_meta(record_id, text, meta), 1.0 - float(distance))
            for record_id, text, meta, distance in zip(*columns, strict=True)
        ]

    def iter_chunks(self) -> Iterable[Chunk]:
        """Every chunk, page by page: what a derived index is first built from."""
        for part in pages(self.chunks, ["documents", "metadatas"]):
            columns = (part["ids"], part["documents"], part["metadatas"])
            for record_id, text, meta in zip(*columns, strict=True):
                yield chunk_from_meta(record_id, text, meta)

    def all_chunks(self) -> tuple[list[str], list[str], list[dict]]:
        """Every chunk's id, text and metadata, as three columns (checks and benchmarks)."""
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict] = []
        for part in pages(self.chunks, ["documents", "metadatas"]):
            ids += part["ids"]
            documents += part["documents"]
            metadatas += part["metadatas"]
        return ids, documents, metadatas

    def chunks_of(self, versions: dict[str, str]) -> list[Chunk]:
        """The chunks of these article versions ({article id: content hash})."""
        records = self._records_of(
            self.chunks, versions, ["documents", "metadatas"], "chunk_count", chunk_id
        )
        columns = (records["ids"], records["documents"], records["metadatas"])
        return [
            chunk_from_meta(record_id, text, meta)
            for record_id, text, meta in zip(*columns, strict=True)
            if versions.get(meta["article_id"]) == meta["content_hash"]
        ]

    def _records_of(
        self,
        collection,
        versions: dict[str, str],
        include: list[str],
        count_field: str,
        record_id: Callable[[str, str, int], str],
    ) -> dict[str, list]:
        """The chunk or quote records of these article versions, read by id where the
        manifest counts them (a filter by article reads the whole collection's index: ~100 ms
        at a million chunks, paid by each derived index's sync after each new article)."""
        entries = self.manifest.entries(versions)
        ids: list[str] = []
        uncounted: list[str] = []
        for article_id, digest in versions.items():
            entry = entries.get(article_id)
            count = getattr(entry, count_field) if entry and entry.content_hash == digest else None
            if count is None:
                uncounted.append(article_id)
            else:
                ids += [record_id(article_id, digest, index) for index in range(count)]
        parts = [
            collection.get(ids=list(batch), include=include)
            for batch in batches(ids, RECORDS_PER_READ)
        ]
        for batch in batches(uncounted, ARTICLES_PER_FILTER):
            parts += pages(collection, include, where={"article_id": {"$in": list(batch)}})
        return merged(parts, include)

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """These chunks, in the order asked (ids no longer stored are left out)."""
        if not chunk_ids:
            return []
        records = self.chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        columns = (records["ids"], records["documents"], records["metadatas"])
        by_id = {
            record_id: chunk_from_meta(record_id, text, meta)
            for record_id, text, meta in zip(*columns, strict=True)
        }
        return [by_id[cid] for cid in chunk_ids if cid in by_id]

    # -- quotes -------------------------------------------------------------------------
    def count_quotes(self) -> int:
        return self.quotes.count()

    def nearest_quotes(self, vector: np.ndarray, k: int, where: dict | None) -> list[StoredQuote]:
        """The k quotes (matching `where`) nearest to `vector`, with cosine similarity."""
        found = self.quotes.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        columns = (found[key][0] for key in ("ids", "documents", "metadatas", "distances"))
        quotes = [
            quote_from_meta(quote_id_, text, meta, 1.0 - float(distance))
            for quote_id_, text, meta, distance in zip(*columns, strict=True)
        ]
        return self._published_quotes(quotes)

    def sentence_vectors(
        self, places: Iterable[tuple[str, str, int]]
    ) -> dict[tuple[str, int], np.ndarray]:
        """(article id, start) → the sentence's vector, for sentences given as (article id,
        content hash, start): one read by id (absent when the store has none for it)."""
        ids = list(dict.fromkeys(sentence_id(*place) for place in places))
        if not ids:
            return {}
        found = self.sentences.get(ids=ids, include=["metadatas", "embeddings"])
        return {
            (meta["article_id"], meta["start"]): np.asarray(vector, dtype=np.float32)
            for meta, vector in zip(found["metadatas"], found["embeddings"], strict=True)
        }

    def sentences_of(self, versions: dict[str, str]) -> list[tuple[SentenceHit, np.ndarray]]:
        """Every body sentence of these article versions with its vector (similarity 0):
        what a follow of a topic is judged on when the articles arrive."""
        found: list[tuple[SentenceHit, np.ndarray]] = []
        for batch in batches(list(versions), ARTICLES_PER_FILTER):
            where = {"article_id": {"$in": list(batch)}}
            for part in pages(self.sentences, ["metadatas", "embeddings"], where=where):
                found += [
                    (sentence_from_meta(meta, 0.0), np.asarray(vector, dtype=np.float32))
                    for meta, vector in zip(part["metadatas"], part["embeddings"], strict=True)
                    if versions.get(meta["article_id"]) == meta["content_hash"]
                ]
        return found

    def nearest_sentences(
        self, vector: np.ndarray, k: int, where: dict | None
    ) -> list[SentenceHit]:
        """The k sentences (matching `where`) nearest to `vector`, of published versions
        (none from a store written before sentences had vectors: Chroma answers an empty
        collection with no rows)."""
        found = self.sentences.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["metadatas", "distances"],
        )
        hits = [
            sentence_from_meta(meta, 1.0 - float(distance))
            for meta, distance in zip(found["metadatas"][0], found["distances"][0], strict=True)
        ]
        live = self.manifest.live_versions(h.article_id for h in hits)
        return [h for h in hits if live.get(h.article_id) == h.content_hash]

    def get_quotes(self, similarity: dict[str, float | None]) -> list[StoredQuote]:
        """These quotes ({id: cosine to the question, if known}), in that order, if their
        article versions are still published."""
        by_id: dict[str, StoredQuote] = {}
        for batch in batches(list(similarity), PAGE):  # a speaker's every quote, listed
            found = self.quotes.get(ids=list(batch), include=["documents", "metadatas"])
            columns = (found["ids"], found["documents"], found["metadatas"])
            by_id.update(
                (record_id, quote_from_meta(record_id, text, meta, similarity[record_id]))
                for record_id, text, meta in zip(*columns, strict=True)
            )
        return self._published_quotes([by_id[i] for i in similarity if i in by_id])

    def iter_quote_records(self) -> Iterator[tuple[str, dict, np.ndarray]]:
        """Every quote's (id, metadata, vector), a page at a time: a derived index's first
        build."""
        for part in pages(self.quotes, ["metadatas", "embeddings"]):
            yield from zip(part["ids"], part["metadatas"], part["embeddings"], strict=True)

    def quote_records_of(self, versions: dict[str, str]) -> list[tuple[str, dict, np.ndarray]]:
        """The quotes' (id, metadata, vector) of these article versions."""
        records = self._records_of(
            self.quotes, versions, ["metadatas", "embeddings"], "quote_count", quote_id
        )
        return [
            (record_id, meta, vector)
            for record_id, meta, vector in zip(
                records["ids"], records["metadatas"], records["embeddings"], strict=True
            )
            if versions.get(meta["article_id"]) == meta["content_hash"]
        ]

    def all_quote_metadata(self) -> list[dict]:
        """Every quote's metadata: who is quoted, how often, where (`newsdesk speakers`)."""
        return [meta for part in pages(self.quotes, ["metadatas"]) for meta in part["metadatas"]]

    def _published_quotes(self, quotes: list[StoredQuote]) -> list[StoredQuote]:
        live = self.manifest.live_versions(q.article_id for q in quotes)
        return [q for q in quotes if live.get(q.article_id) == q.content_hash]

    def get_articles(self, article_ids: Iterable[str]) -> dict[str, StoredArticle]:
        wanted = list(dict.fromkeys(article_ids))
        if not wanted:
            return {}
        records = self.articles.get(ids=wanted, include=["documents", "metadatas"])
        return {
            record_id: stored_from_record(record_id, text, meta)
            for record_id, text, meta in zip(
                records["ids"], records["documents"], records["metadatas"], strict=True
            )
        }
