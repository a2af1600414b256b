"""Hybrid search finds rare names and honours date and source filters."""

import datetime as dt

from retrieval.types import SearchFilters


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
