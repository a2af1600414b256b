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

ENV = SettingsConfigDict(
    env_prefix="NEWSDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
)

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"


def _split_paths(value: object) -> object:
    """Accept `a:b`, `a,b` or a list, so a shell user can write either separator."""
    if isinstance(value, str):
        parts = [p.strip() for chunk in value.split(",") for p in chunk.split(os.pathsep)]
        return [Path(p).expanduser() for p in parts if p]
    return value


class StoreSettings(BaseSettings):
    """The archive: each field is `NEWSDESK_<FIELD>` in the environment."""

    model_config = ENV

    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("newsdesk")))
    articles_dirs: Annotated[list[Path], NoDecode] = Field(default_factory=lambda: [SEEDS_DIR])
    collection: str = "newsdesk"
    chroma_url: str | None = None

    chunk_size: int = 1100  # chosen on the development set: see retrieval/ingest/chunking.py
    chunk_overlap: int = 110
    embed_batch_size: int | None = None  # None: the backend's best (retrieval/embedding)
    encoder: Literal["onnx", "sentence-transformers"] = "onnx"
    models_dir: Path | None = None  # the ONNX export's folder; default: <data_dir>/models
    max_file_mb: float = 10.0
    strip_boilerplate: bool = True
    watch: bool = False
    cluster: str | None = None  # a Dask scheduler (tcp://host:8786): its workers parse, encode

    feeds_dir: Path | None = None  # where feed entries are saved; default: <data_dir>/feeds
    feed_interval_s: float = 300.0
    feed_host_delay_s: float = 1.0  # politeness: the least time between two requests to a host
    feed_timeout_s: float = 15.0

    _split_dirs = field_validator("articles_dirs", mode="before")(_split_paths)

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
