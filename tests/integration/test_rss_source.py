"""The RSS/Atom collector against a local HTTP server replaying documented feed shapes:
RSS 2.0 (news sites), Atom (Google Alerts), conditional GET, rate limits, errors, paging (RFC 5005)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.rss import RssSource
from chalicelib.domain.errors import SourceUnavailable
from chalicelib.domain.playbook import SourceConfig
from chalicelib.services.collect import collect, cursor_key, health_key
from chalicelib.services.ingest import IngestResult
from tests.fakes import CountingState
from tests.platform_fake import FakePlatform, Reply

pytestmark = pytest.mark.integration

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Rhein-Kurier</title><link>https://rhein-kurier.example</link>
<item><guid>rk-1</guid><title>Brandgefahr? Kunden berichten von schmorenden Geschirrsp&#252;lern</title>
<description>&lt;p&gt;M&#252;ller Haushaltsger&#228;te pr&#252;ft Vorw&#252;rfe.&lt;/p&gt;</description>
<link>https://rhein-kurier.example/a/1</link><pubDate>Fri, 20 Nov 2026 13:10:00 +0100</pubDate></item>
<item><guid>rk-2</guid><title>Stadtfest am Wochenende</title><description>Buntes Programm.</description>
<link>https://rhein-kurier.example/a/2</link><pubDate>Fri, 20 Nov 2026 12:00:00 +0100</pubDate></item>
</channel></rss>"""

ATOM_PAGE_1 = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Google Alert - Müller Haushaltsgeräte</title>
<link rel="next" href="{base}/alerts?page=2"/>
<entry><id>tag:google.com,2013:googlealerts/feed:111</id><title type="html">Spülmeister 3000 &lt;b&gt;Rückruf&lt;/b&gt; gefordert</title>
<link href="https://news.example/1"/><updated>2026-11-20T12:55:00Z</updated><content type="html">Verbraucher fordern einen Rückruf.</content></entry>
</feed>"""

ATOM_PAGE_2 = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Google Alert - Müller Haushaltsgeräte</title>
<entry><id>tag:google.com,2013:googlealerts/feed:110</id><title>Müller Haushaltsgeräte eröffnet neues Werk</title>
<link href="https://news.example/0"/><updated>2026-11-19T09:00:00Z</updated><content type="html">Gute Nachrichten.</content></entry>
</feed>"""


class FeedServer(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, dict[str, str]]] = {}
    requests: list[tuple[str, dict[str, str]]] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        FeedServer.requests.append((self.path, dict(self.headers)))
        status, body, headers = FeedServer.routes.get(self.path, (404, "not found", {}))
        if self.headers.get("If-None-Match") and self.headers.get("If-None-Match") == headers.get("ETag"):
            status, body = 304, ""
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FeedServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    FeedServer.routes = {
        "/news.rss": (200, RSS, {"ETag": '"v1"'}),
        "/alerts": (200, ATOM_PAGE_1.format(base=base), {}),
        "/alerts?page=2": (200, ATOM_PAGE_2, {}),
        "/limited": (429, "slow down", {"Retry-After": "120"}),
        "/broken": (500, "oops", {}),
        "/gone": (404, "gone", {}),
        "/garbage": (200, "<html><body>not a feed", {}),
    }
    yield base
    httpd.shutdown()


def source(url: str, **options: object) -> RssSource:
    config = SourceConfig(id="test-feed", type="rss", brand="mueller", url=url, options=options)  # type: ignore[arg-type]
    return RssSource(config, PLAYBOOK.brands[0], httpx.Client())


def test_rss_items_become_media_mentions_with_plain_text(server: str) -> None:
    result = source(f"{server}/news.rss", reach=120000).fetch(None, NOW)
    assert [m.native_id for m in result.mentions] == ["rk-1", "rk-2"]
    first = result.mentions[0]
    assert first.text.startswith("Brandgefahr? Kunden berichten von schmorenden Geschirrspülern.")
    assert "<p>" not in first.text and "Müller Haushaltsgeräte prüft Vorwürfe." in first.text
    assert first.published_at == datetime(2026, 11, 20, 12, 10, tzinfo=UTC)
    assert first.author.is_media and first.author.handle == "Rhein-Kurier" and first.reach == 120000


def test_keyword_matching_keeps_only_brand_mentions(server: str) -> None:
    result = source(f"{server}/news.rss", match_keywords=True).fetch(None, NOW)
    assert [m.native_id for m in result.mentions] == ["rk-1"]  # the Stadtfest item is not about the brand
    result = source(f"{server}/alerts", match_keywords=True).fetch(None, NOW)
    assert [m.native_id for m in result.mentions] == [
        "tag:google.com,2013:googlealerts/feed:111",
        "tag:google.com,2013:googlealerts/feed:110",
    ]


def test_conditional_get_and_seen_entries_yield_nothing_new(server: str) -> None:
    feed = source(f"{server}/news.rss")
    first = feed.fetch(None, NOW)
    second = feed.fetch(first.cursor, NOW)
    assert second.mentions == []
    assert FeedServer.requests[-1][1].get("If-None-Match") == '"v1"'


def test_paged_atom_feeds_are_followed_until_known_entries(server: str) -> None:
    feed = source(f"{server}/alerts")
    first = feed.fetch(None, NOW)
    assert len(first.mentions) == 2
    assert "Rückruf gefordert" in first.mentions[0].text
    FeedServer.requests.clear()
    again = feed.fetch(first.cursor, NOW)
    assert again.mentions == []
    assert [path for path, _ in FeedServer.requests] == ["/alerts"]  # page 2 not needed again


@pytest.mark.parametrize(("path", "status"), [("/limited", 429), ("/broken", 500), ("/gone", 404)])
def test_errors_and_rate_limits_are_source_unavailable(server: str, path: str, status: int) -> None:
    with pytest.raises(SourceUnavailable) as caught:
        source(f"{server}{path}").fetch(None, NOW)
    assert str(status) in caught.value.message
    if status == 429:
        assert caught.value.details[0]["retry_after"] == "120"


def test_garbage_and_unreachable_feeds_are_source_unavailable(server: str) -> None:
    with pytest.raises(SourceUnavailable):
        source(f"{server}/garbage").fetch(None, NOW)
    with pytest.raises(SourceUnavailable):
        source("http://127.0.0.1:9/feed").fetch(None, NOW)


def _rss(*guids: str) -> str:
    items = "".join(
        f"<item><guid>{guid}</guid><title>Müller Haushaltsgeräte: Meldung {guid}</title>"
        f"<pubDate>Fri, 20 Nov 2026 13:10:00 +0100</pubDate></item>"
        for guid in guids
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Kurier</title>{items}</channel></rss>'


def test_a_poll_that_finds_nothing_new_writes_no_cursor(fake_platform: FakePlatform) -> None:
    # Given a feed that answers in full, then 304, then the same entries under a new ETag, then a new one
    fake_platform.route(
        "GET",
        "/feed.xml",
        Reply(body=_rss("a", "b"), headers={"ETag": '"v1"'}),
        Reply(status=304),
        Reply(body=_rss("a", "b"), headers={"ETag": '"v2"'}),
        Reply(body=_rss("c", "a", "b"), headers={"ETag": '"v3"'}),
    )
    feed = source(f"{fake_platform.base_url}/feed.xml")
    state, stored = CountingState(), []

    def store(raws: list[Any]) -> IngestResult:
        stored.extend(raws)
        return IngestResult(stored=len(raws))

    def poll(minutes: int) -> None:
        report = collect([feed], state=state, store=store, now=NOW + timedelta(minutes=minutes))
        assert report.failed == [] and report.attempted == 1

    # When it is polled four times, five minutes apart
    poll(0)
    assert state.writes[cursor_key("test-feed")] == 1
    poll(5)
    poll(10)
    # Then the 304 and the unchanged entries wrote no cursor, only the source's small health document
    assert fake_platform.calls("/feed.xml")[1].headers.get("If-None-Match") == '"v1"'
    assert state.writes[cursor_key("test-feed")] == 1
    assert state.writes[health_key("test-feed")] == 3
    # and the new entry is stored and moves the cursor, once
    poll(15)
    assert [m.native_id for m in stored] == ["a", "b", "c"]
    assert state.writes[cursor_key("test-feed")] == 2
    # and the health document keeps the interval: a poll a minute later does not ask the feed
    poll_count = len(fake_platform.calls("/feed.xml"))
    collect([feed], state=state, store=store, now=NOW + timedelta(minutes=16))
    assert len(fake_platform.calls("/feed.xml")) == poll_count


def test_the_cursor_stays_small_however_long_the_feed_and_its_ids(fake_platform: FakePlatform) -> None:
    # Given a feed of 400 entries whose ids are long URLs
    guids = [f"https://news.example/{'x' * 200}/{n}" for n in range(400)]
    fake_platform.route("GET", "/big.xml", Reply(body=_rss(*guids)))
    result = source(f"{fake_platform.base_url}/big.xml").fetch(None, NOW)
    # Then all are new once, and the cursor remembers 300 of them in under 5 KB
    assert len(result.mentions) == 400
    assert len(result.cursor["seen_digests"]) == 300
    assert len(json.dumps(result.cursor)) < 5000
    # and the entries it remembers are not new again
    fake_platform.route("GET", "/big.xml", Reply(body=_rss(*guids[:300])))
    assert source(f"{fake_platform.base_url}/big.xml").fetch(result.cursor, NOW).mentions == []


def test_a_cursor_from_before_digests_still_knows_its_entries(server: str) -> None:
    cursor = {"etag": None, "modified": None, "seen": ["rk-1", "rk-2"]}
    assert source(f"{server}/news.rss").fetch(cursor, NOW).mentions == []
