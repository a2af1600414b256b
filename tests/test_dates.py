"""Dates as real archives write them: field names, formats, and dates found only in URLs."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.text.dates import DateError, date_from_fields, date_from_url, read_date

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
