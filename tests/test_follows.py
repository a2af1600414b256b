"""Follows through the real Bolt app, on signed requests, with a watched folder: a follow
set by `/newsdesk follow`, an article dropped in the folder, and what the recording fake
Slack was sent — once, and never for what the follow does not ask."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from bot.interfaces import slack_blocks
from bot.service import Newsdesk
from retrieval.settings import SEEDS_DIR

from .conftest import make_settings, seeded_desk
from .test_slack import SlackRig, forget_rate_limits

POLL_S = 0.2

# Written for these tests in the seeds' format: new words by people the seeds quote.
TALKS = """ date 2025-12-02 Defence Minister Khawaja Asif said on Tuesday that the next round \
of talks in Istanbul would be the last chance for the Taliban to act against militants \
sheltering in Afghanistan.

“The Taliban have one more chance in Istanbul, and after that we will not sit at the table \
again,” Asif told a news conference in Sialkot.

Information Minister Attaullah Tarar said the government had shared evidence of \
cross-border attacks with the mediators. “The evidence we gave them is irrefutable,” Tarar \
said.

The talks, mediated by Turkey and Qatar, are due to resume on Thursday.
"""
BAKERY = """ date 2025-12-03 A bakery in Lahore has won a national award for its saffron \
bread, its owner said on Wednesday.

The bread, baked in a clay oven since 1952, sells out every morning before nine.

“We use my grandmother's recipe and nothing else,” owner Nadia Qureshi said.
"""
TARAR = """ date 2025-12-04 Information Minister Attaullah Tarar said on Thursday that the \
government would publish the evidence it had given to the mediators.

“Every page of it will be made public next week,” Tarar told reporters in Islamabad.
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Newsdesk:
    root = tmp_path_factory.mktemp("follows")
    return seeded_desk(
        root, follow_poll_s=POLL_S, alert_every_min=0, slack_rate_limit_per_minute=100
    )


@pytest.fixture
def rig(desk):
    forget_rate_limits(desk)
    for follow in desk.following.listed(None):  # each test starts with no follows
        desk.following.stop(follow.id, None)
    rig = SlackRig(desk, follows=True)
    watching = desk.watch(desk.settings.articles_dirs)
    yield rig
    watching.stop()
    rig.close()


def alerts_in(rig: SlackRig, channel: str = "C1") -> list[dict]:
    return [
        c.payload
        for c in rig.fake.of("chat.postMessage")
        if c.payload.get("channel") == channel and "newsdesk_follow" in json.dumps(c.payload)
    ]


def follow(rig: SlackRig, words: str) -> str:
    return command(rig, f"follow {words}")


def command(rig: SlackRig, text: str) -> str:
    """The acknowledgement's text: what only the user who typed the command sees."""
    status, body, _ = rig.command(text)
    assert status == 200
    return json.loads(body)["text"] if body.startswith("{") else body


def drop(desk: Newsdesk, name: str, text: str) -> Path:
    path = desk.settings.articles_dirs[0] / name
    path.write_text(text, encoding="utf-8")
    return path


def wait_until_read(desk: Newsdesk, path: Path, since: float, timeout: float = 60) -> None:
    """Until the watcher published the file (written after `since`) and the follows'
    reader has read past its change."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stamps = [
            c.changed_at
            for c in desk.searcher.changes_since(since)
            if c.article_id == path.name and c.content_hash
        ]
        if stamps and desk.following.book.cursor(0.0) >= max(stamps):
            time.sleep(POLL_S * 3)  # the round that read it has posted what it found
            return
        time.sleep(0.1)
    raise AssertionError(f"{path.name} was not indexed and read within {timeout} s")


def alert_text(payload: dict) -> str:
    return json.dumps(payload["blocks"], ensure_ascii=False)


def test_a_followed_person_quoted_in_a_new_article_is_posted_once(rig, desk):
    said = follow(rig, "Asif about Taliban")
    assert "Following Khawaja Asif about “Taliban”" in said and "read as Khawaja Asif" in said
    start = time.time()
    path = drop(desk, "020_istanbul.txt", TALKS)
    wait_until_read(desk, path, start)
    alerts = alerts_in(rig)
    assert len(alerts) == 1
    blocks = alert_text(alerts[0])
    assert "The Taliban have one more chance in Istanbul" in blocks  # the exact words
    assert "Asif told a news conference in Sialkot" in blocks
    assert "2 December 2025" in blocks  # the citation: article, date, paragraph
    assert "irrefutable" not in blocks  # Tarar's words are not Asif's
    stop = alerts[0]["blocks"][-1]["elements"][0]
    assert stop["action_id"] == slack_blocks.STOP_FOLLOWING_ACTION

    path.write_text(TALKS, encoding="utf-8")  # the same article saved again
    desk.refresh()
    start = time.time()
    rerun = drop(desk, "020_istanbul_rerun.txt", TALKS)
    wait_until_read(desk, rerun, start)  # the story filed again: Asif's words are not new
    assert len(alerts_in(rig)) == 1
    corrected = TALKS.replace("due to resume on Thursday", "due to resume on Friday")
    start = time.time()
    path.write_text(corrected, encoding="utf-8")  # corrected elsewhere than the quote
    wait_until_read(desk, path, start)
    assert len(alerts_in(rig)) == 1

    requoted = corrected.replace("one more chance", "one last chance")
    start = time.time()
    path.write_text(requoted, encoding="utf-8")  # the quote itself corrected
    wait_until_read(desk, path, start)
    alerts = alerts_in(rig)
    assert len(alerts) == 2 and "one last chance" in alert_text(alerts[1])


def test_a_topic_follow_ignores_an_unrelated_article(rig, desk):
    said = follow(rig, 'topic "Istanbul talks"')
    assert "Following the topic “Istanbul talks”" in said
    start = time.time()
    wait_until_read(desk, drop(desk, "021_bakery.txt", BAKERY), start)
    assert alerts_in(rig) == []
    start = time.time()
    wait_until_read(desk, drop(desk, "022_istanbul.txt", TALKS.replace("Sialkot", "Lahore")), start)
    alerts = alerts_in(rig)
    assert len(alerts) == 1 and "talks" in alert_text(alerts[0]).lower()


def test_unfollowed_and_stopped_follows_post_nothing(rig, desk):
    said = follow(rig, "Attaullah Tarar")
    number = said.split()[0].lstrip("#")
    assert "Stopped following Attaullah Tarar" in command(rig, f"unfollow {number}")
    said = follow(rig, "Tarar")
    other = said.split()[0].lstrip("#")
    rig.click(slack_blocks.STOP_FOLLOWING_ACTION, other)
    rig.fake.wait_for("chat.postEphemeral")
    assert desk.following.listed("C1") == []
    start = time.time()
    wait_until_read(desk, drop(desk, "023_tarar.txt", TARAR), start)
    assert alerts_in(rig) == []


def test_follows_lists_this_channels_follows_and_bad_ones_are_explained(rig):
    follow(rig, "Asif daily")
    assert "Khawaja Asif, daily digest" in command(rig, "follows")
    assert "Say which follow by its number" in command(rig, "unfollow seven")
    assert "Say what to follow" in command(rig, "follow")


def test_a_burst_is_grouped_and_a_daily_follow_waits_for_its_morning(desk, tmp_path):
    """At most one message per follow per NEWSDESK_ALERT_EVERY_MIN; a daily follow's
    matches go out together at the first digest hour after they were found."""
    following, sent = desk.following, []
    desk.settings.alert_every_min = 10
    try:
        prompt = following.add("Tarar", "CBURST", "UASKER").follow
        daily = following.add("Tarar daily", "CDAILY", "UASKER").follow
        fresh = TARAR.replace("on Thursday", "on Saturday")  # words no other test used
        first = drop(desk, "030_tarar.txt", fresh.replace("next week", "within the month"))
        desk.ingest([first])
        following.scan()
        now = time.time()
        assert following.deliver(sent.append, now=now) == 1  # the prompt one, at once
        second = drop(desk, "031_tarar.txt", fresh.replace("next week", "on Monday"))
        desk.ingest([second])
        following.scan()
        assert following.deliver(sent.append, now=now + 60) == 0  # within ten minutes
        assert following.deliver(sent.append, now=now + 601) == 1
        assert [a.follow.id for a in sent] == [prompt.id, prompt.id]
        assert "on Monday" in sent[1].answer.text and "within the month" not in sent[1].answer.text

        morning = desk.settings.digest_hour * 3600
        tomorrow = (now // 86400 + 1) * 86400 + morning + 60  # the next digest hour (UTC)
        assert following.deliver(sent.append, now=tomorrow) == 1
        digest = sent[-1]
        # both articles' quotes; the reported sentence both share, once
        assert digest.follow.id == daily.id and len(digest.answer.citations) == 3
        assert digest.answer.text.startswith("Today's digest — 3 quotes")
    finally:
        desk.settings.alert_every_min = 0
        for name in ("030_tarar.txt", "031_tarar.txt"):
            (desk.settings.articles_dirs[0] / name).unlink()


@pytest.mark.slow
def test_two_replicas_on_postgres_post_each_alert_once(tmp_path):
    """Two app replicas share the archive and one real PostgreSQL; both read every change
    and race to post: each new quote reaches the channel exactly once."""
    from bench.postgres_server import PostgresServer, PostgresUnavailable

    shutil.copytree(SEEDS_DIR, tmp_path / "articles")
    try:
        database = PostgresServer().start()
    except PostgresUnavailable as err:
        pytest.skip(f"PostgreSQL could not start here: {err}")
    replicas, rigs, watching = [], [], None
    try:
        for _ in range(2):
            settings = make_settings(
                tmp_path / "data", tmp_path / "articles", database_url=database.url,
                follow_poll_s=0.05, alert_every_min=0, slack_rate_limit_per_minute=100,
            )  # fmt: skip
            replicas.append(Newsdesk(settings))
        replicas[0].refresh()
        rigs = [SlackRig(replica, follows=True) for replica in replicas]
        assert "Following Attaullah Tarar" in command(rigs[1], "follow Tarar")
        watching = replicas[0].watch(replicas[0].settings.articles_dirs)
        start = time.time()
        for day in range(4):  # four articles, each with its own words of Tarar's
            text = TARAR.replace("next week", f"within {day + 2} days")
            path = drop(replicas[0], f"040_tarar_{day}.txt", text)
            wait_until_read(replicas[0], path, start)
        alerts = alerts_in(rigs[0]) + alerts_in(rigs[1])
        quotes = [q for a in alerts for q in _quoted(a)]
        assert len(quotes) == len(set(quotes)) == 5  # four direct quotes, one shared report
        assert all(any(f"within {d + 2} days" in q for q in quotes) for d in range(4))
    finally:
        if watching is not None:
            watching.stop()
        for rig in rigs:
            rig.close()
        database.stop()


def _quoted(payload: dict) -> list[str]:
    """The quoted passages of an alert: its text's lines after the heading, one a match."""
    return payload["text"].split("\n")[1:]


def test_a_batch_larger_than_a_message_goes_out_at_once_in_numbered_parts(desk):
    """Nothing waits for a later round: twelve matches are two messages, 1–10 and 11–12."""
    from bot.follows.book import Match

    following, sent = desk.following, []
    follow = following.add('topic "Tora Bora"', "CMANY", "UASKER").follow
    answer = desk.ask("What did Asif say about Tora Bora?")
    record = answer.citations[0].to_record()
    found = [
        Match(follow.id, f"item-{i:02d}", record["article_id"], time.time(), time.time(), record)
        for i in range(12)
    ]
    assert following.book.record(found) == 12 and following.book.record(found) == 0
    assert following.deliver(sent.append, lambda f: f.id == follow.id) == 2
    headings = [a.answer.text.split("\n")[0] for a in sent]
    assert "12 passages (1–10 of 12)" in headings[0] and "(11–12 of 12)" in headings[1]
    assert [len(a.answer.citations) for a in sent] == [10, 2]
    assert following.book.pending(follow.id) == []
    following.stop(follow.id, None)


def test_a_follow_another_replica_emptied_is_not_left_locked(desk):
    """Two replicas saw the same follow due; the one that claims it after the other sent
    everything finds nothing, and must give the claim back: the next match goes at once."""
    following, sent = desk.following, []
    follow = following.add('topic "Tora Bora"', "CRACE", "UASKER").follow
    now = time.time()
    assert following.book.claim(follow.id, now)
    following._send_batch(follow, sent.append)  # nothing pending: the claim is given back
    assert following.book.claim(follow.id, now + 1)
    following.book.release(follow.id)
    following.stop(follow.id, None)
