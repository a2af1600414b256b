"""General questions readers ask of the news, written by hand from Reuters stories.

    .venv/bin/python -m bench.answers            # scores these beside the development set

Not "what did X say" but what happened, how many, when, where, who, why, yes/no, a few
keywords, the latest on X, and questions needing two sentences — typed the way people type
in chat (a third short, lower case, no question mark), each with the sentence(s) of the
story that answer it, plus questions of the same shapes the archive does not answer.

- `general_dev_a.json`, `general_dev_b.json`: the development set, written by reading the
  first 3,000 Reuters-21578 stories (the archive `bench.answers` ingests); tuned on.
- `general_untouched.json`: the second set, written after the work and never tuned on; scored
  and reported apart, when it is there.

A question is answered when its expected sentence is cited (for `multi`, every expected
sentence; for `latest`, the first citation is the newest story's); an absent one when the
answer is "not found".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEVELOPMENT = ("general_dev_a.json", "general_dev_b.json")
UNTOUCHED = "general_untouched.json"
SHAPES = (
    "what-happened", "how-many", "when", "where", "who",
    "why", "yes-no", "keywords", "latest", "multi",
)  # fmt: skip
ARTICLE_PREFIX = "reuters.jsonl#"  # the id bench.answers' ingest gives a record


def load(names: tuple[str, ...], set_name: str) -> list[dict]:
    """The questions of these files (those present), as bench.answers items."""
    items = []
    for name in names:
        path = HERE / name
        if not path.exists():
            continue
        for number, raw in enumerate(json.loads(path.read_text()), start=1):
            items.append(_item(raw, f"{path.stem}:{number}", set_name))
    return items


def _item(raw: dict, item_id: str, set_name: str) -> dict:
    shape = raw["shape"]
    return {
        "id": item_id,
        "set": set_name,
        "shape": shape,
        "kind": f"{set_name}: {shape}" + (" (absent)" if raw["absent"] else ""),
        "answerable": not raw["absent"],
        "question": raw["question"],
        "value": raw.get("value"),
        "sentences": [
            {"article_id": ARTICLE_PREFIX + a["article_id"], "text": a["sentence"]}
            for a in raw["answers"]
        ],
    }


def normalised_spans(text: str) -> tuple[str, list[int]]:
    """`text` with every run of whitespace one space, and each kept character's offset in
    `text`: a sentence copied from the wire's hard-wrapped body is found in the stored one."""
    kept: list[str] = []
    offsets: list[int] = []
    pending_space = False
    for offset, char in enumerate(text):
        if char.isspace():
            pending_space = bool(kept)
            continue
        if pending_space:
            kept.append(" ")
            offsets.append(offset - 1)
            pending_space = False
        kept.append(char)
        offsets.append(offset)
    return "".join(kept), offsets


def locate(article_text: str, sentence: str) -> tuple[int, int] | None:
    """(start, end) of `sentence` in the stored article text, whitespace aside."""
    flat, offsets = normalised_spans(article_text)
    wanted = " ".join(sentence.split())
    at = flat.find(wanted)
    if at < 0:
        return None
    return offsets[at], offsets[at + len(wanted) - 1] + 1


def expected_spans(texts: dict[str, str], item: dict) -> Iterator[tuple[str, int, int, str]]:
    """(article id, start, end, words) of each expected sentence in the store."""
    for sentence in item["sentences"]:
        text = texts.get(sentence["article_id"], "")
        span = locate(text, sentence["text"])
        start, end = span if span else (-1, -1)
        yield sentence["article_id"], start, end, " ".join(sentence["text"].split())


def cites(spans: list, citations: list, expected: tuple[str, int, int, str]) -> bool:
    """Is this expected sentence cited: an overlapping span of its article, or the same
    words from a copy of the story (the wire runs some stories twice)?"""
    article_id, start, end, words = expected
    for cited_article, cited_start, cited_end, _ in spans:
        if cited_article == article_id and cited_start < end and start < cited_end:
            return True
    return any(words in " ".join(c.quote.split()) for c in citations)


def correct(item: dict, answer, spans: list, texts: dict[str, str]) -> bool:
    """Answered with the expected sentence(s), or refused when the archive holds no answer."""
    if not item["answerable"]:
        return not answer.found
    if not answer.found:
        return False
    expected = list(expected_spans(texts, item))
    cited = [cites(spans, list(answer.citations), e) for e in expected]
    if item["shape"] == "multi":
        return all(cited)
    if item["shape"] == "latest":
        first = list(answer.citations[:1])  # the newest story first (ties: any of them)
        return any(cites(spans[:1], first, e) for e in expected)
    return any(cited)


def summarise(rows: list[dict]) -> tuple[list[tuple[str, str, str]], dict]:
    """A row per shape and set: answered with the expected sentence, and absent refused."""
    table: list[tuple[str, str, str]] = []
    figures: dict = {}
    for set_name in dict.fromkeys(r["set"] for r in rows):
        mine = [r for r in rows if r["set"] == set_name]
        for shape in SHAPES:
            answerable = [r for r in mine if r["shape"] == shape and r["answerable"]]
            absent = [r for r in mine if r["shape"] == shape and not r["answerable"]]
            right = sum(r["correct"] for r in answerable)
            refused = sum(r["correct"] for r in absent)
            figures[f"{set_name}: {shape}"] = {
                "answered": [right, len(answerable)],
                "refused": [refused, len(absent)],
            }
            table.append((f"{set_name}: {shape}", _ratio(right, len(answerable)), "≥ 90%"))
            table.append((f"{set_name}: {shape} absent, refused", _ratio(refused, len(absent)),
                          "≥ 95%"))  # fmt: skip
    return table, figures


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b} = {100 * a / b:.0f}%" if b else "—"
