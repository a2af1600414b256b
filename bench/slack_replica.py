"""One replica of the Slack app, for the two-replica test and bench: the real Bolt app on
HTTP, its Web API calls sent to a local fake Slack, its state in NEWSDESK_DATABASE_URL.

    python -m bench.slack_replica --port 3001 --slack-api http://127.0.0.1:PORT/api/

Reads NEWSDESK_* (the data folder, the database) and SLACK_SIGNING_SECRET from the
environment, like `newsdesk slack`; prints "ready" once it serves.
"""

from __future__ import annotations

import argparse

from slack_sdk import WebClient

from bot.interfaces.slack_app import SlackSecrets, create_app, http_server
from bot.service import Newsdesk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api", required=True)
    args = parser.parse_args()
    desk = Newsdesk()
    desk.ensure_indexed()
    desk.warm_up()
    secrets = SlackSecrets()
    client = WebClient(token=secrets.slack_bot_token.get_secret_value(), base_url=args.slack_api)
    server = http_server(create_app(desk, secrets, client=client), "127.0.0.1", args.port)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
