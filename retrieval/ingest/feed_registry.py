"""The followed feeds and what was taken from them: one SQLite file in the data dir, shared
by the CLI, the watcher and the Slack app (`retrieval.ingest.feeds` polls them).

An entry is known by its canonical URL (courlan's normalisation, without the fragment), so
the same story under tracking parameters is one entry; a feed keeps the folder its entries
were first written to.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit


class FeedError(ValueError):
    """A feed URL newsdesk cannot take (not http(s), already followed, unknown)."""


@dataclass
class Feed:
    """A followed feed and how its polling has gone."""

    url: str
    source: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    failures: int = 0
    next_poll_at: float = 0.0
    entries: int = 0

    def to_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key not in ("etag",)}


def canonical_url(url: str) -> str:
    """The same story under the same key: courlan's normalisation (lower-case scheme and host,
    default port dropped, tracking parameters removed, the rest sorted), no fragment, no
    trailing slash."""
    from courlan import normalize_url

    normalised = urlsplit(normalize_url(url.strip()))
    return normalised._replace(path=normalised.path.rstrip("/") or "/", fragment="").geturl()


def feed_folder_name(url: str) -> str:
    """A readable, unique folder per feed: host plus a short hash of the URL."""
    host = re.sub(r"[^a-z0-9]+", "-", urlsplit(url).netloc.lower()).strip("-") or "feed"
    return f"{host}-{hashlib.sha256(canonical_url(url).encode()).hexdigest()[:8]}"


class FeedRegistry:
    """The followed feeds and the entries taken from them (SQLite in the data dir, shared by
    the CLI, the watcher and the Slack app)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, source TEXT, "
                "etag TEXT, last_modified TEXT, last_success TEXT, last_error TEXT, "
                "failures INTEGER DEFAULT 0, next_poll_at REAL DEFAULT 0)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS entries (feed TEXT, key TEXT, version TEXT, "
                "content_hash TEXT, file TEXT, PRIMARY KEY (feed, key))"
            )
            db.execute("CREATE INDEX IF NOT EXISTS entries_by_hash ON entries (content_hash)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS robots (root TEXT PRIMARY KEY, fetched_at REAL, "
                "status INTEGER, body TEXT)"
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def add(self, url: str, source: str | None = None) -> Feed:
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise FeedError(f"{url}: not an http(s) URL; give the feed's full address")
        with self._lock, self._connect() as db:
            exists = db.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone()
            if exists:
                raise FeedError(f"{url} is already followed (`newsdesk feeds list`)")
            db.execute("INSERT INTO feeds (url, source) VALUES (?, ?)", (url, source))
        return Feed(url, source)

    def remove(self, url: str) -> list[str]:
        """Stop following `url`; returns the files its entries were saved to."""
        with self._lock, self._connect() as db:
            if not db.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone():
                raise FeedError(f"{url} is not followed; see `newsdesk feeds list`")
            files = [r["file"] for r in db.execute("SELECT file FROM entries WHERE feed = ?",
                                                   (url,))]  # fmt: skip
            db.execute("DELETE FROM entries WHERE feed = ?", (url,))
            db.execute("DELETE FROM feeds WHERE url = ?", (url,))
        return files

    def feeds(self) -> list[Feed]:
        with self._connect() as db:
            counts = dict(db.execute("SELECT feed, COUNT(*) FROM entries GROUP BY feed"))
            rows = db.execute("SELECT * FROM feeds ORDER BY url").fetchall()
        return [Feed(**dict(row), entries=counts.get(row["url"], 0)) for row in rows]

    def save(self, feed: Feed) -> None:
        with self._lock, self._connect() as db:
            db.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, last_success = ?, "
                "last_error = ?, failures = ?, next_poll_at = ? WHERE url = ?",
                (feed.etag, feed.last_modified, feed.last_success, feed.last_error,
                 feed.failures, feed.next_poll_at, feed.url),
            )  # fmt: skip

    def folder_name(self, url: str) -> str:
        """The folder a feed's entries go to: where they already are (so a change of naming
        rule never strands a feed's earlier files), else a new name for the feed."""
        with self._connect() as db:
            row = db.execute("SELECT file FROM entries WHERE feed = ? LIMIT 1", (url,)).fetchone()
        return Path(row["file"]).parent.name if row else feed_folder_name(url)

    def entry(self, feed: str, key: str) -> sqlite3.Row | None:
        with self._connect() as db:
            return db.execute(
                "SELECT * FROM entries WHERE feed = ? AND key = ?", (feed, key)
            ).fetchone()

    def holds_text(self, content_hash: str, except_key: str) -> bool:
        """Some other entry (of any feed) already brought this exact text."""
        with self._connect() as db:
            row = db.execute(
                "SELECT 1 FROM entries WHERE content_hash = ? AND key != ?",
                (content_hash, except_key),
            ).fetchone()
        return row is not None

    def robots(self, root: str) -> tuple[float, int, str] | None:
        """The robots.txt last read from `root`: (when, HTTP status, text)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT fetched_at, status, body FROM robots WHERE root = ?", (root,)
            ).fetchone()
        return tuple(row) if row else None

    def save_robots(self, root: str, status: int, body: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO robots VALUES (?, ?, ?, ?)",
                       (root, time.time(), status, body))  # fmt: skip

    def remember(self, feed: str, key: str, version: str, content_hash: str, file: str) -> None:
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                (feed, key, version, content_hash, file),
            )
