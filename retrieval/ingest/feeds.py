"""Articles from RSS/Atom feeds: polled politely, saved as article files, then ingested.

A feed entry becomes a JSON article file under the feeds folder (`<data dir>/feeds`, one
sub-folder per feed), so everything the archive already does for files — refresh, removal,
crash safety, the watcher — holds for feed articles too. The poller:

- asks with a conditional GET (the ETag and Last-Modified of the last answer), so a feed
  that has not changed costs one 304 and nothing else;
- waits `NEWSDESK_FEED_HOST_DELAY_S` between two requests to one host, obeys robots.txt,
  and backs off a failing feed exponentially (interval × 2^failures, at most a day);
- takes the body from the feed's full content (`content:encoded`, Atom `content`) when it
  has one, else fetches the linked page and extracts title, date and text (trafilatura);
- names each file after the entry's canonical URL, so a republished entry with new content
  replaces its old version, and skips an entry whose text the archive already holds from
  another URL (syndicated copies).

Each problem (a malformed feed, an HTTP error, a timeout, a redirect loop, a page too large
or not HTML) is one warning naming the feed or URL; it is kept as the feed's last error and
never stops the other feeds.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import logging
import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.ingest.feed_registry import Feed, FeedRegistry, canonical_url
from retrieval.ingest.report import IngestStopped
from retrieval.settings import StoreSettings
from retrieval.types import Problem

log = logging.getLogger(__name__)
USER_AGENT = "newsdesk-feeds/1.0 (+https://github.com/newsdesk; polite RSS reader)"
_MAX_BACKOFF_S = 24 * 3600
_ROBOTS_TTL_S = 24 * 3600
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class PollReport:
    """One poll of the due feeds: requests made, 304s, files written, problems."""

    feeds_polled: int = 0
    requests: int = 0
    not_modified: int = 0
    written: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "feeds_polled": self.feeds_polled,
            "requests": self.requests,
            "not_modified": self.not_modified,
            "written": [str(p) for p in self.written],
            "replaced": [str(p) for p in self.replaced],
            "duplicates": self.duplicates,
            "problems": [str(p) for p in self.problems],
        }


@dataclass
class _Entry:
    key: str  # canonical URL (or the entry id when it has no link)
    url: str | None
    version: str  # what changes when the entry is republished
    title: str | None
    published: str | None
    body_html: str | None  # the feed's full content, when it has one


class FeedPoller:
    """Polls due feeds, writes new and changed entries as article files."""

    def __init__(self, settings: StoreSettings, registry: FeedRegistry | None = None) -> None:
        import httpx

        self.settings = settings
        self.folder = settings.feeds_folder
        self.registry = registry or FeedRegistry(settings.feeds_db)
        self.client = httpx.Client(
            follow_redirects=True,
            max_redirects=5,
            timeout=settings.feed_timeout_s,
            headers={"User-Agent": USER_AGENT},
        )
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        self.client.close()

    # -- one poll ----------------------------------------------------------------------------
    def poll(self, force: bool = False, now: float | None = None) -> PollReport:
        """Poll every feed that is due (all of them with `force`)."""
        report = PollReport()
        for feed in self.registry.feeds():
            if force or feed.next_poll_at <= (now or time.time()):
                self._poll_feed(feed, report)
        return report

    def _poll_feed(self, feed: Feed, report: PollReport) -> None:
        report.feeds_polled += 1
        interval = self.settings.feed_interval_s
        try:
            entries = self._fetch_feed(feed, report)
            for entry in entries:
                self._take(feed, entry, report)
        except _Skip as problem:
            feed.failures += 1
            feed.last_error = f"{_stamp()}: {problem}"
            feed.next_poll_at = time.time() + min(interval * 2**feed.failures, _MAX_BACKOFF_S)
            report.problems.append(Problem(feed.url, str(problem)))
        else:
            feed.failures = 0
            feed.last_success = _stamp()
            feed.next_poll_at = time.time() + interval
        self.registry.save(feed)

    def _fetch_feed(self, feed: Feed, report: PollReport) -> list[_Entry]:
        import feedparser

        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        response = self._get(feed.url, report, headers)
        if response.status_code == 304:
            report.not_modified += 1
            return []
        parsed = feedparser.parse(
            response.content, response_headers={k.lower(): v for k, v in response.headers.items()}
        )
        entries = [entry for entry in map(_entry_of, parsed.entries) if entry is not None]
        if parsed.bozo and not entries:  # a feed with a flaw but readable entries is taken
            reason = getattr(parsed, "bozo_exception", "") or "no entries"
            raise _Skip(f"not a readable RSS or Atom feed ({reason})")
        feed.etag = response.headers.get("etag")
        feed.last_modified = response.headers.get("last-modified")
        return entries

    def _take(self, feed: Feed, entry: _Entry, report: PollReport) -> None:
        """Write the entry's article file when it is new or changed; one bad entry is one
        warning, never the feed's failure."""
        known = self.registry.entry(feed.url, entry.key)
        if known is not None and known["version"] == entry.version:
            return  # seen as it is: no page fetch, no write
        try:
            title, published, body = self._article_text(entry, report)
        except _Skip as problem:
            report.problems.append(Problem(entry.url or feed.url, str(problem)))
            return
        content_hash = hashlib.sha256(body.encode()).hexdigest()
        if known is not None and known["content_hash"] == content_hash:
            self.registry.remember(feed.url, entry.key, entry.version, content_hash,
                                   known["file"])  # fmt: skip
            return
        if self.registry.holds_text(content_hash, entry.key):
            report.duplicates += 1
            return
        path = self._write(feed, entry, title, published, body)
        self.registry.remember(feed.url, entry.key, entry.version, content_hash, str(path))
        (report.replaced if known is not None else report.written).append(path)

    def _article_text(self, entry: _Entry, report: PollReport) -> tuple[str | None, str | None,
                                                                        str]:  # fmt: skip
        """(title, date, body): the feed's full content, else the linked page's."""
        full_text = text_of_html(entry.body_html) if entry.body_html else ""
        if len(full_text) >= 200:
            return entry.title, entry.published, full_text
        if not entry.url:
            raise _Skip("the entry has no link and no full content")
        return self._page(entry, report)

    def _page(self, entry: _Entry, report: PollReport) -> tuple[str | None, str | None, str]:
        import trafilatura

        response = self._get(entry.url, report)
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in _HTML_TYPES:
            raise _Skip(f"not an HTML page (content-type {kind or 'missing'}); skipped")
        page = trafilatura.bare_extraction(response.text, url=entry.url, with_metadata=True)
        if page is None or not (page.text or "").strip():
            raise _Skip("no article text found in the page")
        lines = [line.strip() for line in page.text.splitlines() if line.strip()]
        title = entry.title or page.title
        if lines and title and lines[0] == title.strip():
            lines = lines[1:]
        return title, entry.published or page.date, "\n\n".join(lines)

    def _write(
        self, feed: Feed, entry: _Entry, title: str | None, published: str | None, body: str
    ) -> Path:
        """Write atomically (temp name, then rename), so the watcher never reads half a file."""
        folder = self.folder / self.registry.folder_name(feed.url)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(entry.key.encode()).hexdigest()[:16]}.json"
        record = {
            "id": entry.key,
            "title": title,
            "published": published,
            "url": entry.url,
            "source": feed.source or urlsplit(feed.url).netloc,
            "body": body,
        }
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        partial.replace(path)
        return path

    # -- HTTP ----------------------------------------------------------------------------------
    def _get(self, url: str, report: PollReport, headers: dict | None = None):
        """One polite GET: robots.txt allowed, host delay kept, size capped."""
        import httpx

        if not self._allowed(url, report):
            raise _Skip("robots.txt disallows fetching it")
        self._wait_for_host(url)
        report.requests += 1
        limit = int(self.settings.max_file_mb * 1024 * 1024)
        try:
            with self.client.stream("GET", url, headers=headers or {}) as response:
                if response.status_code >= 400:
                    raise _Skip(f"HTTP {response.status_code}")
                body = bytearray()
                for part in response.iter_bytes():
                    body += part
                    if len(body) > limit:
                        raise _Skip(f"larger than NEWSDESK_MAX_FILE_MB ({limit // 2**20} MB)")
                response._content = bytes(body)
                return response
        except httpx.TooManyRedirects:
            raise _Skip("too many redirects (a redirect loop?)") from None
        except httpx.TimeoutException:
            raise _Skip(f"timed out after {self.settings.feed_timeout_s:g} s") from None
        except httpx.HTTPError as err:
            raise _Skip(f"cannot fetch: {err}") from None

    def _wait_for_host(self, url: str) -> None:
        host = urlsplit(url).netloc
        delay = self.settings.feed_host_delay_s - (time.monotonic() - self._last_request.get(
            host, -1e9))  # fmt: skip
        if delay > 0:
            time.sleep(delay)
        self._last_request[host] = time.monotonic()

    def _allowed(self, url: str, report: PollReport) -> bool:
        """robots.txt is read once a day per site (kept in the registry, so a poll from
        cron does not read it again)."""
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        known = self.registry.robots(root)
        if known is None or time.time() - known[0] > _ROBOTS_TTL_S:
            status, body = self._fetch_robots(root, report)
            self.registry.save_robots(root, status, body)
        else:
            status, body = known[1], known[2]
        rules = _robots_rules(status, body)
        return rules is None or rules.can_fetch(USER_AGENT, url)

    def _fetch_robots(self, root: str, report: PollReport) -> tuple[int, str]:
        import httpx

        self._wait_for_host(root)
        report.requests += 1
        try:
            response = self.client.get(f"{root}/robots.txt")
        except httpx.HTTPError:
            return 599, ""
        return response.status_code, response.text if response.status_code < 400 else ""


def _robots_rules(status: int, body: str) -> urllib.robotparser.RobotFileParser | None:
    """RFC 9309: no robots.txt (4xx) allows everything; an unreachable one (5xx, network
    error) disallows everything until the next look."""
    if 400 <= status < 500:
        return None
    rules = urllib.robotparser.RobotFileParser()
    rules.parse(["User-agent: *", "Disallow: /"] if status >= 500 else body.splitlines())
    return rules


class _Skip(Exception):
    """A problem with one feed or URL: said once, the rest goes on."""


def _entry_of(raw) -> _Entry | None:
    link = raw.get("link")
    key = canonical_url(link) if link else raw.get("id")
    if not key:
        return None
    content = raw.get("content") or []
    body_html = max((c.get("value", "") for c in content), key=len, default=None)
    published = _iso(raw.get("published_parsed") or raw.get("updated_parsed"))
    republished = [raw.get("updated") or raw.get("published"), raw.get("title"),
                   body_html or raw.get("summary")]  # fmt: skip
    version = hashlib.sha256(json.dumps(republished, ensure_ascii=False).encode()).hexdigest()
    return _Entry(key, link, version, raw.get("title"), published, body_html)


def _iso(parsed) -> str | None:
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC).isoformat()


def text_of_html(html: str) -> str:
    """Paragraphs of an HTML fragment (a feed's full content), as plain text: trafilatura's
    extraction, one paragraph per block; a fragment too short for it is read whole."""
    import trafilatura

    extracted = trafilatura.extract(html, favor_recall=True, include_tables=True)
    if not extracted:
        extracted = trafilatura.html2txt(f"<html><body>{html}</body></html>")
    paragraphs = [" ".join(line.split()) for line in extracted.splitlines()]
    return "\n\n".join(p for p in paragraphs if p)


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FeedPolling:
    """Polls in a background thread (inside `newsdesk watch` and `newsdesk slack`) and hands
    what it wrote to `ingest`, so a new entry is answerable right after its poll."""

    def __init__(
        self,
        poller: FeedPoller,
        ingest: Callable[[list[Path]], object],
        on_report: Callable[[PollReport], None] | None = None,
    ) -> None:
        self.poller, self.ingest, self.on_report = poller, ingest, on_report
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed-poller", daemon=True)

    def start(self) -> FeedPolling:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        self.poller.close()

    def wake(self) -> None:
        """Poll now (a feed was just added), not at the next interval."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._poll_once()
            except IngestStopped:  # the process is stopping (SIGINT, SIGTERM): no retry
                return
            except Exception:  # keep polling; each feed's own problems are in its report
                log.exception("feed poll failed; retrying at the next interval")
            self._wake.wait(self._until_next())
            self._wake.clear()

    def _poll_once(self) -> None:
        report = self.poller.poll()
        changed = report.written + report.replaced
        if changed:
            self.ingest(changed)
        if self.on_report and (report.feeds_polled or report.problems):
            self.on_report(report)

    def _until_next(self) -> float:
        due = [feed.next_poll_at for feed in self.poller.registry.feeds()]
        wait = (min(due) - time.time()) if due else self.poller.settings.feed_interval_s
        return max(0.2, min(wait, self.poller.settings.feed_interval_s))
