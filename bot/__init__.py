"""newsdesk's answering side and its interfaces, over `retrieval`.

- `answer/`: the question parser, the speaker linker, the evidence judge, the router that
  turns a question into evidence, and the extractive and generative answerers;
- `service.Newsdesk`: the core the CLI, the REPL and Slack share (store, search, answerer);
- `interfaces/`: the command table, the CLI, the REPL and the Slack app, each thin.

The names below are the public API, imported on first use.
"""

from __future__ import annotations

_EXPORTS = {
    "Newsdesk": "bot.service",
    "Settings": "bot.settings",
    "Answer": "bot.answer.types",
    "Citation": "bot.answer.types",
    "Conversation": "bot.answer.types",
    "COMMANDS": "bot.interfaces.commands",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import a public name's module on first use: `import bot` stays cheap (the query
    path must not pay for ingest's parser or feeds' HTTP client)."""
    from importlib import import_module

    if name not in _EXPORTS:
        raise AttributeError("module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
