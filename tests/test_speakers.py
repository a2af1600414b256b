"""Names as data: one key per person, however the article or the question writes it."""

from __future__ import annotations

import pytest

from retrieval.text.names import closest_names, make_speaker, matches, name_key
from retrieval.types import PERSON

ASIF = make_speaker("Defence Minister Khawaja Asif", PERSON)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Defence Minister Khawaja Asif", "khawaja asif"),
        ("Mr. Khawaja Asif's", "khawaja asif"),
        ("Asif’s", "asif"),
        ("Hess", "hess"),  # a suffix is stripped, not letters: not "he"
        ("Jones", "jones"),
        ("Representative Charles B. Rangel", "charles b rangel"),  # PolNeAR: titles of office
        ("Chairperson Donna Brazile", "donna brazile"),
        ("― Jacklyn Ashley", "jacklyn ashley"),  # a pull quote's dash, taken in by the parse
        ("Rudolf Hess'", "rudolf hess"),
        ("Prof Gellhorn", "gellhorn"),
        ("Donald Trump Jr.", "donald trump jr"),  # the son: not his father's key
        ("Zelenskýy", "zelenskyy"),
    ],
)
def test_name_keys(written, key):
    assert name_key(written) == key


def test_a_suffixed_name_keeps_its_surname():
    """ "Donald Trump Jr." is asked for as "Trump" too: his surname is not "jr"."""
    son = make_speaker("Donald Trump Jr.", PERSON)
    assert son.surname == "trump" and son.name == "Donald Trump Jr."
    assert matches("Trump", son) and matches("Trump Jr.", son)
    assert not matches("Donald Trump", son)
    assert not matches("Donald Trump Jr.", make_speaker("Donald Trump", PERSON))


@pytest.mark.parametrize(
    "asked", ["Asif", "asif", "Mr Asif", "Mr. Asif", "Khawaja Asif", "K. Asif", "Asif's"]
)
def test_the_ways_a_question_names_a_person(asked):
    assert matches(asked, ASIF)


@pytest.mark.parametrize("asked", ["Imran Khan", "Ali Asif", "Khawaja", "Aziz", ""])
def test_other_people_do_not_match(asked):
    assert not matches(asked, ASIF)


def test_bodies_keep_their_words_and_match_whole():
    department = make_speaker("the Agriculture Department's", "ORG")
    assert (department.name, department.key) == ("Agriculture Department", "agriculture department")
    assert matches("the Agriculture Department", department)
    assert not matches("Department", department)
    assert matches("the Bundesbank", make_speaker("Bundesbank", "ORG"))


def test_hyphenated_given_names_match_either_part():
    lucq = make_speaker("Jean-Marc Lucq", PERSON)
    assert matches("Marc Lucq", lucq) and matches("Jean-Marc Lucq", lucq) and matches("Lucq", lucq)


def test_closest_names_catch_typos_not_strangers():
    names = ["Khawaja Asif", "Attaullah Tarar", "Zabihullah Mujahid"]
    assert closest_names("Khawja Asif", names) == ["Khawaja Asif"]
    assert closest_names("Tarrar", names) == ["Attaullah Tarar"]
    assert closest_names("Imran Khan", names) == []


def test_a_body_loses_the_lower_case_words_the_parse_took_in_but_not_a_typed_name():
    """ "the federal Securities and Exchange Commission" is the Commission; a body's name
    typed in lower case ("comissaria smith") keeps every word (it lost its first word, and
    "any quotes from comissaria smith" quoted every Smith in the archive)."""
    from retrieval.text.names import body_key

    assert make_speaker("the federal Securities and Exchange Commission", "ORG").name == (
        "Securities and Exchange Commission"
    )
    assert body_key("comissaria smith") == "comissaria smith"
    assert body_key("Comissaria Smith") == "comissaria smith"
