"""The shared state database every replica of the app reads and writes: SQLite under
NEWSDESK_DATA_DIR by default (one host), PostgreSQL when NEWSDESK_DATABASE_URL names one.

The Slack app keeps its answers, votes, events seen and scopes there
(`bot.interfaces.slack_store`), and the follows keep their subscriptions, matches and
deliveries there (`bot.follows.book`): one database, one way to open it, so a deployment
names it once and every replica agrees on what was already done.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def database_url(configured: str | None, sqlite_path: Path) -> str:
    """NEWSDESK_DATABASE_URL as SQLAlchemy reads it (psycopg 3 for `postgresql://`), else
    the SQLite file under the data folder."""
    if not configured:
        return f"sqlite:///{sqlite_path}"
    for plain in ("postgresql://", "postgres://"):
        if configured.startswith(plain):
            return "postgresql+psycopg://" + configured[len(plain) :]
    return configured


def open_engine(url: str) -> sa.Engine:
    """An engine for `url`; a SQLite file's folder is made, and WAL lets threads (and a CLI
    run beside the app) read while one writes."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_wal)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10)


def insert_for(engine: sa.Engine):
    """The dialect's INSERT, which knows ON CONFLICT (both SQLite and PostgreSQL do)."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def _sqlite_wal(connection, _record) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
