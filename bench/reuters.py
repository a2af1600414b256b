"""The Reuters-21578 archive as real test data: a sample in the repo, the full corpus optional.

19,043 articles from 1987, hard-wrapped at ~70 columns with paragraphs marked by indentation —
the kind of archive newsdesk must take as it comes.

- **The sample** (`tests/data/reuters21578-sample.jsonl.gz`, in the repo): the first 3,000
  records (the archive `bench.answers`, `bench.who` and the development sets are built on),
  then the later records the tests read by id (the hand-read attribution table, the held-out
  samples of `bench.heldout`), in corpus order. The tests read only the sample, so a clone
  needs nothing beside it. `python -m bench.reuters --corpus FULL` writes it again.
- **The full corpus** (`../shared/corpora/reuters21578.jsonl.gz` beside a development
  checkout, or any path): an optional input of the benchmarks, `--corpus PATH`.

These helpers also write a sample in the layouts users bring: one JSONL file, one CSV file,
or a folder of plain `.txt` files (title line, blank line, hard-wrapped body, no date).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]
SAMPLE = _REPO / "tests" / "data" / "reuters21578-sample.jsonl.gz"
FULL_CORPUS = _REPO.parent / "shared" / "corpora" / "reuters21578.jsonl.gz"
ARCHIVE = 3_000  # the sample's first records: the benchmarks' archive, in corpus order

_chosen = SAMPLE  # what `records` reads: the sample unless a benchmark chose another corpus


def use(corpus: Path | None) -> Path:
    """Read `corpus` from now on (a benchmark's `--corpus`); None: the full corpus where it
    lies beside the checkout, else the sample in the repo. Returns the path chosen."""
    global _chosen
    if corpus is None:
        corpus = FULL_CORPUS if FULL_CORPUS.exists() else SAMPLE
    if not Path(corpus).is_file():
        raise SystemExit(f"{corpus}: no such file; pass --corpus PATH to reuters21578.jsonl.gz")
    _chosen = Path(corpus)
    return _chosen


def chosen() -> Path:
    """The corpus `records` reads."""
    return _chosen


def add_corpus_argument(parser: argparse.ArgumentParser) -> None:
    """The benchmarks' `--corpus PATH`, one spelling for all of them."""
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="Reuters-21578 as JSONL.gz (default: ../shared/corpora/reuters21578.jsonl.gz "
        "when present, else the sample in tests/data/)",
    )


def records(limit: int | None = None, offset: int = 0) -> Iterator[dict]:
    """Reuters records in file order (id, title, date, source, dateline, body)."""
    with gzip.open(_chosen, "rt", encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index < offset:
                continue
            if limit is not None and index >= offset + limit:
                return
            yield json.loads(line)


def by_id(ids: Iterable[str]) -> dict[str, dict]:
    """The records of `ids` (those the corpus holds), keyed by id."""
    wanted = set(ids)
    found = {}
    for record in records():
        if record["id"] in wanted:
            found[record["id"]] = record
            if len(found) == len(wanted):
                break
    return found


def write_jsonl(path: Path, sample: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in sample:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def write_csv(path: Path, sample: list[dict]) -> Path:
    """A dataset export: `headline`, `published`, `source`, `story` columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "headline", "published", "source", "story"])
        for record in sample:
            writer.writerow(
                [record["id"], record["title"], record["date"], record["source"], record["body"]]
            )
    return path


def write_txt(folder: Path, sample: list[dict]) -> list[Path]:
    """Plain files: title on the first line, a blank line, the hard-wrapped body; no date."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for record in sample:
        path = folder / f"{record['id']}.txt"
        path.write_text(f"{record['title']}\n\n{record['body']}\n", encoding="utf-8")
        paths.append(path)
    return paths


def indented_paragraphs(body: str) -> int:
    """How many paragraphs a reader sees in a hard-wrapped body: the first, plus indented lines."""
    lines = [line for line in body.split("\n") if line.strip()]
    return 1 + sum(line[:1] in " \t" for line in lines[1:])


def write_sample(corpus: Path, later_ids: set[str], target: Path = SAMPLE) -> int:
    """Write the repo's sample from the full corpus: the first `ARCHIVE` records, then those
    of `later_ids`, in corpus order; gzip with no timestamp, so the same input writes the
    same bytes. Returns how many records it holds."""
    use(corpus)
    kept = [r for i, r in enumerate(records()) if i < ARCHIVE or r["id"] in later_ids]
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as handle:
        for record in kept:
            handle.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())
    return len(kept)


def main() -> None:
    """Write the sample again: the archive, the attribution table's stories, the held-out ones
    (checked first: the full corpus still draws each held-out sample as its table lists it)."""
    from bench import heldout, reuters  # this module by name: `-m` runs a copy as __main__
    from tests.test_attribution import REUTERS_IDS

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--corpus", type=Path, default=FULL_CORPUS)
    args = parser.parse_args()
    reuters.use(args.corpus)
    for sample in heldout.SAMPLES:
        if heldout.draw(sample) != heldout.drawn_ids(sample):
            raise SystemExit(f"{args.corpus} does not draw {sample.gold_file.name}'s stories")
    later = set(REUTERS_IDS) | {i for s in heldout.SAMPLES for i in heldout.drawn_ids(s)}
    count = reuters.write_sample(args.corpus, later)
    print(f"wrote {SAMPLE} ({count} records, {SAMPLE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
