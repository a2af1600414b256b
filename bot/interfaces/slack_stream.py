"""Where a generative answer's words go while the model writes them.

Slack's native streaming (`chat.startStream` / `appendStream` / `stopStream`, through
slack_sdk's `chat_stream()`) where the SDK and the workspace have it: the text grows in one
message, and the stream stops with the citations and feedback buttons under it. Where
either lacks it (an older slack_sdk, a workspace that refuses the method), a placeholder
updated at most once a second, as before; the process remembers a refusal and stops trying.

Either way the model's raw draft is replaced by the checked answer when generation ends:
`finish` leaves the message showing exactly what `answer_blocks` renders.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.interfaces import slack_blocks as blocks

log = logging.getLogger("newsdesk.slack")
STREAM_BUFFER_CHARS = 80  # flushed to Slack every ~80 characters: a line of text at a time


class StreamSupport:
    """Whether this process streams natively; off for good after the workspace refuses."""

    def __init__(self, client_has_it: bool) -> None:
        self.enabled = client_has_it
        self._lock = threading.Lock()

    def refused(self, error: SlackApiError) -> None:
        with self._lock:
            if self.enabled:
                log.warning(
                    "native streaming refused (%s); answers are drafted in a placeholder",
                    error.response.get("error"),
                )
            self.enabled = False


class DraftUpdater:
    """Shows a streaming answer in the placeholder, at most one `chat.update` a second."""

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


class AnswerStream:
    """A generative answer on its way into one Slack message (call it with each token)."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        thread_ts: str | None,
        recipient: tuple[str | None, str | None],
        support: StreamSupport,
    ) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.team, self.user = recipient
        self.support = support
        self.streamed = ""
        self._stream = None
        self._draft: DraftUpdater | None = None
        if not (support.enabled and thread_ts):  # a stream lives in a thread
            self._start_draft()

    def __call__(self, token: str) -> None:
        if self._draft is not None:
            self._draft(token)
            return
        self.streamed += token
        try:
            if self._stream is None:
                self._stream = self.client.chat_stream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    recipient_team_id=self.team,
                    recipient_user_id=self.user,
                    buffer_size=STREAM_BUFFER_CHARS,
                )
            self._stream.append(markdown_text=blocks.escape(token))
        except SlackApiError as error:
            self.support.refused(error)
            started = self._stream.ts if self._stream is not None else None
            if started:  # the message exists: draft on in it
                self._draft = DraftUpdater(self.client, self.channel, started)
                self._draft.text = self.streamed
            else:
                self._start_draft(self.streamed)

    def finish(self, tail: list[dict], metadata: dict, show: Callable) -> None:
        """Show the checked answer: `show(send)` calls `send(text, blocks)` with the richest
        blocks the workspace takes (`SlackBot._shown`); `tail` goes under streamed text."""
        if self._stream is not None and self._draft is None:
            try:
                self._stream.stop(blocks=tail, metadata=metadata)
            except SlackApiError as error:
                self.support.refused(error)
            ts = self._stream.ts
            if ts:
                show(lambda text, payload: self._replace(ts, text, payload, metadata))
                return
        if self._draft is None:  # no word was streamed (the model failed): post it whole
            show(lambda text, payload: self.client.chat_postMessage(
                channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=payload,
                metadata=metadata,
            ))  # fmt: skip
            return
        draft = self._draft.ts
        show(lambda text, payload: self.client.chat_update(
            channel=self.channel, ts=draft, text=text, blocks=payload, metadata=metadata
        ))  # fmt: skip

    def _replace(self, ts: str, text: str, payload: list[dict], metadata: dict) -> None:
        """The streamed message becomes the checked answer when its words differ, or when
        its [n] markers become citation elements."""
        same = " ".join(self.streamed.split()) == " ".join(text.split())
        if not same or payload[0].get("type") == "rich_text":
            self.client.chat_update(
                channel=self.channel, ts=ts, text=text, blocks=payload, metadata=metadata
            )

    def _start_draft(self, so_far: str = "") -> None:
        placeholder_text, placeholder = blocks.placeholder_blocks()
        posted = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=placeholder_text,
            blocks=placeholder,
        )  # fmt: skip
        self._draft = DraftUpdater(self.client, self.channel, posted["ts"])
        self._draft.text = so_far
