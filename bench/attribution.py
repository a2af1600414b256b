"""Speaker attribution: the quote index against the rules it replaced, on sentences read by hand.

    .venv/bin/python -m bench.attribution

The sentences are the table of `tests/test_attribution.py` (the seeds and Reuters stories,
each with the speaker a careful reader gives it, or none). Printed for both extractors:
precision (named speakers that are right), recall (speakers found of those expected) and
misattributions (a sentence given to the wrong person) — the figure that matters most.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.baseline_attribution import attribute
from bench.common import report
from retrieval.store import StoredArticle
from tests.test_attribution import CASES, REUTERS_IDS, SEED_NOV, SEED_OCT  # noqa: F401


@dataclass
class Score:
    right: int = 0
    wrong: int = 0
    missed: int = 0
    said_of_narration: int = 0

    def add(self, expected: str | None, found: str | None) -> None:
        if expected is None:
            self.said_of_narration += found is not None
        elif found is None:
            self.missed += 1
        elif _same(expected, found):
            self.right += 1
        else:
            self.wrong += 1

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
    report("attribution", [(f"sentences ({expected} with a speaker)", str(total), ""), *rows],
           figures)  # fmt: skip


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
