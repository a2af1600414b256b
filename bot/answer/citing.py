"""Citations: the exact span of an article a claim rests on, and where a reader finds it.

Every answerer ends here. A quote is always `article.text[start:end]`, never rewritten; the
span is widened to the whole quotation a sentence belongs to, so a quote never starts inside
quote marks it does not close. The speaker named with a quote is the speaker the quote index
gives *that span* — never a guess from nearby text.
"""

from __future__ import annotations

import functools
import re

from bot.answer.question import STOPWORDS, stem
from bot.answer.types import Citation
from retrieval.text.sentences import body_sentence_spans, sentence_spans
from retrieval.text.words import tokenize
from retrieval.types import Chunk, StoredArticle, StoredQuote, heading_above

_STOP_TERMS = {stem(word) for word in STOPWORDS}
_LEADING_PRONOUN = re.compile(r"^(?:He|She|It)\b")


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
        sentence=None if article.has_paragraphs else sentence_number(article, start),
    )


def quote_span(text: str, spans: list[tuple[int, int]], index: int) -> tuple[int, int]:
    """Widen sentence `index` to the whole quotation it is part of (at most two more each way).

    Curly quotes say which way they face; straight ones (wire copy) only pair up: a sentence
    with an odd number of them that does not open with one closes a quotation opened before.
    """
    start, end = spans[index]
    for back in range(index - 1, max(-1, index - 3), -1):
        if not _closes_earlier(text[start:end]) or "\n" in text[spans[back][1] : start]:
            break
        start = spans[back][0]
    for ahead in range(index + 1, min(len(spans), index + 3)):
        if not _opens_later(text[start:end]) or "\n" in text[end : spans[ahead][0]]:
            break
        end = spans[ahead][1]
    return start, end


def _closes_earlier(piece: str) -> bool:
    if piece.count("”") > piece.count("“"):
        return True
    return piece.count('"') % 2 == 1 and not piece.startswith('"')


def _opens_later(piece: str) -> bool:
    if piece.count("“") > piece.count("”"):
        return True
    return piece.count('"') % 2 == 1 and piece.startswith('"')


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
    wanted = terms(claim) - _STOP_TERMS
    overlaps = [len(wanted & terms(article.text[s:e])) for s, e in spans]
    return quote_span(article.text, spans, overlaps.index(max(overlaps)))


@functools.lru_cache(maxsize=1024)
def terms(text: str) -> frozenset[str]:
    """Stemmed word tokens: what topic overlap is counted in. Remembered, because one
    speaker's quotes come from the same articles question after question (stemming a
    whole article costs ~0.3 ms; looking it up, a hash of its text)."""
    return frozenset(stem(t) for t in tokenize(text))


def story_terms(article: StoredArticle) -> frozenset[str]:
    """The stemmed words of a whole story, its headline with them: a story's topic, which
    its quotes and sentences rarely repeat in full (each part remembered by `terms`)."""
    return terms(article.title) | terms(article.text)


def shown(text: str, quote: StoredQuote | None) -> str:
    """The quoted text as the answer shows it, its speaker made explicit when the text isn't.

    `He said …` becomes `He [Khawaja Asif] said …` (the newsroom's bracketed clarification);
    a quote that does not name its speaker is introduced with `Khawaja Asif: `. The citation
    keeps the exact words. Only the quote index's speaker for this very span is ever named.
    """
    if quote is None or quote.speaker is None:
        return text
    name = quote.speaker.name
    if quote.speaker.surname and quote.speaker.surname in text.lower():
        return text
    pronoun = _LEADING_PRONOUN.match(text)
    if pronoun and quote.mention.lower() == pronoun.group(0).lower():
        return f"{pronoun.group(0)} [{name}]{text[pronoun.end() :]}"
    return f"{name}: {text}"


def sentence_number(article: StoredArticle, offset: int) -> int:
    """1-based number of the sentence holding `offset`, counted over the body text: where
    a body with no paragraph breaks is cited ("sentence 14"), since "¶1" would locate nothing."""
    spans = body_sentence_spans(article.text, article.paragraphs)
    return next((n for n, (_, end) in enumerate(spans, start=1) if offset < end), len(spans) or 1)


def whole_quotation(article: StoredArticle, start: int, end: int) -> tuple[int, int]:
    """The sentence at `start` (a quote's, a passage's), widened to the quotation it belongs
    to within its paragraph, never narrower than `start:end`."""
    for paragraph in article.paragraphs:
        if paragraph.start <= start < paragraph.end:
            spans = sentence_spans(article.text, paragraph.start, paragraph.end)
            index = next((i for i, (s, e) in enumerate(spans) if s <= start < e), None)
            if index is None:
                break
            begin, finish = quote_span(article.text, spans, index)
            return min(begin, start), max(finish, end)
    return start, end
