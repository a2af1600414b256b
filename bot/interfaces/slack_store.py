"""What the Slack app remembers, in SQLite under NEWSDESK_DATA_DIR: answers, votes, events seen.

Answers are kept so thread follow-ups, "More sources" and feedback can refer to them by id;
votes are the feedback a newsroom reviews with `newsdesk feedback`; event ids make a retried
delivery of the same Slack event a no-op, even across restarts or several workers.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from pathlib import Path

from bot.answer.types import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, channel TEXT, thread_ts TEXT, user TEXT,
    record TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS answers_thread ON answers (channel, thread_ts);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT NOT NULL, user TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')), created_at TEXT NOT NULL,
    UNIQUE (answer_id, user));
CREATE TABLE IF NOT EXISTS seen_events (event_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class SlackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def first_sighting(self, event_id: str) -> bool:
        """True the first time an event id is seen; False for Slack's retries of it."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO seen_events VALUES (?, ?)", (event_id, _now())
            )
            return cursor.rowcount == 1

    def save_answer(self, answer: Answer, channel: str, thread_ts: str | None, user: str) -> str:
        answer_id = uuid.uuid4().hex[:16]
        with self._lock:
            self._db.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (answer_id, channel, thread_ts, user, json.dumps(answer.to_record()), _now()),
            )
        return answer_id

    def answer(self, answer_id: str) -> Answer | None:
        row = self._db.execute("SELECT record FROM answers WHERE id = ?", (answer_id,)).fetchone()
        return Answer.from_record(json.loads(row[0])) if row else None

    def record_vote(self, answer_id: str, user: str, vote: str) -> None:
        """One vote per user and answer; clicking again changes it."""
        with self._lock:
            self._db.execute(
                "INSERT INTO feedback (answer_id, user, vote, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (answer_id, user) DO UPDATE SET vote = excluded.vote, "
                "created_at = excluded.created_at",
                (answer_id, user, vote, _now()),
            )

    def feedback(self) -> list[dict]:
        rows = self._db.execute(
            "SELECT f.user, f.vote, f.created_at, a.record, a.channel FROM feedback f "
            "JOIN answers a ON a.id = f.answer_id ORDER BY f.id"
        ).fetchall()
        result = []
        for user, vote, created_at, record, channel in rows:
            answer = json.loads(record)
            result.append(
                {
                    "user": user,
                    "vote": vote,
                    "time": created_at,
                    "channel": channel,
                    "question": answer["question"],
                    "answer": answer["answer"],
                    "citations": [
                        {k: c[k] for k in ("n", "article_id", "title", "published", "paragraph")}
                        for c in answer["citations"]
                    ],
                }
            )
        return result
