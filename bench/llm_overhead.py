"""Added latency of the generative path, excluding the model's own time.

    .venv/bin/python -m bench.llm_overhead [--asks 100]

Runs the same question through the generative answerer pointed at a local OpenAI-compatible
server that answers at once, and times retrieval alone. Added latency per ask = generative
ask − model server time − retrieval (what any answerer needs): prompt building, the HTTP
client, and checking citations. The extractive ask is shown for comparison. Target: ≤ 20 ms
p50.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import bench_settings, percentile, report
from bot.service import Newsdesk
from retrieval.settings import SEEDS_DIR
from tests.openai_fake import FakeModel, Reply, passage_number, serve_fake_model

QUESTION = "What did Asif say about Tora Bora?"


def instant_reply(request: dict) -> Reply:
    rout = passage_number(request, "rout at Tora Bora")
    return Reply(
        f"Asif warned that a repeat of the rout at Tora Bora would be a spectacle [{rout}]."
    )


def timed(desk: Newsdesk, asks: int) -> list[float]:
    desk.ask(QUESTION)  # warm
    times = []
    for _ in range(asks):
        started = time.perf_counter()
        desk.ask(QUESTION)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--asks", type=int, default=100)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(SEEDS_DIR, tmp / "articles")
    settings = bench_settings(tmp / "data", tmp / "articles")
    extractive = Newsdesk(settings)
    extractive.refresh()
    model = FakeModel(script=instant_reply)
    server, url = serve_fake_model(model)
    generative = Newsdesk(
        settings.model_copy(update={"llm": "openai:bench-model", "llm_base_url": url})
    )

    extractive_ms = timed(extractive, args.asks)
    retrieval_ms = []
    for _ in range(args.asks):
        started = time.perf_counter()
        extractive.searcher.search(QUESTION, settings.top_k)
        retrieval_ms.append((time.perf_counter() - started) * 1000)
    generative_ms = timed(generative, args.asks)
    model_ms = [s * 1000 for s in model.busy_seconds[-args.asks :]]
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)

    retrieval = statistics.median(retrieval_ms)
    added = [g - m - retrieval for g, m in zip(generative_ms, model_ms, strict=True)]
    figures = {
        "asks": args.asks,
        "extractive_p50_ms": round(percentile(extractive_ms, 50), 2),
        "retrieval_p50_ms": round(retrieval, 2),
        "generative_p50_ms": round(percentile(generative_ms, 50), 2),
        "model_server_p50_ms": round(percentile(model_ms, 50), 2),
        "added_p50_ms": round(percentile(added, 50), 2),
        "added_p95_ms": round(percentile(added, 95), 2),
    }
    report(
        "llm_overhead",
        [
            ("extractive ask p50 (for comparison)", f"{figures['extractive_p50_ms']} ms", ""),
            ("retrieval alone p50", f"{figures['retrieval_p50_ms']} ms", ""),
            ("generative ask p50", f"{figures['generative_p50_ms']} ms", ""),
            ("model server time p50", f"{figures['model_server_p50_ms']} ms", ""),
            ("added by generative path p50", f"{figures['added_p50_ms']} ms", "≤ 20 ms"),
            ("added by generative path p95", f"{figures['added_p95_ms']} ms", ""),
        ],
        figures,
    )


if __name__ == "__main__":
    main()
