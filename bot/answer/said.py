""" "What did X say about Y?" — answered only with X's own words, or not at all.

Three steps, each on the quote index built at ingest (`retrieval.ingest.quotes`):

1. **Resolve the person.** The name as asked ("Asif", "Mr Asif", "Khawaja Asif", "the
   Bundesbank") is matched against the speakers the archive quotes. No match: the answer
   says so by name, offering the closest names (typos, spelling variants).
2. **Rank their quotes.** X's quotes are gathered where hybrid search found passages about Y,
   and by the quote's own similarity to Y. A quote rarely repeats its topic's words, so the
   rank weighs the relevance of the passage and the article it stands in together with the
   quote's similarity (`W_*` below). A quote is *about Y* when its article covers Y's words,
   or when it is itself close to Y; if none is, X "is quoted, but never about Y", and X's
   nearest quotes are offered as more sources, not as the answer.
3. **Cite.** Each quote is cited as it stands, its speaker named from the index for that
   very span.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bot.answer.citing import cite, shown, story_terms, terms, whole_quotation
from bot.answer.evidence import absent_topic
from bot.answer.linking import (
    AT_HEAD,
    Link,
    Mention,
    Word,
    as_linked,
    asked_at_slot,
    best,
    candidates,
    ngrams,
    place_score,
    role_phrases,
    spoken_for,
    surname_of_someone_else,
    topic_after,
    typed_lower_case,
    words_of,
)
from bot.answer.question import STOPWORDS, Question, analyse, asks_words_plainly, without_person
from bot.answer.stating import Cited, stated_answer
from bot.answer.types import Answer, Citation
from bot.answer.wording import name_list, render
from bot.settings import AnswerSettings
from retrieval.embedding.encoder import Embedder, is_common_word
from retrieval.search import Searcher
from retrieval.text.names import body_key, closest_names, matches, name_key, one_edit_from
from retrieval.text.words import tokenize
from retrieval.types import Hit, SearchFilters, Speaker, StoredQuote

# Ranking weights (score = Σ weight × feature, features in [0, 1]). `python -m bench.answers
# --tune` varies each alone on the Reuters development set (103 answerable and 38
# unanswerable questions about a person; as set: 96 answered, 38 refused):
W_SIMILARITY = 1.0  # the quote's own cosine to the topic; 0 to 1.5×: no change on the set
W_PASSAGE = 0.4  # the quote stands in a passage search ranked for the topic; no change
W_ARTICLE = 0.2  # ... or at least in an article search found; no change
W_TOPIC_IN_ARTICLE = 0.6  # the article covers the topic's words: at 0, 95 answered
W_TOPIC_IN_QUOTE = 0.3  # the quote itself names the topic: at 0, 93 answered
TOPIC_COVERAGE_ON_TOPIC = 0.5  # share of the topic's words its article must hold: at 0.25,
#                                37 refused; at 0, 14; 0.5–0.75 refuse all 38
SIMILARITY_ON_TOPIC = 0.55  # … unless the quote itself is this close: at 0.28, 36 refused
KEEP_WITHIN = 0.75  # cite quotes scoring at least this share of the best one
NEAREST_QUOTES = 40  # X's quotes fetched by similarity to the topic
MORE_SOURCES = 5


@dataclass(frozen=True)
class QuoteList:
    """A person's quotes as cited passages, or why there are none."""

    name: str
    speakers: list[Speaker]
    citations: list[Citation]
    problem: str | None  # e.g. "No article in the archive quotes X. Did you mean Y?"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "speakers": [s.name for s in self.speakers],
            "found": self.problem is None,
            "problem": self.problem,
            "quotes": [c.to_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class RankedQuote:
    quote: StoredQuote
    score: float
    on_topic: bool
    similarity: float
    names_topic: bool  # the quote itself holds words of the topic

    @property
    def itself_about(self) -> bool:
        """About the topic by its own words or meaning, not only by its article's."""
        return self.names_topic or self.similarity >= SIMILARITY_ON_TOPIC


@dataclass(frozen=True)
class SpeechRoute:
    """Where a question about a person's words led: their answer (None: not a question
    the quote index answers), the question read with the person, and whether the archive
    quotes that person at all (a refusal about someone it quotes is final; about a name
    it does not know, passages may still answer)."""

    answer: Answer | None
    question: Question
    asked: str = ""  # the name as the question wrote it
    speakers: tuple[Speaker, ...] = ()  # whom the archive quotes by that name: none, unknown

    @property
    def speaker_known(self) -> bool:
        return bool(self.speakers)


class SpeechAnswerer:
    """Answers what a named person said, from the quote index only."""

    def __init__(self, settings: AnswerSettings, searcher: Searcher, embedder: Embedder) -> None:
        self.settings = settings
        self.searcher = searcher
        self.embedder = embedder

    def answer(
        self,
        question: str,
        parsed: Question,
        standalone: str,
        filters: SearchFilters | None = None,
        link: Link | None = None,
    ) -> Answer | None:
        """X's words about Y; None when X is no one the archive could quote (a common noun
        such as "officials"), so the general answerer takes the question. `link` is X as
        `link` found them among the archive's speakers (else the name asked is resolved)."""
        asked = parsed.person_names[0]
        speakers = list(link.speakers) if link else self.resolve(asked)
        if not speakers:
            if _names_no_person(asked) and not self._unknown_to_archive(asked):
                return None  # "officials", "the UN": the passages may still say what they said
            return self.not_quoted(question, standalone, asked)
        absent = absent_topic(parsed, self.searcher) if parsed.topic else []
        if absent:
            words = ", ".join(f"“{w}”" for w in absent)
            return Answer(question, render("unknown_topic", words=words), False, (), standalone)
        ranked = self.rank(parsed, speakers, filters)
        name = _display(speakers, asked)
        note = render("read_as", asked=asked, name=name) if link and link.read_as else None
        on_topic = [r for r in ranked if r.on_topic]
        if not on_topic:
            more = [c for _, c in self._cite([r.quote for r in ranked[:MORE_SOURCES]], start=1)]
            if not ranked:
                text = render("quoted_not_in_range", name=name)
            else:
                text = render("quoted_not_about", name=name, topic=parsed.topic or "that")
            return Answer(question, text, False, (), standalone, tuple(more), note)
        chosen = _select(on_topic, self.settings.max_citations)
        cited = self._cite([r.quote for r in chosen], start=1)
        rest = [r.quote for r in ranked if r not in chosen][: MORE_SOURCES * 2]
        more = [c for _, c in self._cite(rest, start=len(cited) + 1, after=cited)][:MORE_SOURCES]
        lines = [render("answer_line", sentence=shown(c.quote, quote), n=c.n) for quote, c in cited]
        stated = self._stated([c for _, c in cited], parsed)
        if stated is not None:
            lines.insert(0, render("stated_line", answer=stated, n=1))
        citations = tuple(c for _, c in cited)
        return Answer(question, "\n".join(lines), True, citations, standalone, tuple(more), note)

    def _stated(self, citations: list[Citation], parsed: Question) -> str | None:
        """ "When did Asif warn…?": the day his quotation gives, read out first."""
        if not parsed.answer_types or not citations:
            return None
        first = citations[0]  # the line is read out of the best quotation only
        article = self.searcher.articles([first.article_id]).get(first.article_id)
        start = article.text.find(first.quote) if article else -1
        if start < 0:
            return None
        return stated_answer(Cited(article, start, start + len(first.quote)), parsed)

    def route(
        self, question: str, parsed: Question, standalone: str, filters: SearchFilters | None
    ) -> SpeechRoute:
        """The one routing of questions about a person, shared by both answerers: X's
        answer (None: search passages), the question read with X, and whether the archive
        quotes X at all.

        X is whoever the question's words name among the archive's speakers (`link`); a
        name the archive does not know is answered "no article quotes X", unless it is no
        one's name ("officials"): then the question is read as one about no one.
        """
        about_words = parsed.asks_speech and (
            not parsed.answer_types or asks_words_plainly(parsed.text)
        )
        link = self.link(parsed) if about_words else None
        if link is not None and not link.speakers:
            refusal = self.not_quoted(question, standalone, link.asked)
            return SpeechRoute(refusal, parsed, link.asked)
        if link is not None:
            linked = as_linked(parsed, link)
            spoken = self.answer(question, linked, standalone, filters, link)
            return SpeechRoute(spoken, linked, link.asked, link.speakers)
        if not parsed.asks_person:
            return SpeechRoute(None, parsed)
        spoken = self.answer(question, parsed, standalone, filters)
        if spoken is None:
            return SpeechRoute(None, without_person(parsed))
        asked = parsed.person_names[0]
        return SpeechRoute(spoken, parsed, asked, tuple(self.resolve(asked)))

    def link(self, question: Question) -> Link | None:
        """The archive's speakers the question asks about, found by looking its words up
        (`bot.answer.linking`); None when it names none of them."""
        words = words_of(question.text)
        runs = ngrams(words)
        keys = {key for *_, run in runs for key in (name_key(run), body_key(run)) if key}
        named = self.searcher.speakers_named(keys)
        phrases = role_phrases(words) + spoken_for(question.text, words)
        roles = self.searcher.role_holders([phrase for *_, phrase in phrases])
        mention = best(candidates(words, named, roles, question.text))
        if mention is not None and self._someone_else_at_slot(words, mention):
            return Link(asked_at_slot(words) or "", (), "unknown", "")
        if mention is None:
            typo = self._typo(question, words, runs)
            if typo is not None:
                return typo
            unknown = surname_of_someone_else(words, named) or asked_at_slot(words)
            if unknown and self._names_someone(unknown):
                return Link(unknown, (), "unknown", "")  # answered "no article quotes"
            return None
        topic = topic_after(question.text, words, mention)
        return Link(mention.text, mention.speakers, mention.how, topic)

    def _someone_else_at_slot(self, words: list[Word], mention: Mention) -> bool:
        """ "What did Pakistan expect from the Taliban?" asks about Pakistan, whom the archive
        does not quote, not about the Taliban it does: a known speaker standing nowhere a
        question puts its person loses to an unknown name standing there."""
        if place_score(words, mention.first, mention.last, typed_lower_case(words)) >= AT_HEAD:
            return False
        slot = asked_at_slot(words)
        return bool(slot) and mention.text not in slot and self._names_someone(slot)

    def _typo(
        self, question: Question, words: list[Word], runs: list[tuple[int, int, str]]
    ) -> Link | None:
        """A capitalised name one edit away from exactly one quoted speaker ("Khawja Asif")
        is read as that speaker, and the answer says so."""
        if not question.person_names:
            return None
        asked = question.person_names[0]
        near = one_edit_from(asked, self.speakers())
        if len({s.surname if " " not in name_key(asked) else s.key for s in near}) != 1:
            return None  # no name, or several: "did you mean" offers them
        spans = [(f, la) for f, la, run in runs if run == asked]
        if not spans:
            return None
        first, last = spans[0]
        mention = Mention(first, last, asked, "typo", tuple(near))
        topic = topic_after(question.text, words, mention)
        return Link(asked, tuple(near), "typo", topic, read_as=near[0].name)

    def speakers(self) -> list[Speaker]:
        """Every quoted speaker (typos, "did you mean")."""
        return self.searcher.all_speakers()

    def _names_someone(self, words: str) -> bool:
        """Words at the person's place that are a name: capitalised ("Elon Musk"), words
        no article holds ("vladimir putin"), or no ordinary English ("dormann" typed in
        lower case); not "officials", "the company"."""
        if not _names_no_person(words) or self._unknown_to_archive(words):
            return True
        typed = [w for w in tokenize(words) if w not in STOPWORDS]
        return bool(typed) and not any(is_common_word(w) for w in typed)

    def _unknown_to_archive(self, asked: str) -> bool:
        """Every word of the name is one no article holds: "jerome powell" typed in lower
        case is still a person the archive never quotes, not a topic to search."""
        words = [w for w in tokenize(asked) if w not in STOPWORDS]
        return bool(words) and all(self.searcher.document_frequency(w) == 0 for w in words)

    def quotes_of(
        self, asked: str, about: str | None = None, filters: SearchFilters | None = None
    ) -> QuoteList:
        """`newsdesk quotes NAME [--about TOPIC]`: the person's quotes in date order, each
        cited (only those about TOPIC, when given)."""
        speakers = self.resolve(asked)
        if not speakers:
            return QuoteList(asked, [], [], self.not_quoted(asked, asked, asked).text)
        if about:
            parsed = analyse(f"What did {asked} say about {about}?")
            ranked = self.rank(parsed, speakers, filters)
            quotes = [r.quote for r in ranked if r.on_topic and r.itself_about]
        else:
            ids = self.searcher.quote_ids_of([s.key for s in speakers], filters)
            quotes = self.searcher.quotes(ids)
        quotes.sort(key=lambda q: (q.published or dt.date.min, q.article_id, q.start))
        cited = self._cite(quotes, start=1)
        return QuoteList(_display(speakers, asked), speakers, [c for _, c in cited], None)

    # -- 1. resolve ---------------------------------------------------------------------
    def resolve(self, asked: str) -> list[Speaker]:
        """The archive's speakers the name as asked means (a surname may mean several)."""
        keys = [key for key in {name_key(asked), body_key(asked)} if key]
        if not keys:
            return []
        return [s for s in self.searcher.speakers_named(keys) if matches(asked, s)]

    def not_quoted(self, question: str, standalone: str, asked: str) -> Answer:
        near = closest_names(asked, self.speaker_names())
        text = render("not_quoted", name=asked.removeprefix("the ").strip())
        if near:
            text += " " + render("did_you_mean", names=name_list(near))
        return Answer(question, text, False, (), standalone)

    def speaker_names(self) -> list[str]:
        """Every quoted speaker's name (for "did you mean")."""
        return sorted({speaker.name for speaker in self.speakers()})

    # -- 2. rank ------------------------------------------------------------------------
    def rank(
        self,
        parsed: Question,
        speakers: list[Speaker],
        filters: SearchFilters | None,
        also: Iterable[StoredQuote] = (),
    ) -> list[RankedQuote]:
        """X's quotes about the topic, best first; `also` are ranked with them (a follow's
        new quotes: judged as an answer asked now would judge them)."""
        topic = parsed.topic or parsed.text
        vector = self.embedder.embed_query(topic)
        hits = self.searcher.search(topic, self.settings.top_k * 2, filters)
        quotes = self._gather(speakers, hits, vector, filters)
        known = {q.id for q in quotes}
        quotes += [q for q in also if q.id not in known]
        if not quotes:
            return []
        articles = self.searcher.articles({q.article_id for q in quotes})
        similarity = self._similarities(quotes, vector)
        article_terms = {  # the headline is the article's topic too: quotes rarely repeat it
            aid: story_terms(article) for aid, article in articles.items()
        }
        weights = _idf(parsed.terms, article_terms.values())
        ranked = [
            _score(q, similarity[q.id], hits, article_terms[q.article_id], weights, parsed)
            for q in quotes
            if q.article_id in articles
        ]
        # ties (the same words in two stories) in a fixed order, not the index's
        return sorted(ranked, key=lambda r: (-r.score, r.quote.article_id, r.quote.start))

    def _gather(
        self,
        speakers: list[Speaker],
        hits: list[Hit],
        vector: np.ndarray,
        filters: SearchFilters | None,
    ) -> list[StoredQuote]:
        keys = [s.key for s in speakers]
        nearest = self.searcher.nearest_quotes_of(keys, vector, NEAREST_QUOTES, filters)
        found = {q.id: q for q in nearest}
        hit_articles = list({h.chunk.article_id for h in hits})
        in_hits = self.searcher.quote_ids_in(hit_articles, keys, filters)
        for quote in self.searcher.quotes(i for i in in_hits if i not in found):
            found[quote.id] = quote
        return list(found.values())

    def _similarities(self, quotes: list[StoredQuote], vector: np.ndarray) -> dict[str, float]:
        known = {q.id: q.similarity for q in quotes if q.similarity is not None}
        missing = [q.id for q in quotes if q.similarity is None]
        for quote_id, quote_vector in self.searcher.quote_vectors(missing).items():
            known[quote_id] = float(np.dot(quote_vector, vector))
        return known

    # -- 3. cite ------------------------------------------------------------------------
    def cited(self, quotes: list[StoredQuote]) -> list[tuple[StoredQuote, Citation]]:
        """Each quote cited as answers cite it (its whole quotation), numbered from 1."""
        return self._cite(quotes, start=1)

    def _cite(
        self,
        quotes: list[StoredQuote],
        start: int,
        after: list[tuple[StoredQuote, Citation]] = (),
    ) -> list[tuple[StoredQuote, Citation]]:
        """Citations of whole quotations, numbered from `start`; one quotation is cited once
        (two sentences of it, or a quotation already cited `after`, are not repeated)."""
        articles = self.searcher.articles({q.article_id for q in quotes})
        taken = [(c.article_id, q.start, q.end) for q, c in after]
        seen_words = {" ".join(c.quote.split()) for _, c in after}
        cited: list[tuple[StoredQuote, Citation]] = []
        for quote in quotes:
            article = articles.get(quote.article_id)
            if article is None:
                continue
            begin, end = whole_quotation(article, quote.start, quote.end)
            if any(a == article.id and s < end and begin < e for a, s, e in taken):
                continue
            words = " ".join(article.text[begin:end].split())
            if words in seen_words:
                continue  # the same words in another article (a wire story run twice)
            seen_words.add(words)
            taken.append((article.id, begin, end))
            speaker = quote.speaker.name if quote.speaker else None
            citation = cite(start + len(cited), article, begin, end, speaker)
            cited.append((quote, citation))
        return cited


def _names_no_person(asked: str) -> bool:
    """ "officials", "the UN", "the company": not a person's name. When the archive quotes
    no speaker of that name, the question is read as one about no one (and never answered
    with someone else's words *as theirs*: every quote keeps its own speaker's label)."""
    words = asked.split()
    if not any(word[:1].isupper() for word in words):
        return True
    return words[0].lower() == "the" or (len(words) == 1 and words[0].isupper())


def _display(speakers: list[Speaker], asked: str) -> str:
    """The name to answer with: the archive's full name when the name asked means one."""
    names = sorted({s.name for s in speakers})
    return names[0] if len(names) == 1 else asked


def _idf(topic: tuple[str, ...], article_terms: Iterable[set[str]]) -> dict[str, float]:
    """Rarer topic words weigh more: "Tora" tells more than "talks" which articles are about."""
    texts = list(article_terms)
    return {
        term: math.log(1 + (1 + len(texts)) / (1 + sum(term in t for t in texts))) for term in topic
    }


def _coverage(text_terms: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for term, w in weights.items() if term in text_terms) / total


def _score(
    quote: StoredQuote,
    similarity: float,
    hits: list[Hit],
    article_terms: set[str] | None,
    weights: dict[str, float],
    parsed: Question,
) -> RankedQuote:
    top = hits[0].score if hits else 1.0
    same_article = [h for h in hits if h.chunk.article_id == quote.article_id]
    passage = max(
        (
            h.score / top
            for h in same_article
            if h.chunk.char_start < quote.end and quote.start < h.chunk.char_end
        ),
        default=0.0,
    )
    article_score = max((h.score / top for h in same_article), default=0.0)
    in_article = _coverage(article_terms, weights) if article_terms else 0.0
    in_quote = _coverage(terms(quote.text), weights)
    score = (
        W_SIMILARITY * similarity
        + W_PASSAGE * passage
        + W_ARTICLE * article_score
        + W_TOPIC_IN_ARTICLE * in_article
        + W_TOPIC_IN_QUOTE * in_quote
    )
    on_topic = (
        not parsed.terms
        or in_article >= TOPIC_COVERAGE_ON_TOPIC
        or similarity >= SIMILARITY_ON_TOPIC
    )
    return RankedQuote(quote, score, on_topic, similarity, in_quote > 0)


def _select(ranked: list[RankedQuote], limit: int) -> list[RankedQuote]:
    """The best quotes within `KEEP_WITHIN` of the best score, one per quotation."""
    chosen: list[RankedQuote] = []
    best = ranked[0].score
    floor = best - (1 - KEEP_WITHIN) * abs(best)  # KEEP_WITHIN × best, for any sign of best
    for item in ranked:
        if len(chosen) == limit or (chosen and item.score < floor):
            break
        near = any(
            c.quote.article_id == item.quote.article_id
            and abs(c.quote.start - item.quote.start) < 1
            for c in chosen
        )
        if not near:
            chosen.append(item)
    return chosen
