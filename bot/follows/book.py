"""Who follows what, what matched, and what was delivered: the follows' tables in the shared
state database (`bot.state`: SQLite by default, PostgreSQL for replicas).

Exactly once is kept by the database, not by any process's memory:

- a match is a row keyed by (follow, item), where the item is the followed speaker and the
  quotation's own words (or, for a topic, the passage's words): matching the same arrival
  again — a retry, a re-ingest, a correction elsewhere in the article, another replica
  reading the same change — inserts nothing;
- a follow's pending matches are sent by whichever replica claims the follow first (a short
  lease on its row), and marked delivered in the same breath as the message goes out;
- the change log is read from one shared cursor, so a replica that starts late or restarts
  reads on from where any of them stopped.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.state import insert_for, open_engine

CLAIM_S = 120.0  # a replica that claimed a follow and died frees it after this
DAILY, NOW = "daily", "now"

_metadata = sa.MetaData()
follows = sa.Table(
    "follows", _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(64), nullable=False),  # a Slack channel or DM; "cli"
    sa.Column("kind", sa.String(8), nullable=False),  # "person" or "topic"
    sa.Column("asked", sa.Text, nullable=False),  # the name or topic as written
    sa.Column("about", sa.Text),  # a person's topic
    sa.Column("resolved", sa.Text, nullable=False),  # whom the name was read as
    sa.Column("speaker_keys", sa.Text, nullable=False),  # JSON list
    sa.Column("cadence", sa.String(8), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("last_sent_at", sa.Float),
    sa.Column("claimed_until", sa.Float),
    sa.Index("follows_channel", "channel", "active"),
)  # fmt: skip
matches = sa.Table(
    "follow_matches", _metadata,
    sa.Column("follow_id", sa.Integer, primary_key=True),
    sa.Column("item", sa.String(64), primary_key=True),
    sa.Column("article_id", sa.String(200), nullable=False),
    sa.Column("written_at", sa.Float, nullable=False),  # the article's change stamp
    sa.Column("found_at", sa.Float, nullable=False),
    sa.Column("record", sa.Text, nullable=False),  # the citation, JSON
    sa.Column("delivered_at", sa.Float),
    sa.Index("follow_matches_pending", "follow_id", "delivered_at"),
)  # fmt: skip
cursors = sa.Table(
    "follow_cursor", _metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("position", sa.Float, nullable=False),
)  # fmt: skip
ARRIVALS = "arrivals"


@dataclass(frozen=True)
class Follow:
    """One follow: a person (with an optional topic) or a topic, and where alerts go."""

    id: int
    channel: str
    kind: str
    asked: str
    about: str | None
    resolved: str
    speaker_keys: tuple[str, ...]
    cadence: str
    created_by: str
    created_at: float
    active: bool = True
    last_sent_at: float | None = None

    def describe(self) -> str:
        """`Khawaja Asif about “Taliban”`, `the topic “Istanbul talks”`, `…, daily`."""
        if self.kind == "topic":
            text = f"the topic “{self.asked}”"
        else:
            text = self.resolved + (f" about “{self.about}”" if self.about else "")
        return text + (", daily digest" if self.cadence == DAILY else "")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "channel": self.channel,
            "kind": self.kind,
            "asked": self.asked,
            "about": self.about,
            "resolved": self.resolved,
            "cadence": self.cadence,
            "created_by": self.created_by,
            "created_at": _iso(self.created_at),
            "last_sent_at": _iso(self.last_sent_at),
        }


@dataclass(frozen=True)
class Match:
    """A quotation or passage that matched a follow, delivered or not yet."""

    follow_id: int
    item: str
    article_id: str
    written_at: float
    found_at: float
    record: dict
    delivered_at: float | None = None

    def to_dict(self) -> dict:
        return {
            "follow_id": self.follow_id,
            "article_id": self.article_id,
            "written_at": _iso(self.written_at),
            "found_at": _iso(self.found_at),
            "delivered_at": _iso(self.delivered_at),
            **self.record,
        }


class FollowBook:
    """The follows, their matches and the change-log cursor, in the shared database."""

    def __init__(self, url: str) -> None:
        self.engine = open_engine(url)
        _metadata.create_all(self.engine)
        self._insert = insert_for(self.engine)

    # -- follows ------------------------------------------------------------------------
    def add(self, draft: Follow) -> Follow:
        values = {k: v for k, v in _row(draft).items() if k != "id"}
        with self.engine.begin() as db:
            new_id = db.execute(follows.insert().values(**values)).inserted_primary_key[0]
        return Follow(**{**draft.__dict__, "id": int(new_id)})

    def listed(self, channel: str | None = None) -> list[Follow]:
        """The active follows (of one channel), oldest first."""
        query = sa.select(follows).where(follows.c.active.is_(True)).order_by(follows.c.id)
        if channel is not None:
            query = query.where(follows.c.channel == channel)
        with self.engine.connect() as db:
            return [_follow(row) for row in db.execute(query)]

    def get(self, follow_id: int) -> Follow | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(follows).where(follows.c.id == follow_id)).first()
        return _follow(row) if row is not None else None

    def stop(self, follow_id: int, channel: str | None = None) -> Follow | None:
        """End a follow (of this channel, when given); its pending matches are never sent."""
        condition = [follows.c.id == follow_id, follows.c.active.is_(True)]
        if channel is not None:
            condition.append(follows.c.channel == channel)
        found = self.get(follow_id)
        with self.engine.begin() as db:
            if db.execute(follows.update().where(*condition).values(active=False)).rowcount:
                return found
        return None

    # -- matches ------------------------------------------------------------------------
    def record(self, found: list[Match]) -> int:
        """Keep these matches; those already kept (any replica, any earlier run) are left
        as they are. Returns how many were new."""
        if not found:
            return 0
        rows = [
            {
                "follow_id": m.follow_id, "item": m.item, "article_id": m.article_id,
                "written_at": m.written_at, "found_at": m.found_at,
                "record": json.dumps(m.record, ensure_ascii=False),
            }
            for m in found
        ]  # fmt: skip
        statement = self._insert(matches).on_conflict_do_nothing().returning(matches.c.item)
        with self.engine.begin() as db:
            return sum(1 for row in rows if db.execute(statement, row).first() is not None)

    def pending(self, follow_id: int, limit: int | None = None) -> list[Match]:
        """A follow's matches not yet delivered, in the order their articles were written."""
        query = (
            sa.select(matches)
            .where(matches.c.follow_id == follow_id, matches.c.delivered_at.is_(None))
            .order_by(matches.c.written_at, matches.c.item)
            .limit(limit)
        )
        with self.engine.connect() as db:
            return [_match(row) for row in db.execute(query)]

    def found_since(self, moment: float, channel: str | None = None) -> list[Match]:
        """Every match found after `moment` (of the follows of `channel`), oldest first."""
        query = sa.select(matches).where(matches.c.found_at > moment)
        if channel is not None:
            mine = sa.select(follows.c.id).where(follows.c.channel == channel)
            query = query.where(matches.c.follow_id.in_(mine))
        query = query.order_by(matches.c.found_at, matches.c.follow_id, matches.c.item)
        with self.engine.connect() as db:
            return [_match(row) for row in db.execute(query)]

    # -- delivery -----------------------------------------------------------------------
    def due(self, now: float, every_s: float, morning: float) -> list[Follow]:
        """Active follows with something pending whose time has come: at once for the
        first message, then at most one per `every_s`; a daily one once after `morning`
        (the last digest hour, `digest_moment`)."""
        waiting = sa.select(matches.c.follow_id).where(matches.c.delivered_at.is_(None))
        query = sa.select(follows).where(follows.c.active.is_(True), follows.c.id.in_(waiting))
        with self.engine.connect() as db:
            candidates = [_follow(row) for row in db.execute(query.order_by(follows.c.id))]
        return [f for f in candidates if _time_has_come(f, now, every_s, morning)]

    def claim(self, follow_id: int, now: float) -> bool:
        """True for the one replica that may send this follow's message now."""
        statement = (
            follows.update()
            .where(
                follows.c.id == follow_id,
                sa.or_(follows.c.claimed_until.is_(None), follows.c.claimed_until < now),
            )
            .values(claimed_until=now + CLAIM_S)
        )
        with self.engine.begin() as db:
            return db.execute(statement).rowcount == 1

    def delivered(self, follow_id: int, items: list[str], now: float, release: bool = True) -> None:
        """These matches went out in one message: marked, the follow's clock reset, and
        (after the batch's last message) the claim given back."""
        done = {"last_sent_at": now} | ({"claimed_until": None} if release else {})
        with self.engine.begin() as db:
            db.execute(
                matches.update()
                .where(matches.c.follow_id == follow_id, matches.c.item.in_(items))
                .values(delivered_at=now)
            )
            db.execute(follows.update().where(follows.c.id == follow_id).values(**done))

    def release(self, follow_id: int) -> None:
        """Give a claim back unsent (the post failed): the next round tries again."""
        with self.engine.begin() as db:
            db.execute(follows.update().where(follows.c.id == follow_id).values(claimed_until=None))

    # -- the change log's cursor ----------------------------------------------------------
    def cursor(self, default: float) -> float:
        with self.engine.connect() as db:
            position = db.execute(
                sa.select(cursors.c.position).where(cursors.c.name == ARRIVALS)
            ).scalar()
        return default if position is None else float(position)

    def advance(self, position: float) -> None:
        """Move the shared cursor forward (never back: replicas read in any order)."""
        statement = self._insert(cursors).values(name=ARRIVALS, position=position)
        statement = statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"position": position},
            where=cursors.c.position < position,
        )
        with self.engine.begin() as db:
            db.execute(statement)

    def close(self) -> None:
        self.engine.dispose()


def digest_moment(now: float, hour: int, zone: str) -> float:
    """The latest digest hour at or before `now`, in the newsroom's time zone."""
    local = dt.datetime.fromtimestamp(now, ZoneInfo(zone))
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if moment > local:
        moment -= dt.timedelta(days=1)
    return moment.timestamp()


def _time_has_come(follow: Follow, now: float, every_s: float, morning: float) -> bool:
    """A daily follow's first morning since its last message (or since it was made); any
    other's first match at once, then one message per `every_s` at most."""
    if follow.cadence == DAILY:
        return max(follow.last_sent_at or 0.0, follow.created_at) < morning
    return follow.last_sent_at is None or now - follow.last_sent_at >= every_s


def _row(follow: Follow) -> dict:
    return {**follow.__dict__, "speaker_keys": json.dumps(list(follow.speaker_keys))}


def _follow(row) -> Follow:
    return Follow(
        id=row.id, channel=row.channel, kind=row.kind, asked=row.asked, about=row.about,
        resolved=row.resolved, speaker_keys=tuple(json.loads(row.speaker_keys)),
        cadence=row.cadence, created_by=row.created_by, created_at=row.created_at,
        active=row.active, last_sent_at=row.last_sent_at,
    )  # fmt: skip


def _match(row) -> Match:
    return Match(
        row.follow_id, row.item, row.article_id, row.written_at, row.found_at,
        json.loads(row.record), row.delivered_at,
    )  # fmt: skip


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="seconds")
