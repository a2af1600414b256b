"""A clean shutdown: SIGTERM or Ctrl-C stops `newsdesk ingest`, `refresh` and `watch` between
batches, ends every process they started, says in one line what was kept, and the next
refresh completes the store; a parse worker whose parent is killed exits by itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.corpus import make_corpus
from bot.interfaces.slack_app import SlackSecrets, create_app, serve
from bot.service import Newsdesk

from .conftest import REPO, make_settings, run_cli
from .processes import Proc, descendants, still_running

ARTICLES = 120  # ~400 KB: a parse worker of its own, and ~10 s of writing on 2 cores
EXIT_WITHIN_S = 5.0
STOPPED = "stopped: {written} of {total} articles written; "


class Run:
    """A real `newsdesk` command in a process of its own, on an archive of its own."""

    def __init__(self, root: Path, *args: str, group: bool = False) -> None:
        self.articles, self.data = root / "articles", root / "data"
        self.env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "NEWSDESK_DATA_DIR": str(self.data),
            "NEWSDESK_ARTICLES_DIRS": str(self.articles),
            "NEWSDESK_STRIP_BOILERPLATE": "false",  # remixed sentences all "recur": keep them
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.interfaces.cli", *args],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=group,  # a terminal's process group of its own, for Ctrl-C
        )

    def children(self) -> list[Proc]:
        return descendants(self.process.pid)

    def wait_until_writing(self, timeout: float = 120) -> list[Proc]:
        """Once its parse worker runs and some batches are in: the processes below it."""
        sqlite = self.data / "chroma" / "chroma.sqlite3"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            children = self.children()
            worker = any("spawn_main" in proc.command for proc in children)
            if worker and sqlite.exists() and sqlite.stat().st_size > 3_000_000:
                return children
            time.sleep(0.1)
        raise AssertionError(f"never saw it writing with a worker: {self.finish()}")

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err

    def desk(self) -> Newsdesk:
        return Newsdesk(make_settings(self.data, self.articles, strip_boilerplate=False))


def stop(run: Run, sig: signal.Signals) -> tuple[list[Proc], float]:
    """Signal a writing run (its whole group when it has one, as Ctrl-C does): the
    processes it had started, and how long its parse worker took to exit."""
    children = run.wait_until_writing()
    assert run.process.poll() is None, "the ingest finished before it could be stopped"
    sent = time.monotonic()
    if run.process.pid == os.getpgid(run.process.pid):
        os.killpg(run.process.pid, sig)
    else:
        run.process.send_signal(sig)
    worker = [proc for proc in children if "spawn_main" in proc.command]
    assert not still_running(worker, EXIT_WITHIN_S), "the parse worker outlived the stop"
    return children, time.monotonic() - sent


def chunk_count(desk: Newsdesk, articles: Path) -> int:
    from retrieval.ingest.chunking import Chunker
    from retrieval.ingest.formats import discover, read_articles

    chunker = Chunker(desk.settings.chunk_size, desk.settings.chunk_overlap)
    return sum(
        len(chunker.split(article))
        for file, root in discover([articles])
        for article in read_articles(file, root, 10**7).articles
    )


@pytest.mark.slow
def test_sigterm_stops_an_ingest_between_batches_and_refresh_completes_it(tmp_path):
    make_corpus(tmp_path / "articles", ARTICLES, paragraphs=8)
    run = Run(tmp_path, "ingest", str(tmp_path / "articles"), "--json")
    children, worker_exit_s = stop(run, signal.SIGTERM)
    code, out, err = run.finish()

    assert code == 143, err
    said = json.loads(out)  # one JSON object, nothing else on stdout
    assert said["stopped"] == "SIGTERM" and said["total"] == ARTICLES
    assert 0 < said["written"] < ARTICLES
    assert said["message"].startswith(STOPPED.format(written=said["written"], total=ARTICLES))
    assert "Traceback" not in err
    assert any("resource_tracker" in proc.command for proc in children)
    assert not still_running(children, EXIT_WITHIN_S), "a process outlived the ingest"
    print(f"parse worker gone {worker_exit_s:.2f} s after SIGTERM")

    desk = run.desk()
    assert desk.store.manifest.count_articles() == said["written"]  # what it said it kept
    completed = run_cli("refresh", "--json", env=run.env)
    report = json.loads(completed.stdout)
    assert report["added"] == ARTICLES - said["written"] and not report["failed"]
    assert report["unchanged"] == said["written"]
    ids = desk.store.all_chunks()[0]
    assert len(ids) == len(set(ids)) == chunk_count(desk, run.articles)
    assert desk.store.manifest.count_articles() == ARTICLES


def test_ctrl_c_stops_a_refresh_and_its_worker_in_one_line(tmp_path):
    """SIGINT to the whole process group, as a terminal sends it: the worker ignores it,
    the command stops its worker itself, prints one line and exits 130."""
    make_corpus(tmp_path / "articles", ARTICLES, paragraphs=8)
    run = Run(tmp_path, "refresh", group=True)
    children, _ = stop(run, signal.SIGINT)
    code, out, err = run.finish()

    assert code == 130, err
    assert out.count("\n") == 1, out
    written = run.desk().store.manifest.count_articles()
    assert 0 < written < ARTICLES
    assert out.startswith(STOPPED.format(written=written, total=ARTICLES)), out
    assert "`newsdesk refresh` completes the rest" in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert not still_running(children, EXIT_WITHIN_S), "a process outlived the refresh"


PARENT = """
import sys, time
from retrieval.ingest.quotes import QuoteExtractor

with QuoteExtractor().parser(characters_to_parse=10**9) as parser:  # its own process
    parser.parses(parser.submit([]), [])
    print("parsing", flush=True)
    time.sleep(600)
"""


def test_a_parse_worker_exits_by_itself_when_its_parent_is_killed():
    parent = subprocess.Popen(  # no stderr: the tracker reports the semaphores it cleans up
        [sys.executable, "-c", PARENT],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert parent.stdout.readline() == "parsing\n"
        left = descendants(parent.pid)
        assert any("spawn_main" in proc.command for proc in left)
        parent.kill()  # SIGKILL: nothing in the parent runs, no pool is shut down
        parent.wait()
        killed = time.monotonic()
        assert not still_running(left, EXIT_WITHIN_S), "the worker outlived its parent"
        print(f"worker and resource tracker gone {time.monotonic() - killed:.2f} s after")
    finally:
        parent.kill()
        parent.wait()


def test_watch_stops_on_sigterm_with_one_json_line(tmp_path):
    import shutil

    from retrieval.settings import SEEDS_DIR

    shutil.copytree(SEEDS_DIR, tmp_path / "articles")
    run = Run(tmp_path, "watch", "--json")
    first = json.loads(run.process.stdout.readline())  # the refresh before watching
    assert first["added"] == 2
    run.process.send_signal(signal.SIGTERM)
    code, out, err = run.finish()
    assert code == 143, err
    assert json.loads(out) == {
        "stopped": "SIGTERM",
        "written": 0,
        "total": 0,
        "message": "stopped: no ingest was under way",
    }


@pytest.mark.slow
def test_watch_stopped_mid_ingest_says_what_it_kept(tmp_path):
    (tmp_path / "articles").mkdir()
    run = Run(tmp_path, "watch", "--json")
    assert json.loads(run.process.stdout.readline())["added"] == 0  # the refresh first
    for file in make_corpus(tmp_path / "elsewhere", ARTICLES, paragraphs=8):
        file.rename(tmp_path / "articles" / file.name)  # arrive at once: one or two ingests
    children, _ = stop(run, signal.SIGTERM)
    code, out, err = run.finish()
    assert code == 143, err
    said = json.loads(out)
    assert 0 < said["written"] < said["total"] <= ARTICLES
    assert said["written"] <= run.desk().store.manifest.count_articles() < ARTICLES
    assert said["message"].startswith(STOPPED.format(**said))
    assert "Traceback" not in err, err
    assert not still_running(children, EXIT_WITHIN_S)


def test_the_slack_server_closes_when_asked_to_stop(newsdesk):
    from slack_sdk import WebClient

    from bench.chroma_server import free_port

    from .slack_fake import FakeSlack, serve_fake_slack

    fake_server = serve_fake_slack(FakeSlack())
    client = WebClient(
        token="xoxb-test", base_url=f"http://127.0.0.1:{fake_server.server_address[1]}/api/"
    )
    secrets = SlackSecrets(slack_bot_token="xoxb-test", slack_signing_secret="secret")
    app = create_app(newsdesk, secrets, client=client)
    port, stop_serving = free_port(), threading.Event()
    serving = threading.Thread(target=serve, args=(app, secrets, "127.0.0.1", port, stop_serving))
    serving.start()
    try:
        connect_within(port, 10).close()
        stop_serving.set()
        serving.join(timeout=5)
        assert not serving.is_alive()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
    finally:
        stop_serving.set()
        fake_server.shutdown()
        fake_server.server_close()


def connect_within(port: int, timeout: float) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
