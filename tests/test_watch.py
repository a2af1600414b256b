"""The watcher indexes arriving articles whole and once, batches bursts, forgets deletions."""

from __future__ import annotations

import os
import time

import pytest

from bot.service import Newsdesk

STORY = "---\ntitle: {title}\ndate: 2025-12-0{day}\n---\n{body}\n"


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def watched(newsdesk: Newsdesk):
    newsdesk.refresh()
    reports = []
    watcher = newsdesk.watch(on_report=reports.append)
    yield newsdesk, newsdesk.settings.articles_dirs[0], reports
    watcher.stop()


def titles(desk: Newsdesk) -> dict[str, str]:
    return {e.id: e.title for e in desk.store.manifest.all_entries().values()}


def test_new_then_overwritten_then_deleted_file(watched):
    desk, folder, _ = watched
    path = folder / "ceasefire.md"
    path.write_text(STORY.format(title="Ceasefire holds", day=1, body="The ceasefire held."))
    wait_until(lambda: titles(desk).get("ceasefire.md") == "Ceasefire holds")
    answer = desk.ask("Did the ceasefire hold?")
    assert answer.found and answer.citations[0].article_id == "ceasefire.md"

    path.write_text(STORY.format(title="Ceasefire breaks", day=2, body="The ceasefire broke."))
    wait_until(lambda: titles(desk).get("ceasefire.md") == "Ceasefire breaks")
    # the manifest switches first, then the old version's chunks go (crash-safe order)
    wait_until(lambda: chunk_texts(desk) == ["The ceasefire broke."])
    assert "broke" in desk.ask("Did the ceasefire hold?").citations[0].quote

    path.unlink()
    wait_until(lambda: "ceasefire.md" not in titles(desk))
    wait_until(lambda: chunk_texts(desk) == [])


def chunk_texts(desk: Newsdesk) -> list[str]:
    chunks = zip(*desk.store.all_chunks(), strict=True)
    return [text for chunk_id, text, _ in chunks if "ceasefire.md" in chunk_id]


def test_temp_file_renamed_into_place_is_indexed_once_and_whole(watched):
    desk, folder, reports = watched
    temp = folder / ".incoming.md.tmp"
    with temp.open("w") as handle:
        handle.write(STORY.format(title="Renamed story", day=3, body="First half."))
        handle.flush()
        time.sleep(0.3)
        handle.write("Second half arrived later.\n")
    os.rename(temp, folder / "renamed.md")
    wait_until(lambda: "renamed.md" in titles(desk))
    time.sleep(1.5)  # any second indexing would show up by now
    added = [i for r in reports for i in r.added + r.updated]
    assert added.count("renamed.md") == 1
    text = desk.store.get_articles(["renamed.md"])["renamed.md"].text
    assert "Second half arrived later." in text
    assert not any(".incoming" in i for i in titles(desk))


def test_file_written_slowly_is_indexed_only_when_complete(watched):
    desk, folder, reports = watched
    path = folder / "slow.md"
    with path.open("w") as handle:
        handle.write(STORY.format(title="Slow story", day=4, body="Beginning."))
        for part in range(3):
            handle.flush()
            time.sleep(0.25)
            handle.write(f" Part {part}.")
    wait_until(lambda: "slow.md" in titles(desk))
    time.sleep(1.5)
    assert "Part 2." in desk.store.get_articles(["slow.md"])["slow.md"].text
    assert [i for r in reports for i in r.added + r.updated].count("slow.md") == 1


def test_burst_of_files_is_indexed_in_a_few_batches(watched):
    desk, folder, reports = watched
    for i in range(150):
        (folder / f"burst_{i:03d}.md").write_text(
            STORY.format(title=f"Burst {i}", day=5, body=f"Report number {i} from the border.")
        )
    wait_until(lambda: sum(1 for k in titles(desk) if k.startswith("burst_")) == 150, 60)
    batches = [r for r in reports if any(i.startswith("burst_") for i in r.added)]
    assert len(batches) <= 5
    ids = desk.store.all_chunks()[0]
    assert len(ids) == len(set(ids))
