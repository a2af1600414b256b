"""Ingest on a Dask cluster beside a single process, and the store's write rate alone
(`python -m bench.ingest --cluster [--reuters 1000]`).

Every run ingests the same Reuters sample into its own collection of one real `chroma run`
server: a single process, then local clusters of 1 and 2 worker processes (one thread each,
models loaded before the timing). The write rate alone replays the single process's
finished writes (vectors and quotes already made) into a new collection: the ceiling that N
machines of workers cannot pass, since one coordinator writes every batch.

On this one 2-core machine the coordinator, the server and the workers share the cores, so
2 local workers show contention, not scale; the per-worker rate (1 worker) is what each
added machine brings, and the projection is min(N × that, the write rate).
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from bench import reuters
from bench.chroma_server import ChromaServer
from bench.common import bench_settings
from bot.service import Newsdesk
from retrieval.ingest.cluster import ClusterWork
from retrieval.store import ArticleWrite, ChunkStore

WORKER_COUNTS = (1, 2)
PROJECTED_MACHINES = (1, 2, 4, 8, 16)


def cluster_report(count: int) -> tuple[list[tuple[str, str, str]], dict]:
    """Rows for `bench.common.report` and the figures behind them."""
    from distributed import LocalCluster

    records = list(reuters.records(count))
    with tempfile.TemporaryDirectory() as tmp, ChromaServer(Path(tmp) / "server") as server:
        tmp = Path(tmp)
        sample = reuters.write_jsonl(tmp / "articles" / "reuters.jsonl", records)
        desk = _desk(tmp, server, "single-process")
        writes = _recording_writes(desk.store)
        desk.embedder.embed(["warm up the model"] * 8)
        single = _timed_ingest(desk, sample)
        runs = {"single_process": single}
        for workers in WORKER_COUNTS:
            with LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster:
                on_cluster = _desk(tmp, server, f"workers-{workers}", cluster.scheduler_address)
                _warm_workers(cluster.scheduler_address, on_cluster)
                runs[f"workers_{workers}"] = _timed_ingest(on_cluster, sample)
        runs["write_alone"] = _write_alone(_desk(tmp, server, "writes-alone"), writes)
    return _rows_and_figures(count, runs)


def _desk(tmp: Path, server: ChromaServer, collection: str, cluster: str | None = None):
    settings = bench_settings(
        tmp / collection,
        tmp / "articles",
        strip_boilerplate=True,
        chroma_url=server.url,
        collection=collection,
        cluster=cluster,
    )
    return Newsdesk(settings)


def _timed_ingest(desk: Newsdesk, path: Path) -> dict:
    started = time.perf_counter()
    result = desk.ingest([path])
    seconds = time.perf_counter() - started
    assert not result.failed, result.failed
    return {
        "articles": len(result.added),
        "chunks": result.chunks_embedded,
        "quotes": result.quotes_indexed,
        "seconds": round(seconds, 2),
        "articles_per_s": round(len(result.added) / seconds, 2),
        "chunks_per_s": round(result.chunks_embedded / seconds, 1),
    }


def _recording_writes(store: ChunkStore) -> list[list[ArticleWrite]]:
    """Keep every batch the store is given, to replay it alone later."""
    batches: list[list[ArticleWrite]] = []
    replace = store.replace_articles

    def recording(writes):
        batches.append(list(writes))
        replace(writes)

    store.replace_articles = recording
    return batches


def _warm_workers(address: str, desk: Newsdesk) -> None:
    """Load the model and the parser on every worker, outside the timing (an ingest does it
    as it connects; the workers keep them)."""
    with ClusterWork(address, desk.embedder):
        pass


def _write_alone(desk: Newsdesk, batches: list[list[ArticleWrite]]) -> dict:
    store = desk.store
    store.lease.begin(sweep=store.vacuum)
    started = time.perf_counter()
    for writes in batches:
        store.replace_articles(writes)
    seconds = time.perf_counter() - started
    store.lease.end()
    articles = sum(len(writes) for writes in batches)
    chunks = sum(len(write.chunks) for writes in batches for write in writes)
    return {
        "articles": articles,
        "chunks": chunks,
        "seconds": round(seconds, 2),
        "articles_per_s": round(articles / seconds, 2),
        "chunks_per_s": round(chunks / seconds, 1),
    }


def _rows_and_figures(count: int, runs: dict) -> tuple[list[tuple[str, str, str]], dict]:
    per_worker = runs["workers_1"]["articles_per_s"]
    ceiling = runs["write_alone"]["articles_per_s"]
    projection = {n: round(min(n * per_worker, ceiling), 1) for n in PROJECTED_MACHINES}
    labels = {
        "single_process": "single process",
        "workers_1": "cluster, 1 local worker",
        "workers_2": "cluster, 2 local workers (same 2 cores)",
        "write_alone": "store writes alone (chroma run)",
    }
    rows = [(f"Reuters: {count} articles into a chroma run server", "", "")]
    rows += [(f"  {labels[name]}, articles/s", f"{runs[name]['articles_per_s']:.1f}", "")
             for name in labels]  # fmt: skip
    rows += [(f"  projected, {n} machine(s) of 1 worker, articles/s", f"{rate:.1f}", "")
             for n, rate in projection.items()]  # fmt: skip
    return rows, {"articles": count, **runs, "projected_articles_per_s": projection}
