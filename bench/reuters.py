"""The Reuters-21578 archive (`../shared/corpora/reuters21578.jsonl.gz`) as real test data.

19,043 articles from 1987, hard-wrapped at ~70 columns with paragraphs marked by indentation —
the kind of archive newsdesk must take as it comes. These helpers write a sample of it in the
layouts users bring: one JSONL file, one CSV file, or a folder of plain `.txt` files (title
line, blank line, hard-wrapped body, no date).
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "reuters21578.jsonl.gz"


def available() -> bool:
    return CORPUS.exists()


def records(limit: int | None = None, offset: int = 0) -> Iterator[dict]:
    """Reuters records in file order (id, title, date, source, dateline, body)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index < offset:
                continue
            if limit is not None and index >= offset + limit:
                return
            yield json.loads(line)


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
