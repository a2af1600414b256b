"""The Chroma store, by record kind: `records` (each record and its codec), `manifest`
(articles, generation, change log), `lease` (writers), `directory` (speakers, surnames,
roles), `boilerplate`, and `store` (`ChunkStore`: the collections, the writes that span
them, chunk and quote reads). `client` opens Chroma and names the batch sizes its limits
call for."""

from retrieval.store.client import StoreError, open_client
from retrieval.store.directory import RoleHolder
from retrieval.store.manifest import CHANGE_LOG_KEEP_S, CHANGE_SLACK_S, StoreChange, StoreHead
from retrieval.store.records import (
    ArticleWrite,
    IndexedArticle,
    chunk_from_meta,
    quote_id,
)
from retrieval.store.store import ChunkStore

__all__ = [
    "CHANGE_LOG_KEEP_S",
    "CHANGE_SLACK_S",
    "ArticleWrite",
    "ChunkStore",
    "IndexedArticle",
    "RoleHolder",
    "StoreChange",
    "StoreError",
    "StoreHead",
    "chunk_from_meta",
    "open_client",
    "quote_id",
]
