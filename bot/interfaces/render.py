"""How answers, reports and stats look in a terminal (rich); pure functions, no I/O of their own."""

from __future__ import annotations

import re

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bot.answer.said import QuoteList
from bot.answer.types import Answer, Citation
from bot.answer.wording import human_date as _human_date
from bot.follows.book import Follow
from bot.follows.following import Alert
from retrieval.ingest.report import IngestReport

_MARKER = re.compile(r"\[(\d+)\]")


def answer_view(answer: Answer, title: str | None = None) -> Group:
    """The answer with highlighted [n] markers, then one block per citation."""
    body = Text()
    for part in _MARKER.split(answer.text):
        if part.isdigit():
            body.append(f"[{part}]", style="bold cyan")
        else:
            body.append(part)
    heading, style = ("answer", "green") if answer.found else ("no evidence", "yellow")
    parts = [Panel(body, title=title or heading, border_style=style)]
    if answer.note:
        parts.append(Text(answer.note, style="dim italic"))
    parts += [citation_view(c) for c in answer.citations]
    return Group(*parts)


def citation_view(citation: Citation) -> Text:
    where = f"{_human_date(citation.published)} · {citation.where}"
    if citation.section:
        where += f" · {citation.section}"
    if citation.source:
        where += f" · {citation.source}"
    text = Text()
    text.append(f"[{citation.n}] ", style="bold cyan")
    text.append(citation.title, style="bold")
    text.append(f"\n    {where}\n", style="dim")
    if citation.url:
        text.append(f"    {citation.url}\n", style="blue underline")
    text.append(f"    ❝ {citation.quote}", style="italic")
    return text


def report_view(report: IngestReport) -> Text:
    counts = report.counts()
    line = Text()
    styles = {
        "added": "green",
        "updated": "cyan",
        "unchanged": "dim",
        "removed": "magenta",
        "failed": "red",
    }
    for i, (name, value) in enumerate(counts.items()):
        if i:
            line.append(" · ")
        line.append(f"{value} {name}", style=styles[name] if value else "dim")
    if report.undated:
        line.append(f" · {report.undated} undated", style="dim")
    if report.stripped.segments:
        line.append(f" · {report.stripped.segments} boilerplate segments stripped", style="dim")
    timing = f"  ({report.chunks_embedded} chunks embedded in {report.seconds:.1f} s)"
    line.append(timing, style="dim")
    return line


def problems_view(report: IngestReport) -> Text:
    """What was skipped (warning) and what was read with a caveat (note), a line each."""
    text = Text()
    for problem in report.failed:
        text.append("warning: ", style="bold yellow")
        text.append(f"{escape(problem.path)}: {problem.reason}\n")
    for caveat in report.warnings:
        text.append("note: ", style="bold cyan")
        text.append(f"{escape(caveat.path)}: {caveat.reason}\n")
    return text


def stats_view(stats: dict) -> Table:
    table = Table(show_header=False, box=None)
    for key, value in stats.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        table.add_row(Text(key.replace("_", " "), style="bold"), shown)
    return table


def feedback_view(rows: list[dict]) -> Table:
    table = Table("time", "user", "vote", "question", "answer")
    for row in rows:
        vote = "👍" if row["vote"] == "up" else "👎"
        table.add_row(row["time"], row["user"], vote, row["question"], row["answer"][:80])
    return table


def feeds_view(rows: list[dict]) -> Table | Text:
    if not rows:
        return Text("No feeds followed. Add one: newsdesk feeds add URL", style="dim")
    table = Table("feed", "source", "entries", "last success", "last error")
    for row in rows:
        error = Text(row["last_error"] or "", style="red")
        table.add_row(row["url"], row["source"] or "", str(row["entries"]),
                      row["last_success"] or "never", error)  # fmt: skip
    return table


def poll_view(report) -> Text:
    return Text(
        f"Polled {report.feeds_polled} feeds: {report.requests} requests "
        f"({report.not_modified} unchanged), {len(report.written)} new entries, "
        f"{len(report.replaced)} updated, {report.duplicates} duplicates skipped."
    )


def speakers_view(rows: list[dict], detailed: bool = False) -> Table | Text:
    """Who is quoted, most first; with `detailed`, the articles each one is quoted in."""
    if not rows:
        return Text("No one is quoted in the archive under that name.", style="yellow")
    table = Table("speaker", "quotes", "articles", *(["quoted in"] if detailed else []))
    for row in rows:
        cells = [row["name"], str(row["quotes"]), str(len(row["articles"]))]
        if detailed:
            cells.append(
                "\n".join(
                    f"{a['published'] or 'undated'} · {a['title']}" for a in row["articles"][:20]
                )
            )
        table.add_row(*cells)
    return table


def quotes_view(found: QuoteList) -> Group | Text:
    """A person's quotes in date order, each a citation block."""
    if found.problem:
        return Text(found.problem, style="yellow")
    header = Text(f"{found.name}: {len(found.citations)} quotes", style="bold")
    return Group(header, *(citation_view(c) for c in found.citations))


def follows_view(follows: list[Follow]) -> Table | Text:
    """This channel's follows: number, what, how often, since when, last message."""
    if not follows:
        return Text('No follows here. Try: follow Khawaja Asif about Taliban, or follow topic "…"')
    table = Table("#", "following", "where", "cadence", "since", "last message")
    for follow in follows:
        row = follow.to_dict()
        table.add_row(
            str(follow.id), escape(follow.describe()), follow.channel, follow.cadence,
            (row["created_at"] or "")[:16], (row["last_sent_at"] or "—")[:16],
        )  # fmt: skip
    return table


def alerts_view(alerts: list[Alert]) -> Group | Text:
    """What matched each follow: one cited message per follow, as Slack would get it."""
    if not alerts:
        return Text("Nothing new for your follows.", style="dim")
    return Group(*(answer_view(a.answer, f"follow #{a.follow.id}") for a in alerts))
