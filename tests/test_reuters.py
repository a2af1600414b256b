"""A real archive in the layouts users bring it in: Reuters-21578 as JSONL, CSV and plain .txt."""

from __future__ import annotations

import datetime as dt

import pytest

from bench import reuters
from bot.service import Newsdesk
from retrieval.ingest.boilerplate import is_non_prose

from .conftest import assert_grounded, make_settings

SAMPLE = 120
pytestmark = pytest.mark.slow


def reader_paragraphs(body: str) -> list[str]:
    """The paragraphs a reader sees in wire copy: an indented line starts one."""
    paragraphs: list[list[str]] = []
    for line in body.split("\n"):
        if not line.strip():
            continue
        if not paragraphs or line[:1] in " \t":
            paragraphs.append([])
        paragraphs[-1].append(line.strip())
    return [" ".join(words) for words in paragraphs]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Newsdesk, list[dict]]:
    root = tmp_path_factory.mktemp("reuters")
    sample = list(reuters.records(SAMPLE, offset=2000))
    folder = root / "articles"
    reuters.write_jsonl(folder / "wire.jsonl", sample)
    reuters.write_csv(folder / "export" / "wire.csv", sample)
    reuters.write_txt(folder / "plain", sample)
    desk = Newsdesk(make_settings(root / "data", folder))
    report = desk.refresh()
    assert report.failed == [] and len(report.added) == 3 * SAMPLE
    assert report.undated == SAMPLE  # the .txt files carry no date
    return desk, sample


def stored(desk: Newsdesk, ids: list[str]):
    return desk.store.get_articles(ids)


def test_every_article_is_in_with_its_date_and_title(archive):
    desk, sample = archive
    jsonl = stored(desk, [f"wire.jsonl#{r['id']}" for r in sample])
    csv = stored(desk, [f"export/wire.csv#{r['id']}" for r in sample])
    txt = stored(desk, [f"plain/{r['id']}.txt" for r in sample])
    assert len(jsonl) == len(csv) == len(txt) == SAMPLE
    for record in sample:
        day = dt.date.fromisoformat(record["date"])
        one, two, three = (
            jsonl[f"wire.jsonl#{record['id']}"],
            csv[f"export/wire.csv#{record['id']}"],
            txt[f"plain/{record['id']}.txt"],
        )
        assert (one.title, one.published) == (record["title"], day)
        assert (two.title, two.published) == (record["title"], day)
        assert (three.title, three.published) == (record["title"], None)
        assert one.text == two.text == three.text  # one layout, whatever the container


def test_wire_paragraphs_are_the_readers_paragraphs(archive):
    desk, sample = archive
    articles = stored(desk, [f"wire.jsonl#{r['id']}" for r in sample])
    checked = 0
    for record in sample:
        article = articles[f"wire.jsonl#{record['id']}"]
        paragraphs = {article.text[p.start : p.end] for p in article.paragraphs}
        for expected in reader_paragraphs(record["body"]):
            if expected.upper() == "REUTER" or is_non_prose(expected):
                assert expected not in paragraphs  # sign-offs and figure rows are stripped
                continue
            assert expected in paragraphs, (record["id"], expected)
            checked += 1
        assert all("\n" not in text for text in paragraphs)  # no wire line break remains
    assert checked > 3 * SAMPLE


def test_questions_on_the_wire_get_grounded_answers(archive):
    desk, sample = archive
    record = next(r for r in sample if len(r["body"]) > 1500)
    question = f"What happened with {record['title']}?"
    answer = desk.ask(question)
    assert answer.found
    assert_grounded(desk, answer)
    assert record["id"] in " ".join(c.article_id for c in answer.citations)
