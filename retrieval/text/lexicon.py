"""The word lists every stage reads (`lexicon.toml`): speech verbs, titles, stopwords, roles.

One file, so a newsroom tuning the bot to its house style edits lists, not code.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

_LEXICON = Path(__file__).with_name("lexicon.toml")


@cache
def lexicon() -> dict[str, frozenset[str]]:
    """The word lists of `lexicon.toml` (speech verbs, titles, organisation nouns)."""
    raw = tomllib.loads(_LEXICON.read_text(encoding="utf-8"))
    return {name: frozenset(words) for name, words in raw.items()}


@cache
def speech_verb_forms() -> frozenset[str]:
    """Every written form of the speech verbs: "said", "posts", "tweeted", "warning"."""
    words = lexicon()
    forms = set(words["speech_verb_irregular_forms"])
    for verb in words["speech_verbs"]:
        forms |= _regular_forms(verb)
    return frozenset(forms)


def _regular_forms(verb: str) -> set[str]:
    """say → says, sayed, saying…; deny → denies, denied; admit → admitted; note → noted."""
    stems = {verb, verb + verb[-1]}  # "admit" → "admitt"-ed
    if verb.endswith("e"):
        stems.add(verb[:-1])
    forms = {verb, verb + "s", verb + "es", verb + "d"}
    for stem in stems:
        forms |= {stem + "ed", stem + "ing"}
    if verb.endswith("y"):
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    return forms
