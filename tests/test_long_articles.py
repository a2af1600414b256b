"""A scraped page, a live blog or a transcript on one line: read whole, in time linear in its
length, with the same quotes as if spaCy had parsed it in one go."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bench import long_bodies, reuters
from bot.service import Newsdesk
from retrieval.ingest import parse_pieces
from retrieval.ingest.formats import read_articles
from retrieval.ingest.paragraphs import layout
from retrieval.ingest.quotes import QuoteExtractor
from retrieval.settings import SEEDS_DIR
from retrieval.types import Article

from .conftest import make_settings


def _one_line(article: Article) -> Article:
    """The article as a scrape gives it: every paragraph run together on one line."""
    body = " ".join(article.text[p.start : p.end] for p in article.paragraphs if not p.heading)
    text, paragraphs = layout(body)
    return replace(article, text=text, paragraphs=paragraphs)


def _seed_on_one_line(name: str) -> Article:
    article = read_articles(SEEDS_DIR / name, SEEDS_DIR, 10**7).articles[0]
    return _one_line(article)


def test_a_long_paragraph_is_parsed_in_bounded_pieces_that_cover_it(monkeypatch) -> None:
    monkeypatch.setattr(parse_pieces, "PIECE_CHARS", 600)
    words = " ".join(f"word{i}" for i in range(400))  # 3,000 characters with no sentence end
    seed = _seed_on_one_line("002_4d1c700f71ed2180.txt")
    text, paragraphs = layout(f"{seed.text} {words} {seed.text}")
    article = replace(seed, text=text, paragraphs=paragraphs)
    assert len(article.paragraphs) == 1

    pieces = list(parse_pieces.pieces_to_parse(article))

    assert len(pieces) > 10
    assert pieces[0].start == 0 and pieces[-1].end == len(text)
    for before, after in itertools.pairwise(pieces):
        assert before.end <= after.start and not text[before.end : after.start].strip()
    longest_sentence = 750  # the seed's longest sentence, over the bound, is kept whole
    assert max(p.end - p.start for p in pieces) <= 600 * 4 + longest_sentence
    run_start = text.index(words)
    inside_run = [p for p in pieces if run_start <= p.start and p.end <= run_start + len(words)]
    assert len(inside_run) >= 4 and all(p.end - p.start <= 600 for p in inside_run)


def test_cutting_a_one_line_article_for_the_parser_changes_no_quote(monkeypatch) -> None:
    extractor = QuoteExtractor()
    article = _seed_on_one_line("002_4d1c700f71ed2180.txt")
    whole = extractor.extract_all([article])[0].quotes
    monkeypatch.setattr(parse_pieces, "PIECE_CHARS", 600)
    assert len(list(parse_pieces.pieces_to_parse(article))) > 3

    cut = extractor.extract_all([article])[0].quotes

    assert cut == whole
    tora_bora = [q for q in cut if "Tora Bora" in article.text[q.start : q.end]]
    assert tora_bora and all(q.speaker and q.speaker.key == "khawaja asif" for q in tora_bora)


def _ingest_seconds(tmp_path: Path, size: int) -> tuple[float, Newsdesk, Article]:
    folder = tmp_path / f"articles-{size}"
    desk = Newsdesk(make_settings(tmp_path / f"data-{size}", folder))
    warm = list(reuters.records(3, offset=reuters.ARCHIVE))  # stories beyond the archive
    desk.ingest([reuters.write_jsonl(folder / "warm.jsonl", warm)])
    path = reuters.write_jsonl(folder / "long.jsonl", [long_bodies.record(size, 0)])
    started = time.perf_counter()
    report = desk.ingest([path])
    seconds = time.perf_counter() - started
    assert report.failed == [] and len(report.added) == 1
    return seconds, desk, desk.store.get_articles(report.added)[report.added[0]]


@pytest.mark.slow
def test_a_megabyte_on_one_line_ingests_whole_in_linear_time(tmp_path: Path) -> None:
    """Linear: ten times the text takes about ten times as long. The quadratic scan this
    replaced took 15 s on 100 KB and would take hours on 1 MB; the bound is generous."""
    small, _, _ = _ingest_seconds(tmp_path, 100_000)
    large, desk, article = _ingest_seconds(tmp_path, 1_000_000)

    assert large < 30 * small, f"1 MB took {large:.0f} s, 100 KB {small:.0f} s"
    assert len(article.text) >= 1_000_000
    quotes = [m for m in desk.store.all_quote_metadata() if m["article_id"] == article.id]
    assert len(quotes) > 1000
    assert all(0 <= q["start"] < q["end"] <= len(article.text) for q in quotes)
    assert max(q["end"] for q in quotes) > 0.9 * len(article.text)  # the end was read too
