"""The surfaces over `bot.service.Newsdesk`: the command table, the CLI, the REPL and the
Slack app; each only parses its input and renders results its own way."""
