"""Shared fixtures: one real model load per session, real Chroma stores in temp folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.service import Newsdesk
from bot.settings import Settings
from retrieval.ingest.workers import stop_resource_tracker
from retrieval.settings import SEEDS_DIR

from .processes import become_subreaper, descendants, kill, reap_zombies, still_running

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
# One ONNX export of the model for the whole run (each test has its own data dir).
MODELS = Path(tempfile.gettempdir()) / "newsdesk-test-models"
os.environ["NEWSDESK_MODELS_DIR"] = str(MODELS)


def make_settings(data_dir: Path, articles_dir: Path, **overrides) -> Settings:
    """Settings that ignore the developer's own environment and `.env`."""
    overrides.setdefault("models_dir", MODELS)
    return Settings(_env_file=None, data_dir=data_dir, articles_dirs=[articles_dir], **overrides)


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A fresh articles folder holding copies of the two seed articles."""
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS_DIR, folder)
    return folder


@pytest.fixture
def newsdesk(tmp_path: Path, articles_dir: Path) -> Newsdesk:
    """A service over an empty store of its own (the articles folder is not indexed yet)."""
    return Newsdesk(make_settings(tmp_path / "data", articles_dir))


def seeded_desk(root: Path, **overrides) -> Newsdesk:
    """A service over its own copy of the seed articles in `root`, indexed and warm."""
    shutil.copytree(SEEDS_DIR, root / "articles")
    desk = Newsdesk(make_settings(root / "data", root / "articles", **overrides))
    desk.refresh()
    desk.warm_up()
    return desk


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> Newsdesk:
    """One store with the seed articles indexed, shared read-only by many tests."""
    return seeded_desk(tmp_path_factory.mktemp("seeded"))


def assert_grounded(desk: Newsdesk, answer) -> None:
    """Every [n] has its citation and every quote is an exact substring of its article."""
    import re

    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}
    for citation in answer.citations:
        text = desk.store.get_articles([citation.article_id])[citation.article_id].text
        assert citation.quote in text


def run_cli(*args: str, env: dict | None = None, input: str | None = None, timeout: int = 180):
    """Run the real `newsdesk` command in a fresh process."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.interfaces.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=timeout,
        cwd=REPO,
    )


LEAK_GRACE_S = 5.0  # what a process told to stop may take to exit before it counts as left


def pytest_sessionstart(session: pytest.Session) -> None:
    """Adopt orphans: a worker whose parent a test killed is then still found at the end."""
    become_subreaper()


@pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No test may leave a process running (a parse worker, a server, a cluster's worker):
    each one still below this process after a grace period is killed, named, and fails the
    run. A test that starts a process stops it in its own fixture."""
    stop_resource_tracker()  # multiprocessing's own: it would otherwise last as long as we do
    left = still_running(descendants(os.getpid()), LEAK_GRACE_S)
    kill(left)
    reap_zombies()
    if not left:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    say = reporter.write_line if reporter else print
    if reporter:
        reporter.write_line("")  # end the progress line
        reporter.write_sep("=", "processes left running by the tests (now killed)", red=True)
    for proc in left:
        say(f"  {proc}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
