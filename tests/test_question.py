"""Reading questions: people asked about, follow-ups, and filters written in the question."""

import datetime as dt

import pytest

from bot.question import analyse, extract_filters, is_follow_up
from retrieval.articles import ArticleError


def test_person_and_topic_of_a_speech_question():
    question = analyse("What did Asif say about Tora Bora?")
    assert question.people == ("asif",) and question.asks_speech
    assert set(question.terms) == {"tora", "bora"}


def test_follow_up_needs_a_pronoun_and_no_name_of_its_own():
    assert is_follow_up(analyse("When did he say it?"))
    assert not is_follow_up(analyse("When did Tarar say it?"))


def test_filters_ride_in_the_question():
    question, filters = extract_filters(
        'Tora Bora since:2025-10-01 until:2025-10-31 source:"Geo News"'
    )
    assert question == "Tora Bora"
    assert filters.since == dt.date(2025, 10, 1) and filters.until == dt.date(2025, 10, 31)
    assert filters.source == "Geo News"


def test_bad_filter_date_says_how_to_write_it():
    with pytest.raises(ArticleError, match="YYYY-MM-DD"):
        extract_filters("Tora Bora since:last-week")
