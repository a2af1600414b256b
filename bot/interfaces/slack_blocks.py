"""Block Kit payloads and Slack text handling, as pure functions tests can assert on.

Article text is untrusted inside Slack: `<`, `>` and `&` are escaped so a quote can never
become `<!channel>`, a user mention or a link, and long quotes are shortened to fit Slack's
block limits (the full quote stays in `ask --json` and the feedback records).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.answer.said import QuoteList
from bot.answer.types import Answer, Citation
from bot.answer.wording import human_date
from bot.follows.book import Follow
from bot.follows.following import Alert, Followed
from bot.interfaces.commands import SLACK, FeedChange, help_lines

MORE_SOURCES_ACTION = "newsdesk_more_sources"
VOTE_UP_ACTION = "newsdesk_vote_up"
VOTE_DOWN_ACTION = "newsdesk_vote_down"
FEEDBACK_ACTION = "newsdesk_feedback"  # Slack's own feedback_buttons: value "up:ID" / "down:ID"
WHO_SAID_SHORTCUT = "newsdesk_who_said"  # the message shortcut's callback id (manifests)
STOP_FOLLOWING_ACTION = "newsdesk_unfollow"  # under an alert: value is the follow's number
_QUOTE_LIMIT = 700
_SECTION_LIMIT = 2900

HELP_TEXT = "\n".join([
    "*Ask the news archive.* Every answer quotes its sources.",
    "• `@newsdesk what did Asif say about Tora Bora?` in a channel (answer in the thread)",
    "• a direct message to the app, or its assistant pane",
    "• `/newsdesk <question>` (only you see the answer; add `--share` to post it)",
    "• reply in an answered thread to follow up: _when did he say it?_",
    '• check a quote: `who said "…"?`, or the message menu\'s *Who said this?*',
    '• narrow it down: `since:2025-10-01`, `until:2025-10-31`, `source:"Geo News"`',
    *(f"• `{usage}` {what}" for usage, what in (
        line.split(" — ", 1) for line in help_lines(SLACK, "/newsdesk ")
    )),
])  # fmt: skip

_USER_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL_LINK = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
_LABELED_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]*)>")
_BARE_LINK = re.compile(r"<((?:https?|mailto):[^>]+)>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+\|)?([^>|]+)(?:\|[^>]*)?>")


def clean_question(text: str) -> str:
    """Slack markup → plain words: mentions dropped, links to their labels, entities decoded."""
    text = _USER_MENTION.sub(" ", text)
    text = _CHANNEL_LINK.sub(r"#\1", text)
    text = _LABELED_LINK.sub(r"\2", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _SPECIAL.sub(r"@\1", text)
    text = html.unescape(text)
    return re.sub(r"\s+", " ", text).strip()


def escape(text: str) -> str:
    """Make untrusted text inert in mrkdwn: no mentions, links or broadcast pings."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int = _SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def placeholder_blocks() -> tuple[str, list[dict]]:
    text = ":mag: Searching the archive…"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def draft_blocks(text: str) -> tuple[str, list[dict]]:
    body = escape(shorten(text, _SECTION_LIMIT)) + " …"
    note = {"type": "mrkdwn", "text": "_drafting — citations are checked when the answer is done_"}
    return text, [
        {"type": "section", "text": {"type": "mrkdwn", "text": body}},
        {"type": "context", "elements": [note]},
    ]


def citation_block(citation: Citation) -> dict:
    title = escape(citation.title)
    if citation.url:
        title = f"<{citation.url}|{title}>"
    where = f"{human_date(citation.published)} · {citation.where}"
    if citation.source:
        where += f" · {escape(citation.source)}"
    quote = escape(shorten(citation.quote, _QUOTE_LIMIT))
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"*[{citation.n}]* {title} — {where}\n> {quote}"}],
    }


@dataclass(frozen=True)
class Look:
    """How a workspace takes an answer's blocks: Slack's own feedback buttons
    (`context_actions`) or plain 👍/👎 buttons; [n] markers as Slack's citation elements
    (numbered, hoverable sources) or as text, with the sources listed below either way."""

    native_feedback: bool = True
    citation_elements: bool = True


RICHEST = Look()  # what a workspace gets until it refuses something


@dataclass(frozen=True)
class Scoped:
    """The scope an answer was given under, for its footer: the channel's own, or (in the
    app's DM) the scope of the channel the user is looking at."""

    described: str
    viewing: str | None = None  # the channel id whose scope a DM answer followed


def answer_blocks(
    answer: Answer, answer_id: str | None, scope: Scoped | None = None, look: Look = RICHEST
) -> tuple[str, list[dict]]:
    """(fallback text, blocks) for an answer; buttons only when the answer is stored."""
    body = citation_text_block(answer) if look.citation_elements else None
    if body is None:
        text = escape(shorten(answer.text, _SECTION_LIMIT))
        body = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return answer.text, [body, *answer_tail_blocks(answer, answer_id, scope, look)]


_MARKER = re.compile(r"\[(\d+)\]")


def citation_text_block(answer: Answer) -> dict | None:
    """The answer's text as rich text whose [n] markers are Slack citation elements: the
    article's URL, its title and date, the quoted passage as the hover text. None when no
    cited article has a URL (Slack requires one; the sources are listed below anyway)."""
    linked = {c.n: c for c in answer.citations if c.url}
    if not linked:
        return None
    text, elements, at = shorten(answer.text, _SECTION_LIMIT), [], 0
    for marker in _MARKER.finditer(text):
        citation = linked.get(int(marker.group(1)))
        if citation is None:
            continue
        if marker.start() > at:
            elements.append({"type": "text", "text": text[at : marker.start()]})
        elements.append(citation_element(citation))
        at = marker.end()
    if at < len(text):
        elements.append({"type": "text", "text": text[at:]})
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": elements}]}


def citation_element(citation: Citation) -> dict:
    """Slack's citation element for one source (rich text: its text is never read as
    markup). `from_llm` is false: newsdesk's citations are passages checked against the
    archive, whoever wrote the sentence around them."""
    return {
        "type": "citation",
        "url": citation.url,
        "text": f"[{citation.n}]",
        "index": citation.n,
        "details": {
            "citation_type": "web",
            "display_name": citation.source or "newsdesk archive",
            "title": f"{citation.title} — {human_date(citation.published)}, {citation.where}",
            "snippet": shorten(citation.quote, _QUOTE_LIMIT),
        },
        "from_llm": False,
    }


def answer_tail_blocks(
    answer: Answer, answer_id: str | None, scope: Scoped | None = None, look: Look = RICHEST
) -> list[dict]:
    """Everything below an answer's text: note, citations, scope footer, buttons. A
    streamed answer ends with these (`chat.stopStream`), its text having been streamed."""
    native = look.native_feedback
    blocks: list[dict] = []
    if answer.note:
        blocks.append(_context(f"_{escape(answer.note)}_"))
    blocks += [citation_block(c) for c in answer.citations]
    if scope:
        blocks.append(_context(scope_footer(scope)))
    if not answer_id:
        return blocks
    buttons = [_button("More sources", MORE_SOURCES_ACTION, answer_id)] if answer.more else []
    if answer.found and not native:
        buttons.append(_button("👍", VOTE_UP_ACTION, answer_id))
        buttons.append(_button("👎", VOTE_DOWN_ACTION, answer_id))
    if buttons:
        blocks.append({"type": "actions", "block_id": "newsdesk_actions", "elements": buttons})
    if answer.found and native:
        blocks.append(feedback_block(answer_id))
    return blocks


def feedback_block(answer_id: str) -> dict:
    """Slack's feedback buttons under an answer: a click sends FEEDBACK_ACTION, "up:ID"."""

    def button(label: str, vote: str) -> dict:
        return {
            "text": {"type": "plain_text", "text": label},
            "value": f"{vote}:{answer_id}",
            "accessibility_label": f"Mark this answer as {label.lower()}",
        }

    element = {
        "type": "feedback_buttons",
        "action_id": FEEDBACK_ACTION,
        "positive_button": button("Good answer", "up"),
        "negative_button": button("Bad answer", "down"),
    }
    return {"type": "context_actions", "block_id": "newsdesk_feedback", "elements": [element]}


def scope_footer(scope: Scoped) -> str:
    if scope.viewing:
        return (
            f":pushpin: _Answered within the scope of <#{scope.viewing}>, the channel you are "
            f"looking at: {escape(scope.described)}._"
        )
    described = escape(scope.described)
    return f":pushpin: _This channel's answers cite only {described} (`/newsdesk scope`)._"


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def more_sources_blocks(answer: Answer) -> tuple[str, list[dict]]:
    text = f"More passages for “{answer.question}”"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": escape(text)}}]
    return text, blocks + [citation_block(c) for c in answer.more]


def quotes_blocks(found: QuoteList, limit: int = 10) -> tuple[str, list[dict]]:
    """A person's quotes, newest last, at most `limit` of them (Slack caps a message)."""
    if found.problem:
        return notice_blocks(escape(found.problem))
    shown = found.citations[-limit:]
    text = f"{found.name}: {len(found.citations)} quotes"
    if len(found.citations) > limit:
        text += f" (the latest {limit} shown)"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(text)}*"}}]
    return text, blocks + [citation_block(c) for c in shown]


def speakers_blocks(rows: list[dict], limit: int = 25) -> tuple[str, list[dict]]:
    """Who the archive quotes, most quoted first."""
    if not rows:
        return notice_blocks("No one is quoted in the archive under that name.")
    lines = [
        f"• *{escape(r['name'])}* — {r['quotes']} quotes in {len(r['articles'])} articles"
        for r in rows[:limit]
    ]
    text = f"{len(rows)} speakers quoted"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]


def notice_blocks(text: str) -> tuple[str, list[dict]]:
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def _button(label: str, action_id: str, value: str) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value,
    }


NO_FEEDS = "No feeds followed yet. An admin can add one: `/newsdesk feeds add URL`"


def feeds_text(rows: list[dict]) -> str:
    """The followed feeds for Slack: entries taken, last success, last error."""
    if not rows:
        return NO_FEEDS
    return "\n".join(["*Followed feeds*", *map(feed_line, rows)])


def feed_line(row: dict) -> str:
    """One followed feed (`Feed.to_dict()`): entries taken, last success, its last error."""
    line = f"• {escape(row['url'])} — {row['entries']} entries, last success "
    line += escape(row["last_success"] or "never")
    if row["last_error"]:
        line += f"\n   :warning: last error: {escape(row['last_error'])}"
    return line


def command_result(name: str, result: object) -> tuple[str, list[dict]]:
    """A table command's result as Slack text and blocks (`bot.interfaces.commands`)."""
    if name == "quotes":
        return quotes_blocks(result)
    if name == "speakers":
        return speakers_blocks(result)
    if isinstance(result, FeedChange):
        if result.action == "add":
            return f"Following {result.url}. Its new entries are indexed as they are polled.", []
        removed = result.removed_articles
        return f"Stopped following {result.url}; {removed} articles removed.", []
    if name == "feeds":
        return feeds_text(result), []
    if isinstance(result, Followed):
        return f"#{result.follow.id} {escape(result.message)}", []
    if name == "follows":
        return follows_text(result), []
    if name == "unfollow":
        return f"Stopped following {escape(result.describe())} (#{result.id}).", []
    counts = ", ".join(f"{value} {kind}" for kind, value in result.counts().items())
    problems = "".join(f"\n• {escape(str(p))}" for p in result.failed[:10])
    return f"Refresh done in {result.seconds:.1f} s: {counts}.{problems}", []


def follows_text(follows: list[Follow]) -> str:
    """This channel's follows, one line each, as `/newsdesk follows` lists them."""
    if not follows:
        return "Nothing is followed here. Try `/newsdesk follow Khawaja Asif about Taliban`."
    lines = [f"• #{f.id} {escape(f.describe())}" for f in follows]
    return "*Followed here* (`/newsdesk unfollow N` stops one):\n" + "\n".join(lines)


def alert_blocks(alert: Alert, look: Look = RICHEST) -> tuple[str, list[dict]]:
    """A follow's message: its matches as a cited answer, and a button that stops it."""
    text, payload = answer_blocks(alert.answer, None, None, look)
    stop = _button("Stop following", STOP_FOLLOWING_ACTION, str(alert.follow.id))
    actions = {"type": "actions", "block_id": "newsdesk_follow", "elements": [stop]}
    return text, [*payload, actions]
