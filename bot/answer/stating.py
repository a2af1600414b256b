"""An answer's first line: what a when / how-many / where / who question asked for, as the
cited sentence says it — "Nine children [1]", "Wednesday (29 October 2025) [1]".

A reader asking "how many children died?" wants the figure before the paragraph. The line
is never written from nothing: it is a span of the cited sentence, the parse's entities of
the asked kind (stored at ingest) joined where news copy continues them ("Paktika, Khost, and
Kunar provinces", "the night of October 11", "nine children"). A day named relative to the
story ("Wednesday", "last week") gets the calendar date the story's own date makes it. A
sentence holding no entity of the asked kind gets no first line: the sentence still answers.

The line is read out of the first cited sentence only (the best answer), and only where the
sentence leaves no doubt which entity answers: the figure counting the asked noun or the only
figure; the place after "in", "at" or "near", or before "-based"; the person holding the
office asked about, or the agent after "by" ("brokered by Qatar and Turkey"). The archive keeps no
company entities, so "who is buying Wallco?" gets no first line rather than the city named
beside the buyer. Read by hand on the general development set: see docs/answers.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answer.citing import terms
from bot.answer.question import STOPWORDS, Question, words_in
from bot.answer.ranking import asked_office
from bot.answer.wording import human_period
from retrieval.text.dates import Period, period_meant
from retrieval.text.lexicon import lexicon
from retrieval.types import StoredArticle

WHEN = frozenset({"DATE", "TIME"})
AMOUNT = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
PERSON = frozenset({"PERSON"})
COUNTED_WITHIN = 6  # words after a figure that may name what it counts ("… dlrs of its debt")
NOUN_AFTER_NUMBER = 3  # "five mln Rexnard shares": words a bare number's noun may run to
# What continues one entity into the next: a list ("Qatar and Turkey", "Paktika, Khost"), a
# time of a day ("the night of October 11"), a range ("10 to 12").
_JOINS = re.compile(r"^(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or|of|to|-|–)\s+|-|–)$")
_LAST_OF_LIST = re.compile(r"^,?\s+(?:and|or)\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*\s+(?P<noun>\w+)")
_WORD = re.compile(r"\s*([A-Za-z0-9][\w'’/-]*)")
_ENDS_IN_NUMBER = re.compile(
    r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen|"
    r"[a-z]+ty|hundred|thousand|dozens?|several|hundreds|thousands|mln|million|bln|billion|"
    r"trillion))$",
    re.I,
)
_UNITS = frozenset({"pct", "dlr", "dlrs", "mln", "bln", "billion", "million", "stg", "bpd", "yen"})
_CALENDAR = re.compile(  # a point of the calendar, not a length of time ("90 days", "24-hour")
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|"
    r"\b(?:1[89]|20)\d\d\b|\b(?:today|tonight|yesterday|tomorrow|spring|summer|autumn|fall|"
    r"winter|quarter|half|week|month|year)\b(?!s)",
    re.I,
)
_VERBS = "|".join(
    sorted(lexicon()["auxiliaries"] | {"is", "are", "was", "were", "has", "have", "had", "do"})
)
_PREPOSITIONS = "on|in|at|of|for|from|by|with|to|over|under"
# "Bass's 1986 sales", "last week's meeting": whose year or week, not when it happened
_YEAR_OF = re.compile(r"(?:1[89]|20)\d\d\s+[a-z]")
_WILL = re.compile(r"\b(?:will|shall|(?:is|are) (?:due|expected|scheduled|set) to)\b", re.I)
_SAID_ON = re.compile(r"\b(?:said|says|told|announced|reported)\s+(?:on\s+)?$", re.I)
_LOCATIVE = re.compile(
    r"\b(?:in|at|near|outside|inside)\s+(?:(?:the|its|his|her|their|a|an)\s+)?$", re.I
)
_AGENT = re.compile(r"\bby\s+$", re.I)
_HOW_MANY = re.compile(  # "how many creditor banks does…": the words up to the verb
    rf"^\s*how\s+(?:many|much)\s+(?P<words>(?:(?!(?:{_VERBS}|{_PREPOSITIONS})\b)[\w'’./-]+\s*)*)",
    re.I,
)


@dataclass(frozen=True)
class Cited:
    """A cited span: the sentence (or whole quotation) the line may be read out of."""

    article: StoredArticle
    start: int
    end: int


def stated_answer(cited: Cited, question: Question) -> str | None:
    """The asked-for words of the first cited sentence, or None: a why or yes/no question,
    or a sentence that holds no entity of the asked kind, or several with none preferred."""
    labels = _wanted(question)
    if labels is None:
        return None
    asked = words_in(question.text)
    spans = [s for s in _spans(cited, labels) if not _restates(cited, s, asked)]
    best = _best(cited, spans, labels, question)
    return None if best is None else _worded(cited, best, labels)


def _wanted(question: Question) -> frozenset[str] | None:
    """The entity kinds that answer: a who question names a person or, as an agent, a
    country ("who brokered the ceasefire?" → "by Qatar and Turkey")."""
    kinds = question.answer_types
    if kinds == PERSON:
        return PERSON | PLACE
    return next((k for k in (WHEN, AMOUNT, PLACE) if kinds and kinds <= k), None)


def _spans(cited: Cited, labels: frozenset[str]) -> list[tuple[int, int]]:
    """The sentence's entities of these kinds, joined where one continues the next."""
    text = cited.article.text
    found = sorted(
        (s, e)
        for s, e, label in cited.article.entities
        if label in labels and cited.start <= s and e <= cited.end
    )
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and _JOINS.match(text[merged[-1][1] : start]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    if labels == PLACE:
        return [_with_list_end(text, s, e, cited.end) for s, e in merged]
    return merged


def _with_list_end(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """ "Paktika, Khost" + ", and Kunar provinces": a list's last place (which the parse
    may miss) and the noun closing it."""
    tail = _LAST_OF_LIST.match(text[end:limit])
    if tail and tail["noun"].lower() in lexicon()["place_nouns"]:
        return start, end + tail.end()
    noun = _WORD.match(text[end:limit])
    if noun and noun.group(1).lower() in lexicon()["place_nouns"]:
        end += noun.end()
    return start, end


def _with_noun(cited: Cited, span: tuple[int, int], asked: set[str]) -> tuple[int, int]:
    """ "nine" + " children": a bare number with what it counts — the question's noun, or
    the plural nouns right after it ("2,800 workers", not "1,700 products sometime")."""
    start, end = span
    text = cited.article.text
    if not _ENDS_IN_NUMBER.search(text[start:end]):
        return span  # "250 mln dlrs", "3.2 pct": the parse kept the unit
    for _ in range(NOUN_AFTER_NUMBER):
        word = _WORD.match(text[end : cited.end])
        if not word or not word.group(0).startswith(" "):
            break
        plain = word.group(1)
        noun = (plain.islower() and (terms(plain) & asked or _plural(plain))) or plain in _UNITS
        if plain.lower() in STOPWORDS or not noun:
            break
        end += word.end()
    return start, end


def _restates(cited: Cited, span: tuple[int, int], asked: set[str]) -> bool:
    """Does the span only repeat the question ("Pakistan" for "when did Pakistan…")?"""
    return words_in(cited.article.text[span[0] : span[1]]) <= asked


def _best(
    cited: Cited, spans: list[tuple[int, int]], labels: frozenset[str], question: Question
) -> tuple[int, int] | None:
    """The span that answers, when the sentence leaves no doubt which (see the module)."""
    text = cited.article.text
    before = [text[max(cited.start, s - 40) : s] for s, _ in spans]
    if labels == AMOUNT:
        spans = [_with_noun(cited, s, set(question.terms)) for s in spans]
        if question.text.lower().lstrip().startswith("how much"):
            spans = [s for s in spans if _labels_at(cited, s) - {"CARDINAL"} or _has_unit(cited, s)]
        counted_noun = _counted_noun(question.text)
        if counted_noun:  # "how many creditor banks": the figure must count banks
            return _only([s for s in spans if _counts(cited, s, counted_noun)])
        return _only(spans)
    if labels == WHEN:
        points = [
            s
            for s, b in zip(spans, before, strict=True)
            if _CALENDAR.search(text[s[0] : s[1]])
            and not _SAID_ON.search(b)
            and not _YEAR_OF.match(text, s[0])
            and not text.startswith(("'s", "’s"), s[1] - 2)
        ]
        dated = [s for s in points if any(c.isdigit() for c in text[s[0] : s[1]])]
        return (dated or points or [None])[0]  # "the night of October 11", not "this month"
    if labels == PLACE:
        placed = [
            s
            for s, b in zip(spans, before, strict=True)
            if _LOCATIVE.search(b) or text.startswith("-based", s[1])
        ]
        return (placed or [None])[0]
    by = [s for s, b in zip(spans, before, strict=True) if _AGENT.search(b)]
    if by:
        return by[0]
    office = asked_office(question)
    if office:
        return next((s for s in spans if _holds_office(cited, s, office)), None)
    return None


def _holds_office(cited: Cited, span: tuple[int, int], office: frozenset[str]) -> bool:
    """A person named with the office asked about: "Minister Kim Mahn-je", "Helmut Falk,
    chairman of…" (not any person of a sentence that names the office somewhere)."""
    text = cited.article.text
    before = terms(text[max(cited.start, span[0] - 40) : span[0]].split(",")[-1])
    after = text[span[1] : min(cited.end, span[1] + 40)]
    named_after = terms(after[1:].split(",")[0]) if after.startswith(",") else set()
    return bool(_labels_at(cited, span) & PERSON) and bool((before | named_after) & office)


def _counted_noun(question: str) -> frozenset[str]:
    """The words a figure must count one of: "creditor banks" of "how many creditor banks
    does…", "debt" of "how much Fluor debt did…"; none for "how much did the FAA fine…"."""
    match = _HOW_MANY.match(question)
    if not match:
        return frozenset()
    return terms(match.group("words"))


def _counts(cited: Cited, span: tuple[int, int], noun: frozenset[str]) -> bool:
    """Does the figure count the noun: the noun in it ("nine children") or within a few
    words after it ("390 mln dlrs of Fluor Corp's long-term debt")?"""
    text = cited.article.text
    clause = re.split(r"[,;.(]", text[span[1] : cited.end], maxsplit=1)[0]
    after = " ".join(clause.split()[:COUNTED_WITHIN])
    return bool(noun & (terms(_lower_words(text[span[0] : span[1]])) | terms(after)))


def _plural(word: str) -> bool:
    return word.endswith("s") and not word.endswith("ss") and len(word) > 3


def _has_unit(cited: Cited, span: tuple[int, int]) -> bool:
    return bool(set(cited.article.text[span[0] : span[1]].lower().split()) & _UNITS)


def _lower_words(text: str) -> str:
    """The common words of a span ("children" of "nine children"), not its names ("Miller
    Tabak" of "two Miller Tabak representatives" counts no one the question named)."""
    return " ".join(w for w in text.split() if w.islower())


def _only(spans: list[tuple[int, int]]) -> tuple[int, int] | None:
    return spans[0] if len(spans) == 1 else None


def _labels_at(cited: Cited, span: tuple[int, int]) -> set[str]:
    return {label for s, e, label in cited.article.entities if span[0] <= s and e <= span[1]}


def _worded(cited: Cited, span: tuple[int, int], labels: frozenset[str]) -> str:
    """The span as the line's words: capitalised, a relative day given its date (the
    coming one when the sentence says what will happen: "will address the nation …
    Wednesday night")."""
    text = cited.article.text
    words = " ".join(text[span[0] : span[1]].split())
    published = cited.article.published
    if labels == WHEN and published is not None:
        ahead = bool(_WILL.search(text[cited.start : span[0]]))
        period = period_meant(words, published, ahead)
        if period is not None:
            words = _dated(words, period)
    return words[:1].upper() + words[1:]


def _dated(words: str, period: Period) -> str:
    """ "the night of October 11" → "the night of October 11, 2025" (only the year was
    missing); "Wednesday" → "Wednesday (29 October 2025)"."""
    if period.kind == "day" and str(period.first.day) in re.findall(r"\d+", words):
        return f"{words}, {period.first.year}"
    return f"{words} ({human_period(period)})"
