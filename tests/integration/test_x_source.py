"""The X adapter against a local fake of the X API v2 recent search (fixtures: tests/fixtures/x/,
with the documentation pages they follow): paging with next_token and since_id, empty results,
refused tokens, rate limits with x-rate-limit-reset, server errors, malformed payloads, and the
cursor that moves only after the mentions are stored."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.x import SEARCH_PATH, XSource, default_query
from chalicelib.domain.errors import SourceMisconfigured, SourceUnavailable
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import Source
from chalicelib.services.collect import collect, cursor_key, read_health
from chalicelib.services.ingest import IngestResult
from tests.fakes import MemoryState, StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture
from tests.source_contract import SourceContract

pytestmark = pytest.mark.integration

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
BRAND = PLAYBOOK.brands[0]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
TOKEN = "AAAA-test-bearer"
PAGE_2 = {"next_token": "b26v89c19zqg8o3fpdg8ya8s5v2a0fzf7yg2hkldfq24d"}


def x_source(fake: FakePlatform, secrets: dict[str, dict[str, str]] | None = None, **options: Any) -> XSource:
    config = SourceConfig(
        id="x-mueller", type="x", brand="mueller", options={"base_url": fake.base_url, **options}
    )
    return XSource(
        config,
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"x": {"bearer_token": TOKEN}} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def two_pages(fake: FakePlatform) -> None:
    fake.route("GET", SEARCH_PATH, Reply(json=load_fixture("x", "search_page1")))
    fake.route("GET", SEARCH_PATH, Reply(json=load_fixture("x", "search_page2")), query=PAGE_2)


def test_posts_become_mentions_with_author_reach_engagement_and_thread(fake_platform: FakePlatform) -> None:
    two_pages(fake_platform)

    page = x_source(fake_platform).fetch(None, NOW)

    reply, root = page.mentions
    assert (reply.platform, reply.native_id, reply.brand) == ("x", "1862500000000000003", "mueller")
    assert reply.url == "https://x.com/anna_kocht/status/1862500000000000003"
    assert reply.author.handle == "@anna_kocht" and reply.author.followers == 1830 and reply.reach == 1830
    assert reply.published_at == datetime(2026, 11, 29, 13, 58, 12, tzinfo=UTC)
    assert reply.lang_hint == "de" and reply.engagement == 12 + 4 + 31 + 2
    assert reply.thread_id == "1862400000000000001"  # a reply names its conversation
    assert root.thread_id is None and root.author.followers == 84000
    assert reply.text.startswith("@MuellerHG Mein Spülmeister 3000 hat heute Nacht angefangen zu schmoren.")


def test_the_first_request_asks_for_the_documented_fields_with_the_bearer_token(
    fake_platform: FakePlatform,
) -> None:
    two_pages(fake_platform)

    x_source(fake_platform).fetch(None, NOW)

    [request] = fake_platform.calls(SEARCH_PATH)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.query["query"] == [default_query(BRAND)]
    assert request.query["expansions"] == ["author_id"]
    assert request.query["user.fields"] == ["public_metrics"]
    assert set(request.query["tweet.fields"][0].split(",")) >= {
        "created_at",
        "lang",
        "public_metrics",
        "conversation_id",
        "referenced_tweets",
    }
    assert request.query["start_time"] == ["2026-11-29T13:00:00Z"] and "since_id" not in request.query


def test_paging_follows_next_token_then_moves_since_id_to_the_newest_post(
    fake_platform: FakePlatform,
) -> None:
    two_pages(fake_platform)
    source = x_source(fake_platform)

    first = source.fetch(None, NOW)
    assert not first.exhausted and first.cursor["next_token"] == PAGE_2["next_token"]
    assert first.cursor.get("since_id") is None  # not before the last page is stored

    second = source.fetch(first.cursor, NOW)
    assert second.exhausted and [m.native_id for m in second.mentions] == ["1862500000000000001"]
    assert second.cursor == {"since_id": "1862500000000000003"}

    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("x", "search_empty")))
    third = source.fetch(second.cursor, NOW + timedelta(minutes=5))
    assert third.mentions == [] and third.cursor == {"since_id": "1862500000000000003"}
    last = fake_platform.calls(SEARCH_PATH)[-1]
    assert last.query["since_id"] == ["1862500000000000003"] and "next_token" not in last.query
    assert "start_time" not in last.query


def test_an_empty_result_keeps_the_cursor(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("x", "search_empty")))

    page = x_source(fake_platform).fetch({"since_id": "1862500000000000003"}, NOW)

    assert page.mentions == [] and page.exhausted and page.cursor == {"since_id": "1862500000000000003"}


def test_a_post_whose_author_is_missing_is_still_a_mention(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("x", "search_partial_errors")))

    [mention] = x_source(fake_platform).fetch(None, NOW).mentions

    assert mention.author.handle is None and mention.url == "https://x.com/i/web/status/1862500000000000010"


def test_a_refused_token_is_a_configuration_error(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", SEARCH_PATH, Reply(401, json=load_fixture("x", "error_401")))

    with pytest.raises(SourceMisconfigured) as caught:
        x_source(fake_platform).fetch(None, NOW)

    assert len(fake_platform.calls(SEARCH_PATH)) == 1 and TOKEN not in repr(caught.value.details)


def test_a_missing_secret_is_a_configuration_error_without_calling_x(fake_platform: FakePlatform) -> None:
    with pytest.raises(SourceMisconfigured):
        x_source(fake_platform, secrets={}).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_rate_limit_holds_the_source_until_x_resets_it_and_keeps_the_cursor(
    fake_platform: FakePlatform,
) -> None:
    # Given X serves the first page, then answers 429 with a reset 15 minutes ahead
    reset = int((datetime.now(UTC) + timedelta(minutes=15)).timestamp())
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("x", "search_page1")))
    limit_headers = {
        "x-rate-limit-limit": "60",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset),
    }
    fake_platform.route(
        "GET",
        SEARCH_PATH,
        Reply(429, json=load_fixture("x", "error_429"), headers=limit_headers),
        query=PAGE_2,
    )
    state = MemoryState()
    stored: list[str] = []

    def store(raws: list) -> IngestResult:
        stored.extend(m.native_id for m in raws)
        return IngestResult(stored=len(raws))

    # When the collector runs it
    report = collect([x_source(fake_platform)], state=state, store=store, now=NOW)

    # Then the first page is stored, the cursor points at page 2, and the source waits for the reset
    assert report.rate_limited == ["x-mueller"] and report.failed == [] and len(stored) == 2
    assert state.get(cursor_key("x-mueller"))["cursor"]["next_token"] == PAGE_2["next_token"]
    health = read_health(state, "x-mueller")
    assert NOW + timedelta(minutes=14) <= health.not_before <= NOW + timedelta(minutes=16)


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET",
        SEARCH_PATH,
        Reply(503, json={"title": "Service Unavailable", "status": 503}),
        Reply(json=load_fixture("x", "search_page2")),
    )

    page = x_source(fake_platform).fetch(None, NOW)

    assert [m.native_id for m in page.mentions] == ["1862500000000000001"]
    assert len(fake_platform.calls(SEARCH_PATH)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"data": {"id": "1"}, "meta": {"result_count": 1}}),  # data is not a list
        Reply(json={"data": [{"id": "1", "text": "x", "created_at": "gestern"}], "meta": {}}),
        Reply(json={"results": []}),  # no meta
        Reply(body="<html>upstream connect error</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", SEARCH_PATH, reply)
    state = MemoryState()
    state.put(
        cursor_key("x-mueller"),
        {"cursor": {"since_id": "100"}, "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )

    report = collect([x_source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["x-mueller"]
    assert state.get(cursor_key("x-mueller"))["cursor"] == {"since_id": "100"}
    with pytest.raises(SourceUnavailable):
        x_source(fake_platform).fetch(None, NOW)


def test_the_cursor_does_not_move_past_a_page_that_was_not_stored(fake_platform: FakePlatform) -> None:
    # Given two pages, and a store that fails on the second
    two_pages(fake_platform)
    state = MemoryState()
    calls: list[int] = []

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult(stored=len(raws))

    # When the collector runs
    report = collect([x_source(fake_platform)], state=state, store=flaky_store, now=NOW)

    # Then the cursor stands after page 1 (page 2 is asked for again), since_id has not moved
    assert report.failed == ["x-mueller"]
    cursor = state.get(cursor_key("x-mueller"))["cursor"]
    assert cursor["next_token"] == PAGE_2["next_token"] and cursor.get("since_id") is None


class TestXSourceContract(SourceContract):
    secret_name = "x"
    credentials = {"bearer_token": "AAAA-contract-bearer"}
    path = SEARCH_PATH

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        config = SourceConfig(id="x-mueller", type="x", brand="mueller", options={"base_url": fake.base_url})
        return XSource(config, BRAND, httpx.Client(), secrets, sleep=lambda _: None)
