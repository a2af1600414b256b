"""What the Slack app remembers: answers, votes, events seen, questions asked, channel scopes,
and what each user is looking at (the agent view's context).

Answers are kept so thread follow-ups, "More sources" and feedback can refer to them by id;
votes are the feedback a newsroom reviews with `newsdesk feedback`; event ids make a retried
delivery of the same Slack event a no-op; the questions asked feed the rate limit and App
Home's "your last questions"; a channel's scope limits the articles its answers may cite.

All of it lives in one SQL database through SQLAlchemy: SQLite under NEWSDESK_DATA_DIR by
default (one host), PostgreSQL when NEWSDESK_DATABASE_URL names one, so that several
replicas behind one Slack endpoint share it: whichever replica sees a retried event first
claims its id, and the others drop it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass, replace

import sqlalchemy as sa

from bot.answer.types import Answer
from bot.state import database_url, insert_for, open_engine
from retrieval.types import SearchFilters

SEEN_EVENTS_KEPT_S = 24 * 3600  # Slack retries within minutes; a day is ample
_metadata = sa.MetaData()
answers = sa.Table(
    "answers", _metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel", sa.String(64)),
    sa.Column("thread_ts", sa.String(32)),
    sa.Column("user", sa.String(64)),
    sa.Column("question", sa.Text),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Index("answers_thread", "channel", "thread_ts"),
    sa.Index("answers_user", "user", "created_at"),
)  # fmt: skip
feedback_votes = sa.Table(
    "feedback", _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("answer_id", sa.String(32), nullable=False),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("vote", sa.String(8), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.UniqueConstraint("answer_id", "user"),
    sa.CheckConstraint("vote IN ('up', 'down')"),
)  # fmt: skip
seen_events = sa.Table(
    "seen_events", _metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("seen_at", sa.Float, nullable=False),
)  # fmt: skip
asks = sa.Table(
    "asks", _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("asks_user", "user", "at"),
)  # fmt: skip
scopes = sa.Table(
    "channel_scopes", _metadata,
    sa.Column("channel", sa.String(64), primary_key=True),
    sa.Column("source", sa.Text),
    sa.Column("since", sa.String(10)),
    sa.Column("until", sa.String(10)),
    sa.Column("set_by", sa.String(64), nullable=False),
    sa.Column("set_at", sa.String(32), nullable=False),
)  # fmt: skip

looking_at = sa.Table(
    "viewing", _metadata,
    sa.Column("user", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(64)),
    sa.Column("message_ts", sa.String(32)),
    sa.Column("set_at", sa.String(32), nullable=False),
)  # fmt: skip


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Viewing:
    """What a user is looking at in Slack (the agent view's `app_context_changed`): a
    channel, and the message in it when there is one."""

    channel: str | None
    message_ts: str | None


@dataclass(frozen=True)
class ChannelScope:
    """The articles a channel's answers may cite, as an admin set them."""

    filters: SearchFilters
    set_by: str
    set_at: str
    viewing: str | None = None  # set on a DM answer: the channel whose scope it followed

    def describe(self) -> str:
        """`source "Dawn", since 2025-01-01`: what the footer and `/newsdesk scope` say."""
        parts = []
        if self.filters.source:
            parts.append(f'source "{self.filters.source}"')
        if self.filters.since:
            parts.append(f"since {self.filters.since.isoformat()}")
        if self.filters.until:
            parts.append(f"until {self.filters.until.isoformat()}")
        return ", ".join(parts)

    def narrow(self, asked: SearchFilters | None) -> tuple[SearchFilters, str | None]:
        """The question's own filters within this scope, or why they fall outside it."""
        scope = self.filters
        if asked is None:
            return scope, None
        if asked.source and scope.source and asked.source.lower() != scope.source.lower():
            return scope, (
                f"This channel's answers cite only {self.describe()}; ask about "
                f'source:"{asked.source}" in another channel or a direct message.'
            )
        since = max((d for d in (scope.since, asked.since) if d), default=None)
        until = min((d for d in (scope.until, asked.until) if d), default=None)
        if since and until and since > until:
            return scope, f"Those dates fall outside this channel's scope ({self.describe()})."
        return SearchFilters(since, until, scope.source or asked.source), None


class SlackStore:
    def __init__(self, url: str) -> None:
        self.engine = open_engine(url)
        _metadata.create_all(self.engine)
        _add_question_column(self.engine)
        self._insert = insert_for(self.engine)
        with self.engine.begin() as db:
            db.execute(
                seen_events.delete().where(seen_events.c.seen_at < time.time() - SEEN_EVENTS_KEPT_S)
            )

    @classmethod
    def for_settings(cls, settings) -> SlackStore:
        return cls(database_url(settings.database_url, settings.slack_db))

    def first_sighting(self, event_id: str) -> bool:
        """True the first time an event id is seen, by any replica; False for retries."""
        claim = self._insert(seen_events).values(event_id=event_id, seen_at=time.time())
        claim = claim.on_conflict_do_nothing().returning(seen_events.c.event_id)
        with self.engine.begin() as db:
            return db.execute(claim).first() is not None

    def retry_after(self, user: str, per_minute: int) -> float:
        """0 if the user may ask now (and counts this ask), else seconds until they may:
        at most `per_minute` questions in any sliding minute, across replicas."""
        now = time.time()
        with self.engine.begin() as db:
            db.execute(asks.delete().where(asks.c.user == user, asks.c.at <= now - 60))
            times = (
                db.execute(sa.select(asks.c.at).where(asks.c.user == user).order_by(asks.c.at))
                .scalars()
                .all()
            )
            if len(times) >= per_minute:
                return max(0.1, 60 - (now - times[-per_minute]))
            db.execute(asks.insert().values(user=user, at=now))
        return 0.0

    def save_answer(self, answer: Answer, channel: str, thread_ts: str | None, user: str) -> str:
        answer_id = uuid.uuid4().hex[:16]
        row = {
            "id": answer_id, "channel": channel, "thread_ts": thread_ts, "user": user,
            "question": answer.question, "record": json.dumps(answer.to_record()),
            "created_at": _now(),
        }  # fmt: skip
        with self.engine.begin() as db:
            db.execute(answers.insert().values(**row))
        return answer_id

    def answer(self, answer_id: str) -> Answer | None:
        with self.engine.connect() as db:
            record = db.execute(
                sa.select(answers.c.record).where(answers.c.id == answer_id)
            ).scalar()
        return Answer.from_record(json.loads(record)) if record else None

    def recent_questions(self, user: str, limit: int = 5) -> list[dict]:
        """The user's last questions, newest first (App Home)."""
        query = (
            sa.select(answers.c.question, answers.c.created_at, answers.c.record)
            .where(answers.c.user == user)
            .order_by(answers.c.created_at.desc(), answers.c.id)
            .limit(limit)
        )
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [
            {"question": q, "time": at, "found": json.loads(record).get("found", False)}
            for q, at, record in rows
        ]

    def record_vote(self, answer_id: str, user: str, vote: str) -> None:
        """One vote per user and answer; clicking again changes it."""
        statement = self._insert(feedback_votes).values(
            answer_id=answer_id, user=user, vote=vote, created_at=_now()
        )
        statement = statement.on_conflict_do_update(
            index_elements=["answer_id", "user"],
            set_={"vote": statement.excluded.vote, "created_at": statement.excluded.created_at},
        )
        with self.engine.begin() as db:
            db.execute(statement)

    def feedback(self) -> list[dict]:
        query = (
            sa.select(
                feedback_votes.c.user, feedback_votes.c.vote, feedback_votes.c.created_at,
                answers.c.record, answers.c.channel,
            )
            .join(answers, answers.c.id == feedback_votes.c.answer_id)
            .order_by(feedback_votes.c.id)
        )  # fmt: skip
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [_feedback_row(*row) for row in rows]

    # -- channel scopes -----------------------------------------------------------------
    def set_scope(self, channel: str, filters: SearchFilters, user: str) -> ChannelScope:
        values = {
            "source": filters.source,
            "since": filters.since.isoformat() if filters.since else None,
            "until": filters.until.isoformat() if filters.until else None,
            "set_by": user,
            "set_at": _now(),
        }
        statement = self._insert(scopes).values(channel=channel, **values)
        statement = statement.on_conflict_do_update(index_elements=["channel"], set_=values)
        with self.engine.begin() as db:
            db.execute(statement)
        return ChannelScope(filters, user, values["set_at"])

    def scope(self, channel: str) -> ChannelScope | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(scopes).where(scopes.c.channel == channel)).first()
        if row is None:
            return None
        since, until = (dt.date.fromisoformat(d) if d else None for d in (row.since, row.until))
        return ChannelScope(SearchFilters(since, until, row.source), row.set_by, row.set_at)

    def clear_scope(self, channel: str) -> bool:
        with self.engine.begin() as db:
            return db.execute(scopes.delete().where(scopes.c.channel == channel)).rowcount > 0

    # -- where each user is looking (agent view) ------------------------------------------
    def set_viewing(self, user: str, channel: str | None, message_ts: str | None) -> None:
        """Remember what `user` is looking at, for every replica (the last word wins)."""
        values = {"channel": channel, "message_ts": message_ts, "set_at": _now()}
        statement = self._insert(looking_at).values(user=user, **values)
        statement = statement.on_conflict_do_update(index_elements=["user"], set_=values)
        with self.engine.begin() as db:
            db.execute(statement)

    def viewing(self, user: str) -> Viewing | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(looking_at).where(looking_at.c.user == user)).first()
        return Viewing(row.channel, row.message_ts) if row is not None else None

    def close(self) -> None:
        self.engine.dispose()


def _add_question_column(engine: sa.Engine) -> None:
    """A store made before answers kept their question gains the column (NULL for old rows)."""
    columns = {c["name"] for c in sa.inspect(engine).get_columns("answers")}
    if "question" not in columns:
        with engine.begin() as db:
            db.execute(sa.text("ALTER TABLE answers ADD COLUMN question TEXT"))


def _feedback_row(user: str, vote: str, created_at: str, record: str, channel: str) -> dict:
    answer = json.loads(record)
    return {
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


def viewed_scope(store: SlackStore, user: str) -> ChannelScope | None:
    """The scope of the channel `user` is looking at (agent view), marked with that
    channel: a DM question then cites only what that channel's answers may."""
    viewing = store.viewing(user)
    scope = store.scope(viewing.channel) if viewing and viewing.channel else None
    return replace(scope, viewing=viewing.channel) if scope else None
