"""The extractive answerer's words (`prompts/extractive.toml`) and how dates are written."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache

from bot.settings import PROMPTS_DIR
from retrieval.text.dates import Period


@cache
def templates() -> dict[str, str]:
    """The extractive answerer's sentences. They are filled with `str.format`, the same
    {placeholder} syntax as LangChain's f-string templates (which the model prompts use):
    importing langchain_core's prompts costs a cold `newsdesk ask` 0.3 s, and these are
    sentences for people, not prompts."""
    return tomllib.loads((PROMPTS_DIR / "extractive.toml").read_text(encoding="utf-8"))


def render(template: str, **values: object) -> str:
    """One of the answerer's sentences, its {placeholders} filled in."""
    return templates()[template].format(**values)


def human_date(day: dt.date | None) -> str:
    """`29 October 2025`, or "undated" for an article that carries no date."""
    return f"{day.day} {day:%B %Y}" if day else "undated"


def name_list(names: list[str]) -> str:
    """`A`, `A or B`, `A, B or C`: for "did you mean …?"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def human_period(period: Period) -> str:
    """ "29 October 2025", "the week of 20 October 2025", "October 2025", "2024"."""
    if period.kind == "week":
        return f"the week of {human_date(period.first)}"
    if period.kind == "month":
        return f"{period.first:%B %Y}"
    if period.kind == "year":
        return str(period.first.year)
    return human_date(period.first)
