"""Client/server mode: a real `chroma run` shared by separate ingest and ask processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.chroma_server import ChromaServer
from bench.corpus import make_corpus
from retrieval.settings import SEEDS_DIR

from .conftest import REPO, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path):
    chroma = ChromaServer(tmp_path / "chroma-server").start()
    yield chroma
    chroma.kill()


def env_for(server: ChromaServer, tmp_path: Path, articles: Path) -> dict:
    return {
        "NEWSDESK_CHROMA_URL": server.url,
        "NEWSDESK_DATA_DIR": str(tmp_path / "local"),
        "NEWSDESK_ARTICLES_DIRS": str(articles),
    }


def test_ingest_and_ask_from_separate_processes_share_the_server(server, tmp_path):
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS_DIR, articles)
    env = env_for(server, tmp_path, articles)
    ingest = run_cli("refresh", "--json", env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["added"] == 2

    asker_env = {**env, "NEWSDESK_DATA_DIR": str(tmp_path / "other-machine")}
    answer = json.loads(
        run_cli("ask", "--json", "What did Asif say about Tora Bora?", env=asker_env).stdout
    )
    assert answer["found"] and "It is definitely a possibility" in json.dumps(answer)
    stats = json.loads(run_cli("stats", "--json", env=asker_env).stdout)
    assert stats["mode"] == "server" and stats["articles"] == 2 and stats["store"] == server.url

    (articles / "000_18c95c43f10e2761.txt").unlink()
    assert json.loads(run_cli("refresh", "--json", env=env).stdout)["removed"] == 1
    stats = json.loads(run_cli("stats", "--json", env=asker_env).stdout)
    assert stats["articles"] == 1


def test_server_killed_mid_ingest_gives_a_clear_error_and_refresh_completes(server, tmp_path):
    articles = tmp_path / "articles"
    make_corpus(articles, 120, paragraphs=8)  # remixed sentences: all "recur", keep them
    env = {**os.environ, **env_for(server, tmp_path, articles), "NEWSDESK_STRIP_BOILERPLATE": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.interfaces.cli", "refresh"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=server.port)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if client.get_collection("newsdesk_chunks").count() > 0:
                break
        except Exception:
            pass
        time.sleep(0.2)
    server.kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "Chroma" in stderr and "refresh" in stderr
    assert "Traceback" not in stderr

    server.start()
    result = run_cli("refresh", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == 0 and report["added"] + report["unchanged"] == 120
    chunks = client.get_collection("newsdesk_chunks").get(include=[])["ids"]
    assert len(chunks) == len(set(chunks))
    from retrieval.ingest.chunking import Chunker
    from retrieval.ingest.formats import discover, read_articles

    chunker = Chunker()
    expected = sum(
        len(chunker.split(a))
        for f, root in discover([articles])
        for a in read_articles(f, root, 10**7).articles
    )
    assert len(chunks) == expected
