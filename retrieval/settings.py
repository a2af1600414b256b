"""One settings object for the whole app, read from `NEWSDESK_*` variables and an optional `.env`.

Every module receives a `Settings` instead of reading the environment itself, so tests and
embedding applications can build one in code. Slack tokens are *not* here: secrets are read
only from the process environment (see `bot.slack_app.SlackSecrets`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
PROMPTS_DIR = REPO_ROOT / "prompts"


def _split_paths(value: object) -> object:
    """Accept `a:b`, `a,b` or a list, so a shell user can write either separator."""
    if isinstance(value, str):
        parts = [p.strip() for chunk in value.split(",") for p in chunk.split(os.pathsep)]
        return [Path(p).expanduser() for p in parts if p]
    return value


def _split_names(value: object) -> object:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


class Settings(BaseSettings):
    """Everything a deployment can tune; each field is `NEWSDESK_<FIELD>` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("newsdesk")))
    articles_dirs: Annotated[list[Path], NoDecode] = Field(default_factory=lambda: [SEEDS_DIR])
    collection: str = "newsdesk"
    chroma_url: str | None = None

    chunk_size: int = 1100  # chosen on the development set: see retrieval/chunking.py
    chunk_overlap: int = 110
    embed_batch_size: int | None = None  # None: the backend's best (retrieval/embedding.py)
    encoder: Literal["onnx", "sentence-transformers"] = "onnx"
    models_dir: Path | None = None  # the ONNX export's folder; default: <data_dir>/models
    max_file_mb: float = 10.0
    strip_boilerplate: bool = True

    top_k: int = 8
    max_citations: int = 3
    # Reuters dev set (bench/relevance.py): the highest floor that refuses no answerable
    # question (lowest answerable 0.269); unknown-word refusals catch most of the rest.
    min_relevance: float = 0.26

    llm: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 30.0
    strict_citations: bool = True

    slack_port: int = 3000
    slack_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    slack_rate_limit_per_minute: int = 10
    max_question_chars: int = 500
    watch: bool = False

    feeds_dir: Path | None = None  # where feed entries are saved; default: <data_dir>/feeds
    feed_interval_s: float = 300.0
    feed_host_delay_s: float = 1.0  # politeness: the least time between two requests to a host
    feed_timeout_s: float = 15.0

    _split_dirs = field_validator("articles_dirs", mode="before")(_split_paths)
    _split_admins = field_validator("slack_admins", mode="before")(_split_names)

    @field_validator("collection")
    @classmethod
    def _collection_name_is_valid(cls, value: str) -> str:
        if len(value) < 3:
            raise ValueError("NEWSDESK_COLLECTION needs at least 3 characters (Chroma's rule)")
        return value

    # Every file newsdesk keeps under the data dir, named once.
    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        """Derived indexes kept per machine (lexical index, quote lookup, segment counts)."""
        return self.data_dir / "cache"

    @property
    def feeds_db(self) -> Path:
        return self.data_dir / "feeds.sqlite"

    @property
    def slack_db(self) -> Path:
        """Slack's dedupe, rate limits, feedback and thread memory (one process's)."""
        return self.data_dir / "slack.sqlite3"

    @property
    def repl_history(self) -> Path:
        return self.data_dir / "repl_history"

    @property
    def feeds_folder(self) -> Path:
        return self.feeds_dir or self.data_dir / "feeds"

    @property
    def archive_dirs(self) -> list[Path]:
        """The folders the archive is kept in sync with: the article folders, and the feeds
        folder once a feed has written to it."""
        feeds = [self.feeds_folder] if self.feeds_folder.is_dir() else []
        return [*self.articles_dirs, *(f for f in feeds if f not in self.articles_dirs)]

    @property
    def model_cache(self) -> Path:
        """Where the ONNX export of the embedding model is kept (made once, offline)."""
        return self.models_dir or self.data_dir / "models"
