"""Synthetic articles for scale tests and benchmarks, made from the seed articles' sentences.

The sentences are real news prose (so chunk lengths and vocabulary are realistic); only their
mix, the dates and the file names are made up. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from retrieval.ingest.formats import read_articles
from retrieval.settings import SEEDS_DIR
from retrieval.text.sentences import body_sentence_spans


def seed_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted(SEEDS_DIR.iterdir()):
        for article in read_articles(path, SEEDS_DIR, 10_000_000).articles:
            spans = body_sentence_spans(article.text, article.paragraphs)
            sentences += [article.text[s:e] for s, e in spans]
    return sentences


def make_corpus(
    folder: Path, count: int, paragraphs: int = 6, seed: int = 0, prefix: str = "synthetic"
) -> list[Path]:
    """Write `count` seed-format articles (~`paragraphs` × 2-3 sentences each) into `folder`."""
    rng = random.Random(seed)
    pool = seed_sentences()
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(2024, 1, 1)
    paths = []
    for index in range(count):
        day = start + dt.timedelta(days=rng.randrange(700))
        body = "\n\n".join(" ".join(rng.sample(pool, rng.randint(2, 3))) for _ in range(paragraphs))
        path = folder / f"{prefix}_{index:05d}.txt"
        path.write_text(f"date {day.isoformat()} Report {index}: {body}\n", encoding="utf-8")
        paths.append(path)
    return paths
