"""Slack path latency: signed mentions → final `chat.update`, with the real Bolt app over HTTP.

    .venv/bin/python -m bench.slack [--mentions 200] [--rate 10] [--retries 20]

Sends `--mentions` signed `app_mention` events at `--rate` per second (each from its own user,
so the per-user rate limit does not interfere), plus `--retries` re-deliveries of already sent
events (X-Slack-Retry-Num), to a local app whose Web API calls go to a local fake Slack.
Prints p50/p95 from sending a request to its answer (posted whole), and checks that every
mention got exactly one answer. Target: p95 ≤ 1.5 s with the extractive answerer.

Then the idle-then-ask figure: a process left idle for a few seconds encodes its next
question several times slower on this kind of VM. One question after each of `--idle`
quiet spells, with the encoder kept warm (`Newsdesk.keep_warm`, what `newsdesk slack`
does) and without, against the same question asked warm.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import statistics
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
    parser.add_argument("--idle", type=int, default=8, help="quiet spells per mode")
    parser.add_argument("--idle-s", type=float, default=5.0, help="seconds of each")
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
    while len(fake.answers(0)) < args.mentions and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # let any duplicate show up

    answers = fake.answers(0)
    answered = collections.Counter(c.payload.get("thread_ts") for c in answers)
    answer_at = {c.payload.get("thread_ts"): c.at for c in answers}
    latencies = [(answer_at[ts] - sent_at[ts]) * 1000 for ts in sent_at if ts in answer_at]
    lost = [ts for ts in sent_at if ts not in answered]
    duplicated = [ts for ts, n in answered.items() if n > 1]
    server.shutdown()
    fake_server.shutdown()
    idle = idle_then_ask(desk, args.idle, args.idle_s)
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
        **idle,
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
            ("request → answer p50", f"{p50:.0f} ms", ""),
            ("request → answer p95", f"{p95:.0f} ms", "≤ 1.5 s"),
            ("lost / duplicated answers", f"{len(lost)} / {len(duplicated)}", "0 / 0"),
            ("question asked warm (median)", f"{idle['warm_ms']} ms", ""),
            (
                f"after {args.idle_s:.0f} s idle, kept warm (median)",
                f"{idle['idle_kept_warm_ms']} ms",
                "≈ warm",
            ),
            (
                f"after {args.idle_s:.0f} s idle, not kept warm (median)",
                f"{idle['idle_cold_ms']} ms",
                "",
            ),
        ],
        figures,
    )


def idle_then_ask(desk: Newsdesk, spells: int, idle_s: float) -> dict:
    """Median ms of one question: warm, after idle spells without and with keep_warm."""

    def ask(question: str) -> float:
        started = time.perf_counter()
        desk.ask(question)
        return (time.perf_counter() - started) * 1000

    questions = [f"what did Asif say about Tora Bora {i}?" for i in range(spells * 3)]
    warm = [ask(q) for q in questions[:spells]]  # back to back
    cold = []
    for question in questions[spells : spells * 2]:
        time.sleep(idle_s)
        cold.append(ask(question))
    desk.keep_warm()
    kept = []
    for question in questions[spells * 2 :]:
        time.sleep(idle_s)
        kept.append(ask(question))
    return {
        "warm_ms": round(statistics.median(warm), 1),
        "idle_cold_ms": round(statistics.median(cold), 1),
        "idle_kept_warm_ms": round(statistics.median(kept), 1),
        "idle_s": idle_s,
        "idle_spells": spells,
    }


if __name__ == "__main__":
    main()
