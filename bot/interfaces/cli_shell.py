"""What every `newsdesk` command shares: the typer app, the consoles, the `--json` and date
options, the service it opens, and how store errors and wrongly written commands end.

The commands themselves live in `cli` and, for follows, `cli_follows`; both register on
`app` here, so the command line stays one program in several readable modules.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from bot.interfaces import render
from bot.interfaces.commands import CommandError
from retrieval.ingest.cluster import ClusterError
from retrieval.store import StoreError
from retrieval.text.dates import parse_date
from retrieval.types import ArticleError, SearchFilters

app = typer.Typer(
    help="Ask questions of a news archive; every answer cites the exact passage it came from.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
SinceOption = Annotated[str | None, typer.Option(help="Only articles from YYYY-MM-DD on.")]
UntilOption = Annotated[str | None, typer.Option(help="Only articles up to YYYY-MM-DD.")]
ClusterOption = Annotated[
    str | None,
    typer.Option(
        help="A Dask scheduler (tcp://host:8786) whose workers parse and encode; "
        "default: NEWSDESK_CLUSTER, else this process.",
    ),
]


def _newsdesk(cluster: str | None = None):
    from bot.service import Newsdesk
    from bot.settings import Settings

    _quiet_libraries()
    return Newsdesk(Settings(cluster=cluster)) if cluster else Newsdesk()


def _quiet_libraries() -> None:
    for name in ("chromadb", "sentence_transformers", "transformers", "httpx"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value, option)
    except ArticleError as err:
        raise typer.BadParameter(str(err), param_hint=option) from None


def _filters(since: str | None, until: str | None, source: str | None = None) -> SearchFilters:
    """The --since/--until/--source options as one filter, each bad date named by its option."""
    return SearchFilters(_date(since, "--since"), _date(until, "--until"), source)


def _emit_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def _store_errors():
    try:
        yield
    except (StoreError, ClusterError) as err:
        errors.print(f"[bold red]error:[/] {err}")
        raise typer.Exit(2) from None


@contextmanager
def _command_errors():
    """A command written wrongly: its message, exit 2."""
    try:
        yield
    except CommandError as err:
        errors.print(f"[red]{render.escape(str(err))}[/]")
        raise typer.Exit(2) from None
