"""Finding a pasted quote: how pasted text is read, and checks on the seed archive."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.answer.who import ABSENT, EXACT, NEAR, fold, pasted_words, words_of
from bot.interfaces.slack_store import ChannelScope
from retrieval.types import SearchFilters


def test_folding_keeps_offsets_and_evens_out_quote_marks():
    text = "Asif said, “It’s definitely a possibility” — İstanbul"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded.startswith('asif said, "it\'s definitely a possibility" - ')


@pytest.mark.parametrize(
    ("pasted", "quote"),
    [
        ("“It is definitely a possibility,” Asif said.", "It is definitely a possibility,"),
        ("> It is definitely a possibility", "It is definitely a possibility"),
        ('"It is definitely a possibility"', "It is definitely a possibility"),
    ],
)
def test_the_quote_is_read_out_of_what_was_pasted(pasted, quote):
    assert pasted_words(pasted) == quote


def test_words_ignore_case_marks_and_punctuation():
    assert words_of("“We will conduct strikes, we DEFINITELY will,”") == words_of(
        '"we will conduct strikes we definitely will"'
    )


@pytest.mark.parametrize(
    ("pasted", "kind"),
    [
        ("It will be folly to trust them", EXACT),  # trimmed, no marks
        ("“we do retaliate when required, but we never target civilians”", EXACT),
        ("As a state we retaliate when required but we never target any civilians", NEAR),
    ],
)
def test_seed_quotes_are_found_with_their_speaker(newsdesk, pasted, kind):
    checked = newsdesk.who_said(pasted)
    assert checked.match == kind and checked.speaker == "Khawaja Asif"
    [cited, *_] = checked.answer.citations
    assert cited.published == dt.date(2025, 11, 26) and cited.speaker == "Khawaja Asif"
    assert cited.quote in newsdesk.searcher.articles([cited.article_id])[cited.article_id].text


@pytest.mark.parametrize(
    "pasted",
    [
        # the seed: “As a state, …civilians,” he said, adding “One should hope for good…”
        'As a state, we do retaliate when required, but we never target civilians," "One '
        "should hope for good and not write off another until limits are crossed",
        "As a state, we do retaliate when required … we do not expect anything good from them",
        "“As a state, we do retaliate when required, but we never target civilians,” Asif "
        "said. “One should hope for good and not write off another until limits are crossed.”",
    ],
)
def test_a_quotation_cut_by_its_attribution_is_found_whole(newsdesk, pasted):
    """A quotation pasted whole around the words that cut it ("A," he said, adding "B"; or
    "A … B") is found word for word, with its speaker, not as a paraphrase."""
    checked = newsdesk.who_said(pasted)
    assert checked.match == EXACT and checked.speaker == "Khawaja Asif"
    [cited, *_] = checked.answer.citations
    assert "we never target civilians" in cited.quote and "One should hope" in cited.quote


def test_words_the_archive_does_not_hold_are_refused(newsdesk):
    checked = newsdesk.who_said("“The harvest this year will be the best in a decade,” he said.")
    assert checked.match == ABSENT and not checked.answer.citations
    assert newsdesk.who_said("a possibility").match == ABSENT  # too few words to place


def test_a_question_narrows_a_channel_scope_and_never_widens_it():
    scope = ChannelScope(SearchFilters(dt.date(2025, 1, 1), None, "Dawn"), "UADMIN", "now")
    narrowed, problem = scope.narrow(SearchFilters(dt.date(2024, 1, 1), dt.date(2025, 6, 1)))
    assert problem is None
    assert narrowed == SearchFilters(dt.date(2025, 1, 1), dt.date(2025, 6, 1), "Dawn")
    _, problem = scope.narrow(SearchFilters(source="Geo News"))
    assert "cite only" in problem and "Dawn" in problem
    _, problem = scope.narrow(SearchFilters(until=dt.date(2024, 12, 31)))
    assert "outside this channel's scope" in problem


def test_words_two_stories_give_to_two_people_are_answered_with_both(newsdesk, articles_dir):
    """Two stories quote the same words, each giving them to another person: the answer
    names both, each with its citation, and never picks one (issue 31)."""
    line = "We will not raise taxes on working families, not one penny"
    (articles_dir / "rally_one.txt").write_text(
        f'Rally in Ohio\n\nMaria Lopez spoke to supporters on Monday.\n\n"{line}," Lopez said.\n',
        encoding="utf-8",
    )
    (articles_dir / "rally_two.txt").write_text(
        f'Rally in Iowa\n\nTom Baker spoke to supporters on Tuesday.\n\n"{line}," Baker said.\n',
        encoding="utf-8",
    )
    newsdesk.refresh()
    checked = newsdesk.who_said(line)
    assert checked.match == EXACT and checked.speaker is None
    assert set(checked.speakers) == {"Maria Lopez", "Tom Baker"}
    text = checked.answer.text
    assert "Maria Lopez [" in text and "Tom Baker [" in text
    assert {c.speaker for c in checked.answer.citations} == {"Maria Lopez", "Tom Baker"}
