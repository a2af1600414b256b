"""Dates as real archives write them: field names, formats, and dates found only in URLs."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.text.dates import (
    DateError,
    Period,
    date_from_fields,
    date_from_url,
    period_meant,
    read_date,
)

DAY = dt.date(2025, 11, 26)


@pytest.mark.parametrize(
    "written",
    [
        "2025-11-26",
        "2025-11-26T08:00:00Z",
        "2025-11-26T23:30:00-05:00",  # the day as written, not moved to UTC
        "2025-11-26 08:00:00",
        "Wed, 26 Nov 2025 08:00:00 +0500",  # RFC 2822, as in RSS
        "26 Nov 2025",
        "November 26, 2025",
        "Nov. 26, 2025",
        "Wednesday, 26 November 2025 08:00 PKT",
        "26/11/2025",
        "2025/11/26",
        dt.datetime(2025, 11, 26, 8, 0),
        DAY,
    ],
)
def test_common_date_forms_read_as_the_written_day(written):
    assert read_date(written) == DAY


def test_epoch_seconds_and_milliseconds():
    seconds = dt.datetime(2025, 11, 26, 12, tzinfo=dt.UTC).timestamp()
    assert read_date(int(seconds)) == DAY
    assert read_date(int(seconds * 1000)) == DAY


@pytest.mark.parametrize("garbage", ["", "someday", "5", "Tuesday", "n/a", True])
def test_what_is_not_a_date_is_refused_not_guessed(garbage):
    with pytest.raises(DateError):
        read_date(garbage)


@pytest.mark.parametrize(
    "field", ["date", "published", "published_at", "publishedAt", "pubDate", "datePublished",
              "created_at"],
)  # fmt: skip
def test_date_fields_under_their_common_names(field):
    assert date_from_fields({"title": "x", field: "2025-11-26T10:00:00Z"}) == (DAY, None)


def test_an_unreadable_date_field_is_reported_and_the_next_one_tried():
    assert date_from_fields({"date": "soon", "created_at": "2025-11-26"}) == (DAY, None)
    day, problem = date_from_fields({"date": "soon"})
    assert day is None and "`date`" in problem and "soon" in problem


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://www.dawn.com/news/2025/11/26/asif-taliban", DAY),
        ("https://example.org/2025-11-26-story.html", DAY),
        ("https://example.org/archive/20251126/story", DAY),
        ("https://example.org/news/1953123/asif-says", None),
        ("https://example.org/2025/13/40/not-a-date", None),
        (None, None),
    ],
)
def test_dates_in_urls(url, expected):
    assert date_from_url(url) == expected


@pytest.mark.parametrize(
    ("phrase", "kind", "first"),
    [
        ("Wednesday", "day", "2025-10-29"),  # the story's own day
        ("on Tuesday", "day", "2025-10-28"),
        ("next Monday", "day", "2025-11-03"),
        ("yesterday", "day", "2025-10-28"),
        ("early today", "day", "2025-10-29"),
        ("last week", "week", "2025-10-20"),
        ("earlier this month", "month", "2025-10-01"),
        ("the night of October 11", "day", "2025-10-11"),
        ("last year", "year", "2024-01-01"),
    ],
)
def test_a_date_phrase_is_read_against_the_story_date(phrase, kind, first):
    period = period_meant(phrase, dt.date(2025, 10, 29))
    assert period == Period(kind, dt.date.fromisoformat(first))


def test_a_day_months_after_the_story_is_the_year_before():
    """ "December 28" in a story of 3 January 1987 was 28 December 1986."""
    assert period_meant("December 28", dt.date(1987, 1, 3)) == Period("day", dt.date(1986, 12, 28))


@pytest.mark.parametrize(
    "phrase", ["March 2, 1987", "the night", "recent months", "90 days", "last February 28"]
)
def test_a_phrase_naming_no_day_or_its_own_year_is_left_alone(phrase):
    assert period_meant(phrase, dt.date(2025, 10, 29)) is None


def test_a_weekday_of_what_will_happen_is_the_coming_one():
    """ "Reagan will address the nation … Wednesday night" in a story of Monday 2 March
    1987 is 4 March, not the Wednesday before."""
    monday = dt.date(1987, 3, 2)
    assert period_meant("Wednesday night", monday, ahead=True) == Period("day", dt.date(1987, 3, 4))
    assert period_meant("Wednesday", monday) == Period("day", dt.date(1987, 2, 25))
