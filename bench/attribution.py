"""Speaker attribution: the quote index against the rules it replaced, on sentences read by hand.

    .venv/bin/python -m bench.attribution
    .venv/bin/python -m bench.attribution --polnear PATH [--split dev] [--half 1|2] [--show 20]

The sentences are the table of `tests/test_attribution.py` (the seeds and Reuters stories,
each with the speaker a careful reader gives it, or none). Printed for both extractors:
precision (named speakers that are right), recall (speakers found of those expected) and
misattributions (a sentence given to the wrong person) — the figure that matters most.

Then the two samples of `bench/heldout.py`: every sentence of Reuters stories nobody read
while building the index (two thirds read as records, a third as plain title-line files),
against the speakers read by hand in `bench/heldout_<sample>.json`. The first sample's
misreadings were fixed after it was read; the second is the held-out figure. `--show` lists
each sample's misses and errors.

With `--polnear PATH` (a checkout of networkdynamics/PolNeAR, never committed here): the
hand-annotated attributions of its train or dev split instead (`bench/polnear.py`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from bench import heldout
from bench.baseline_attribution import attribute
from bench.common import report, same_speaker
from retrieval.types import StoredArticle
from tests.test_attribution import CASES, REUTERS_IDS, SEED_NOV, SEED_OCT  # noqa: F401


@dataclass
class Score:
    right: int = 0
    wrong: int = 0
    missed: int = 0
    said_of_narration: int = 0
    right_required: int = 0  # right on the held-out quotes no reader would call narration

    def judge(self, expected: heldout.Expected | None, found: str | None, same=None) -> str:
        """Score one sentence (any of the expected names is right, by `same`; an optional
        quote left unattributed is no miss) and say how it went."""
        same = same or same_speaker
        if found is None:
            missed = expected is not None and not expected.optional
            self.missed += missed
            return "missed" if missed else "narration"
        if expected is None:
            self.said_of_narration += 1
            return "unnamed"
        if any(same(name, found) for name in expected.names):
            self.right += 1
            self.right_required += not expected.optional
            return "right"
        self.wrong += 1
        return "wrong"

    def add(self, expected: str | None, found: str | None) -> None:
        """Score one sentence of the hand-read table (a speaker by surname, or none)."""
        wanted = heldout.Expected((expected,), optional=False) if expected else None
        self.judge(wanted, found, same=_same)

    @property
    def precision(self) -> float:
        named = self.right + self.wrong + self.said_of_narration
        return self.right / named if named else 1.0

    def recall(self, expected: int) -> float:
        return self.right / expected if expected else 1.0


def _same(expected: str, found: str) -> bool:
    """The old rules name by surname ("Asif"); the index by full name ("Khawaja Asif")."""
    return expected.split()[-1].lower() == found.split()[-1].lower()


def main() -> None:
    if "--polnear" in sys.argv:
        _polnear()
        return
    from tests.test_attribution import quotes_by_article, speaker_of

    started = time.perf_counter()
    articles = quotes_by_article.__wrapped__()  # the fixture's body, outside pytest
    extract_s = time.perf_counter() - started
    index, rules = Score(), Score()
    for article_id, prefix, expected in CASES:
        if article_id not in articles:
            continue
        article, quotes = articles[article_id]
        index.add(expected, speaker_of(article, quotes, prefix))
        rules.add(expected, _rule_speaker(article, prefix))
    expected = sum(1 for c in CASES if c[2] and c[0] in articles)
    total = sum(1 for c in CASES if c[0] in articles)
    rows = []
    figures = {"sentences": total, "with_speaker": expected, "extract_seconds": round(extract_s, 2)}
    for name, score in (("quote index (spaCy)", index), ("old rules (regex)", rules)):
        figures[name] = {
            "precision": round(score.precision, 3),
            "recall": round(score.recall(expected), 3),
            "wrong_person": score.wrong,
            "narration_given_a_speaker": score.said_of_narration,
        }
        rows += [
            (f"{name}: precision", f"{score.precision:.2f}", ""),
            (f"{name}: recall", f"{score.recall(expected):.2f}", ""),
            (f"{name}: wrong person", str(score.wrong), "0"),
            (f"{name}: narration given a speaker", str(score.said_of_narration), "0"),
        ]
    for sample in heldout.SAMPLES:
        sample_rows, figures[f"sample_{sample.name}"] = _sample(sample, "--show" in sys.argv)
        rows += sample_rows
    report("attribution", [(f"sentences ({expected} with a speaker)", str(total), ""), *rows],
           figures)  # fmt: skip


def _polnear() -> None:
    import argparse
    from pathlib import Path

    from bench import polnear

    parser = argparse.ArgumentParser(description="Attribution on PolNeAR (train or dev)")
    parser.add_argument("--polnear", type=Path, required=True, help="a PolNeAR checkout")
    parser.add_argument("--split", default="dev", help="train or dev (never test)")
    parser.add_argument("--show", type=int, default=0, help="print N misses and errors")
    parser.add_argument(
        "--half", type=int, choices=(1, 2), help="score every other article only (1 or 2)"
    )
    args = parser.parse_args()
    if not (args.polnear / "data").is_dir():
        raise SystemExit(f"{args.polnear}: no data/ folder; give a PolNeAR checkout")
    polnear.main(args.polnear, args.split, args.show, args.half)


def _sample(sample: heldout.Sample, show: bool) -> tuple[list[tuple[str, str, str]], dict]:
    """The index on one sample of `bench.heldout`: every sentence of its articles."""
    from retrieval.ingest.quotes import QuoteExtractor
    from tests.test_attribution import speaker_at

    articles = heldout.sample_articles(sample)
    expected_by_article = heldout.gold(sample, articles)
    score, required, sentences = Score(), 0, 0
    for article, quotes in zip(articles, QuoteExtractor().extract(articles), strict=True):
        expected_here = expected_by_article[article.id]
        spans = heldout.body_sentences(article)
        sentences += len(spans)
        for span in spans:
            found = speaker_at(quotes, span[0])
            expected = expected_here.get(span)
            required += expected is not None and not expected.optional
            verdict = score.judge(expected, found)
            if show and verdict not in ("right", "narration"):
                sentence = " ".join(article.text[span[0] : span[1]].split())[:110]
                wanted = "|".join(expected.names) if expected else None
                print(f"{verdict:>8}  {article.id}: {found!r} for {wanted!r}: {sentence}")
    figures = {
        "articles": len(articles),
        "sentences": sentences,
        "quotes_read_by_hand": required,
        "optional_quotes": sum(
            e.optional for table in expected_by_article.values() for e in table.values()
        ),
        "precision": round(score.precision, 3),
        "recall": round(score.right_required / required, 3),
        "wrong_person": score.wrong,
        "unnamed_or_narration_given_a_speaker": score.said_of_narration,
    }
    name = f"{sample.name} sample"
    rows = [
        (f"{name}: quotes read by hand ({len(articles)} articles)", str(required), "≥ 100"),
        (f"{name}: precision", f"{score.precision:.3f}", "≥ 0.97"),
        (f"{name}: recall", f"{score.right_required / required:.3f}", "≥ 0.90"),
        (f"{name}: wrong person", str(score.wrong), "0"),
        (f"{name}: unnamed/narration given a speaker", str(score.said_of_narration), "0"),
    ]
    return rows, figures


def _rule_speaker(article, prefix: str) -> str | None:
    stored = StoredArticle(article.id, article.title, article.published, article.source,
                           article.url, article.text, article.paragraphs)  # fmt: skip
    start = article.text.index(prefix)
    for sentence in attribute(stored):
        if sentence.start <= start < sentence.end:
            return sentence.speaker_name
    return None


if __name__ == "__main__":
    main()
