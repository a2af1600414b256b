"""The real Bolt app over real signed HTTP, its Web API calls recorded by a local fake Slack."""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid

import pytest
from slack_sdk import WebClient

from bot.answer.types import Answer, Citation
from bot.interfaces import slack_blocks
from bot.interfaces.slack_app import SlackSecrets, create_app, http_server
from bot.service import Newsdesk

from .conftest import run_cli, seeded_desk
from .slack_fake import BOT_USER, FakeSlack, post, serve_fake_slack, signed_headers

SECRET = "test-signing-secret"
ADMIN = "UADMIN"


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Newsdesk:
    root = tmp_path_factory.mktemp("slack")
    return seeded_desk(root, slack_admins=[ADMIN], slack_rate_limit_per_minute=5)


class SlackRig:
    """The app served on 127.0.0.1, a fake Slack, and helpers to send signed requests."""

    def __init__(self, desk: Newsdesk, follows: bool = False) -> None:
        import threading

        self.stop = threading.Event()  # ends this replica's follow delivery, if it runs one
        self.fake = FakeSlack()
        self.fake_server = serve_fake_slack(self.fake)
        port = self.fake_server.server_address[1]
        client = WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/")
        secrets = SlackSecrets(slack_bot_token="xoxb-test", slack_signing_secret=SECRET)
        self.app = create_app(desk, secrets, client, self.stop if follows else None)
        self.server = http_server(self.app, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.fake_server.shutdown()

    def send_event(self, event: dict, event_id: str | None = None, headers: dict | None = None):
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return post(
            self.url, body, {**signed_headers(body, SECRET), **(headers or {})}, "application/json"
        )

    def send_form(self, fields: dict, secret: str = SECRET, timestamp: int | None = None):
        body = urllib.parse.urlencode(fields)
        headers = signed_headers(body, secret, timestamp)
        return post(self.url, body, headers, "application/x-www-form-urlencoded")

    def command(self, text: str, user: str = "UASKER"):
        return self.send_form(
            {
                "command": "/newsdesk",
                "text": text,
                "user_id": user,
                "channel_id": "C1",
                "team_id": "T1",
                "response_url": "http://127.0.0.1:9/unused",
                "trigger_id": "1.2.3",
            }
        )

    def click(self, action_id: str, value: str, user: str = "UASKER"):
        payload = {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": "T1"},
            "channel": {"id": "C1"},
            "message": {"ts": "1.000001", "thread_ts": "1.000000"},
            "actions": [{"action_id": action_id, "value": value, "block_id": "newsdesk_actions"}],
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "1.2.3",
        }
        return self.send_form({"payload": json.dumps(payload)})


def forget_rate_limits(desk: Newsdesk) -> None:
    """The rate limit is kept in the shared store: each test starts with a clean minute."""
    from bot.interfaces.slack_store import SlackStore, asks

    store = SlackStore.for_settings(desk.settings)
    with store.engine.begin() as db:
        db.execute(asks.delete())
    store.close()


@pytest.fixture
def rig(desk):
    forget_rate_limits(desk)
    rig = SlackRig(desk)
    yield rig
    rig.close()


def mention(text: str, ts: str, channel: str = "C1", **extra) -> dict:
    return {
        "type": "app_mention",
        "user": "UASKER",
        "text": text,
        "ts": ts,
        "channel": channel,
        **extra,
    }


def context_texts(blocks: list[dict]) -> list[str]:
    return [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]


def test_mention_is_acked_at_once_and_answered_in_its_thread(rig):
    status, _, took = rig.send_event(
        mention(f"<@{BOT_USER}> what did Asif say about Tora Bora?", "100.000001")
    )
    assert status == 200 and took < 3
    [answer] = rig.fake.answers()
    assert answer.method == "chat.postMessage"  # extractive: posted whole, no draft
    assert answer.payload["thread_ts"] == "100.000001"
    blocks = answer.payload["blocks"]
    assert "[1]" in blocks[0]["text"]["text"]
    cited = " ".join(context_texts(blocks))
    assert "It is definitely a possibility" in cited and "rout at Tora Bora" in cited
    assert "29 October 2025" in cited
    feedback = next(b for b in blocks if b["type"] == "context_actions")
    [buttons] = feedback["elements"]
    assert buttons["type"] == "feedback_buttons"
    assert buttons["positive_button"]["value"].startswith("up:")
    assert rig.fake.of("chat.update") == []


def test_bad_or_stale_signatures_are_rejected(rig):
    fields = {"command": "/newsdesk", "text": "help", "user_id": "U1", "channel_id": "C1"}
    assert rig.send_form(fields, secret="wrong-secret")[0] == 401
    assert rig.send_form(fields, timestamp=int(time.time()) - 600)[0] == 401
    assert rig.fake.of("chat.postMessage") == [] and rig.fake.of("chat.postEphemeral") == []


def test_direct_message_is_answered_in_its_thread_in_the_dm(rig):
    """The agent view: each message at the top of the DM starts a thread, answered in it."""
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "UASKER",
        "text": "What did Mujahid say about the strikes?",
        "ts": "200.000001",
    }
    assert rig.send_event(event)[0] == 200
    [answer] = rig.fake.answers()
    assert answer.payload["channel"] == "D1" and answer.payload["thread_ts"] == "200.000001"
    assert "Mujahid" in answer.payload["text"]


def test_thread_reply_is_a_follow_up_of_the_earlier_answer(rig):
    rig.fake.add_user_message(
        "C1", "300.000001", f"<@{BOT_USER}> what did Asif say about Tora Bora?"
    )
    rig.send_event(mention(f"<@{BOT_USER}> what did Asif say about Tora Bora?", "300.000001"))
    rig.fake.answers()
    rig.fake.add_user_message("C1", "300.000009", "when did he say it?", thread_ts="300.000001")
    reply = {
        "type": "message",
        "channel_type": "channel",
        "channel": "C1",
        "user": "UASKER",
        "text": "when did he say it?",
        "ts": "300.000009",
        "thread_ts": "300.000001",
    }
    rig.send_event(reply)
    second = rig.fake.answers(2)[1]
    assert "29 October 2025" in second.payload["text"]
    assert rig.fake.of("conversations.replies")
    assert rig.fake.of("chat.postMessage")[1].payload["thread_ts"] == "300.000001"


def test_message_in_a_thread_the_bot_never_answered_is_ignored(rig):
    reply = {
        "type": "message",
        "channel_type": "channel",
        "channel": "C1",
        "user": "UASKER",
        "text": "lunch anyone?",
        "ts": "400.000002",
        "thread_ts": "400.000001",
    }
    rig.send_event(reply)
    time.sleep(1)
    assert rig.fake.of("chat.postMessage") == []


def test_retried_event_delivery_is_answered_once(rig):
    event = mention(f"<@{BOT_USER}> Gul Bahadur", "500.000001")
    assert rig.send_event(event, event_id="EvRETRY1")[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert rig.send_event(event, event_id="EvRETRY1", headers=retry)[0] == 200
    rig.fake.answers()
    time.sleep(1)
    assert len(rig.fake.of("chat.postMessage")) == 1


def test_slash_command_is_ephemeral_unless_shared(rig):
    status, body, took = rig.command("What did Tarar say about the talks?")
    assert status == 200 and took < 3 and "Searching the archive" in body
    ephemeral = rig.fake.wait_for("chat.postEphemeral")[0]
    assert ephemeral.payload["user"] == "UASKER" and "Tarar" in ephemeral.payload["text"]
    assert rig.fake.of("chat.postMessage") == []

    rig.command("What did Tarar say about the talks? --share")
    assert rig.fake.answers()[0].payload["channel"] == "C1"


def test_slash_quotes_lists_what_someone_said_only_to_the_asker(rig):
    status, body, took = rig.command("quotes Asif about Tora Bora")
    assert status == 200 and took < 3 and "Asif" in body
    ephemeral = rig.fake.wait_for("chat.postEphemeral")[0]
    text = json.dumps(ephemeral.payload["blocks"], ensure_ascii=False)
    assert ephemeral.payload["user"] == "UASKER" and "rout at Tora Bora" in text
    assert "Khawaja Asif" in ephemeral.payload["text"]
    rig.command("speakers")
    listing = rig.fake.wait_for("chat.postEphemeral", count=2)[-1]
    assert "Attaullah Tarar" in json.dumps(listing.payload["blocks"])


def test_slash_help_answers_in_the_ack(rig):
    status, body, _ = rig.command("help")
    assert status == 200 and "/newsdesk" in body


def test_feedback_click_is_stored_and_listed(rig, desk):
    rig.send_event(mention(f"<@{BOT_USER}> what did Asif say about Tora Bora?", "600.000001"))
    answer = rig.fake.answers()[0]
    answer_id = answer.payload["metadata"]["event_payload"]["answer_id"]
    status, _, took = rig.click(slack_blocks.FEEDBACK_ACTION, f"down:{answer_id}", "UCRITIC")
    assert status == 200 and took < 3
    thanks = rig.fake.wait_for("chat.postEphemeral")[0]
    assert thanks.payload["user"] == "UCRITIC"
    result = run_cli("feedback", "--json", env={"NEWSDESK_DATA_DIR": str(desk.settings.data_dir)})
    rows = [r for r in json.loads(result.stdout) if r["user"] == "UCRITIC"]
    assert rows and rows[-1]["vote"] == "down"
    assert rows[-1]["question"] == "what did Asif say about Tora Bora?"
    assert rows[-1]["citations"] and rows[-1]["citations"][0]["published"] == "2025-10-29"


def test_more_sources_button_reveals_further_passages(rig):
    rig.send_event(mention(f"<@{BOT_USER}> What did Asif say about the Taliban?", "650.000001"))
    answer = rig.fake.answers()[0]
    actions = next(b for b in answer.payload["blocks"] if b["type"] == "actions")
    more = next(
        e for e in actions["elements"] if e["action_id"] == slack_blocks.MORE_SOURCES_ACTION
    )
    rig.click(slack_blocks.MORE_SOURCES_ACTION, more["value"])
    shown = rig.fake.wait_for("chat.postEphemeral")[0]
    assert len(context_texts(shown.payload["blocks"])) >= 1


def test_only_admins_may_refresh(rig):
    status, body, _ = rig.command("refresh", user="USOMEONE")
    assert status == 200 and "only newsdesk admins" in body
    time.sleep(0.5)
    assert rig.fake.of("chat.postEphemeral") == []

    status, body, _ = rig.command("refresh", user=ADMIN)
    assert status == 200 and "Refreshing" in body
    done = rig.fake.wait_for("chat.postEphemeral")[0]
    assert "Refresh done" in done.payload["text"] and "2 unchanged" in done.payload["text"]


def test_rate_limit_and_length_cap(rig, desk):
    limit = desk.settings.slack_rate_limit_per_minute
    for i in range(limit + 1):
        rig.command(f"Gul Bahadur {i}", user="UFAST")
    status, body, _ = rig.command("Gul Bahadur again", user="UFAST")
    assert status == 200 and "try again in" in body
    status, body, _ = rig.command("x" * (desk.settings.max_question_chars + 1), user="ULONG")
    assert status == 200 and "characters long" in body


def test_slack_markup_is_cleaned_and_article_text_escaped():
    raw = "<@U123> what about <http://x.org/a|Tora Bora> &amp; <#C1|general> <!here>?"
    assert slack_blocks.clean_question(raw) == "what about Tora Bora & #general @here?"
    citation = Citation(
        1,
        "a",
        "T",
        __import__("datetime").date(2025, 1, 1),
        None,
        None,
        1,
        "Ping <!channel> and <@U999> & <http://evil|click>",
    )
    answer = Answer("q", "Ping <!channel> [1]", True, (citation,))
    _, blocks = slack_blocks.answer_blocks(answer, "id1")
    rendered = json.dumps(blocks)
    assert (
        "<!channel>" not in rendered
        and "<@U999>" not in rendered
        and "<http://evil" not in rendered
    )
    assert "&lt;!channel&gt;" in rendered


def test_tokens_and_signing_secret_never_reach_the_logs(rig, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    rig.send_event(mention(f"<@{BOT_USER}> Gul Bahadur", "800.000001"))
    rig.fake.answers()
    assert caplog.records  # the app and the Slack client did log
    assert "xoxb-test" not in caplog.text and SECRET not in caplog.text


def test_filters_in_a_slack_question_limit_the_sources(rig):
    rig.send_event(mention(f"<@{BOT_USER}> what did Asif say? since:2025-11-01", "900.000001"))
    answer = rig.fake.answers()[0]
    cited = context_texts(answer.payload["blocks"])
    assert cited and all("26 November 2025" in text for text in cited)

    rig.send_event(mention(f"<@{BOT_USER}> Tora Bora since:yesterday", "900.000009"))
    notice = rig.fake.wait_for("chat.postMessage", 2)[1]
    assert "YYYY-MM-DD" in notice.payload["text"]


def test_only_admins_may_change_the_feeds_and_anyone_may_list_them(rig, desk):
    url = "https://feeds.example.org/world.xml"
    status, body, _ = rig.command(f"feeds add <{url}>", user="USOMEONE")
    assert status == 200 and "only newsdesk admins" in body
    assert desk.feeds.feeds() == []

    status, body, _ = rig.command(f"feeds add <{url}> Example Times", user=ADMIN)
    assert status == 200 and f"Following {url}" in body
    [feed] = desk.feeds.feeds()
    assert feed.url == url and feed.source == "Example Times"

    status, body, _ = rig.command("feeds", user="USOMEONE")
    assert url in body and "0 entries" in body and "never" in body

    status, body, _ = rig.command(f"feeds remove <{url}>", user=ADMIN)
    assert "Stopped following" in body and desk.feeds.feeds() == []
