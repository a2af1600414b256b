"""Ingest on a real local Dask cluster (two worker processes) into a real `chroma run` server:
the store it writes equals a single-process ingest's, even when a worker dies mid-batch."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bench import reuters
from bench.chroma_server import ChromaServer, free_port
from bot.service import Newsdesk
from retrieval.ingest import cluster as cluster_module
from retrieval.ingest.cluster import ClusterError

from .conftest import make_settings

pytestmark = pytest.mark.slow
distributed = pytest.importorskip(
    "distributed", reason="Dask is not installed: pip install -e '.[dev,cluster]'"
)

SAMPLE = 240  # Reuters articles: ~1,000 chunks, ~40 batches for two workers to share


@pytest.fixture(scope="module")
def local_cluster():
    try:
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    except Exception as err:  # the engine itself cannot run here: say so, do not fail
        pytest.skip(f"a local Dask cluster cannot start on this machine: {err!r}")
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ChromaServer(tmp_path_factory.mktemp("chroma-server")) as chroma:
        yield chroma


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reuters")
    reuters.write_jsonl(folder / "reuters.jsonl", list(reuters.records(SAMPLE)))
    return folder


def desk_on(server: ChromaServer, sample: Path, root: Path, collection: str, **more) -> Newsdesk:
    settings = make_settings(
        root / collection, sample, chroma_url=server.url, collection=collection, **more
    )
    return Newsdesk(settings)


@pytest.fixture(scope="module")
def single_process(server, sample, tmp_path_factory) -> dict:
    desk = desk_on(server, sample, tmp_path_factory.mktemp("single"), "single-process")
    report = desk.refresh()
    assert len(report.added) == SAMPLE and not report.failed
    return snapshot(desk)


def snapshot(desk: Newsdesk) -> dict:
    """Everything the ingest wrote: chunk, quote and article records with their vectors
    (the store's own bookkeeping aside: its id and generation, the lease's heartbeat and
    the times articles were published)."""
    store = desk.store
    shot: dict = {}
    for name, collection in (("chunks", store.chunks), ("quotes", store.quotes)):
        found = collection.get(include=["documents", "metadatas", "embeddings"])
        shot[name] = sorted(
            (i, d, json.dumps(m, sort_keys=True))
            for i, d, m in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        )
        shot[f"{name}_vectors"] = dict(zip(found["ids"], found["embeddings"], strict=True))
    found = store.articles.get(include=["documents", "metadatas"])
    shot["records"] = sorted(
        (i, d, json.dumps({k: v for k, v in m.items() if k != "changed_at"}, sort_keys=True))
        for i, d, m in zip(found["ids"], found["documents"], found["metadatas"], strict=True)
        if m.get("kind") not in ("writer", "meta")
    )
    return shot


def assert_same_store(got: dict, expected: dict) -> None:
    for part in ("chunks", "quotes", "records"):
        assert len(got[part]) == len(expected[part]), part  # no record missing, none twice
        assert got[part] == expected[part], part
    for part in ("chunks_vectors", "quotes_vectors"):
        ids = sorted(expected[part])
        assert sorted(got[part]) == ids
        got_rows = np.array([got[part][i] for i in ids])
        expected_rows = np.array([expected[part][i] for i in ids])
        assert np.allclose(got_rows, expected_rows, atol=1e-5), part


def test_a_cluster_ingest_writes_the_store_a_single_process_writes(
    local_cluster, server, sample, single_process, tmp_path
):
    desk = desk_on(
        server, sample, tmp_path, "on-the-cluster", cluster=local_cluster.scheduler_address
    )
    report = desk.refresh()
    assert len(report.added) == SAMPLE and not report.failed
    assert report.quotes_indexed == len(single_process["quotes"]) > 0
    assert_same_store(snapshot(desk), single_process)
    again = desk.refresh()  # nothing changed: nothing is sent to the cluster again
    assert again.chunks_embedded == 0 and again.unchanged == SAMPLE


def test_a_worker_killed_mid_batch_is_retried_and_the_store_is_whole(
    local_cluster, server, sample, single_process, tmp_path
):
    desk = desk_on(
        server, sample, tmp_path, "worker-killed", cluster=local_cluster.scheduler_address
    )
    outcome: dict = {}
    ingest = threading.Thread(target=lambda: outcome.update(report=desk.refresh()))
    with distributed.Client(local_cluster.scheduler_address, set_as_default=False) as client:
        ingest.start()
        victim = _worker_running_a_batch(client)
        pid = client.run(os.getpid)[victim]
        os.kill(pid, signal.SIGKILL)
        assert ingest.is_alive(), "the ingest ended before a worker could be killed"
        ingest.join(timeout=600)
        assert victim not in client.nthreads() or client.run(os.getpid)[victim] != pid
    report = outcome["report"]
    assert len(report.added) == SAMPLE and not report.failed
    assert_same_store(snapshot(desk), single_process)


def _worker_running_a_batch(client, timeout: float = 120) -> str:
    """The address of a worker running a batch (not its preparation), once one has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [
            worker
            for worker, keys in client.processing().items()
            if any(str(key).startswith("encode_and_parse") for key in keys)
        ]
        if busy:
            return busy[0]
        time.sleep(0.05)
    raise AssertionError("no ingest task reached the cluster")


def test_an_unreachable_scheduler_is_a_clear_error_and_loses_nothing(
    server, sample, single_process, tmp_path, monkeypatch
):
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT_S", 2)
    nowhere = f"tcp://127.0.0.1:{free_port()}"
    desk = desk_on(server, sample, tmp_path, "single-process", cluster=nowhere)
    assert desk.refresh().chunks_embedded == 0  # an unchanged archive needs no cluster
    arrivals = tmp_path / "arrivals"
    reuters.write_jsonl(arrivals / "more.jsonl", list(reuters.records(5, offset=SAMPLE)))
    with pytest.raises(ClusterError, match="dask worker"):
        desk.ingest([arrivals / "more.jsonl"])
    assert_same_store(snapshot(desk), single_process)  # nothing half-written, nothing lost
