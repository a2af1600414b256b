""" "Who said this?": find a pasted quote in the archive, word for word or nearly, and say who
said it, where and when, in the archive's exact words.

A quote travels badly: it is trimmed, its straight marks become curly ones, a word changes,
someone paraphrases it. So the pasted words are looked for three ways, best first:

- **exact**: the same words in the same order (case, quote marks and punctuation aside)
  stand in an article: a trimmed quote is exact too;
- **near**: an article's passage aligns with them closely (RapidFuzz's partial ratio): a word
  or two changed, dropped or added;
- **paraphrase**: a passage aligns more loosely, or a stored quote shares most of the words
  (reordered, a few swapped for others).

Candidates come from the passage search (the words, dense and lexical) and from the quote
index (the nearest quotes of anyone). The speaker is the one the quote index gives the
matched span, never a guess: words the index attributes to no one are shown with their
article and date and "the article does not say who said them".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.answer.citing import cite, quote_span
from bot.answer.types import Answer, Citation
from bot.answer.wording import human_date
from retrieval.embedding.encoder import Embedder
from retrieval.search import Searcher
from retrieval.text.sentences import sentence_spans
from retrieval.types import SearchFilters, StoredArticle, StoredQuote

EXACT, NEAR, PARAPHRASE, ABSENT = "exact", "near", "paraphrase", "absent"
_RANK = {EXACT: 0, NEAR: 1, PARAPHRASE: 2}
MIN_WORDS = 4  # fewer words match too much of any archive to say where they came from
# bench.who (Reuters, 3,000 articles; partial ratio of the pasted words to the best passage
# of a candidate article): quotes absent from the archive reach 75 at the most, quotes with
# a word dropped and one changed 87+ (short ones lower), reworded ones 84+.
ALIGN_MIN = 80.0  # below: not this passage
NEAR_MIN = 88.0  # at or above: "a word or two differ"; between: "says much the same"
# bench.who: the words a reworded quote shares with its stored quote (token set ratio) are
# 92+; absent quotes share at most 72 with any of their nearest stored quotes. (Their
# vectors' cosine is no help: 0.45–0.6 to the true quote, up to 0.85 to wrong ones.)
PARAPHRASE_SHARED_MIN = 85.0
SPEAKER_COVER_MIN = 0.5  # a speaker's quotes cover at least half the matched words
CANDIDATE_PASSAGES = 10
CANDIDATE_QUOTES = 10
SHOWN = 3

_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2026": ".", "\n": " ", "\t": " ", "\r": " ",
})  # fmt: skip
_QUOTED = re.compile(r'"([^"]+)"')
_CUT = re.compile(r'"\s*[,;]?\s*"|\s*\.\.\.\s*')  # `A," "B`, `A … B`
PARTS_WITHIN = 1500  # characters the parts of one cut quotation may span in the article
_NOT_WORD = re.compile(r"[^\w']+")


def fold(text: str) -> str:
    """Lower case, straight quote marks and dashes, one character for one: offsets in the
    folded text are offsets in the original."""
    folded = text.translate(_FOLD)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in folded)


def words_of(text: str) -> str:
    """The words alone, spaced once: what "the same words in the same order" compares."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).replace("'", " ").split())


def quote_parts(text: str) -> list[str]:
    """The parts of a quotation pasted whole around the words that cut it: `"A," Trump
    said, "B."` (its quoted parts), `A," "B` or `A … B` (split at the cut); one part when
    it was not cut. A part needs `MIN_WORDS` words to be looked up on its own."""
    folded, quoted = _unmarked(text.replace("\u2026", "..."))  # (folding makes "…" a ".")
    parts = quoted if len(quoted) > 1 else _CUT.split(folded.strip("\"' "))
    parts = [p.strip("\"' ,") for p in parts]
    return parts if len(parts) > 1 and all(len(p.split()) >= MIN_WORDS for p in parts) else []


def pasted_words(text: str) -> str:
    """The quote in what was pasted: `"It is a possibility," he said` → its quoted part;
    a quote-marked or block-quoted paste → its words without the marks."""
    text, quoted = _unmarked(text)
    if quoted:
        return " ".join(quoted)
    return text.strip("\"' ")


def _unmarked(text: str) -> tuple[str, list[str]]:
    """A paste folded (straight marks, no block-quote ">"), and its quoted parts long enough
    to look up."""
    folded = re.sub(r"^\s*>\s?", "", text.translate(_FOLD), flags=re.M).strip()
    return folded, [q for q in _QUOTED.findall(folded) if len(q.split()) >= MIN_WORDS]


@dataclass(frozen=True)
class Match:
    kind: str
    score: float
    article: StoredArticle
    start: int
    end: int

    def key(self) -> tuple:
        published = self.article.published.toordinal() if self.article.published else 10**7
        return (_RANK[self.kind], -round(self.score), published)


@dataclass(frozen=True)
class QuoteCheck:
    """What the archive holds of a pasted quote: how it matched, and the cited answer."""

    match: str  # exact | near | paraphrase | absent
    speaker: str | None  # None when the text names no one, or several (see `speakers`)
    answer: Answer
    speakers: tuple[str, ...] = ()  # every person the matching passages give the words to

    def to_dict(self) -> dict:
        return {**self.answer.to_dict(), "match": self.match, "speaker": self.speaker,
                "speakers": list(self.speakers)}  # fmt: skip


class QuoteFinder:
    """Finds where a pasted quote came from (one instance per service)."""

    def __init__(self, searcher: Searcher, embedder: Embedder) -> None:
        self.searcher, self.embedder = searcher, embedder

    def check(self, pasted: str, filters: SearchFilters | None = None) -> QuoteCheck:
        needle = pasted_words(pasted)
        if len(words_of(needle).split()) < MIN_WORDS:
            text = f"Paste at least {MIN_WORDS} words of the quote to look it up."
            return QuoteCheck(ABSENT, None, Answer(pasted, text, False))
        with self.searcher.pinned():
            joined = self._joined(quote_parts(pasted), filters)
            if joined is not None:  # "A," … "B": the two parts of one quotation, found
                return self._answer(pasted, [joined])
            matches = self._matches(needle, filters)
            if not matches:
                text = "The archive does not hold these words, nor anything close to them."
                return QuoteCheck(ABSENT, None, Answer(pasted, text, False))
            return self._answer(pasted, matches)

    def _matches(self, needle: str, filters: SearchFilters | None) -> list[Match]:
        vector = self.embedder.embed_query(needle)
        hits = self.searcher.search(needle, k=CANDIDATE_PASSAGES, filters=filters)
        near_quotes = self.searcher.nearest_quotes(vector, CANDIDATE_QUOTES, filters)
        article_ids = {h.chunk.article_id for h in hits} | {q.article_id for q in near_quotes}
        articles = self.searcher.articles(article_ids)
        found = [m for a in articles.values() if (m := _aligned(needle, a))]
        aligned = {m.article.id for m in found}
        for quote in near_quotes:
            article = articles.get(quote.article_id)
            if article is not None and quote.article_id not in aligned:
                match = _paraphrase(needle, quote, article)
                if match:
                    found.append(match)
        return sorted(found, key=Match.key)

    def _joined(self, parts: list[str], filters: SearchFilters | None) -> Match | None:
        """One article holding every part of a quotation pasted whole around its cut
        (`A," "B`, `A … B`), in order and near each other: one match spanning them, so the
        attribution between them names the speaker."""
        if len(parts) < 2:
            return None
        found = [
            {m.article.id: m for m in self._matches(part, filters) if m.kind != PARAPHRASE}
            for part in parts
        ]
        shared = set.intersection(*(set(f) for f in found))
        by_score = sorted(shared, key=lambda a: (-sum(f[a].score for f in found), a))
        for article_id in by_score:  # (ties by id: a wire story run twice, the same each time)
            pieces = [f[article_id] for f in found]
            in_order = all(a.end <= b.start for a, b in itertools.pairwise(pieces))
            if in_order and pieces[-1].end - pieces[0].start <= PARTS_WITHIN:
                kind = EXACT if all(p.kind == EXACT for p in pieces) else NEAR
                score = min(p.score for p in pieces)
                return Match(kind, score, pieces[0].article, pieces[0].start, pieces[-1].end)
        return None

    def _answer(self, pasted: str, matches: list[Match]) -> QuoteCheck:
        best = matches[0]
        shown = _one_per_article(matches)[:SHOWN]
        named = [(m, self._speakers(m.article, m.start, m.end)) for m in shown]
        citations = [_cite(n, m, names) for n, (m, names) in enumerate(named, 1)]
        first = citations[0]
        speakers = _speakers_of([names for m, names in named if m.kind == best.kind])
        speaker = speakers[0] if len(speakers) == 1 else None
        said = _who_said(speakers, citations)
        where = f"“{first.title}”, {human_date(first.published)}"
        if first.source:
            where += f", {first.source}"
        lead = {
            EXACT: "Found word for word.",
            NEAR: "Found, not word for word: the archive's words differ slightly.",
            PARAPHRASE: "Not found as written; the closest the archive holds is a quote "
            "that says much the same.",
        }[best.kind]
        text = f"{lead} {said} — {where} [1]."
        if len(citations) > 1:
            text += f" Also in {len(citations) - 1} more article(s) [2]" + (
                "–[3]." if len(citations) > 2 else "."
            )
        answer = Answer(pasted, text, True, tuple(citations))
        return QuoteCheck(best.kind, speaker, answer, tuple(speakers))

    def _speakers(self, article: StoredArticle, start: int, end: int) -> tuple[str, ...]:
        """The speaker the quote index gives most of the matched span, if one covers half
        (two when two cover it alike)."""
        quotes = self.searcher.quotes(self.searcher.quote_ids_in([article.id]))
        cover: dict[str, int] = {}
        for quote in quotes:
            overlap = min(end, quote.end) - max(start, quote.start)
            if overlap > 0 and quote.speaker is not None:
                cover[quote.speaker.name] = cover.get(quote.speaker.name, 0) + overlap
        most = max(cover.values(), default=0)
        if most < SPEAKER_COVER_MIN * (end - start):
            return ()
        return tuple(name for name, covered in cover.items() if covered == most)


def _cite(n: int, match: Match, speakers: tuple[str, ...]) -> Citation:
    article = match.article
    start, end = _whole_sentences(article, match.start, match.end)
    return cite(n, article, start, end, " and ".join(speakers) or None)


def _speakers_of(named: list[tuple[str, ...]]) -> list[str]:
    """The people the best-matching passages give the words to, first cited first: two when
    two stories (or two people in one) say it, so the answer names both, never one."""
    return list(dict.fromkeys(name for names in named for name in names))


def _who_said(speakers: list[str], citations: list[Citation]) -> str:
    if not speakers:
        return "The article does not say who said it"
    if len(speakers) == 1:
        return f"{speakers[0]} said it"
    given = [f"{c.speaker} [{c.n}]" for c in citations if c.speaker]
    return "The archive gives these words to more than one person: " + ", ".join(given)


def _aligned(needle: str, article: StoredArticle) -> Match | None:
    """The article's passage the pasted words align with best (exact or near), or None."""
    folded_needle = " ".join(fold(needle).split())
    wanted = words_of(needle)
    text = fold(article.text)
    best: Match | None = None
    for first, last in _passages(article):
        passage = text[first:last]
        if len(passage) < len(folded_needle) // 2:
            continue
        found = fuzz.partial_ratio_alignment(folded_needle, passage, score_cutoff=ALIGN_MIN)
        if found is None:
            continue
        start, end = first + found.dest_start, first + found.dest_end
        if wanted in words_of(passage):
            kind = EXACT
        else:
            kind = NEAR if found.score >= NEAR_MIN else PARAPHRASE
        match = Match(kind, found.score, article, start, end)
        if best is None or match.key() < best.key():
            best = match
    return best


def _passages(article: StoredArticle) -> list[tuple[int, int]]:
    """Where to align: each paragraph, and each pair of neighbours (a quote that runs on)."""
    spans = [(p.start, p.end) for p in article.paragraphs] or [(0, len(article.text))]
    return spans + [(a[0], b[1]) for a, b in itertools.pairwise(spans)]


def _paraphrase(needle: str, quote: StoredQuote, article: StoredArticle) -> Match | None:
    """A stored quote sharing most of the pasted words (reordered, reworded), or None."""
    shared = fuzz.token_set_ratio(words_of(needle), words_of(quote.text))
    if shared < PARAPHRASE_SHARED_MIN:
        return None
    return Match(PARAPHRASE, shared, article, quote.start, quote.end)


def _whole_sentences(article: StoredArticle, start: int, end: int) -> tuple[int, int]:
    """The matched span widened to the sentences (and quotation) it stands in."""
    for paragraph in article.paragraphs:
        if paragraph.start <= start < paragraph.end:
            spans = sentence_spans(article.text, paragraph.start, paragraph.end)
            first = next((i for i, (s, e) in enumerate(spans) if s <= start < e), None)
            if first is None:
                break
            last = next((i for i, (s, e) in enumerate(spans) if s < end <= e), first)
            begin, _ = quote_span(article.text, spans, first)
            _, finish = quote_span(article.text, spans, last)
            return min(begin, start), max(finish, end)
    return start, end


def _one_per_article(matches: list[Match]) -> list[Match]:
    """The best match of each article, best first: for an exact quote, earliest first."""
    seen: set[str] = set()
    kept = []
    for match in matches:
        if match.article.id not in seen:
            seen.add(match.article.id)
            kept.append(match)
    return kept
