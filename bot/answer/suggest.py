"""Suggested prompts drawn from the archive itself: who it quotes most, what is newest.

Fixed example prompts go stale and may ask about no one the archive quotes; these name its
most quoted people, its newest story and a real quote to check, so each one is answered.
"""

from __future__ import annotations

import datetime as dt

from retrieval.search import Searcher, SpeakerRow
from retrieval.types import PERSON

SUGGESTED = 4
_TITLE_WORDS = 9  # Slack shows a prompt's title on one short line
_QUOTE_WORDS = 8


def suggested_prompts(searcher: Searcher, limit: int = SUGGESTED) -> list[dict]:
    """Up to `limit` prompts ({"title", "message"}): the two most quoted people, a check of
    one of their quotes, the newest story; the newest stories fill in where no one is quoted."""
    with searcher.pinned():
        people = [row for row in searcher.speaker_table() if row.kind == PERSON][:2]
        prompts = [_said_prompt(row) for row in people]
        check = _quote_check_prompt(searcher, people[0]) if people else None
        if check:
            prompts.append(check)
        for article in searcher.overview()["newest"]:
            if len(prompts) >= limit:
                break
            prompts.append(
                {
                    "title": "Latest: " + _short(article["title"], _TITLE_WORDS),
                    "message": f"What does the archive say about {article['title']}?",
                }
            )
    return prompts[:limit]


def _said_prompt(row: SpeakerRow) -> dict:
    return {
        "title": f"What {row.name} said",
        "message": f"What did {row.name} say?",
    }


def _quote_check_prompt(searcher: Searcher, row: SpeakerRow) -> dict | None:
    """`Who said "…"?` with the first words of the person's newest quote."""
    quotes = searcher.quotes(searcher.quote_ids_of([row.key], None)[-50:])
    usable = [q for q in quotes if len(q.text.split()) >= _QUOTE_WORDS]
    if not usable:
        return None
    newest = max(usable, key=lambda q: (q.published or dt.date.min, q.id))
    words = _short(newest.text.strip("\"“”' "), _QUOTE_WORDS)
    return {"title": "Check a quote", "message": f'Who said "{words}"?'}


def _short(text: str, words: int) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")
