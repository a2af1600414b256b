"""Helpers shared by the benchmark scripts: settings for a scratch store, percentiles, output."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bot.settings import Settings
from retrieval.text.names import name_key

RESULTS = Path(__file__).resolve().parent / "results"


def bench_settings(data_dir: Path, articles_dir: Path, **overrides) -> Settings:
    """Settings for a scratch store. Synthetic corpora (bench.corpus) remix a small pool of
    real sentences, so every sentence recurs: they are run with `strip_boilerplate=False`
    unless the caller says otherwise (real corpora do)."""
    overrides.setdefault("strip_boilerplate", False)
    overrides.setdefault("models_dir", Path(__file__).resolve().parent / ".data" / "models")
    return Settings(_env_file=None, data_dir=data_dir, articles_dirs=[articles_dir], **overrides)


def raw_encode_rate(embedder, texts: list[str], runs: int = 3) -> float:
    """Texts/s through the bare encoder, as the embedder runs it (length-sorted batches, one
    call per core where the backend allows): no store, no chunking, no quote index. The
    median of `runs` passes: one pass varies by ±10% on this machine."""
    embedder.embed(texts[: embedder.batch_size * 4])  # load and warm outside the timing
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        embedder.embed(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    return statistics.median(rates)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(pct) - 1]


def report(name: str, rows: list[tuple[str, str, str]], figures: dict) -> None:
    """Print a small table (figure, value, target) and write `results/<name>.json`."""
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{width}}  {'value':>14}  target")
    for label, value, target in rows:
        print(f"{label:<{width}}  {value:>14}  {target}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2))
    print(f"\nwrote {path}")


def same_speaker(expected: str, found: str) -> bool:
    """The same person or body, however fully named: "Atlas" is "Atlas Consolidated Mining
    and Development Corp", "Mead" is "Mead Corp", "Wang" is "Frederick Wang", "Trump" is
    "Donald Trump"."""
    shorter, longer = sorted((name_key(expected).split(), name_key(found).split()), key=len)
    return bool(shorter) and all(word in longer for word in shorter)
