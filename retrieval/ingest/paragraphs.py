"""Article text → normalised text and its paragraphs (with section headings told apart).

Real archives lay paragraphs out in three ways: blank lines between them (most exports, the
seeds), one paragraph per line (many scrapes), or hard-wrapped lines at ~70 columns with a
paragraph marked by an indented line (newswire, e.g. Reuters). Hard-wrapped blocks are
re-flowed here, once, into the stored text, so a paragraph number means what a reader means by
it and a quote never carries a line break from the wire.
"""

from __future__ import annotations

import itertools
import re

from retrieval.types import Paragraph

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = (".", "!", "?", ":", ";", "”", '"', "’", "'", ")")
_WRAP_WIDTH = 100  # longest line a hard-wrapped block holds; wire copy wraps at ~70
WRAPPED_SHARE = 0.5  # of a block's inner lines ending mid-sentence: Reuters ~0.9, one-per-line 0


def layout(body: str) -> tuple[str, tuple[Paragraph, ...]]:
    """The stored text of an article body and its paragraphs, offsets into that text."""
    text = reflow(normalise_text(body))
    return text, split_paragraphs(text)


def normalise_text(body: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line in a row; indentation kept."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(lines).strip("\n").rstrip()
    return re.sub(r"\n{3,}", "\n\n", text)


def reflow(text: str) -> str:
    """Join hard-wrapped lines; an indented line or a blank line starts a new paragraph.

    Blocks that are not hard-wrapped are left exactly as they are (a one-paragraph-per-line
    scrape stays one paragraph per line).
    """
    blocks = _BLANK_LINE.split(text)
    out: list[str] = []
    for block in blocks:
        lines = block.split("\n")
        if is_hard_wrapped(lines):
            out.extend(_join_wrapped(lines))
        else:
            out.append("\n".join(line.strip() for line in lines))
    joined = "\n\n".join(part for part in out if part.strip())
    return joined.strip()


def is_hard_wrapped(lines: list[str]) -> bool:
    """Most lines that run on into an unindented next line stop mid-sentence, none is long."""
    if len(lines) < 2 or max(len(line) for line in lines) > _WRAP_WIDTH:
        return False
    runs_on = [
        line
        for line, following in itertools.pairwise(lines)
        if following.strip() and not _indented(following)
    ]
    if not runs_on:
        return False
    mid_sentence = sum(not line.rstrip().endswith(_SENTENCE_END) for line in runs_on)
    return mid_sentence / len(runs_on) >= WRAPPED_SHARE


def _join_wrapped(lines: list[str]) -> list[str]:
    paragraphs: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        if not paragraphs or _indented(line):
            paragraphs.append([])
        paragraphs[-1].append(line.strip())
    return [" ".join(words) for words in paragraphs]


def _indented(line: str) -> bool:
    return line[:1] in (" ", "\t") and bool(line.strip())


def split_paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Blank-line separated blocks (single lines if the text has no blank lines)."""
    splitter = _BLANK_LINE if _BLANK_LINE.search(text) else re.compile(r"\n")
    blocks: list[tuple[int, int]] = []
    start = 0
    for match in [*splitter.finditer(text), None]:
        end = match.start() if match else len(text)
        block = text[start:end].strip()
        if block:
            block_start = text.index(block, start)
            blocks.append((block_start, block_start + len(block)))
        if match:
            start = match.end()
    headings = _headings(text, blocks)
    paragraphs: list[Paragraph] = []
    number = 0
    for (block_start, block_end), heading in zip(blocks, headings, strict=True):
        if not heading:
            number += 1
        paragraphs.append(Paragraph(block_start, block_end, None if heading else number, heading))
    return tuple(paragraphs)


def _headings(text: str, blocks: list[tuple[int, int]]) -> list[bool]:
    """A heading is a short unpunctuated block with body text after it and no heading beside it.

    Headings do not stack: a run of short unpunctuated lines is a table or a list (a wire
    story's earnings rows, a scrape's navigation), whose lines are paragraphs, not headings.
    """
    looks = [is_heading(text[s:e]) for s, e in blocks]
    for index in range(1, len(blocks)):
        if looks[index] and signs(text[slice(*blocks[index - 1])], text[slice(*blocks[index])]):
            looks[index] = False
    result = []
    for index, candidate in enumerate(looks):
        last = index == len(looks) - 1
        beside = (index > 0 and looks[index - 1]) or (not last and looks[index + 1])
        result.append(candidate and not last and not (beside and not _marked(text, blocks[index])))
    return result


_NAME_LINE = re.compile(r"^[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){1,3}(?:,\s+[^,]+)?$")


def signs(above: str, line: str) -> bool:
    """Is the line a signature, not a heading: a name (and an affiliation) under a paragraph
    that is one whole quotation ("Norman Ornstein, American Enterprise Institute")?"""
    quotation = above[:1] in '“"' and above.rstrip()[-1:] in '”"'
    return quotation and bool(_NAME_LINE.match(line.strip()))


def _marked(text: str, block: tuple[int, int]) -> bool:
    return text[block[0]] == "#"


def is_heading(block: str) -> bool:
    """Short, single-line blocks without closing punctuation read as section headings."""
    if block.startswith("#"):
        return True
    return (
        "\n" not in block
        and len(block.split()) <= 12
        and not block.endswith((".", "!", "?", ":", ";", ",", "”", '"', "’"))
    )
