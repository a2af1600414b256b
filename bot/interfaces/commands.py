"""The one table of commands: name, arguments, help, who may run it, and what it does.

The REPL (`/quotes Asif about Taliban`), the Slack slash command (`/newsdesk quotes …`) and
the CLI (`newsdesk quotes …`, whose typer commands take their help from here) read this
table, so a command is parsed once, behaves the same everywhere, and is documented once.
Each surface only renders a command's result its own way (rich text, Slack blocks, JSON).

A command whose `handler` is None acts on the surface's own state (a REPL conversation,
leaving the REPL): the surface runs it, the table still names and documents it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.answer.question import split_quotes_command
from bot.follows.following import CLI_CHANNEL, FollowError
from bot.service import Newsdesk
from retrieval.types import SearchFilters

CLI, REPL, SLACK = "cli", "repl", "slack"
EVERYWHERE = frozenset({CLI, REPL, SLACK})


class CommandError(ValueError):
    """A command written wrongly; the message says how to write it."""


@dataclass(frozen=True)
class Invocation:
    """One run of a command: its arguments as written, and who runs it."""

    arguments: str
    admin: bool = True  # the CLI and REPL run as the archive's owner; Slack says per user
    filters: SearchFilters | None = None  # the surface's limits (a Slack channel's scope)
    channel: str = CLI_CHANNEL  # where a follow's alerts go: a Slack channel or DM; "cli"
    user: str = ""


@dataclass(frozen=True)
class Command:
    name: str
    arguments: str  # as the help shows them: "NAME [about TOPIC]"
    help: str
    surfaces: frozenset[str]
    handler: Callable[[Newsdesk, Invocation], object] | None = None
    admin_only: str = ""  # what only admins may do, said when someone else tries
    check: Callable[[Invocation], None] | None = None  # raises CommandError before any work

    def usage(self, prefix: str) -> str:
        return f"{prefix}{self.name} {self.arguments}".rstrip()

    def validate(self, invocation: Invocation) -> None:
        """Raise CommandError for a wrongly written command, or one this user may not run,
        before any work starts (Slack must acknowledge within 3 s)."""
        if self.check is not None:
            self.check(invocation)

    def run(self, newsdesk: Newsdesk, invocation: Invocation) -> object:
        if self.handler is None:
            raise CommandError(f"{self.name} is run by the surface itself")
        self.validate(invocation)
        return self.handler(newsdesk, invocation)


@dataclass(frozen=True)
class FeedChange:
    """What `feeds add` / `feeds remove` did, for the surface to say."""

    action: str
    url: str
    removed_articles: int = 0


def quoted_name(invocation: Invocation) -> str:
    """Whose quotes `quotes NAME [about TOPIC]` asks for."""
    name, _ = split_quotes_command(invocation.arguments)
    if not name:
        raise CommandError("Say whose quotes: quotes Asif about Taliban")
    return name


def _quotes(newsdesk: Newsdesk, invocation: Invocation):
    return newsdesk.quotes(*split_quotes_command(invocation.arguments), invocation.filters)


def _speakers(newsdesk: Newsdesk, invocation: Invocation):
    return newsdesk.speakers(invocation.arguments.strip() or None)


def pasted_quote(invocation: Invocation) -> str:
    """The quote `who "QUOTE"` asks about."""
    quote = invocation.arguments.strip()
    if len(quote.strip("\"“”' ").split()) < 2:
        raise CommandError('Paste the quote: who "It is definitely a possibility"')
    return quote


def _who(newsdesk: Newsdesk, invocation: Invocation):
    return newsdesk.who_said(pasted_quote(invocation), invocation.filters)


def scope_request(invocation: Invocation) -> str:
    """`scope` (show), `scope clear`, or `scope source:"X" since:… until:…` (set): which."""
    words = invocation.arguments.split()
    action = "show" if not words else "clear" if words == ["clear"] else "set"
    if action != "show":
        _admin_check(invocation, COMMANDS["scope"])
    if action == "set" and not any(
        w.lower().startswith(("source:", "since:", "until:")) for w in words
    ):
        raise CommandError('Use scope source:"Dawn" since:2025-01-01, scope, or scope clear.')
    return action


def _stats(newsdesk: Newsdesk, invocation: Invocation):
    return newsdesk.stats()


def _refresh(newsdesk: Newsdesk, invocation: Invocation):
    return newsdesk.refresh()


def _refresh_check(invocation: Invocation) -> None:
    _admin_check(invocation, COMMANDS["refresh"])


def _feed_request(invocation: Invocation) -> tuple[str, list[str]]:
    """`feeds [list]`, `feeds add URL [SOURCE]`, `feeds remove URL` → (action, its words)."""
    words = invocation.arguments.split()
    action = words[0].lower() if words else "list"
    if action != "list" and (action not in {"add", "remove"} or len(words) < 2):
        raise CommandError("Use feeds, feeds add URL [SOURCE] or feeds remove URL.")
    return action, words[1:]


def _feeds(newsdesk: Newsdesk, invocation: Invocation):
    """The followed feeds, or the change made to them."""
    action, words = _feed_request(invocation)
    if action == "list":
        return [feed.to_dict() for feed in newsdesk.feeds.feeds()]
    url = words[0]
    if action == "add":
        newsdesk.add_feed(url, " ".join(words[1:]) or None)
        return FeedChange("add", url)
    return FeedChange("remove", url, len(newsdesk.remove_feed(url).removed))


def _feeds_check(invocation: Invocation) -> None:
    if _feed_request(invocation)[0] != "list":
        _admin_check(invocation, COMMANDS["feeds"])


FOLLOW_USAGE = (
    'Say what to follow: follow Khawaja Asif about Taliban, or follow topic "Istanbul talks" '
    "(add daily for one message each morning)."
)


def follow_words(invocation: Invocation) -> str:
    """What `follow NAME [about TOPIC] [daily]` or `follow topic "TOPIC" [daily]` asks."""
    words = invocation.arguments.strip()
    if not words:
        raise CommandError(FOLLOW_USAGE)
    return words


def _follow(newsdesk: Newsdesk, invocation: Invocation):
    try:
        return newsdesk.following.add(follow_words(invocation), invocation.channel, invocation.user)
    except FollowError as err:
        raise CommandError(str(err)) from None


def _follows(newsdesk: Newsdesk, invocation: Invocation):
    """This channel's follows (every follow, from the CLI with --all)."""
    everywhere = invocation.channel == CLI_CHANNEL and invocation.arguments.strip() == "--all"
    return newsdesk.following.listed(None if everywhere else invocation.channel)


def unfollow_number(invocation: Invocation) -> str:
    number = invocation.arguments.strip().lstrip("#")
    if not number.isdigit():
        raise CommandError("Say which follow by its number: unfollow 3 (follows lists them)")
    return number


def _unfollow(newsdesk: Newsdesk, invocation: Invocation):
    """Stop a follow of this channel (the CLI, the archive's owner, stops any)."""
    channel = None if invocation.channel == CLI_CHANNEL else invocation.channel
    try:
        return newsdesk.following.stop(unfollow_number(invocation), channel)
    except FollowError as err:
        raise CommandError(str(err)) from None


def _admin_check(invocation: Invocation, command: Command) -> None:
    if not invocation.admin:
        raise CommandError(f"Sorry — only newsdesk admins can {command.admin_only}. Ask one.")


_TABLE = (
    Command("quotes", "NAME [about TOPIC]",
            "What NAME (a person or body) is quoted saying, in date order.",
            EVERYWHERE, _quotes, check=quoted_name),
    Command("speakers", "[NAME]",
            "Who the archive quotes, most quoted first (with NAME: who that name means).",
            EVERYWHERE, _speakers),
    Command("feeds", "[list | add URL [SOURCE] | remove URL]",
            "The followed RSS/Atom feeds; add or remove one.",
            EVERYWHERE - {REPL}, _feeds, admin_only="change the feeds", check=_feeds_check),
    Command("refresh", "", "Sync the archive with its article folders and feeds.",
            EVERYWHERE - {REPL}, _refresh, admin_only="refresh the archive",
            check=_refresh_check),
    Command("who", '"QUOTE"',
            "Who said this? Finds the quote (exact or near) and its speaker, article, date.",
            EVERYWHERE, _who, check=pasted_quote),
    Command("scope", '[source:"NAME"] [since:YYYY-MM-DD] [until:YYYY-MM-DD] | clear',
            "This channel's scope: the articles its answers may cite (set by admins).",
            frozenset({SLACK}), admin_only="set a channel's scope", check=scope_request),
    Command("follow", 'NAME [about TOPIC] [daily] | topic "TOPIC" [daily]',
            "Post new quotes of NAME (on TOPIC), or new passages on a topic, here as they "
            "arrive (daily: one message each morning).",
            EVERYWHERE, _follow, check=follow_words),
    Command("follows", "", "The follows of this channel (the CLI and REPL: their own).",
            EVERYWHERE, _follows),
    Command("unfollow", "N", "Stop follow N (its number in follows).",
            EVERYWHERE, _unfollow, check=unfollow_number),
    Command("stats", "", "What the archive holds: articles, chunks, quotes, last refresh.",
            frozenset({CLI, REPL}), _stats),
    Command("new", "", "Start a new conversation.", frozenset({REPL})),
    Command("help", "", "This help.", frozenset({REPL, SLACK})),
    Command("quit", "", "Leave (or Ctrl-D).", frozenset({REPL})),
)  # fmt: skip
COMMANDS = {command.name: command for command in _TABLE}


def find(text: str, surface: str) -> tuple[Command, str] | None:
    """The command a line starts with on this surface, and the rest of the line; None for
    a question."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return None
    command = COMMANDS.get(words[0].lower())
    if command is None or surface not in command.surfaces:
        return None
    return command, words[1] if len(words) > 1 else ""


def help_lines(surface: str, prefix: str) -> list[str]:
    """One line per command of this surface: its usage and what it does."""
    return [f"{c.usage(prefix)} — {c.help}" for c in _TABLE if surface in c.surfaces]
