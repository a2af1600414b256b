"""Follows in Slack: each replica reads what arrived and posts what matched, once.

A thread of the app's process wakes every NEWSDESK_FOLLOW_POLL_S, matches the store's new
article versions against the follows (`bot.follows`, from the shared cursor), and posts each
due follow's pending matches as one message in the channel or DM that asked, with a "Stop
following" button. Which replica posts is settled in the shared database (a claim on the
follow's row), so two replicas never post the same match; a channel the app can no longer
post in ends its follows, said in the log.
"""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.follows.following import CLI_CHANNEL, Alert, FollowError
from bot.interfaces import slack_blocks as blocks
from bot.interfaces.slack_bot import SlackBot

log = logging.getLogger("newsdesk.slack")
GONE = {"channel_not_found", "is_archived", "not_in_channel", "account_inactive"}


class FollowDelivery:
    """The loop that matches arrivals and posts alerts, until `stop` is set."""

    def __init__(self, bot: SlackBot, client: WebClient, stop: threading.Event) -> None:
        self.bot, self.client, self.stop = bot, client, stop
        self.following = bot.newsdesk.following
        self.thread = threading.Thread(target=self._loop, name="newsdesk-follows", daemon=True)

    def start(self) -> FollowDelivery:
        self.thread.start()
        return self

    def _loop(self) -> None:
        interval = self.bot.settings.follow_poll_s
        while not self.stop.wait(interval):
            try:
                self.round()
            except Exception:  # one bad round (store or database away) never ends the loop
                log.exception("follow delivery round failed; trying again")

    def round(self) -> int:
        """Match what arrived, post what is due; how many messages were posted."""
        self.following.scan()
        return self.following.deliver(self._post, lambda follow: follow.channel != CLI_CHANNEL)

    def _post(self, alert: Alert) -> None:
        channel = alert.follow.channel

        def send(text: str, payload: list[dict]) -> None:
            self.client.chat_postMessage(channel=channel, text=text, blocks=payload)

        try:
            self.bot.richest(lambda look: blocks.alert_blocks(alert, look), send)
        except SlackApiError as error:
            if error.response.get("error") not in GONE:
                raise
            log.warning("cannot post in %s (%s): follow #%s ended", channel,
                        error.response.get("error"), alert.follow.id)  # fmt: skip
            self.following.book.stop(alert.follow.id)


def stop_following(bot: SlackBot, body: dict, client: WebClient) -> None:
    """The "Stop following" button: end that follow of this channel, tell the clicker."""
    channel, user = body["channel"]["id"], body["user"]["id"]
    try:
        stopped = bot.newsdesk.following.stop(body["actions"][0]["value"], channel)
        text = f"Stopped following {blocks.escape(stopped.describe())} (#{stopped.id})."
    except FollowError as err:
        text = blocks.escape(str(err))
    client.chat_postEphemeral(channel=channel, user=user, text=text)
