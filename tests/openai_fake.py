"""A local OpenAI-compatible chat server, scripted per test, recording what it was sent.

Each request is answered by `script(request) -> Reply`, so a test can read the numbered
passages it was sent and reply as a model would: well cited, with a made-up citation,
obeying an injected instruction, slowly, with a 500, with garbage, or streamed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before answering
    token_delay: float = 0.0  # seconds between streamed tokens


@dataclass
class FakeModel:
    script: Callable[[dict], Reply] = field(default=lambda request: Reply("NO_EVIDENCE"))
    requests: list[dict] = field(default_factory=list)
    busy_seconds: list[float] = field(default_factory=list)  # time spent per request

    def user_text(self, index: int = -1) -> str:
        return self.requests[index]["messages"][-1]["content"]

    def system_text(self, index: int = -1) -> str:
        return self.requests[index]["messages"][0]["content"]


def passage_number(request: dict, words: str) -> int:
    """The number of the first passage sent that contains `words`."""
    text = request["messages"][-1]["content"]
    for block in text.split("<passage ")[1:]:
        number = int(block.split('"', 2)[1])
        if words in block.split("</passage>")[0]:
            return number
    raise AssertionError(f"no passage with {words!r} was sent")


def serve_fake_model(model: FakeModel) -> tuple[ThreadingHTTPServer, str]:
    """Start the server on a free loopback port; returns (server, base_url ending in /v1)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # answer in one go, as a real server would

        def do_POST(self) -> None:
            started = time.perf_counter()
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            model.requests.append(request)
            reply = model.script(request)
            time.sleep(reply.delay)
            if reply.status != 200:
                self._send(reply.status, json.dumps({"error": {"message": "boom"}}).encode())
            elif request.get("stream"):
                self._stream(reply)
            else:
                self._send(200, json.dumps(_completion(reply.content)).encode())
            model.busy_seconds.append(time.perf_counter() - started)

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            tokens = [t + " " for t in reply.content.split(" ")]
            for token in tokens:
                self.wfile.write(f"data: {json.dumps(_chunk(token))}\n\n".encode())
                self.wfile.flush()
                time.sleep(reply.token_delay)
            self.wfile.write(f"data: {json.dumps(_chunk('', done=True))}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def _completion(content: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _chunk(token: str, done: bool = False) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "delta": {} if done else {"role": "assistant", "content": token},
                "finish_reason": "stop" if done else None,
            }
        ],
    }
