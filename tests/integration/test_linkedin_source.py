"""The LinkedIn adapter against a local fake of the Community Management API (fixtures:
tests/fixtures/linkedin/, with the documentation pages they follow): the organisation's recent posts,
their comments with start/count and paging.links, the versioned Rest.li headers, the organisation's
own comments left out, daily 429s held until midnight UTC, refused tokens, server errors, malformed
payloads and the cursor after the store."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.linkedin import LinkedInSource, seconds_until_midnight_utc
from chalicelib.adapters.sources.registry import REGISTRY, SourceDeps
from chalicelib.domain.errors import RateLimited, SourceMisconfigured
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import FetchResult, Source
from chalicelib.services.collect import collect, cursor_key, read_health
from chalicelib.services.ingest import IngestResult
from tests.fakes import MemoryState, StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture
from tests.source_contract import SourceContract

pytestmark = pytest.mark.integration

BRAND = load_playbook(Path(__file__).resolve().parents[2] / "playbooks").brands[0]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
TOKEN = "AQV-member-token"
POSTS = "/rest/posts"
POST_1 = "urn:li:share:7400000000000000001"
COMMENTS_1 = "/rest/socialActions/urn%3Ali%3Ashare%3A7400000000000000001/comments"
COMMENTS_2 = "/rest/socialActions/urn%3Ali%3AugcPost%3A7400000000000000002/comments"
SINCE = {"since": "2026-11-29T13:00:00Z"}


def config(fake: FakePlatform, **options: Any) -> SourceConfig:
    return SourceConfig(
        id="li-mueller",
        type="linkedin",
        brand="mueller",
        options={"base_url": fake.base_url, "organization_id": "5515715", **options},
    )


def source(fake: FakePlatform, secrets: dict | None = None, **options: Any) -> LinkedInSource:
    return LinkedInSource(
        config(fake, **options),
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"linkedin": {"access_token": TOKEN}} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def organisation_with_comments(fake: FakePlatform) -> None:
    fake.route("GET", POSTS, Reply(json=load_fixture("linkedin", "posts_page1")))
    fake.route("GET", POSTS, Reply(json=load_fixture("linkedin", "posts_page2")), query={"start": "2"})
    fake.route("GET", COMMENTS_1, Reply(json=load_fixture("linkedin", "comments_page1")))
    fake.route(
        "GET", COMMENTS_1, Reply(json=load_fixture("linkedin", "comments_page2")), query={"start": "2"}
    )
    fake.route("GET", COMMENTS_2, Reply(json=load_fixture("linkedin", "comments_post2")))


def scan(src: LinkedInSource, cursor: dict[str, Any] | None) -> list[FetchResult]:
    pages: list[FetchResult] = []
    for _ in range(20):
        pages.append(src.fetch(cursor, NOW))
        cursor = pages[-1].cursor
        if pages[-1].exhausted:
            break
    return pages


def test_new_comments_on_recent_posts_become_mentions_the_organisations_own_do_not(
    fake_platform: FakePlatform,
) -> None:
    organisation_with_comments(fake_platform)

    pages = scan(source(fake_platform), dict(SINCE))

    ids = [m.native_id for page in pages for m in page.mentions]
    assert ids == [
        "urn:li:comment:(urn:li:activity:7400000000000000100,7401000000000000001)",
        "urn:li:comment:(urn:li:activity:7400000000000000200,7402000000000000001)",
    ]
    assert len(pages) == 5 and pages[-1].cursor == {"since": "2026-11-29T13:55:00Z"}


def test_a_comment_carries_its_post_as_thread_likes_and_replies_and_no_person(
    fake_platform: FakePlatform,
) -> None:
    organisation_with_comments(fake_platform)

    comment = next(m for page in scan(source(fake_platform), dict(SINCE)) for m in page.mentions)

    assert comment.platform == "linkedin" and comment.thread_id == POST_1
    assert comment.engagement == 6 + 2 and comment.author.handle is None
    assert comment.published_at == datetime(2026, 11, 29, 13, 47, 12, tzinfo=UTC)
    assert comment.url is not None and comment.url.startswith(
        f"https://www.linkedin.com/feed/update/{POST_1}?commentUrn="
    )
    assert comment.text.startswith("Bei unserem Kunden hat das Gerät geschmort.")


def test_every_call_is_versioned_restli_2_with_the_token(fake_platform: FakePlatform) -> None:
    organisation_with_comments(fake_platform)

    scan(source(fake_platform, api_version="202611"), dict(SINCE))

    for request in fake_platform.requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["LinkedIn-Version"] == "202611"
        assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    first = fake_platform.calls(POSTS)[0]
    assert first.query["q"] == ["author"] and first.query["author"] == ["urn:li:organization:5515715"]
    assert first.query["sortBy"] == ["CREATED"] and first.query["start"] == ["0"]
    assert fake_platform.calls(COMMENTS_1)[1].query["start"] == ["2"]


def test_paging_holds_since_until_the_scan_ends(fake_platform: FakePlatform) -> None:
    organisation_with_comments(fake_platform)

    first = source(fake_platform).fetch(dict(SINCE), NOW)

    assert not first.exhausted and first.cursor["since"] == SINCE["since"]
    assert first.cursor["scan"]["start"] == 2 and first.cursor["scan"]["stage"] == "posts"


def test_an_organisation_without_posts_is_one_call(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", POSTS, Reply(json=load_fixture("linkedin", "posts_empty")))

    page = source(fake_platform).fetch(dict(SINCE), NOW)

    assert page.mentions == [] and page.exhausted and page.cursor == {"since": "2026-11-29T13:55:00Z"}


def test_comment_pages_per_post_are_capped(fake_platform: FakePlatform) -> None:
    organisation_with_comments(fake_platform)

    scan(source(fake_platform, max_comment_pages=1), dict(SINCE))

    assert len(fake_platform.calls(COMMENTS_1)) == 1


def test_a_daily_limit_holds_the_source_until_midnight_utc_and_keeps_the_scan(
    fake_platform: FakePlatform,
) -> None:
    fake_platform.route("GET", POSTS, Reply(json=load_fixture("linkedin", "posts_page1")))
    fake_platform.route(
        "GET", POSTS, Reply(429, json=load_fixture("linkedin", "error_429")), query={"start": "2"}
    )
    state = MemoryState()
    state.put(
        cursor_key("li-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.rate_limited == ["li-mueller"] and report.failed == []
    assert state.get(cursor_key("li-mueller"))["cursor"]["scan"]["start"] == 2
    health = read_health(state, "li-mueller")
    wait = seconds_until_midnight_utc(datetime.now(UTC).timestamp())  # the adapter reads the wall clock
    assert abs((health.not_before - NOW).total_seconds() - wait) < 120


def test_a_retry_after_wins_over_midnight(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET", POSTS, Reply(429, json=load_fixture("linkedin", "error_429"), headers={"Retry-After": "120"})
    )

    with pytest.raises(RateLimited) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.retry_after == 120 and caught.value.details[0]["code"] == "TOO_MANY_REQUESTS"


def test_seconds_until_midnight_utc() -> None:
    assert seconds_until_midnight_utc(datetime(2026, 11, 29, 23, 0, tzinfo=UTC).timestamp()) == 3600


@pytest.mark.parametrize(("status", "name"), [(401, "error_401"), (403, "error_403")])
def test_a_refused_token_or_permission_is_a_configuration_error(
    fake_platform: FakePlatform, status: int, name: str
) -> None:
    fake_platform.route("GET", POSTS, Reply(status, json=load_fixture("linkedin", name)))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.details[0]["code"] in ("REVOKED_ACCESS_TOKEN", "ACCESS_DENIED")
    assert len(fake_platform.requests) == 1 and TOKEN not in repr(caught.value.details)


def test_a_missing_secret_is_a_configuration_error_without_calling_linkedin(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, {}).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET",
        POSTS,
        Reply(504, json={"status": 504, "message": "Gateway timeout"}),
        Reply(json=load_fixture("linkedin", "posts_empty")),
    )

    page = source(fake_platform).fetch(dict(SINCE), NOW)

    assert page.exhausted and len(fake_platform.calls(POSTS)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"elements": {"id": "x"}}),
        Reply(json={"elements": [{"id": "urn:li:share:1", "createdAt": "gestern"}]}),
        Reply(json={"paging": {"start": 0}}),
        Reply(body="<html>Request denied</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", POSTS, reply)
    state = MemoryState()
    state.put(
        cursor_key("li-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["li-mueller"] and state.get(cursor_key("li-mueller"))["cursor"] == SINCE


def test_the_cursor_does_not_move_past_comments_that_were_not_stored(fake_platform: FakePlatform) -> None:
    organisation_with_comments(fake_platform)
    state = MemoryState()
    state.put(
        cursor_key("li-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    def flaky_store(raws: list) -> IngestResult:
        if raws:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult()

    report = collect([source(fake_platform)], state=state, store=flaky_store, now=NOW)

    assert report.failed == ["li-mueller"]
    saved = state.get(cursor_key("li-mueller"))["cursor"]
    assert saved["since"] == SINCE["since"] and saved["scan"]["stage"] == "comments"
    assert saved["scan"]["queue"][0] == POST_1 and saved["scan"]["start"] == 0


def test_the_registry_builds_the_adapter_and_it_needs_the_organisation(fake_platform: FakePlatform) -> None:
    deps = SourceDeps(
        client=httpx.Client(), secrets=StaticSourceSecrets({"linkedin": {"access_token": TOKEN}})
    )
    assert isinstance(REGISTRY["linkedin"](config(fake_platform), BRAND, deps), LinkedInSource)
    with pytest.raises(ValueError, match="organization_id"):
        LinkedInSource(
            SourceConfig(id="li-x", type="linkedin", brand="mueller"), BRAND, deps.client, deps.secrets
        )


class TestLinkedInSourceContract(SourceContract):
    secret_name = "linkedin"
    credentials = {"access_token": "AQV-contract-token"}
    path = POSTS

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        return LinkedInSource(config(fake), BRAND, httpx.Client(), secrets, sleep=lambda _: None)
