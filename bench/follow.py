"""Follows over a Reuters stream: what 1,000 follows were sent, against what answers reach.

    .venv/bin/python -m bench.follow [--base 1000] [--stream 2000] [--offset N] [--postgres]

An archive of `--base` Reuters articles is indexed; 1,000 follows are made on it (people and
bodies the archive quotes, some about a topic, names it never quotes, companies and themes);
then `--stream` further articles arrive in small batches, written by one process while two
replicas (two services over the same store and state database) read the change log and
"post" what matched — each post recorded with its time.

Afterwards every follow's matches are compared with what the answering side reaches over
the final archive for the same words (the expected matches):

- a person: the quotations `newsdesk quotes NAME` lists from the stream's articles;
- a person about a topic: those the said ranking calls on the topic ("What did X say about
  Y?") among them;
- a topic: the stream's articles whose headline holds every word of the topic (recall), and
  for precision, whether the matched article holds them at all.

Printed: precision and recall of each kind, false alerts for names never quoted, the delay
from an article's publication in the store to its post (p50, p95), and duplicates (the
same follow and words posted twice, by either replica).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench import reuters
from bench.common import RESULTS, bench_settings, percentile, report
from bot.answer.citing import terms
from bot.answer.question import analyse
from bot.follows.following import Alert
from bot.follows.matching import name_pattern
from bot.service import Newsdesk

BATCH = 20  # articles per arriving file
POLL_S = 0.5
THEMES = [
    "cocoa", "coffee prices", "crude oil prices", "gold", "interest rates", "money supply",
    "trade deficit", "grain exports", "sugar", "wheat", "OPEC", "the dollar", "GATT",
    "shipping", "copper", "soybeans", "tin", "rubber", "natural gas", "bank lending",
    "takeover bid", "stock split", "dividend", "bond issue", "inflation", "unemployment",
    "budget deficit", "yen", "corn", "cotton", "steel", "airlines", "insurance", "tax reform",
    "Federal Reserve", "Bundesbank", "Japan trade surplus", "Brazil debt", "strike", "merger",
]  # fmt: skip
NEVER_QUOTED = [
    "Olga Petrenko", "Tariq Anwar Qadri", "Maribel Cortazar", "Henrik Solvang",
    "Adaeze Okonkwo", "Bartholomew Finch", "Svetlana Ivashkina", "Kwame Mensah-Boateng",
    "Ingrid Holmqvist", "Rafael Etxeberria",
]  # fmt: skip
_COMPANY = re.compile(r"^(?P<name>[^<]{3,40}?)\s*<")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    reuters.add_corpus_argument(parser)
    parser.add_argument("--base", type=int, default=1000)
    parser.add_argument("--stream", type=int, default=2000)
    parser.add_argument("--follows", type=int, default=1000)
    parser.add_argument(
        "--offset", type=int, default=0,
        help="skip this many corpus records first (6000: the held-out slice, never read)",
    )  # fmt: skip
    parser.add_argument("--postgres", action="store_true", help="share state in PostgreSQL")
    parser.add_argument("--show-wrong", action="store_true", help="print each wrong match")
    parser.add_argument("--keep", action="store_true", help="keep the scratch store")
    args = parser.parse_args()
    global SHOW_WRONG
    SHOW_WRONG = args.show_wrong
    reuters.use(args.corpus)
    records = list(reuters.records(args.base + args.stream, offset=args.offset))
    base, stream = records[: args.base], records[args.base :]
    root = Path(tempfile.mkdtemp(prefix="bench-follow-"))
    try:
        if args.postgres:
            from bench.postgres_server import PostgresServer

            with PostgresServer() as database:
                figures = run(root, base, stream, args.follows, database.url)
        else:
            figures = run(root, base, stream, args.follows, None)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    figures["offset"] = args.offset
    _print(figures)
    if args.keep:
        print(f"kept the store and state in {root}")


def run(root: Path, base, stream, count: int, database: str | None) -> dict:
    articles = root / "articles"
    settings = dict(strip_boilerplate=True, follow_poll_s=POLL_S, alert_every_min=0)
    if database:
        settings["database_url"] = database
    writer = Newsdesk(bench_settings(root / "data", articles, **settings))
    _write(articles / "base", base, writer)
    replicas = [writer, Newsdesk(bench_settings(root / "data", articles, **settings))]
    follows = _make_follows(writer, base, stream, count)
    posts: list[tuple[str, float, Alert]] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_deliver, args=(name, r, posts, stop), daemon=True)
        for name, r in zip("ab", replicas, strict=True)
    ]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    _write(articles / "stream", stream, writer)
    streamed_s = time.monotonic() - started
    _settle(writer, posts)
    stop.set()
    for thread in threads:
        thread.join()
    _titles.update((r["id"], r["title"]) for r in stream)
    _bodies.update((r["id"], _key(f"{r['title']} {r['body']}")) for r in stream)
    _bodies_raw.update((r["id"], f"{r['title']}\n{r['body']}") for r in stream)
    for record in stream:  # what each arriving story holds, for the topics' expected matches
        _articles[record["id"]] = (
            terms(record["title"]),
            terms(record["title"]) | terms(record["body"]),
        )
    figures = _score(writer, follows, posts, {r["id"] for r in stream})
    figures.update(stream_articles=len(stream), base_articles=len(base),
                   stream_seconds=round(streamed_s, 1), state="postgresql" if database
                   else "sqlite")  # fmt: skip
    return figures


def _write(folder: Path, records: list[dict], desk: Newsdesk) -> None:
    """Arrivals: one JSONL file of `BATCH` articles at a time, ingested as written."""
    for start in range(0, len(records), BATCH):
        path = reuters.write_jsonl(
            folder / f"batch_{start:05d}.jsonl", records[start : start + BATCH]
        )
        desk.ingest([path], roots=[folder.parent])


def _deliver(name: str, desk: Newsdesk, posts: list, stop: threading.Event) -> None:
    """One replica's loop: read the change log, post what is due (recorded with its time)."""
    following = desk.following
    _time_phases(following)
    while not stop.wait(POLL_S):
        started = time.perf_counter()
        following.scan()
        following.deliver(lambda alert: posts.append((name, time.time(), alert)))
        _rounds.append(time.perf_counter() - started)


_rounds: list[float] = []  # seconds per round of reading and posting, both replicas
_phases: list[tuple[float, str, int]] = []  # (seconds, phase, articles): the slowest shown


def _time_phases(following) -> None:
    """Time the matcher's judging and its reads of the change log, to show where a slow
    round went."""
    matcher, searcher = following.matcher, following.matcher.searcher

    def timed(name, call, size):
        def run(*args):
            started = time.perf_counter()
            result = call(*args)
            _phases.append((time.perf_counter() - started, name, size(args)))
            return result

        return run

    matcher.match = timed("match", matcher.match, lambda a: len(a[1]))
    searcher.changes_since = timed("changes_since", searcher.changes_since, lambda a: 0)
    searcher.lexical_index = timed("lexical sync", searcher.lexical_index, lambda a: 0)


def _settle(desk: Newsdesk, posts: list, quiet_s: float = 5.0) -> None:
    """Wait until the replicas have read the last arrival and posted nothing for a while."""
    last = desk.searcher.changes_since(0.0)[-1].changed_at
    while desk.following.book.cursor(0.0) < last:
        time.sleep(POLL_S)
    seen = -1
    while seen != len(posts):
        seen = len(posts)
        time.sleep(quiet_s)


def _make_follows(desk: Newsdesk, base, stream, count: int) -> list[dict]:
    """People and bodies the archive quotes (some about a topic), names it never quotes,
    companies of the headlines and general themes, as a desk would set them."""
    following, made = desk.following, []
    speakers = [row for row in desk.speakers() if row["quotes"] >= 1]
    budget = {"person": count * 35 // 100, "about": count * 10 // 100}
    for row in speakers[: budget["person"]]:
        made.append(("person", row["name"], None))
    for row in speakers[: budget["about"]]:
        title, name = row["articles"][0]["title"], row["name"].lower()
        words = (w for w in title.split() if len(w) > 5 and w.isalpha() and w.lower() not in name)
        topic = next(words, None)  # a word of one of their stories' headline, not their name
        if topic:
            made.append(("person", row["name"], topic.lower()))
    made += [("person", name, None) for name in NEVER_QUOTED]
    companies = list(
        dict.fromkeys(
            m["name"].strip()
            for r in [*stream, *base]
            if (m := _COMPANY.match(r["title"])) and len(m["name"].strip()) > 4
        )
    )  # fmt: skip  (a name of 4 letters or less is a ticker or a fragment: "Cts")
    topics = THEMES + companies
    made += [("topic", topic, None) for topic in topics[: max(0, count - len(made))]]
    follows = []
    for kind, asked, about in made[:count]:
        words = (
            f'topic "{asked}"' if kind == "topic" else asked + (f" about {about}" if about else "")
        )
        follow = following.add(words, "CBENCH", "UBENCH").follow
        follows.append({"id": follow.id, "kind": kind, "asked": asked, "about": about,
                        "never_quoted": asked in NEVER_QUOTED})  # fmt: skip
    return follows


def _score(desk: Newsdesk, follows: list[dict], posts: list, stream_ids: set[str]) -> dict:
    sent = Counter()
    delivered: dict[int, list[dict]] = defaultdict(list)
    lags, matched = [], []
    for _, at, alert in posts:
        for match in alert.matches:
            sent[(match.follow_id, match.item)] += 1
            delivered[match.follow_id].append(match.record | {"article_id": _rid(match.article_id)})
            lags.append(at - match.written_at)
            matched.append(match.found_at - match.written_at)
    tally: dict[str, Counter] = defaultdict(Counter)
    for follow in follows:
        kind = "topic" if follow["kind"] == "topic" else "about" if follow["about"] else "person"
        if follow["never_quoted"]:
            kind = "never_quoted"
        got = delivered.get(follow["id"], [])
        _tally(desk, kind, follow, got, stream_ids, tally[kind])
    _dump(follows, delivered)
    figures = {kind: _rates(counts) for kind, counts in tally.items()}
    figures["posts"] = len(posts)
    figures["matches_delivered"] = sum(sent.values())
    figures["duplicates"] = sum(n - 1 for n in sent.values() if n > 1)
    figures["lag_p50_s"] = round(percentile(lags, 50), 2) if lags else None
    figures["lag_p95_s"] = round(percentile(lags, 95), 2) if lags else None
    figures["matched_after_p50_s"] = round(percentile(matched, 50), 2) if matched else None
    figures["matched_after_p95_s"] = round(percentile(matched, 95), 2) if matched else None
    figures["posts_by_replica"] = dict(Counter(name for name, _, _ in posts))
    figures["round_p50_s"] = round(percentile(_rounds, 50), 3) if _rounds else None
    figures["round_p95_s"] = round(percentile(_rounds, 95), 3) if _rounds else None
    figures["round_max_s"] = round(max(_rounds), 3) if _rounds else None
    figures["slowest_phases"] = [
        {"seconds": round(sec, 2), "phase": name, "articles": n}
        for sec, name, n in sorted(_phases, reverse=True)[:8]
    ]
    return figures


def _dump(follows: list[dict], delivered: dict[int, list[dict]]) -> None:
    """Every post, one line each, for reading by hand: `results/follow_posts.jsonl`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / "follow_posts.jsonl").open("w", encoding="utf-8") as handle:
        for follow in follows:
            for record in delivered.get(follow["id"], []):
                keep = ("title", "quote", "speaker", "article_id")
                row = {"follow": follow, **{key: record.get(key) for key in keep}}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _tally(desk, kind, follow, got, stream_ids, counts: Counter) -> None:
    if kind == "topic":
        expected = _headline_articles(desk, follow["asked"], stream_ids)
        right = [r for r in got if _mentions(desk, r["article_id"], follow["asked"])]
        if SHOW_WRONG:
            for r in got:
                if r not in right:
                    print(
                        f"WRONG topic {follow['asked']!r}: {r['title'][:60]} | {r['quote'][:150]}"
                    )
        shown = [_key(r["quote"]) for r in got]  # a rerun's words, posted once, count for it
        found = {aid for aid in expected if any(words in _bodies[aid] for words in shown)}
        if SHOW_WRONG:
            for aid in sorted(expected - found):
                print(f"MISSED topic {follow['asked']!r}: {_titles.get(aid, aid)}")
        counts.update(sent=len(got), right=len(right), expected=len(expected), found=len(found))
        return
    expected = _answered_words(desk, follow, stream_ids)
    words = {_key(r["quote"]) for r in got}
    if SHOW_WRONG:
        for w in sorted(words - expected):
            print(f"WRONG {kind} {follow['asked']!r} about {follow['about']!r}: {w[:140]}")
        for w in sorted(expected - words):
            print(f"MISSED {kind} {follow['asked']!r} about {follow['about']!r}: {w[:140]}")
    counts.update(sent=len(words), right=len(words & expected), expected=len(expected),
                  found=len(words & expected))  # fmt: skip


def _answered_words(desk: Newsdesk, follow: dict, stream_ids: set[str]) -> set[str]:
    """The quotations answers give for this follow from the stream's articles, less the
    words the archive quoted before the stream (a rerun is not news)."""
    listed = desk.quotes(follow["asked"])
    earlier = {_key(c.quote) for c in listed.citations if _rid(c.article_id) not in stream_ids}
    if follow["about"] is not None:
        listed = desk.quotes(follow["asked"], follow["about"])
    return {_key(c.quote) for c in listed.citations if _rid(c.article_id) in stream_ids} - earlier


SHOW_WRONG = False
_titles: dict[str, str] = {}
_bodies: dict[str, str] = {}  # normalised words, for "were these words posted"
_bodies_raw: dict[str, str] = {}  # as written, for a name's pattern
_articles: dict[str, tuple[frozenset, frozenset]] = {}  # id → (headline terms, all terms)


def _headline_articles(desk: Newsdesk, topic: str, stream_ids: set[str]) -> set[str]:
    """The stream's stories whose headline names the topic: a name as written ("E-Systems"
    is not every headline with "systems"), any other topic by all its words' stems."""
    pattern = name_pattern(topic)
    if pattern is not None:
        return {aid for aid in stream_ids if pattern.search(_titles[aid])}
    wanted = set(analyse(topic).terms)
    return {aid for aid in stream_ids if wanted and wanted <= _articles[aid][0]}


def _mentions(desk: Newsdesk, article_id: str, topic: str) -> bool:
    """The story holds the topic at all: the name as written, or every word's stem."""
    held = _articles.get(article_id)
    if held is None:
        return False
    pattern = name_pattern(topic)
    if pattern is not None:
        return bool(pattern.search(_bodies_raw[article_id]))
    return set(analyse(topic).terms) <= held[1]


def _rid(article_id: str) -> str:
    """The Reuters id of an article read from a batch file (`stream/batch_00000.jsonl#id`)."""
    return article_id.rsplit("#", 1)[-1]


def _key(text: str) -> str:
    return " ".join(re.sub(r"[\"“”‘’']", "", text.lower()).split())


def _rates(counts: Counter) -> dict:
    precision = counts["right"] / counts["sent"] if counts["sent"] else None
    recall = counts["found"] / counts["expected"] if counts["expected"] else None
    return {**counts, "precision": _round(precision), "recall": _round(recall)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _print(figures: dict) -> None:
    rows = []
    for kind in ("person", "about", "topic"):
        f = figures.get(kind, {})
        rows.append((f"{kind}: precision", str(f.get("precision")), f"sent {f.get('sent', 0)}"))
        rows.append((f"{kind}: recall", str(f.get("recall")),
                     f"expected {f.get('expected', 0)}"))  # fmt: skip
    never = figures.get("never_quoted", {})
    rows.append(("never-quoted names: alerts", str(never.get("sent", 0)), "0"))
    lag = f"{figures['lag_p50_s']} / {figures['lag_p95_s']}"
    rows.append(("delivery lag p50 / p95 (s)", lag, "after publication"))
    found = f"{figures['matched_after_p50_s']} / {figures['matched_after_p95_s']}"
    rows.append(("of which matching p50 / p95 (s)", found, "publication → match"))
    rows.append(("duplicates", str(figures["duplicates"]), "0"))
    rounds = f"{figures['round_p50_s']} / {figures['round_p95_s']}"
    rows.append(("round p50 / p95 (s)", rounds, "read the log, match, post"))
    rows.append(("posts by replica", json.dumps(figures["posts_by_replica"]), ""))
    name = "follow" if not figures.get("offset") else f"follow-offset{figures['offset']}"
    report(name, rows, figures)


if __name__ == "__main__":
    main()
