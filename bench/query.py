"""Ask latency over ≥ 10,000 chunks: warm in-process p50/p95, and cold `newsdesk ask`.

    .venv/bin/python -m bench.query [--chunks 10000] [--asks 200]

The synthetic archive is built once under bench/.data/ and reused (a no-op refresh).
Targets (2 cores): warm p50 ≤ 60 ms, p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import bench_settings, percentile, report
from bench.corpus import make_corpus
from bot.service import Newsdesk

DATA = Path(__file__).resolve().parent / ".data" / "query"
QUESTIONS = [
    "What did Asif say about Tora Bora?",
    "What did the UN say about the talks?",
    "How many civilians were killed in the strikes?",
    "Gul Bahadur",
    "What did Mujahid say about the strikes?",
    "Why did the talks in Istanbul fail?",
    "What did Tarar say?",
    "What is the capital of France?",
    "graveyard of empires",
    "Who mediated between Pakistan and Afghanistan?",
]


def build(min_chunks: int) -> Newsdesk:
    """Grow the synthetic archive until it holds at least `min_chunks` chunks."""
    articles = DATA / "articles"
    desk = Newsdesk(bench_settings(DATA / "store", articles))
    count = max(len(list(articles.glob("*.txt"))) if articles.exists() else 0, 1000)
    while True:
        make_corpus(articles, count, paragraphs=8)
        started = time.perf_counter()
        result = desk.refresh(on_progress=_progress)
        if result.chunks_embedded:
            took = time.perf_counter() - started
            print(f"\nindexed {result.chunks_embedded} chunks in {took:.0f} s")
        if desk.store.count_chunks() >= min_chunks:
            return desk
        count = int(count * min_chunks / desk.store.count_chunks()) + 50


def _progress(done: int, total: int) -> None:
    if total:
        print(f"\rembedding {done}/{total} chunks", end="", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--asks", type=int, default=200)
    args = parser.parse_args()
    chunks = build(args.chunks).store.count_chunks()
    gc.collect()  # the builder's encoder and its threads go before the cold runs
    first, colds = cold_asks(runs=6)
    desk = Newsdesk(bench_settings(DATA / "store", DATA / "articles"))
    for question in QUESTIONS:  # warm: model loaded, BM25 index built
        desk.ask(question)
    latencies = []
    for i in range(args.asks):
        started = time.perf_counter()
        desk.ask(QUESTIONS[i % len(QUESTIONS)])
        latencies.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    cold = statistics.median(colds)
    figures = {
        "chunks": chunks,
        "articles": desk.store.manifest.count_articles(),
        "asks": args.asks,
        "warm_p50_ms": round(p50, 1),
        "warm_p95_ms": round(p95, 1),
        "cold_cli_ask_s_median": round(cold, 2),
        "cold_cli_ask_s_all": [round(c, 2) for c in colds],
        "first_cli_ask_after_build_s": round(first, 2),
    }
    report(
        "query",
        [
            ("chunks indexed", str(chunks), "≥ 10,000"),
            ("warm ask p50", f"{p50:.1f} ms", "≤ 60 ms"),
            ("warm ask p95", f"{p95:.1f} ms", "≤ 150 ms"),
            (f"cold `newsdesk ask` (median of {len(colds)})", f"{cold:.2f} s", "≤ 1.5 s"),
            ("first `newsdesk ask` after the build (disk cache cold)", f"{first:.2f} s", ""),
        ],
        figures,
    )


def cold_asks(runs: int) -> tuple[float, list[float]]:
    """Seconds for `newsdesk ask` in a fresh process, `runs` times, with no other newsdesk
    process alive (an encoder's idle threads would share the 2 cores). The first run reads
    the store from a cold disk cache: reported apart."""
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(DATA / "store"),
        "NEWSDESK_ARTICLES_DIRS": str(DATA / "articles"),
    }
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.interfaces.cli", "ask", "--json", QUESTIONS[0]],
            env=env,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times[0], times[1:]


if __name__ == "__main__":
    main()
