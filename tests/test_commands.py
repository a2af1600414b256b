"""One command table: each surface parses, runs and documents a command the same way."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from bot.interfaces import repl, slack_blocks
from bot.interfaces.commands import (
    COMMANDS,
    REPL,
    SLACK,
    CommandError,
    Invocation,
    find,
    help_lines,
)


def test_every_command_is_in_the_help_of_each_surface_it_runs_on():
    repl_help, slack_help = repl.help_text(), slack_blocks.HELP_TEXT
    for command in COMMANDS.values():
        if REPL in command.surfaces:
            assert command.usage("/") in repl_help
        if SLACK in command.surfaces:
            assert command.usage("/newsdesk ") in slack_help
    assert len(help_lines(SLACK, "/newsdesk ")) == sum(
        SLACK in c.surfaces for c in COMMANDS.values()
    )


def test_a_command_is_found_by_its_first_word_on_its_own_surfaces_only():
    assert find("quotes Asif about Tora Bora", SLACK) == (
        COMMANDS["quotes"],
        "Asif about Tora Bora",
    )
    assert find("QUOTES Asif", REPL)[0] is COMMANDS["quotes"]
    assert find("stats", SLACK) is None  # the REPL's and CLI's, not Slack's
    assert find("What did Asif say about Tora Bora?", SLACK) is None  # a question


def test_wrongly_written_commands_say_how_to_write_them_before_any_work():
    with pytest.raises(CommandError, match="Say whose quotes"):
        COMMANDS["quotes"].validate(Invocation("  "))
    with pytest.raises(CommandError, match="feeds add URL"):
        COMMANDS["feeds"].validate(Invocation("add"))
    with pytest.raises(CommandError, match="only newsdesk admins can refresh"):
        COMMANDS["refresh"].validate(Invocation("", admin=False))
    COMMANDS["feeds"].validate(Invocation("list", admin=False))  # anyone may list them


def test_the_repl_and_slack_run_the_same_handler(seeded):
    """`/quotes Asif about Tora Bora` in the REPL and `/newsdesk quotes …` in Slack are one
    handler: the same quotes, cited the same way."""
    command, arguments = find("quotes Asif about Tora Bora", SLACK)
    found = command.run(seeded, Invocation(arguments, admin=False))
    assert found.speakers and all(c.speaker == "Khawaja Asif" for c in found.citations)
    slack_text, _ = slack_blocks.command_result("quotes", found)
    screen = io.StringIO()
    console = Console(file=screen, width=200, color_system=None)
    repl._run(seeded, console, *find("quotes Asif about Tora Bora", REPL), conversation=None)
    first = found.citations[0].quote[:40]
    assert first in screen.getvalue()
    assert "Khawaja Asif" in slack_text
