"""`newsdesk` command line: a thin shell over `bot.service.Newsdesk`.

Every command takes `--json` for machine-readable output; without it, output is rendered with
rich for people. Warnings about bad articles go to stderr, never in the way of the JSON.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.interfaces import render
from bot.interfaces.cli_shell import (
    ClusterOption,
    JsonOption,
    SinceOption,
    UntilOption,
    _emit_json,
    _filters,
    _newsdesk,
    _quiet_libraries,
    _store_errors,
    app,
    console,
    errors,
)
from bot.interfaces.commands import COMMANDS, CommandError, Invocation
from bot.interfaces.shutdown import StopSignals, stopped_line
from retrieval.ingest.report import IngestReport, IngestStopped
from retrieval.ingest.workers import stop_resource_tracker

if TYPE_CHECKING:
    from bot.service import Newsdesk

REFRESH_COMPLETES = "`newsdesk refresh` completes the rest"


@contextmanager
def _stoppable(
    newsdesk: Newsdesk, as_json: bool, rest: str = REFRESH_COMPLETES
) -> Iterator[StopSignals]:
    """SIGINT and SIGTERM stop a writing command cleanly (`bot.interfaces.shutdown`): an
    ingest cut short says what it kept, in one line, and the command exits 130 or 143."""
    with StopSignals(newsdesk.stop_writing) as signals:
        try:
            yield signals
        except IngestStopped as stopped:
            _say_stopped(signals, stopped, as_json, rest)


def _say_stopped(
    signals: StopSignals, stopped: IngestStopped | None, as_json: bool, rest: str
) -> None:
    """The one line (or JSON object) a stopped command ends with; then its exit."""
    stop_resource_tracker()  # its worker processes are gone: nothing is left to track
    line = stopped_line(stopped, rest)
    if as_json:
        _emit_json(
            {
                "stopped": signal.Signals(signals.signum).name if signals.signum else None,
                "written": stopped.written if stopped else 0,
                "total": stopped.total if stopped else 0,
                "message": line,
            }
        )
    else:
        console.print(line, soft_wrap=True, markup=False, highlight=False)
    raise typer.Exit(signals.exit_code)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    since: SinceOption = None,
    until: UntilOption = None,
    source: Annotated[str | None, typer.Option(help="Only articles from this source.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Answer one question from the archive, with cited passages."""
    filters = _filters(since, until, source)
    newsdesk = _newsdesk()
    with _store_errors():
        if newsdesk.store.manifest.is_empty() and not as_json:
            errors.print("[dim]The archive is empty: indexing the article folders first…[/]")
        _report_quietly(newsdesk.ensure_indexed(), as_json)
        answer = newsdesk.ask(question, filters=filters)
    if as_json:
        _emit_json(answer.to_dict())
    else:
        console.print(render.answer_view(answer))


def _report_quietly(report: IngestReport | None, as_json: bool) -> None:
    if report and report.failed and not as_json:
        errors.print(render.problems_view(report), end="")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Article files or folders.")],
    cluster: ClusterOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add or update articles from files or folders (unchanged ones are skipped)."""
    newsdesk = _newsdesk(cluster)
    rest = "running the same `newsdesk ingest` again completes the rest"
    with _store_errors(), _stoppable(newsdesk, as_json, rest):
        report = _with_progress(lambda cb: newsdesk.ingest(paths, on_progress=cb), as_json)
    _finish(report, as_json)


@app.command(help=COMMANDS["refresh"].help)
def refresh(cluster: ClusterOption = None, as_json: JsonOption = False) -> None:
    newsdesk = _newsdesk(cluster)
    with _store_errors(), _stoppable(newsdesk, as_json):
        report = _with_progress(lambda cb: newsdesk.refresh(on_progress=cb), as_json)
    _finish(report, as_json)


def _with_progress(run, as_json: bool) -> IngestReport:
    if as_json or not errors.is_terminal:
        return run(None)
    columns = (
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("ingest", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run(advance)


def _finish(report: IngestReport, as_json: bool) -> None:
    if as_json:
        _emit_json(report.to_dict())
    else:
        errors.print(render.problems_view(report), end="")
        console.print(render.report_view(report))
    nothing_read = report.failed and not (report.added or report.updated or report.unchanged)
    if nothing_read:
        raise typer.Exit(1)


@app.command()
def watch(
    folders: Annotated[
        list[Path] | None, typer.Argument(help="Folders to watch (default: the article folders).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Index new, changed and deleted articles as they arrive (Ctrl-C to stop)."""
    newsdesk = _newsdesk()
    folders = folders or newsdesk.settings.archive_dirs

    def show(report: IngestReport) -> None:
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            errors.print(render.problems_view(report), end="")
            console.print(render.report_view(report))

    with _store_errors(), _stoppable(newsdesk, as_json) as signals:
        show(newsdesk.refresh(folders=folders))
        watching = newsdesk.watch(folders, on_report=show)
        newsdesk.keep_warm()  # its next batch after a quiet spell encodes at full speed
        if not as_json:
            errors.print(f"[dim]Watching {', '.join(map(str, folders))} — Ctrl-C to stop.[/]")
        try:
            signals.received.wait()
        finally:
            watching.stop()  # an ingest under way ends after the batch it is writing
        _say_stopped(signals, newsdesk.interrupted, as_json, REFRESH_COMPLETES)


@app.command(help=COMMANDS["stats"].help)
def stats(as_json: JsonOption = False) -> None:
    newsdesk = _newsdesk()
    with _store_errors():
        figures = COMMANDS["stats"].run(newsdesk, Invocation(""))
    if as_json:
        _emit_json(figures)
    else:
        console.print(render.stats_view(figures))


@app.command(help=COMMANDS["speakers"].help)
def speakers(
    name: Annotated[str | None, typer.Argument(help="Only the speakers this name means.")] = None,
    as_json: JsonOption = False,
) -> None:
    newsdesk = _newsdesk()
    with _store_errors():
        rows = COMMANDS["speakers"].run(newsdesk, Invocation(name or ""))
    if as_json:
        _emit_json(rows)
    else:
        console.print(render.speakers_view(rows, detailed=name is not None))


@app.command(help=COMMANDS["quotes"].help)
def quotes(
    name: Annotated[str, typer.Argument(help="The person (or body) quoted, e.g. Asif.")],
    about: Annotated[str | None, typer.Option(help="Only quotes about this topic.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    newsdesk = _newsdesk()
    with _store_errors():
        found = newsdesk.quotes(name, about, _filters(since, until))
    if as_json:
        _emit_json(found.to_dict())
    else:
        console.print(render.quotes_view(found))
    if found.problem:
        raise typer.Exit(1)


@app.command(help=COMMANDS["who"].help)
def who(
    quote: Annotated[str, typer.Argument(help='The quote as pasted, e.g. "It is a possibility".')],
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    invocation = Invocation(quote, filters=_filters(since, until))
    newsdesk = _newsdesk()
    try:
        with _store_errors():
            checked = COMMANDS["who"].run(newsdesk, invocation)
    except CommandError as err:
        errors.print(f"[red]{err}[/]")
        raise typer.Exit(2) from None
    if as_json:
        _emit_json(checked.to_dict())
    else:
        console.print(render.answer_view(checked.answer))
    if not checked.answer.found:
        raise typer.Exit(1)


@app.command()
def repl() -> None:
    """Chat with the archive: history, line editing, follow-up questions."""
    from bot.interfaces.repl import run_repl

    with _store_errors():
        run_repl(_newsdesk(), console)


@app.command()
def slack() -> None:
    """Run the Slack app: Socket Mode if SLACK_APP_TOKEN is set, else HTTP with signatures."""
    from bot.interfaces.slack_app import run

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _quiet_libraries()
    newsdesk = _newsdesk()
    with _store_errors(), _stoppable(newsdesk, as_json=False) as signals:
        run(newsdesk, stop=signals.received)
        _say_stopped(signals, newsdesk.interrupted, False, REFRESH_COMPLETES)


@app.command()
def feedback(as_json: JsonOption = False) -> None:
    """List the 👍/👎 feedback given to answers in Slack."""
    from bot.interfaces.slack_store import SlackStore

    newsdesk = _newsdesk()
    rows = SlackStore.for_settings(newsdesk.settings).feedback()
    if as_json:
        _emit_json(rows)
        return
    console.print(render.feedback_view(rows))


feeds_app = typer.Typer(help=COMMANDS["feeds"].help, no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="The feed's address (RSS or Atom).")],
    source: Annotated[str | None, typer.Option(help="Source name for its articles.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Follow a feed; `newsdesk watch` (or the Slack app with NEWSDESK_WATCH=1) polls it."""
    from retrieval.ingest.feed_registry import FeedError

    try:
        feed = _newsdesk().add_feed(url, source)
    except FeedError as err:
        errors.print(f"[red]error:[/] {err}")
        raise typer.Exit(2) from None
    if as_json:
        _emit_json(feed.to_dict())
    else:
        console.print(f"Following {feed.url}. `newsdesk feeds poll` fetches it now.")


@feeds_app.command("list")
def feeds_list(as_json: JsonOption = False) -> None:
    """The followed feeds: entries taken, last success, last error."""
    rows = COMMANDS["feeds"].run(_newsdesk(), Invocation("list"))
    if as_json:
        _emit_json(rows)
    else:
        console.print(render.feeds_view(rows))


@feeds_app.command("remove")
def feeds_remove(
    url: Annotated[str, typer.Argument(help="The feed's address, as listed.")],
    as_json: JsonOption = False,
) -> None:
    """Stop following a feed and take its articles out of the archive."""
    from retrieval.ingest.feed_registry import FeedError

    newsdesk = _newsdesk()
    try:
        with _store_errors():
            report = newsdesk.remove_feed(url)
    except FeedError as err:
        errors.print(f"[red]error:[/] {err}")
        raise typer.Exit(2) from None
    if as_json:
        _emit_json({"removed": url, "articles_removed": len(report.removed)})
    else:
        console.print(f"Stopped following {url}; {len(report.removed)} articles removed.")


@feeds_app.command("poll")
def feeds_poll(as_json: JsonOption = False) -> None:
    """Poll every followed feed once now and index what it brought (for cron)."""
    newsdesk = _newsdesk()
    with _store_errors():
        polled, indexed = newsdesk.poll_feeds()
    if as_json:
        _emit_json({"poll": polled.to_dict(), "ingest": indexed.to_dict() if indexed else None})
        return
    for problem in polled.problems:
        errors.print(f"[yellow]warning:[/] {render.escape(str(problem))}")
    console.print(render.poll_view(polled))
    if indexed:
        console.print(render.report_view(indexed))


# after the commands above, so `newsdesk --help` lists asking first and follows after it
from bot.interfaces import cli_follows  # noqa: E402, F401  (registers follow, follows, …)


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as err:  # a NEWSDESK_* setting (environment or .env) is wrong
        for problem in err.errors():
            name = "NEWSDESK_" + "_".join(str(part) for part in problem["loc"]).upper()
            errors.print(
                f"[bold red]error:[/] {name}={problem.get('input')!r}: {problem['msg']}. "
                "Fix it in the environment or .env (docs/configuration.md).",
                markup=True, highlight=False,
            )  # fmt: skip
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
