"""Article files → `Article` records.

Formats: the seed format (plain text whose first words are `date YYYY-MM-DD`), plain text
(a short first line is the title), Markdown or text with YAML front matter, `.json`/`.jsonl`
records, `.csv`/`.tsv` rows, and `.html` (main text extracted by trafilatura). Everything a
citation needs later (title, date, paragraph boundaries, the exact text a quote is cut from)
is fixed here, once. Real archives name their fields in many ways and often carry no date:
fields are read under their common names, and an article without a date is indexed undated.

A file that cannot be read raises nothing: `read_articles` returns the articles it could read
and a `Problem` per thing it could not (plus warnings for what it read with a caveat), so one
bad file or record never stops a batch.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from retrieval.ingest.paragraphs import layout
from retrieval.text.dates import DateError, date_from_fields, date_from_url, read_date
from retrieval.types import Article, ArticleError, Paragraph, Problem

__all__ = ["discover", "is_article_file", "make_article", "read_articles"]

ARTICLE_SUFFIXES = {
    ".txt", ".md", ".markdown", ".json", ".jsonl", ".csv", ".tsv", ".html", ".htm",
}  # fmt: skip
COLLECTION_SUFFIXES = {".json", ".jsonl", ".csv", ".tsv"}  # many articles in one file
TITLE_FIELDS = ("title", "headline", "name", "heading")
BODY_FIELDS = ("body", "text", "content", "article", "story", "full_text", "maintext")
SOURCE_FIELDS = ("source", "publisher", "source_name", "site", "outlet", "domain")
URL_FIELDS = ("url", "link", "href", "canonical_url", "permalink")
ID_FIELDS = ("id", "guid", "article_id", "uid")

_SEED_DATE = re.compile(r"^\s*date\s+(\S+)\s*", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"^\ufeff?---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)
_TITLE_MAX = 90
_TITLE_LINE_MAX = 150  # a plain file's first line longer than this is body, not a title


@dataclass
class ParsedFile:
    path: Path
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


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


def read_articles(
    path: Path, root: Path, max_bytes: int, max_collection_bytes: int | None = None
) -> ParsedFile:
    """Read every article in one file; problems are collected, never raised.

    `max_bytes` limits a one-article file; `max_collection_bytes` (default: 100 × that) a file
    of many records (CSV, JSONL, a JSON list), since datasets are shared that way.
    """
    parsed = ParsedFile(path)
    label = str(path)
    suffix = path.suffix.lower()
    limit = max_bytes
    if suffix in COLLECTION_SUFFIXES:
        limit = max_collection_bytes or max_bytes * 100
    try:
        raw = _read_text(path, limit, parsed)
        rel_id = path.resolve().relative_to(root.resolve()).as_posix()
        reader = _READERS.get(suffix)
        if reader is None:
            raise ArticleError(
                f"unsupported file type {suffix or '(none)'}; "
                f"use one of {', '.join(sorted(ARTICLE_SUFFIXES))}"
            )
        reader(raw, rel_id, label, parsed)
    except ArticleError as err:
        parsed.problems.append(Problem(label, str(err)))
    except OSError as err:
        parsed.problems.append(Problem(label, f"cannot read file: {err.strerror or err}"))
    return parsed


def _read_text(path: Path, max_bytes: int, parsed: ParsedFile) -> str:
    """The file's text: UTF-8, else the encoding charset-normalizer detects (with a warning)."""
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
        position = err.start
    western = _western(data)
    if western is not None:
        parsed.warnings.append(
            Problem(str(path), "not UTF-8: read as cp1252 (Western); re-save as UTF-8 to be sure")
        )
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ArticleError(
            f"not UTF-8 text (bad byte at position {position}) and its encoding could not be "
            "detected; re-save the file as UTF-8"
        )
    parsed.warnings.append(
        Problem(str(path), f"not UTF-8: read as {best.encoding}; re-save as UTF-8 to be sure")
    )
    return str(best)


WESTERN_MAX_SHARE = 0.15  # Western text is mostly ASCII: "£", "é" are a few bytes in a hundred;
#                          a CJK or Cyrillic file is mostly high bytes and goes to detection


def _western(data: bytes) -> str | None:
    """The text as cp1252 (a superset of Latin-1's printable range), when it reads as Western
    text: mostly ASCII, its other bytes letters or typographic marks (not control codes).

    Charset-normalizer alone took a BBC-style Latin-1 file ("£", "é") for cp932 and stored it
    garbled; English and European news outside UTF-8 is nearly always cp1252 or Latin-1.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    high = [ch for ch in text if ord(ch) > 127]
    if not high or len(high) > WESTERN_MAX_SHARE * len(text):
        return None
    readable = sum(ch.isalpha() or unicodedata.category(ch)[0] in "PSZN" for ch in high)
    return text if readable == len(high) else None


def _read_plain(raw: str, rel_id: str, path: str, parsed: ParsedFile) -> None:
    """Seed format, front matter, or plain text whose short first line is the title."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    seed = _SEED_DATE.match(raw)
    if seed and not raw.lstrip().startswith("---"):
        published, body = _seed_date(seed.group(1), path, parsed), raw[seed.end() :]
        if published is None:  # `date` was the first word of the text, not a date line
            body = raw
        parsed.articles.append(make_article(rel_id, path, body=body, published=published))
        return
    front = _FRONT_MATTER.match(raw)
    if front:
        try:
            meta = yaml.safe_load(front.group(1)) or {}
        except yaml.YAMLError as err:
            raise ArticleError(f"front matter is not valid YAML: {err}") from None
        if not isinstance(meta, dict):
            raise ArticleError("front matter must be `key: value` lines")
        parsed.articles.append(_from_record(meta, raw[front.end() :], rel_id, path, parsed))
        return
    title, body = _title_line(raw)
    parsed.articles.append(make_article(rel_id, path, body=body, published=None, title=title))


def _seed_date(value: str, path: str, parsed: ParsedFile) -> dt.date | None:
    try:
        return read_date(value)
    except DateError:
        parsed.warnings.append(
            Problem(path, f"unreadable date {value!r}: indexed as undated; write YYYY-MM-DD")
        )
        return None


def _title_line(raw: str) -> tuple[str | None, str]:
    """`Title\\n\\nBody…` → (Title, Body…): a short first line with no closing punctuation."""
    stripped = raw.lstrip()
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    if (
        rest.strip()
        and first
        and len(first) <= _TITLE_LINE_MAX
        and not first.endswith((".", "!", "?", ",", ";", ":", "”", '"'))
    ):
        return first.lstrip("# ").strip() or None, rest
    return None, raw


def _read_json(raw: str, rel_id: str, path: str, parsed: ParsedFile) -> None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ArticleError(f"invalid JSON at line {err.lineno}: {err.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]  # news APIs wrap their list: {"status": …, "articles": […]}
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        where = path if len(records) == 1 else f"{path}[{index}]"
        record_id = rel_id if len(records) == 1 else _record_id(rel_id, record, index)
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
        _add_record(record, _record_id(rel_id, record, line_no), where, parsed)


def _read_csv(raw: str, rel_id: str, path: str, parsed: ParsedFile) -> None:
    """One article per row under a header row; the header shows the delimiter (`,;\t|`)."""
    csv.field_size_limit(1 << 30)
    header = raw.split("\n", 1)[0]
    delimiter = "\t" if path.lower().endswith(".tsv") else max(",;\t|", key=header.count)
    rows = csv.DictReader(io.StringIO(raw, newline=""), delimiter=delimiter)
    if not rows.fieldnames or not _field(dict.fromkeys(rows.fieldnames, "x"), BODY_FIELDS):
        raise ArticleError(
            f"no body column in the header ({', '.join(rows.fieldnames or [])}); "
            f"name the article text column one of: {', '.join(BODY_FIELDS)}"
        )
    try:
        for row_no, row in enumerate(rows, start=2):  # row 1 is the header
            record = {key: value for key, value in row.items() if key is not None}
            _add_record(record, _record_id(rel_id, record, row_no), f"{path}:row {row_no}", parsed)
    except csv.Error as err:
        raise ArticleError(f"malformed CSV at line {rows.line_num}: {err}") from None


def _record_id(rel_id: str, record: object, position: int) -> str:
    """`file#<id field>` when the record has one (stable if rows move), else `file#<position>`."""
    if isinstance(record, Mapping):
        own = _field(record, ID_FIELDS)
        if own:
            return f"{rel_id}#{own}"
    return f"{rel_id}#{position}"


def _add_record(record: object, record_id: str, where: str, parsed: ParsedFile) -> None:
    try:
        if not isinstance(record, Mapping):
            raise ArticleError("a record must be an object with a body (title and date optional)")
        body = _field(record, BODY_FIELDS)
        parsed.articles.append(_from_record(record, body, record_id, where, parsed))
    except ArticleError as err:
        parsed.problems.append(Problem(where, str(err)))


def _field(record: Mapping, names: Iterable[str]) -> str | None:
    """The first non-empty value among `names` (field names compared case-insensitively)."""
    lowered = {str(key).strip().lower(): value for key, value in record.items()}
    for name in names:
        value = lowered.get(name)
        if isinstance(value, str | int | float) and str(value).strip():
            return str(value).strip() if not isinstance(value, str) else value
    return None


def _from_record(
    meta: Mapping, body: object, rel_id: str, path: str, parsed: ParsedFile
) -> Article:
    if not isinstance(body, str):
        raise ArticleError(
            f"missing body: add the article text under one of {', '.join(BODY_FIELDS)}"
        )
    url = _optional_str(_field(meta, URL_FIELDS))
    published, problem = date_from_fields(meta)
    if published is None:
        published = date_from_url(url)
        if problem and published is None:
            parsed.warnings.append(Problem(path, f"{problem}: indexed as undated"))
    return make_article(
        rel_id,
        path,
        body=body,
        published=published,
        title=_optional_str(_field(meta, TITLE_FIELDS)),
        source=_optional_str(_field(meta, SOURCE_FIELDS)),
        url=url,
    )


def _read_html(raw: str, rel_id: str, path: str, parsed: ParsedFile) -> None:
    import trafilatura  # heavy import, only needed for HTML

    doc = trafilatura.bare_extraction(raw, with_metadata=True)
    if doc is None or not (doc.text or "").strip():
        raise ArticleError("no article text found in the HTML page")
    published = None
    if doc.date:
        try:
            published = read_date(doc.date)
        except DateError:
            published = None
    lines = [line.strip() for line in doc.text.splitlines() if line.strip()]
    if lines and doc.title and lines[0] == doc.title.strip():
        lines = lines[1:]
    parsed.articles.append(
        make_article(
            rel_id,
            path,
            body="\n\n".join(lines),
            published=published or date_from_url(doc.url),
            title=doc.title,
            source=doc.sitename or doc.hostname,
            url=doc.url,
        )
    )


_READERS = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".markdown": _read_plain,
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".csv": _read_csv,
    ".tsv": _read_csv,
    ".html": _read_html,
    ".htm": _read_html,
}


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def make_article(
    rel_id: str,
    path: str,
    *,
    body: str,
    published: dt.date | None,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """Lay out the body (re-flowing hard-wrapped text) and fill in a missing title."""
    text, paragraphs = layout(body)
    if not text:
        raise ArticleError("empty body: the article has no text")
    return Article(
        id=url or rel_id,
        title=title or derive_title(text, paragraphs),
        published=published,
        text=text,
        path=path,
        source=source,
        url=url,
        paragraphs=paragraphs,
        title_derived=not title,
    )


def derive_title(text: str, paragraphs: tuple[Paragraph, ...]) -> str:
    """First sentence of the first body paragraph, trimmed at a word boundary."""
    from retrieval.text.sentences import sentence_spans

    first = next((p for p in paragraphs if not p.heading), paragraphs[0])
    spans = sentence_spans(text, first.start, first.end)
    start, end = spans[0] if spans else (first.start, first.end)
    sentence = text[start:end].strip().lstrip("#").strip()
    if len(sentence) <= _TITLE_MAX:
        return sentence.rstrip(".")
    cut = sentence[:_TITLE_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
