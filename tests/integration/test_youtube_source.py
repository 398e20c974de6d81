"""The YouTube adapter against a local fake of the Data API v3 (fixtures: tests/fixtures/youtube/,
with the documentation pages they follow): comment threads of a channel and video searches paged with
pageToken down to the newest item of the last run, empty pages, the quota counted per Pacific day and
kept under the source's budget, quotaExceeded (403) as a rate limit until midnight Pacific time, other
error reasons, server errors, malformed payloads, and the cursor that moves only after storing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.youtube import (
    COMMENT_THREADS_PATH,
    SEARCH_PATH,
    YouTubeSource,
    seconds_until_quota_reset,
)
from chalicelib.domain.errors import RateLimited, SourceMisconfigured, SourceUnavailable
from chalicelib.domain.playbook import SourceConfig
from chalicelib.services.collect import collect, cursor_key, read_health
from chalicelib.services.ingest import IngestResult
from tests.fakes import MemoryState, StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture

pytestmark = pytest.mark.integration

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
BRAND = PLAYBOOK.brands[0]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)  # 06:00 in California: the quota resets in 18 h
KEY = "AIzaSy-test-key"
CHANNEL = "UCmuellerHG0000000000000"
STREAM = f"comments:{CHANNEL}"
OLD_MARK = {"id": "UgzKx1Spuelmeister000", "published": "2026-11-29T12:00:00Z"}
PAGE_2 = {"pageToken": "QURTSl9pM2xNZ0FB"}


def source(
    fake: FakePlatform, secrets: dict[str, dict[str, str]] | None = None, **options: Any
) -> YouTubeSource:
    options = {"base_url": fake.base_url, "channel_ids": CHANNEL, **options}
    config = SourceConfig(id="youtube-mueller", type="youtube", brand="mueller", options=options)
    return YouTubeSource(
        config,
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"youtube": {"api_key": KEY}} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def thread_pages(fake: FakePlatform) -> None:
    fake.route("GET", COMMENT_THREADS_PATH, Reply(json=load_fixture("youtube", "comment_threads_page1")))
    fake.route(
        "GET",
        COMMENT_THREADS_PATH,
        Reply(json=load_fixture("youtube", "comment_threads_page2")),
        query=PAGE_2,
    )


def error(name: str, status: int) -> Reply:
    return Reply(status, json=load_fixture("youtube", name))


def test_comment_threads_become_mentions(fake_platform: FakePlatform) -> None:
    thread_pages(fake_platform)

    first, second = source(fake_platform).fetch(None, NOW).mentions

    assert (first.platform, first.native_id, first.brand) == ("youtube", "UgzKx1Spuelmeister003", "mueller")
    assert first.text == "Mein Spülmeister 3000 qualmt – was nun?" and first.author.handle == "@anna_kocht"
    assert first.url == "https://www.youtube.com/watch?v=dQmueller01&lc=UgzKx1Spuelmeister003"
    assert first.engagement == 31 + 4 and first.thread_id == "dQmueller01"
    assert first.published_at == datetime(2026, 11, 29, 13, 58, 12, tzinfo=UTC)
    assert second.native_id == "UgzKx1Spuelmeister002"


def test_the_request_asks_for_the_channels_threads_newest_first_with_the_key(
    fake_platform: FakePlatform,
) -> None:
    thread_pages(fake_platform)

    page = source(fake_platform).fetch(None, NOW)

    [request] = fake_platform.calls(COMMENT_THREADS_PATH)
    assert request.query["allThreadsRelatedToChannelId"] == [CHANNEL] and request.query["order"] == ["time"]
    assert request.query["part"] == ["snippet"] and request.query["key"] == [KEY]
    assert request.query["textFormat"] == ["plainText"] and "pageToken" not in request.query
    # the first run reads one page and counts one unit
    assert page.exhausted and page.cursor["marks"][STREAM] == {
        "id": "UgzKx1Spuelmeister003",
        "published": "2026-11-29T13:58:12Z",
    }
    assert page.cursor["quota"] == {"day": "2026-11-29", "used": 1} and page.notes["quota_used"] == 1


def test_paging_follows_page_tokens_down_to_the_last_runs_newest_comment(fake_platform: FakePlatform) -> None:
    thread_pages(fake_platform)
    youtube = source(fake_platform)

    first = youtube.fetch({"marks": {STREAM: OLD_MARK}}, NOW)
    assert not first.exhausted and first.cursor["page"] == PAGE_2["pageToken"]
    assert first.cursor["marks"] == {STREAM: OLD_MARK}  # not before the last page is stored

    second = youtube.fetch(first.cursor, NOW)
    assert [m.native_id for m in second.mentions] == ["UgzKx1Spuelmeister001"]
    assert second.exhausted and "page" not in second.cursor
    assert second.cursor["marks"][STREAM]["id"] == "UgzKx1Spuelmeister003"
    assert second.cursor["quota"]["used"] == 2


def test_an_empty_page_keeps_the_mark(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET", COMMENT_THREADS_PATH, Reply(json=load_fixture("youtube", "comment_threads_empty"))
    )

    page = source(fake_platform).fetch({"marks": {STREAM: OLD_MARK}}, NOW)

    assert page.mentions == [] and page.exhausted and page.cursor["marks"] == {STREAM: OLD_MARK}


def test_a_search_finds_new_videos_after_the_last_one_and_waits_its_interval(
    fake_platform: FakePlatform,
) -> None:
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("youtube", "search_page")))
    youtube = source(fake_platform, channel_ids="", search="Spülmeister")
    stream = "search:Spülmeister"
    mark = {
        "id": "vIdOld",
        "published": "2026-11-28T09:00:00Z",
        "searched_at": (NOW - timedelta(hours=2)).isoformat(),
    }

    found = youtube.fetch({"marks": {stream: mark}}, NOW)

    [request] = fake_platform.calls(SEARCH_PATH)
    assert request.query["q"] == ["Spülmeister"] and request.query["type"] == ["video"]
    assert request.query["order"] == ["date"] and request.query["publishedAfter"] == ["2026-11-28T09:00:00Z"]
    [video] = found.mentions
    assert video.native_id == "vIdSpuel001" and video.url == "https://www.youtube.com/watch?v=vIdSpuel001"
    assert video.text == (
        "Spülmeister 3000 brennt?! Müller's Rückruf erklärt\n\nWas ihr jetzt tun solltet & wie ihr euer Gerät prüft."
    )
    assert video.author.handle == "Technik Check" and found.cursor["quota"]["used"] == 100
    assert found.cursor["marks"][stream]["id"] == "vIdSpuel001"

    again = youtube.fetch(found.cursor, NOW + timedelta(minutes=10))  # within search_minutes (60)
    assert again.mentions == [] and len(fake_platform.calls(SEARCH_PATH)) == 1
    assert again.cursor["quota"]["used"] == 100


def test_a_search_that_would_pass_the_budget_is_not_made_but_comments_go_on(
    fake_platform: FakePlatform,
) -> None:
    thread_pages(fake_platform)
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("youtube", "search_page")))
    youtube = source(fake_platform, search="Spülmeister", daily_quota=150)
    cursor: dict[str, Any] = {"quota": {"day": "2026-11-29", "used": 60}}

    comments = youtube.fetch(cursor, NOW)
    search = youtube.fetch(comments.cursor, NOW)

    assert len(comments.mentions) == 2 and search.mentions == [] and search.exhausted
    assert fake_platform.calls(SEARCH_PATH) == [] and search.cursor["quota"] == {
        "day": "2026-11-29",
        "used": 61,
    }


def test_a_used_up_budget_holds_the_source_until_midnight_pacific(fake_platform: FakePlatform) -> None:
    thread_pages(fake_platform)
    state = MemoryState()
    cursor = {"marks": {STREAM: OLD_MARK}, "quota": {"day": "2026-11-29", "used": 3000}}
    state.put(
        cursor_key("youtube-mueller"), {"cursor": cursor, "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.rate_limited == ["youtube-mueller"] and fake_platform.requests == []
    assert read_health(state, "youtube-mueller").not_before == NOW + timedelta(hours=18)


def test_the_budget_starts_afresh_on_the_next_pacific_day(fake_platform: FakePlatform) -> None:
    thread_pages(fake_platform)
    cursor = {"marks": {STREAM: OLD_MARK}, "quota": {"day": "2026-11-28", "used": 3000}}

    page = source(fake_platform).fetch(cursor, NOW)

    assert page.cursor["quota"] == {"day": "2026-11-29", "used": 1}


def test_quota_exceeded_is_a_rate_limit_until_midnight_pacific_not_a_configuration_error(
    fake_platform: FakePlatform,
) -> None:
    # Given YouTube serves page 1, then answers 403 quotaExceeded
    thread_pages(fake_platform)
    fake_platform.route("GET", COMMENT_THREADS_PATH, error("error_quota_exceeded", 403), query=PAGE_2)
    state = MemoryState()
    state.put(
        cursor_key("youtube-mueller"),
        {"cursor": {"marks": {STREAM: OLD_MARK}}, "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )
    stored: list[str] = []

    def store(raws: list) -> IngestResult:
        stored.extend(m.native_id for m in raws)
        return IngestResult(stored=len(raws))

    # When the collector runs it
    report = collect([source(fake_platform)], state=state, store=store, now=NOW)

    # Then page 1 is stored, the cursor points at page 2, and the source waits for the quota reset
    assert report.rate_limited == ["youtube-mueller"] and report.misconfigured == [] and len(stored) == 2
    saved = state.get(cursor_key("youtube-mueller"))["cursor"]
    assert saved["page"] == PAGE_2["pageToken"] and saved["marks"] == {STREAM: OLD_MARK}
    wait = seconds_until_quota_reset(datetime.now(UTC))
    not_before = read_health(state, "youtube-mueller").not_before
    assert NOW + timedelta(seconds=wait - 60) <= not_before <= NOW + timedelta(seconds=wait + 60)


def test_a_short_rate_limit_is_a_rate_limit(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", COMMENT_THREADS_PATH, error("error_rate_limit", 403))

    with pytest.raises(RateLimited) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.retry_after == 60


@pytest.mark.parametrize(
    ("name", "status"),
    [("error_forbidden", 403), ("error_key_invalid", 400), ("error_channel_not_found", 404)],
)
def test_a_refused_key_or_an_unknown_channel_is_a_configuration_error(
    fake_platform: FakePlatform, name: str, status: int
) -> None:
    fake_platform.route("GET", COMMENT_THREADS_PATH, error(name, status))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert not isinstance(caught.value, RateLimited) and KEY not in repr(caught.value.details)
    assert len(fake_platform.calls(COMMENT_THREADS_PATH)) == 1


def test_a_missing_key_is_a_configuration_error_without_calling_youtube(fake_platform: FakePlatform) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, secrets={"youtube": {}}).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET",
        COMMENT_THREADS_PATH,
        Reply(
            503,
            json={
                "error": {
                    "code": 503,
                    "message": "The service is currently unavailable.",
                    "errors": [{"reason": "backendError"}],
                }
            },
        ),
        Reply(json=load_fixture("youtube", "comment_threads_page1")),
    )

    page = source(fake_platform).fetch(None, NOW)

    assert len(page.mentions) == 2 and len(fake_platform.calls(COMMENT_THREADS_PATH)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"kind": "youtube#searchListResponse", "items": []}),  # the wrong resource
        Reply(json={"kind": "youtube#commentThreadListResponse", "items": [{"id": "x", "snippet": {}}]}),
        Reply(json={"kind": "youtube#commentThreadListResponse"}),  # no items
        Reply(body="<html>Error 502</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", COMMENT_THREADS_PATH, reply)
    state = MemoryState()
    cursor = {"marks": {STREAM: OLD_MARK}, "quota": {"day": "2026-11-29", "used": 5}}
    state.put(
        cursor_key("youtube-mueller"), {"cursor": cursor, "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["youtube-mueller"]
    assert state.get(cursor_key("youtube-mueller"))["cursor"] == cursor
    with pytest.raises(SourceUnavailable):
        source(fake_platform).fetch(None, NOW)


def test_the_cursor_does_not_move_past_a_page_that_was_not_stored(fake_platform: FakePlatform) -> None:
    thread_pages(fake_platform)
    state = MemoryState()
    state.put(
        cursor_key("youtube-mueller"),
        {"cursor": {"marks": {STREAM: OLD_MARK}}, "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )
    calls: list[int] = []

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult(stored=len(raws))

    report = collect([source(fake_platform)], state=state, store=flaky_store, now=NOW)

    assert report.failed == ["youtube-mueller"] and calls == [2, 1]
    saved = state.get(cursor_key("youtube-mueller"))["cursor"]
    assert saved["page"] == PAGE_2["pageToken"] and saved["marks"] == {STREAM: OLD_MARK}


def test_the_quota_resets_at_midnight_pacific_in_winter_and_summer() -> None:
    assert seconds_until_quota_reset(datetime(2026, 11, 29, 7, 59, tzinfo=UTC)) == 60  # 23:59 PST
    assert seconds_until_quota_reset(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == 60  # 23:59 PDT
