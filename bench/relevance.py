"""Calibrate NEWSDESK_MIN_RELEVANCE on real news: refusals' precision and recall per threshold.

    .venv/bin/python -m bench.relevance

Over the Reuters subset of `bench.answers` (ingested there), every question of the
development set that asks about no person — headline questions and plain questions on the
topics people are quoted on, which the archive answers, and questions on topics it never
covers — plus everyday questions off any news topic. For
each, the best dense similarity of the passages found, and whether the unknown-word rule
(`bot.answer.evidence`) already refuses it. Then, per threshold: refusal precision (refusals that
were right) and recall (unanswerable questions refused), and answerable questions kept.
"""

from __future__ import annotations

import json

from bench.answers import prepare
from bench.common import report
from bench.devset import DEVSET
from bot.answer.evidence import absent_topic
from bot.answer.question import analyse, without_person

OFF_TOPIC = [
    "What is the capital of France?",
    "Who won the football match?",
    "How do I bake sourdough bread?",
    "Who wrote Pride and Prejudice?",
    "What are the symptoms of measles?",
    "When is the next solar eclipse?",
    "Best laptop for programming",
    "How tall is Mount Everest?",
    "What is the plot of Hamlet?",
    "How do vaccines train the immune system?",
]
THRESHOLDS = [round(0.16 + 0.02 * i, 2) for i in range(14)]


def main() -> None:
    devset = json.loads(DEVSET.read_text())
    desk = prepare(devset["subset"])
    questions = [(q["question"], True) for q in devset["questions"] if q["kind"] == "fact"]
    questions += [  # the topics people are quoted on, asked about plainly: paraphrase-like
        (f"What happened with {q['question'].split(' say about ', 1)[1]}", True)
        for q in devset["questions"]
        if q["kind"] == "said"
    ]
    questions += [
        (q["question"], False)
        for q in devset["questions"]
        if q["kind"] == "absent-topic" and "person" not in q
    ]
    questions += [(q, False) for q in OFF_TOPIC]
    rows = []
    for text, answerable in questions:
        hits = desk.searcher.search(text, desk.settings.top_k)
        best = max((h.similarity or 0.0 for h in hits), default=0.0)
        absent = bool(absent_topic(without_person(analyse(text)), desk.searcher))
        rows.append({"question": text, "answerable": answerable, "best": best, "absent": absent})
    sweep = []
    for threshold in THRESHOLDS:
        refused = [r for r in rows if r["absent"] or r["best"] < threshold]
        right = sum(not r["answerable"] for r in refused)
        unanswerable = sum(not r["answerable"] for r in rows)
        answerable = len(rows) - unanswerable
        sweep.append(
            {
                "threshold": threshold,
                "refusal_precision": round(right / len(refused), 3) if refused else 1.0,
                "refusal_recall": round(right / unanswerable, 3),
                "answerable_kept": round(1 - (len(refused) - right) / answerable, 3),
            }
        )
    lowest_on = min(r["best"] for r in rows if r["answerable"])
    highest_off = max(r["best"] for r in rows if not r["answerable"] and not r["absent"])
    report(
        "relevance",
        [
            ("lowest answerable best similarity", f"{lowest_on:.3f}", ""),
            ("highest unanswerable (not caught by words)", f"{highest_off:.3f}", ""),
            *(
                (
                    f"threshold {s['threshold']:.2f}: precision / recall / kept",
                    f"{s['refusal_precision']:.2f} / {s['refusal_recall']:.2f} / "
                    f"{s['answerable_kept']:.2f}",
                    "",
                )
                for s in sweep
            ),
        ],
        {"rows": rows, "sweep": sweep},
    )


if __name__ == "__main__":
    main()
