"""Held-out samples of Reuters articles for judging the quote index on text it was not built on.

    .venv/bin/python -m bench.heldout [first|second]   # print a sample's sentences, to read

The quote index's rules and the hand-read table of `tests/test_attribution.py` were built on
the seeds and on Reuters stories among the first 10,000 records. This sample is drawn from
records 12,000 and later, which nobody read while building it: stories of 400–2,500
characters with at least one quotation mark (so a sample holds direct quotations as well as
the wire's "the company said"), picked with a fixed seed. The first two thirds are read as
records (title and date fields); the rest are written out as plain files in the title-line
layout (title, blank line, hard-wrapped body, no date) and read back as such, so the index is
judged on both layouts.

Two samples, read by hand one after the other. The **first** (36 stories) measured the index
as it was; its misreadings were then fixed and went into `tests/test_attribution.py`, so it is
held out no longer. The **second** (28 other stories, drawn after those fixes) is the held-out
figure. The speakers a careful reader gives each sentence are in `bench/heldout_<name>.json`
(every sentence not listed there is narration or an unnamed speaker's); `python -m
bench.attribution` scores the index against them.
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from bench import reuters
from retrieval.ingest.formats import ParsedFile, _add_record, read_articles
from retrieval.text.sentences import body_sentence_spans
from retrieval.types import Article

FIRST_RECORD = 12_000


@dataclass(frozen=True)
class Sample:
    name: str
    seed: int
    size: int
    as_records: int  # the first this many are read as records, the rest as plain files

    @property
    def gold_file(self) -> Path:
        return Path(__file__).resolve().parent / f"heldout_{self.name}.json"


FIRST = Sample("first", seed=1987, size=36, as_records=24)
SECOND = Sample("second", seed=2026, size=28, as_records=19)
SAMPLES = (FIRST, SECOND)


def _pool() -> list[dict]:
    """The stories a sample is drawn from (the full corpus: `reuters.use` it first)."""
    return [
        record
        for record in reuters.records(offset=FIRST_RECORD)
        if 400 <= len(record["body"]) <= 2_500 and '"' in record["body"]
    ]


def draw(sample: Sample) -> list[str]:
    """Draw the sample's story ids from the full corpus, in the order drawn; a later sample
    never repeats an earlier one's stories. Run once, when a sample's table is begun: its
    gold file then keeps the ids in this order (`drawn_ids`)."""
    pool = _pool()
    for earlier in SAMPLES[: SAMPLES.index(sample)]:
        taken = {r["id"] for r in random.Random(earlier.seed).sample(pool, earlier.size)}
        pool = [r for r in pool if r["id"] not in taken]
    return [r["id"] for r in random.Random(sample.seed).sample(pool, sample.size)]


def drawn_ids(sample: Sample) -> list[str]:
    """The sample's story ids in the order `draw` gave them: the gold file's keys."""
    return list(json.loads(sample.gold_file.read_text()))


def drawn_records(sample: Sample) -> list[dict]:
    """The sample's records, in the order drawn (the repo's Reuters sample holds them)."""
    found = reuters.by_id(drawn_ids(sample))
    return [found[record_id] for record_id in drawn_ids(sample)]


def sample_articles(sample: Sample) -> list[Article]:
    """The sample as newsdesk reads it: records first, then plain title-line files."""
    records = drawn_records(sample)
    parsed = ParsedFile(reuters.chosen())
    for record in records[: sample.as_records]:
        _add_record(record, record["id"], record["id"], parsed)
    articles = list(parsed.articles)
    with tempfile.TemporaryDirectory() as folder:
        for path in reuters.write_txt(Path(folder), records[sample.as_records :]):
            for article in read_articles(path, Path(folder), 10**7).articles:
                articles.append(_renamed(article, path.stem))
    return articles


def _renamed(article: Article, record_id: str) -> Article:
    """A plain file's article, known by its Reuters id (its file name) in the gold table."""
    return replace(article, id=record_id)


def body_sentences(article: Article) -> list[tuple[int, int]]:
    """Every sentence of the article's body paragraphs, as the index and the gold see them."""
    return body_sentence_spans(article.text, article.paragraphs)


@dataclass(frozen=True)
class Expected:
    """Who a careful reader says speaks a sentence: any of `names`; `optional` when the
    sentence may as well be read as narration ("Whittaker reported profits of…")."""

    names: tuple[str, ...]
    optional: bool


def gold(sample: Sample, articles: list[Article]) -> dict[str, dict[tuple[int, int], Expected]]:
    """Article id → {sentence span: Expected} for the sample's sentences that are someone's
    words (every other sentence is narration or an unnamed speaker's). The table gives a
    sentence by its opening words and the speakers as "Name|Other name|-" ("-": optional)."""
    table = json.loads(sample.gold_file.read_text(encoding="utf-8"))
    by_id = {article.id: article for article in articles}
    result = {}
    for article_id, rows in table.items():
        article = by_id[article_id]
        spans = body_sentences(article)
        result[article_id] = {}
        for prefix, speakers in rows:
            names = tuple(n for n in speakers.split("|") if n != "-")
            span = _sentence_holding(article, spans, prefix)
            expected = Expected(names, "-" in speakers.split("|"))
            earlier = result[article_id].get(span)
            if earlier is not None:  # two hand-read sentences the splitter keeps as one
                both = tuple(dict.fromkeys(earlier.names + expected.names))
                expected = Expected(both, earlier.optional and expected.optional)
            result[article_id][span] = expected
    return result


def _sentence_holding(article: Article, spans: list[tuple[int, int]], prefix: str):
    """The sentence that opens with `prefix`, else the one holding it: the tables were read
    sentence by sentence with an older splitter, which cut "R.J. / Reynolds" and split
    quotations that today's keeps whole."""
    wanted = " ".join(prefix.split())
    sentences = [(" ".join(article.text[s:e].split()), (s, e)) for s, e in spans]
    for text, span in sentences:
        if text.startswith(wanted):
            return span
    for text, span in sentences:
        if wanted in text:
            return span
    raise LookupError(f"{article.id}: no sentence holds {prefix!r} (bench/heldout_*.json)")


def main() -> None:
    import sys

    sample = SECOND if sys.argv[1:] == ["second"] else FIRST
    for article in sample_articles(sample):
        print(f"\n=== {article.id} — {article.title}")
        for number, (start, end) in enumerate(body_sentences(article), start=1):
            print(f"{number:>3}. {' '.join(article.text[start:end].split())}")


if __name__ == "__main__":
    main()
