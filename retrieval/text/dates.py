"""Publication dates from whatever a real archive holds: field names, formats, URLs.

Exports and scrapes name the date field in many ways (`publishedAt`, `pubDate`, …) and write
it in many formats (ISO 8601 with a time and zone, RFC 2822, "26 Nov 2025"); many carry it only
in the URL (`/2025/08/15/`). An article with no readable date is still indexed, as undated:
a date helps a reader place a quote, but its absence must never keep the article out.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass

from retrieval.types import ArticleError

DATE_FIELDS = (
    "date", "published", "published_at", "publishedat", "pubdate", "datepublished",
    "publication_date", "created_at", "createdat", "datetime", "timestamp", "time",
)  # fmt: skip
"""Record fields that may hold the publication date, most specific first (compared lower-cased)."""

_HAS_YEAR = re.compile(r"\b(?:1[6-9]|20)\d\d\b")
_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>0?[1-9]|1[0-2])[/-](?P<d>0?[1-9]|[12]\d|3[01])(?:/|[-_]|$)"
)
_URL_COMPACT_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])/"
)
_EPOCH_RANGE = (1e8, 1e10)  # seconds since 1970 for dates from 1973 to 2286


class DateError(ValueError):
    """A date value that reads as no date; the message names the value."""


def read_date(value: object) -> dt.date:
    """The calendar day `value` names, as written (a time zone never moves the day).

    Accepts dates, datetimes, epoch seconds or milliseconds, ISO 8601, RFC 2822 and the
    common written forms ("26 Nov 2025", "November 26, 2025"). Raises DateError otherwise.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(float(value))
    text = str(value).strip()
    if not text:
        raise DateError("empty date")
    if text.isdigit() and len(text) >= 9:
        return _from_epoch(float(text))
    for reader in (_iso, _rfc2822, _written):
        day = reader(text)
        if day is not None:
            return day
    raise DateError(f"unreadable date {text!r}")


def date_from_fields(record: Mapping[str, object]) -> tuple[dt.date | None, str | None]:
    """(date, problem): the first date field that reads as a date, else a note on why not."""
    fields = {str(key).lower(): value for key, value in record.items()}
    problem = None
    for name in DATE_FIELDS:
        value = fields.get(name)
        if value is None or value == "":
            continue
        try:
            return read_date(value), None
        except DateError as err:
            problem = problem or f"field `{name}`: {err}"
    return None, problem


def date_from_url(url: str | None) -> dt.date | None:
    """`https://x.org/2025/08/15/story` → 2025-08-15; None when the URL carries no date."""
    if not url:
        return None
    for pattern in (_URL_DATE, _URL_COMPACT_DATE):
        match = pattern.search(url)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                continue
    return None


def _from_epoch(seconds: float) -> dt.date:
    if seconds > _EPOCH_RANGE[1]:  # milliseconds
        seconds /= 1000
    if not _EPOCH_RANGE[0] <= seconds <= _EPOCH_RANGE[1]:
        raise DateError(f"number {seconds:.0f} is not a plausible timestamp")
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date()


def _iso(text: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _rfc2822(text: str) -> dt.date | None:
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None


def _written(text: str) -> dt.date | None:
    """ "26 Nov 2025", "Nov. 26, 2025", "Wednesday, 26 November 2025 08:00 PKT"."""
    if not _HAS_YEAR.search(text) or len(text) > 60:
        return None  # dateutil would fill a missing year from today: not a date we can trust
    from dateutil import parser

    try:
        yearfirst = bool(re.match(r"\d{4}\D", text))
        return parser.parse(text, fuzzy=True, yearfirst=yearfirst).date()
    except (ValueError, OverflowError, parser.ParserError):
        return None


def parse_date(value: object, field_name: str) -> dt.date:
    """A date a person typed (`--since`, `since:`): YYYY-MM-DD or any common form."""
    try:
        return read_date(value)
    except DateError:
        raise ArticleError(
            f"unparsable {field_name} {str(value).strip()!r}: write it as YYYY-MM-DD"
        ) from None


@dataclass(frozen=True)
class Period:
    """A stretch of the calendar a news phrase names: a day, a week (from its Monday), a
    month (from its 1st) or a year (from 1 January)."""

    kind: str  # "day" | "week" | "month" | "year"
    first: dt.date


_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b",
    re.I,
)
_SAME_DAY = re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", re.I)
_NEAR_DAY = re.compile(r"\b(?:(?P<before>yesterday)|(?P<after>tomorrow))\b", re.I)
_WEEKDAY = re.compile(rf"\b(?P<next>next\s+)?(?P<day>{'|'.join(_WEEKDAY_NAMES)})\b", re.I)
_RELATIVE_SPAN = re.compile(r"\b(?P<which>last|this|next|past)\s+(?P<unit>week|month|year)\b", re.I)
_A_LATER_DAY_IS_LAST_YEAR = 183  # "December 28" in a January story is the December before
# "last February 28" written in March: this year's or last year's? The story decides; no date.
_LAST_MONTH = re.compile(
    r"\b(?:last|next)\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.I
)


def period_meant(phrase: str, published: dt.date, ahead: bool = False) -> Period | None:
    """The calendar day or stretch a date phrase of a story means, read against the story's
    own date, as news copy writes them: "Wednesday" is the last Wednesday on or before
    publication ("next Wednesday" the one after), "yesterday" the day before, "last week"
    the week before, "October 11" the day of the publication year (or the year before, when
    that day would be over half a year after publication). None for a phrase that already
    names its year, or that names no day or stretch ("the night", "recent months"), or
    "last February", which the story alone can date. With
    `ahead` (the story says what *will* happen "Wednesday"), a weekday is the coming one."""
    if _HAS_YEAR.search(phrase) or _LAST_MONTH.search(phrase):
        return None
    if _SAME_DAY.search(phrase):
        return Period("day", published)
    if near := _NEAR_DAY.search(phrase):
        return Period("day", published + dt.timedelta(days=-1 if near["before"] else 1))
    if month_day := _MONTH_NAMES.search(phrase):
        return _month_day(month_day.group(), published)
    if weekday := _WEEKDAY.search(phrase):
        day = weekday["day"].lower()
        return Period("day", _weekday(day, published, bool(weekday["next"]), ahead))
    if span := _RELATIVE_SPAN.search(phrase):
        return _relative_span(span["which"].lower(), span["unit"].lower(), published)
    return None


def _month_day(text: str, published: dt.date) -> Period | None:
    from dateutil import parser

    try:
        day = parser.parse(text, default=dt.datetime(published.year, 1, 1)).date()
    except (ValueError, OverflowError, parser.ParserError):
        return None
    if (day - published).days > _A_LATER_DAY_IS_LAST_YEAR:
        day = day.replace(year=day.year - 1)
    return Period("day", day)


def _weekday(name: str, published: dt.date, following: bool, ahead: bool) -> dt.date:
    """The named weekday nearest the story: on or before its day, on or after it for what
    will happen, strictly after for "next Monday"."""
    from dateutil.relativedelta import relativedelta, weekday

    wanted = weekday(_WEEKDAY_NAMES.index(name))
    if following:
        return published + relativedelta(days=1, weekday=wanted(+1))
    return published + relativedelta(weekday=wanted(+1) if ahead else wanted(-1))


def _relative_span(which: str, unit: str, published: dt.date) -> Period:
    step = {"last": -1, "past": -1, "this": 0, "next": 1}[which]
    if unit == "week":
        monday = published - dt.timedelta(days=published.weekday())
        return Period("week", monday + dt.timedelta(weeks=step))
    if unit == "month":
        months = published.year * 12 + published.month - 1 + step
        return Period("month", dt.date(months // 12, months % 12 + 1, 1))
    return Period("year", dt.date(published.year + step, 1, 1))
