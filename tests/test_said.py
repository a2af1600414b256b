""" "What did X say about Y?": only X's words, or an honest "not found" that names X."""

from __future__ import annotations

import dataclasses

import pytest

from bot.answer.citing import terms
from bot.answer.question import analyse
from bot.answer.said import KEEP_WITHIN, RankedQuote, _score, _select
from bot.answer.types import Conversation
from retrieval.text.names import make_speaker
from retrieval.types import PERSON, Chunk, Hit, LexicalFilters, StoredArticle, StoredQuote

from .conftest import assert_grounded

ASIF = "Khawaja Asif"


def test_a_person_the_archive_never_quotes_gets_no_one_elses_words(seeded):
    answer = seeded.ask("What did Imran Khan say about the Istanbul talks?")
    assert not answer.found and answer.citations == ()
    assert answer.text == "No article in the archive quotes Imran Khan."


def test_a_name_one_letter_off_is_read_as_the_quoted_person_and_says_so(seeded):
    answer = seeded.ask("What did Khawja Asif say about the Taliban?")
    assert answer.found and {c.speaker for c in answer.citations} == {ASIF}
    assert answer.note == "Read “Khawja Asif” as Khawaja Asif."


def test_a_name_further_off_is_offered_the_closest_quoted_names(seeded):
    answer = seeded.ask("What did Kawja Asif say about the Taliban?")
    assert not answer.found and answer.citations == ()
    assert "No article in the archive quotes Kawja Asif" in answer.text
    assert "Did you mean Khawaja Asif?" in answer.text


def test_quoted_but_never_about_the_topic_offers_their_quotes_as_more_sources(seeded):
    answer = seeded.ask("What did Mujahid say about Tora Bora?")
    assert not answer.found and answer.citations == ()
    assert "Zabihullah Mujahid is quoted in the archive, but never about Tora Bora" in answer.text
    assert answer.more and {c.speaker for c in answer.more} == {"Zabihullah Mujahid"}


def test_every_way_of_naming_the_person_gets_only_their_words(seeded):
    for question in (
        "What did Asif say about Tora Bora?",
        "What did Mr Asif say about Tora Bora?",
        "What did Khawaja Asif say about Tora Bora?",
        "what did asif say about tora bora",
        "What was Asif's reaction to talk of Tora Bora?",
    ):
        answer = seeded.ask(question)
        assert answer.found, question
        assert {c.speaker for c in answer.citations} == {ASIF}, question
        assert any("Tora Bora" in c.quote for c in answer.citations), question
        assert_grounded(seeded, answer)


def test_a_follow_up_keeps_the_person(seeded):
    conversation = Conversation()
    seeded.ask("What did Asif say about Tora Bora?", conversation)
    answer = seeded.ask("And what did he say about trusting the Taliban?", conversation)
    assert answer.found
    assert {c.speaker for c in answer.citations} == {ASIF}
    assert any("folly to trust them" in c.quote for c in answer.citations)
    assert all("Tarar" not in c.quote for c in answer.citations)


def test_the_speaker_rides_in_the_json_contract(seeded):
    payload = seeded.ask("What did Tarar say about the talks?").to_dict()
    assert payload["found"] and {c["speaker"] for c in payload["citations"]} == {"Attaullah Tarar"}


def test_a_body_quoted_under_another_name_is_answered_with_each_speaker_labelled(seeded):
    answer = seeded.ask("What did the UN say about the talks?")
    assert answer.found
    assert answer.citations[0].speaker == "Stephane Dujarric"  # the UN spokesperson
    for line, citation in zip(answer.text.splitlines(), answer.citations, strict=True):
        if citation.speaker:
            assert citation.speaker.split()[-1] in line  # named with their own words


def test_an_unnamed_group_is_answered_from_the_passages_not_refused(seeded):
    answer = seeded.ask("What did officials say about the strikes?")
    assert answer.found and answer.citations


# -- ranking, at the unit ---------------------------------------------------------------
ARTICLE = StoredArticle(
    "a", "Talks fail", None, None, None,
    "Asif spoke. The talks in Istanbul failed. Asif said the Taliban cannot be trusted.", (),
)  # fmt: skip
OTHER = dataclasses.replace(ARTICLE, id="b", text="Asif spoke about cricket. He said it was fun.")


def quote(article: StoredArticle, text: str) -> StoredQuote:
    start = article.text.index(text)
    speaker = make_speaker("Khawaja Asif", PERSON)
    return StoredQuote(f"{article.id}:{start}", article.id, "h", start, start + len(text), text,
                       speaker, "Asif", "say", "direct", article.title, None, None)  # fmt: skip


def hit(article: StoredArticle, score: float) -> Hit:
    chunk = Chunk(f"{article.id}::c0", article.id, 0, article.text, 0, len(article.text), 1, 1,
                  article.title, None, None, None, None, "h")  # fmt: skip
    return Hit(chunk, score)


def test_a_quote_in_an_article_about_the_topic_outranks_a_closer_sounding_stray():
    parsed = analyse("What did Asif say about the Istanbul talks?")
    weights = {"istanbul": 2.0, "talk": 1.0}
    on_topic = _score(quote(ARTICLE, "Asif said the Taliban cannot be trusted."), 0.2,
                      [hit(ARTICLE, 1.0)], terms(ARTICLE.text), weights, parsed)  # fmt: skip
    stray = _score(quote(OTHER, "He said it was fun."), 0.3, [hit(ARTICLE, 1.0)],
                   terms(OTHER.text), weights, parsed)  # fmt: skip
    assert on_topic.on_topic and not stray.on_topic
    assert on_topic.score > stray.score


def test_selection_keeps_quotes_near_the_best_and_no_more_than_asked():
    parsed_quotes = [quote(ARTICLE, "Asif spoke."), quote(ARTICLE, "The talks in Istanbul failed.")]
    ranked = [
        RankedQuote(parsed_quotes[0], 2.0, True, 0.5, True),
        RankedQuote(parsed_quotes[1], 2.0 * KEEP_WITHIN - 0.01, True, 0.4, True),
    ]
    assert _select(ranked, limit=3) == ranked[:1]
    assert _select(ranked[:1] * 1, limit=0) == []


def test_a_lone_quote_is_cited_whatever_the_sign_of_its_score():
    """A question with no topic can score a speaker's only quote below zero (its passage is
    far from "what did X say?"): it is still the answer, never an empty one."""
    from types import SimpleNamespace

    from bot.answer.said import _select

    def ranked(score: float, start: int):
        return SimpleNamespace(score=score, quote=SimpleNamespace(article_id="a", start=start))

    assert len(_select([ranked(-0.03, 0)], 3)) == 1
    chosen = _select([ranked(-0.03, 0), ranked(-0.031, 50), ranked(-0.5, 90)], 3)
    assert [c.quote.start for c in chosen] == [0, 50]


def test_a_speaker_whose_articles_are_gone_is_quoted_nowhere(newsdesk, articles_dir):
    (articles_dir / "quell.md").write_text(
        "---\ntitle: Spillway tested\ndate: 2025-12-01\n---\n"
        '"The gates held at full pressure," said chief engineer Mara Quell.\n'
    )
    newsdesk.refresh()
    assert "full pressure" in newsdesk.ask("What did Mara Quell say?").text
    (articles_dir / "quell.md").unlink()
    newsdesk.refresh()
    answer = newsdesk.ask("What did Mara Quell say?")
    assert not answer.found and "No article in the archive quotes Mara Quell" in answer.text


def test_a_store_indexed_before_speaker_records_gets_them_once(newsdesk):
    from bot.service import Newsdesk

    newsdesk.refresh()
    bookkeeping = {"kind": {"$in": ["speaker", "surname", "marker"]}}
    records = newsdesk.store.articles.get(where=bookkeeping)
    newsdesk.store.articles.delete(ids=records["ids"])  # as an older store has none
    later = Newsdesk(newsdesk.settings)
    assert [s.name for s in later.speech.resolve("Asif")] == ["Khawaja Asif"]
    assert later.store.articles.get(where={"kind": "speaker"}, include=[])["ids"]


def test_comparing_all_of_a_speakers_quotes_finds_what_the_graph_search_finds(seeded):
    """The two ways of finding X's quotes nearest a topic (every quote compared, for the
    rarely quoted; Chroma's filtered graph search, for the often quoted) agree."""
    vector = seeded.embedder.embed_query("Tora Bora caves")
    keys = [s.key for s in seeded.speech.resolve("Asif")]
    nearest = seeded.searcher.quote_lookup().nearest(vector, 3, keys, LexicalFilters())
    exhaustive = seeded.store.get_quotes(nearest)
    graph = seeded.store.nearest_quotes(vector, 3, {"speaker_key": {"$in": keys}})
    assert len(exhaustive) == 3 and all(q.speaker.name == "Khawaja Asif" for q in exhaustive)
    # quotes of one passage share its vector, so ties may be ordered either way
    assert [round(q.similarity, 4) for q in exhaustive] == [round(q.similarity, 4) for q in graph]
    assert exhaustive[0].similarity > 0.2


def cites(answer, words: str) -> bool:
    return any(words in c.quote for c in answer.citations)


def test_any_speech_verb_asks_for_that_persons_words(seeded):
    answer = seeded.ask("What did Asif post on X to warn the Taliban?")
    assert answer.found and {c.speaker for c in answer.citations} == {ASIF}
    assert cites(answer, "Asif posted on social media platform X")


@pytest.mark.parametrize(
    ("question", "words"),
    [
        # a role: the person the archive gives it
        ("what did the defence minister say about civilians", "we never target civilians"),
        ("Does Pakistan target civilians according to the defence minister?",
         "we never target civilians"),
        # questions as people type them
        ("any quotes from asif on tora bora", "Tora Bora"),
        ("Asif on Tora Bora - what did they say?", "Tora Bora"),
        ("what were asif's comments on tora bora", "Tora Bora"),
        ("Give me Khawaja Asif's quotes on Tora Bora", "Tora Bora"),
        ("Did Asif say anything about Tora Bora?", "Tora Bora"),
    ],
)  # fmt: skip
def test_asif_however_named_or_asked_is_answered_with_his_words_only(seeded, question, words):
    answer = seeded.ask(question)
    assert answer.found and {c.speaker for c in answer.citations} == {ASIF}
    assert cites(answer, words)


def test_who_speaks_for_a_body_is_answered_with_its_spokesman(seeded):
    answer = seeded.ask("Who speaks for the Afghan Taliban and what did he say?")
    assert answer.found and {c.speaker for c in answer.citations} == {"Zabihullah Mujahid"}


def test_a_when_question_is_answered_with_the_sentence_holding_the_date(seeded):
    answer = seeded.ask("When did the hostilities between the two countries begin?")
    assert answer.found and cites(answer, "on the night of October 11")
    assert "night of October 11" in answer.citations[0].quote


def test_people_the_archive_never_quotes_are_refused_however_typed(seeded):
    for question in (
        "any quotes from imran khan on the istanbul talks",
        "what were imran khan's comments on the talks",
        "Imran Khan on the Istanbul talks - what did they say?",
    ):
        answer = seeded.ask(question)
        assert not answer.found and answer.citations == (), question
        assert "quotes imran khan" in answer.text.lower(), question


def test_the_role_table_binds_roles_to_the_people_articles_give_them(seeded):
    holders = seeded.store.speakers.roles_named(["defence minister", "taliban spokesman", "nobody"])
    assert [h.speaker_key for h in holders["defence minister"]] == ["khawaja asif"]
    assert holders["defence minister"][0].latest == "2025-11-26"
    assert [h.speaker_key for h in holders["taliban spokesman"]] == ["zabihullah mujahid"]
    assert "nobody" not in holders
