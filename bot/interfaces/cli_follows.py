"""`newsdesk follow`, `follows`, `unfollow` and `alerts`: follows on the command line.

Follows made here are printed by `newsdesk alerts` (for cron and email), each match once;
`--channel` sends one's alerts to a Slack channel instead, posted by the Slack app.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from bot.follows.following import CLI_CHANNEL, Alert, alert
from bot.interfaces import render
from bot.interfaces.cli_shell import (
    JsonOption,
    _command_errors,
    _date,
    _emit_json,
    _newsdesk,
    _store_errors,
    app,
    console,
)
from bot.interfaces.commands import COMMANDS, Invocation

if TYPE_CHECKING:
    from bot.service import Newsdesk


@app.command(help=COMMANDS["follow"].help)
def follow(
    words: Annotated[
        list[str], typer.Argument(help='NAME [about TOPIC] [daily], or topic "TOPIC" [daily].')
    ],
    channel: Annotated[
        str | None,
        typer.Option(help="Post the alerts in this Slack channel (its id, C…) instead of "
                     "printing them with `newsdesk alerts`."),
    ] = None,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    newsdesk = _newsdesk()
    invocation = Invocation(" ".join(words), channel=channel or CLI_CHANNEL, user="cli")
    with _store_errors(), _command_errors():
        followed = COMMANDS["follow"].run(newsdesk, invocation)
    if as_json:
        _emit_json(followed.to_dict())
    else:
        console.print(f"#{followed.follow.id} {followed.message}", markup=False)


@app.command(help=COMMANDS["follows"].help)
def follows(
    everywhere: Annotated[bool, typer.Option("--all", help="Every channel's follows.")] = False,
    as_json: JsonOption = False,
) -> None:
    invocation = Invocation("--all" if everywhere else "")
    with _store_errors():
        listed = COMMANDS["follows"].run(_newsdesk(), invocation)
    if as_json:
        _emit_json([f.to_dict() for f in listed])
    else:
        console.print(render.follows_view(listed))


@app.command(help=COMMANDS["unfollow"].help)
def unfollow(
    number: Annotated[str, typer.Argument(help="The follow's number (see `newsdesk follows`).")],
    as_json: JsonOption = False,
) -> None:
    with _store_errors(), _command_errors():
        stopped = COMMANDS["unfollow"].run(_newsdesk(), Invocation(number))
    if as_json:
        _emit_json({**stopped.to_dict(), "stopped": True})
    else:
        console.print(f"Stopped following {stopped.describe()} (#{stopped.id}).", markup=False)


@app.command()
def alerts(
    since: Annotated[
        str | None,
        typer.Option(help="Print every match found since YYYY-MM-DD, printed before or not."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print what matched the command line's follows, each match once (cron, email)."""
    moment = _date(since, "--since")
    newsdesk = _newsdesk()
    with _store_errors():
        found = _alerts(newsdesk, moment)
    if as_json:
        _emit_json([alert.to_dict() for alert in found])
    else:
        console.print(render.alerts_view(found))


def _alerts(newsdesk: Newsdesk, since: dt.date | None) -> list[Alert]:
    """Match what arrived; then the CLI follows' pending matches (marked as printed), or
    all their matches since a day."""
    following = newsdesk.following
    following.scan()
    if since is None:
        printed: list[Alert] = []
        following.deliver(printed.append, lambda f: f.channel == CLI_CHANNEL, on_schedule=False)
        return printed
    moment = dt.datetime.combine(since, dt.time(), dt.UTC).timestamp()
    found = following.found_since(moment, CLI_CHANNEL)
    by_follow = {f.id: f for f in following.book.listed(CLI_CHANNEL)}
    return [
        alert(by_follow[number], [m for m in found if m.follow_id == number])
        for number in dict.fromkeys(m.follow_id for m in found)
        if number in by_follow
    ]
