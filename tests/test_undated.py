"""Undated and unparagraphed articles: answered, placed as well as they can be, never refused."""

from __future__ import annotations

import json
from pathlib import Path

from bot.answer.wording import human_date
from bot.interfaces.render import citation_view
from bot.interfaces.slack_blocks import answer_blocks
from bot.service import Newsdesk
from retrieval.settings import SEEDS_DIR
from retrieval.types import SearchFilters

from .conftest import assert_grounded, make_settings

SCRAPED = (
    "The port of Gwadar handled a record 1.2 million tonnes of cargo in October, officials "
    "said. Shipping lines added two weekly services to the Gulf. Harbour master Saeed Baloch "
    "said dredging of the outer channel would finish by March. He said the new berth would "
    "take vessels of up to 50,000 tonnes. Fishermen's groups protested outside the port "
    "gates on Monday."
)


def desk_with_undated(tmp_path: Path) -> Newsdesk:
    folder = tmp_path / "articles"
    folder.mkdir()
    for seed in SEEDS_DIR.iterdir():
        (folder / seed.name).write_bytes(seed.read_bytes())
    record = {"url": "https://example.pk/news/gwadar-port", "body": SCRAPED, "source": "Dawn"}
    (folder / "scrape.jsonl").write_text(json.dumps(record) + "\n")
    desk = Newsdesk(make_settings(tmp_path / "data", folder))
    report = desk.refresh()
    assert report.undated == 1 and not report.failed
    return desk


def test_undated_one_line_article_is_answered_and_cited_by_sentence(tmp_path: Path):
    desk = desk_with_undated(tmp_path)
    answer = desk.ask("When will the dredging of Gwadar's outer channel finish?")
    assert answer.found
    assert_grounded(desk, answer)
    citation = next(c for c in answer.citations if "dredging" in c.quote)
    assert citation.published is None and citation.sentence == 3
    record = citation.to_dict()
    assert record["published"] is None and record["sentence"] == 3
    shown = citation_view(citation).plain
    assert "undated · sentence 3" in shown and "¶" not in shown
    slack_text = json.dumps(answer_blocks(answer, None), ensure_ascii=False)
    assert "undated · sentence 3" in slack_text


def test_date_filters_leave_undated_articles_out_and_say_how_many(tmp_path: Path):
    desk = desk_with_undated(tmp_path)
    import datetime as dt

    since = SearchFilters(since=dt.date(2025, 1, 1))
    answer = desk.ask("When will the dredging of Gwadar's outer channel finish?", filters=since)
    assert all(c.published is not None for c in answer.citations)
    assert answer.undated_left_out == 1
    assert "1 undated article was left out" in (answer.note or "")
    assert answer.to_dict()["undated_left_out"] == 1
    unfiltered = desk.ask("When will the dredging of Gwadar's outer channel finish?")
    assert "undated_left_out" not in unfiltered.to_dict()


def test_paragraphed_articles_keep_paragraph_citations(seeded):
    answer = seeded.ask("What did Asif say about Tora Bora?")
    assert all(c.sentence is None for c in answer.citations)
    assert human_date(None) == "undated"
