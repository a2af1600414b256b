"""Refresh is incremental, idempotent and crash-safe; bad files never cost indexed articles."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import make_corpus
from bot.service import Newsdesk
from retrieval.index.segment_counts import SegmentCounts
from retrieval.ingest.chunking import Chunker

from .conftest import REPO, make_settings


def chunk_ids(desk: Newsdesk) -> list[str]:
    ids, _, _ = desk.store.all_chunks()
    return ids


def test_first_refresh_indexes_seeds_and_second_embeds_nothing(newsdesk: Newsdesk):
    first = newsdesk.refresh()
    assert first.counts() == {"added": 2, "updated": 0, "unchanged": 0, "removed": 0, "failed": 0}
    assert first.chunks_embedded == newsdesk.store.count_chunks() > 0
    second = newsdesk.refresh()
    assert second.chunks_embedded == 0 and second.unchanged == 2 and not second.changed


def test_touched_but_unchanged_file_is_not_re_embedded(newsdesk: Newsdesk, articles_dir: Path):
    newsdesk.refresh()
    os.utime(articles_dir / "000_18c95c43f10e2761.txt", (1, 1))
    report = newsdesk.refresh()
    assert report.chunks_embedded == 0 and report.unchanged == 2


def test_changed_file_replaces_its_chunks_without_orphans(newsdesk: Newsdesk, articles_dir: Path):
    newsdesk.refresh()
    path = articles_dir / "002_4d1c700f71ed2180.txt"
    path.write_text("date 2025-10-30 Asif spoke briefly.\n\nTora Bora was not mentioned again.\n")
    report = newsdesk.refresh()
    assert report.updated == ["002_4d1c700f71ed2180.txt"]
    ids = chunk_ids(newsdesk)
    assert len(ids) == len(set(ids))
    mine = [i for i in ids if i.startswith("002_4d1c700f71ed2180.txt::")]
    entry = newsdesk.store.manifest.all_entries()["002_4d1c700f71ed2180.txt"]
    assert len(mine) == entry.chunk_count == 1


def test_deleted_file_is_removed_on_refresh(newsdesk: Newsdesk, articles_dir: Path):
    newsdesk.refresh()
    (articles_dir / "000_18c95c43f10e2761.txt").unlink()
    report = newsdesk.refresh()
    assert report.removed == ["000_18c95c43f10e2761.txt"]
    assert not any(i.startswith("000_") for i in chunk_ids(newsdesk))
    assert newsdesk.store.manifest.count_articles() == 1


def test_bad_file_does_not_stop_the_batch_or_lose_its_indexed_version(
    newsdesk: Newsdesk, articles_dir: Path
):
    newsdesk.refresh()
    before = newsdesk.store.count_chunks()
    (articles_dir / "000_18c95c43f10e2761.txt").write_bytes(b"\x00\x01 overwritten by a binary")
    (articles_dir / "new.md").write_text("---\ntitle: New\ndate: 2025-12-01\n---\nFresh news.\n")
    report = newsdesk.refresh()
    assert report.added == ["new.md"]
    assert [p.path for p in report.failed] == [str(articles_dir / "000_18c95c43f10e2761.txt")]
    assert "binary" in report.failed[0].reason
    assert report.removed == []
    assert newsdesk.store.count_chunks() == before + 1


def test_ingest_of_explicit_files_never_removes_others(newsdesk: Newsdesk, tmp_path: Path):
    newsdesk.refresh()
    extra = tmp_path / "elsewhere" / "one.md"
    extra.parent.mkdir()
    extra.write_text("---\ntitle: Elsewhere\ndate: 2025-12-02\n---\nA note from elsewhere.\n")
    report = newsdesk.ingest([extra])
    assert report.added == ["one.md"] and report.removed == []
    assert newsdesk.store.manifest.count_articles() == 3


@pytest.mark.slow
def test_killed_ingest_is_completed_by_the_next_refresh(tmp_path: Path):
    """kill -9 in the middle of a batch: the next refresh leaves no duplicate, no gap."""
    articles = tmp_path / "articles"
    make_corpus(articles, 120, paragraphs=8)  # remixed sentences: all "recur", keep them
    data = tmp_path / "data"
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data),
        "NEWSDESK_ARTICLES_DIRS": str(articles),
        "NEWSDESK_STRIP_BOILERPLATE": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.interfaces.cli", "refresh", "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    desk = Newsdesk(make_settings(data, articles, strip_boilerplate=False))
    sqlite = data / "chroma" / "chroma.sqlite3"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if sqlite.exists() and sqlite.stat().st_size > 3_000_000:  # some batches are in
            break
        time.sleep(0.2)
    assert process.poll() is None, "ingest finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()

    partial = desk.store.manifest.count_articles()
    assert partial < 120
    report = desk.refresh()
    assert report.added and report.failed == []
    chunker = Chunker(desk.settings.chunk_size, desk.settings.chunk_overlap)
    from retrieval.ingest.formats import discover, read_articles

    expected = sum(
        len(chunker.split(a))
        for f, root in discover([articles])
        for a in read_articles(f, root, 10**7).articles
    )
    ids = chunk_ids(desk)
    assert len(ids) == len(set(ids)) == expected
    assert desk.store.manifest.count_articles() == 120
    assert desk.refresh().chunks_embedded == 0


def _plant_stray_chunk_and_marker(desk: Newsdesk, pid: int) -> None:
    """What a writer leaves mid-write: a chunk of an unpublished version, and its marker."""
    import socket
    import time as clock

    _, _, metas = desk.store.all_chunks()
    meta = {**metas[0], "content_hash": "unpublished"}
    desk.store.chunks.upsert(
        ids=["stray::c0"],
        embeddings=[desk.embedder.embed_query("half-written")],
        documents=["half-written"],
        metadatas=[meta],
    )
    desk.store.articles.upsert(
        ids=["__writer__planted"],
        embeddings=[[1.0]],
        metadatas=[{"kind": "writer", "host": socket.gethostname(), "pid": pid,
                    "beat": clock.time()}],
    )  # fmt: skip


def test_dead_writers_leftovers_are_swept_but_a_live_writers_are_not(
    newsdesk: Newsdesk, articles_dir: Path
):
    newsdesk.refresh()
    _plant_stray_chunk_and_marker(newsdesk, pid=os.getpid())  # a live writer (this process)
    (articles_dir / "one.md").write_text("---\ntitle: One\ndate: 2025-12-01\n---\nOne.\n")
    newsdesk.refresh()
    assert "stray::c0" in chunk_ids(newsdesk)
    assert all(h.chunk.id != "stray::c0" for h in newsdesk.searcher.search("half-written"))

    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()
    newsdesk.store.articles.delete(ids=["__writer__planted"])
    _plant_stray_chunk_and_marker(newsdesk, pid=dead_pid.pid)
    (articles_dir / "two.md").write_text("---\ntitle: Two\ndate: 2025-12-02\n---\nTwo.\n")
    newsdesk.refresh()
    assert "stray::c0" not in chunk_ids(newsdesk)
    assert not newsdesk.store.articles.get(where={"kind": "writer"})["ids"]


def quote_records(desk: Newsdesk) -> list[dict]:
    return desk.store.all_quote_metadata()


def test_quotes_follow_their_article_through_update_and_removal(
    newsdesk: Newsdesk, articles_dir: Path
):
    report = newsdesk.refresh()
    assert report.quotes_indexed == newsdesk.store.count_quotes() > 20
    october = "002_4d1c700f71ed2180.txt"
    (articles_dir / october).write_text(
        "date 2025-10-30 “We will talk again,” Asif said on Thursday.\n"
    )
    newsdesk.refresh()
    mine = [q for q in quote_records(newsdesk) if q["article_id"] == october]
    assert [(q["speaker"], q["content_hash"]) for q in mine] == [
        ("Asif", newsdesk.store.manifest.all_entries()[october].content_hash)
    ]  # the old version's quotes are gone, not hidden
    (articles_dir / october).unlink()
    newsdesk.refresh()
    assert not [q for q in quote_records(newsdesk) if q["article_id"] == october]


def sentence_records(desk: Newsdesk) -> list[dict]:
    return desk.store.sentences.get(include=["metadatas"])["metadatas"]


def test_sentences_follow_their_article_through_update_and_removal(
    newsdesk: Newsdesk, articles_dir: Path
):
    """Each body sentence is stored with a vector of its own (read in its passage), and an
    article's sentences are replaced and removed with it, never left to be found."""
    newsdesk.refresh()
    october = "002_4d1c700f71ed2180.txt"
    article = newsdesk.store.get_articles([october])[october]
    mine = [m for m in sentence_records(newsdesk) if m["article_id"] == october]
    assert len(mine) > 20
    assert all(article.text[m["start"] : m["end"]].strip() for m in mine)
    (articles_dir / october).write_text(
        "date 2025-10-30 “We will talk again,” Asif said on Thursday. Talks resume in May.\n"
    )
    newsdesk.refresh()
    live = newsdesk.store.manifest.all_entries()[october].content_hash
    mine = [m for m in sentence_records(newsdesk) if m["article_id"] == october]
    assert len(mine) == 2 and {m["content_hash"] for m in mine} == {live}
    (articles_dir / october).unlink()
    newsdesk.refresh()
    assert not [m for m in sentence_records(newsdesk) if m["article_id"] == october]


def test_vacuum_sweeps_quotes_no_published_version_owns(newsdesk: Newsdesk):
    newsdesk.refresh()
    before = newsdesk.store.count_quotes()
    article = newsdesk.store.manifest.all_entries()["000_18c95c43f10e2761.txt"]
    stray = dict(quote_records(newsdesk)[0], content_hash="not-published")
    newsdesk.store.quotes.upsert(
        ids=["stray-quote"], embeddings=[[0.1] * 384], documents=["x"], metadatas=[stray]
    )
    assert article.id and newsdesk.store.count_quotes() == before + 1
    assert newsdesk.store.vacuum() == 1
    assert newsdesk.store.count_quotes() == before


def test_a_new_chunk_size_leaves_no_chunk_of_the_old_cut(tmp_path, articles_dir):
    """The same article text cut anew (same content hash, fewer chunks) keeps only the new
    chunks: the old cut's extra chunks would otherwise stay live and answer twice."""
    small = Newsdesk(make_settings(tmp_path / "data", articles_dir, chunk_size=400,
                                   chunk_overlap=40))  # fmt: skip
    small.refresh()
    before = small.store.count_chunks()
    large = Newsdesk(make_settings(tmp_path / "data", articles_dir))
    report = large.refresh()
    assert report.updated  # the new cut re-indexed every article
    fresh = Newsdesk(make_settings(tmp_path / "fresh", articles_dir))
    fresh.refresh()
    assert large.store.count_chunks() == fresh.store.count_chunks() < before
    assert sorted(large.store.all_chunks()[0]) == sorted(fresh.store.all_chunks()[0])


def _whole_reads(desk: Newsdesk) -> list[str]:
    """Record every read of the whole manifest from now on."""
    calls: list[str] = []
    for name in ("all_entries", "iter_entries"):
        original = getattr(desk.store.manifest, name)
        setattr(desk.store.manifest, name, lambda o=original, n=name: calls.append(n) or o())
    return calls


def test_an_ingest_reads_its_own_files_records_never_the_whole_manifest(newsdesk, articles_dir):
    """Ingesting some files reads their manifest records only, yet sees another process's
    writes (a file it indexed is unchanged here, not added twice)."""
    newsdesk.refresh()
    newsdesk.ingest([articles_dir / "000_18c95c43f10e2761.txt"])  # derived counts: built once
    whole = _whole_reads(newsdesk)
    (articles_dir / "a.md").write_text("---\ntitle: A\ndate: 2025-12-01\n---\nAlpha talks.\n")
    assert newsdesk.ingest([articles_dir / "a.md"]).counts()["added"] == 1

    other = Newsdesk(newsdesk.settings)  # another process writes b.md and changes a.md
    (articles_dir / "b.md").write_text("---\ntitle: B\ndate: 2025-12-02\n---\nBeta talks.\n")
    (articles_dir / "a.md").write_text("---\ntitle: A\ndate: 2025-12-01\n---\nAlpha ends.\n")
    other.ingest([articles_dir / "b.md", articles_dir / "a.md"])

    report = newsdesk.ingest([articles_dir / "b.md", articles_dir / "a.md"])
    assert report.counts()["unchanged"] == 2 and not report.added and not report.updated
    (articles_dir / "b.md").unlink()
    assert newsdesk.forget([articles_dir / "b.md"]).removed == ["b.md"]
    assert whole == []


SHARE_BAR = "Get our apps and connect with us on Facebook, X and WhatsApp today."


def _scraped(folder: Path, name: str, story: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(
        f"---\ntitle: {name}\ndate: 2025-12-01\nsource: Dawn\n---\n{story}\n\n{SHARE_BAR}\n"
    )
    return path


def _indexed_text(desk: Newsdesk, article_id: str) -> str:
    return desk.store.get_articles(desk.store.manifest.entries([article_id]))[article_id].text


def test_boilerplate_counts_what_another_machine_indexed(newsdesk, articles_dir, tmp_path):
    """A sentence recurring in five articles of a source is boilerplate, whichever machine
    indexed them; each machine keeps its own counts current article by article."""
    stories = ["Rain fell on Lahore.", "Karachi port reopened.", "Wheat prices rose again.",
               "Quetta held a vote.", "Peshawar schools shut.", "Multan heat eased."]  # fmt: skip
    for n, story in enumerate(stories[:3]):
        newsdesk.ingest([_scraped(articles_dir, f"s{n}", story)])
    elsewhere = Newsdesk(newsdesk.settings)  # another host: same store, counts of its own
    elsewhere.ingestor.segment_counts = SegmentCounts(elsewhere.store, tmp_path / "other.sqlite")
    elsewhere.ingest([_scraped(articles_dir, "s3", stories[3])])
    assert SHARE_BAR in _indexed_text(elsewhere, "s3.md")  # four: still a coincidence

    whole = _whole_reads(newsdesk)
    newsdesk.ingest([_scraped(articles_dir, "s4", stories[4])])  # counts the other host's s3
    assert SHARE_BAR not in _indexed_text(newsdesk, "s4.md")
    assert stories[4] in _indexed_text(newsdesk, "s4.md")
    assert whole == []

    elsewhere.ingest([_scraped(articles_dir, "s5", stories[5])])  # counts this host's s4
    assert SHARE_BAR not in _indexed_text(elsewhere, "s5.md")


def test_removed_articles_no_longer_count_toward_boilerplate(newsdesk, articles_dir):
    stories = ["Rain fell on Lahore.", "Karachi port reopened.", "Wheat prices rose again.",
               "Quetta held a vote.", "Peshawar schools shut."]  # fmt: skip
    files = [_scraped(articles_dir, f"s{n}", story) for n, story in enumerate(stories[:4])]
    for path in files:  # one by one: each ingest counts the ones before
        newsdesk.ingest([path])
    for path in files[:2]:
        path.unlink()
    newsdesk.forget(files[:2])
    newsdesk.ingest([_scraped(articles_dir, "s4", stories[4])])  # 3 of 5 were: now 3 of 3
    assert SHARE_BAR in _indexed_text(newsdesk, "s4.md")


def test_forgetting_a_deleted_folder_removes_its_articles_only(newsdesk, articles_dir):
    newsdesk.refresh()
    folder = articles_dir / "desk"
    folder.mkdir()
    for name in ("x", "y"):
        (folder / f"{name}.md").write_text(f"---\ntitle: {name}\n---\nStory {name}.\n")
    assert len(newsdesk.ingest([folder]).added) == 2
    shutil.rmtree(folder)
    assert sorted(newsdesk.forget([folder]).removed) == ["desk/x.md", "desk/y.md"]
    assert newsdesk.store.manifest.count_articles() == 2  # the seeds stay
