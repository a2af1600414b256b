"""Ingest throughput vs the raw encoder, and no-op refresh time on ≥ 1,000 articles.

    .venv/bin/python -m bench.ingest [--articles 200] [--noop-articles 1000] [--reuters 2000]
    .venv/bin/python -m bench.ingest --long [--sizes 10000,100000,1000000,5000000]
    .venv/bin/python -m bench.ingest --cluster [--reuters 2000]

Targets: ingest ≥ 0.85 × raw encoder chunks/s; no-op refresh ≤ 2 s. The real-corpus run
ingests the first `--reuters` Reuters-21578 articles (hard-wrapped wire copy, as one JSONL
file: parsing, re-flow, boilerplate stripping, chunking, embedding, store) and encodes the
same chunks with the bare encoder beside it (`--reuters 0` skips it).

`--long` ingests one-line bodies of real Reuters sentences (`bench.long_bodies`), one per
size, and the 233-article scraped shape (3.6 MB, one body of 1.2 MB), and prints characters/s
for each beside plain Reuters wire copy. Target: every rate within 2× of the others (time
linear in article length).

`--cluster` ingests Reuters into a `chroma run` server from a single process and from local
Dask clusters of 1 and 2 workers, measures the server's write rate alone, and projects N
machines (`bench.ingest_cluster`).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench import long_bodies, reuters
from bench.common import bench_settings, raw_encode_rate, report
from bench.corpus import make_corpus
from bot.service import Newsdesk
from retrieval.embedding.encoder import SENTENCE_TRANSFORMERS, Embedder
from retrieval.ingest.chunking import Chunker
from retrieval.ingest.formats import discover, read_articles


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
    parser.add_argument("--reuters", type=int, default=2000)
    parser.add_argument("--long", action="store_true", help="long one-line bodies instead")
    parser.add_argument("--sizes", default=",".join(str(s) for s in long_bodies.SIZES))
    parser.add_argument("--cluster", action="store_true", help="on local Dask workers instead")
    reuters.add_corpus_argument(parser)
    args = parser.parse_args()
    reuters.use(args.corpus)
    if args.cluster:
        from bench.ingest_cluster import cluster_report  # needs the cluster extra

        report("ingest_cluster", *cluster_report(args.reuters or 1000))
        return
    if args.long:
        long_report([int(size) for size in args.sizes.split(",")], args.reuters or 2000)
        return
    real = real_corpus(args.reuters) if args.reuters else None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        articles = tmp / "articles"
        make_corpus(articles, args.articles, paragraphs=6)
        desk = Newsdesk(bench_settings(tmp / "data", articles))
        texts = chunk_texts(articles, desk.ingestor.chunker)
        words = sum(len(t.split()) for t in texts) / len(texts)
        raw = raw_encode_rate(desk.embedder, texts)

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
        "reuters": real,
    }
    real_rows = []
    if real:
        real_rows = [
            (f"Reuters: {real['articles']} articles, {real['chunks']} chunks", "", ""),
            ("  ingest articles/s", f"{real['ingest_articles_per_s']:.1f}", ""),
            ("  ingest chunks/s", f"{real['ingest_chunks_per_s']:.1f}", ""),
            ("  raw encoder chunks/s (same chunks)", f"{real['raw_encoder_chunks_per_s']:.1f}", ""),
            (
                "  sentence-transformers chunks/s (same)",
                f"{real['sentence_transformers_chunks_per_s']:.1f}",
                "",
            ),
            (
                "  encoder / sentence-transformers",
                f"{real['encoder_over_sentence_transformers']:.2f}",
                "≥ 1.5",
            ),
            ("  quotes indexed", str(real["quotes_indexed"]), ""),
            ("  ingest / raw", f"{real['ingest_over_raw']:.2f}", ""),
            ("  boilerplate segments stripped", str(real["stripped_segments"]), ""),
        ]
    report(
        "ingest",
        [
            *real_rows,
            ("chunks (mean words)", f"{len(texts)} ({words:.0f})", ""),
            ("raw encoder chunks/s", f"{raw:.1f}", ""),
            ("ingest chunks/s", f"{ingest:.1f}", ""),
            ("ingest / raw", f"{ratio:.2f}", "≥ 0.85"),
            (f"no-op refresh, {args.noop_articles} articles", f"{noop:.3f} s", "≤ 2 s"),
        ],
        figures,
    )


def real_corpus(count: int) -> dict:
    """Ingest `count` Reuters articles end to end, then encode the same chunks bare."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        reuters.write_jsonl(tmp / "articles" / "reuters.jsonl", list(reuters.records(count)))
        desk = Newsdesk(bench_settings(tmp / "data", tmp / "articles", strip_boilerplate=True))
        desk.embedder.embed(["warm up the model"] * 8)
        result = desk.refresh()
        _, texts, _ = desk.store.all_chunks()
        raw = raw_encode_rate(desk.embedder, texts)
        reference = Embedder(backend=SENTENCE_TRANSFORMERS)
        reference_raw = raw_encode_rate(reference, texts)
    articles = len(result.added)
    return {
        "articles": articles,
        "chunks": result.chunks_embedded,
        "seconds": round(result.seconds, 1),
        "ingest_articles_per_s": round(articles / result.seconds, 2),
        "ingest_chunks_per_s": round(result.chunks_embedded / result.seconds, 1),
        "raw_encoder_chunks_per_s": round(raw, 1),
        "encoder": desk.settings.encoder,
        "sentence_transformers_chunks_per_s": round(reference_raw, 1),
        "encoder_over_sentence_transformers": round(raw / reference_raw, 2),
        "quotes_indexed": result.quotes_indexed,
        "ingest_over_raw": round(result.chunks_embedded / result.seconds / raw, 3),
        "stripped_segments": result.stripped.segments,
        "failed": len(result.failed),
    }


def long_report(sizes: list[int], plain_articles: int) -> None:
    """Characters/s of ingest for long one-line bodies, the scraped shape and plain copy."""
    plain = _chars_per_s(list(reuters.records(plain_articles)))
    single = [
        {"size": size, **_chars_per_s([long_bodies.record(size, i)])}
        for i, size in enumerate(sizes)
    ]
    scraped = _chars_per_s(long_bodies.scraped_shape())
    measured = [
        (f"plain Reuters, {plain_articles} articles", plain),
        *((f"one line of {f['size']:,} characters", f) for f in single),
        ("scraped shape: 233 articles, 3.6 MB", scraped),
    ]
    rates = [figures["chars_per_s"] for _, figures in measured]
    spread = max(rates) / min(rates)
    rows = [(f"{label}, chars/s", f"{f['chars_per_s']:,}", "") for label, f in measured]
    rows.append(("fastest / slowest", f"{spread:.2f}", "≤ 2"))
    figures = {"plain": plain, "one_line": single, "scraped_shape": scraped, "spread": spread}
    report("ingest_long", rows, figures)


def _chars_per_s(records: list[dict]) -> dict:
    """Ingest `records` (one JSONL file) into a new store, with the models already loaded."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        desk = Newsdesk(bench_settings(tmp / "data", tmp / "articles", strip_boilerplate=True))
        beyond = list(reuters.records(5, offset=reuters.ARCHIVE))  # none of those measured
        warm = reuters.write_jsonl(tmp / "warm" / "warm.jsonl", beyond)
        desk.ingest([warm])  # the encoder and the parser load outside the timing
        path = reuters.write_jsonl(tmp / "articles" / "articles.jsonl", records)
        started = time.perf_counter()
        result = desk.ingest([path])
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    characters = sum(len(r["body"]) for r in records)
    return {
        "articles": len(result.added),
        "characters": characters,
        "chunks": result.chunks_embedded,
        "quotes": result.quotes_indexed,
        "seconds": round(seconds, 2),
        "chars_per_s": round(characters / seconds),
        "peak_rss_children_mb": round(peak),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    main()
