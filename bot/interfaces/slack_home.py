"""App Home: what the archive holds and how to ask it, as a pure view builder.

`app_home_opened` → `views.publish` with this view: the archive's figures, its sources (with
counts and date ranges), the newest stories, the followed feeds (last success, last error),
the user's last questions, and how to ask. Slack caps a home view at 100 blocks; the long
lists are cut with a line saying how many more there are.
"""

from __future__ import annotations

from bot.interfaces.slack_blocks import HELP_TEXT, NO_FEEDS, escape, feed_line, shorten

SOURCES_SHOWN = 12
FEEDS_SHOWN = 10


def home_view(overview: dict, recent: list[dict]) -> dict:
    """The Home tab for one user: `overview` from `Newsdesk.overview()`, `recent` their
    last questions (`SlackStore.recent_questions`)."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "The news archive"}},
        _section(_figures(overview)),
        {"type": "divider"},
        _section("*Sources*\n" + _sources(overview["sources"])),
    ]
    if overview.get("newest"):
        blocks.append(_section("*Newest stories*\n" + _newest(overview["newest"])))
    blocks += [
        _section("*Feeds*\n" + _feeds(overview["feeds"])),
        {"type": "divider"},
        _section("*Your last questions*\n" + _recent(recent)),
        _section(HELP_TEXT),
    ]
    return {"type": "home", "blocks": blocks}


def _figures(overview: dict) -> str:
    refreshed = overview.get("last_refresh") or "never"
    return (
        f"*{overview['articles']:,}* articles · *{overview['quotes']:,}* quotes · "
        f"*{overview['chunks']:,}* passages · last refresh {escape(refreshed)}"
    )


def _sources(rows: list[dict]) -> str:
    if not rows:
        return "_No articles yet._"
    lines = []
    for row in rows[:SOURCES_SHOWN]:
        name = escape(row["source"]) if row["source"] else "_no source given_"
        span = f"{row['first']} – {row['last']}" if row["first"] else "undated"
        undated = f", {row['undated']} undated" if row["first"] and row["undated"] else ""
        lines.append(f"• *{name}* — {row['articles']:,} articles, {span}{undated}")
    if len(rows) > SOURCES_SHOWN:
        lines.append(f"_…and {len(rows) - SOURCES_SHOWN} more sources_")
    return "\n".join(lines)


def _newest(rows: list[dict]) -> str:
    return "\n".join(f"• {escape(r['title'])} — {r['published']}" for r in rows)


def _feeds(rows: list[dict]) -> str:
    if not rows:
        return f"_{NO_FEEDS}._"
    lines = [feed_line(row) for row in rows[:FEEDS_SHOWN]]
    if len(rows) > FEEDS_SHOWN:
        lines.append(f"_…and {len(rows) - FEEDS_SHOWN} more feeds_")
    return "\n".join(lines)


def _recent(rows: list[dict]) -> str:
    if not rows:
        return "_None yet — ask away._"
    return "\n".join(
        f"• {escape(r['question'] or '(a question)')} — {r['time'][:16].replace('T', ' ')}"
        + ("" if r["found"] else " _(not in the archive)_")
        for r in rows
    )


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": shorten(text)}}
