"""Settings of the answering side and its interfaces, on top of the store's.

`StoreSettings` (retrieval) holds what ingest and the store read; here `AnswerSettings` (how
answers are made), `LLMSettings` (the optional generative answerer) and `SlackSettings` (the
Slack app) add theirs. `Settings` is all four at once: the one object the CLI builds from
`NEWSDESK_*` variables and an optional `.env`, handed to each reader typed as the part it
reads. Slack tokens are *not* settings: secrets come only from the process environment (see
`bot.interfaces.slack_app.SlackSecrets`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode

from retrieval.settings import ENV, REPO_ROOT, StoreSettings

PROMPTS_DIR = REPO_ROOT / "prompts"


def _split_names(value: object) -> object:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


class AnswerSettings(BaseSettings):
    """How answers are made from the evidence found."""

    model_config = ENV

    top_k: int = 8
    max_citations: int = 3
    # Reuters dev set (bench/relevance.py): the highest floor that refuses no answerable
    # question (lowest answerable 0.269); unknown-word refusals catch most of the rest.
    min_relevance: float = 0.26
    max_question_chars: int = 500


class LLMSettings(BaseSettings):
    """The optional generative answerer (an OpenAI-compatible endpoint); unset: extractive."""

    model_config = ENV

    llm: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 30.0
    strict_citations: bool = True


class SlackSettings(BaseSettings):
    """The Slack app's port, admins, rate limit and shared state (its tokens are secrets,
    not settings)."""

    model_config = ENV

    slack_port: int = 3000
    slack_admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    slack_rate_limit_per_minute: int = 10
    # dedupe, rate limits, feedback, scopes, thread memory: SQLite under NEWSDESK_DATA_DIR
    # unless set, e.g. postgresql://newsdesk@db/newsdesk for replicas sharing one database
    database_url: str | None = None
    # seconds between the light encodes that keep an idle process's encoder warm; 0: off
    warm_interval_s: float = 2.0

    _split_admins = field_validator("slack_admins", mode="before")(_split_names)


class FollowSettings(BaseSettings):
    """How follows are delivered: how often arrivals are read, how often one follow may
    post, and when a daily digest goes out."""

    model_config = ENV

    follow_poll_s: float = Field(default=5.0, gt=0)  # the Slack app reads the change log this often
    alert_every_min: float = Field(default=10.0, ge=0)  # at most one message per follow per …
    digest_hour: int = Field(default=8, ge=0, le=23)  # a daily follow's message, this hour
    digest_timezone: str = "UTC"  # … in this time zone (an IANA name: Asia/Karachi)

    @field_validator("digest_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name such as Europe/London") from None
        return value


class Settings(StoreSettings, AnswerSettings, LLMSettings, SlackSettings, FollowSettings):
    """Every setting at once: what the CLI builds and hands on, each reader typed by its part."""

    model_config = ENV
