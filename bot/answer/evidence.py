"""Is there evidence in the archive at all? Decided before any sentence is picked.

Two signals, both cheap at question time:

- **Unknown words.** A topic word that no article contains (zero document frequency in the
  lexical index) and that is a name or a term rather than an ordinary word ("bitcoin" in
  1987, a person the archive predates) means there is nothing to quote — a weak match on the
  other words would be someone else's story.
- **Closeness.** The best dense similarity between the question and any passage; below the
  calibrated floor the archive holds nothing close (`NEWSDESK_MIN_RELEVANCE`).

Both are calibrated on the Reuters development set by `python -m bench.answers`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answer.question import STOPWORDS, Question
from retrieval.embedding.encoder import is_common_word
from retrieval.search import Searcher
from retrieval.text.lexicon import lexicon
from retrieval.text.words import tokenize
from retrieval.types import Hit, SentenceHit

UNKNOWN_SHARE_REFUSES = 0.5  # more than half the topic's words unknown ⇒ absent topic ("held"
#                              vs "hold": a verb's other form may be all an article has)
GENERIC_QUESTION_WORDS = lexicon()["generic_question_words"]
SENTENCE_FLOOR = 0.3  # a sentence this close is evidence, however far its passage


@dataclass(frozen=True)
class Evidence:
    found: bool
    absent: tuple[str, ...] = ()  # words showing the archive does not cover the topic
    best_similarity: float = 0.0
    best_sentence: float = 0.0  # the closest sentence by its own vector


def unknown_words(question: Question, searcher: Searcher) -> tuple[list[str], list[str]]:
    """(all unknown topic words, the capitalised ones): words no article contains."""
    text = question.topic or question.text
    names = {word for name in question.person_names for word in tokenize(name)}
    capitalised = {
        word.strip(".,;:?!'’\"“”").lower() for word in text.split()[1:] if word[:1].isupper()
    }
    words = [
        token
        for token in dict.fromkeys(tokenize(text))
        if token not in STOPWORDS
        and token not in names
        and token not in GENERIC_QUESTION_WORDS
        and not token.isdigit()
    ]
    if searcher.chunk_count() == 0:
        return [], []
    unknown = [word for word in words if searcher.document_frequency(word) == 0]
    return unknown, [word for word in unknown if word in capitalised]


def absent_topic(question: Question, searcher: Searcher, close: bool = False) -> list[str]:
    """The words that show the archive does not cover the topic at all (empty: it may).

    A word no article contains is a name or term the archive never mentions when it is
    capitalised or is no ordinary English word ("bitcoin", "covid": see `is_common_word`);
    an ordinary word may only be in another form than the articles use ("died" where they
    say "killed"), so those refuse only when they are most of the topic and no sentence of
    the archive is `close` to the question.
    """
    unknown, proper = unknown_words(question, searcher)
    terms = [word for word in unknown if word in proper or not is_common_word(word)]
    if terms or close:
        return terms
    topic_words = max(1, len(question.terms))
    return unknown if len(unknown) / topic_words > UNKNOWN_SHARE_REFUSES else []


def judge(
    question: Question,
    hits: list[Hit],
    sentences: list[SentenceHit],
    searcher: Searcher,
    min_relevance: float,
) -> Evidence:
    """Evidence or not, for a question and the passages and sentences search found for it:
    close enough at either level, the sentence's being where a short question's answer
    lives ("how many children died": 0.43 to its sentence, 0.21 to the passage)."""
    best = max((h.similarity for h in hits if h.similarity is not None), default=0.0)
    best_sentence = max((s.similarity for s in sentences), default=0.0)
    sentence_close = best_sentence >= SENTENCE_FLOOR
    absent = absent_topic(question, searcher, close=sentence_close)
    found = bool(hits or sentences) and not absent and (best >= min_relevance or sentence_close)
    return Evidence(found, tuple(absent), best, best_sentence)
