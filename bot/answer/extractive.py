"""Question + retrieved passages → `Answer` whose every claim cites an exact quote.

The default answerer is extractive: it never writes a claim of its own. It reads the question
(`bot.answer.question`), and then:

- "What did X say about Y?" goes to `bot.answer.said`, which answers only with X's own quotes;
- anything else: the sentences of the retrieved passages (and those found by their own
  vectors) are judged and ranked (`bot.answer.ranking`) and returned verbatim with `[n]`
  markers, each a `Citation` of the exact span; a question asking two things is answered
  part by part.

Before any sentence is picked, `bot.answer.evidence` decides whether the archive holds evidence at
all; when it does not, the answer says so (`found=False`, no citations) instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import replace

from bot.answer.citing import cite, quote_span, shown
from bot.answer.question import (
    Question,
    analyse,
    content_words,
    is_follow_up,
    question_parts,
    spell_out,
    substitute_person,
)
from bot.answer.ranking import (
    Candidate,
    answers_question,
    contradicts,
    gives_what_was_asked,
    naming,
    newest_first,
    overlaps,
    rank,
    select,
    story_coverage,
    tells_the_story,
    with_reason,
)
from bot.answer.router import Routed, Router
from bot.answer.said import SpeechAnswerer
from bot.answer.stating import Cited, stated_answer
from bot.answer.types import Answer, Citation, Conversation, Turn
from bot.answer.wording import human_date, render
from bot.settings import AnswerSettings
from retrieval.embedding.encoder import Embedder
from retrieval.search import Searcher
from retrieval.text.sentences import body_sentence_spans
from retrieval.types import Hit, SearchFilters, SentenceHit, StoredArticle

MORE_SOURCES = 5
PER_PART = 2  # sentences cited for each part of a two-part question


class ExtractiveAnswerer:
    """Answers from the archive's own sentences; needs no language model."""

    name = "extractive"

    def __init__(self, settings: AnswerSettings, searcher: Searcher, embedder: Embedder) -> None:
        self.settings = settings
        self.searcher = searcher
        self.speech = SpeechAnswerer(settings, searcher, embedder)
        self.router = Router(settings, searcher, self.speech)

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        filters: SearchFilters | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question`; `on_token` is accepted for parity with streaming answerers."""
        spelled = spell_out(question, self.in_archive)
        parsed, standalone, previous = self.understand(spelled, conversation)
        if previous and parsed.asks_when and previous.answer.citations:
            return self._when_follow_up(question, standalone, previous.answer)
        parts = question_parts(standalone)
        routes = self.route_parts(parts, filters) if parts else None
        answered = self.answer_parts(question, standalone, routes) if routes else None
        if answered is not None:
            return answered
        routed = self.router.route(question, parsed, standalone, filters)
        return routed.spoken or self.compose(question, standalone, routed)

    def route_parts(
        self, parts: tuple[str, str], filters: SearchFilters | None
    ) -> list[tuple[str, Routed]] | None:
        """ "How much is Redstone paying for Viacom and how much is BankAmerica putting up?":
        each part routed on its own, the second read with the first (for whom "it" means);
        None when a part is someone's words: the whole question then goes the usual way."""
        first, second = parts
        routes = []
        for text, context in ((first, ""), (second, content_words(first))):
            parsed = analyse(text)
            if context:
                earlier = analyse(context)
                parsed = replace(parsed, terms=tuple(dict.fromkeys(parsed.terms + earlier.terms)))
                text = f"{text} ({context})"
            routed = self.router.route(text, parsed, text, filters)
            if routed.spoken is not None:
                return None
            routes.append((text, routed))
        return routes

    def answer_parts(
        self, question: str, standalone: str, routes: list[tuple[str, Routed]]
    ) -> Answer | None:
        """Each part's best sentences together; None when a part finds nothing (half an
        answer may be about another story: the whole question then goes the usual way)."""
        chosen: list[Candidate] = []
        extra: list[Candidate] = []
        for text, routed in routes:
            mine, more = self.choose(text, routed)
            if not mine:
                return None
            chosen += [c for c in mine[:PER_PART] if not overlaps(c, chosen)]
            extra += more + mine[PER_PART:]
        extra = [c for c in extra if not overlaps(c, chosen)]
        return self.render(question, standalone, chosen, extra)

    def understand(
        self, question: str, conversation: Conversation | None
    ) -> tuple[Question, str, Turn | None]:
        """Resolve a follow-up against the previous turn; returns (analysis, standalone, turn).

        "And what did he say about trusting the Taliban?" after a question about Asif becomes
        "And what did Khawaja Asif say about trusting the Taliban?": the person is the one the
        previous answer quoted, so the follow-up is answered with that person's words only.
        """
        parsed = analyse(question)
        previous = conversation.last if conversation else None
        if not previous or not is_follow_up(parsed):
            return parsed, question, None
        earlier_text = previous.answer.standalone_question or previous.question
        earlier = analyse(earlier_text)
        person = _person_of(earlier, previous.answer)
        if person and parsed.asks_speech:
            standalone = substitute_person(question, person)
            resolved = analyse(standalone)
            if resolved.asks_person and parsed.terms:
                return resolved, standalone, previous  # a new topic for the same person
            topic = resolved.topic or earlier.topic
            merged = replace(resolved, person_names=(person,), topic=topic,
                             terms=tuple(dict.fromkeys(parsed.terms + earlier.terms)))  # fmt: skip
            return merged, standalone, previous
        standalone = substitute_person(question, person) if person else question
        standalone = f"{standalone} ({earlier_text})"
        merged = replace(
            parsed,
            terms=tuple(dict.fromkeys(parsed.terms + earlier.terms)),
            person_names=earlier.person_names,
            topic=earlier.topic,
            asks_speech=parsed.asks_speech or earlier.asks_speech,
        )
        return merged, standalone, previous

    def compose(self, question: str, standalone: str, routed: Routed) -> Answer:
        """Pick the answering sentences from the passages found, or say there are none."""
        chosen, extra = self.choose(standalone, routed)
        if not chosen:
            return routed.refusal or self.no_evidence(question, standalone)
        return self.render(question, standalone, chosen, extra, routed.parsed)

    def choose(self, standalone: str, routed: Routed) -> tuple[list[Candidate], list[Candidate]]:
        """The sentences that answer the routed question (none: the archive does not), and
        the next best ("more sources")."""
        chosen: list[Candidate] = []
        extra: list[Candidate] = []
        if routed.evidence.found:
            best = routed.evidence.best_similarity
            candidates = self._candidates(
                routed.searched or standalone, routed.hits, routed.sentences
            )
            if self._judged_by_sentence(routed):
                weights = self._archive_weights(routed.parsed)
                candidates = [replace(c, story=story_coverage(c, weights)) for c in candidates]
                candidates = [c for c in candidates if tells_the_story(c)]
            if routed.asked:
                candidates = naming(candidates, routed.asked)
            floor = self.settings.min_relevance
            ranked = rank(candidates, routed.parsed, best, floor, by_words=bool(routed.asked))
            if routed.parsed.asks_latest:
                ranked = newest_first(ranked)
            chosen, extra = select(ranked, self.settings.max_citations)
            chosen = with_reason(chosen, candidates, routed.parsed)
            extra = [c for c in extra if not overlaps(c, chosen)]
            false_premise = bool(chosen) and contradicts(chosen[0], routed.parsed)
            answering = [c for c in chosen if gives_what_was_asked(c, routed.parsed)]
            answered = any(map(answers_question, answering)) and not false_premise
            if not answered and self._judged_by_sentence(routed):
                chosen, extra = [], []  # close passages, but no sentence answers the question
        return chosen, extra

    def render(
        self,
        question: str,
        standalone: str,
        chosen: list[Candidate],
        extra: list[Candidate],
        parsed: Question | None = None,
    ) -> Answer:
        """The answer: what was asked for first when a cited sentence states it ("Nine
        children [1]"), then each chosen sentence verbatim with its [n]; the next best as
        more."""
        citations = [_citation(n, c) for n, c in enumerate(chosen, start=1)]
        more = [_citation(n, c) for n, c in enumerate(extra[:MORE_SOURCES], start=len(chosen) + 1)]
        lines = [
            render("answer_line", sentence=shown(cit.quote, c.quote), n=cit.n)
            for c, cit in zip(chosen, citations, strict=True)
        ]
        first = Cited(chosen[0].article, chosen[0].start, chosen[0].end) if chosen else None
        stated = stated_answer(first, parsed) if first and parsed else None
        if stated is not None:
            lines.insert(0, render("stated_line", answer=stated, n=1))
        return Answer(question, "\n".join(lines), True, tuple(citations), standalone, tuple(more))

    def _archive_weights(self, question: Question) -> dict[str, float]:
        """Each question word's weight by how rare it is in the archive (idf over chunks);
        words no chunk holds are left to the unknown-word test (`bot.answer.evidence`)."""
        chunks = self.searcher.chunk_count()
        frequency = {term: self.searcher.document_frequency(term) for term in question.terms}
        return {t: math.log(1 + chunks / (1 + f)) for t, f in frequency.items() if f > 0}

    def in_archive(self, word: str) -> bool:
        """Does any article hold this word (a short form is spelled out only if none does)?"""
        return self.searcher.document_frequency(word) > 0

    @staticmethod
    def _judged_by_sentence(routed: Routed) -> bool:
        """Whether the cited sentences must answer the question on their own: not when the
        store has no sentence vectors (written before them), nor for someone's words
        ("what did officials say…"), which a quotation answers however far its wording."""
        return bool(routed.sentences) and not routed.parsed.asks_speech

    def no_evidence(self, question: str, standalone: str | None = None) -> Answer:
        articles = self.searcher.article_count()
        text = render("no_evidence", articles=articles) if articles else render("empty_archive")
        return Answer(question, text, False, (), standalone)

    def _when_follow_up(self, question: str, standalone: str, previous: Answer) -> Answer:
        """ "When did he say it?": the dates of the articles the previous answer quoted."""
        seen: dict[tuple[str, dt.date | None], Citation] = {}
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

    def _candidates(
        self, query: str, hits: list[Hit], sentences: list[SentenceHit]
    ) -> list[Candidate]:
        """Every sentence of the retrieved passages, then the sentences found by their own
        vectors, each once, with its quote-index entry and its own closeness to the question
        (read by id for the passages' sentences the nearest-sentence search did not reach)."""
        wanted = [h.chunk.article_id for h in hits] + [s.article_id for s in sentences]
        if not wanted:
            return []
        articles = self.searcher.articles(wanted)
        in_articles = self.searcher.quote_ids_in(list(articles))
        quotes = {(q.article_id, q.start): q for q in self.searcher.quotes(in_articles)}
        spans_of = {
            article_id: body_sentence_spans(article.text, article.paragraphs)
            for article_id, article in articles.items()
        }  # once per article, however many passages and sentences it gave
        in_passages = [  # (article, sentence index, its start, the passage holding it)
            (article, index, start, hit)
            for hit in hits
            if (article := articles.get(hit.chunk.article_id)) is not None  # else removed
            for index, (start, _) in enumerate(spans_of[article.id])
            if hit.chunk.char_start <= start < hit.chunk.char_end
        ]
        closeness = {(s.article_id, s.start): s.similarity for s in sentences}
        if sentences:  # a store with sentence vectors: the passages' sentences are read too
            unread = [
                (article.id, article.content_hash, start)
                for article, _, start, _ in in_passages
                if (article.id, start) not in closeness
            ]
            closeness |= self.searcher.sentence_similarities(query, unread)
        top_score = hits[0].score if hits else 1.0
        seen: set[tuple[str, int]] = set()
        candidates: list[Candidate] = []

        def add(article: StoredArticle, index: int, passage: str, score: float) -> None:
            spans = spans_of[article.id]
            start = spans[index][0]
            if (article.id, start) in seen:
                return
            seen.add((article.id, start))
            begin, end = quote_span(article.text, spans, index)
            similarity = closeness.get((article.id, start), 0.0)
            quote = quotes.get((article.id, start))
            candidates.append(Candidate(article, begin, end, quote, passage, score, similarity))

        for article, index, _, hit in in_passages:
            add(article, index, hit.chunk.text, hit.score / top_score)
        for sentence in sentences:
            article = articles.get(sentence.article_id)
            if article is None:
                continue
            spans = spans_of[article.id]
            index = bisect_left(spans, (sentence.start, -1))
            if index < len(spans) and spans[index][0] == sentence.start:
                add(article, index, "", 0.0)
        return candidates


def _person_of(earlier: Question, answer: Answer) -> str | None:
    """The person a follow-up's pronoun means: whom the previous answer quoted, by the
    archive's full name, else the name the previous question used."""
    if earlier.person_names:
        quoted = [c.speaker for c in answer.citations if c.speaker]
        return quoted[0] if quoted else earlier.person_names[0]
    return next((c.speaker for c in answer.citations if c.speaker), None)


def _citation(n: int, candidate: Candidate) -> Citation:
    quote = candidate.quote
    speaker = quote.speaker.name if quote is not None and quote.speaker is not None else None
    return cite(n, candidate.article, candidate.start, candidate.end, speaker)
