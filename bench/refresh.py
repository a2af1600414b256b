"""Refresh when articles arrive: file-to-answerable latency, burst throughput, server mode.

    .venv/bin/python -m bench.refresh [--singles 20] [--burst 1000] [--asks 100]

1. With the watcher running, writes single articles one at a time and times each from the
   file being written to a search finding it (target p95 ≤ 3 s).
2. Writes a burst of `--burst` articles at once and times until all are indexed, next to the
   raw encoder's bound for the same chunks (articles/s).
3. Ask latency p50/p95 on the same ≥ 10,000-chunk corpus (bench/.data, built by bench.query)
   in embedded mode and against a local `chroma run` server holding a copy of it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.chroma_server import ChromaServer
from bench.common import bench_settings, percentile, raw_encode_rate, report
from bench.corpus import make_corpus
from bench.query import DATA, QUESTIONS, build
from bot.service import Newsdesk

STORY = "---\ntitle: Bulletin {i}\ndate: 2025-12-01\n---\nThe envoy Quillon{i} arrived in Kabul.\n"


def wait_for(condition, timeout: float = 60.0, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return False


def single_latencies(desk: Newsdesk, folder: Path, count: int) -> list[float]:
    seconds = []
    for i in range(count):
        path = folder / f"bulletin_{i:03d}.md"
        started = time.monotonic()
        path.write_text(STORY.format(i=i))
        found = wait_for(
            lambda i=i: any(
                h.chunk.article_id == f"bulletin_{i:03d}.md"
                for h in desk.searcher.search(f"Quillon{i}", k=3)
            )
        )
        assert found, f"bulletin {i} never became answerable"
        seconds.append(time.monotonic() - started)
    return seconds


def burst(desk: Newsdesk, folder: Path, count: int) -> tuple[float, float]:
    """(articles/s indexed by the watcher, raw encoder bound in articles/s)."""
    staging = folder.parent / "staging"
    paths = make_corpus(staging, count, paragraphs=1, seed=7, prefix="burst")
    texts = [c.text for p in paths for c in desk.ingestor.chunker.split(_article(p))]
    raw_bound = raw_encode_rate(desk.embedder, texts) * count / max(1, len(texts))
    before = desk.store.manifest.count_articles()
    started = time.monotonic()
    for path in paths:
        path.rename(folder / path.name)
    indexed = desk.store.manifest.count_articles
    assert wait_for(lambda: indexed() >= before + count, timeout=600, poll=0.2)
    return count / (time.monotonic() - started), raw_bound


def _article(path: Path):
    from retrieval.ingest.formats import read_articles

    return read_articles(path, path.parent, 10**7).articles[0]


def ask_latencies(desk: Newsdesk, asks: int) -> list[float]:
    for question in QUESTIONS:
        desk.ask(question)
    times = []
    for i in range(asks):
        started = time.perf_counter()
        desk.ask(QUESTIONS[i % len(QUESTIONS)])
        times.append((time.perf_counter() - started) * 1000)
    return times


def server_latencies(asks: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "chroma"
        shutil.copytree(DATA / "store" / "chroma", copy)
        with ChromaServer(copy) as server:
            settings = bench_settings(Path(tmp) / "client", DATA / "articles").model_copy(
                update={"chroma_url": server.url}
            )
            return ask_latencies(Newsdesk(settings), asks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--singles", type=int, default=20)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--asks", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "inbox"
        make_corpus(folder, 100, paragraphs=4)
        desk = Newsdesk(bench_settings(Path(tmp) / "data", folder))
        desk.refresh()
        desk.warm_up()
        watcher = desk.watch()
        try:
            singles = single_latencies(desk, folder, args.singles)
            burst_rate, raw_bound = burst(desk, folder, args.burst)
        finally:
            watcher.stop()

    embedded = ask_latencies(build(10_000), args.asks)
    served = server_latencies(args.asks)
    figures = {
        "single_articles": args.singles,
        "write_to_answerable_p50_s": round(percentile(singles, 50), 2),
        "write_to_answerable_p95_s": round(percentile(singles, 95), 2),
        "burst_articles": args.burst,
        "burst_articles_per_s": round(burst_rate, 1),
        "raw_encoder_bound_articles_per_s": round(raw_bound, 1),
        "embedded_ask_p50_ms": round(percentile(embedded, 50), 1),
        "embedded_ask_p95_ms": round(percentile(embedded, 95), 1),
        "server_ask_p50_ms": round(percentile(served, 50), 1),
        "server_ask_p95_ms": round(percentile(served, 95), 1),
    }
    report(
        "refresh",
        [
            ("new file → answerable p50", f"{figures['write_to_answerable_p50_s']} s", ""),
            ("new file → answerable p95", f"{figures['write_to_answerable_p95_s']} s", "≤ 3 s"),
            (f"burst of {args.burst}: articles/s", f"{burst_rate:.1f}", ""),
            ("raw encoder bound: articles/s", f"{raw_bound:.1f}", ""),
            (
                "ask p50 / p95, embedded",
                f"{figures['embedded_ask_p50_ms']} / {figures['embedded_ask_p95_ms']} ms",
                "",
            ),
            (
                "ask p50 / p95, chroma server",
                f"{figures['server_ask_p50_ms']} / {figures['server_ask_p95_ms']} ms",
                "",
            ),
        ],
        figures,
    )


if __name__ == "__main__":
    main()
