"""Linking a question to the archive's speakers: the person wherever the phrasing puts them."""

from __future__ import annotations

import pytest

from bench.phrasings import PHRASINGS, phrase
from bot.answer.linking import (
    asked_at_slot,
    best,
    candidates,
    spoken_for,
    surname_of_someone_else,
    topic_after,
    words_of,
)
from retrieval.text.names import make_speaker
from retrieval.types import PERSON

ASIF = make_speaker("Khawaja Asif", PERSON)
MUJAHID = make_speaker("Zabihullah Mujahid", PERSON)
BAKER = make_speaker("James Baker", PERSON)
PAKISTAN = make_speaker("Pakistan", "GPE")
ARCHIVE = [ASIF, MUJAHID, BAKER, PAKISTAN]
ROLES = {"defence minister": [ASIF], "taliban spokesman": [MUJAHID]}


def linked(question: str, roles: dict | None = None):
    words = words_of(question)
    mention = best(candidates(words, ARCHIVE, roles or ROLES, question))
    if mention is None:
        return None, ""
    return mention, topic_after(question, words, mention)


@pytest.mark.parametrize("phrasing", list(PHRASINGS))
@pytest.mark.parametrize("person", ["Asif", "Khawaja Asif", "Mr Asif"])
def test_every_phrasing_finds_the_person_and_the_topic(phrasing, person):
    question = phrase(phrasing, person, "Tora Bora")
    mention, topic = linked(question)
    assert mention is not None and mention.speakers == (ASIF,), question
    assert topic.lower() == "tora bora", question


def test_the_person_asked_is_not_the_one_asked_about():
    mention, topic = linked("What did Asif say about Mujahid?")
    assert mention.speakers == (ASIF,) and topic == "Mujahid"


def test_a_role_is_the_person_the_archive_binds_it_to():
    mention, topic = linked("what did the defence minister say about civilians")
    assert mention.how == "role" and mention.speakers == (ASIF,) and topic == "civilians"


def test_according_to_outranks_a_country_in_the_subject_place():
    mention, topic = linked("Does Pakistan target civilians according to the defence minister?")
    assert mention.speakers == (ASIF,)
    assert "civilians" in topic and "minister" not in topic


def test_any_speech_verb_and_the_way_of_saying_it_is_kept_in_the_topic():
    mention, topic = linked("What did Asif post on X to warn the Taliban?")
    assert mention.speakers == (ASIF,) and mention.text == "Asif"
    assert topic == "post on X to warn the Taliban"


def test_who_speaks_for_a_body_is_its_spokesman():
    question = "Who speaks for the Afghan Taliban and what did he say?"
    assert "taliban spokesman" in {p for *_, p in spoken_for(question, words_of(question))}
    mention, topic = linked(question)
    assert mention.speakers == (MUJAHID,) and topic == ""


def test_a_surname_with_another_given_name_is_someone_else():
    question = "What did John Baker say about the dollar?"
    assert linked(question)[0] is None
    assert surname_of_someone_else(words_of(question), ARCHIVE) == "John Baker"
    assert linked("What did Baker say about the dollar?")[0].speakers == (BAKER,)


def test_an_ordinary_word_is_a_name_only_where_the_question_puts_a_person():
    assert linked("What did analysts say about the baker strike?")[0] is None
    assert linked("what did baker say about the dollar")[0].speakers == (BAKER,)


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("any quotes from vladimir putin on errors", "vladimir putin"),
        ("what were barack obama's comments on the economy", "barack obama"),
        ("Elon Musk on Tesla - what did they say?", "Elon Musk"),
        ("What did Imran Khan say about the talks?", "Imran Khan"),
    ],
)
def test_the_place_of_a_person_the_archive_does_not_know(question, name):
    assert linked(question)[0] is None
    assert asked_at_slot(words_of(question)) == name


def test_the_person_after_a_possessive_body_is_the_one_asked():
    """ "the Fed's Manuel Johnson": the Fed is where he works; "Asif's comments" still asks
    Asif."""
    fed, johnson = make_speaker("the Fed", "ORG"), make_speaker("Manuel Johnson", PERSON)
    words = words_of("Does the Fed's Manuel Johnson think banks were flexible?")
    mention = best(candidates(words, [*ARCHIVE, fed, johnson], ROLES, ""))
    assert mention is not None and mention.speakers == (johnson,)
    assert linked("What were Asif's comments on Tora Bora?")[0].speakers == (ASIF,)


def test_one_word_that_names_no_one_is_no_role():
    """ "the group" meant Eurofer in one article; "the Soros group" asks about Soros."""
    roles = {"group": [BAKER]}
    assert linked("What is the Soros group saying about Fairchild management?", roles)[0] is None


def test_a_to_inside_the_asked_clause_does_not_cut_the_topic():
    """ "say the Taliban have to leave" asks about the Taliban leaving, not about "leave";
    "react to" still opens the topic."""
    _, topic = linked("why does Asif say the Taliban have to leave the border")
    assert "Taliban" in topic and "leave the border" in topic
    _, topic = linked("How did Asif react to the Istanbul talks?")
    assert topic == "the Istanbul talks"
