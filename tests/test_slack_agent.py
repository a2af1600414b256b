"""Slack's agent view, through signed requests to the real Bolt app and the recording fake
Web API: the DM opened, a question at the DM's top, what the user is looking at, and
native citation elements (falling back to text markers where a workspace refuses them).

The archive is the two seed stories as a publisher's JSON feed would give them, with
URLs: Slack's citation element needs one."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from bot.interfaces.slack_store import SlackStore
from bot.service import Newsdesk
from retrieval.settings import SEEDS_DIR
from retrieval.types import SearchFilters

from .conftest import make_settings
from .test_slack import ADMIN, SlackRig, context_texts, rig

__all__ = ["rig"]  # test_slack's rig, over this module's archive with URLs

SEED_DATE = re.compile(r"^\s*date\s+(\S+)\s*")


def _as_feed(folder) -> list[dict]:
    """The seed stories as JSON records with a title, a URL, a date and a source."""
    records = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        date = SEED_DATE.match(text)
        body = text[date.end() :] if date else text
        records.append({
            "title": body.split(".")[0][:80],
            "url": f"https://news.example.org/{path.stem}",
            "date": date.group(1) if date else None,
            "source": "Example News",
            "body": body,
        })  # fmt: skip
    (folder / "feed.json").write_text(json.dumps(records), encoding="utf-8")
    return records


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Newsdesk:
    root = tmp_path_factory.mktemp("agent")
    (root / "articles").mkdir()
    _as_feed(root / "articles")
    desk = Newsdesk(make_settings(root / "data", root / "articles", slack_admins=[ADMIN]))
    desk.refresh()
    desk.warm_up()
    return desk


@pytest.fixture
def store(desk):
    store = SlackStore.for_settings(desk.settings)
    yield store
    store.close()


def dm(text: str, ts: str, user: str = "UASKER") -> dict:
    return {"type": "message", "channel_type": "im", "channel": "D1", "user": user,
            "text": text, "ts": ts}  # fmt: skip


def context_changed(user: str, entity: dict, channel: str = "D1") -> dict:
    return {"type": "app_context_changed", "user": user, "channel": channel,
            "event_ts": "1.000001", "context": {"entities": [entity]}}  # fmt: skip


def channel_entity(channel: str) -> dict:
    return {"type": "slack#/types/channel_id", "value": channel, "team_id": "T1"}


def prompts_of(call) -> list[dict]:
    sent = call.payload["prompts"]
    return json.loads(sent) if isinstance(sent, str) else sent


def citations_in(blocks: list[dict]) -> list[dict]:
    return [
        element
        for block in blocks if block["type"] == "rich_text"
        for section in block["elements"] for element in section["elements"]
        if element["type"] == "citation"
    ]  # fmt: skip


def test_opening_the_dm_offers_prompts_drawn_from_the_archive(rig, desk):
    """`app_home_opened` on the Messages tab (the agent's DM): prompts, not App Home."""
    event = {"type": "app_home_opened", "user": "UASKER", "channel": "D1", "tab": "messages"}
    assert rig.send_event(event)[0] == 200
    [call] = rig.fake.wait_for("assistant.threads.setSuggestedPrompts")
    assert call.payload["channel_id"] == "D1"
    messages = [p["message"] for p in prompts_of(call)]
    assert f"What did {desk.speakers()[0]['name']} say?" in messages
    assert rig.fake.of("views.publish") == [] and rig.fake.of("chat.postMessage") == []


def test_a_dm_question_is_titled_shown_searching_and_answered_with_citation_elements(rig):
    rig.send_event(dm("What did Asif say about Tora Bora?", "2100.000001"))
    [answer] = rig.fake.answers()
    [status] = rig.fake.of("assistant.threads.setStatus")
    [title] = rig.fake.of("assistant.threads.setTitle")
    assert status.at < answer.at and status.payload["thread_ts"] == "2100.000001"
    assert title.payload["title"] == "What did Asif say about Tora Bora?"
    assert answer.payload["channel"] == "D1" and answer.payload["thread_ts"] == "2100.000001"
    blocks = answer.payload["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    cited = citations_in(blocks)
    assert cited and [c["index"] for c in cited] == sorted({c["index"] for c in cited})
    seeds = " ".join(p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("*.txt"))
    for element in cited:
        assert element["url"].startswith("https://news.example.org/")
        assert element["text"] == f"[{element['index']}]" and element["from_llm"] is False
        assert element["details"]["snippet"].rstrip("…") in seeds  # the quoted passage
    assert "It is definitely a possibility" in " ".join(context_texts(blocks))  # listed too


def test_refused_citation_elements_fall_back_to_text_markers_from_then_on(rig):
    rig.fake.refuse_blocks.add("citation")
    rig.send_event(dm("What did Asif say about Tora Bora?", "2200.000001"))
    [answer] = rig.fake.answers()
    assert answer.payload["blocks"][0]["type"] == "section"
    assert "[1]" in answer.payload["blocks"][0]["text"]["text"]
    assert "context_actions" in {b["type"] for b in answer.payload["blocks"]}  # kept
    rig.send_event(dm("What did Tarar say about the talks?", "2200.000002"))
    rig.fake.answers(2)
    refused = [c for c in rig.fake.of("chat.postMessage") if not c.response.get("ok")]
    assert len(refused) == 1  # the second answer went out plain at once


ASKED = "What did Asif say about restraint?"  # the 26 November story answers it


def test_the_channel_looked_at_scopes_the_next_dm_answer_on_any_replica(desk, store):
    """`app_context_changed` to a scoped channel, seen by one replica; the DM question,
    taken by another, cites only what that channel may, and says so in its footer."""
    store.set_scope("C9", SearchFilters(until=dt.date(2025, 11, 1)), ADMIN)
    first, second = SlackRig(desk), SlackRig(desk)
    try:
        first.send_event(context_changed("UVIEWER", channel_entity("C9")))
        first.fake.wait_for("assistant.threads.setSuggestedPrompts")
        second.send_event(dm(ASKED, "2300.000001", "UVIEWER"))
        [answer] = second.fake.answers()
        cited = citations_in(answer.payload["blocks"])
        assert not any("000_" in c["url"] for c in cited)  # not the 26 November story
        footer = context_texts(answer.payload["blocks"])[-1]
        assert "<#C9>" in footer and "until 2025-11-01" in footer

        first.send_event(context_changed("UVIEWER", channel_entity("C10")))  # unscoped
        first.fake.wait_for("assistant.threads.setSuggestedPrompts", count=2)
        second.send_event(dm(ASKED, "2300.000002", "UVIEWER"))
        later = second.fake.answers(2)[1]
        assert not any("<#C" in text for text in context_texts(later.payload["blocks"]))
        assert any("000_" in c["url"] for c in citations_in(later.payload["blocks"]))
    finally:
        store.clear_scope("C9")
        store.set_viewing("UVIEWER", None, None)
        first.close()
        second.close()


def test_a_quote_in_the_message_looked_at_is_offered_as_who_said_this(rig, store):
    rig.fake.add_user_message(
        "C5", "2400.000001", "Asif just said “It will be folly to trust them” on TV"
    )
    message = {"type": "slack#/types/message_context", "team_id": "T1",
               "value": {"channel_id": "C5", "message_ts": "2400.000001"}}  # fmt: skip
    try:
        rig.send_event(context_changed("UQUOTER", message))
        [call] = rig.fake.wait_for("assistant.threads.setSuggestedPrompts")
        first = prompts_of(call)[0]
        assert first["title"] == "Who said this?"
        assert first["message"] == 'who said "It will be folly to trust them"?'
        rig.send_event(dm(first["message"], "2400.000002", "UQUOTER"))
        [checked] = rig.fake.wait_for("chat.postMessage")
        assert "Khawaja Asif said it" in checked.payload["text"]
    finally:
        store.set_viewing("UQUOTER", None, None)
