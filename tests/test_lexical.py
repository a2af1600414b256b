"""The lexical index follows the store article by article, never by re-reading it whole."""

from __future__ import annotations

import time
from pathlib import Path

from bot.service import Newsdesk
from retrieval.index.lexical import LexicalIndex
from retrieval.types import SearchFilters
from tests.conftest import make_settings


def _article(folder: Path, name: str, title: str, body: str, date: str = "2025-12-01") -> None:
    (folder / name).write_text(f"---\ntitle: {title}\ndate: {date}\n---\n{body}\n")


def _count_reads(store) -> dict[str, list]:
    """Record every whole-store read and every per-article read the index makes."""
    reads: dict[str, list] = {"whole": [], "articles": []}
    whole, some = store.iter_chunks, store.chunks_of
    store.iter_chunks = lambda: reads["whole"].append(1) or whole()
    store.chunks_of = lambda versions: reads["articles"].append(sorted(versions)) or some(versions)
    return reads


def _lexical_texts(desk: Newsdesk, query: str) -> list[str]:
    return [h.chunk.text for h in desk.searcher.search(query, k=5) if h.lexical_rank]


def test_a_fresh_process_reads_only_the_new_article(newsdesk, articles_dir):
    newsdesk.refresh()
    assert _lexical_texts(newsdesk, "Gul Bahadur")  # this machine's index is built once

    later = Newsdesk(newsdesk.settings)  # another process on the same machine
    reads = _count_reads(later.store)
    assert "Gul Bahadur" in _lexical_texts(later, "Gul Bahadur")[0]
    assert reads == {"whole": [], "articles": []}  # the index on disk was current

    _article(articles_dir, "new.md", "Zephyrine talks", "Zephyrine met the envoys on Monday.")
    newsdesk.refresh()  # the writer updates the index with its one article
    assert "Zephyrine" in _lexical_texts(later, "Zephyrine")[0]
    assert reads["whole"] == []


def test_removed_and_replaced_articles_leave_the_index(newsdesk, articles_dir):
    """...and the count of articles searched (said in every refusal) follows them."""
    _article(articles_dir, "new.md", "Zephyrine talks", "Zephyrine met the envoys on Monday.")
    newsdesk.refresh()
    assert _lexical_texts(newsdesk, "Zephyrine")
    assert newsdesk.searcher.article_count() == 3  # the two seeds and this one

    _article(articles_dir, "new.md", "Envoy talks", "Quillon met the envoys on Tuesday.")
    newsdesk.refresh()
    assert _lexical_texts(newsdesk, "Zephyrine") == []
    assert "Quillon" in _lexical_texts(newsdesk, "Quillon")[0]
    assert newsdesk.searcher.article_count() == 3

    (articles_dir / "new.md").unlink()
    newsdesk.refresh()
    assert _lexical_texts(newsdesk, "Quillon") == []
    assert newsdesk.searcher.document_frequency("quillon") == 0
    assert newsdesk.searcher.article_count() == 2
    assert Newsdesk(newsdesk.settings).searcher.article_count() == 2  # as another process reads it


def test_another_machine_catches_up_from_the_manifest_changes(newsdesk, articles_dir, tmp_path):
    """Server mode: a process with its own index dir (another host) sees writes it did not
    make, re-reading only the articles that changed, and sees removals as well."""
    newsdesk.refresh()
    elsewhere = Newsdesk(newsdesk.settings)
    index = LexicalIndex(elsewhere.store, tmp_path / "other-host")
    assert index.sync() == 2  # first sight of this store: built once from every chunk
    reads = _count_reads(elsewhere.store)

    _article(articles_dir, "a.md", "Zephyrine talks", "Zephyrine met the envoys.")
    _article(articles_dir, "b.md", "Quillon visit", "Quillon arrived in Kabul.")
    newsdesk.refresh()
    assert index.sync() == 2
    assert reads["whole"] == []
    assert sorted(aid for ids in reads["articles"] for aid in ids) == ["a.md", "b.md"]
    assert index.document_frequency("zephyrine") == 1

    (articles_dir / "a.md").unlink()
    newsdesk.refresh()
    index.sync()
    assert index.document_frequency("zephyrine") == 0
    assert index.document_frequency("quillon") == 1
    assert reads["whole"] == []
    assert index.sync() == 0  # nothing new: no work


def test_an_index_of_another_store_is_rebuilt(newsdesk, tmp_path):
    newsdesk.refresh()
    index = LexicalIndex(newsdesk.store, tmp_path / "shared-dir")
    index.sync()
    other = Newsdesk(make_settings(tmp_path / "other-data", tmp_path / "empty-articles"))
    (tmp_path / "empty-articles").mkdir()
    _article(tmp_path / "empty-articles", "x.md", "Xanthe", "Xanthe spoke.")
    other.refresh()
    moved = LexicalIndex(other.store, tmp_path / "shared-dir")  # same dir, different store
    moved.sync()
    assert moved.document_frequency("xanthe") == 1
    assert moved.document_frequency("bahadur") == 0  # nothing of the first store is left


def test_filters_apply_on_the_lexical_side(seeded):
    late = SearchFilters(source="Nowhere")
    assert seeded.searcher.lexical_index().ranked_ids(["bahadur"], 5, late.lexical()) == []
    ids = seeded.searcher.lexical_index().ranked_ids(["bahadur"], 5, SearchFilters().lexical())
    assert ids


def _manifest_scans(store) -> list[dict]:
    """Record every filter on the manifest's change stamps (a read of every record)."""
    scans: list[dict] = []
    get = store.articles.get

    def spying(*args, **kwargs):
        if "changed_at" in str(kwargs.get("where")):
            scans.append(kwargs["where"])
        return get(*args, **kwargs)

    store.articles.get = spying
    return scans


def _quoted_article(folder: Path, name: str, speaker: str) -> None:
    body = (
        f'"The envoys will arrive on Monday," {speaker} said.\n\n'
        f'{speaker} added that talks would follow, saying: "We expect an agreement."'
    )
    _article(folder, name, f"{speaker} on the envoys", body)


def test_another_machine_follows_the_change_log_not_the_manifest(newsdesk, articles_dir, tmp_path):
    """Each new article costs another host a read of the last days' change log, never a
    filter over every manifest record; its quote lookup follows too."""
    newsdesk.refresh()
    elsewhere = Newsdesk(newsdesk.settings)
    index = LexicalIndex(elsewhere.store, tmp_path / "other-host")
    index.sync()
    scans = _manifest_scans(elsewhere.store)

    _quoted_article(articles_dir, "z.md", "Zephyrine Aldous")
    newsdesk.refresh()
    assert index.sync() == 1
    assert index.document_frequency("zephyrine") == 1
    assert index.quotes.quoted("zephyrine aldous")

    (articles_dir / "z.md").unlink()
    newsdesk.refresh()
    index.sync()
    assert index.document_frequency("zephyrine") == 0
    assert not index.quotes.quoted("zephyrine aldous")
    assert scans == []


def test_a_machine_behind_the_change_log_catches_up_from_the_manifest(
    newsdesk, articles_dir, tmp_path, monkeypatch
):
    """A host that synced before the log's pruned horizon (or a store older than its log)
    cannot trust the log: it reads the manifest's stamps once, and misses nothing."""
    newsdesk.refresh()
    index = LexicalIndex(Newsdesk(newsdesk.settings).store, tmp_path / "other-host")
    index.sync()
    scans = _manifest_scans(index.store)

    _article(articles_dir, "z.md", "Zephyrine talks", "Zephyrine met the envoys.")
    newsdesk.refresh()  # logged, then pruned from the log by the next write, days later
    later = time.time() + 5 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    _quoted_article(articles_dir, "q.md", "Helena Quillon")
    newsdesk.refresh()
    assert index.store.change_log.count() == 2  # the pruned log: its marker and q.md
    assert index.sync() == 2
    assert index.document_frequency("zephyrine") == 1 and index.document_frequency("quillon") == 1
    assert index.quotes.quoted("helena quillon")
    assert len(scans) == 1  # the manifest's stamps, read once


def test_quotes_re_read_by_new_rules_are_each_given_to_their_speaker(tmp_path, monkeypatch):
    """A new quote rule (a new pipeline version) re-reads unchanged articles: their quotes,
    and so their ids, change though the text does not. The quote lookup must follow, or a
    quote id would point at another person's words: the worst defect a newsroom can meet."""
    import shutil

    import retrieval.ingest.pipeline as pipeline
    from retrieval.ingest.quotes import QuoteExtractor
    from retrieval.settings import SEEDS_DIR

    articles = tmp_path / "articles"
    shutil.copytree(SEEDS_DIR, articles)
    settings = make_settings(tmp_path / "data", articles)
    Newsdesk(settings).refresh()  # indexed, and the lookup synced by the first question
    assert Newsdesk(settings).quotes("Asif").citations

    real_parse = QuoteExtractor.parse

    def first_quote_dropped(self, batch):
        for parsed in real_parse(self, batch):
            yield type(parsed)(parsed.quotes[1:], parsed.entities)  # every id shifts by one

    monkeypatch.setattr(QuoteExtractor, "parse", first_quote_dropped)
    monkeypatch.setattr(pipeline, "_PIPELINE_VERSION", pipeline._PIPELINE_VERSION + "+new")
    desk = Newsdesk(settings)
    report = desk.refresh()
    assert report.updated  # the same texts, re-read by the new rules
    for name in ("Asif", "Tarar"):
        found = desk.quotes(name)
        assert found.citations
        assert {c.speaker for c in found.citations} == {s.name for s in found.speakers}
