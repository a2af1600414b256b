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
from retrieval.settings import SEEDS_DIR

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


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> Newsdesk:
    """One store with the seed articles indexed, shared read-only by many tests."""
    root = tmp_path_factory.mktemp("seeded")
    shutil.copytree(SEEDS_DIR, root / "articles")
    desk = Newsdesk(make_settings(root / "data", root / "articles"))
    desk.refresh()
    return desk


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
