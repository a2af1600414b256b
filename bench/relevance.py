"""Calibrate NEWSDESK_MIN_RELEVANCE: best dense similarity for on- and off-topic questions.

Prints each question's best cosine similarity over the seed archive and the gap between the
lowest on-topic and the highest off-topic score; the default threshold should sit in that gap.
Writes bench/results/relevance.json.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from bot.service import Newsdesk
from retrieval.settings import SEEDS_DIR, Settings

ON_TOPIC = [
    "What did Asif say about Tora Bora?",
    "Gul Bahadur",
    "What did the UN say about the talks?",
    "How many civilians died in the strikes?",
    "Why did the Istanbul talks fail?",
    "What did Mujahid say?",
    "Who mediated the talks between Pakistan and Afghanistan?",
    "Did Pakistan threaten to strike inside Afghanistan?",
    "graveyard of empires",
    "What happened on October 11?",
]
OFF_TOPIC = [
    "What is the capital of France?",
    "Who won the football match?",
    "How do I bake sourdough bread?",
    "What is the price of bitcoin today?",
    "Who wrote Pride and Prejudice?",
    "What are the symptoms of measles?",
    "When is the next solar eclipse?",
    "Best laptop for programming",
]


def best_similarity(desk: Newsdesk, question: str) -> float:
    hits = desk.searcher.search(question, desk.settings.top_k)
    return max((h.similarity for h in hits if h.similarity is not None), default=0.0)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        desk = Newsdesk(Settings(_env_file=None, data_dir=Path(tmp), articles_dirs=[SEEDS_DIR]))
        desk.refresh()
        rows = [(q, "on", best_similarity(desk, q)) for q in ON_TOPIC]
        rows += [(q, "off", best_similarity(desk, q)) for q in OFF_TOPIC]
        found = {q: desk.ask(q).found for q, _, _ in rows}
    print(f"{'kind':<4} {'best cos':>8} {'found':>6}  question")
    for question, kind, score in rows:
        print(f"{kind:<4} {score:8.3f} {found[question]!s:>6}  {question}")
    low_on = min(s for _, k, s in rows if k == "on")
    high_off = max(s for _, k, s in rows if k == "off")
    print(f"\nlowest on-topic {low_on:.3f} · highest off-topic {high_off:.3f}")
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/relevance.json").write_text(
        json.dumps(
            {
                "rows": [
                    {"question": q, "kind": k, "best": s, "found": found[q]} for q, k, s in rows
                ],
                "lowest_on_topic": low_on,
                "highest_off_topic": high_off,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
