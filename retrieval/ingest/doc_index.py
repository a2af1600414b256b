"""Lookups into one spaCy parse by position, built once per doc, so that sentence-level
work reads only its own tokens and entities.

Attribution asks, for every sentence, which tokens it holds, which entity a token stands
in and what the entities of the sentence are. Asked of the whole doc each time (`for token
in doc`, `doc.ents`), a paragraph costs sentences × tokens, and a scraped page on one line
is one paragraph: a 100 KB body took 15 s to attribute instead of 1. Each lookup here is
built in one pass over the doc and kept in its `user_data`, then answered by a bisect.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(doc, key: str, build: Callable[[object], T]) -> T:
    """`build(doc)`, computed on the first call for this doc and kept with it."""
    store = doc.user_data
    name = f"newsdesk:{key}"
    if name not in store:
        store[name] = build(doc)
    return store[name]


def tokens_between(doc, start: int, end: int):
    """The tokens that start at a character offset in [start, end) of the doc, as a span."""
    starts = once(doc, "token_starts", lambda d: [token.idx for token in d])
    return doc[bisect_left(starts, start) : bisect_left(starts, end)]


def entities_between(doc, start: int, end: int) -> list:
    """The entities that start at a character offset in [start, end) of the doc."""
    entities = _entities(doc)
    starts = once(doc, "entity_starts", lambda d: [e.start_char for e in _entities(d)])
    return entities[bisect_left(starts, start) : bisect_left(starts, end)]


def entity_of(token):
    """The named entity `token` stands in, if any."""
    return once(token.doc, "entity_at", _entity_at)[token.i]


def _entity_at(doc) -> list:
    at: list = [None] * len(doc)
    for entity in _entities(doc):
        for index in range(entity.start, entity.end):
            at[index] = entity
    return at


def _entities(doc) -> list:
    """`doc.ents` builds new spans on every read: read once."""
    return once(doc, "entities", lambda d: list(d.ents))
