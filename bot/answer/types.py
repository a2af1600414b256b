"""The types an answer travels in, from the answerers to every interface.

`Answer` holds the text with `[n]` markers and its `Citation`s; `to_dict` is the `ask --json`
contract, `to_record`/`from_record` the fuller form kept for Slack threads and feedback. A
`Conversation` is the turns a follow-up question is read against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from retrieval.types import SearchFilters


@dataclass(frozen=True)
class Citation:
    """One numbered source: `quote` is an exact substring of the article's text."""

    n: int
    article_id: str
    title: str
    published: dt.date | None  # None: the article is undated
    source: str | None
    url: str | None
    paragraph: int
    quote: str
    section: str | None = None
    speaker: str | None = None
    sentence: int | None = None  # set when the article has no real paragraphs

    @property
    def where(self) -> str:
        """Where the quote stands, as a reader looks for it: "¶6", or "sentence 14"."""
        return f"sentence {self.sentence}" if self.sentence else f"¶{self.paragraph}"

    def to_record(self) -> dict:
        """Everything, for storing an answer and reading it back (Slack threads, feedback)."""
        return {**self.to_dict(), "section": self.section}

    @classmethod
    def from_record(cls, record: dict) -> Citation:
        published = record.get("published")
        return cls(
            **{**record, "published": dt.date.fromisoformat(published) if published else None}
        )

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
            "url": self.url,
            "paragraph": self.paragraph,
            "sentence": self.sentence,
            "quote": self.quote,
            "speaker": self.speaker,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    found: bool
    citations: tuple[Citation, ...] = ()
    standalone_question: str | None = None
    more: tuple[Citation, ...] = ()  # further relevant passages, not cited in `text`
    note: str | None = None  # e.g. why a language model's answer was replaced
    undated_left_out: int | None = None  # set when a date filter applied: undated skipped

    def to_record(self) -> dict:
        return {
            **self.to_dict(),
            "citations": [c.to_record() for c in self.citations],
            "standalone_question": self.standalone_question,
            "more": [c.to_record() for c in self.more],
            "note": self.note,
        }

    @classmethod
    def from_record(cls, record: dict) -> Answer:
        return cls(
            question=record["question"],
            text=record["answer"],
            found=record["found"],
            citations=tuple(Citation.from_record(c) for c in record["citations"]),
            standalone_question=record.get("standalone_question"),
            more=tuple(Citation.from_record(c) for c in record.get("more", [])),
            note=record.get("note"),
        )

    def to_dict(self) -> dict:
        """The `ask --json` contract (`undated_left_out` only when a date filter applied)."""
        contract = {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "citations": [c.to_dict() for c in self.citations],
        }
        if self.undated_left_out is not None:
            contract["undated_left_out"] = self.undated_left_out
        return contract


@dataclass(frozen=True)
class Turn:
    question: str
    answer: Answer


@dataclass
class Conversation:
    """The turns so far; follow-up questions are read against the last one."""

    turns: list[Turn] = field(default_factory=list)

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def add(self, question: str, answer: Answer) -> None:
        self.turns.append(Turn(question, answer))


class Answerer(Protocol):
    """What the service needs of an answerer (extractive, or generative: bot.answer.generative)."""

    name: str

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        filters: SearchFilters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer: ...
