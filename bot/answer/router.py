"""One routing of a question into evidence, shared by the extractive and generative answerers.

A question about a person's words goes to the quote index first (`bot.answer.said`): the
answer is that person's quotes, or "no article quotes X". Any other question, or one whose
person the archive does not know as a speaker, searches passages, and the relevance floor
and the unknown-word test (`bot.answer.evidence`) decide whether they are evidence at all.
The extractive answerer renders what comes back; the generative one phrases it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answer.evidence import Evidence, judge
from bot.answer.question import Question
from bot.answer.said import SpeechAnswerer
from bot.answer.types import Answer
from bot.settings import AnswerSettings
from retrieval.search import Searcher
from retrieval.types import Hit, SearchFilters

NOTHING_FOUND = Evidence(found=False)


@dataclass(frozen=True)
class Routed:
    """Where a question led: a person's quotes (`spoken`), or passages and their verdict."""

    parsed: Question
    spoken: Answer | None = None
    hits: list[Hit] = field(default_factory=list)
    evidence: Evidence = NOTHING_FOUND

    @property
    def found(self) -> bool:
        return self.spoken.found if self.spoken is not None else self.evidence.found


class Router:
    """Question → evidence: speech first, then passages, then the relevance floor."""

    def __init__(self, settings: AnswerSettings, searcher: Searcher, speech: SpeechAnswerer):
        self.settings, self.searcher, self.speech = settings, searcher, speech

    def route(
        self, question: str, parsed: Question, standalone: str, filters: SearchFilters | None
    ) -> Routed:
        spoken, parsed = self.speech.route(question, parsed, standalone, filters)
        if spoken is not None:
            return Routed(parsed, spoken=spoken)
        hits = self.searcher.search(standalone, self.settings.top_k, filters)
        verdict = judge(parsed, hits, self.searcher, self.settings.min_relevance)
        return Routed(parsed, hits=hits, evidence=verdict)
