""" "Who said this?" on real news: quotes of the Reuters archive pasted back as people paste
them, and quotes the archive does not hold.

    .venv/bin/python -m bench.who [--quotes 150] [--absent 150]

Uses the store of `bench.answers` (the first 3,000 Reuters-21578 articles). Each sampled
quote (a stored quote with a named speaker, 8+ words) is pasted five ways: as stored, in
curly marks, trimmed (two words off each end), edited (one word dropped, one changed) and
reworded (several words swapped for others meaning the same, one dropped). A check is right
when it cites the quote's article (or another holding the same words) and names the quote's
speaker, or no one. Absent quotes are quoted sentences of later Reuters articles (3,000
onward) whose words stand in none of the archive's; a check is right when it says the
archive does not hold them.

Prints per-variant accuracy, misattributions (a speaker named who is not the quote's), false
finds of absent quotes, and latency.
"""

from __future__ import annotations

import argparse
import random
import re
import time

from bench import reuters
from bench.answers import prepare
from bench.common import percentile, report
from bot.answer.who import ABSENT, pasted_words, words_of

_SWAPS = {
    "said": "stated", "says": "states", "will": "would", "increase": "rise",
    "increased": "rose", "big": "large", "large": "big", "very": "really",
    "expect": "anticipate", "expected": "anticipated", "think": "believe", "believe": "think",
    "government": "administration",
    "company": "firm", "market": "markets", "prices": "price", "rise": "increase", "fall": "drop",
    "buy": "purchase", "help": "assist", "need": "require", "major": "big", "important": "key",
    "problem": "issue", "problems": "issues", "also": "too", "but": "however", "about": "around",
    "because": "since", "start": "begin", "begin": "start", "end": "finish", "show": "indicate",
    "shows": "indicates", "good": "positive", "bad": "negative", "strong": "robust",
}  # fmt: skip
_QUOTED = re.compile(r'"([^"]{40,400})"')


def variants(text: str, rng: random.Random) -> dict[str, str]:
    words = text.split()
    edited = list(words)
    del edited[rng.randrange(1, len(edited) - 1)]
    at = rng.randrange(1, len(edited) - 1)
    edited[at] = _SWAPS.get(edited[at].lower(), edited[at] + "s")
    reworded = [_SWAPS.get(w.lower(), w) for w in words]
    if reworded == words:
        reworded[len(words) // 2] = "really " + reworded[len(words) // 2]
    del reworded[rng.randrange(1, len(reworded) - 1)]
    return {
        "as stored": text,
        "curly marks": "“" + text.replace("'", "’") + "”",
        "trimmed": " ".join(words[2:-2]),
        "edited": " ".join(edited),
        "reworded": " ".join(reworded),
    }


def sample_quotes(desk, count: int, rng: random.Random) -> list:
    """Stored quotes with a named speaker and 8+ words, from articles drawn at random."""
    article_ids = sorted({m["article_id"] for m in desk.store.all_quote_metadata()})
    rng.shuffle(article_ids)
    quotes = []
    for article_id in article_ids:
        with desk.searcher.pinned():
            held = desk.searcher.quotes(desk.searcher.quote_ids_in([article_id]))
        named = [q for q in held if q.speaker and len(pasted_words(q.text).split()) >= 8]
        if named:
            quotes.append(rng.choice(named))
        if len(quotes) == count:
            break
    return quotes


def absent_quotes(desk, count: int) -> list[str]:
    held = " ".join(words_of(a.body) for a in _archive_articles())
    found = []
    for record in reuters.records(offset=3000):
        for match in _QUOTED.finditer(" ".join(record["body"].split())):
            words = words_of(match.group(1))
            if len(words.split()) >= 8 and words not in held:
                found.append(match.group(1))
        if len(found) >= count:
            break
    return found[:count]


def _archive_articles():
    from types import SimpleNamespace

    return [SimpleNamespace(body=r["body"]) for r in reuters.records(3000)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quotes", type=int, default=150)
    parser.add_argument("--absent", type=int, default=150)
    reuters.add_corpus_argument(parser)
    args = parser.parse_args()
    reuters.use(args.corpus)
    rng = random.Random(20)
    desk = prepare(3000)
    desk.warm_up()
    quotes = sample_quotes(desk, args.quotes, rng)
    right: dict[str, int] = {}
    misattributed, named, timings, misses = 0, 0, [], []
    for quote in quotes:
        for kind, pasted in variants(pasted_words(quote.text), rng).items():
            started = time.perf_counter()
            checked = desk.who_said(pasted)
            timings.append((time.perf_counter() - started) * 1000)
            cited = checked.answer.citations[0] if checked.answer.citations else None
            same_words = cited is not None and (
                cited.article_id == quote.article_id
                or words_of(pasted_words(quote.text)) in words_of(cited.quote)
            )
            expected = quote.speaker.name
            if checked.speaker and checked.speaker != expected:
                misattributed += 1
            named += checked.speaker == expected
            ok = checked.match != ABSENT and same_words and checked.speaker in (None, expected)
            right[kind] = right.get(kind, 0) + ok
            if not ok:
                misses.append((kind, pasted[:90], checked.match, checked.speaker, expected))
    absent = absent_quotes(desk, args.absent)
    false_finds = []
    for pasted in absent:
        started = time.perf_counter()
        checked = desk.who_said(pasted)
        timings.append((time.perf_counter() - started) * 1000)
        if checked.match != ABSENT:
            false_finds.append((pasted[:90], checked.match, checked.answer.citations[0].quote[:90]))
    for miss in misses[:15]:
        print("miss:", miss)
    for find in false_finds[:10]:
        print("false find:", find)
    n = len(quotes)
    figures = {
        "quotes": n,
        "right": {kind: right.get(kind, 0) for kind in right},
        "misattributed": misattributed,
        "speaker_named": named,
        "checks": n * len(right),
        "absent": len(absent),
        "absent_refused": len(absent) - len(false_finds),
        "p50_ms": round(percentile(timings, 50), 1),
        "p95_ms": round(percentile(timings, 95), 1),
    }
    rows = [(f"found: {kind}", f"{count}/{n}", "≥ 95%") for kind, count in right.items()]
    rows += [
        ("speaker named (the quote's)", f"{named}/{n * len(right)}", ""),
        ("misattributed speakers", str(misattributed), "0"),
        ("absent quotes refused", f"{figures['absent_refused']}/{len(absent)}", "≥ 98%"),
        ("check p50 / p95", f"{figures['p50_ms']} / {figures['p95_ms']} ms", ""),
    ]
    report("who", rows, figures)


if __name__ == "__main__":
    main()
