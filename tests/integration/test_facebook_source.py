"""The Facebook adapter against a local fake of the Graph API (fixtures: tests/fixtures/facebook/, with
the documentation pages they follow): the feed's time-based paging, comments newest first until
`since`, visitor and tagged posts, appsecret_proof on every call, Graph error codes (190, 10, 4,
80001 with X-Business-Use-Case-Usage, 2, 100/33), malformed payloads, the cursor that moves only
after the mentions are stored, and replies as the Page."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.facebook import FacebookPublisher, FacebookSource
from chalicelib.adapters.sources.registry import REGISTRY, SourceDeps
from chalicelib.domain.errors import (
    AppError,
    DeliveryFailed,
    DeliveryRejected,
    RateLimited,
    SourceMisconfigured,
    SourceUnavailable,
)
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import FetchResult, PublishedReply, Source
from chalicelib.services.collect import collect, cursor_key, read_health
from chalicelib.services.ingest import IngestResult
from tests.fakes import MemoryState, StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture
from tests.source_contract import SourceContract

pytestmark = pytest.mark.integration

BRAND = load_playbook(Path(__file__).resolve().parents[2] / "playbooks").brands[0]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
PAGE_ID = "104857600000001"
TOKEN, APP_SECRET = "EAAG-page-token", "app-secret-0123"
PROOF = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
FEED = f"/v25.0/{PAGE_ID}/feed"
TAGGED = f"/v25.0/{PAGE_ID}/tagged"
COMMENTS_7003 = f"/v25.0/{PAGE_ID}_7003/comments"
COMMENTS_7002 = f"/v25.0/{PAGE_ID}_7002/comments"
FEED_PAGE_2 = {"__paging_token": "enc_AdB1x9"}
COMMENTS_PAGE_2 = {"after": "WTI5dGJXVnVkRjlqZAFhKemIzSTZAM"}


def config(fake: FakePlatform, **options: Any) -> SourceConfig:
    return SourceConfig(
        id="fb-mueller",
        type="facebook",
        brand="mueller",
        options={"base_url": fake.base_url, "page_id": PAGE_ID, **options},
    )


def secrets(values: dict[str, str] | None = None) -> StaticSourceSecrets:
    return StaticSourceSecrets(
        {"facebook": {"page_access_token": TOKEN, "app_secret": APP_SECRET} if values is None else values}
    )


def source(fake: FakePlatform, store: StaticSourceSecrets | None = None, **options: Any) -> FacebookSource:
    return FacebookSource(
        config(fake, **options),
        BRAND,
        httpx.Client(),
        store or secrets(),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def page_with_activity(fake: FakePlatform) -> None:
    """Two feed pages (the Page's post 7003 and a visitor's post 7002 are active since 13:00), two
    comment pages on 7003 (the second reaches comments older than `since`), one on 7002."""
    fake.route("GET", FEED, Reply(json=load_fixture("facebook", "feed_page1")))
    fake.route("GET", FEED, Reply(json=load_fixture("facebook", "feed_page2")), query=FEED_PAGE_2)
    fake.route("GET", COMMENTS_7003, Reply(json=load_fixture("facebook", "comments_page1")))
    fake.route(
        "GET", COMMENTS_7003, Reply(json=load_fixture("facebook", "comments_page2")), query=COMMENTS_PAGE_2
    )
    fake.route("GET", COMMENTS_7002, Reply(json=load_fixture("facebook", "comments_visitor_post")))


def scan(src: FacebookSource, cursor: dict[str, Any] | None = None) -> tuple[list[FetchResult], int]:
    pages: list[FetchResult] = []
    for _ in range(20):
        pages.append(src.fetch(cursor, NOW))
        cursor = pages[-1].cursor
        if pages[-1].exhausted:
            break
    return pages, len(pages)


def stored_ids(pages: list[FetchResult]) -> list[str]:
    return [mention.native_id for page in pages for mention in page.mentions]


def test_visitor_posts_and_comments_become_mentions_the_pages_own_words_do_not(
    fake_platform: FakePlatform,
) -> None:
    page_with_activity(fake_platform)

    pages, calls = scan(source(fake_platform))

    # Then: the visitor's post, the new comments under both posts; not the Page's posts or its reply,
    # not the comment from before `since` (13:00)
    assert stored_ids(pages) == [f"{PAGE_ID}_7002", "7003_9105", "7003_9101", "7002_9201"]
    assert calls == 5 and pages[-1].cursor == {"since": "2026-11-29T13:55:00Z"}


def test_mentions_carry_author_url_engagement_and_the_post_as_thread(fake_platform: FakePlatform) -> None:
    page_with_activity(fake_platform)

    pages, _ = scan(source(fake_platform))

    visitor_post, comment = pages[0].mentions[0], pages[2].mentions[0]
    assert (visitor_post.platform, visitor_post.brand) == ("facebook", "mueller")
    assert visitor_post.author.handle == "Sabine Keller" and visitor_post.engagement == 5 + 2
    assert visitor_post.url == "https://www.facebook.com/MuellerHG/posts/7002"
    assert visitor_post.published_at == datetime(2026, 11, 29, 13, 40, 2, tzinfo=UTC)
    assert visitor_post.thread_id is None and visitor_post.text.startswith("Mein Spülmeister 3000")
    assert comment.thread_id == f"{PAGE_ID}_7003" and comment.engagement == 17 + 3
    assert comment.url == "https://www.facebook.com/MuellerHG/posts/7003?comment_id=9105"


def test_every_call_carries_the_token_and_its_appsecret_proof(fake_platform: FakePlatform) -> None:
    page_with_activity(fake_platform)

    scan(source(fake_platform))

    assert len(fake_platform.requests) == 5
    for request in fake_platform.requests:
        assert request.query["access_token"] == [TOKEN] and request.query["appsecret_proof"] == [PROOF]
    first_feed = fake_platform.calls(FEED)[0]
    assert first_feed.query["since"] == [str(int((NOW - timedelta(days=7)).timestamp()))]
    assert "from" in first_feed.query["fields"][0].split(",")
    comments = fake_platform.calls(COMMENTS_7003)[0]
    assert comments.query["filter"] == ["stream"] and comments.query["order"] == ["reverse_chronological"]


def test_paging_follows_next_without_keeping_credentials_and_holds_since(fake_platform: FakePlatform) -> None:
    page_with_activity(fake_platform)
    src = source(fake_platform)

    first = src.fetch({"since": "2026-11-29T13:00:00Z"}, NOW)

    assert not first.exhausted and first.cursor["since"] == "2026-11-29T13:00:00Z"
    assert first.cursor["scan"]["page"]["__paging_token"] == "enc_AdB1x9"
    assert TOKEN not in json.dumps(first.cursor) and PROOF not in json.dumps(first.cursor)
    second = src.fetch(first.cursor, NOW)
    assert fake_platform.calls(FEED)[1].query["until"] == ["1764234000"]
    assert second.cursor["scan"]["stage"] == "comments"
    assert second.cursor["scan"]["posts"] == [f"{PAGE_ID}_7003", f"{PAGE_ID}_7002"]


def test_an_empty_feed_is_one_call_and_moves_since_to_the_scan_start(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", FEED, Reply(json=load_fixture("facebook", "feed_empty")))

    page = source(fake_platform).fetch({"since": "2026-11-29T13:00:00Z"}, NOW)

    assert page.mentions == [] and page.exhausted and page.cursor == {"since": "2026-11-29T13:55:00Z"}
    assert len(fake_platform.requests) == 1


def test_tagged_posts_are_read_since_the_cursor_when_enabled(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", FEED, Reply(json=load_fixture("facebook", "feed_empty")))
    fake_platform.route("GET", TAGGED, Reply(json=load_fixture("facebook", "tagged")))

    pages, calls = scan(source(fake_platform, tagged=True), {"since": "2026-11-29T13:00:00Z"})

    assert calls == 2 and stored_ids(pages) == ["6001100220088_5501"]
    assert pages[-1].mentions[0].author.handle is None  # Graph leaves `from` out of others' posts
    assert fake_platform.calls(TAGGED)[0].query["since"] == [str(int(datetime(2026, 11, 29, 13).timestamp()))]


def test_comments_of_a_deleted_post_are_skipped_and_the_scan_goes_on(fake_platform: FakePlatform) -> None:
    page_with_activity(fake_platform)
    fake_platform.route("GET", COMMENTS_7003, Reply(400, json=load_fixture("facebook", "error_gone")))

    pages, _ = scan(source(fake_platform))

    assert stored_ids(pages) == [f"{PAGE_ID}_7002", "7002_9201"] and pages[-1].exhausted


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(400, json=load_fixture("facebook", "error_190")), "190"),  # Graph answers 400, not 401
        (Reply(403, json=load_fixture("facebook", "error_permission")), "10"),
        (Reply(401, json={"error": "invalid_token"}), "invalid_token"),
    ],
)
def test_an_expired_token_or_a_missing_permission_is_a_configuration_error(
    fake_platform: FakePlatform, reply: Reply, code: str
) -> None:
    fake_platform.route("GET", FEED, reply)

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert len(fake_platform.requests) == 1 and caught.value.details[0]["code"] == code
    assert TOKEN not in repr(caught.value.details) and "Session has expired" not in repr(caught.value.details)


def test_a_missing_secret_key_is_a_configuration_error_without_calling_graph(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, secrets({"page_access_token": TOKEN})).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_page_rate_limit_holds_the_source_for_the_estimated_time_and_keeps_the_scan(
    fake_platform: FakePlatform,
) -> None:
    # Given the first feed page, then Graph's Pages rate limit with 25 minutes to regain access
    usage = {PAGE_ID: [{"type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 30,
                        "estimated_time_to_regain_access": 25}]}  # fmt: skip
    fake_platform.route("GET", FEED, Reply(json=load_fixture("facebook", "feed_page1")))
    fake_platform.route(
        "GET",
        FEED,
        Reply(
            400,
            json=load_fixture("facebook", "error_rate_limit"),
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        ),
        query=FEED_PAGE_2,
    )
    state, stored = MemoryState(), []

    def store(raws: list) -> IngestResult:
        stored.extend(m.native_id for m in raws)
        return IngestResult(stored=len(raws))

    # When the collector runs
    report = collect([source(fake_platform)], state=state, store=store, now=NOW)

    # Then page 1 is stored, the scan waits on page 2, and the source is held ~25 minutes (no retries)
    assert report.rate_limited == ["fb-mueller"] and report.failed == [] and stored == [f"{PAGE_ID}_7002"]
    saved = state.get(cursor_key("fb-mueller"))["cursor"]
    assert saved["scan"]["page"]["__paging_token"] == "enc_AdB1x9"
    health = read_health(state, "fb-mueller")
    assert NOW + timedelta(minutes=24) <= health.not_before <= NOW + timedelta(minutes=26)
    assert len(fake_platform.calls(FEED)) == 2


def test_an_app_rate_limit_without_an_estimate_waits_fifteen_minutes(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET",
        FEED,
        Reply(
            400,
            json=load_fixture("facebook", "error_app_rate_limit"),
            headers={"X-App-Usage": '{"call_count":100,"total_cputime":20,"total_time":41}'},
        ),
    )

    with pytest.raises(RateLimited) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.retry_after == 900 and caught.value.details[0]["code"] == "4"


@pytest.mark.parametrize(
    "failure",
    [
        Reply(500, json=load_fixture("facebook", "error_transient")),
        Reply(400, json=load_fixture("facebook", "error_transient")),  # is_transient, whatever the status
        Reply(503, body="Service Unavailable"),
    ],
)
def test_a_temporary_error_is_retried_and_then_succeeds(fake_platform: FakePlatform, failure: Reply) -> None:
    fake_platform.route("GET", FEED, failure, Reply(json=load_fixture("facebook", "feed_page2")))

    page = source(fake_platform).fetch({"since": "2026-11-29T13:00:00Z"}, NOW)

    assert page.exhausted and len(fake_platform.calls(FEED)) == 2


def test_another_graph_error_is_unavailable_without_retries(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET", FEED, Reply(400, json={"error": {"message": "Invalid parameter", "type": "x", "code": 100}})
    )

    with pytest.raises(SourceUnavailable) as caught:
        source(fake_platform).fetch(None, NOW)

    assert type(caught.value) is SourceUnavailable and len(fake_platform.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"data": {"id": "1"}}),  # data is not a list
        Reply(json={"data": [{"id": "1", "message": "x", "created_time": "gestern"}]}),
        Reply(json={"paging": {}}),  # no data
        Reply(body="<html>upstream connect error</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", FEED, reply)
    state = MemoryState()
    before = {
        "cursor": {"since": "2026-11-29T12:00:00Z"},
        "polled_at": (NOW - timedelta(hours=1)).isoformat(),
    }
    state.put(cursor_key("fb-mueller"), before)

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["fb-mueller"]
    assert state.get(cursor_key("fb-mueller"))["cursor"] == {"since": "2026-11-29T12:00:00Z"}


def test_the_cursor_does_not_move_past_a_page_that_was_not_stored(fake_platform: FakePlatform) -> None:
    # Given a scan whose third page (the first comments) cannot be stored
    page_with_activity(fake_platform)
    state, calls = MemoryState(), []

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if len(calls) == 3:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult(stored=len(raws))

    report = collect([source(fake_platform)], state=state, store=flaky_store, now=NOW)

    # Then the cursor stands before that page: post 7003's comments from the start, since unmoved
    assert report.failed == ["fb-mueller"]
    saved = state.get(cursor_key("fb-mueller"))["cursor"]
    assert saved["since"] == "2026-11-29T13:00:00Z"
    assert saved["scan"]["stage"] == "comments" and "page" not in saved["scan"]
    assert saved["scan"]["posts"][0] == f"{PAGE_ID}_7003"


def test_the_registry_builds_the_adapter_and_it_needs_a_page_id(fake_platform: FakePlatform) -> None:
    deps = SourceDeps(client=httpx.Client(), secrets=secrets())
    assert isinstance(REGISTRY["facebook"](config(fake_platform), BRAND, deps), FacebookSource)
    with pytest.raises(ValueError, match="page_id"):
        FacebookSource(
            SourceConfig(id="fb-x", type="facebook", brand="mueller"), BRAND, deps.client, secrets()
        )


def publisher(fake: FakePlatform) -> FacebookPublisher:
    return FacebookPublisher(config(fake), httpx.Client(), secrets(), sleep=lambda _: None)


def test_a_reply_is_a_comment_as_the_page_with_the_proof(fake_platform: FakePlatform) -> None:
    path = "/v25.0/7003_9105/comments"
    fake_platform.route("POST", path, Reply(json=load_fixture("facebook", "create_comment")))

    published = publisher(fake_platform).reply(in_reply_to="7003_9105", text="Das tut uns leid, bitte PN.")

    assert published == PublishedReply(
        platform="facebook", native_id="7003_9110", url="https://www.facebook.com/7003_9110"
    )
    [request] = fake_platform.calls(path)
    assert request.query["appsecret_proof"] == [PROOF]
    assert request.body.decode() == "message=Das+tut+uns+leid%2C+bitte+PN."


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(500, json=load_fixture("facebook", "error_transient")), DeliveryFailed),
        (Reply(400, json=load_fixture("facebook", "error_rate_limit")), DeliveryFailed),
        (Reply(400, json=load_fixture("facebook", "error_190")), DeliveryRejected),
        (Reply(400, json=load_fixture("facebook", "error_gone")), DeliveryRejected),
        (Reply(200, json={"success": True}), DeliveryFailed),  # no id: we cannot tell where it went
    ],
)
def test_a_failed_reply_is_tried_once_and_says_whether_a_retry_may_help(
    fake_platform: FakePlatform, reply: Reply, error: type[AppError]
) -> None:
    fake_platform.route("POST", "/v25.0/7003_9105/comments", reply)

    with pytest.raises(error) as caught:
        publisher(fake_platform).reply(in_reply_to="7003_9105", text="Danke")

    assert type(caught.value) is error and len(fake_platform.requests) == 1
    assert TOKEN not in repr(caught.value.details)


class TestFacebookSourceContract(SourceContract):
    secret_name = "facebook"
    credentials = {"page_access_token": "EAAG-contract-token", "app_secret": "contract-app-secret"}
    path = FEED
    credentials_in_query = True  # access_token and appsecret_proof, as Graph asks

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        return FacebookSource(config(fake), BRAND, httpx.Client(), secrets, sleep=lambda _: None)
