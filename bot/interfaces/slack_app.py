"""The Slack interface: mentions, DMs, thread follow-ups, `/newsdesk`, buttons.

Every listener acknowledges Slack at once (events are auto-acknowledged by Bolt, commands and
actions call `ack()` first) and does the work afterwards in Bolt's worker threads: post a
"Searching the archive…" placeholder, answer through `Newsdesk.ask` — which knows nothing of
Slack — and `chat.update` the placeholder with the answer. Retried deliveries of one event are
dropped by event id before any listener runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.answer.question import extract_filters
from bot.answer.types import Answer, Conversation
from bot.interfaces import slack_blocks as blocks
from bot.interfaces.commands import (
    SLACK,
    Command,
    CommandError,
    Invocation,
    find,
    quoted_name,
)
from bot.interfaces.slack_store import SlackStore
from bot.service import Newsdesk
from retrieval.types import ArticleError, SearchFilters

log = logging.getLogger("newsdesk.slack")
ANSWER_EVENT_TYPE = "newsdesk_answer"


class SlackSecrets(BaseSettings):
    """Slack credentials, from the process environment only (never `.env`, never logged)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None


class RateLimiter:
    """At most `per_minute` questions per user in any sliding minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._asked: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, user: str) -> float:
        """0 if the user may ask now, else the seconds until they may."""
        now = time.monotonic()
        with self._lock:
            asked = self._asked[user]
            while asked and now - asked[0] >= 60:
                asked.popleft()
            if len(asked) >= self.per_minute:
                return 60 - (now - asked[0])
            asked.append(now)
            return 0.0


class DraftUpdater:
    """Shows a streaming answer in the placeholder, at most one `chat.update` a second.

    The draft is the model's raw text; the checked answer replaces it when generation ends.
    """

    def __init__(self, client: WebClient, channel: str, ts: str, interval: float = 1.0) -> None:
        self.client, self.channel, self.ts, self.interval = client, channel, ts, interval
        self.text = ""
        self._last = time.monotonic()

    def __call__(self, token: str) -> None:
        self.text += token
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            draft, payload = blocks.draft_blocks(self.text)
            self.client.chat_update(channel=self.channel, ts=self.ts, text=draft, blocks=payload)


class SlackBot:
    """Turns Slack requests into `Newsdesk` calls and answers into Slack messages."""

    def __init__(self, newsdesk: Newsdesk, store: SlackStore) -> None:
        self.newsdesk = newsdesk
        self.settings = newsdesk.settings
        self.store = store
        self.limiter = RateLimiter(self.settings.slack_rate_limit_per_minute)

    # -- questions -------------------------------------------------------------------
    def answer_event(
        self,
        event: dict,
        client: WebClient,
        bot_user_id: str | None,
        conversation: Conversation | None = None,
    ) -> None:
        """A mention, a DM or a thread reply: answer in the same thread (or DM).

        `conversation` is the thread's earlier turns when the caller has read them already.
        """
        channel, user = event["channel"], event.get("user", "")
        in_thread = "thread_ts" in event
        is_dm = event.get("channel_type") == "im"
        thread_ts = event.get("thread_ts") or (None if is_dm else event["ts"])
        question, filters, problem = _parse(blocks.clean_question(event.get("text", "")))
        refusal = problem or self.refusal(question, user)
        if refusal:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=refusal)
            return
        text, placeholder = blocks.placeholder_blocks()
        posted = client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=text, blocks=placeholder
        )
        if conversation is None:
            conversation = (
                self.thread_conversation(client, channel, event["thread_ts"], bot_user_id)
                if in_thread
                else Conversation()
            )
        draft = DraftUpdater(client, channel, posted["ts"])
        answer = self.ask(question, conversation, filters, on_token=draft)
        self.publish(client, channel, posted["ts"], thread_ts, user, answer)

    def refusal(self, question: str, user: str) -> str | None:
        """Why a question is not answered (empty, too long, rate limit), or None."""
        if not question:
            return blocks.HELP_TEXT
        if len(question) > self.settings.max_question_chars:
            return (
                f"That question is {len(question)} characters long; please keep it under "
                f"{self.settings.max_question_chars}."
            )
        wait = self.limiter.retry_after(user)
        if wait:
            return f"You're asking quickly — please try again in {wait:.0f} s."
        return None

    def ask(
        self,
        question: str,
        conversation: Conversation,
        filters: SearchFilters | None = None,
        on_token=None,
    ) -> Answer:
        try:
            return self.newsdesk.ask(question, conversation, filters, on_token=on_token)
        except Exception:
            log.exception("answering failed")
            return Answer(
                question,
                "Sorry — something went wrong while searching the archive. Please try again.",
                False,
            )

    def publish(
        self,
        client: WebClient,
        channel: str,
        ts: str,
        thread_ts: str | None,
        user: str,
        answer: Answer,
    ) -> None:
        answer_id = self.store.save_answer(answer, channel, thread_ts, user)
        text, payload = blocks.answer_blocks(answer, answer_id)
        client.chat_update(
            channel=channel,
            ts=ts,
            text=text,
            blocks=payload,
            metadata={"event_type": ANSWER_EVENT_TYPE, "event_payload": {"answer_id": answer_id}},
        )

    def thread_conversation(
        self, client: WebClient, channel: str, thread_ts: str, bot_user_id: str | None
    ) -> Conversation:
        """Earlier turns of a thread: the answers this app posted there, in order."""
        conversation = Conversation()
        for answer in self._thread_answers(client, channel, thread_ts, bot_user_id):
            conversation.add(answer.question, answer)
        return conversation

    def _thread_answers(
        self, client: WebClient, channel: str, thread_ts: str, bot_user_id: str | None
    ):
        replies = client.conversations_replies(
            channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
        )
        for message in replies.get("messages", []):
            metadata = message.get("metadata") or {}
            from_app = message.get("bot_id") or message.get("user") == bot_user_id
            if from_app and metadata.get("event_type") == ANSWER_EVENT_TYPE:
                answer = self.store.answer(metadata["event_payload"]["answer_id"])
                if answer:
                    yield answer

    # -- slash command ---------------------------------------------------------------
    def command(self, ack, command: dict, client: WebClient) -> None:
        text = command.get("text", "").strip()
        channel, user = command["channel_id"], command["user_id"]
        found = find(blocks.clean_question(text), SLACK)
        if not text or (found and found[0].name == "help"):
            ack(text=blocks.HELP_TEXT)
            return
        if found is not None:
            self.table_command(ack, *found, channel, user, client)
            return
        share = "--share" in text.split()
        cleaned = blocks.clean_question(" ".join(w for w in text.split() if w != "--share"))
        question, filters, problem = _parse(cleaned)
        refusal = problem or self.refusal(question, user)
        if refusal:
            ack(text=refusal)
            return
        ack(text=blocks.placeholder_blocks()[0])
        answer = self.ask(question, Conversation(), filters)
        if share:
            placeholder_text, placeholder = blocks.placeholder_blocks()
            posted = client.chat_postMessage(
                channel=channel, text=placeholder_text, blocks=placeholder
            )
            self.publish(client, channel, posted["ts"], None, user, answer)
        else:
            answer_id = self.store.save_answer(answer, channel, None, user)
            text, payload = blocks.answer_blocks(answer, answer_id)
            client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=payload)

    def table_command(
        self, ack, command: Command, arguments: str, channel: str, user: str, client
    ) -> None:
        """`/newsdesk quotes Asif about Taliban`, `speakers`, `feeds …`, `refresh`: the
        command table's handlers; the result only the asker sees."""
        from retrieval.ingest.feed_registry import FeedError

        invocation = Invocation(arguments, admin=user in self.settings.slack_admins)
        try:
            command.validate(invocation)
        except CommandError as err:
            ack(text=blocks.escape(str(err)))
            return
        quick = command.name == "feeds"  # answered in the acknowledgement itself
        if not quick:
            ack(text=_working(command, invocation))
        try:
            result = command.run(self.newsdesk, invocation)
        except (CommandError, FeedError) as err:
            message = blocks.escape(str(err))
            if quick:
                ack(text=message)
            else:
                client.chat_postEphemeral(channel=channel, user=user, text=message)
            return
        text, payload = blocks.command_result(command.name, result)
        if quick:
            ack(text=text)
        else:
            client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=payload)

    # -- buttons ---------------------------------------------------------------------
    def vote(self, body: dict, client: WebClient, vote: str) -> None:
        action = body["actions"][0]
        user = body["user"]["id"]
        self.store.record_vote(action["value"], user, vote)
        client.chat_postEphemeral(
            channel=body["channel"]["id"],
            user=user,
            thread_ts=_thread_of(body),
            text="Thanks — your feedback was recorded.",
        )

    def more_sources(self, body: dict, client: WebClient) -> None:
        answer = self.store.answer(body["actions"][0]["value"])
        user = body["user"]["id"]
        if answer is None or not answer.more:
            text, payload = blocks.notice_blocks("No further passages for this answer.")
        else:
            text, payload = blocks.more_sources_blocks(answer)
        client.chat_postEphemeral(
            channel=body["channel"]["id"],
            user=user,
            thread_ts=_thread_of(body),
            text=text,
            blocks=payload,
        )


def _parse(text: str) -> tuple[str, SearchFilters | None, str | None]:
    """(question, filters, problem): `since:`/`until:`/`source:` ride in the question."""
    try:
        question, filters = extract_filters(text)
    except ArticleError as err:
        return text, None, f"{err} (e.g. since:2025-10-01)"
    return question, filters, None


def _thread_of(body: dict) -> str | None:
    message = body.get("message") or {}
    return message.get("thread_ts") or message.get("ts")


def create_app(newsdesk: Newsdesk, secrets: SlackSecrets, client: WebClient | None = None) -> App:
    """The Bolt app with every listener registered; `client` lets tests point it elsewhere."""
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
    store = SlackStore(newsdesk.settings.slack_db)
    bot = SlackBot(newsdesk, store)

    @app.middleware
    def drop_retried_events(body: dict, next) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and not store.first_sighting(event_id):
            log.info("dropping a repeated delivery of %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.event("app_mention")
    def on_mention(event: dict, client: WebClient, context) -> None:
        bot.answer_event(event, client, context.bot_user_id)

    @app.event("message")
    def on_message(event: dict, client: WebClient, context) -> None:
        if event.get("subtype") or event.get("bot_id"):
            return
        if event.get("channel_type") == "im":
            bot.answer_event(event, client, context.bot_user_id)
            return
        mentioned = context.bot_user_id and f"<@{context.bot_user_id}>" in event.get("text", "")
        thread_ts = event.get("thread_ts")
        if not thread_ts or mentioned:  # a mention is answered by on_mention
            return
        earlier = bot.thread_conversation(client, event["channel"], thread_ts, context.bot_user_id)
        if earlier.turns:  # only threads this app has answered in
            bot.answer_event(event, client, context.bot_user_id, earlier)

    @app.command("/newsdesk")
    def on_command(ack, command: dict, client: WebClient) -> None:
        bot.command(ack, command, client)

    @app.action(blocks.VOTE_UP_ACTION)
    def on_vote_up(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.vote(body, client, "up")

    @app.action(blocks.VOTE_DOWN_ACTION)
    def on_vote_down(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.vote(body, client, "down")

    @app.action(blocks.MORE_SOURCES_ACTION)
    def on_more_sources(ack, body: dict, client: WebClient) -> None:
        ack()
        bot.more_sources(body, client)

    return app


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


def run(newsdesk: Newsdesk, host: str = "0.0.0.0") -> None:
    """`newsdesk slack`: Socket Mode with SLACK_APP_TOKEN, else HTTP on NEWSDESK_SLACK_PORT."""
    secrets = SlackSecrets()
    app = create_app(newsdesk, secrets)
    newsdesk.ensure_indexed()
    newsdesk.warm_up()
    if newsdesk.settings.watch:
        newsdesk.refresh()
        newsdesk.watch()  # indexes arriving articles beside the bot, in this process
    if secrets.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("newsdesk: Slack Socket Mode")
        SocketModeHandler(app, secrets.slack_app_token.get_secret_value()).start()
        return
    server = http_server(app, host, newsdesk.settings.slack_port)
    log.info("newsdesk: Slack HTTP mode on %s:%s/slack/events", host, newsdesk.settings.slack_port)
    server.serve_forever()


def _working(command: Command, invocation: Invocation) -> str:
    """The acknowledgement of a command that takes a while."""
    if command.name == "quotes":
        return f":mag: Looking up what {quoted_name(invocation)} is quoted saying…"
    return {
        "speakers": ":mag: Listing who the archive quotes…",
        "refresh": ":arrows_counterclockwise: Refreshing the archive…",
    }.get(command.name, ":mag: Working on it…")
