"""Article files → `Article` records.

Formats: the seed format (plain text whose first words are `date YYYY-MM-DD`), Markdown or
text with YAML front matter, `.json`/`.jsonl` records, and `.html` (main text extracted by
trafilatura). Everything a citation needs later (title, date, paragraph boundaries, the exact
text a quote is cut from) is fixed here, once.

A file that cannot be read raises nothing: `read_articles` returns the articles it could read
and a `Problem` per thing it could not, so one bad file or record never stops a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".json", ".jsonl", ".html", ".htm"}
_SEED_DATE = re.compile(r"^\s*date\s+(\S+)\s*", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"^\ufeff?---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_TITLE_MAX = 90


class ArticleError(ValueError):
    """An article (file or record) that cannot be indexed; the message says what to fix."""


@dataclass(frozen=True)
class Paragraph:
    """A block of the article's text; headings have no number (readers don't count them)."""

    start: int
    end: int
    number: int | None
    heading: bool


@dataclass(frozen=True)
class Article:
    """One news article, normalised; `text` is what every quote is an exact substring of."""

    id: str
    title: str
    published: dt.date
    text: str
    path: str
    source: str | None = None
    url: str | None = None
    paragraphs: tuple[Paragraph, ...] = field(default=(), compare=False, repr=False)

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.title, self.published.isoformat(), self.source, self.url, self.text]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def section_at(self, offset: int) -> str | None:
        return heading_above(self.text, self.paragraphs, offset)


def heading_above(text: str, paragraphs: Iterable[Paragraph], offset: int) -> str | None:
    """The section heading above `offset`, if any: context for a citation."""
    heading = None
    for paragraph in paragraphs:
        if paragraph.start > offset:
            break
        if paragraph.heading:
            heading = text[paragraph.start : paragraph.end]
    return heading


@dataclass(frozen=True)
class Problem:
    """Why a file (or one record in it) was skipped."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ParsedFile:
    path: Path
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def discover(paths: Iterable[Path], roots: Iterable[Path] = ()) -> Iterator[tuple[Path, Path]]:
    """Yield `(file, root)` for every article file under `paths`.

    `root` is the folder ids are made relative to: the first of `roots` (the article folders)
    that holds the path, else the given folder (or a single file's own folder) — so a file
    ingested on its own gets the same id as when its article folder is refreshed. Hidden,
    editor-temp and partial-download files are skipped.
    """
    roots = [Path(r).expanduser().resolve() for r in roots]
    for path in paths:
        path = Path(path).expanduser()
        folder = path if path.is_dir() else path.parent
        root = next((r for r in roots if folder.resolve().is_relative_to(r)), folder)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and is_article_file(file.relative_to(path)):
                    yield file, root
        else:
            yield path, root


def is_article_file(relative: Path) -> bool:
    if any(part.startswith((".", "~", "_")) for part in relative.parts):
        return False
    return relative.suffix.lower() in ARTICLE_SUFFIXES


def read_articles(path: Path, root: Path, max_bytes: int) -> ParsedFile:
    """Read every article in one file; problems are collected, never raised."""
    parsed = ParsedFile(path)
    label = str(path)
    try:
        raw = _read_text(path, max_bytes)
        suffix = path.suffix.lower()
        rel_id = path.resolve().relative_to(root.resolve()).as_posix()
        if suffix == ".jsonl":
            _read_jsonl(raw, rel_id, str(path), parsed)
        elif suffix == ".json":
            _read_json(raw, rel_id, str(path), parsed)
        elif suffix in {".html", ".htm"}:
            parsed.articles.append(_from_html(raw, rel_id, str(path)))
        elif suffix in {".txt", ".md", ".markdown"}:
            parsed.articles.append(_from_text(raw, rel_id, str(path)))
        else:
            raise ArticleError(
                f"unsupported file type {suffix or '(none)'}; "
                f"use one of {', '.join(sorted(ARTICLE_SUFFIXES))}"
            )
    except ArticleError as err:
        parsed.problems.append(Problem(label, str(err)))
    except OSError as err:
        parsed.problems.append(Problem(label, f"cannot read file: {err.strerror or err}"))
    return parsed


def _read_text(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise ArticleError(
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
            "split it or raise NEWSDESK_MAX_FILE_MB"
        )
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ArticleError("looks like a binary file, not an article; remove it from the folder")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ArticleError(
            f"not UTF-8 text (bad byte at position {err.start}); re-save the file as UTF-8"
        ) from None


def _from_text(raw: str, rel_id: str, path: str) -> Article:
    seed = _SEED_DATE.match(raw)
    if seed and not raw.lstrip().startswith("---"):
        published = parse_date(seed.group(1), "date")
        return make_article(rel_id, path, body=raw[seed.end() :], published=published)
    front = _FRONT_MATTER.match(raw.replace("\r\n", "\n"))
    if not front:
        raise ArticleError(
            "no date: start the file with `date YYYY-MM-DD` or YAML front matter "
            "(---\\ntitle: ...\\ndate: YYYY-MM-DD\\n---)"
        )
    try:
        meta = yaml.safe_load(front.group(1)) or {}
    except yaml.YAMLError as err:
        raise ArticleError(f"front matter is not valid YAML: {err}") from None
    if not isinstance(meta, dict):
        raise ArticleError("front matter must be `key: value` lines")
    body = raw.replace("\r\n", "\n")[front.end() :]
    return _from_record(meta, body, rel_id, path)


def _read_json(raw: str, rel_id: str, path: str, parsed: ParsedFile) -> None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ArticleError(f"invalid JSON at line {err.lineno}: {err.msg}") from None
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        where = path if len(records) == 1 else f"{path}[{index}]"
        record_id = rel_id if len(records) == 1 else f"{rel_id}#{index}"
        _add_record(record, record_id, where, parsed)


def _read_jsonl(raw: str, rel_id: str, path: str, parsed: ParsedFile) -> None:
    for line_no, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_no}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            parsed.problems.append(Problem(where, f"invalid JSON: {err.msg}"))
            continue
        _add_record(record, f"{rel_id}#{line_no}", where, parsed)


def _add_record(record: object, record_id: str, where: str, parsed: ParsedFile) -> None:
    try:
        if not isinstance(record, dict):
            raise ArticleError("a record must be a JSON object with title, date and body")
        body = record.get("body") or record.get("text") or record.get("content")
        parsed.articles.append(_from_record(record, body, record_id, where))
    except ArticleError as err:
        parsed.problems.append(Problem(where, str(err)))


def _from_record(meta: dict, body: object, rel_id: str, path: str) -> Article:
    raw_date = meta.get("date", meta.get("published_at", meta.get("published")))
    if raw_date is None:
        raise ArticleError("missing date: add `date: YYYY-MM-DD`")
    if not isinstance(body, str):
        raise ArticleError("missing body: add the article text (`body`)")
    return make_article(
        rel_id,
        path,
        body=body,
        published=parse_date(raw_date, "date"),
        title=_optional_str(meta.get("title")),
        source=_optional_str(meta.get("source")),
        url=_optional_str(meta.get("url")),
    )


def _from_html(raw: str, rel_id: str, path: str) -> Article:
    import trafilatura  # heavy import, only needed for HTML

    doc = trafilatura.bare_extraction(raw, with_metadata=True)
    if doc is None or not (doc.text or "").strip():
        raise ArticleError("no article text found in the HTML page")
    if not doc.date:
        raise ArticleError("no publication date found in the HTML page; add <meta name='date'>")
    lines = [line.strip() for line in doc.text.splitlines() if line.strip()]
    if lines and doc.title and lines[0] == doc.title.strip():
        lines = lines[1:]
    return make_article(
        rel_id,
        path,
        body="\n\n".join(lines),
        published=parse_date(doc.date, "date"),
        title=doc.title,
        source=doc.sitename or doc.hostname,
        url=doc.url,
    )


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_date(value: object, field_name: str) -> dt.date:
    """Dates become ISO dates; `2025-10-29T08:00:00Z` keeps its day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ArticleError(f"unparsable {field_name} {text!r}: write it as YYYY-MM-DD") from None


def make_article(
    rel_id: str,
    path: str,
    *,
    body: str,
    published: dt.date,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """Normalise the body, find its paragraphs and fill in a missing title."""
    text = normalise_text(body)
    if not text:
        raise ArticleError("empty body: the article has no text")
    paragraphs = split_paragraphs(text)
    return Article(
        id=url or rel_id,
        title=title or derive_title(text, paragraphs),
        published=published,
        text=text,
        path=path,
        source=source,
        url=url,
        paragraphs=paragraphs,
    )


def normalise_text(body: str) -> str:
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def split_paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Blank-line separated blocks (single lines if the text has no blank lines)."""
    splitter = _BLOCK_SPLIT if _BLOCK_SPLIT.search(text) else re.compile(r"\n")
    paragraphs: list[Paragraph] = []
    start, number = 0, 0
    for match in [*splitter.finditer(text), None]:
        end = match.start() if match else len(text)
        block = text[start:end].strip()
        if block:
            block_start = text.index(block, start)
            heading = is_heading(block) and match is not None
            if not heading:
                number += 1
            block_end = block_start + len(block)
            paragraphs.append(
                Paragraph(block_start, block_end, None if heading else number, heading)
            )
        if match:
            start = match.end()
    return tuple(paragraphs)


def is_heading(block: str) -> bool:
    """Short, single-line blocks without closing punctuation read as section headings."""
    if block.startswith("#"):
        return True
    return (
        "\n" not in block
        and len(block.split()) <= 12
        and not block.endswith((".", "!", "?", ":", ";", ",", "”", '"', "’"))
    )


def derive_title(text: str, paragraphs: tuple[Paragraph, ...]) -> str:
    """First sentence of the first body paragraph, trimmed at a word boundary."""
    from retrieval.sentences import sentence_spans

    first = next((p for p in paragraphs if not p.heading), paragraphs[0])
    spans = sentence_spans(text, first.start, first.end)
    start, end = spans[0] if spans else (first.start, first.end)
    sentence = text[start:end].strip().lstrip("#").strip()
    if len(sentence) <= _TITLE_MAX:
        return sentence.rstrip(".")
    cut = sentence[:_TITLE_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
