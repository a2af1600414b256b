"""The assistant pane, App Home, "Who said this?" and channel scopes, through signed requests
to the real Bolt app, its Web API calls recorded by the local fake Slack."""

from __future__ import annotations

import json
import time

import pytest

from bot.interfaces import slack_blocks

from .slack_fake import BOT_USER
from .test_slack import ADMIN, SlackRig, context_texts, desk, mention, rig

# The module-scoped seeded service and the per-test rig, shared with test_slack.
__all__ = ["desk", "rig"]


def assistant_started(thread_ts: str, channel: str = "D1") -> dict:
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": "UASKER",
            "channel_id": channel,
            "thread_ts": thread_ts,
            "context": {"channel_id": "C1", "team_id": "T1"},
        },
        "event_ts": thread_ts,
    }


def assistant_message(text: str, ts: str, thread_ts: str, channel: str = "D1") -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": "UASKER",
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
    }


def shortcut(rig: SlackRig, text: str, user: str = "UASKER", channel: str = "C1"):
    payload = {
        "type": "message_action",
        "callback_id": slack_blocks.WHO_SAID_SHORTCUT,
        "trigger_id": "1.2.3",
        "user": {"id": user},
        "team": {"id": "T1"},
        "channel": {"id": channel},
        "message": {"type": "message", "user": "UOTHER", "text": text, "ts": "1200.000001"},
        "response_url": "http://127.0.0.1:9/unused",
    }
    return rig.send_form({"payload": json.dumps(payload)})


# -- the assistant pane -------------------------------------------------------------------
def test_assistant_thread_opens_with_prompts_drawn_from_the_archive(rig, desk):
    assert rig.send_event(assistant_started("1000.000001"))[0] == 200
    [prompts] = rig.fake.wait_for("assistant.threads.setSuggestedPrompts")
    greeting = rig.fake.wait_for("chat.postMessage")[0]
    assert greeting.payload["thread_ts"] == "1000.000001" and "quote" in greeting.payload["text"]
    sent = prompts.payload["prompts"]
    if isinstance(sent, str):
        sent = json.loads(sent)
    assert 3 <= len(sent) <= 4
    most_quoted = desk.speakers()[0]["name"]
    messages = [p["message"] for p in sent]
    assert f"What did {most_quoted} say?" in messages
    newest = desk.overview()["newest"][0]["title"]
    assert any(newest in m for m in messages)
    check = next(m for m in messages if m.startswith("Who said"))
    assert desk.who_said(check.split('"')[1]).match == "exact"  # a real quote, trimmed


def test_assistant_question_shows_status_titles_the_thread_and_answers_with_citations(rig):
    question = "What did Asif say about Tora Bora?"
    rig.send_event(assistant_message(question, "1100.000002", "1100.000001"))
    [answer] = rig.fake.answers()
    [status] = rig.fake.of("assistant.threads.setStatus")
    [title] = rig.fake.of("assistant.threads.setTitle")
    assert status.at < answer.at and "searching the archive" in status.payload["status"]
    assert title.payload["title"] == "What did Asif say about Tora Bora?"
    assert answer.payload["channel"] == "D1" and answer.payload["thread_ts"] == "1100.000001"
    assert "It is definitely a possibility" in " ".join(context_texts(answer.payload["blocks"]))

    rig.send_event(assistant_message("when did he say it?", "1100.000003", "1100.000001"))
    follow_up = rig.fake.answers(2)[1]
    assert "29 October 2025" in follow_up.payload["text"]
    assert len(rig.fake.of("assistant.threads.setTitle")) == 1  # titled once, by the first


# -- App Home -----------------------------------------------------------------------------
def test_app_home_shows_the_archive_and_the_users_last_questions(rig, desk):
    rig.send_event(mention(f"<@{BOT_USER}> what did Tarar say about the talks?", "1300.000001"))
    rig.fake.answers()
    event = {"type": "app_home_opened", "user": "UASKER", "channel": "D1", "tab": "home"}
    assert rig.send_event(event)[0] == 200
    [published] = rig.fake.wait_for("views.publish")
    assert published.payload["user_id"] == "UASKER"
    view = published.payload["view"]
    view = json.loads(view) if isinstance(view, str) else view
    text = json.dumps(view, ensure_ascii=False)
    stats = desk.stats()
    assert view["type"] == "home"
    assert f"*{stats['articles']}* articles" in text and f"*{stats['quotes']}* quotes" in text
    assert "2025-10-29 – 2025-11-26" in text  # the archive's date range
    assert "what did Tarar say about the talks?" in text  # this user's last question
    assert "No feeds followed" in text and "/newsdesk who" in text


# -- "Who said this?" ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "pasted",
    [
        "“It is definitely a possibility.”",  # curly, as stored
        '"It will be folly to trust them"',  # straight marks, trimmed
        "it will be a folly to trust them, we tried to remain civil with them",  # near
    ],
)
def test_shortcut_on_a_quoted_message_names_speaker_article_and_date(rig, pasted):
    status, _, took = shortcut(rig, pasted)
    assert status == 200 and took < 3
    [reply] = rig.fake.wait_for("chat.postEphemeral")
    assert reply.payload["user"] == "UASKER" and reply.payload["thread_ts"] == "1200.000001"
    assert "Khawaja Asif said it" in reply.payload["text"]
    cited = " ".join(context_texts(reply.payload["blocks"]))
    assert "October 2025" in cited or "November 2025" in cited


def test_shortcut_says_when_the_archive_does_not_hold_a_quote(rig):
    shortcut(rig, "“We will build a bridge to the moon by next spring,” the mayor said.")
    [reply] = rig.fake.wait_for("chat.postEphemeral")
    assert "does not hold" in reply.payload["text"]
    assert context_texts(reply.payload["blocks"]) == []


def test_slash_who_and_who_said_in_a_mention(rig):
    status, body, _ = rig.command('who "we never target civilians"')
    assert status == 200 and "Looking for that quote" in body
    [reply] = rig.fake.wait_for("chat.postEphemeral")
    assert "Found word for word" in reply.payload["text"]
    assert "26 November 2025" in " ".join(context_texts(reply.payload["blocks"]))

    rig.send_event(
        mention(
            f'<@{BOT_USER}> who said "We will conduct strikes, we definitely will"?', "1400.000001"
        )
    )
    posted = rig.fake.wait_for("chat.postMessage")[0]
    assert "Khawaja Asif said it" in posted.payload["text"]
    assert posted.payload["thread_ts"] == "1400.000001"


# -- channel scopes -----------------------------------------------------------------------
def test_only_admins_set_a_scope_and_answers_in_the_channel_keep_to_it(rig):
    status, body, _ = rig.command("scope since:2025-11-01", user="USOMEONE")
    assert "only newsdesk admins" in body
    assert "no scope" in rig.command("scope")[1]
    status, body, _ = rig.command('scope source:"Nowhere Times"', user=ADMIN)
    assert 'No article comes from source "Nowhere Times"' in body

    status, body, _ = rig.command("scope since:2025-11-01", user=ADMIN)
    assert status == 200 and "Scope set" in body and "since 2025-11-01" in body
    assert "since 2025-11-01" in rig.command("scope")[1]  # anyone may look

    rig.send_event(mention(f"<@{BOT_USER}> what did Asif say about the Taliban?", "1500.000001"))
    [scoped] = rig.fake.answers()
    texts = context_texts(scoped.payload["blocks"])
    cited = [t for t in texts if t.startswith("*[")]
    assert cited and all("26 November 2025" in t for t in cited)
    assert any("cite only since 2025-11-01" in t for t in texts)  # said in the footer

    question = f"<@{BOT_USER}> what did Asif say about Tora Bora?"
    rig.send_event(mention(question, "1500.000009", channel="C2"))
    other = context_texts(rig.fake.answers(2)[1].payload["blocks"])
    assert any("29 October 2025" in t for t in other)  # another channel: the whole archive
    assert not any("cite only" in t for t in other)

    assert "Scope cleared" in rig.command("scope clear", user=ADMIN)[1]
    assert "no scope" in rig.command("scope")[1]


def test_a_question_outside_the_channels_scope_is_told_so(rig):
    rig.command("scope since:2025-11-01", user=ADMIN)
    try:
        rig.send_event(mention(f"<@{BOT_USER}> Tora Bora until:2025-10-31", "1600.000001"))
        [notice] = rig.fake.wait_for("chat.postMessage")
        assert "outside this channel's scope" in notice.payload["text"]
    finally:
        rig.command("scope clear", user=ADMIN)


# -- feedback blocks ----------------------------------------------------------------------
def test_a_workspace_refusing_feedback_buttons_gets_plain_vote_buttons(rig):
    rig.fake.refuse_blocks.add("context_actions")
    rig.send_event(mention(f"<@{BOT_USER}> what did Asif say about Tora Bora?", "1700.000001"))
    answer = rig.fake.answers()[0]
    actions = next(b for b in answer.payload["blocks"] if b["type"] == "actions")
    assert slack_blocks.VOTE_UP_ACTION in {e["action_id"] for e in actions["elements"]}
    time.sleep(0.2)
    refused = [c for c in rig.fake.of("chat.postMessage") if not c.response.get("ok")]
    assert len(refused) == 1


def test_an_ephemeral_answer_falls_back_to_plain_vote_buttons_too(rig):
    rig.fake.refuse_blocks.add("context_actions")
    status, _, _ = rig.command("what did Asif say about Tora Bora?")
    assert status == 200
    shown = [c for c in rig.fake.wait_for("chat.postEphemeral", count=2) if c.response.get("ok")]
    [answer] = [c for c in shown if c.payload.get("blocks")]
    actions = next(b for b in answer.payload["blocks"] if b["type"] == "actions")
    assert slack_blocks.VOTE_UP_ACTION in {e["action_id"] for e in actions["elements"]}
    assert "Tora Bora" in " ".join(context_texts(answer.payload["blocks"]))


@pytest.mark.parametrize("manifest", ["slack-manifest.yml", "slack-manifest-http.yml"])
def test_both_manifests_declare_every_surface_the_app_serves(manifest):
    import yaml

    from retrieval.settings import REPO_ROOT

    declared = yaml.safe_load((REPO_ROOT / "deploy" / manifest).read_text())
    features, settings = declared["features"], declared["settings"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert features["agent_view"]["agent_description"] and "assistant_view" not in features
    [who] = features["shortcuts"]
    assert who["callback_id"] == slack_blocks.WHO_SAID_SHORTCUT and who["type"] == "message"
    events = set(settings["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "app_home_opened", "app_context_changed"} <= events
    assert len(features["agent_view"]["agent_description"]) <= 300  # Slack's limit
    scopes = set(declared["oauth_config"]["scopes"]["bot"])
    assert {"assistant:write", "chat:write", "commands", "im:history"} <= scopes
