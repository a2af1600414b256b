"""What newly written articles hold for each follow: read from the store's change log.

Whichever process wrote the articles (a refresh, `newsdesk watch`, a feed poll, another
host), each published version is in the change log with its stamp; every replica reads the
log from the shared cursor and judges what arrived as an answer would:

- a person's follow takes the new quotes the quote index gives that speaker (the index
  attributed them at ingest, so this is the answers' own attribution) whose words the
  archive did not already quote them saying; with a topic, only those the speech
  answerer's ranking judges on the topic were the question asked now;
- a topic's follow takes, per new article, its sentence closest to the topic (one naming
  it first) when the article is news on it (`_accepts`): a name as written, or the topic's
  words in the headline, in one sentence at the evidence judge's floor, or a sentence very
  close to it; never with a word of the topic unknown to the archive and the article.

A match names its item by the speaker and the quotation's words (or the passage's), so the
same words arriving again — a re-ingest, a correction elsewhere in the article, the wire
story run twice — match nothing new.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from bot.answer.citing import cite, terms, whole_quotation
from bot.answer.evidence import SENTENCE_FLOOR, absent_topic
from bot.answer.question import Question, analyse
from bot.answer.said import (
    SIMILARITY_ON_TOPIC,
    W_TOPIC_IN_QUOTE,
    SpeechAnswerer,
)
from bot.answer.types import Citation
from bot.follows.book import Follow, FollowBook, Match
from bot.settings import AnswerSettings
from retrieval.embedding.encoder import Embedder
from retrieval.search import Searcher
from retrieval.text.names import matches, name_key
from retrieval.text.words import tokenize
from retrieval.types import PERSON, SentenceHit, StoredArticle, StoredQuote

CHANGE_SLACK_S = 60.0  # re-read this far behind the cursor: a write stamped just before a
#                        reader read past it, clock skew between hosts (as the indexes do)
BODIES = "\0\0bodies"  # `_by_speaker`'s key for the quotes of organisations and places
VERSIONS_PER_ROUND = 200  # articles judged at once: a big refresh is read in slices
_QUOTE_MARKS = str.maketrans("", "", "\"“”‘’'«»")


class FollowMatcher:
    """Turns the change log's new article versions into matches of the active follows."""

    def __init__(
        self,
        book: FollowBook,
        settings: AnswerSettings,
        searcher: Searcher,
        speech: SpeechAnswerer,
        embedder: Embedder,
    ) -> None:
        self.book = book
        self.settings = settings
        self.searcher = searcher
        self.speech = speech
        self.embedder = embedder
        self._topic_vectors: dict[str, np.ndarray] = {}
        self._judged: dict[tuple[str, str], float] = {}  # (article, version) → its stamp

    def scan(self) -> int:
        """Read what was written since the shared cursor; keep new matches. How many.

        The last `CHANGE_SLACK_S` are read again each round (a change logged late); the
        versions this process already judged against every listed follow are skipped."""
        listed_at = time.time()
        follows = self.book.listed()
        if not follows:
            self.book.advance(listed_at)  # a follow made later reads from its own start
            return 0
        earliest = min(f.created_at for f in follows)
        start = max(self.book.cursor(default=earliest), earliest) - CHANGE_SLACK_S
        changes = self.searcher.changes_since(start)
        self._judged = {v: at for v, at in self._judged.items() if at >= start}
        fresh = [  # published after the oldest follow was made, and not judged here yet
            c
            for c in changes
            if c.content_hash
            and c.changed_at >= earliest
            and (c.article_id, c.content_hash) not in self._judged
        ]
        written = {c.article_id: c.changed_at for c in fresh}
        versions = {c.article_id: c.content_hash for c in fresh}
        found = 0
        ids = list(versions)
        with self.searcher.pinned():  # one sync of the indexes for the whole round
            for begin in range(0, len(ids), VERSIONS_PER_ROUND):
                part = {i: versions[i] for i in ids[begin : begin + VERSIONS_PER_ROUND]}
                found += self.book.record(self.match(follows, part, written))
        # judged against every follow listed: a follow made since may still need them
        self._judged.update(((c.article_id, c.content_hash), c.changed_at) for c in fresh
                            if c.changed_at < listed_at)  # fmt: skip
        if changes:
            self.book.advance(max(c.changed_at for c in changes))
        return found

    def match(
        self, follows: list[Follow], versions: dict[str, str], written: dict[str, float]
    ) -> list[Match]:
        """The matches of these follows in these article versions (each only in articles
        written after the follow was made)."""
        people = [f for f in follows if f.kind == "person"]
        topics = [f for f in follows if f.kind == "topic"]
        found: list[Match] = []
        if people:
            read = self.searcher.quotes_of_versions(versions)
            quotes = _by_speaker(read)
            earlier: dict[str, set[str]] = {}  # speaker key → words quoted before this round

            def new_words(quote: StoredQuote) -> bool:
                key = quote.speaker.key
                if key not in earlier:
                    earlier[key] = self._said_before(key, versions)
                return _words(quote.text) not in earlier[key]

            for follow in people:
                theirs = [
                    q
                    for q in _followed(follow, quotes)
                    if written[q.article_id] >= follow.created_at and new_words(q)
                ]
                found += self._quotes_for(follow, theirs, written)
        if topics:
            sentences = self.searcher.sentences_of(versions)
            if sentences:
                hits = [hit for hit, _ in sentences]
                vectors = np.stack([vector for _, vector in sentences])  # once, for every topic
                articles = self.searcher.articles({hit.article_id for hit in hits})
                for follow in topics:
                    found += self._passages_for(follow, hits, vectors, articles, written)
        return found

    # -- a person ---------------------------------------------------------------------------
    def _quotes_for(
        self, follow: Follow, quotes: list[StoredQuote], written: dict[str, float]
    ) -> list[Match]:
        theirs = quotes
        if theirs and follow.about:
            theirs = self._on_topic(follow, theirs)
        now = time.time()
        return [
            _match(follow, f"{quote.speaker.key}\0{_words(citation.quote)}", citation,
                   written[quote.article_id], now, speaker=quote.speaker.name)
            for quote, citation in self.speech.cited(theirs)
        ]  # fmt: skip

    def _said_before(self, speaker_key: str, new: dict[str, str]) -> set[str]:
        """The words this speaker was quoted saying in the articles the archive held before
        this round: the same words again (the wire story run again, a correction filed as a
        new story) are not news."""
        ids = self.searcher.quote_ids_of([speaker_key], None)
        return {_words(q.text) for q in self.searcher.quotes(ids) if q.article_id not in new}

    def _on_topic(self, follow: Follow, quotes: list[StoredQuote]) -> list[StoredQuote]:
        """The quotes `newsdesk quotes X --about Y` would list, were it asked now: on the
        topic by the said ranking (ranked with the speaker's earlier quotes) and about it in
        their own words or meaning — not only standing in a story that mentions it."""
        parsed = analyse(f"What did {follow.asked} say about {follow.about}?")
        speakers = {q.speaker.key: q.speaker for q in quotes if q.speaker}
        new = {q.id for q in quotes}
        ranked = self.speech.rank(parsed, list(speakers.values()), None, also=quotes)
        return [r.quote for r in ranked if r.quote.id in new and r.on_topic and r.itself_about]

    # -- a topic ----------------------------------------------------------------------------
    def _passages_for(
        self,
        follow: Follow,
        sentences: list[SentenceHit],
        vectors: np.ndarray,
        articles: dict[str, StoredArticle],
        written: dict[str, float],
    ) -> list[Match]:
        """The passage of each new article that is news on the followed topic."""
        topic = Topic.of(follow.asked, self.searcher)  # the archive's words, as of this round
        similarity = vectors @ self._topic_vector(follow.asked)
        by_article: dict[str, list[SentenceHit]] = defaultdict(list)
        for hit, value in zip(sentences, similarity.tolist(), strict=True):
            if written.get(hit.article_id, 0.0) >= follow.created_at:
                by_article[hit.article_id].append(replace(hit, similarity=value))
        found: list[Match] = []
        now = time.time()
        for article_id, hits in by_article.items():
            article = articles.get(article_id)
            if article is None or not _accepts(topic, hits, article):
                continue
            best = max(hits, key=lambda h: _passage_score(topic, article, h))
            citation = cite(1, article, *whole_quotation(article, best.start, best.end))
            found.append(_match(follow, _words(citation.quote), citation, written[article_id], now))
        return found

    def _topic_vector(self, topic: str) -> np.ndarray:
        if topic not in self._topic_vectors:
            self._topic_vectors[topic] = self.embedder.embed_query(topic)
        return self._topic_vectors[topic]


def _accepts(topic: Topic, hits: list[SentenceHit], article: StoredArticle) -> bool:
    """Whether a new article is news on a followed topic.

    No name or term of the topic may be unknown to both the archive and the article (the
    evidence judge's absent-topic rule). A topic written as a name ("Federal Reserve",
    "E-Systems") must stand in the article as written, in the headline or beside a sentence
    close to it (`SENTENCE_FLOOR`): its words apart are other things ("foreign exchange" and
    a "bank" are not Exchange Bank). Any other topic: every word in the headline; else a
    sentence close enough on its own (`SIMILARITY_ON_TOPIC`, the said ranking's), or one at
    the judge's floor that holds every word. Answers take half the words; an alert nobody
    asked for costs a desk more than a quote left off an answer."""
    words = set(tokenize(f"{article.title} {article.text}"))
    if topic.unknown and set(topic.unknown) - words:
        return False
    best = max(h.similarity for h in hits)
    if topic.phrase is not None:
        named = topic.phrase.search(article.title) or topic.phrase.search(article.text)
        return bool(named) and (best >= SENTENCE_FLOOR or topic.phrase.search(article.title))
    wanted = set(topic.parsed.terms)
    if wanted and wanted <= terms(article.title):
        return True  # the headline names it: a table of figures has no sentence to be close
    if best >= SIMILARITY_ON_TOPIC:
        return True
    return any(
        h.similarity >= SENTENCE_FLOOR and wanted <= terms(article.text[h.start : h.end])
        for h in hits
    )


def _passage_score(topic: Topic, article: StoredArticle, hit: SentenceHit) -> float:
    """Which sentence of an accepted story to cite: the closest, and one naming the topic
    over one only near it (the said ranking's weight for a quote naming its topic)."""
    text = article.text[hit.start : hit.end]
    if topic.phrase is not None:
        return hit.similarity + W_TOPIC_IN_QUOTE * bool(topic.phrase.search(text))
    if not topic.parsed.terms:
        return hit.similarity
    named = terms(text)
    share = sum(term in named for term in topic.parsed.terms) / len(topic.parsed.terms)
    return hit.similarity + W_TOPIC_IN_QUOTE * share


@dataclass(frozen=True)
class Topic:
    """A followed topic as the judging reads it: its words, those the archive does not
    hold, and, for a topic written as a name, the pattern it must stand in."""

    parsed: Question
    unknown: tuple[str, ...]
    phrase: re.Pattern | None

    @classmethod
    def of(cls, text: str, searcher: Searcher) -> Topic:
        parsed = analyse(text)
        unknown = tuple(absent_topic(parsed, searcher, close=True))
        return cls(parsed, unknown, name_pattern(text))


def name_pattern(text: str) -> re.Pattern | None:
    """How a topic written as a name must stand in an article; None for other topics."""
    return _as_written(text) if _is_name(text) else None


def _is_name(text: str) -> bool:
    """ "Federal Reserve", "Lowe's", "E-Systems", "OPEC": every word capitalised says a name
    is meant ("Istanbul talks" is a story about a place)."""
    words = [w for w in re.split(r"[\s\-]+", text) if w[:1].isalpha()]
    return bool(words) and all(w[:1].isupper() for w in words)


def _as_written(text: str) -> re.Pattern:
    """The name's words in order, whole, hyphen or space between, any case or apostrophe."""
    parts = [re.escape(part).replace("'", "['’]") for part in re.split(r"[\s\-]+", text) if part]
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(parts) + r"(?!\w)", re.IGNORECASE)


def _by_speaker(quotes: list[StoredQuote]) -> dict[str, list[StoredQuote]]:
    """The quotes under their speaker's key, and apart under `"\0" + surname` (people) or
    `BODIES` (organisations, places): where a name as asked may find speakers new to it."""
    table: dict[str, list[StoredQuote]] = defaultdict(list)
    for quote in quotes:
        if quote.speaker is not None:
            table[quote.speaker.key].append(quote)
            person = quote.speaker.kind == PERSON
            table["\0" + quote.speaker.surname if person else BODIES].append(quote)
    return table


def _followed(follow: Follow, quotes: dict[str, list[StoredQuote]]) -> list[StoredQuote]:
    """The quotes of the speakers the follow resolved to, and of any the name means as
    `quotes NAME` would read it now: a speaker first quoted after the follow was made ("Mobil"
    follows Mobil Corp, "American Airlines" American Airlines Inc)."""
    found = {q.id: q for key in follow.speaker_keys for q in quotes.get(key, ())}
    asked = name_key(follow.asked).split()
    if asked:
        for quote in (*quotes.get("\0" + asked[-1], ()), *quotes.get(BODIES, ())):
            if quote.speaker and matches(follow.asked, quote.speaker):
                found.setdefault(quote.id, quote)
    return list(found.values())


def _words(text: str) -> str:
    """The words as a reader compares them: case, spacing and quote marks aside."""
    return " ".join(text.lower().translate(_QUOTE_MARKS).split())


def _match(
    follow: Follow,
    item: str,
    citation: Citation,
    written_at: float,
    now: float,
    speaker: str | None = None,
) -> Match:
    record = citation.to_record() | {"speaker": speaker or citation.speaker}
    digest = hashlib.sha256(item.encode()).hexdigest()[:40]
    return Match(follow.id, digest, citation.article_id, written_at, now, record)
