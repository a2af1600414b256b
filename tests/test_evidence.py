"""Refusals: a topic the archive never mentions is "not found", whatever else matches."""

from __future__ import annotations

import pytest

from bot.answer.evidence import absent_topic, judge
from bot.answer.question import analyse


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("What did Asif say about bitcoin?", ["bitcoin"]),  # not an ordinary word
        ("What happened to Brexit talks with the Taliban?", ["brexit"]),
        ("What did Asif say about Zelensky?", ["zelensky"]),
        ("What did Asif say about football?", ["football"]),  # all the topic is unknown
        ("What did Asif say about Tora Bora?", []),
        ("And what did Asif say about trusting the Taliban?", []),  # "trust" is there
        ("Did the talks hold in Istanbul?", []),  # an ordinary word in another form
    ],
)
def test_words_no_article_contains(seeded, question, absent):
    assert absent_topic(analyse(question), seeded.searcher) == absent


def test_a_close_passage_is_still_no_evidence_when_the_topic_is_absent(seeded):
    question = analyse("What did the Taliban say about cryptocurrency in Kabul?")
    hits = seeded.searcher.search(question.text, 8)
    assert hits and max(h.similarity or 0 for h in hits) > 0
    sentences = seeded.searcher.nearest_sentences(question.text, 20)
    evidence = judge(question, hits, sentences, seeded.searcher, seeded.settings.min_relevance)
    assert not evidence.found and evidence.absent == ("cryptocurrency",)


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "What did Elon Musk say about the Taliban?",
        "How did bitcoin prices react to the strikes?",
    ],
)
def test_unanswerable_questions_get_no_citations(seeded, question):
    answer = seeded.ask(question)
    assert not answer.found and answer.citations == ()
