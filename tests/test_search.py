"""Hybrid search finds rare names and honours date and source filters."""

import datetime as dt

from retrieval.search import SearchFilters


def test_rare_name_is_found_first(seeded):
    hits = seeded.searcher.search("Gul Bahadur", k=5)
    assert "Gul Bahadur" in hits[0].chunk.text
    assert hits[0].lexical_rank == 1


def test_lexical_side_rescues_a_name_the_embedding_ranks_low(seeded):
    hits = seeded.searcher.search("Mustaghfir Gurbuz", k=3)
    assert any("Mustaghfir Gurbuz" in h.chunk.text for h in hits)


def test_date_filters_limit_the_articles(seeded):
    since = SearchFilters(since=dt.date(2025, 11, 1))
    hits = seeded.searcher.search("Asif Taliban strikes", k=8, filters=since)
    assert hits and all(h.chunk.published >= dt.date(2025, 11, 1) for h in hits)
    until = SearchFilters(until=dt.date(2025, 10, 31))
    hits = seeded.searcher.search("Asif Taliban strikes", k=8, filters=until)
    assert hits and all(h.chunk.published <= dt.date(2025, 10, 31) for h in hits)


def test_source_filter_with_no_match_returns_nothing(seeded):
    assert seeded.searcher.search("Tora Bora", filters=SearchFilters(source="Nowhere")) == []


def test_a_fresh_process_reuses_the_lexical_index_until_the_store_changes(newsdesk, articles_dir):
    from bot.service import Newsdesk

    newsdesk.refresh()
    newsdesk.searcher.search("Gul Bahadur")  # builds and saves the BM25 index
    later = Newsdesk(newsdesk.settings)
    built = []
    original = later.store.all_chunks
    later.store.all_chunks = lambda: built.append(1) or original()
    assert "Gul Bahadur" in later.searcher.search("Gul Bahadur", k=1)[0].chunk.text
    assert built == []  # read from the cache

    (articles_dir / "new.md").write_text("---\ntitle: N\ndate: 2025-12-01\n---\nZephyrine talks.\n")
    later.refresh()
    assert "Zephyrine" in later.searcher.search("Zephyrine", k=1)[0].chunk.text
    assert built == [1]  # the store changed: rebuilt once
