"""Ingest on a Dask cluster: its workers parse and encode batches, this process writes them.

Why Dask distributed (not Ray): it is pure Python and a few MB (Ray is a large wheel with its
own daemons), a cluster is two commands (`dask scheduler`, `dask worker tcp://host:8786`)
on any machine with newsdesk installed, and its scheduler re-runs the tasks of a worker that
dies, which is the retry a backfill needs. It is an optional extra (`pip install
'newsdesk[cluster]'`): nothing imports it unless NEWSDESK_CLUSTER or `--cluster` is set.

The split keeps every write in one place. This process (the coordinator) reads, strips,
compares and chunks the articles as a single-process ingest does; each batch's encode and
parse (the costly part: 90% of ingest time) is one task on the cluster; the results come
back in order and go through the same `BatchWriter` path (lease, manifest switch), so each
article is written whole or not at all whatever happens to a worker. A task is a pure
function of its batch, so a re-run on another worker gives the same vectors and quotes, and
the store equals a single-process ingest's (same article, chunk and quote ids).
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import CancelledError
from dataclasses import dataclass

import numpy as np

from retrieval.embedding.encoder import Embedder, get_embedder
from retrieval.embedding.onnx import Spans
from retrieval.ingest.quotes import EXTRACTOR_VERSION, ArticleParse, process_extractor
from retrieval.ingest.writer import Advance
from retrieval.settings import StoreSettings
from retrieval.types import Article

CONNECT_TIMEOUT_S = 20
WORKERS_TIMEOUT_S = 120  # a scheduler with no worker yet: how long to wait for the first
BATCHES_PER_THREAD = 2  # in flight per worker thread: one running, one queued behind it
_DONE_POLL_S = 0.01  # a batch takes ~1 s: a look every 10 ms costs nothing, delays little


class ClusterError(RuntimeError):
    """The cluster cannot take the work; the message says what to check."""


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker must run to give this coordinator's results: the encoder's backend and
    batch size, and the versions the store's signature and quote index were made with."""

    backend: str
    batch_size: int
    model_name: str
    extractor_version: str


def encode_and_parse(
    spec: WorkerSpec, texts: list[str], spans: list[Spans], articles: list[Article]
) -> tuple[np.ndarray, list[np.ndarray], list[ArticleParse]]:
    """The task a worker runs for one batch: its chunks' vectors, their sentences' vectors
    and its articles' parses.

    The model and the spaCy pipeline load once per worker process (the worker's own
    NEWSDESK_MODELS_DIR / NEWSDESK_DATA_DIR say where its ONNX export is kept)."""
    _check_versions(spec)
    embedder = get_embedder(spec.batch_size, spec.backend, StoreSettings().model_cache)
    vectors, sentence_vectors = embedder.embed_with_spans(texts, spans)
    return vectors, sentence_vectors, process_extractor().extract_all(articles)


def prepare_worker(spec: WorkerSpec) -> str:
    """Check the worker's versions and load its model and parser, before any batch: a
    mismatch stops the ingest before anything is sent, and the workers load at once."""
    _check_versions(spec)
    get_embedder(spec.batch_size, spec.backend, StoreSettings().model_cache).embed(["warm"])
    process_extractor().nlp  # noqa: B018 (loads the spaCy pipeline)
    return socket.gethostname()


def _check_versions(spec: WorkerSpec) -> None:
    here = WorkerSpec(spec.backend, spec.batch_size, Embedder.name, EXTRACTOR_VERSION)
    if here != spec:
        raise ClusterError(
            f"the worker on {socket.gethostname()} runs {here.model_name} with "
            f"{here.extractor_version}, the coordinator {spec.model_name} with "
            f"{spec.extractor_version}: install the same newsdesk version on every worker"
        )


class ClusterWork:
    """Batches as tasks on a Dask cluster (a `BatchWork`); results are taken in order."""

    def __init__(self, address: str, embedder: Embedder) -> None:
        self.client = _connect(address)
        threads = self.client.nthreads()  # {worker address: threads}
        self.ahead = max(2, BATCHES_PER_THREAD * sum(threads.values()))
        self.spec = WorkerSpec(
            embedder.backend, embedder.batch_size, embedder.name, EXTRACTOR_VERSION
        )
        self.address = address
        self._prepare_workers(list(threads))

    def _prepare_workers(self, workers: list[str]) -> None:
        """One preparation per worker; one whose worker dies meanwhile runs elsewhere."""
        preparing = [
            self.client.submit(
                prepare_worker, self.spec, workers=[w], allow_other_workers=True, pure=False
            )
            for w in workers
        ]
        try:
            self.client.gather(preparing)
        except ClusterError:
            self.client.close()
            raise

    def submit(
        self, texts: list[str], spans: list[Spans], articles: list[Article], advance: Advance
    ) -> tuple:
        future = self.client.submit(encode_and_parse, self.spec, texts, spans, articles, pure=False)
        return future, len(texts), advance

    def wait(self, handle: tuple, timeout: float) -> bool:
        """Done (or failed: `result` says how) within `timeout`; the client is no default
        client, so `distributed.wait` cannot serve, and `result(timeout)` would fetch twice."""
        future = handle[0]
        deadline = time.monotonic() + timeout
        while not future.done() and time.monotonic() < deadline:
            time.sleep(_DONE_POLL_S)
        return future.done()

    def result(self, handle: tuple) -> tuple[np.ndarray, list[np.ndarray], list[ArticleParse]]:
        from distributed import KilledWorker

        future, count, advance = handle
        try:
            vectors, sentence_vectors, parses = future.result()
        except KilledWorker as err:
            raise ClusterError(
                f"a batch was lost with its worker {err.args[2]} times: check the workers' "
                "memory and logs; the articles written so far are kept, and the next ingest "
                "does the rest"
            ) from None
        except (CancelledError, OSError) as err:
            raise ClusterError(
                f"lost the Dask scheduler at {self.address} mid-ingest ({err!r}): the "
                "articles written so far are kept, and the next ingest does the rest"
            ) from None
        advance(count)
        return vectors, sentence_vectors, parses

    def __enter__(self) -> ClusterWork:
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "NEWSDESK_CLUSTER / --cluster needs Dask: pip install 'newsdesk[cluster]'"
        ) from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({err}): start one with "
            f"`dask scheduler` and workers with `dask worker {address}`, or unset "
            "NEWSDESK_CLUSTER"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except TimeoutError:
        client.close()
        raise ClusterError(
            f"the Dask scheduler at {address} has no worker after {WORKERS_TIMEOUT_S} s: "
            f"start some with `dask worker {address}`"
        ) from None
    return client
