"""newsdesk's core: articles → chunks → store → search. It knows no interface.

Stages, each a sub-package that imports only the ones below it (checked by import-linter):

- `ingest/`: article formats, paragraphs, boilerplate, the quote index's parse, chunking,
  feeds and the folder watcher; `pipeline.Ingestor` brings the store in line with files;
- `index/`: what is derived from the store and kept per machine (lexical index, quote
  lookup, segment counts);
- `store/`: the Chroma collections and their record codecs; `embedding/`: the encoder;
- `search`: the facade answering asks for passages, quotes, speakers and roles;
- `text/` (words, names, sentences, dates, the lexicon) and `types` underneath them all.

The names below are the public API, imported on first use.
"""

from __future__ import annotations

_EXPORTS = {
    "Article": "retrieval.types",
    "ArticleError": "retrieval.types",
    "Chunk": "retrieval.types",
    "Hit": "retrieval.types",
    "Quote": "retrieval.types",
    "SearchFilters": "retrieval.types",
    "Speaker": "retrieval.types",
    "StoredArticle": "retrieval.types",
    "StoredQuote": "retrieval.types",
    "StoreSettings": "retrieval.settings",
    "ChunkStore": "retrieval.store",
    "StoreError": "retrieval.store",
    "Embedder": "retrieval.embedding.encoder",
    "get_embedder": "retrieval.embedding.encoder",
    "read_articles": "retrieval.ingest.formats",
    "Ingestor": "retrieval.ingest.pipeline",
    "IngestReport": "retrieval.ingest.report",
    "QuoteExtractor": "retrieval.ingest.quotes",
    "Searcher": "retrieval.search",
}
__all__ = sorted(_EXPORTS)


def lazy_exports(package: str, exports: dict[str, str]):
    """`__getattr__` and `__dir__` for a package whose public names are imported on first
    use (PEP 562): `import retrieval` stays cheap, and the query path never pays for
    ingest's parser or the feeds' HTTP client."""
    from importlib import import_module

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(exports[name]), name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
