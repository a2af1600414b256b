"""Boilerplate (share bars, sign-offs, tickers, menus) is neither indexed nor quoted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import reuters
from bot.service import Newsdesk
from retrieval.ingest.boilerplate import Boilerplate, is_non_prose, strip
from retrieval.ingest.formats import make_article

from .conftest import make_settings, run_cli

SHARE_BAR = "Get our apps Connect with us Facebook Twitter Instagram WhatsApp"
TICKER = "KSE-100 118,432.10 +1.2% USD/PKR 280.15 -0.05 Gold 4,120.50 +0.8%"


def scraped_records(count: int, offset: int = 1000) -> list[dict]:
    """Reuters stories as a scraper returns them: one line, share bar and ticker glued on."""
    records = []
    for record in reuters.records(count, offset=offset):
        body = " ".join(record["body"].split()).removesuffix(" REUTER")
        records.append(
            {
                "url": f"https://news.example.com/1987/03/01/{record['id']}",
                "source": "Example News",
                "body": f"{TICKER} {body} {SHARE_BAR}",
            }
        )
    return records


@pytest.mark.parametrize(
    "text",
    [TICKER, "Home | World | Business | Sport | Opinion", "04/09/87 03/09/87  04/09/87 03/09/87"],
)
def test_non_prose_runs_are_recognised(text):
    assert is_non_prose(text)


@pytest.mark.parametrize(
    "text",
    [
        '"He is a victim."',
        "Shr loss four cts vs loss one ct",
        "Arrivals for the week ended February 22 were 155,221 bags of 60 kilos.",
    ],
)
def test_prose_and_labelled_figures_are_kept(text):
    assert not is_non_prose(text)


def test_stripping_never_empties_an_article():
    article = make_article("t", "t", body=TICKER, published=None)
    stripped, removed, _ = strip(article, Boilerplate())
    assert stripped.text == TICKER and removed == []


def test_a_share_bar_repeated_across_20_articles_is_neither_indexed_nor_quoted(tmp_path: Path):
    folder = tmp_path / "scrape"
    folder.mkdir()
    records = scraped_records(20)
    # Articles arrive a few at a time: the share bar recurs only once enough are in.
    reuters.write_jsonl(folder / "first.jsonl", records[:3])
    desk = Newsdesk(make_settings(tmp_path / "data", folder))
    desk.refresh()
    reuters.write_jsonl(folder / "rest.jsonl", records[3:])
    report = desk.refresh()
    assert report.stripped.articles == 20  # the first three were re-stripped too
    assert desk.store.manifest.count_articles() == 20

    _, texts, _ = desk.store.all_chunks()
    stored = desk.store.get_articles(desk.store.manifest.all_entries()).values()
    for text in [*texts, *(article.text for article in stored)]:
        assert "Connect with us" not in text and "KSE-100" not in text

    answer = desk.ask("How do I connect with us on Facebook, Twitter and WhatsApp?")
    assert all("Connect with us" not in c.quote for c in answer.citations)


def test_ingest_json_reports_what_was_stripped(tmp_path: Path):
    folder = tmp_path / "scrape"
    reuters.write_jsonl(folder / "scrape.jsonl", scraped_records(8))
    env = {"NEWSDESK_DATA_DIR": str(tmp_path / "data"), "NEWSDESK_ARTICLES_DIRS": str(folder)}
    result = run_cli("ingest", "--json", str(folder), env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == 8 and report["undated"] == 0
    stripped = report["stripped"]
    assert stripped["articles"] == 8 and stripped["segments"] >= 16
    commonest = {row["text"]: row["count"] for row in stripped["commonest"]}
    assert commonest[SHARE_BAR] == 8
