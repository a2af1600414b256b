"""Questions about what happened, asked of real wire copy the way readers type them.

The archive is a slice of the Reuters sample the tests ship (`tests/data`): the stories each
question is about, among a hundred others it must not be confused with.
"""

from __future__ import annotations

import pytest

from bench import reuters
from bot.service import Newsdesk

from .conftest import assert_grounded, make_settings

pytestmark = pytest.mark.slow

STORIES = {
    "reuters-258": "N.Z. futures volumes in February",
    "reuters-904": "U.K. clears Cons Gold purchase (Cons Gold is quoted)",
    "reuters-1897": "Reagan's remarks help gold recover in Hong Kong",
    "reuters-1927": "Hawke sees four billion dlr budget deficit",
    "reuters-1964": "U.K. visible trade deficit in the fourth quarter",
    "reuters-2860": "S&P cuts Holiday Inns notes",
}


@pytest.fixture(scope="module")
def wire(tmp_path_factory) -> Newsdesk:
    root = tmp_path_factory.mktemp("wire")
    sample = list(reuters.records(80, offset=1880)) + list(reuters.by_id(STORIES).values())
    reuters.write_jsonl(root / "articles" / "wire.jsonl", sample)
    desk = Newsdesk(make_settings(root / "data", root / "articles", strip_boilerplate=True))
    assert desk.refresh().failed == []
    return desk


def cited(desk: Newsdesk, question: str) -> list[str]:
    answer = desk.ask(question)
    assert answer.found, f"{question!r} refused: {answer.text}"
    assert_grounded(desk, answer)
    return [citation.quote for citation in answer.citations]


def test_a_why_question_cites_the_reason_beside_the_event(wire):
    """The closest sentence restates the downgrade; the reason is the next one."""
    quotes = cited(wire, "why did standard and poor's downgrade holiday inns' debt")
    assert any("reflected a change in the issue's terms" in quote for quote in quotes)


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("uk q4 visible trade deficit", "in the fourth quarter of 1986"),
        ("nz futures volume in february", "25,559 contracts in February"),
    ],
)
def test_short_forms_readers_type_find_the_story_that_spells_them_out(wire, question, passage):
    """ "q4" and "nz" are in no article: they refused the question before."""
    assert any(passage in quote for quote in cited(wire, question))


def test_another_person_s_words_in_the_question_do_not_make_it_a_speech_question(wire):
    """ "after reagan spoke": the words are Reagan's, the question is about gold (which the
    quote index holds as part of a company's name); passages answer it."""
    quotes = cited(wire, "why did gold tick up in hong kong after reagan spoke")
    assert any("Gold rose by about 50 U.S. Cents an ounce" in quote for quote in quotes)


def test_a_forecast_that_is_a_figure_is_no_one_s_words(wire):
    answer = wire.ask("Is Australia's 1986/87 budget deficit running over the official forecast?")
    assert answer.found, answer.text
    assert any("official forecast of 3.5 billion" in c.quote for c in answer.citations)


def test_a_question_resting_on_the_opposite_of_what_happened_is_refused(wire):
    """S&P cut the notes; asked why it upgraded them, the archive holds no answer (citing
    the cut as the reason for an upgrade would put words to an event that never was)."""
    answer = wire.ask("why did standard and poor's upgrade holiday inns' debt")
    assert not answer.found, answer.text
    assert wire.ask("why did standard and poor's downgrade holiday inns' debt").found
