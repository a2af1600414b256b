"""Boilerplate memory: per source group, the recurring texts learnt so far
(`retrieval.ingest.boilerplate` decides what they are; the store only keeps them)."""

from __future__ import annotations

import hashlib
import json

from retrieval.store.client import explained_errors, get_all
from retrieval.store.records import BOILERPLATE_PREFIX, DUMMY_VECTOR


@explained_errors
class BoilerplateMemory:
    """One record per source group in the articles collection."""

    def __init__(self, articles, location: str) -> None:
        self.articles = articles
        self.location = location

    def texts(self) -> dict[str, list[str]]:
        """Per source group, the boilerplate texts learnt so far (retrieval.ingest.boilerplate)."""
        records = get_all(self.articles, ["documents", "metadatas"], where={"kind": "boilerplate"})
        return {
            meta["group"]: json.loads(document)
            for meta, document in zip(records["metadatas"], records["documents"], strict=True)
        }

    def save(self, group: str, texts: list[str]) -> None:
        record_id = BOILERPLATE_PREFIX + hashlib.sha256(group.encode()).hexdigest()[:24]
        self.articles.upsert(
            ids=[record_id],
            embeddings=[DUMMY_VECTOR],
            documents=[json.dumps(texts, ensure_ascii=False)],
            metadatas=[{"kind": "boilerplate", "group": group}],
        )
