"""Parsing every article format, and the clear problems bad files give."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from retrieval.ingest.formats import discover, read_articles
from retrieval.settings import SEEDS_DIR

MB = 1_000_000


def read_one(path: Path, root: Path | None = None, max_bytes: int = 10 * MB):
    return read_articles(path, root or path.parent, max_bytes)


def test_seed_articles_parse_with_date_id_title_and_paragraphs():
    parsed = read_one(SEEDS_DIR / "002_4d1c700f71ed2180.txt")
    assert parsed.problems == []
    (article,) = parsed.articles
    assert article.published == dt.date(2025, 10, 29)
    assert article.id == "002_4d1c700f71ed2180.txt"
    assert article.title.startswith("Defence Minister Khawaja Asif warned")
    assert not article.text.startswith("date")
    headings = [article.text[p.start : p.end] for p in article.paragraphs if p.heading]
    assert "UN expresses concern over talk failure" in headings
    sixth = next(p for p in article.paragraphs if p.number == 6)
    assert "It is definitely a possibility" in article.text[sixth.start : sixth.end]


def test_markdown_front_matter(tmp_path: Path):
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: Ceasefire holds\ndate: 2025-11-02\nsource: Dawn\n"
        "url: https://example.org/ceasefire\n---\n\nThe ceasefire held overnight.\n\n"
        "Officials said talks resume Monday.\n"
    )
    (article,) = read_one(path).articles
    assert (article.title, article.published, article.source) == (
        "Ceasefire holds",
        dt.date(2025, 11, 2),
        "Dawn",
    )
    assert article.id == "https://example.org/ceasefire"
    assert [p.number for p in article.paragraphs] == [1, 2]


def test_json_list_and_jsonl_records_with_one_bad_line(tmp_path: Path):
    records = [
        {"title": "A", "published_at": "2025-01-02T10:00:00Z", "body": "Alpha text."},
        {"title": "B", "date": "2025-01-03", "body": "Beta text.", "url": "https://x.org/b"},
    ]
    (tmp_path / "batch.json").write_text(json.dumps(records))
    parsed = read_one(tmp_path / "batch.json")
    assert [a.title for a in parsed.articles] == ["A", "B"]
    assert parsed.articles[0].published == dt.date(2025, 1, 2)
    assert parsed.articles[1].id == "https://x.org/b"

    lines = [json.dumps(records[0]), "{not json", json.dumps({"title": "C", "date": "2025-01-04"})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines))
    parsed = read_one(tmp_path / "feed.jsonl")
    assert [a.title for a in parsed.articles] == ["A"]
    reasons = {p.path.rsplit(":", 1)[-1]: p.reason for p in parsed.problems}
    assert "invalid JSON" in reasons["2"]
    assert "missing body" in reasons["3"]


def test_html_main_text_is_extracted(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Talks collapse</title><meta name='date' content='2025-10-29'>"
        "</head><body><nav>Home | World | Sport</nav><article><h1>Talks collapse</h1>"
        "<p>Negotiators in Istanbul failed to reach a workable agreement on Wednesday, "
        "officials from both delegations said after the session ended.</p>"
        "<p>The United Nations urged both sides to keep the ceasefire in place while "
        "the talks are on pause, a spokesperson told reporters.</p></article></body></html>"
    )
    (article,) = read_one(path).articles
    assert article.title == "Talks collapse"
    assert article.published == dt.date(2025, 10, 29)
    assert "Negotiators in Istanbul" in article.text
    assert "Home | World" not in article.text


def test_missing_title_is_derived_from_first_sentence(tmp_path: Path):
    path = tmp_path / "untitled.md"
    path.write_text("---\ndate: 2025-05-05\n---\nShort first sentence here. Then more text.\n")
    (article,) = read_one(path).articles
    assert article.title == "Short first sentence here"


def test_bad_files_give_one_clear_problem_each(tmp_path: Path):
    (tmp_path / "empty.md").write_text("---\ntitle: Nothing\ndate: 2025-01-01\n---\n\n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "huge.txt").write_text("date 2025-01-01 " + "word " * 400)
    (tmp_path / "rows.csv").write_text("headline,when\nA story,2025-01-01\n")
    expected = {
        "empty.md": "empty body",
        "binary.txt": "binary",
        "huge.txt": "limit",
        "rows.csv": "no body column",
    }
    for name, words in expected.items():
        parsed = read_articles(tmp_path / name, tmp_path, max_bytes=1000)
        assert parsed.articles == [], name
        (problem,) = parsed.problems
        assert name in problem.path and words in problem.reason, (name, problem.reason)


def test_undated_and_oddly_dated_files_are_indexed_with_a_warning_not_refused(tmp_path: Path):
    (tmp_path / "nodate.txt").write_text("Just some text with no date at all.")
    (tmp_path / "baddate.txt").write_text("date someday Some body text.")
    (tmp_path / "written.txt").write_text("date 29/10/2025 Some body text.")
    (tmp_path / "latin1.txt").write_bytes("date 2025-01-01 Le café est fermé.".encode("latin-1"))
    nodate, baddate, written, latin1 = (
        read_one(tmp_path / name)
        for name in ("nodate.txt", "baddate.txt", "written.txt", "latin1.txt")
    )
    assert nodate.articles[0].published is None and not nodate.problems
    assert baddate.articles[0].published is None
    assert "someday" in baddate.warnings[0].reason and "undated" in baddate.warnings[0].reason
    assert written.articles[0].published == dt.date(2025, 10, 29)
    assert latin1.articles[0].text == "Le café est fermé."
    assert "not UTF-8" in latin1.warnings[0].reason and not latin1.problems


def test_discover_skips_hidden_and_partial_files(tmp_path: Path):
    for name in ["a.txt", ".hidden.txt", "b.md.part", "~lock.txt", "notes.pdf", "sub/c.json"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = sorted(f.relative_to(tmp_path).as_posix() for f, _ in discover([tmp_path]))
    assert found == ["a.txt", "sub/c.json"]


def test_plain_text_takes_its_short_first_line_as_title_and_is_undated(tmp_path: Path):
    path = tmp_path / "story.txt"
    path.write_text(
        "Bahia Cocoa Review\n\nShowers continued throughout the week in\n"
        "the Bahia cocoa zone, alleviating the drought.\n    The dry period means the "
        "temporao will be late.\n"
    )
    (article,) = read_one(path).articles
    assert article.title == "Bahia Cocoa Review"
    assert article.published is None
    assert article.text.startswith("Showers continued throughout the week in the Bahia")
    assert [p.number for p in article.paragraphs] == [1, 2]


def test_records_under_common_field_names_and_dates_from_urls(tmp_path: Path):
    records = [
        {"headline": "A", "story": "Alpha text.", "pubDate": "Wed, 26 Nov 2025 08:00:00 GMT"},
        {"url": "https://x.org/2025/08/15/b", "content": "Beta text.", "source": "X"},
        {"url": "https://x.org/news/c", "article": "Gamma text.", "publishedAt": "never"},
    ]
    path = tmp_path / "scrape.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    parsed = read_one(path)
    a, b, c = parsed.articles
    assert (a.title, a.text, a.published) == ("A", "Alpha text.", dt.date(2025, 11, 26))
    assert (b.title, b.published, b.source) == ("Beta text", dt.date(2025, 8, 15), "X")
    assert c.published is None
    (warning,) = parsed.warnings
    assert warning.path.endswith("scrape.jsonl:3") and "undated" in warning.reason
    assert parsed.problems == []


def test_csv_rows_are_articles_and_a_row_without_body_is_named(tmp_path: Path):
    path = tmp_path / "export.csv"
    path.write_text(
        "id,headline,published,text\n"
        '7,Talks collapse,2025-10-29,"Negotiators failed.\n\nThe UN urged calm."\n'
        "8,Empty row,2025-10-30,\n"
        "9,Ceasefire,26 Nov 2025,The ceasefire held.\n"
    )
    parsed = read_one(path)
    assert [(a.id, a.title, a.published) for a in parsed.articles] == [
        ("export.csv#7", "Talks collapse", dt.date(2025, 10, 29)),
        ("export.csv#9", "Ceasefire", dt.date(2025, 11, 26)),
    ]
    assert [p.number for p in parsed.articles[0].paragraphs] == [1, 2]
    (problem,) = parsed.problems
    assert problem.path.endswith("export.csv:row 3") and "missing body" in problem.reason


def test_tsv_is_read_like_csv(tmp_path: Path):
    path = tmp_path / "export.tsv"
    path.write_text("title\tdate\tbody\nTalks\t2025-10-29\tNegotiators failed, again.\n")
    (article,) = read_one(path).articles
    assert (article.title, article.text) == ("Talks", "Negotiators failed, again.")


def test_collections_get_a_larger_size_limit_than_single_articles(tmp_path: Path):
    rows = "".join(f"{i},Story {i},2025-01-01,Body text number {i}.\n" for i in range(200))
    (tmp_path / "big.csv").write_text("id,title,date,body\n" + rows)
    parsed = read_articles(tmp_path / "big.csv", tmp_path, max_bytes=1000)
    assert len(parsed.articles) == 200 and not parsed.problems


def test_a_latin1_news_file_is_read_as_western_text_not_garbled(tmp_path: Path):
    story = (
        "Elvis fans hold birthday bash\n\n"
        "Fans paid £25 a head at the café in Tupelo, where the singer was born.\n"
        "HMV spokesman Gennaro Castaldo said the record would cost £9.99 in the shops.\n"
    )
    (tmp_path / "bbc.txt").write_bytes(story.encode("latin-1"))
    parsed = read_one(tmp_path / "bbc.txt")
    (article,) = parsed.articles
    assert "£25 a head at the café" in article.text and "£9.99" in article.text
    assert "cp1252" in parsed.warnings[0].reason and not parsed.problems


def test_a_file_mostly_of_other_scripts_still_goes_to_detection(tmp_path: Path):
    (tmp_path / "ru.txt").write_bytes(("Новости дня. " * 40).encode("cp1251"))
    (article,) = read_one(tmp_path / "ru.txt").articles
    assert "Новости дня" in article.text
