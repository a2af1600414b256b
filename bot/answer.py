"""Question + retrieved passages → `Answer` whose every claim cites an exact quote.

The default answerer is extractive: it never writes a claim of its own. It picks the sentences
of the retrieved passages that answer the question — preferring quotes attributed to the
person asked about — and returns them verbatim with `[n]` markers, each `n` a `Citation`
holding the article, date, paragraph and the exact quoted text. When nothing retrieved is
relevant enough, it says so (`found=False`, no citations) instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Protocol

from langchain_core.prompts import PromptTemplate

from bot.attribution import AttributedSentence, attribute
from bot.question import STOPWORDS, Question, analyse, is_follow_up, stem, substitute_person
from retrieval.articles import heading_above
from retrieval.chunking import Chunk
from retrieval.search import Hit, Searcher, SearchFilters, tokenize
from retrieval.sentences import sentence_spans
from retrieval.settings import PROMPTS_DIR, Settings
from retrieval.store import ChunkStore, StoredArticle

_MORE_SOURCES = 5
_STOP_TERMS = {stem(word) for word in STOPWORDS}
_LEADING_PRONOUN = re.compile(r"^(?:He|She)\b")


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
    """What the service needs of an answerer (extractive here, generative in bot.llm)."""

    name: str

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        filters: SearchFilters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer: ...


@dataclass(frozen=True)
class _Candidate:
    article: StoredArticle
    sentence: AttributedSentence
    start: int  # quote span, widened to include the opening of a quotation
    end: int
    passage: str
    passage_score: float
    similarity: float | None


@cache
def templates() -> dict[str, PromptTemplate]:
    raw = tomllib.loads((PROMPTS_DIR / "extractive.toml").read_text(encoding="utf-8"))
    return {name: PromptTemplate.from_template(text) for name, text in raw.items()}


def render(name: str, **values: object) -> str:
    return templates()[name].format(**values)


def human_date(day: dt.date | None) -> str:
    """`29 October 2025`, or "undated" for an article that carries no date."""
    return f"{day.day} {day:%B %Y}" if day else "undated"


class ExtractiveAnswerer:
    """Answers from the archive's own sentences; needs no language model."""

    name = "extractive"

    def __init__(self, settings: Settings, store: ChunkStore, searcher: Searcher) -> None:
        self.settings = settings
        self.store = store
        self.searcher = searcher

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        filters: SearchFilters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question`; `on_token` is accepted for parity with streaming answerers."""
        parsed, standalone, previous = self.understand(question, conversation)
        if previous and parsed.asks_when and previous.answer.citations:
            return self._when_follow_up(question, standalone, previous.answer)
        hits = self.searcher.search(standalone, self.settings.top_k, filters)
        return self.compose(question, standalone, parsed, hits)

    def understand(
        self, question: str, conversation: Conversation | None
    ) -> tuple[Question, str, Turn | None]:
        """Resolve a follow-up against the previous turn; returns (analysis, standalone, turn)."""
        parsed = analyse(question)
        previous = conversation.last if conversation else None
        if not previous or not is_follow_up(parsed):
            return parsed, question, None
        earlier = analyse(previous.answer.standalone_question or previous.question)
        person = _person_of(earlier, previous.answer)
        standalone = substitute_person(question, person) if person else question
        standalone = f"{standalone} ({previous.answer.standalone_question or previous.question})"
        merged = replace(
            parsed,
            terms=tuple(dict.fromkeys(parsed.terms + earlier.terms)),
            people=earlier.people or parsed.people,
            person_names=earlier.person_names or parsed.person_names,
            asks_speech=parsed.asks_speech or earlier.asks_speech,
        )
        return merged, standalone, previous

    def compose(self, question: str, standalone: str, parsed: Question, hits: list[Hit]) -> Answer:
        """Pick the answering sentences from `hits`, or say the archive has nothing."""
        candidates = self._candidates(hits)
        best_similarity = max((h.similarity for h in hits if h.similarity is not None), default=0)
        chosen: list[_Candidate] = []
        if candidates and best_similarity >= self.settings.min_relevance:
            ranked = _rank(candidates, parsed, best_similarity, self.settings.min_relevance)
            chosen, extra = _select(ranked, self.settings.max_citations)
        if not chosen:
            return self.no_evidence(question, standalone)
        citations = [_citation(n, c) for n, c in enumerate(chosen, start=1)]
        more = [_citation(n, c) for n, c in enumerate(extra[:_MORE_SOURCES], start=len(chosen) + 1)]
        lines = [
            render("answer_line", sentence=_shown(c), n=cit.n)
            for c, cit in zip(chosen, citations, strict=True)
        ]
        return Answer(question, "\n".join(lines), True, tuple(citations), standalone, tuple(more))

    def no_evidence(self, question: str, standalone: str | None = None) -> Answer:
        articles = self.store.count_articles()
        text = render("no_evidence", articles=articles) if articles else render("empty_archive")
        return Answer(question, text, False, (), standalone)

    def _when_follow_up(self, question: str, standalone: str, previous: Answer) -> Answer:
        """ "When did he say it?": the dates of the articles the previous answer quoted."""
        seen: dict[tuple[str, dt.date], Citation] = {}
        for citation in previous.citations:
            seen.setdefault((citation.article_id, citation.published), citation)
        citations = [replace(c, n=n) for n, c in enumerate(seen.values(), start=1)]
        lines = [
            render(
                "when_line" if c.speaker else "when_reported_line",
                subject=c.speaker,
                date=human_date(c.published),
                title=c.title,
                n=c.n,
            )
            for c in citations
        ]
        return Answer(question, "\n".join(lines), True, tuple(citations), standalone)

    def _candidates(self, hits: list[Hit]) -> list[_Candidate]:
        if not hits:
            return []
        articles = self.store.get_articles(h.chunk.article_id for h in hits)
        attributed = {aid: attribute(article) for aid, article in articles.items()}
        spans = {aid: [(s.start, s.end) for s in sents] for aid, sents in attributed.items()}
        top_score = hits[0].score
        seen: set[tuple[str, int]] = set()
        candidates: list[_Candidate] = []
        for hit in hits:
            article = articles.get(hit.chunk.article_id)
            if article is None:  # removed by a concurrent refresh
                continue
            sentences = attributed[article.id]
            for index, sentence in enumerate(sentences):
                inside = hit.chunk.char_start <= sentence.start < hit.chunk.char_end
                if not inside or (article.id, sentence.start) in seen:
                    continue
                seen.add((article.id, sentence.start))
                start, end = _quote_span(article.text, spans[article.id], index)
                candidates.append(
                    _Candidate(
                        article,
                        sentence,
                        start,
                        end,
                        hit.chunk.text,
                        hit.score / top_score,
                        hit.similarity,
                    )
                )
        return candidates


def _person_of(earlier: Question, answer: Answer) -> str | None:
    if earlier.person_names:
        return earlier.person_names[0]
    return next((c.speaker for c in answer.citations if c.speaker), None)


def _quote_span(text: str, spans: list[tuple[int, int]], index: int) -> tuple[int, int]:
    """Widen sentence `index` to the whole quotation it is part of (at most two more each way)."""
    start, end = spans[index]
    for back in range(index - 1, max(-1, index - 3), -1):
        piece = text[start:end]
        if piece.count("“") >= piece.count("”") or "\n" in text[spans[back][1] : start]:
            break
        start = spans[back][0]
    for ahead in range(index + 1, min(len(spans), index + 3)):
        piece = text[start:end]
        if piece.count("“") <= piece.count("”") or "\n" in text[end : spans[ahead][0]]:
            break
        end = spans[ahead][1]
    return start, end


def best_quote(article: StoredArticle, chunk: Chunk, claim: str) -> tuple[int, int]:
    """The span of `chunk` that best supports `claim`: its most overlapping sentence, widened."""
    spans = [
        span
        for paragraph in article.paragraphs
        if not paragraph.heading
        and paragraph.start < chunk.char_end
        and paragraph.end > chunk.char_start
        for span in sentence_spans(article.text, paragraph.start, paragraph.end)
        if chunk.char_start <= span[0] < chunk.char_end
    ]
    if not spans:
        return chunk.char_start, chunk.char_end
    wanted = _terms(claim) - _STOP_TERMS
    overlaps = [len(wanted & _terms(article.text[s:e])) for s, e in spans]
    return _quote_span(article.text, spans, overlaps.index(max(overlaps)))


def _rank(
    candidates: list[_Candidate], question: Question, best_similarity: float, threshold: float
) -> list[tuple[float, _Candidate]]:
    """Score sentences by topic coverage, passage rank, and whether the asked person said it.

    Eligible: sentences sharing the question's topic words; or, when the question asks what
    someone said, that person's sentences in a passage about the topic; or, for a paraphrase
    no word matches, the top passage when it is semantically close. Sentences that cover the
    topic themselves beat those that only sit in a passage about it.
    """
    sentence_terms = [_terms(c.article.text[c.start : c.end]) for c in candidates]
    passage_terms = {id(c): _terms(c.passage) for c in candidates}
    idf = {
        term: math.log(1 + len(candidates) / (1 + sum(term in s for s in sentence_terms)))
        for term in question.terms
    }
    total_weight = sum(idf.values()) or 1.0
    strong_semantic = best_similarity >= threshold + 0.15
    # Asked what someone said: when they speak in the passages, only their words answer.
    only_person = any(c.sentence.speaker in question.people for c in candidates)
    scored: list[tuple[float, float, _Candidate]] = []
    for candidate, terms in zip(candidates, sentence_terms, strict=True):
        coverage = sum(idf[t] for t in question.terms if t in terms) / total_weight
        said_by_person = bool(question.people) and candidate.sentence.speaker in question.people
        if only_person and not said_by_person:
            continue
        if question.terms and coverage == 0:
            on_topic = said_by_person and passage_terms[id(candidate)] & set(question.terms)
            semantic = strong_semantic and candidate.passage_score == 1.0
            if not (on_topic or semantic):
                continue
        quoted = "“" in candidate.article.text[candidate.start : candidate.end]
        score = coverage + 0.3 * candidate.passage_score
        if question.people:
            score += 0.5 * said_by_person
        if question.asks_speech:
            score += 0.2 * quoted + 0.2 * (candidate.sentence.speaker is not None)
        scored.append((score, coverage, candidate))
    if any(coverage > 0 for _, coverage, _ in scored):
        scored = [item for item in scored if item[1] > 0]
    scored.sort(key=lambda item: item[0], reverse=True)
    return [(score, candidate) for score, _, candidate in scored]


def _terms(text: str) -> set[str]:
    return {stem(t) for t in tokenize(text)}


def _select(
    ranked: list[tuple[float, _Candidate]], limit: int
) -> tuple[list[_Candidate], list[_Candidate]]:
    """Top sentences within half the best score, no two overlapping; the rest are 'more'."""
    if not ranked:
        return [], []
    best = ranked[0][0]
    chosen: list[_Candidate] = []
    extra: list[_Candidate] = []
    for score, candidate in ranked:
        overlaps = any(
            c.article.id == candidate.article.id
            and c.start < candidate.end
            and candidate.start < c.end
            for c in chosen + extra
        )
        if overlaps:
            continue
        if len(chosen) < limit and score >= 0.5 * best:
            chosen.append(candidate)
        else:
            extra.append(candidate)
    return chosen, extra


def _shown(candidate: _Candidate) -> str:
    """The quoted text as the answer shows it, its speaker made explicit when the text isn't.

    `He said …` becomes `He [Khawaja Asif] said …` (the newsroom's bracketed clarification);
    a continued quote is introduced with `Khawaja Asif: `. The citation keeps the exact words.
    """
    text = candidate.article.text[candidate.start : candidate.end]
    sentence = candidate.sentence
    if not (sentence.implicit and sentence.speaker_name):
        return text
    pronoun = _LEADING_PRONOUN.match(text)
    if pronoun:
        return f"{pronoun.group(0)} [{sentence.speaker_name}]{text[pronoun.end() :]}"
    return f"{sentence.speaker_name}: {text}"


def _citation(n: int, candidate: _Candidate) -> Citation:
    return cite(
        n, candidate.article, candidate.start, candidate.end, candidate.sentence.speaker_name
    )


def cite(
    n: int, article: StoredArticle, start: int, end: int, speaker: str | None = None
) -> Citation:
    """Citation `n` quoting `article.text[start:end]`, with the paragraph and section it is in."""
    return Citation(
        n=n,
        article_id=article.id,
        title=article.title,
        published=article.published,
        source=article.source,
        url=article.url,
        paragraph=article.paragraph_number(start),
        quote=article.text[start:end],
        section=heading_above(article.text, article.paragraphs, start),
        speaker=speaker,
        sentence=None if article.has_paragraphs else article.sentence_number(start),
    )
