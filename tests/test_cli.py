"""The real `newsdesk` command in fresh processes: JSON contract, ingest warnings, REPL."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from retrieval.settings import SEEDS_DIR

from .conftest import run_cli


@pytest.fixture
def cli_env(tmp_path: Path) -> dict:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS_DIR, articles)
    return {"NEWSDESK_DATA_DIR": str(tmp_path / "data"), "NEWSDESK_ARTICLES_DIRS": str(articles)}


def check_contract(payload: dict, articles: Path) -> None:
    assert set(payload) == {"question", "answer", "found", "citations"}
    assert isinstance(payload["answer"], str) and isinstance(payload["found"], bool)
    texts = {p.name: p.read_text() for p in articles.iterdir()}
    for citation in payload["citations"]:
        assert set(citation) == {
            "n",
            "article_id",
            "title",
            "published",
            "source",
            "url",
            "paragraph",
            "sentence",
            "quote",
            "speaker",
        }
        dt.date.fromisoformat(citation["published"])
        assert isinstance(citation["paragraph"], int) and citation["paragraph"] >= 1
        assert citation["quote"] in texts[citation["article_id"]]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", payload["answer"])}
    assert markers == {c["n"] for c in payload["citations"]}


def test_ask_json_on_an_empty_store_indexes_seeds_and_keeps_the_contract(cli_env, tmp_path):
    result = run_cli("ask", "--json", "What did Asif say about Tora Bora?", env=cli_env)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["found"] is True and len(payload["citations"]) >= 2
    check_contract(payload, tmp_path / "articles")

    result = run_cli("ask", "--json", "What is the capital of France?", env=cli_env)
    payload = json.loads(result.stdout)
    assert payload["found"] is False and payload["citations"] == []
    check_contract(payload, tmp_path / "articles")


def test_ingest_warns_about_bad_files_and_exits_zero_if_anything_was_read(cli_env, tmp_path):
    bad = tmp_path / "articles" / "broken.json"
    bad.write_text("{ not json")
    result = run_cli("ingest", str(tmp_path / "articles"), env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "broken.json" in result.stderr and "invalid JSON" in result.stderr
    assert "2 added" in result.stdout and "1 failed" in result.stdout

    result = run_cli("ingest", "--json", str(bad), env=cli_env)
    assert result.returncode == 1
    assert json.loads(result.stdout)["failed"] == 1

    stats = json.loads(run_cli("stats", "--json", env=cli_env).stdout)
    assert stats["articles"] == 2 and stats["chunks"] > 0 and stats["last_refresh"]


def test_bad_date_option_is_a_clear_usage_error(cli_env):
    result = run_cli("ask", "--since", "yesterday", "anything", env=cli_env)
    assert result.returncode == 2
    assert "--since" in result.stderr and "YYYY-MM-DD" in result.stderr


def test_repl_answers_a_follow_up_from_the_previous_turn(cli_env):
    result = run_cli(
        "repl", env=cli_env, input="What did Asif say about Tora Bora?\nWhen did he say it?\n"
    )
    assert result.returncode == 0, result.stderr
    assert "It is definitely a possibility" in result.stdout
    follow_up = result.stdout.split("read as:")[-1]
    assert "29 October 2025" in follow_up


def test_speakers_and_quotes_commands(cli_env):
    speakers = json.loads(run_cli("speakers", "--json", env=cli_env).stdout)
    names = [row["name"] for row in speakers]
    assert names[0] == "Khawaja Asif" and "Attaullah Tarar" in names
    assert {a["published"] for a in speakers[0]["articles"]} == {"2025-10-29", "2025-11-26"}

    result = run_cli("quotes", "Asif", "--about", "Taliban", "--json", env=cli_env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    quotes = found["quotes"]
    assert found["found"] and quotes and {q["speaker"] for q in quotes} == {"Khawaja Asif"}
    dates = [q["published"] for q in quotes]
    assert dates == sorted(dates)  # date order
    # each is about the Taliban by its own words or by the passage it stands in
    seeds = " ".join(p.read_text() for p in Path(cli_env["NEWSDESK_ARTICLES_DIRS"]).iterdir())
    for q in quotes:
        at = seeds.index(q["quote"][:60])
        assert "Taliban" in seeds[max(0, at - 600) : at + len(q["quote"])], q["quote"]

    result = run_cli("quotes", "Imran Khan", env=cli_env)
    assert result.returncode == 1 and "No article in the archive quotes Imran Khan" in result.stdout


def test_repl_lists_quotes(cli_env):
    result = run_cli("repl", env=cli_env, input="/quotes Tarar about talks\n/speakers Asif\n")
    assert result.returncode == 0, result.stderr
    assert "Attaullah Tarar:" in result.stdout and "Khawaja Asif" in result.stdout


def test_cli_follow_then_alerts_prints_each_new_quote_once(cli_env, tmp_path):
    """The cron path: follow on the command line, an article arrives (another process
    writes it), `newsdesk alerts --json` prints the new quote once; the next run, nothing."""
    from .test_follows import TALKS

    made = run_cli("follow", "Tarar", "--json", env=cli_env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["resolved"] == "Attaullah Tarar"
    (tmp_path / "articles" / "050_talks.txt").write_text(TALKS, encoding="utf-8")
    assert run_cli("refresh", "--json", env=cli_env).returncode == 0
    first = json.loads(run_cli("alerts", "--json", env=cli_env).stdout)
    assert len(first) == 1 and first[0]["follow"]["resolved"] == "Attaullah Tarar"
    quotes = [c["quote"] for c in first[0]["citations"]]
    assert any("The evidence we gave them is irrefutable" in q for q in quotes)
    assert all(c["speaker"] == "Attaullah Tarar" for c in first[0]["citations"])
    assert json.loads(run_cli("alerts", "--json", env=cli_env).stdout) == []
    listed = json.loads(run_cli("alerts", "--since", "2020-01-01", "--json", env=cli_env).stdout)
    assert [c["quote"] for c in listed[0]["citations"]] == quotes  # --since: printed again
    stopped = run_cli("unfollow", str(first[0]["follow"]["id"]), env=cli_env)
    assert "Stopped following Attaullah Tarar" in stopped.stdout
    assert run_cli("unfollow", "99", env=cli_env).returncode == 2


def test_a_wrong_setting_is_named_with_what_to_do_not_a_traceback(cli_env):
    done = run_cli("follows", env={**cli_env, "NEWSDESK_DIGEST_TIMEZONE": "Mars/Base"})
    assert done.returncode == 2
    assert "NEWSDESK_DIGEST_TIMEZONE='Mars/Base'" in done.stderr and "IANA" in done.stderr
    assert "Traceback" not in done.stderr
