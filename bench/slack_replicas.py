"""Two replicas of the Slack app on one PostgreSQL: every mention delivered to both (Slack's
retries landing on the other replica), each answered exactly once.

    .venv/bin/python -m bench.slack_replicas [--mentions 200]

Starts a real PostgreSQL (bench.postgres_server), indexes the seeds once and gives each
replica its own copy of that store, starts two `bench.slack_replica` processes against the
same database and a local fake Slack, then sends each signed mention to one replica and
its retry (X-Slack-Retry-Num) to the other, half of the retries at the same moment. A
follow-up in a thread answered by one replica goes to the other, which must continue it.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.chroma_server import free_port
from bench.common import bench_settings, report
from bench.postgres_server import PostgresServer
from bot.service import Newsdesk
from retrieval.settings import SEEDS_DIR
from tests.slack_fake import BOT_USER, FakeSlack, post, serve_fake_slack, signed_headers

SECRET = "replica-signing-secret"


def _replica(data: Path, articles: Path, database: str, api: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data),
        "NEWSDESK_ARTICLES_DIRS": str(articles),
        "NEWSDESK_DATABASE_URL": database,
        "NEWSDESK_MODELS_DIR": str(Path(__file__).resolve().parent / ".data" / "models"),
        "NEWSDESK_SLACK_RATE_LIMIT_PER_MINUTE": "1000",
        "NEWSDESK_WARM_INTERVAL_S": "0",
        "SLACK_BOT_TOKEN": "xoxb-replica",
        "SLACK_SIGNING_SECRET": SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.slack_replica", "--port", str(port), "--slack-api", api],
        stdout=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise RuntimeError("a replica did not start")
    return process, f"http://127.0.0.1:{port}/slack/events"


def _body(event: dict, event_id: str) -> str:
    return json.dumps({"type": "event_callback", "team_id": "T1", "event_id": event_id,
                       "event_time": int(time.time()), "event": event})  # fmt: skip


def run_two_replicas(mentions: int = 200) -> dict:
    """Figures of one run: answered, lost, duplicated, follow-up continued across replicas."""
    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(SEEDS_DIR, tmp / "articles")
    Newsdesk(bench_settings(tmp / "data", tmp / "articles", strip_boilerplate=True)).refresh()
    for name in ("a", "b"):
        shutil.copytree(tmp / "data", tmp / name)
    fake = FakeSlack()
    fake_server = serve_fake_slack(fake)
    api = f"http://127.0.0.1:{fake_server.server_address[1]}/api/"
    processes = []
    try:
        with PostgresServer() as database:
            for name in ("a", "b"):
                processes.append(_replica(tmp / name, tmp / "articles", database.url, api))
            urls = [url for _, url in processes]
            figures = _deliver(fake, urls, mentions)
    finally:
        for process, _ in processes:
            process.kill()
        fake_server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


def _deliver(fake: FakeSlack, urls: list[str], mentions: int) -> dict:
    def send(url: str, body: str, retry: bool) -> int:
        headers = signed_headers(body, SECRET)
        if retry:
            headers["X-Slack-Retry-Num"] = "1"
        return post(url, body, headers, "application/json")[0]

    statuses: collections.Counter = collections.Counter()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for index in range(mentions):
            event = {"type": "app_mention", "user": f"U{index:05d}", "channel": "CREP",
                     "ts": f"{2000 + index}.000001",
                     "text": f"<@{BOT_USER}> what did Asif say about Tora Bora?"}  # fmt: skip
            body = _body(event, f"Ev{uuid.uuid4().hex[:12]}")
            first, other = urls[index % 2], urls[(index + 1) % 2]
            futures.append(pool.submit(send, first, body, False))
            if index % 2:  # the retry at the same moment, on the other replica
                futures.append(pool.submit(send, other, body, True))
            else:
                futures[-1].result()
                futures.append(pool.submit(send, other, body, True))
        for future in futures:
            statuses[future.result()] += 1
    deadline = time.monotonic() + 120
    while len(fake.answers(0)) < mentions and time.monotonic() < deadline:
        time.sleep(0.05)
    seconds = time.monotonic() - started
    time.sleep(1.5)  # let any duplicate arrive
    answered = collections.Counter(c.payload.get("thread_ts") for c in fake.answers(0))
    sent = [f"{2000 + i}.000001" for i in range(mentions)]
    lost = [ts for ts in sent if ts not in answered]
    duplicated = [ts for ts, n in answered.items() if n > 1]
    continued = _follow_up_on_the_other_replica(fake, urls)
    return {
        "mentions": mentions,
        "deliveries": sum(statuses.values()),
        "http_statuses": dict(statuses),
        "answered": len(answered),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "seconds": round(seconds, 1),
        "follow_up_continued_on_other_replica": continued,
    }


def _follow_up_on_the_other_replica(fake: FakeSlack, urls: list[str]) -> bool:
    """Thread 2000.000001 was answered by replica A; its follow-up goes to replica B."""
    before = len(fake.answers(0))
    event = {"type": "message", "channel_type": "channel", "channel": "CREP",
             "user": "U00000", "text": "when did he say it?", "ts": "2000.000009",
             "thread_ts": "2000.000001"}  # fmt: skip
    body = _body(event, f"Ev{uuid.uuid4().hex[:12]}")
    post(urls[1], body, signed_headers(body, SECRET), "application/json")
    answers = fake.answers(before + 1, timeout=30)
    return "29 October 2025" in answers[-1].payload.get("text", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentions", type=int, default=200)
    figures = run_two_replicas(parser.parse_args().mentions)
    report(
        "slack_replicas",
        [
            ("mentions (deliveries)", f"{figures['mentions']} ({figures['deliveries']})", ""),
            ("answered", str(figures["answered"]), str(figures["mentions"])),
            ("lost / duplicated", f"{figures['lost']} / {figures['duplicated']}", "0 / 0"),
            (
                "follow-up on the other replica",
                "continued" if figures["follow_up_continued_on_other_replica"] else "LOST",
                "",
            ),
        ],
        figures,
    )


if __name__ == "__main__":
    main()
