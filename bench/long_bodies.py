"""Long one-line article bodies made of real Reuters sentences: the shape of a scraped page,
a live blog or a transcript (one paragraph of up to megabytes, no line breaks).

Deterministic: the sentences come in file order from the Reuters-21578 archive, each with
its whitespace collapsed, so a body holds the archive's own quotes and attributions.
"""

from __future__ import annotations

import itertools
import random
from functools import cache

from bench import reuters
from retrieval.ingest.paragraphs import layout
from retrieval.text.sentences import body_sentence_spans

SIZES = (10_000, 100_000, 1_000_000, 5_000_000)  # characters, for `bench.ingest --long`


@cache
def reuters_sentences(articles: int = 3000) -> tuple[str, ...]:
    """The sentences of the first `articles` Reuters bodies, each on one line."""
    sentences = []
    for record in reuters.records(articles):
        text, paragraphs = layout(record["body"])
        sentences += [" ".join(text[s:e].split()) for s, e in body_sentence_spans(text, paragraphs)]
    return tuple(sentence for sentence in sentences if sentence)


def one_line_body(size: int, start: int = 0) -> str:
    """A body of about `size` characters on one line: sentences from `start` on, joined."""
    pool = reuters_sentences()
    parts, length = [], 0
    for sentence in itertools.islice(itertools.cycle(pool), start % len(pool), None):
        if length >= size:
            break
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)


def record(size: int, index: int, start: int = 0) -> dict:
    """A JSONL record (`bench.reuters` fields) holding one long one-line body."""
    return {
        "id": f"long-{index:04d}",
        "title": f"Long scrape {index}",
        "date": f"1987-03-{1 + index % 28:02d}",
        "source": "Scrape",
        "body": one_line_body(size, start),
    }


def scraped_shape(count: int = 233, seed: int = 0) -> list[dict]:
    """The scraped set that stalled ingest, remade from Reuters: `count` one-line bodies,
    3.6 MB in all, one of 1.2 MB, four of 100-200 KB, the rest 2-20 KB."""
    rng = random.Random(seed)
    sizes = [1_200_000, 110_000, 140_000, 170_000, 200_000]
    rest = 3_600_000 - sum(sizes)
    weights = [rng.uniform(0.0, 1.0) for _ in range(count - len(sizes))]
    sizes += [max(2_000, min(20_000, int(rest * w / sum(weights)))) for w in weights]
    rng.shuffle(sizes)
    offsets = [0, *itertools.accumulate(sizes)][:-1]  # each body starts where the last ended
    pairs = zip(sizes, offsets, strict=True)
    return [record(size, i, start // 150) for i, (size, start) in enumerate(pairs)]
