"""Does newsdesk hold as the archive grows? Asks, new articles and memory at 10k–1M chunks.

    .venv/bin/python -m bench.scale [--sizes 10000,100000,1000000] [--modes embedded,server]

For each size and mode (embedded Chroma, or a real `chroma run` server) a store is filled
once under bench/.data/scale/ with real text: the Reuters archive, repeated with varied ids.
At 10k chunks the vectors are the real model's; at 100k and above they come from a cheap
deterministic stand-in (a seeded random unit vector per text), so the store, the quote
collection and the lexical index are measured at size without hours of encoding. The output
says which. Quotes come from the real quote index, run once over the first 1,000 Reuters
articles (their copies carry them; later articles carry none).

Then one long-running process (as `newsdesk slack` is) measures:
- warm ask p50/p95 over development-set questions (bench/devset.json);
- the first ask after one new article, in the writing process, in another process on the
  same machine, and (server mode) in a process on "another host" with its own lexical index;
- ingest of 100 new articles through the real pipeline (spaCy quotes, real encoder);
- RSS of that process (and of the Chroma server), and the disk used.
Targets at 1M chunks: warm p95 ≤ 150 ms, first ask after a new article ≤ 200 ms,
RSS ≤ 4 GB.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import pickle
import shutil
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from bench import reuters
from bench.chroma_server import ChromaServer, free_port
from bench.common import bench_settings, percentile, report

DATA = Path(__file__).resolve().parent / ".data" / "scale"
DEVSET = Path(__file__).resolve().parent / "devset.json"
REAL_VECTORS_UP_TO = 10_000
_QUOTED_ARTICLES = 1_000


# -- filling a store (runs in its own process, so the measuring process stays clean) --------
def stand_in_vectors(texts: list[str], dimension: int = 384) -> np.ndarray:
    """A unit vector per text, the same for the same text: cheap, deterministic, not semantic."""
    vectors = np.empty((len(texts), dimension), dtype=np.float32)
    for row, text in enumerate(texts):
        generator = np.random.default_rng(zlib.crc32(text.encode()))
        vectors[row] = generator.standard_normal(dimension)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _base_articles(folder: Path) -> list:
    """The Reuters archive read by newsdesk's own reader, as ingest would see it."""
    from retrieval.ingest.formats import read_articles

    path = reuters.write_jsonl(folder / "reuters.jsonl", list(reuters.records()))
    return read_articles(path, folder, 10 * 1024 * 1024, 1024 * 1024 * 1024).articles


def _base_quotes(articles: list) -> dict[str, list]:
    """Quotes of the first articles, from the real quote index (cached between runs)."""
    cache = DATA / f"quotes-{_QUOTED_ARTICLES}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from retrieval.ingest.quotes import QuoteExtractor

    sample = articles[:_QUOTED_ARTICLES]
    found = dict(zip((a.id for a in sample), QuoteExtractor().extract(sample), strict=True))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(found))
    return found


def fill(data_dir: Path, size: int, chroma_url: str | None) -> None:
    """Write copies of the Reuters archive until the store holds `size` chunks."""
    from bot.service import Newsdesk

    settings = _settings(data_dir, chroma_url)
    desk = Newsdesk(settings)
    if desk.store.count_chunks() >= size:
        return
    articles = _base_articles(DATA / "source")
    quotes = _base_quotes(articles)
    real = size <= REAL_VECTORS_UP_TO
    encode = desk.embedder.embed if real else stand_in_vectors
    chunker, signature = desk.ingestor.chunker, desk.ingestor.signature
    written, started = desk.store.count_chunks(), time.perf_counter()
    # past every copy already written
    copy = -(-desk.store.manifest.count_articles() // len(articles))
    while written < size:
        batch: list = []
        for article in articles:
            if written >= size:
                break
            copied = dataclasses.replace(article, id=f"copy{copy}/{article.id}")
            chunks = chunker.split(copied)
            found = quotes.get(article.id, [])
            batch.append((copied, chunks, found))
            written += len(chunks)
            if len(batch) == 500 or written >= size:
                _write(desk.store, batch, encode, signature)
                batch = []
                rate = written / (time.perf_counter() - started)
                print(f"\rfilled {written:,}/{size:,} chunks ({rate:,.0f}/s)", end="", flush=True)
        copy += 1
    desk.store.mark_refreshed()
    print()


def _write(store, batch: list, encode, signature: str) -> None:
    from retrieval.store import ArticleWrite

    texts = [chunk.text for _, chunks, _ in batch for chunk in chunks]
    quote_texts = [a.text[q.start : q.end] for a, _, found in batch for q in found]
    vectors, quote_vectors = encode(texts), encode(quote_texts) if quote_texts else []
    writes, at, quote_at = [], 0, 0
    for article, chunks, found in batch:
        own_vectors = vectors[at : at + len(chunks)]
        own_quote_vectors = quote_vectors[quote_at : quote_at + len(found)]
        write = ArticleWrite(article, chunks, own_vectors, 0, 0, signature, False)
        writes.append(dataclasses.replace(write, quotes=found, quote_vectors=own_quote_vectors))
        at, quote_at = at + len(chunks), quote_at + len(found)
    store.replace_articles(writes)


# -- measuring ----------------------------------------------------------------------------------
def _settings(data_dir: Path, chroma_url: str | None):
    articles = data_dir / "incoming"
    articles.mkdir(parents=True, exist_ok=True)
    overrides = {"chroma_url": chroma_url} if chroma_url else {}
    return bench_settings(data_dir, articles, strip_boilerplate=True, **overrides)


def _questions(count: int) -> list[str]:
    items = json.loads(DEVSET.read_text())["questions"]
    kinds: dict[str, list[str]] = {}
    for item in items:
        if item["kind"] != "follow-up":
            kinds.setdefault(item["kind"], []).append(item["question"])
    mixed = [q for group in zip(*kinds.values(), strict=False) for q in group]
    return mixed[:count]


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def _rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident memory of a process, MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore


def _disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _new_article_file(folder: Path, record: dict, tag: str) -> Path:
    path = folder / f"{tag}-{record['id']}.txt"
    path.write_text(f"{record['title']}\n\n{record['body']}\n", encoding="utf-8")
    return path


def measure(data_dir: Path, size: int, mode: str, asks: int, chroma_url: str | None) -> dict:
    from bot.service import Newsdesk

    desk = Newsdesk(_settings(data_dir, chroma_url))
    chunks = desk.store.count_chunks()
    first_sync = _timed(desk.warm_up)  # builds this machine's lexical index if it has none
    first_counts = _timed(desk.ingestor.segment_counts.sync)  # and its boilerplate counts
    questions = _questions(asks)
    for question in questions[:10]:
        desk.ask(question)
    warm = [_timed(lambda q=q: desk.ask(q)) for q in questions]

    # another process on this machine (same lexical index dir), and one on another host
    same_host = AskingProcess(data_dir, chroma_url)
    other_host = AskingProcess(data_dir / "other-host", chroma_url) if chroma_url else None

    fresh = list(reuters.records(limit=120, offset=15_000))
    incoming = desk.settings.articles_dirs[0]
    askers = {"writer": lambda q: _timed(lambda: desk.ask(q)), "same host": same_host.ask}
    if other_host is not None:
        askers["other host"] = other_host.ask
    after_new: dict[str, list[float]] = {who: [] for who in askers}
    warm_same: list[float] = []
    ingest_one: list[float] = []
    for n, record in enumerate(fresh[:5]):
        path = _new_article_file(incoming, record, f"one{n}-{time.time_ns()}")
        ingest_one.append(_timed(lambda p=path: desk.ingest([p], roots=[incoming])))
        question = f"What happened: {record['title'].lower()}?"
        for who, ask in askers.items():
            after_new[who].append(ask(question))
        warm_same.append(_timed(lambda q=question: desk.ask(q)))
    # control: an unseen question after the same pause, with no new article (on this VM a
    # process idle for a second touches memory several times slower: ~300 ms on an encode)
    after_idle: dict[str, list[float]] = {who: [] for who in askers}
    for record in fresh[5:10]:
        time.sleep(float(np.median(ingest_one)) / 1000)
        question = f"What happened: {record['title'].lower()}?"
        for who, ask in askers.items():
            after_idle[who].append(ask(question))

    batch_dir = incoming / f"batch-{time.time_ns()}"
    batch_dir.mkdir()
    for record in fresh[20:120]:
        _new_article_file(batch_dir, record, "b")
    started = time.perf_counter()
    ingested = desk.ingest([batch_dir], roots=[incoming])
    ingest_s = time.perf_counter() - started
    for process in (same_host, other_host):
        if process is not None:
            process.close()

    rss, peak = _rss_mb()
    figures = {
        "mode": mode,
        "chunks": chunks,
        "articles": desk.store.manifest.count_articles(),
        "quotes": desk.store.count_quotes(),
        "vectors": "real model" if size <= REAL_VECTORS_UP_TO else "deterministic stand-in",
        "lexical_first_build_s": round(first_sync / 1000, 1),
        "segment_counts_first_build_s": round(first_counts / 1000, 1),
        "warm_p50_ms": round(percentile(warm, 50), 1),
        "warm_p95_ms": round(percentile(warm, 95), 1),
        "warm_same_question_ms": round(float(np.median(warm_same)), 1),
        "first_ask_after_new_article_ms": {
            who: {
                "median": round(float(np.median(v)), 1),
                "max": round(max(v), 1),
                "each": [round(ms, 1) for ms in v],
            }
            for who, v in after_new.items()
            if v
        },
        "first_ask_after_same_pause_no_new_article_ms": {
            who: {"median": round(float(np.median(v)), 1), "max": round(max(v), 1)}
            for who, v in after_idle.items()
        },
        "ingest_one_article_ms": round(float(np.median(ingest_one)), 1),
        "ingest_100_articles_s": round(ingest_s, 1),
        "ingest_100_articles_per_s": round(len(ingested.added) / ingest_s, 1),
        "rss_mb": round(rss),
        "peak_rss_mb": round(peak),
        "disk_mb": {
            "chroma": round(_disk_mb(data_dir / ("server" if chroma_url else "chroma"))),
            "lexical index": round(_disk_mb(desk.lexical_dir)),
        },
    }
    return figures


class AskingProcess:
    """Another process asking (with its own model, Chroma client and caches), timed inside
    itself: asked in the measuring process, it would reuse that process's question vectors
    and its embedded Chroma's warm index."""

    def __init__(self, data_dir: Path, chroma_url: str | None) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_keep_asking, args=(data_dir, chroma_url, child))
        self.process.start()
        self.connection.recv()  # warmed up

    def ask(self, question: str) -> float:
        self.connection.send(question)
        return self.connection.recv()

    def close(self) -> None:
        self.connection.send(None)
        self.process.join(timeout=120)


def _keep_asking(data_dir: Path, chroma_url: str | None, connection) -> None:
    from bot.service import Newsdesk

    desk = Newsdesk(_settings(data_dir, chroma_url))
    desk.warm_up()  # on "another host", builds its lexical index once
    desk.ask("What did Asif say about Tora Bora?")
    connection.send("ready")
    while (question := connection.recv()) is not None:
        connection.send(_timed(lambda q=question: desk.ask(q)))


# -- driving ------------------------------------------------------------------------------------
def _port_for(path: Path) -> int:
    """The same port for the same store on every run where it is free: a machine's derived
    indexes are kept per store location (URL), so a new port would rebuild them all."""
    port = 20_000 + zlib.crc32(str(path).encode()) % 10_000
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def run(size: int, mode: str, asks: int, fill_only: bool = False) -> dict:
    data_dir = DATA / f"{mode}-{size}"
    server, url = (None, None)
    if mode == "server":
        server = ChromaServer(data_dir / "server", _port_for(data_dir / "server")).start()
        url = server.url
    try:
        args = [sys.executable, "-m", "bench.scale", "--fill", str(data_dir), "--size", str(size)]
        subprocess.run(args + (["--url", url] if url else []), check=True)
        if fill_only:
            return {}
        figures = measure(data_dir, size, mode, asks, url)
        if server is not None:
            figures["server_rss_mb"] = round(_rss_mb(server.process.pid)[0])
        return figures
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(data_dir / "incoming", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--asks", type=int, default=60)
    parser.add_argument("--fill-only", action="store_true", help="fill the stores, measure later")
    parser.add_argument("--fill", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(args.fill, args.size, args.url)
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        for mode in args.modes.split(","):
            print(f"\n== {size:,} chunks, {mode} ==")
            figures = run(size, mode, args.asks, args.fill_only)
            if args.fill_only:
                continue
            print(json.dumps(figures, indent=2))
            results.append(figures)
    if args.fill_only:
        return
    rows = []
    for f in results:
        label = f"{f['chunks']:,} {f['mode']}"
        firsts = f["first_ask_after_new_article_ms"]
        worst_first = max(v["max"] for v in firsts.values())
        idle = f["first_ask_after_same_pause_no_new_article_ms"]
        worst_idle = max(v["max"] for v in idle.values())
        rows += [
            (f"{label}: vectors", f["vectors"], ""),
            (f"{label}: warm ask p50 / p95", f"{f['warm_p50_ms']} / {f['warm_p95_ms']} ms",
             "p95 ≤ 150 ms"),
            (f"{label}: first ask after new article (worst)", f"{worst_first} ms", "≤ 200 ms"),
            (f"{label}: same pause, no new article (worst)", f"{worst_idle} ms", "(control)"),
            (f"{label}: ingest 100 articles", f"{f['ingest_100_articles_s']} s", ""),
            (f"{label}: RSS (peak)", f"{f['rss_mb']} ({f['peak_rss_mb']}) MB", "≤ 4,096 MB"),
        ]  # fmt: skip
    name = "scale"
    for option in ("sizes", "modes"):  # a partial run is kept beside the full one
        if getattr(args, option) != parser.get_default(option):
            name += "-" + getattr(args, option).replace(",", "_")
    report(name, rows, {"runs": results})


if __name__ == "__main__":
    main()
