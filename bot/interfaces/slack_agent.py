"""Slack's agent view: the app's DM is the agent (Slack moved AI apps there from the
assistant pane in 2026).

Opening the DM (`app_home_opened`, tab "messages") offers prompts drawn from the archive;
each message at the top of the DM starts a thread, answered in it with a title and a status
while the archive is searched; `app_context_changed` says what the user is looking at — a
channel, or a message in one — which is remembered in the shared store, so that whichever
replica takes the next DM question answers it within that channel's scope (and says so),
and a message holding a quote gets a "Who said this?" prompt.
"""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answer.types import Conversation
from bot.answer.who import MIN_WORDS
from bot.interfaces import slack_blocks as blocks
from bot.interfaces.slack_bot import LOADING, SlackBot
from bot.interfaces.slack_store import Viewing

log = logging.getLogger("newsdesk.slack")
MAX_PROMPTS = 4  # Slack shows at most four suggested prompts
PROMPT_QUOTE_CHARS = 200  # a prompt stays short; `who` finds a quote from part of it
_QUOTATION = re.compile(r"[“\"«]([^”\"»]+)[”\"»]")


class AgentView:
    """The agent view's listeners, answering through the bot of every other surface."""

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot
        self.store = bot.store

    def message(self, event: dict, client: WebClient, context, set_status=None) -> None:
        """A message at the top of the DM: title its thread with the question, show a
        status while searching, answer in the thread (follow-ups there keep the turns)."""
        question = blocks.clean_question(event.get("text", ""))
        if question:
            self.bot.title(client, event["channel"], event["ts"], question)
        if set_status is not None:
            set_status("is searching the archive…", loading_messages=LOADING)
        self.bot.answer_event(event, client, context.bot_user_id, Conversation(), context.team_id)

    def opened(self, user: str, client: WebClient, set_suggested_prompts) -> None:
        """The user opened the DM: the prompts for what they are looking at."""
        prompts = self.prompts_for(user, client)
        if prompts:
            set_suggested_prompts(prompts=prompts, title="From the archive")

    def context_changed(self, event: dict, client: WebClient) -> None:
        """Remember the channel (and message) the user now looks at; refresh the DM's
        prompts for it when the event names the DM."""
        user = event.get("user")
        if not user:
            return
        channel, message_ts = viewed_in(event.get("context") or {})
        self.store.set_viewing(user, channel, message_ts)
        dm = event.get("channel")
        prompts = self.prompts_for(user, client) if dm else []
        if not prompts:
            return
        try:
            client.assistant_threads_setSuggestedPrompts(
                channel_id=dm, prompts=prompts, title="From the archive"
            )
        except SlackApiError as error:
            log.info("suggested prompts refused: %s", error.response.get("error"))

    def prompts_for(self, user: str, client: WebClient) -> list[dict]:
        """ "Who said this?" for a quote in the message the user is looking at, first; then
        the archive's own prompts (most quoted people, newest story)."""
        prompts = list(self.bot.newsdesk.suggestions())
        viewing = self.store.viewing(user)
        quote = self._quote_viewed(client, viewing) if viewing else None
        if quote:
            prompts.insert(0, {"title": "Who said this?", "message": f'who said "{quote}"?'})
        return prompts[:MAX_PROMPTS]

    def _quote_viewed(self, client: WebClient, viewing: Viewing) -> str | None:
        if not viewing.channel or not viewing.message_ts:
            return None
        try:
            found = client.conversations_history(
                channel=viewing.channel, latest=viewing.message_ts, inclusive=True, limit=1
            )
        except SlackApiError as error:  # the app is not in that channel
            log.info("cannot read the message looked at: %s", error.response.get("error"))
            return None
        messages = found.get("messages") or []
        return first_quotation(messages[0].get("text", "")) if messages else None


def viewed_in(context: dict) -> tuple[str | None, str | None]:
    """(channel, message ts) of the first entity an `app_context_changed` names: a channel
    (`slack#/types/channel_id`) or a message in one (`…/message_context`)."""
    for entity in context.get("entities") or []:
        kind, value = str(entity.get("type", "")), entity.get("value")
        if kind.endswith("message_context") and isinstance(value, dict):
            return value.get("channel_id"), value.get("message_ts")
        if kind.endswith("channel_id") and isinstance(value, str):
            return value, None
    return None, None


def first_quotation(text: str) -> str | None:
    """The first quotation of a message long enough to look up (`MIN_WORDS` words)."""
    for quoted in _QUOTATION.findall(blocks.clean_question(text)):
        words = quoted.strip(" ,.")
        if len(words.split()) >= MIN_WORDS:
            return blocks.shorten(words, PROMPT_QUOTE_CHARS)
    return None
