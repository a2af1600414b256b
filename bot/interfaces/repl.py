"""The chat REPL: prompt_toolkit line editing and history, rich answers, follow-up questions.

The conversation is kept across turns, so "When did he say it?" is read against the previous
answer. When standard input is not a terminal (a pipe, a test), lines are read plainly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from rich.console import Console

from bot.answer.question import extract_filters
from bot.answer.types import Conversation
from bot.interfaces import render
from bot.interfaces.commands import REPL, Command, CommandError, Invocation, find, help_lines
from bot.service import Newsdesk
from retrieval.types import ArticleError

HELP_INTRO = """Ask a question about the archive, e.g. "What did Asif say about Tora Bora?".
Follow-ups like "When did he say it?" refer to the previous answer.
Narrow a question with since:YYYY-MM-DD, until:YYYY-MM-DD or source:NAME (source:"Geo News").
Commands:"""


def help_text() -> str:
    return "\n".join([HELP_INTRO, *(f"  {line}" for line in help_lines(REPL, "/"))])


def run_repl(newsdesk: Newsdesk, console: Console) -> None:
    console.print("[bold]newsdesk[/] — ask the archive. /help for help, Ctrl-D to leave.")
    if newsdesk.store.manifest.is_empty():
        console.print("[dim]Indexing the article folders first…[/]")
    newsdesk.ensure_indexed()
    conversation = Conversation()
    for line in _lines(newsdesk):
        text = line.strip()
        found = find(text.removeprefix("/"), REPL) if text.startswith("/") else None
        if found is not None:
            command, arguments = found
            if command.name == "quit":
                break
            conversation = _run(newsdesk, console, command, arguments, conversation)
        elif text == "/exit":
            break
        elif text:
            _ask(newsdesk, console, text, conversation)


def _run(
    newsdesk: Newsdesk,
    console: Console,
    command: Command,
    arguments: str,
    conversation: Conversation | None,
) -> Conversation | None:
    """A table command; returns the conversation to go on with (`/new` starts one)."""
    if command.name == "help":
        console.print(help_text())
    elif command.name == "new":
        console.print("[dim]New conversation.[/]")
        return Conversation()
    else:
        try:
            result = command.run(newsdesk, Invocation(arguments))
        except CommandError as err:
            console.print(f"[yellow]{err}[/]")
            return conversation
        console.print(_VIEWS[command.name](result, arguments))
    return conversation


_VIEWS = {
    "quotes": lambda result, _: render.quotes_view(result),
    "speakers": lambda result, arguments: render.speakers_view(
        result, detailed=bool(arguments.strip())
    ),
    "stats": lambda result, _: render.stats_view(result),
    "who": lambda result, _: render.answer_view(result.answer),
    "follow": lambda result, _: f"#{result.follow.id} {render.escape(result.message)}",
    "follows": lambda result, _: render.follows_view(result),
    "unfollow": lambda result, _: f"Stopped following {render.escape(result.describe())}.",
}


def _ask(newsdesk: Newsdesk, console: Console, question: str, conversation: Conversation) -> None:
    try:
        question, filters = extract_filters(question)
    except ArticleError as err:
        console.print(f"[yellow]{err}[/]")
        return
    streamed = _TokenEcho(console)
    answer = newsdesk.ask(question, conversation, filters, on_token=streamed)
    streamed.finish()
    if answer.standalone_question and answer.standalone_question != question:
        console.print(f"[dim]↳ read as: {answer.standalone_question}[/]")
    console.print(render.answer_view(answer))


class _TokenEcho:
    """Prints a language model's tokens as they arrive (the checked answer follows)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = False

    def __call__(self, token: str) -> None:
        if not self.started:
            self.console.print("[dim]draft:[/] ", end="")
            self.started = True
        self.console.print(token, end="", style="dim", markup=False, highlight=False)

    def finish(self) -> None:
        if self.started:
            self.console.print()


def _lines(newsdesk: Newsdesk) -> Iterator[str]:
    if not sys.stdin.isatty():
        yield from sys.stdin
        return
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    newsdesk.settings.data_dir.mkdir(parents=True, exist_ok=True)
    session = PromptSession(history=FileHistory(str(newsdesk.settings.repl_history)))
    while True:
        try:
            yield session.prompt("newsdesk› ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
