"""newsdesk's answering side and its interfaces, over `retrieval`.

- `answer/`: the question parser, the speaker linker, the evidence judge, the router that
  turns a question into evidence, and the extractive and generative answerers;
- `service.Newsdesk`: the core the CLI, the REPL and Slack share (store, search, answerer);
- `interfaces/`: the command table, the CLI, the REPL and the Slack app, each thin.

The names below are the public API, imported on first use.
"""

from __future__ import annotations

from retrieval import lazy_exports

_EXPORTS = {
    "Newsdesk": "bot.service",
    "Settings": "bot.settings",
    "Answer": "bot.answer.types",
    "Citation": "bot.answer.types",
    "Conversation": "bot.answer.types",
    "COMMANDS": "bot.interfaces.commands",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
