"""From a feed's publication to an answerable article, and what an unchanged poll costs.

    .venv/bin/python -m bench.feeds [--feeds 20] [--entries 50] [--interval 2]

A local site (tests/feeds_fake.py) serves `--feeds` RSS and Atom feeds of real Reuters text,
half with full content and half linking to article pages. Each feed starts with all but its
last 5 entries; `newsdesk watch`'s poller (the real one, inside `Newsdesk.watch`) takes them
in, then the last 5 of every feed are published one by one and the time from publication to
"published in the archive" (the article is in the manifest, so the next question can find
it) is measured for each. Finally three polls with nothing new count their requests: all
should be 304s.

The poll interval is `--interval` seconds here (the default deployment polls every 300 s,
so publication-to-answerable there is dominated by the interval itself); the per-host delay
is 0.05 s because every feed lives on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from bench import reuters
from bench.common import bench_settings, percentile, report
from bot.service import Newsdesk
from retrieval.ingest.feed_registry import canonical_url
from tests.feeds_fake import Item, Site, serve

_HELD_BACK = 5


def _items(records: list[dict], feed: int, per_feed: int) -> list[Item]:
    start = feed * per_feed
    return [
        Item(
            slug=f"f{feed}-{record['id']}",
            title=record["title"] or f"Story {record['id']}",
            body="\n\n".join(p.strip() for p in record["body"].split("\n     ") if p.strip()),
            published=time.time(),
            full_content=feed % 2 == 0,
        )
        for record in records[start : start + per_feed]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--interval", type=float, default=2.0)
    reuters.add_corpus_argument(parser)
    args = parser.parse_args()
    reuters.use(args.corpus)
    records = [r for r in reuters.records(limit=args.feeds * args.entries * 2) if r["body"]]
    site = Site()
    server, base = serve(site)
    plans = {}
    for feed in range(args.feeds):
        path = f"/feed{feed}.xml"
        items = _items(records, feed, args.entries)
        site.feeds[path] = ("rss" if feed % 3 else "atom", [])
        for item in items[:-_HELD_BACK]:
            site.add_item(path, item)
        plans[path] = items[-_HELD_BACK:]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "articles").mkdir()
        settings = bench_settings(
            tmp / "data", tmp / "articles", strip_boilerplate=True,
            feed_interval_s=args.interval, feed_host_delay_s=0.05,
        )  # fmt: skip
        desk = Newsdesk(settings)
        for path in site.feeds:
            desk.add_feed(f"{base}{path}")
        desk.embedder.embed(["warm up"])
        started = time.perf_counter()
        first_poll = threading.Event()
        watching = desk.watch(on_poll=lambda report: first_poll.set())
        first_poll.wait(900)  # reported after its entries are indexed
        first_fill = time.perf_counter() - started
        initial = desk.store.manifest.count_articles()
        print(f"first poll: {initial} entries in {first_fill:.1f} s", flush=True)

        delays = _publish_and_wait(desk, site, base, plans)
        answered = _answerable(desk, [item for items in plans.values() for item in items][:10])

        time.sleep(args.interval * 1.5)  # let the last polls settle
        watching.stop()  # the idle polls below are counted alone
        idle = []
        for _ in range(3):
            before = len(site.requests)
            polled, _ = desk.poll_feeds(force=True)
            statuses = [status for _, status in site.requests_since(before)]
            idle.append((polled.requests, statuses.count(304)))
    server.shutdown()

    figures = {
        "feeds": args.feeds,
        "entries_per_feed": args.entries,
        "poll_interval_s": args.interval,
        "first_poll_entries": initial,
        "first_poll_s": round(first_fill, 1),
        "published_to_indexed_s_p50": round(percentile(delays, 50), 2),
        "published_to_indexed_s_p95": round(percentile(delays, 95), 2),
        "published_entries_timed": len(delays),
        "answerable_sample": f"{answered}/10",
        "unchanged_poll_requests": [r for r, _ in idle],
        "unchanged_poll_304s": [n for _, n in idle],
    }
    report(
        "feeds",
        [
            ("feeds × entries", f"{args.feeds} × {args.entries}", ""),
            (
                "first poll (all but 5 per feed, less duplicates)",
                f"{initial} in {first_fill:.0f} s",
                "",
            ),
            (
                "published → indexed p50",
                f"{figures['published_to_indexed_s_p50']} s",
                f"interval {args.interval:g} s",
            ),
            ("published → indexed p95", f"{figures['published_to_indexed_s_p95']} s", ""),
            ("answerable (sample of 10)", figures["answerable_sample"], "10/10"),
            ("requests per unchanged poll", str(figures["unchanged_poll_requests"]), ""),
            ("of which 304", str(figures["unchanged_poll_304s"]), "all"),
        ],
        figures,
    )


def _publish_and_wait(desk: Newsdesk, site: Site, base: str, plans: dict) -> list[float]:
    """Publish the held-back entries one every 0.25 s; time each until it is indexed."""
    published: dict[str, float] = {}
    done: dict[str, float] = {}
    stop = threading.Event()

    def watch_manifest() -> None:
        while not stop.is_set():
            waiting = [key for key in published if key not in done]
            for key in desk.store.manifest.live_versions(waiting):
                done[key] = time.perf_counter()
            time.sleep(0.05)

    checker = threading.Thread(target=watch_manifest, daemon=True)
    checker.start()
    rounds = max(len(items) for items in plans.values())
    for position in range(rounds):
        for path, items in plans.items():
            item = items[position]
            item.published = time.time()
            site.add_item(path, item)
            published[canonical_url(f"{base}/news/{item.slug}?utm_source=rss")] = (
                time.perf_counter()
            )
            time.sleep(0.25)
    deadline = time.perf_counter() + 120
    while len(done) < len(published) and time.perf_counter() < deadline:
        time.sleep(0.2)
    stop.set()
    checker.join()
    return [done[key] - published[key] for key in published if key in done]


def _answerable(desk: Newsdesk, items: list[Item]) -> int:
    """How many of these entries a question on their headline finds and cites."""
    found = 0
    for item in items:
        answer = desk.ask(item.title)
        found += any(item.slug in (c.url or "") for c in answer.citations)
    return found


if __name__ == "__main__":
    main()
