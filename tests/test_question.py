"""Reading questions: people asked about, follow-ups, and filters written in the question."""

import datetime as dt

import pytest

from bot.answer.question import (
    analyse,
    demands_words,
    extract_filters,
    gives_reason,
    is_follow_up,
    name_head,
    question_parts,
    spell_out,
    split_quotes_command,
    without_latest_frame,
    without_person,
)
from retrieval.types import ArticleError


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


@pytest.mark.parametrize(
    ("question", "person", "topic"),
    [
        ("What did Asif say about Tora Bora?", "Asif", "Tora Bora"),
        ("what did asif say about tora bora", "asif", "tora bora"),
        ("What has Mr. Baker said about the dollar?", "Mr. Baker", "the dollar"),
        ("What did the Bundesbank say on interest rates?", "the Bundesbank", "interest rates"),
        ("What did Khawaja Asif have to say about the Taliban?", "Khawaja Asif", "the Taliban"),
        ("What was Volcker's reaction to the trade deficit?", "Volcker", ""),
        ("According to Tarar, why did the talks fail?", "Tarar", ""),
    ],
)
def test_the_person_and_topic_a_question_asks_about(question, person, topic):
    parsed = analyse(question)
    assert parsed.person_names == (person,) and parsed.asks_person
    if topic:
        assert parsed.topic == topic
    assert not set(parsed.people[0].split()) & set(parsed.terms)


def test_questions_about_no_one():
    for question in ("What is the capital of France?", "When did the ceasefire begin?"):
        assert not analyse(question).asks_person
    bitcoin = without_person(analyse("How did bitcoin prices react to the strikes?"))
    assert bitcoin.person_names == () and {"bitcoin", "price"} <= set(bitcoin.terms)


def test_a_follow_up_may_name_a_new_topic_but_not_a_new_person():
    assert is_follow_up(analyse("And what did he say about trusting the Taliban?"))
    assert not is_follow_up(analyse("And what did Tarar say about the Taliban?"))


def test_the_quotes_command_reads_like_speech():
    assert split_quotes_command(" Asif about the Taliban ") == ("Asif", "the Taliban")
    assert split_quotes_command("Khawaja Asif") == ("Khawaja Asif", None)


@pytest.mark.parametrize(
    ("text", "demands"),
    [
        ("What did Asif say about Tora Bora?", True),
        ("Asif's comments on the Taliban", True),
        ("any quotes from asif on trade", True),
        ("How did the United Nations react to the collapse of the talks?", False),
        ("What did the company agree to?", False),
        ("According to the Khost governor's spokesman, how were the strikes carried out?", False),
    ],
)
def test_only_questions_that_ask_for_words_are_final_on_the_speech_path(text, demands):
    assert demands_words(text) is demands


@pytest.mark.parametrize(
    ("text", "asked", "demands"),
    [
        ("What did Khawaja Asif ever publicly say about Kabul?", "Khawaja Asif", True),
        ("any quotes from asif on trade", "asif", True),
        ("Asif on Tora Bora - what did he say?", "Asif", True),
        ("why did gold tick up in hong kong after reagan spoke", "gold", False),
        ("Why is CIBC said to be pushing Dome to sell Encor?", "CIBC", False),
    ],
)
def test_the_words_asked_for_must_be_the_asked_persons(text, asked, demands):
    """Words someone else spoke, or a report ("is said to be"), do not make the question a
    demand for the asked person's words: passages may answer it."""
    assert demands_words(text, asked) is demands


def test_a_speech_verb_used_as_a_noun_asks_for_no_one_s_words():
    assert not analyse(
        "Is Australia's budget deficit running over the official forecast?"
    ).asks_speech
    assert not analyse("why did S&P cut the holiday inns notes").asks_speech
    assert analyse("What did Keating forecast for the deficit?").asks_speech
    assert analyse("what he notes about trade").asks_speech
    assert not analyse("Why is CIBC said to be pushing Dome to sell Encor?").asks_speech
    assert analyse("what were the comments on the deficit").asks_speech


def test_short_forms_are_spelled_out_unless_the_archive_uses_them():
    assert spell_out("uk q4 visible trade deficit") == "uk fourth quarter visible trade deficit"
    assert spell_out("NZ futures volume") == "New Zealand futures volume"
    assert spell_out("What did the fed chairman say?", lambda w: w == "fed") == (
        "What did the fed chairman say?"
    )


@pytest.mark.parametrize(
    ("asked", "head"),
    [
        ("the United Nations react", "nations"),
        ("Khawaja Asif", "asif"),
        ("S&P cut", "s&p"),
        ("vladimir putin", "putin"),
        ("officials", "officials"),
    ],
)
def test_the_word_a_passage_must_hold_to_name_whom_a_question_asks_about(asked, head):
    assert name_head(asked) == head


def test_latest_questions_are_read_as_such():
    assert analyse("latest on the GenCorp bid").asks_latest
    assert analyse("what's new with OPEC output").asks_latest
    assert not analyse("What did Asif say about Tora Bora?").asks_latest


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "what did TWA offer for USAir and what will it do if USAir turns it down",
            ("what did TWA offer for USAir", "what will it do if USAir turns it down"),
        ),
        (
            "How much oil is in Terra Nova, and when could it start producing?",
            ("How much oil is in Terra Nova", "when could it start producing"),
        ),
        (
            "will the linerboard price hikes stick - what are the arguments both ways",
            ("will the linerboard price hikes stick", "what are the arguments both ways"),
        ),
        ("How did Texaco and Pennzoil react to the ruling?", None),  # one question, two names
        ("Is Exxon selling and why?", None),  # too short a part to stand alone
        ("Measor on Hong Leong Securities - what did they say?", None),  # a frame, no topic
    ],
)
def test_a_question_asking_two_things_is_split_in_two(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("What's the latest on UK base rates?", "UK base rates?"),
        ("Any update on the Viacom takeover?", "the Viacom takeover?"),
        ("newest on the occidental share offering", "the occidental share offering"),
        (
            "What's the latest reaction to Reagan's Iran speech?",
            "reaction to Reagan's Iran speech?",
        ),
    ],
)
def test_the_latest_on_a_story_searches_for_the_story_not_the_word_latest(question, searched):
    assert analyse(question).asks_latest
    assert without_latest_frame(question) == searched


def test_the_latest_frame_is_no_word_of_the_topic():
    """A story never says "newest": counted as a topic word, it failed every story."""
    assert analyse("newest on the occidental share offering").terms == (
        "occident",
        "share",
        "offer",
    )


def test_a_few_keywords_naming_a_figure_want_a_number():
    assert "MONEY" in analyse("conagra monfort stock deal value").answer_types
    assert "CARDINAL" in analyse("iea opec february crude output").answer_types
    assert not analyse("chrysler lamborghini").answer_types
    # a whole question keeps its own reading: "dlrs" in it asks for no figure
    assert not analyse("Does Shell's Holmes expect a revival with oil at 16-18 dlrs?").answer_types


def test_the_person_after_a_possessive_employer_is_the_one_asked():
    assert analyse("Does Shell's Holmes expect a revival?").person_names == ("Holmes",)
    assert analyse("What did Asif's spokesman say?").person_names == ("Asif's spokesman",)


def test_a_why_question_wants_a_sentence_giving_a_reason():
    assert "CAUSE" in analyse("why did king world stock fall").answer_types
    assert "CAUSE" in analyse("What caused Nationwide's loss?").answer_types
    assert gives_reason("The fall was largely due to sales of foreign currency.")
    assert gives_reason("It was imposed in retaliation for the crackdown.")
    assert not gives_reason("French official reserves fell 45.06 billion francs in January.")
    assert not gives_reason("Talks resumed on Monday after a week's break.")  # dates, no cause
