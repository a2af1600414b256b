"""Boilerplate stripped before chunking: what recurs across a source's articles, and non-prose.

Scraped articles carry share bars ("Get our apps · Connect with us"), newsletter prompts,
related-story lines, bylines and cookie notices; wire copy carries sign-offs ("REUTER").
None of it is news, and none of it may be indexed or quoted. Two rules, no word lists:

- **Recurrence.** A short segment (a sentence, or a line such as a heading) that stands in
  `MIN_ARTICLES` or more articles of the same source is boilerplate. Lines that start with a
  recurring label ("Also read: …", "READ MORE | …") recur by that label.
- **Not prose.** Tickers and number runs (few words among the figures) and navigation lists
  (items split by `|`, `•`, `›`, or a run of one-to-four-word lines) are dropped.

Recurrence needs counts over the whole source, so each indexed article keeps the keys of its
segments in the manifest, and each machine counts them per source in an index derived from it
(`retrieval.index.segment_counts`); stripping is a pure function of an article and the set of keys
that are boilerplate for its source.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

from retrieval.ingest.formats import derive_title
from retrieval.ingest.paragraphs import normalise_text, split_paragraphs
from retrieval.text.sentences import sentence_spans
from retrieval.types import Article

SEGMENT_MAX_WORDS = 60  # longer passages are reporting, never a share bar or a notice
PROSE_WORD_SHARE = 0.35  # below this share of real words among tokens, a run is figures
NAV_RUN = 3  # consecutive one-to-four-word lines with no punctuation form a menu
TICKER_MIN_FIGURES = 4  # a sentence may open with a date and a figure; a ticker has more
GLUED_TO_WORDS = 8  # a ticker is cut only off a sentence this long; shorter is a table row
GLUED_MIN_WORDS = 3  # a recurring text cut where it is glued on: one word could be news
_LABEL = re.compile(r"^\s*(?P<label>(?:[\w’'&]+\s+){0,3}[\w’'&]+)\s*(?::|\||—|–|»|›)\s+\S")
_QUOTED_FIGURE = re.compile(r"(?<!\S)[+\-−]?[\d,]*\.\d+%?|\d%|(?<!\S)[+\-−]\d")  # prices, moves
_NAV_SEPARATORS = re.compile(r"\s[|•·›»]\s|\s/\s")
_WORD = re.compile(r"^[^\W\d_]+(?:[’'-][^\W\d_]+)*$")
_PUNCTUATION = ",;:()[]{}.!?\"'“”‘’«»…"


@dataclass(frozen=True)
class Segment:
    """A strippable piece of an article: its span and the keys it recurs by."""

    start: int
    end: int
    keys: tuple[str, ...]


@dataclass
class StripReport:
    """What stripping took out, for `ingest --json`: counts and the commonest examples."""

    segments: int = 0
    characters: int = 0
    articles: int = 0
    examples: Counter = field(default_factory=Counter)

    def add(self, texts: list[str]) -> None:
        if not texts:
            return
        self.articles += 1
        self.segments += len(texts)
        self.characters += sum(len(t) for t in texts)
        self.examples.update(t[:80] for t in texts)

    def to_dict(self) -> dict:
        return {
            "segments": self.segments,
            "characters": self.characters,
            "articles": self.articles,
            "commonest": [{"text": t, "count": n} for t, n in self.examples.most_common(10)],
        }


def group_of(article: Article, file: str) -> str:
    """The 'same source' boilerplate is counted within: source, else web host, else folder."""
    if article.source:
        return f"source:{article.source.lower()}"
    host = urlparse(article.url).hostname if article.url else None
    if host:
        return f"host:{host.removeprefix('www.')}"
    return f"folder:{Path(file).parent}"


def segments(article: Article) -> list[Segment]:
    """Headings and sentences of the article, each with its recurrence keys (none when long)."""
    found: list[Segment] = []
    for paragraph in article.paragraphs:
        spans = (
            [(paragraph.start, paragraph.end)]
            if paragraph.heading or "\n" in article.text[paragraph.start : paragraph.end]
            else sentence_spans(article.text, paragraph.start, paragraph.end)
        )
        for start, end in spans:
            text = article.text[start:end]
            short = len(text.split()) <= SEGMENT_MAX_WORDS
            found.append(Segment(start, end, _keys(text) if short else ()))
    return found


def segment_keys(article: Article) -> set[str]:
    """Every recurrence key of the article: what the manifest keeps for counting."""
    return {key for segment in segments(article) for key in segment.keys}


@dataclass(frozen=True)
class Boilerplate:
    """What is boilerplate for one source: recurring segment keys, and the texts behind them.

    The texts let a recurring segment be cut where a scrape glued it onto a sentence of the
    story ("…665,800 Get our apps Connect with us"), which a key alone cannot find.
    """

    keys: frozenset[str] = frozenset()
    texts: tuple[str, ...] = ()

    @functools.cached_property
    def _edges(self) -> list[tuple[re.Pattern, re.Pattern]]:
        patterns = []
        for text in sorted(self.texts, key=len, reverse=True):
            words = r"\s+".join(map(re.escape, text.split()))
            patterns.append(
                (re.compile(rf"^{words}(?=\s|$)", re.I), re.compile(rf"(?<=\s){words}$", re.I))
            )
        return patterns

    def glued(self, text: str) -> list[tuple[int, int]]:
        """Spans of recurring texts glued at the start or the end of `text`."""
        spans = []
        for head, tail in self._edges:
            for match in (head.search(text), tail.search(text)):
                if match and match.end() - match.start() < len(text):
                    spans.append((match.start(), match.end()))
        return spans


def recurring_texts(article: Article, keys: set[str]) -> set[str]:
    """The texts of the article's segments that are boilerplate (to cut where glued on)."""
    return {
        article.text[segment.start : segment.end]
        for segment in segments(article)
        if keys.intersection(segment.keys[:1])
        and len(article.text[segment.start : segment.end].split()) >= GLUED_MIN_WORDS
    }


def strip(article: Article, boilerplate: Boilerplate) -> tuple[Article, list[str], set[str]]:
    """The article without boilerplate: (article, texts removed, recurring keys it matched).

    An article that would lose all its text keeps it: stripping protects answers from noise,
    it must never make an article disappear.
    """
    dropped: list[tuple[int, int]] = []
    matched: set[str] = set()
    for segment in segments(article):
        hits = boilerplate.keys.intersection(segment.keys)
        text = article.text[segment.start : segment.end]
        if hits or is_non_prose(text):
            dropped.append((segment.start, segment.end))
            matched |= hits
            continue
        edges = boilerplate.glued(text) + _figure_runs(text)
        dropped += [(segment.start + s, segment.start + e) for s, e in edges]
    dropped += _nav_runs(article)
    if not dropped:
        return article, [], matched
    spans = _merge(dropped)
    text = _cut(article.text, spans)
    if not text.strip():
        return article, [], set()
    paragraphs = split_paragraphs(text)
    title = derive_title(text, paragraphs) if article.title_derived else article.title
    removed = [article.text[s:e] for s, e in spans]
    stripped = replace(article, text=text, paragraphs=paragraphs, title=title)
    return stripped, removed, matched


def _figure_runs(text: str) -> list[tuple[int, int]]:
    """A ticker glued to the start or end of a sentence: a run mostly of figures.

    A run that ends the sentence with a full stop is the sentence's own list of figures, and
    a run followed by a lower-case word is part of the sentence: both are kept.
    """
    tokens = [(m.start(), m.end(), _is_figure(m.group())) for m in re.finditer(r"\S+", text)]
    runs = []
    for leading, ordered in ((True, tokens), (False, tokens[::-1])):
        best, best_share, figures = 0, 0.5, 0
        for count, (*_, figure) in enumerate(ordered, start=1):
            figures += figure
            if figure and figures >= TICKER_MIN_FIGURES and figures / count >= best_share:
                best, best_share = count, figures / count  # the densest run: the ticker itself
            if count - figures > figures + 2:
                break
        if not best or len(tokens) - best < GLUED_TO_WORDS:
            continue  # a table row or a short line of figures, not a ticker glued to prose
        chosen = sorted(ordered[:best])
        start, end = chosen[0][0], chosen[-1][1]
        if len(_QUOTED_FIGURE.findall(text[start:end])) < 2:
            continue  # dates and counts ("Nov 1, 1986, and April 16"): prose, not a ticker
        after = text[end:].split(maxsplit=1)
        if leading and after and after[0][:1].islower():
            continue
        if not leading and text[:end].rstrip().endswith((".", "!", "?")):
            continue
        runs.append((start, end))
    return runs


def _is_figure(token: str) -> bool:
    return any(ch.isdigit() for ch in token) or all(not ch.isalnum() for ch in token)


def is_non_prose(text: str) -> bool:
    """Tickers, number runs and navigation lists: text a reader would not call a sentence."""
    tokens = text.split()
    if len(tokens) >= 4:
        words = sum(bool(_WORD.match(token.strip(_PUNCTUATION))) for token in tokens)
        if words / len(tokens) < PROSE_WORD_SHARE:
            return True
    items = _NAV_SEPARATORS.split(text)
    return len(items) >= 4 and all(len(item.split()) <= 4 for item in items)


def _keys(text: str) -> tuple[str, ...]:
    keys = [_hash(" ".join(text.lower().split()))]
    label = _LABEL.match(text)
    if label and len(text.split()) <= 25:
        keys.append(_hash("label:" + " ".join(label.group("label").lower().split())))
    return tuple(keys)


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _nav_runs(article: Article) -> list[tuple[int, int]]:
    """Runs of `NAV_RUN`+ short unpunctuated lines without figures: menus, share bars."""
    runs: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for paragraph in [*article.paragraphs, None]:
        if paragraph is not None and _is_menu_item(article.text[paragraph.start : paragraph.end]):
            current.append((paragraph.start, paragraph.end))
            continue
        if len(current) >= NAV_RUN:
            runs.extend(current)
        current = []
    return runs


def _is_menu_item(text: str) -> bool:
    return (
        "\n" not in text
        and len(text.split()) <= 4
        and not any(ch.isdigit() for ch in text)
        and not text.rstrip().endswith((".", "!", "?", ":", ";", ",", "”", '"'))
    )


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without `spans`; a cut inside a line leaves one space, a whole line goes."""
    pieces: list[str] = []
    cursor = 0
    for start, end in spans:
        left = text[cursor:start]
        line_start = start == 0 or text[start - 1] == "\n"
        pieces.append(left.rstrip(" \t"))
        cursor = end
        while cursor < len(text) and text[cursor] in " \t":
            cursor += 1
        at_line_end = cursor >= len(text) or text[cursor] == "\n"
        if line_start and at_line_end:
            cursor += 1  # the line is gone, its newline with it
        elif pieces[-1] and not pieces[-1].endswith("\n") and not at_line_end:
            pieces.append(" ")
    pieces.append(text[cursor:])
    return normalise_text("".join(pieces))
