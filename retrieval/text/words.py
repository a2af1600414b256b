"""Words as the lexical index and the question parser see them: tokens and Snowball stems.

The same two functions serve passages at index time and questions at query time, so a word
a question spells like a passage always meets it.
"""

from __future__ import annotations

import re
import threading

from retrieval.text.lexicon import lexicon

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; the same rule for passages and questions."""
    return _TOKEN.findall(text.lower())


def stem(token: str) -> str:
    """Snowball's English stemmer (PyStemmer): strike/strikes, warned/warning, civilians."""
    return _english_stemmer().stemWord(token)


_STEMMERS = threading.local()  # a PyStemmer object is not safe to share between threads


def _english_stemmer():
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        import Stemmer

        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    return stemmer


def index_words(text: str) -> list[str]:
    """The words a passage is indexed (and a question searched) by."""
    stopwords = lexicon()["index_stopwords"]
    return [token for token in tokenize(text) if token not in stopwords]
