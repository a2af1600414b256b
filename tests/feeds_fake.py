"""A local web site serving RSS 2.0 and Atom feeds, article pages and robots.txt.

Feeds cannot be fetched from the internet here, and tests need misbehaving servers anyway:
this one answers conditional GETs with 304, can fail with a 500 until told to recover, serve
a malformed feed, loop redirects, stall past the timeout, or serve a PDF or a huge page.
Every request is recorded (path, status) so tests can count what a poll cost.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Item:
    slug: str
    title: str
    body: str  # paragraphs separated by blank lines
    published: float  # epoch seconds
    full_content: bool = True  # False: the feed has only a summary; the page has the text


@dataclass
class Site:
    feeds: dict[str, tuple[str, list[Item]]] = field(default_factory=dict)  # path → (kind, items)
    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)  # path → response
    robots: str = "User-agent: *\nDisallow: /private/\n"
    failing: set[str] = field(default_factory=set)  # paths answering 500
    stalled: set[str] = field(default_factory=set)  # paths that answer after 3 s
    loops: set[str] = field(default_factory=set)  # paths that redirect to themselves
    raw: dict[str, bytes] = field(default_factory=dict)  # paths served as given (malformed)
    requests: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def add_item(self, feed: str, item: Item) -> None:
        with self.lock:
            self.feeds[feed][1].append(item)
            self.pages[f"/news/{item.slug}"] = (200, "text/html", article_page(item))

    def feed_document(self, path: str) -> bytes:
        kind, items = self.feeds[path]
        return (rss if kind == "rss" else atom)(self.base, path, items)

    def requests_since(self, start: int) -> list[tuple[str, int]]:
        with self.lock:
            return self.requests[start:]


def paragraphs_html(item: Item) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in item.body.split("\n\n"))


def article_page(item: Item) -> bytes:
    paragraphs = paragraphs_html(item)
    return (
        f"<html><head><title>{escape(item.title)}</title>"
        f'<meta property="article:published_time" content="{_iso(item.published)}"></head>'
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(item.title)}</h1>{paragraphs}</article>"
        f"<footer>Copyright the Example Times. All rights reserved.</footer></body></html>"
    ).encode()


def rss(base: str, path: str, items: list[Item]) -> bytes:
    entries = []
    for item in items:
        content = ""
        if item.full_content:
            content = f"<content:encoded><![CDATA[{paragraphs_html(item)}]]></content:encoded>"
        entries.append(
            f"<item><title>{escape(item.title)}</title>"
            f"<link>{base}/news/{item.slug}?utm_source=rss</link>"
            f"<guid>{base}/news/{item.slug}</guid>"
            f"<pubDate>{formatdate(item.published, usegmt=True)}</pubDate>"
            f"<description>{escape(item.body[:80])}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Example {path}</title><link>{base}/</link>"
        f"<description>Test feed</description>{''.join(entries)}</channel></rss>"
    ).encode()


def atom(base: str, path: str, items: list[Item]) -> bytes:
    entries = []
    for item in items:
        content = ""
        if item.full_content:
            content = f'<content type="html">{escape(paragraphs_html(item))}</content>'
        entries.append(
            f"<entry><title>{escape(item.title)}</title>"
            f'<link href="{base}/news/{item.slug}"/><id>{base}/news/{item.slug}</id>'
            f"<updated>{_iso(item.published)}</updated>"
            f"<summary>{escape(item.body[:80])}</summary>{content}</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Example {path}</title><id>{base}{path}</id>"
        f"<updated>{_iso(max((i.published for i in items), default=0))}</updated>"
        f"{''.join(entries)}</feed>"
    ).encode()


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def serve(site: Site) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            status = self._answer(path)
            with site.lock:
                site.requests.append((path, status))

        def _send(self, status: int, kind: str, body: bytes, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            return status

        def _answer(self, path: str) -> int:
            if path in site.stalled:
                time.sleep(3)
            if path in site.failing:
                return self._send(500, "text/plain", b"server error")
            if path == "/robots.txt":
                return self._send(200, "text/plain", site.robots.encode())
            if path in site.loops:
                self.send_response(302)
                self.send_header("Location", path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 302
            if path in site.raw:
                return self._send(200, "application/rss+xml", site.raw[path])
            if path in site.feeds:
                with site.lock:
                    body = site.feed_document(path)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return 304
                return self._send(200, "application/rss+xml", body, {"ETag": etag})
            if path in site.pages:
                status, kind, body = site.pages[path]
                return self._send(status, kind, body)
            return self._send(404, "text/plain", b"not found")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    return server, site.base
