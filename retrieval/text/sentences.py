"""Sentence boundaries as character spans, so quotes are cut from the article's exact text.

News prose quotes people a lot: a sentence may end inside closing quotes (`…peril and doom.”`),
and abbreviations (`Oct.`, `U.S.`, `R.J. Reynolds`, `the N.Z. Dollar`) must not end one.
sentencex (Wikimedia's rule-based segmenter, in Rust) finds the boundaries; this module maps
its sentences back onto offsets of the text, which is what every citation is cut by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sentencex

from retrieval.text.lexicon import speech_verb_forms
from retrieval.types import Paragraph

# Titles written with a full stop before a name: a sentence never ends on one. sentencex
# splits `…together," Ms. Moore said.` after "Ms." when a closing quote comes before it,
# which cut the quotation from its speaker (found on PolNeAR's dev split).
_TITLE_STOP = re.compile(
    r"(?:^|\s)(?:Mr|Mrs|Ms|Messrs|Dr|Prof|Gen|Lt|Col|Maj|Capt|Adm|Sgt|Sen|Sens|Rep|Reps|Gov|"
    r"Rev|St)\.$"
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans `(s, e)` of the sentences in `text[start:end]`, whitespace trimmed."""
    end = len(text) if end is None else end
    merged: list[tuple[int, int]] = []
    for at, stop in _segments(text, start, end):
        if merged and _continues(text[merged[-1][0] : merged[-1][1]], text[at:stop]):
            merged[-1] = (merged[-1][0], stop)  # "…," Ms. | Moore said.
        else:
            merged.append((at, stop))
    return [piece for span in merged for piece in _split(text, *span)]


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """sentencex's sentences as offsets of the text."""
    spans = []
    cursor = start
    for sentence in sentencex.segment("en", text[start:end]):
        stripped = sentence.strip()
        at = text.find(stripped, cursor, end) if stripped else -1
        if at >= 0:
            spans.append((at, at + len(stripped)))
            cursor = at + len(stripped)
    return spans


def _split(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence cut where a line ends it, and after a pull quote's name when the next
    quotation follows on the same line (`…us.”― Pamela Padilla “I cannot…`)."""
    piece = text[start:end]
    cuts = sorted(
        {m.end() for m in _PULL_QUOTE_NAME.finditer(piece)}
        | {m.end() for m in _LINE_END.finditer(piece)}
    )
    spans = []
    for a, b in zip([0, *cuts], [*cuts, len(piece)], strict=True):
        part = piece[a:b]
        if part.strip():
            left = a + len(part) - len(part.lstrip())
            spans.append((start + left, start + a + len(part.rstrip())))
    return spans


def _continues(previous: str, sentence: str) -> bool:
    """Is `sentence` the rest of `previous`: a name after a title's full stop (`…," Ms. |
    Moore said.`), or the attribution line of a pull quote (`“…this low?” | ― Jacklyn
    Ashley`)?"""
    if _TITLE_STOP.search(previous) and sentence[:1].isupper():
        return True
    if _ASKED.search(previous) and _says(sentence):
        return True  # `“…14 million votes?” | Trump said, looking out…`
    return sentence[:1] in DASHES and previous[-1:] in '”"’'


_ASKED = re.compile(r"[?!][”\"’]$")  # a quotation ending in a question or exclamation
NAME_THEN_SAYS = 4  # words a speaker's name and title may take before the speech verb


def _says(sentence: str) -> bool:
    """Does the sentence open with its speaker and a speech verb ("Trump said, …", "Vitter
    demanded.", "Smith, the chairman, said"): the attribution of the quotation before it?
    ("Analysts said the market…" opens a sentence of its own: its verb has an object.)"""
    words = [w.strip(",.;:").lower() for w in sentence.split()[: NAME_THEN_SAYS + 1]]
    forms = speech_verb_forms()
    at = next((i for i, word in enumerate(words) if word in forms), None)
    if at is None or not sentence[:1].isupper():
        return False
    verb = sentence.split()[at]
    return verb.endswith((",", ".")) or at + 1 == len(sentence.split())


DASHES = "―—–"
_DASH_AFTER_QUOTE = rf"[”\"’]\s*(?:[{DASHES}]|--)\s*"  # the `”― ` that signs a pull quote
NAMED_AFTER_DASH = re.compile(_DASH_AFTER_QUOTE + r"(?=[A-Z])")  # ”― Jacklyn Ashley
_PULL_QUOTE_NAME = re.compile(  # …and the next quotation after the name, on the same line
    _DASH_AFTER_QUOTE + r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}\s+(?=[“\"])"
)
# A line break ends a sentence after its closing punctuation, or before a quotation opens
# (pull quotes one per line); elsewhere it is wire copy's wrapping, inside a sentence.
_LINE_END = re.compile(r"(?<=[.?!”\"])[ \t]*\n\s*(?=\S)|[ \t]*\n\s*(?=[“\"])")


def body_sentence_spans(text: str, paragraphs: Iterable[Paragraph]) -> list[tuple[int, int]]:
    """Every sentence of the body paragraphs (headings are not sentences of the story)."""
    return [
        span
        for paragraph in paragraphs
        if not paragraph.heading
        for span in sentence_spans(text, paragraph.start, paragraph.end)
    ]
