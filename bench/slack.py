"""Slack path latency: signed mentions → final `chat.update`, with the real Bolt app over HTTP.

    .venv/bin/python -m bench.slack [--mentions 200] [--rate 10] [--retries 20]

Sends `--mentions` signed `app_mention` events at `--rate` per second (each from its own user,
so the per-user rate limit does not interfere), plus `--retries` re-deliveries of already sent
events (X-Slack-Retry-Num), to a local app whose Web API calls go to a local fake Slack.
Prints p50/p95 from sending a request to its answer's `chat.update`, and checks that every
mention got exactly one answer. Target: p95 ≤ 1.5 s with the extractive answerer.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slack_sdk import WebClient

from bench.common import bench_settings, percentile, report
from bot.interfaces.slack_app import SlackSecrets, create_app, http_server
from bot.service import Newsdesk
from retrieval.settings import SEEDS_DIR
from tests.slack_fake import BOT_USER, FakeSlack, post, serve_fake_slack, signed_headers

SECRET = "bench-signing-secret"
QUESTIONS = [
    "what did Asif say about Tora Bora?",
    "what did the UN say about the talks?",
    "Gul Bahadur",
    "what did Mujahid say about the strikes?",
    "how many civilians were killed?",
    "what is the capital of France?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentions", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="mentions per second")
    parser.add_argument("--retries", type=int, default=20)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(SEEDS_DIR, tmp / "articles")
    desk = Newsdesk(bench_settings(tmp / "data", tmp / "articles"))
    desk.refresh()
    desk.warm_up()
    fake = FakeSlack()
    fake_server = serve_fake_slack(fake)
    client = WebClient(
        token="xoxb-bench", base_url=f"http://127.0.0.1:{fake_server.server_address[1]}/api/"
    )
    secrets = SlackSecrets(slack_bot_token="xoxb-bench", slack_signing_secret=SECRET)
    app = create_app(desk, secrets, client=client)
    server = http_server(app, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"

    sent_at: dict[str, float] = {}
    bodies: dict[str, str] = {}
    acks: list[float] = []
    statuses: collections.Counter = collections.Counter()

    def send(index: int) -> None:
        ts = f"{1000 + index}.000001"
        body = json.dumps(
            {
                "type": "event_callback",
                "event_id": f"Ev{uuid.uuid4().hex[:12]}",
                "event": {
                    "type": "app_mention",
                    "user": f"U{index:05d}",
                    "channel": "CBENCH",
                    "ts": ts,
                    "text": f"<@{BOT_USER}> {QUESTIONS[index % len(QUESTIONS)]}",
                },
            }
        )
        bodies[ts] = body
        sent_at[ts] = time.monotonic()
        status, _, took = post(url, body, signed_headers(body, SECRET), "application/json")
        statuses[status] += 1
        acks.append(took)

    def resend(ts: str) -> None:
        body = bodies[ts]
        headers = {**signed_headers(body, SECRET), "X-Slack-Retry-Num": "1"}
        status, _, _ = post(url, body, headers, "application/json")
        statuses[status] += 1

    with ThreadPoolExecutor(max_workers=16) as pool:
        started = time.monotonic()
        for index in range(args.mentions):
            pool.submit(send, index)
            if index < args.retries and index > 0:
                pool.submit(resend, f"{1000 + index - 1}.000001")
            time.sleep(max(0.0, started + (index + 1) / args.rate - time.monotonic()))

    deadline = time.monotonic() + 120
    while len(fake.of("chat.update")) < args.mentions and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # let any duplicate show up

    posted = fake.of("chat.postMessage")
    thread_of = {c.response["ts"]: c.payload.get("thread_ts") for c in posted}
    answered = collections.Counter(thread_of[c.payload["ts"]] for c in fake.of("chat.update"))
    update_at = {thread_of[c.payload["ts"]]: c.at for c in fake.of("chat.update")}
    latencies = [(update_at[ts] - sent_at[ts]) * 1000 for ts in sent_at if ts in update_at]
    lost = [ts for ts in sent_at if ts not in answered]
    duplicated = [ts for ts, n in answered.items() if n > 1]
    server.shutdown()
    fake_server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)

    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    figures = {
        "mentions": args.mentions,
        "retried_deliveries": max(0, args.retries - 1),
        "rate_per_s": args.rate,
        "http_statuses": dict(statuses),
        "ack_p95_ms": round(percentile([a * 1000 for a in acks], 95), 1),
        "answer_p50_ms": round(p50, 1),
        "answer_p95_ms": round(p95, 1),
        "lost": len(lost),
        "duplicated": len(duplicated),
    }
    report(
        "slack",
        [
            (
                "mentions (+ retried deliveries)",
                f"{args.mentions} (+{max(0, args.retries - 1)})",
                "",
            ),
            ("ack p95", f"{figures['ack_p95_ms']} ms", "< 3 s"),
            ("request → chat.update p50", f"{p50:.0f} ms", ""),
            ("request → chat.update p95", f"{p95:.0f} ms", "≤ 1.5 s"),
            ("lost / duplicated answers", f"{len(lost)} / {len(duplicated)}", "0 / 0"),
        ],
        figures,
    )


if __name__ == "__main__":
    main()
