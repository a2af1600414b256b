"""One routing of a question into evidence, shared by the extractive and generative answerers.

A question that asks for someone's words ("what did X say", "X's comments on Y") about a
person the archive quotes goes to the quote index (`bot.answer.said`): the answer is that
person's quotes, or "X is quoted, but never about Y". Any other question searches passages,
and the relevance floor and the unknown-word test (`bot.answer.evidence`) decide whether they
are evidence at all. A failed speech parse never refuses for the whole system: when the
question does not ask for words in so many words ("Why did S&P cut the rating?", "How did the
UN react?"), or names someone the archive does not quote, passages compete, and the name
asked stays a constraint (`Routed.asked`): a cited sentence names them, so nobody else's words
are given for theirs. Only when the passages hold nothing does the speech path's refusal
stand.
The extractive answerer renders what comes back; the generative one phrases it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.answer.evidence import Evidence, judge
from bot.answer.question import Question, demands_words, name_head, without_latest_frame
from bot.answer.said import SpeechAnswerer, SpeechRoute
from bot.answer.types import Answer
from bot.settings import AnswerSettings
from retrieval.search import Searcher
from retrieval.types import Hit, SearchFilters, SentenceHit

NOTHING_FOUND = Evidence(found=False)
LATEST_DEPTH = 3  # "the latest on X" reads more passages: the newest story may rank lower
SENTENCE_DEPTH = 20  # sentences fetched by their own vectors beside the passages


@dataclass(frozen=True)
class Routed:
    """Where a question led: a person's quotes (`spoken`), or passages and their verdict;
    `refusal` is the speech path's answer when the passages hold nothing."""

    parsed: Question
    spoken: Answer | None = None
    hits: list[Hit] = field(default_factory=list)
    evidence: Evidence = NOTHING_FOUND
    sentences: list[SentenceHit] = field(default_factory=list)  # found by their own vectors
    asked: str = ""  # a refused speech question's person: the passages cited name them
    refusal: Answer | None = None
    searched: str = ""  # the words passages were searched with ("the latest on" left out)

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
        speech = self.speech.route(question, parsed, standalone, filters)
        spoken, linked = speech.answer, speech.question
        if spoken is not None and (spoken.found or self._final(speech)):
            return Routed(linked, spoken=spoken)
        asked = ""
        if spoken is not None:  # the speech path refused: passages compete, naming the person
            if not name_head(speech.asked):
                return Routed(linked, spoken=spoken)
            asked, linked = speech.asked, replace(linked, person_names=())
        searched = without_latest_frame(standalone) if linked.asks_latest else standalone
        depth = self.settings.top_k * (LATEST_DEPTH if linked.asks_latest else 1)
        hits = self.searcher.search(searched, depth, filters)
        sentences = self.searcher.nearest_sentences(searched, SENTENCE_DEPTH, filters)
        verdict = judge(linked, hits, sentences, self.searcher, self.settings.min_relevance)
        return Routed(
            linked, hits=hits, evidence=verdict, sentences=sentences, asked=asked,
            refusal=spoken, searched=searched,
        )  # fmt: skip

    @staticmethod
    def _final(speech: SpeechRoute) -> bool:
        """A speech refusal is the answer when the question asks for words in so many words
        ("what did X say", "X's comments") of someone the archive quotes."""
        return speech.speaker_known and demands_words(speech.question.text, speech.asked)
