"""Opening Chroma, and the read/write patterns its limits call for, named once.

Chroma's embedded store keeps records in SQLite, which bounds the variables of one
statement: a `get` of more than ~30,000 records fails ("too many SQL variables"), and an
`$in` filter over many ids is a statement per id. Hence the batch sizes below.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from retrieval.settings import StoreSettings

IDS_PER_CALL = 500  # ids per get/upsert/delete by id of bookkeeping records: one statement
ARTICLES_PER_FILTER = 200  # article ids per `$in` filter: each matches up to hundreds of records
RECORDS_PER_READ = 1000  # chunk or quote ids per get by id
PAGE = 5000  # records per page of a filtered get (one get of ~30,000 fails in SQLite)


class StoreError(RuntimeError):
    """The store cannot be reached or written; the message says what to check."""


def open_client(settings: StoreSettings):
    """An embedded PersistentClient, or an HttpClient when NEWSDESK_CHROMA_URL is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as err:  # chromadb raises several unrelated types here
        where = settings.chroma_url or settings.chroma_dir
        raise StoreError(
            f"cannot open the Chroma store at {where}: {err}. "
            "Check NEWSDESK_CHROMA_URL (is `chroma run` up?) or NEWSDESK_DATA_DIR."
        ) from err


def explained_errors(cls: type) -> type:
    """Every public method turns a lost connection into a StoreError that says what to do
    (the class has a `location`: the store's URL or folder)."""
    import httpx

    def wrap(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (httpx.TransportError, ConnectionError) as err:
                raise StoreError(
                    f"lost the Chroma store at {self.location} ({err}). Nothing already "
                    "indexed is lost: run `newsdesk refresh` again once it is reachable."
                ) from err

        return guarded

    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_"):
            setattr(cls, name, wrap(member))
    return cls


def pages(
    collection, include: list[str], where: dict | None = None, page: int = PAGE
) -> Iterable[dict]:
    """Every record (matching `where`), a page at a time: one `get` of more than ~30,000
    records fails in Chroma's SQLite ("too many SQL variables")."""
    offset = 0
    while True:
        part = collection.get(where=where, include=include, limit=page, offset=offset)
        yield part
        if len(part["ids"]) < page:
            return
        offset += page


def get_all(collection, include: list[str], where: dict | None = None) -> dict[str, list]:
    """`collection.get(where=…)` for any number of matches, as one result."""
    return merged(pages(collection, include, where), include)


def merged(parts: Iterable[dict], include: list[str]) -> dict[str, list]:
    """Several `get` results as one."""
    merged: dict[str, list] = {"ids": [], **{key: [] for key in include}}
    for part in parts:
        for key in merged:
            merged[key] += list(part[key])
    return merged


def batches(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
