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


def __getattr__(name: str):
    """Import a public name's module on first use: `import retrieval` stays cheap (the query
    path must not pay for ingest's parser or feeds' HTTP client)."""
    from importlib import import_module

    if name not in _EXPORTS:
        raise AttributeError("module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
