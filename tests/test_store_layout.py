"""A store written before the store was split by record kind still opens and answers.

`tests/data/store-before-split.tar.gz` is the Chroma folder of the two seed articles as
commit abe65c7 wrote them (the last single-module `retrieval/store.py`). The records' ids,
kinds and metadata are the contract between layouts; this test holds the code to it.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from bot.service import Newsdesk
from tests.conftest import make_settings

OLD_STORE = Path(__file__).parent / "data" / "store-before-split.tar.gz"


def test_a_store_written_by_the_previous_layout_opens_and_answers(tmp_path, articles_dir):
    data = tmp_path / "data"
    data.mkdir()
    with tarfile.open(OLD_STORE) as archive:
        archive.extractall(data, filter="data")
    desk = Newsdesk(make_settings(data, articles_dir))
    assert not desk.store.manifest.is_empty()
    assert desk.store.manifest.count_articles() == 2
    assert {s.name for s in desk.store.speakers.named(["asif"])} == {"Khawaja Asif"}
    assert desk.store.speakers.roles_named(["defence minister"])["defence minister"]

    answer = desk.ask("What did Asif say about Tora Bora?")
    assert answer.found
    assert "It is definitely a possibility" in " ".join(c.quote for c in answer.citations)
    assert {c.speaker for c in answer.citations} == {"Khawaja Asif"}

    report = desk.refresh()  # the old store takes new writes, and loses nothing
    assert not report.failed
    assert desk.store.manifest.count_articles() == 2
