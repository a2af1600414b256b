"""What the Slack app does with each request, once Bolt has acknowledged it.

Every surface ends in `Newsdesk` — which knows nothing of Slack — and in the pure block
builders: a mention, a DM, a thread reply or an assistant-pane message is answered in its
thread (extractive answers post whole; generative ones stream, `slack_stream`); a pasted
quote is looked up (`who said "…"`, the message shortcut, `/newsdesk who`); `/newsdesk`
runs the command table; App Home shows the archive. A channel's scope (`/newsdesk scope`)
limits every answer given in it and is said in the answer's footer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answer.question import extract_filters
from bot.answer.types import Answer, Conversation
from bot.answer.who import QuoteCheck
from bot.interfaces import slack_blocks as blocks
from bot.interfaces.commands import (
    SLACK,
    Command,
    CommandError,
    Invocation,
    find,
    quoted_name,
    scope_request,
)
from bot.interfaces.slack_home import home_view
from bot.interfaces.slack_store import ChannelScope, SlackStore, viewed_scope
from bot.interfaces.slack_stream import AnswerStream, StreamSupport
from bot.service import Newsdesk
from retrieval.types import ArticleError, SearchFilters

log = logging.getLogger("newsdesk.slack")
LOADING = ["Searching the archive…", "Checking who said what…"]
QUICK_COMMANDS = {"feeds", "follow", "follows", "unfollow"}
ANSWER_EVENT_TYPE = "newsdesk_answer"
_WHO_SAID = re.compile(r"^\s*who\s+said\s*:?\s*(?P<quote>[\"“«'‘].{8,}[\"”»'’])\s*\??\s*$", re.I)


class Reply:
    """Where an answer goes: channel, thread, and who asked (a stream names its reader)."""

    def __init__(self, channel: str, thread_ts: str | None, user: str, team: str | None):
        self.channel, self.thread_ts, self.user, self.team = channel, thread_ts, user, team


class SlackBot:
    """Turns Slack requests into `Newsdesk` calls and answers into Slack messages."""

    def __init__(self, newsdesk: Newsdesk, store: SlackStore, client: WebClient) -> None:
        self.newsdesk = newsdesk
        self.settings = newsdesk.settings
        self.store = store
        self.streaming = StreamSupport(hasattr(client, "chat_stream"))
        # Slack's feedback buttons and citation elements; each off once a workspace refuses it
        self.look = blocks.RICHEST

    # -- questions -------------------------------------------------------------------
    def answer_event(
        self,
        event: dict,
        client: WebClient,
        bot_user_id: str | None,
        conversation: Conversation | None = None,
        team: str | None = None,
    ) -> Answer | None:
        """A mention, a DM, a thread reply or an assistant-pane message: answer in the same
        thread (or DM). `conversation` is the thread's earlier turns when already read."""
        channel, user = event["channel"], event.get("user", "")
        is_dm = event.get("channel_type") == "im"
        thread_ts = event.get("thread_ts") or event["ts"]  # a DM message is a thread root too
        reply = Reply(channel, thread_ts, user, team)
        text = blocks.clean_question(event.get("text", ""))
        scope = self.store.scope(channel) or (viewed_scope(self.store, user) if is_dm else None)
        question, filters, problem = _parse(text, scope)
        refusal = problem or self.refusal(question, user)
        if refusal:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=refusal)
            return None
        pasted = _WHO_SAID.match(question)
        if pasted:
            self.post_check(client, reply, self.newsdesk.who_said(pasted["quote"], filters), scope)
            return None
        if conversation is None:
            conversation = (
                self.thread_conversation(client, channel, event["thread_ts"], bot_user_id)
                if "thread_ts" in event
                else Conversation()
            )
        return self.answer_into(client, reply, question, conversation, filters, scope)

    def answer_into(
        self,
        client: WebClient,
        reply: Reply,
        question: str,
        conversation: Conversation,
        filters: SearchFilters | None,
        scope: ChannelScope | None,
    ) -> Answer:
        """Answer and post: whole when extractive, streamed when a model writes it."""
        stream = None
        if self.settings.llm:
            stream = AnswerStream(
                client, reply.channel, reply.thread_ts, (reply.team, reply.user), self.streaming
            )
        answer = self.ask(question, conversation, filters, on_token=stream)
        answer_id = self.store.save_answer(answer, reply.channel, reply.thread_ts, reply.user)
        described = _described(scope)
        metadata = {"event_type": ANSWER_EVENT_TYPE, "event_payload": {"answer_id": answer_id}}
        if stream is None:
            self._post(
                client.chat_postMessage, answer, answer_id, described,
                channel=reply.channel, thread_ts=reply.thread_ts, metadata=metadata,
            )  # fmt: skip
        else:
            tail = blocks.answer_tail_blocks(answer, answer_id, described, self.look)
            stream.finish(
                tail, metadata, lambda send: self._shown(answer, answer_id, described, send)
            )
        return answer

    def _post(self, send, answer: Answer, answer_id: str | None, scope, **where) -> None:
        """Post an answer whole with `send` (`chat_postMessage`, `chat_postEphemeral`) to
        `where`; a workspace that refuses citation elements, then the native feedback
        blocks, gets the answer without them, from then on."""
        self._shown(answer, answer_id, scope, lambda text, payload: send(
            text=text, blocks=payload, **where
        ))  # fmt: skip

    def _shown(self, answer: Answer, answer_id: str | None, scope, send) -> None:
        """`send(text, blocks)` with the richest blocks of the answer the workspace takes."""
        self.richest(lambda look: blocks.answer_blocks(answer, answer_id, scope, look), send)

    def richest(self, build, send) -> None:
        """`send(*build(look))` with the richest look the workspace takes: one refused
        (invalid_blocks) is dropped for a plainer one, from then on, for every message."""
        while True:
            text, payload = build(self.look)
            try:
                send(text, payload)
                return
            except SlackApiError as error:
                plainer = _plainer(self.look, payload)
                if plainer is None or error.response.get("error") != "invalid_blocks":
                    raise
                log.warning("blocks refused (invalid_blocks); answering with %s", plainer)
                self.look = plainer

    def refusal(self, question: str, user: str) -> str | None:
        """Why a question is not answered (empty, too long, rate limit), or None."""
        if not question:
            return blocks.HELP_TEXT
        if len(question) > self.settings.max_question_chars:
            return (
                f"That question is {len(question)} characters long; please keep it under "
                f"{self.settings.max_question_chars}."
            )
        wait = self.store.retry_after(user, self.settings.slack_rate_limit_per_minute)
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

    def thread_conversation(
        self, client: WebClient, channel: str, thread_ts: str, bot_user_id: str | None
    ) -> Conversation:
        """Earlier turns of a thread: the answers this app posted there, in order (read
        from the shared store, so any replica continues any thread)."""
        conversation = Conversation()
        replies = client.conversations_replies(
            channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
        )
        for message in replies.get("messages", []):
            metadata = message.get("metadata") or {}
            from_app = message.get("bot_id") or message.get("user") == bot_user_id
            if from_app and metadata.get("event_type") == ANSWER_EVENT_TYPE:
                answer = self.store.answer(metadata["event_payload"]["answer_id"])
                if answer:
                    conversation.add(answer.question, answer)
        return conversation

    def title(self, client: WebClient, channel: str, thread_ts: str, question: str) -> None:
        """Title a DM thread with its question (an install without the agent view or the
        assistant pane refuses: no title, nothing else lost)."""
        try:
            client.assistant_threads_setTitle(
                channel_id=channel, thread_ts=thread_ts, title=question[:100]
            )
        except SlackApiError as error:
            log.info("thread title refused: %s", error.response.get("error"))

    # -- the assistant pane ----------------------------------------------------------
    def assistant_message(
        self, event: dict, client: WebClient, context, set_status, set_title
    ) -> None:
        """A message in an assistant thread: title the thread from its first question, show
        "is searching the archive…" while answering, answer as in any thread."""
        earlier = self.thread_conversation(
            client, event["channel"], event["thread_ts"], context.bot_user_id
        )
        question = blocks.clean_question(event.get("text", ""))
        if not earlier.turns and question:
            set_title(question[:100])
        set_status("is searching the archive…", loading_messages=LOADING)
        event = {**event, "channel_type": "im"}
        self.answer_event(event, client, context.bot_user_id, earlier, context.team_id)

    def assistant_greeting(self, say, set_suggested_prompts) -> None:
        say(
            "Ask me about the news archive: every answer quotes its sources. Try one of "
            "these, or paste a quote to check who said it."
        )
        prompts = self.newsdesk.suggestions()
        if prompts:
            set_suggested_prompts(prompts=prompts, title="From the archive")

    # -- "who said this?" ------------------------------------------------------------
    def who_said_shortcut(self, body: dict, client: WebClient) -> None:
        """The message shortcut: look the message's words up, answer only the user."""
        message = body.get("message") or {}
        channel, user = body["channel"]["id"], body["user"]["id"]
        scope = self.store.scope(channel)
        check = self.newsdesk.who_said(
            blocks.clean_question(message.get("text", "")), scope.filters if scope else None
        )
        thread_ts = message.get("thread_ts") or message.get("ts")
        described = _described(scope)
        try:
            self._post(
                client.chat_postEphemeral, check.answer, None, described,
                channel=channel, user=user, thread_ts=thread_ts,
            )  # fmt: skip
        except SlackApiError:  # the app is not in that channel: tell the user directly
            self._post(client.chat_postMessage, check.answer, None, described, channel=user)

    def post_check(
        self, client: WebClient, reply: Reply, check: QuoteCheck, scope: ChannelScope | None
    ) -> None:
        self._post(
            client.chat_postMessage, check.answer, None, _described(scope),
            channel=reply.channel, thread_ts=reply.thread_ts,
        )  # fmt: skip

    # -- App Home --------------------------------------------------------------------
    def publish_home(self, user: str, client: WebClient) -> None:
        view = home_view(self.newsdesk.overview(), self.store.recent_questions(user))
        client.views_publish(user_id=user, view=view)

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
        scope = self.store.scope(channel)
        question, filters, problem = _parse(cleaned, scope)
        refusal = problem or self.refusal(question, user)
        if refusal:
            ack(text=refusal)
            return
        ack(text=blocks.placeholder_blocks()[0])
        reply = Reply(channel, None, user, command.get("team_id"))
        if share:
            self.answer_into(client, reply, question, Conversation(), filters, scope)
            return
        answer = self.ask(question, Conversation(), filters)
        answer_id = self.store.save_answer(answer, channel, None, user)
        self._post(
            client.chat_postEphemeral, answer, answer_id, _described(scope),
            channel=channel, user=user,
        )  # fmt: skip

    def table_command(
        self, ack, command: Command, arguments: str, channel: str, user: str, client
    ) -> None:
        """`/newsdesk quotes Asif about Taliban`, `speakers`, `who "…"`, `feeds …`,
        `refresh`, `scope …`: the command table's; the result only the asker sees."""
        from retrieval.ingest.feed_registry import FeedError

        scope = self.store.scope(channel)
        invocation = Invocation(
            arguments,
            admin=user in self.settings.slack_admins,
            filters=scope.filters if scope else None,
            channel=channel,
            user=user,
        )
        try:
            command.validate(invocation)
            if command.name == "scope":
                ack(text=self.scope_command(invocation, channel, user))
                return
        except CommandError as err:
            ack(text=blocks.escape(str(err)))
            return
        quick = command.name in QUICK_COMMANDS  # answered in the acknowledgement itself
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
        if isinstance(result, QuoteCheck):
            text, payload = check_blocks(result, scope, self.look)
        else:
            text, payload = blocks.command_result(command.name, result)
        if quick:
            ack(text=text)
        else:
            client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=payload)

    def scope_command(self, invocation: Invocation, channel: str, user: str) -> str:
        """`scope` shows this channel's scope, `scope clear` lifts it, `scope source:"X"
        since:…` sets it (admins; the command table checked who asks)."""
        action = scope_request(invocation)
        if action == "show":
            scope = self.store.scope(channel)
            if scope is None:
                return "This channel has no scope: its answers may cite the whole archive."
            return f"This channel's answers cite only {blocks.escape(scope.describe())}."
        if action == "clear":
            self.store.clear_scope(channel)
            return "Scope cleared: this channel's answers may cite the whole archive again."
        rest, filters, problem = _parse(invocation.arguments, None)
        if problem:
            raise CommandError(problem)
        if rest:
            raise CommandError(f'Only source:, since: and until: belong in a scope, not "{rest}".')
        filters = SearchFilters(filters.since, filters.until, self._known_source(filters.source))
        scope = self.store.set_scope(channel, filters, user)
        return f"Scope set: this channel's answers cite only {blocks.escape(scope.describe())}."

    def _known_source(self, source: str | None) -> str | None:
        """The source as the archive spells it; an unknown one is an error listing them."""
        if source is None:
            return None
        known = [row["source"] for row in self.newsdesk.overview()["sources"] if row["source"]]
        for name in known:
            if name.lower() == source.lower():
                return name
        listed = ", ".join(f'"{name}"' for name in known[:10]) or "none"
        raise CommandError(f'No article comes from source "{source}". Sources: {listed}.')

    # -- buttons ---------------------------------------------------------------------
    def vote(self, body: dict, client: WebClient, vote: str | None = None) -> None:
        """A 👍/👎 (plain buttons carry the answer id; feedback_buttons "up:ID")."""
        action = body["actions"][0]
        answer_id = action["value"]
        if vote is None:
            vote, _, answer_id = answer_id.partition(":")
        user = body["user"]["id"]
        self.store.record_vote(answer_id, user, vote)
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


def check_blocks(
    check: QuoteCheck, scope: ChannelScope | None, look: blocks.Look = blocks.RICHEST
) -> tuple[str, list[dict]]:
    """A quote check as Slack blocks: the verdict, the citations, the channel's scope."""
    return blocks.answer_blocks(check.answer, None, _described(scope), look)


def _described(scope: ChannelScope | None) -> blocks.Scoped | None:
    """The channel's scope as an answer's footer says it; None where there is none."""
    return blocks.Scoped(scope.describe(), scope.viewing) if scope else None


def _plainer(look: blocks.Look, refused: list[dict]) -> blocks.Look | None:
    """The next plainer rendering after Slack refused `refused`: its citation elements go
    first, then Slack's own feedback buttons; None when nothing is left to drop."""
    if look.citation_elements and refused and refused[0].get("type") == "rich_text":
        return replace(look, citation_elements=False)
    if look.native_feedback:
        return replace(look, native_feedback=False)
    return None


def _parse(text: str, scope: ChannelScope | None) -> tuple[str, SearchFilters | None, str | None]:
    """(question, filters, problem): `since:`/`until:`/`source:` ride in the question, and
    are narrowed to the channel's scope."""
    try:
        question, filters = extract_filters(text)
    except ArticleError as err:
        return text, None, f"{err} (e.g. since:2025-10-01)"
    if scope is None:
        return question, filters, None
    narrowed, problem = scope.narrow(filters)
    return question, narrowed, problem


def _thread_of(body: dict) -> str | None:
    message = body.get("message") or {}
    return message.get("thread_ts") or message.get("ts")


def _working(command: Command, invocation: Invocation) -> str:
    """The acknowledgement of a command that takes a while."""
    if command.name == "quotes":
        return f":mag: Looking up what {quoted_name(invocation)} is quoted saying…"
    return {
        "speakers": ":mag: Listing who the archive quotes…",
        "refresh": ":arrows_counterclockwise: Refreshing the archive…",
        "who": ":mag: Looking for that quote in the archive…",
    }.get(command.name, ":mag: Working on it…")
