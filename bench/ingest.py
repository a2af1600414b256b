"""Ingest throughput vs the raw encoder, and no-op refresh time on ≥ 1,000 articles.

    .venv/bin/python -m bench.ingest [--articles 200] [--noop-articles 1000]

Targets: ingest ≥ 0.85 × raw encoder chunks/s; no-op refresh ≤ 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import bench_settings, report
from bench.corpus import make_corpus
from bot.service import Newsdesk
from retrieval.articles import discover, read_articles
from retrieval.chunking import Chunker


def chunk_texts(folder: Path, chunker: Chunker) -> list[str]:
    return [
        chunk.text
        for file, root in discover([folder])
        for article in read_articles(file, root, 10**7).articles
        for chunk in chunker.split(article)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--noop-articles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        articles = tmp / "articles"
        make_corpus(articles, args.articles, paragraphs=6)
        desk = Newsdesk(bench_settings(tmp / "data", articles))
        texts = chunk_texts(articles, desk.ingestor.chunker)
        words = sum(len(t.split()) for t in texts) / len(texts)
        desk.embedder.embed(texts[:64])  # load and warm the model outside the timings

        started = time.perf_counter()  # the bare encoder: one call, no store, no chunking
        desk.embedder.model.encode(
            texts, batch_size=desk.settings.embed_batch_size, normalize_embeddings=True
        )
        raw = len(texts) / (time.perf_counter() - started)

        result = desk.refresh()
        ingest = result.chunks_embedded / result.seconds

        noop_dir = tmp / "noop"
        make_corpus(noop_dir, args.noop_articles, paragraphs=1, seed=1)
        noop_desk = Newsdesk(bench_settings(tmp / "noop-data", noop_dir))
        noop_desk.refresh()
        timings = []
        for _ in range(5):
            report_ = noop_desk.refresh()
            assert report_.chunks_embedded == 0
            timings.append(report_.seconds)
        noop = statistics.median(timings)

    ratio = ingest / raw
    figures = {
        "articles": args.articles,
        "chunks": len(texts),
        "mean_words_per_chunk": round(words, 1),
        "raw_encoder_chunks_per_s": round(raw, 1),
        "ingest_chunks_per_s": round(ingest, 1),
        "ingest_over_raw": round(ratio, 3),
        "noop_refresh_articles": args.noop_articles,
        "noop_refresh_s_median": round(noop, 3),
        "noop_refresh_s_all": [round(t, 3) for t in timings],
    }
    report(
        "ingest",
        [
            ("chunks (mean words)", f"{len(texts)} ({words:.0f})", ""),
            ("raw encoder chunks/s", f"{raw:.1f}", ""),
            ("ingest chunks/s", f"{ingest:.1f}", ""),
            ("ingest / raw", f"{ratio:.2f}", "≥ 0.85"),
            (f"no-op refresh, {args.noop_articles} articles", f"{noop:.3f} s", "≤ 2 s"),
        ],
        figures,
    )


if __name__ == "__main__":
    main()
