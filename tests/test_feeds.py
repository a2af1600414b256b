"""Feeds: entries become answerable articles, politely, once, and bad feeds stay contained."""

from __future__ import annotations

import json
import time

import pytest

from bot.service import Newsdesk
from tests.conftest import make_settings, run_cli
from tests.feeds_fake import Item, Site, serve

DUAM = (
    "Harbour officials in Duamor said the new quay would open in March.\n\n"
    '"We expect the first container ships within weeks," said port director Lena Okafor.\n\n'
    "The quay cost 40 million dollars and took three years to build."
)
VELT = (
    "The Veltrana cooperative reported a record almond harvest on Tuesday.\n\n"
    '"The rains came at exactly the right time," cooperative chairman Piet Ansar said.\n\n'
    "Prices for almonds fell by a tenth at the regional market after the news."
)
KORR = (
    "Engineers at the Korrigan dam finished testing the new spillway gates.\n\n"
    '"The gates held at full pressure," said chief engineer Mara Quell.\n\n'
    "The dam supplies water to four hundred thousand homes in the valley."
)


@pytest.fixture
def site():
    site = Site()
    server, _ = serve(site)
    now = time.time()
    site.feeds["/rss.xml"] = ("rss", [])
    site.feeds["/atom.xml"] = ("atom", [])
    site.add_item("/rss.xml", Item("duamor-quay", "Duamor quay to open in March", DUAM, now))
    site.add_item("/atom.xml", Item("veltrana-harvest", "Record almond harvest", VELT, now,
                                    full_content=False))  # fmt: skip
    yield site
    server.shutdown()


@pytest.fixture
def desk(tmp_path, articles_dir):
    settings = make_settings(
        tmp_path / "data", articles_dir, feed_host_delay_s=0.0, feed_timeout_s=1.0,
        feed_interval_s=0.5,
    )  # fmt: skip
    return Newsdesk(settings)


def _cited_urls(desk: Newsdesk, question: str) -> list[str]:
    return [c.url or "" for c in desk.ask(question).citations]


def test_new_entries_are_answerable_after_one_poll(desk, site):
    desk.add_feed(f"{site.base}/rss.xml", source="Example Times")
    desk.add_feed(f"{site.base}/atom.xml")
    polled, indexed = desk.poll_feeds()
    assert polled.problems == []
    assert len(polled.written) == 2 and len(indexed.added) == 2

    answer = desk.ask("What did Lena Okafor say about container ships?")
    assert answer.found
    assert any("first container ships" in c.quote for c in answer.citations)
    assert all(c.url.endswith("/news/duamor-quay?utm_source=rss") for c in answer.citations)
    assert answer.citations[0].source == "Example Times"
    # the Atom entry had no full content: its text came from the linked page, not the nav
    answer = desk.ask("What did Piet Ansar say about the rains?")
    assert any("right time" in c.quote for c in answer.citations)
    stored = desk.store.get_articles([a for a in indexed.added])
    assert all("All rights reserved" not in a.text and "Home" not in a.text[:10]
               for a in stored.values())  # fmt: skip
    assert {a.published.year for a in stored.values()} == {time.gmtime().tm_year}


def test_a_repoll_is_all_304s_and_adds_nothing(desk, site):
    desk.add_feed(f"{site.base}/rss.xml")
    desk.add_feed(f"{site.base}/atom.xml")
    desk.poll_feeds()
    articles = desk.store.manifest.count_articles()
    start = len(site.requests)
    polled, indexed = desk.poll_feeds()
    assert indexed is None and polled.written == [] and polled.replaced == []
    assert sorted(site.requests_since(start)) == [("/atom.xml", 304), ("/rss.xml", 304)]
    assert polled.not_modified == 2
    assert desk.store.manifest.count_articles() == articles


def test_an_updated_entry_replaces_its_old_version(desk, site):
    desk.add_feed(f"{site.base}/rss.xml")
    desk.poll_feeds()
    articles = desk.store.manifest.count_articles()
    items = site.feeds["/rss.xml"][1]
    corrected = DUAM.replace("in March", "in April").replace("40 million", "45 million")
    items[0] = Item("duamor-quay", "Duamor quay to open in April", corrected, time.time())
    polled, indexed = desk.poll_feeds()
    assert len(polled.replaced) == 1 and indexed.updated
    assert desk.store.manifest.count_articles() == articles
    texts = [a.text for a in desk.store.get_articles(indexed.updated).values()]
    assert "45 million" in texts[0] and "40 million" not in texts[0]
    answer = desk.ask("How much did the Duamor quay cost?")
    assert any("45 million" in c.quote for c in answer.citations)
    assert not any("40 million" in c.quote for c in answer.citations)


def test_the_same_story_in_two_feeds_is_indexed_once(desk, site):
    site.feeds["/copy.xml"] = ("rss", list(site.feeds["/rss.xml"][1]))
    site.feeds["/copy.xml"][1][0] = Item("duamor-quay-copy", "Duamor quay (copy)", DUAM,
                                         time.time())  # fmt: skip
    desk.add_feed(f"{site.base}/rss.xml")
    desk.add_feed(f"{site.base}/copy.xml")
    polled, _ = desk.poll_feeds()
    assert len(polled.written) == 1 and polled.duplicates == 1


def test_bad_feeds_and_pages_are_one_warning_each_and_the_rest_goes_on(desk, site):
    site.raw["/broken.xml"] = b"<rss><channel><item><title>unterminated"
    site.failing.add("/down.xml")
    site.feeds["/down.xml"] = ("rss", [])
    site.feeds["/bad-links.xml"] = ("atom", [])
    now = time.time()
    bad = {
        "gone": (404, "text/html", b"missing"),
        "report.pdf": (200, "application/pdf", b"%PDF-1.4 ..."),
        "huge": (200, "text/html", b"<p>" + b"x" * (2 * 1024 * 1024) + b"</p>"),
        "slow": None,
    }
    for slug, page in bad.items():
        item = Item(slug, f"Bad link {slug}", "Text only on the page.", now, full_content=False)
        site.feeds["/bad-links.xml"][1].append(item)
        if page:
            site.pages[f"/news/{slug}"] = page
    site.stalled.add("/news/slow")
    site.feeds["/bad-links.xml"][1].append(Item("loop", "Loop", "x", now, full_content=False))
    site.loops.add("/news/loop")
    desk.settings.max_file_mb = 1.0
    for path in ("/broken.xml", "/down.xml", "/bad-links.xml", "/rss.xml"):
        desk.add_feed(f"{site.base}{path}")
    polled, indexed = desk.poll_feeds()

    said = [str(p) for p in polled.problems]
    assert any("/broken.xml" in p and "not a readable RSS or Atom feed" in p for p in said)
    assert any("/down.xml" in p and "HTTP 500" in p for p in said)
    assert any("/news/gone" in p and "HTTP 404" in p for p in said)
    assert any("/news/report.pdf" in p and "not an HTML page" in p for p in said)
    assert any("/news/huge" in p and "NEWSDESK_MAX_FILE_MB" in p for p in said)
    assert any("/news/slow" in p and "timed out" in p for p in said)
    assert any("/news/loop" in p and "redirect" in p for p in said)
    assert len(said) == 7, said
    assert len(indexed.added) == 1  # the good feed still came in
    listed = {f.url.removeprefix(site.base): f for f in desk.feeds.feeds()}
    assert "not a readable" in listed["/broken.xml"].last_error
    assert listed["/rss.xml"].last_success and listed["/rss.xml"].last_error is None


def test_a_failing_feed_backs_off_then_recovers(desk, site):
    site.failing.add("/rss.xml")
    desk.add_feed(f"{site.base}/rss.xml")
    desk.poll_feeds(force=False)
    feed = desk.feeds.feeds()[0]
    assert feed.failures == 1 and "HTTP 500" in feed.last_error
    assert feed.next_poll_at > time.time()  # not due again at once: backed off
    polled, _ = desk.poll_feeds(force=False)
    assert polled.feeds_polled == 0
    site.failing.clear()
    polled, indexed = desk.poll_feeds(force=True)
    feed = desk.feeds.feeds()[0]
    assert feed.failures == 0 and feed.last_success and indexed.added


def test_robots_txt_is_obeyed_and_read_once(desk, site):
    site.feeds["/private/feed.xml"] = ("rss", [])
    desk.add_feed(f"{site.base}/private/feed.xml")
    desk.add_feed(f"{site.base}/rss.xml")
    polled, _ = desk.poll_feeds()
    assert any("robots.txt disallows" in str(p) for p in polled.problems)
    assert ("/private/feed.xml", 200) not in site.requests
    desk.poll_feeds()
    assert [r for r in site.requests if r[0] == "/robots.txt"] == [("/robots.txt", 200)]


def test_watch_polls_feeds_and_indexes_new_entries(desk, site):
    desk.add_feed(f"{site.base}/rss.xml")
    desk.refresh()
    watching = desk.watch()
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not desk.ask("Lena Okafor container ships").found:
            time.sleep(0.2)
        site.add_item("/rss.xml", Item("korrigan", "Korrigan spillway tested", KORR, time.time()))
        published = time.time()
        while time.time() < deadline:
            if any("full pressure" in c.quote for c in desk.ask("What did Mara Quell say?")
                   .citations):  # fmt: skip
                break
            time.sleep(0.2)
        assert time.time() - published < 10
    finally:
        watching.stop()


@pytest.mark.slow
def test_feeds_commands_from_the_cli(tmp_path, articles_dir, site):
    env = {
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "NEWSDESK_ARTICLES_DIRS": str(articles_dir),
        "NEWSDESK_FEED_HOST_DELAY_S": "0",
    }
    url = f"{site.base}/rss.xml"
    assert run_cli("feeds", "add", url, "--source", "Example Times", env=env).returncode == 0
    again = run_cli("feeds", "add", url, env=env)
    assert again.returncode == 2 and "already followed" in again.stderr
    polled = json.loads(run_cli("feeds", "poll", "--json", env=env).stdout)
    assert len(polled["poll"]["written"]) == 1 and polled["ingest"]["added"]
    listed = json.loads(run_cli("feeds", "list", "--json", env=env).stdout)
    assert listed[0]["url"] == url and listed[0]["entries"] == 1 and listed[0]["last_success"]
    removed = run_cli("feeds", "remove", url, "--json", env=env)
    assert json.loads(removed.stdout)["articles_removed"] == 1
    asked = json.loads(run_cli("ask", "--json", "What did Lena Okafor say?", env=env).stdout)
    assert not any("duamor" in (c.get("url") or "") for c in asked["citations"])


def test_the_same_story_under_tracking_parameters_is_one_entry():
    """courlan's normalisation: tracking parameters, the default port and the fragment go;
    other parameters are sorted; a path keeps its case (servers may tell it apart)."""
    from retrieval.ingest.feed_registry import canonical_url

    plain = canonical_url("https://Example.com/News/Story-1?page=2&id=7")
    assert plain == "https://example.com/News/Story-1?id=7&page=2"
    for variant in (
        "https://example.com:443/News/Story-1?id=7&page=2&utm_source=rss",
        "https://EXAMPLE.com/News/Story-1/?fbclid=abc&page=2&id=7#comments",
    ):
        assert canonical_url(variant) == plain
    assert canonical_url("https://example.com/News/Story-2?id=7") != plain


def test_a_feed_keeps_the_folder_its_entries_are_in(tmp_path):
    """Entries already written stay where they are when the folder naming changes: the
    registry answers with their folder, and only a feed with no entries gets a new name."""
    from retrieval.ingest.feed_registry import FeedRegistry, feed_folder_name

    registry = FeedRegistry(tmp_path / "feeds.sqlite")
    old, new = "https://old.example/rss.xml", "https://new.example/rss.xml"
    registry.add(old)
    registry.add(new)
    written = tmp_path / "feeds" / "named-by-an-older-rule" / "entry.json"
    registry.remember(old, "https://old.example/a", "v1", "hash-a", str(written))
    assert registry.folder_name(old) == "named-by-an-older-rule"
    assert registry.folder_name(new) == feed_folder_name(new)


def test_a_feeds_full_content_becomes_paragraphs():
    from retrieval.ingest.feeds import text_of_html

    html = (
        "<p>Harbour officials said the quay would open.</p>"
        "<p>“We expect ships within weeks,” said <b>Lena Okafor</b> &amp; her deputy.</p>"
        "<ul><li>Cost: 40 million dollars</li></ul>"
    )
    paragraphs = text_of_html(html).split("\n\n")
    assert paragraphs[0] == "Harbour officials said the quay would open."
    assert paragraphs[1] == "“We expect ships within weeks,” said Lena Okafor & her deputy."
    assert "Cost: 40 million dollars" in paragraphs[2]
    assert text_of_html("<p>Short.</p>") == "Short."
