"""The Slack app: every listener registered on one Bolt app, served over HTTP or Socket Mode.

Surfaces: mentions, DMs and thread follow-ups; the agent view (the app's DM: prompts from the
archive, a thread per question with a title and a status, answers within the scope of the
channel the user is looking at: `slack_agent`); the assistant pane for installs not yet
migrated (`slack_bolt.Assistant`, which also takes the DM's threaded replies); App Home;
the "Who said this?" message shortcut; `/newsdesk` and its buttons; the follows' alerts,
posted by a thread of each replica (`slack_follows`). Every listener
acknowledges Slack at once (events are auto-acknowledged by Bolt, commands, shortcuts and
actions call `ack()` first) and the work happens afterwards in Bolt's worker threads, in
`SlackBot`. A retried delivery of one event is dropped by its event id before any listener
runs, through the store every replica shares.
"""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from slack_bolt import App, Assistant, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.interfaces import slack_blocks as blocks
from bot.interfaces.slack_agent import AgentView
from bot.interfaces.slack_bot import SlackBot
from bot.interfaces.slack_follows import FollowDelivery, stop_following
from bot.interfaces.slack_store import SlackStore
from bot.service import Newsdesk

log = logging.getLogger("newsdesk.slack")


class SlackSecrets(BaseSettings):
    """Slack credentials, from the process environment only (never `.env`, never logged)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None


def create_app(
    newsdesk: Newsdesk,
    secrets: SlackSecrets,
    client: WebClient | None = None,
    follows_until: threading.Event | None = None,
) -> App:
    """The Bolt app with every listener registered; `client` lets tests point it elsewhere.
    With `follows_until`, this replica also posts the follows' alerts until it is set."""
    if not secrets.slack_bot_token or not (secrets.slack_signing_secret or secrets.slack_app_token):
        raise SystemExit(
            "Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN "
            "(Socket Mode) in the environment; see the README, 'Run it in your Slack workspace'."
        )
    signing_secret = (
        secrets.slack_signing_secret.get_secret_value() if secrets.slack_signing_secret else ""
    )
    if client is None:
        client = WebClient(token=secrets.slack_bot_token.get_secret_value())
    app = App(signing_secret=signing_secret, client=client)
    store = SlackStore.for_settings(newsdesk.settings)
    bot = SlackBot(newsdesk, store, client)

    @app.middleware
    def drop_retried_events(body: dict, next) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and not store.first_sighting(event_id):
            log.info("dropping a repeated delivery of %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    app.use(_assistant(bot))  # installs still on the assistant pane (not yet migrated)
    agent = AgentView(bot)
    _register_messages(app, bot, agent)
    _register_surfaces(app, bot, agent)
    if follows_until is not None:
        FollowDelivery(bot, client, follows_until).start()
    return app


def _assistant(bot: SlackBot) -> Assistant:
    """The assistant pane: a greeting with prompts from the archive, then answers."""
    assistant = Assistant()

    @assistant.thread_started
    def on_thread_started(say, set_suggested_prompts) -> None:
        bot.assistant_greeting(say, set_suggested_prompts)

    @assistant.user_message
    def on_assistant_message(payload: dict, client: WebClient, context, set_status, set_title):
        bot.assistant_message(payload, client, context, set_status, set_title)

    return assistant


def _register_messages(app: App, bot: SlackBot, agent: AgentView) -> None:
    @app.event("app_mention")
    def on_mention(event: dict, client: WebClient, context) -> None:
        bot.answer_event(event, client, context.bot_user_id, team=context.team_id)

    @app.event("message")
    def on_message(event: dict, client: WebClient, context, set_status=None) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return
        if event.get("channel_type") == "im":  # the DM's top (its threads: the Assistant)
            agent.message(event, client, context, set_status)
            return
        mentioned = context.bot_user_id and f"<@{context.bot_user_id}>" in event.get("text", "")
        thread_ts = event.get("thread_ts")
        if not thread_ts or mentioned:  # a mention is answered by on_mention
            return
        earlier = bot.thread_conversation(client, event["channel"], thread_ts, context.bot_user_id)
        if earlier.turns:  # only threads this app has answered in
            bot.answer_event(event, client, context.bot_user_id, earlier, context.team_id)


def _register_surfaces(app: App, bot: SlackBot, agent: AgentView) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict, client: WebClient, set_suggested_prompts=None) -> None:
        tab = event.get("tab", "home")
        if tab == "home":
            bot.publish_home(event["user"], client)
        elif tab == "messages" and set_suggested_prompts is not None:  # the agent's DM
            agent.opened(event["user"], client, set_suggested_prompts)

    @app.event("app_context_changed")
    def on_context_changed(event: dict, client: WebClient) -> None:
        agent.context_changed(event, client)

    @app.shortcut(blocks.WHO_SAID_SHORTCUT)
    def on_who_said(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.who_said_shortcut(body, client)

    @app.command("/newsdesk")
    def on_command(ack, command: dict, client: WebClient) -> None:
        bot.command(ack, command, client)

    @app.action(blocks.FEEDBACK_ACTION)
    def on_feedback(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.vote(body, client)

    @app.action(blocks.VOTE_UP_ACTION)
    def on_vote_up(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.vote(body, client, "up")

    @app.action(blocks.VOTE_DOWN_ACTION)
    def on_vote_down(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.vote(body, client, "down")

    @app.action(blocks.STOP_FOLLOWING_ACTION)
    def on_stop_following(ack, body: dict, client: WebClient) -> None:
        ack()
        stop_following(bot, body, client)

    @app.action(blocks.MORE_SOURCES_ACTION)
    def on_more_sources(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.more_sources(body, client)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


def http_server(app: App, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server for the app's Events API endpoint (`/slack/events`)."""
    handler = SlackRequestHandler(app)
    return make_server(
        host, port, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )


def run(newsdesk: Newsdesk, host: str = "0.0.0.0", stop: threading.Event | None = None) -> None:
    """`newsdesk slack`: Socket Mode with SLACK_APP_TOKEN, else HTTP on NEWSDESK_SLACK_PORT,
    until `stop` is set (the CLI sets it on SIGINT or SIGTERM, after asking ingests to stop):
    then the watcher ends, after the batch it is writing, and the connection closes."""
    stop = stop or threading.Event()
    secrets = SlackSecrets()
    app = create_app(newsdesk, secrets, follows_until=stop)
    newsdesk.ensure_indexed()
    newsdesk.warm_up()
    newsdesk.keep_warm()  # the first question after a quiet spell as fast as the next
    watching = None
    if newsdesk.settings.watch:
        newsdesk.refresh()
        watching = newsdesk.watch()  # indexes arriving articles beside the bot, in this process
    try:
        serve(app, secrets, host, newsdesk.settings.slack_port, stop)
    finally:
        if watching is not None:
            watching.stop()


def serve(app: App, secrets: SlackSecrets, host: str, port: int, stop: threading.Event) -> None:
    """Serve the app until `stop` is set, then close the connection or the HTTP server."""
    if secrets.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, secrets.slack_app_token.get_secret_value())
        handler.connect()
        log.info("newsdesk: Slack Socket Mode")
        stop.wait()
        handler.close()
        return
    server = http_server(app, host, port)
    threading.Thread(target=server.serve_forever, name="slack-http", daemon=True).start()
    log.info("newsdesk: Slack HTTP mode on %s:%s/slack/events", host, server.server_address[1])
    stop.wait()
    server.shutdown()
    server.server_close()
