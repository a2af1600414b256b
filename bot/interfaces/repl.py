"""The chat REPL: prompt_toolkit line editing and history, rich answers, follow-up questions.

The conversation is kept across turns, so "When did he say it?" is read against the previous
answer. When standard input is not a terminal (a pipe, a test), lines are read plainly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from rich.console import Console

from bot.answer.question import extract_filters, split_quotes_command
from bot.answer.types import Conversation
from bot.interfaces import render
from bot.service import Newsdesk
from retrieval.types import ArticleError

HELP = """Ask a question about the archive, e.g. "What did Asif say about Tora Bora?".
Follow-ups like "When did he say it?" refer to the previous answer.
Narrow a question with since:YYYY-MM-DD, until:YYYY-MM-DD or source:NAME (source:"Geo News").
Commands: /quotes NAME [about TOPIC] · /speakers [NAME] · /new starts a new conversation
· /stats · /help · /quit (or Ctrl-D)"""


def run_repl(newsdesk: Newsdesk, console: Console) -> None:
    console.print("[bold]newsdesk[/] — ask the archive. /help for help, Ctrl-D to leave.")
    if newsdesk.store.manifest.is_empty():
        console.print("[dim]Indexing the article folders first…[/]")
    newsdesk.ensure_indexed()
    conversation = Conversation()
    for line in _lines(newsdesk):
        question = line.strip()
        if not question:
            continue
        if question in {"/quit", "/exit"}:
            break
        if question == "/help":
            console.print(HELP)
        elif question == "/new":
            conversation = Conversation()
            console.print("[dim]New conversation.[/]")
        elif question == "/stats":
            console.print(render.stats_view(newsdesk.stats()))
        elif question.startswith("/quotes"):
            name, about = split_quotes_command(question.removeprefix("/quotes"))
            if not name:
                console.print("[yellow]Say whose quotes: /quotes Asif about Taliban[/]")
                continue
            console.print(render.quotes_view(newsdesk.quotes(name, about)))
        elif question.startswith("/speakers"):
            name = question.removeprefix("/speakers").strip() or None
            console.print(render.speakers_view(newsdesk.speakers(name), detailed=bool(name)))
        else:
            try:
                question, filters = extract_filters(question)
            except ArticleError as err:
                console.print(f"[yellow]{err}[/]")
                continue
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
