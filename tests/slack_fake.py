"""A local stand-in for Slack's Web API that records every call, and signed-request helpers.

Slack cannot be reached from here, so the real Bolt app's `WebClient(base_url=...)` points at
this server. It answers like the Web API for the methods newsdesk uses and keeps the messages
it was sent, so `conversations.replies` returns a real thread.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT_USER = "UNEWSDESK"
BOT_ID = "BNEWSDESK"


@dataclass
class Call:
    method: str
    payload: dict
    at: float
    response: dict = field(default_factory=dict)


@dataclass
class FakeSlack:
    """`refuse` maps a method to the error Slack would give (a workspace without it)."""

    calls: list[Call] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    refuse_blocks: set[str] = field(default_factory=set)  # block/element types: invalid_blocks
    threads: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def add_user_message(self, channel: str, ts: str, text: str, thread_ts: str | None = None):
        with self.lock:
            root = thread_ts or ts
            self.threads.setdefault((channel, root), []).append(
                {"type": "message", "user": "UASKER", "text": text, "ts": ts, "thread_ts": root}
            )

    def handle(self, method: str, payload: dict) -> dict:
        with self.lock:
            response = self._answer(method, payload)
            self.calls.append(Call(method, payload, time.monotonic(), response))
            return response

    def _answer(self, method: str, payload: dict) -> dict:
        if method in self.refuse:
            return {"ok": False, "error": self.refuse[method]}
        if self.refuse_blocks & _types(_blocks(payload)):
            return {"ok": False, "error": "invalid_blocks"}
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": "T1"}
        if method == "chat.postMessage":
            ts = self.next_ts()
            message = {**payload, "ts": ts, "bot_id": BOT_ID, "user": BOT_USER}
            root = payload.get("thread_ts") or ts
            self.threads.setdefault((payload["channel"], root), []).append(message)
            return {"ok": True, "channel": payload["channel"], "ts": ts, "message": message}
        if method == "chat.update":
            for messages in self.threads.values():
                for message in messages:
                    if message["ts"] == payload["ts"]:
                        message.update(payload)
            return {"ok": True, "channel": payload["channel"], "ts": payload["ts"]}
        if method == "chat.startStream":
            ts = self.next_ts()
            message = {**payload, "ts": ts, "bot_id": BOT_ID, "user": BOT_USER}
            message["text"] = _chunk_text(payload)
            self.threads.setdefault((payload["channel"], payload["thread_ts"]), []).append(message)
            return {"ok": True, "channel": payload["channel"], "ts": ts}
        if method in ("chat.appendStream", "chat.stopStream"):
            for message in self._messages():
                if message["ts"] == payload["ts"]:
                    message["text"] = message.get("text", "") + _chunk_text(payload)
                    for key in ("blocks", "metadata"):
                        if key in payload:
                            message[key] = payload[key]
            return {"ok": True, "channel": payload["channel"], "ts": payload["ts"]}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method == "conversations.history":  # the one message at `latest`, inclusive
            found = [
                _with_metadata(m) for (channel, _), messages in self.threads.items()
                if channel == payload["channel"] for m in messages
                if m["ts"] == payload.get("latest")
            ]  # fmt: skip
            return {"ok": True, "messages": found[:1]}
        if method == "conversations.replies":
            messages = self.threads.get((payload["channel"], payload["ts"]), [])
            return {"ok": True, "messages": [_with_metadata(m) for m in messages]}
        return {"ok": True}

    def _messages(self):
        for messages in self.threads.values():
            yield from messages

    def message(self, ts: str) -> dict | None:
        """A message as it stands now (after updates and stream appends)."""
        with self.lock:
            return next((m for m in self._messages() if m["ts"] == ts), None)

    def answers(self, count: int = 1, timeout: float = 60) -> list[Call]:
        """The answers the app posted (messages carrying its answer metadata), in order."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [
                c for c in self.of("chat.postMessage") + self.of("chat.update")
                + self.of("chat.stopStream") if c.payload.get("metadata") and c.response.get("ok")
            ]  # fmt: skip
            if len(found) >= count:
                return sorted(found, key=lambda c: c.at)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} answer(s), got {self.calls}")

    def of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.of(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {self.of(method)}")


def _types(items: list) -> set[str]:
    """Every block and element type in a payload, however deep (rich text nests them)."""
    found: set[str] = set()
    for item in items:
        if isinstance(item, dict):
            found.add(item.get("type", ""))
            found |= _types(item.get("elements") or [])
    return found


def _blocks(payload: dict) -> list[dict]:
    blocks = payload.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def _chunk_text(payload: dict) -> str:
    """The markdown a stream call carries (`markdown_text`, or its markdown_text chunks)."""
    chunks = payload.get("chunks") or []
    if isinstance(chunks, str):
        chunks = json.loads(chunks)
    text = payload.get("markdown_text") or ""
    return text + "".join(c.get("text", "") for c in chunks if c.get("type") == "markdown_text")


def _with_metadata(message: dict) -> dict:
    message = dict(message)
    if isinstance(message.get("metadata"), str):
        message["metadata"] = json.loads(message["metadata"])
    return message


def serve_fake_slack(fake: FakeSlack) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # answer in one go, as Slack's servers would

        def _reply(self, payload: dict) -> None:
            method = self.path.split("?")[0].rsplit("/", 1)[-1]
            body = json.dumps(fake.handle(method, payload)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if "json" in self.headers.get("Content-Type", ""):
                payload = json.loads(raw or "{}")
            else:
                payload = dict(urllib.parse.parse_qsl(raw))
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
            self._reply({**query, **payload})

        def do_GET(self) -> None:
            self._reply(dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query)))

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def signed_headers(body: str, secret: str, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def post(url: str, body: str, headers: dict, content_type: str) -> tuple[int, str, float]:
    """POST to the app; returns (status, body, seconds until the response came back)."""
    request = urllib.request.Request(
        url, data=body.encode(), headers={**headers, "Content-Type": content_type}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), time.monotonic() - started
