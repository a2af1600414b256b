"""Follows as a desk uses them: made from a command's words, listed, stopped, matched as
articles arrive, and delivered — one message per follow and batch, through whichever
surface sends it (Slack, the CLI's `alerts`).

A person follow resolves its name as `quotes NAME` does (every speaker that name means),
else as a question would (a role, a near spelling), and says whom it was read as; a name
the archive does not quote yet is followed by that name, for the first article quoting it.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.answer.question import analyse, split_quotes_command
from bot.answer.said import SpeechAnswerer
from bot.answer.types import Answer, Citation
from bot.answer.wording import name_list
from bot.follows.book import DAILY, NOW, Follow, FollowBook, Match, digest_moment
from bot.follows.matching import FollowMatcher
from bot.settings import Settings
from bot.state import database_url
from retrieval.embedding.encoder import Embedder
from retrieval.search import Searcher
from retrieval.text.names import name_key

PER_MESSAGE = 10  # matches to a message; a larger batch goes in several, numbered
CLI_CHANNEL = "cli"  # follows made in the CLI or REPL: printed by `newsdesk alerts`
_TOPIC = re.compile(r"^topic\s+(?P<topic>.+)$", re.I | re.S)


class FollowError(ValueError):
    """A follow written wrongly, or one that is not there; the message says what to do."""


@dataclass(frozen=True)
class Followed:
    """A new follow and what to say about it: whom the name was read as."""

    follow: Follow
    message: str

    def to_dict(self) -> dict:
        return {**self.follow.to_dict(), "message": self.message}


@dataclass(frozen=True)
class Alert:
    """One message for one follow: its matches as a cited answer."""

    follow: Follow
    answer: Answer
    matches: list[Match]

    def to_dict(self) -> dict:
        return {
            "follow": self.follow.to_dict(),
            "text": self.answer.text,
            "citations": [c.to_dict() for c in self.answer.citations],
        }


class Following:
    """The follows of one archive: the book in the shared database and the matcher."""

    def __init__(
        self, settings: Settings, searcher: Searcher, speech: SpeechAnswerer, embedder: Embedder
    ) -> None:
        self.settings = settings
        self.speech = speech
        self.book = FollowBook(database_url(settings.database_url, settings.slack_db))
        self.matcher = FollowMatcher(self.book, settings, searcher, speech, embedder)

    # -- commands ---------------------------------------------------------------------------
    def add(self, words: str, channel: str, user: str) -> Followed:
        """`Khawaja Asif [about Taliban] [daily]` or `topic "Istanbul talks" [daily]`."""
        text, cadence = _cadence(words)
        topic = _TOPIC.match(text)
        if topic:
            asked = topic["topic"].strip().strip("\"“”'‘’ ")
            if not asked:
                raise FollowError('Say which topic: follow topic "Istanbul talks"')
            follow = self.book.add(_draft(channel, "topic", asked, None, asked, (), cadence, user))
            return Followed(follow, f"Following {follow.describe()}: {_when(follow)}.")
        name, about = split_quotes_command(text)
        name = name.strip().strip("\"“”'‘’ ")
        if not name:
            raise FollowError('Say whom: follow Khawaja Asif about Taliban, or follow topic "…"')
        resolved, keys, how = self._resolve(name)
        draft = _draft(channel, "person", name, about, resolved, keys, cadence, user)
        follow = self.book.add(draft)
        return Followed(follow, f"Following {follow.describe()}{how}: {_when(follow)}.")

    def _resolve(self, name: str) -> tuple[str, tuple[str, ...], str]:
        """(whom, speaker keys, what to say about it) for a name: as `quotes NAME` reads it
        ("Asif" is every Asif quoted), else as a question would ("the defence minister", a
        near spelling)."""
        speakers = self.speech.resolve(name)  # the name itself, as `quotes NAME` reads it
        if not speakers:  # else as a question would: a role, a near spelling
            link = self.speech.link(analyse(f"What did {name} say?"))
            speakers = list(link.speakers) if link and link.speakers else []
        if not speakers:
            if not name_key(name):
                raise FollowError(f"“{name}” is not a name newsdesk can follow.")
            return name, (), " (no article quotes that name yet; the first one that does counts)"
        names = sorted({s.name for s in speakers})
        keys = tuple(sorted({s.key for s in speakers}))
        if len(names) == 1:
            read = "" if names[0].lower() == name.lower() else f" (read as {names[0]})"
            return names[0], keys, read
        return name, keys, f" (that name means {len(names)} speakers: {name_list(names)})"

    def listed(self, channel: str | None) -> list[Follow]:
        return self.book.listed(channel)

    def stop(self, follow_id: str | int, channel: str | None) -> Follow:
        """End follow N (of this channel; anywhere from the CLI)."""
        try:
            number = int(str(follow_id).strip().lstrip("#"))
        except ValueError:
            raise FollowError("Say which follow by its number: unfollow 3 (see follows)") from None
        stopped = self.book.stop(number, channel)
        if stopped is None:
            raise FollowError(f"No follow #{number} here. `follows` lists this channel's.")
        return stopped

    # -- arrivals -----------------------------------------------------------------------------
    def scan(self) -> int:
        """Match what arrived since the shared cursor; how many new matches."""
        return self.matcher.scan()

    def deliver(
        self,
        send: Callable[[Alert], None],
        wanted: Callable[[Follow], bool] = lambda follow: True,
        on_schedule: bool = True,
        now: float | None = None,
    ) -> int:
        """Send each due follow's pending matches as one message through `send` (claimed,
        so one replica sends it); `on_schedule` False sends whatever is pending (`alerts`)."""
        now = time.time() if now is None else now
        settings = self.settings
        if on_schedule:
            every = settings.alert_every_min * 60
            morning = digest_moment(now, settings.digest_hour, settings.digest_timezone)
        else:
            every, morning = 0.0, math.inf
        due = self.book.due(now, every, morning)
        sent = 0
        for follow in due:
            if wanted(follow) and self.book.claim(follow.id, now):
                sent += self._send_batch(follow, send)
        return sent

    def _send_batch(self, follow: Follow, send: Callable[[Alert], None]) -> int:
        """Everything pending for a claimed follow: one message, or for a batch of more than
        `PER_MESSAGE`, that many to a message ("11–20 of 34"), each marked as it goes."""
        pending = self.book.pending(follow.id)
        if not pending:  # another replica sent them between `due` and the claim
            self.book.release(follow.id)
            return 0
        parts = [pending[i : i + PER_MESSAGE] for i in range(0, len(pending), PER_MESSAGE)]
        for number, part in enumerate(parts):
            try:
                send(alert(follow, part, number * PER_MESSAGE, len(pending)))
            except Exception:
                self.book.release(follow.id)
                raise
            last = number == len(parts) - 1
            self.book.delivered(follow.id, [m.item for m in part], time.time(), release=last)
        return len(parts)

    def found_since(self, moment: float, channel: str | None) -> list[Match]:
        return self.book.found_since(moment, channel)

    def close(self) -> None:
        self.book.close()


def alert(follow: Follow, found: list[Match], before: int = 0, total: int | None = None) -> Alert:
    """The message for these matches: who said what (or the passages), each cited; part
    of a batch of `total` when the `before` first went in earlier messages."""
    citations = tuple(
        Citation.from_record({**m.record, "n": n}) for n, m in enumerate(found, start=1)
    )
    lines = [_heading(follow, len(citations), before, total or len(citations))]
    for citation in citations:
        lines.append(f"{_shown(follow, citation)} [{citation.n}]")
    answer = Answer(f"follow #{follow.id}", "\n".join(lines), True, citations)
    return Alert(follow, answer, found)


def _heading(follow: Follow, count: int, before: int, total: int) -> str:
    plural = "" if total == 1 else "s"
    noun = "passage" if follow.kind == "topic" else "quote"
    lead = "Today's digest" if follow.cadence == DAILY else "New"
    part = f" ({before + 1}–{before + count} of {total})" if count < total else ""
    return f"{lead} — {total} {noun}{plural}{part} for #{follow.id}, {follow.describe()}:"


def _shown(follow: Follow, citation: Citation) -> str:
    """A quote with its speaker named (as answers show it); a passage as it stands."""
    if follow.kind == "topic" or not citation.speaker:
        return f"“{citation.quote}”"
    named = citation.speaker.split()[-1].lower() in citation.quote.lower()
    return citation.quote if named else f"{citation.speaker}: {citation.quote}"


def _cadence(words: str) -> tuple[str, str]:
    """The words without a trailing `daily` (or `now`), and the cadence they ask for."""
    text = words.strip()
    last = text.rsplit(maxsplit=1)
    if len(last) == 2 and last[1].lower() in (DAILY, NOW):
        return last[0], last[1].lower()
    return text, NOW


def _draft(channel, kind, asked, about, resolved, keys, cadence, user) -> Follow:
    return Follow(
        id=0, channel=channel, kind=kind, asked=asked, about=about, resolved=resolved,
        speaker_keys=tuple(keys), cadence=cadence, created_by=user, created_at=time.time(),
    )  # fmt: skip


def _when(follow: Follow) -> str:
    if follow.channel == CLI_CHANNEL:
        return "`newsdesk alerts` prints each new match once"
    if follow.cadence == DAILY:
        return "matches are collected into one message each morning"
    return "new matches are posted here as they arrive"
