"""The Google reviews adapter against a local fake of the Business Profile API v4 and Google's OAuth
token endpoint (fixtures: tests/fixtures/google_reviews/, with the documentation pages they follow):
reviews per location newest first with pageToken, star ratings in the text, the refresh-token flow
(kept while warm, renewed once on 401, a revoked one misconfigured), RESOURCE_EXHAUSTED and
PERMISSION_DENIED, server errors, malformed payloads, the cursor after the store, and replies."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.google_reviews import (
    GoogleAuth,
    GoogleReviewsPublisher,
    GoogleReviewsSource,
    star_marker,
)
from chalicelib.adapters.sources.registry import REGISTRY, SourceDeps
from chalicelib.domain.errors import AppError, DeliveryFailed, DeliveryRejected, SourceMisconfigured
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
ACCOUNT = "108000000000000000001"
LOC_1, LOC_2 = "4200000000000000001", "4200000000000000002"
REVIEWS_1 = f"/v4/accounts/{ACCOUNT}/locations/{LOC_1}/reviews"
REVIEWS_2 = f"/v4/accounts/{ACCOUNT}/locations/{LOC_2}/reviews"
TOKEN_PATH = "/token"
CREDENTIALS = {
    "client_id": "123-abc.apps.googleusercontent.com",
    "client_secret": "GOCSPX-s3cret",
    "refresh_token": "1//0refresh",
}
SINCE = {"since": "2026-11-28T14:00:00Z"}
PAGE_2 = {"pageToken": "CiAKGjBBUFMwX2hhbGxvX3dlbHQ"}
KQ1 = f"accounts/{ACCOUNT}/locations/{LOC_1}/reviews/AbFvOqnKq1"


@pytest.fixture(autouse=True)
def no_warm_tokens() -> Iterator[None]:
    GoogleAuth._tokens.clear()
    yield
    GoogleAuth._tokens.clear()


def config(fake: FakePlatform, **options: Any) -> SourceConfig:
    return SourceConfig(
        id="google-mueller",
        type="google_reviews",
        brand="mueller",
        options={
            "base_url": fake.base_url,
            "token_url": f"{fake.base_url}{TOKEN_PATH}",
            "account_id": ACCOUNT,
            "locations": f"{LOC_1}, {LOC_2}",
            **options,
        },
    )


def source(fake: FakePlatform, secrets: dict | None = None, **options: Any) -> GoogleReviewsSource:
    return GoogleReviewsSource(
        config(fake, **options),
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"google_reviews": CREDENTIALS} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def two_locations(fake: FakePlatform) -> None:
    fake.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake.route("GET", REVIEWS_1, Reply(json=load_fixture("google_reviews", "reviews_page1")))
    fake.route("GET", REVIEWS_1, Reply(json=load_fixture("google_reviews", "reviews_page2")), query=PAGE_2)
    fake.route("GET", REVIEWS_2, Reply(json=load_fixture("google_reviews", "reviews_location2")))


def scan(src: GoogleReviewsSource, cursor: dict[str, Any] | None) -> list[FetchResult]:
    pages: list[FetchResult] = []
    for _ in range(20):
        pages.append(src.fetch(cursor, NOW))
        cursor = pages[-1].cursor
        if pages[-1].exhausted:
            break
    return pages


def ids(pages: list[FetchResult]) -> list[str]:
    return [m.native_id.rsplit("/", 1)[-1] for page in pages for m in page.mentions]


def test_reviews_of_every_location_since_the_cursor_become_mentions(fake_platform: FakePlatform) -> None:
    two_locations(fake_platform)

    pages = scan(source(fake_platform), dict(SINCE))

    assert ids(pages) == ["AbFvOqnKq1", "AbFvOqnKq2", "AbFvOqnKq3", "AbFvOqnZz9"]  # not Kq0 (20 Nov)
    assert len(pages) == 3 and pages[-1].cursor == {"since": "2026-11-29T13:55:00Z"}


def test_a_review_carries_its_stars_first_its_reviewer_and_its_resource_name(
    fake_platform: FakePlatform,
) -> None:
    two_locations(fake_platform)

    mentions = [m for page in scan(source(fake_platform), dict(SINCE)) for m in page.mentions]

    first, anonymous = mentions[0], mentions[-1]
    assert first.native_id == KQ1 and first.platform == "google_reviews"
    assert (
        first.text
        == "★☆☆☆☆ 1/5\nSpülmeister 3000 nach zwei Wochen durchgeschmort, Kundendienst meldet sich nicht."
    )
    assert first.author.handle == "Sabine Keller" and first.engagement == 0
    assert first.published_at == datetime(2026, 11, 29, 12, 40, 0, 123456, tzinfo=UTC)
    assert anonymous.text == "★☆☆☆☆ 1/5" and anonymous.author.handle is None


def test_star_markers() -> None:
    assert star_marker("FOUR") == "★★★★☆ 4/5" and star_marker("STAR_RATING_UNSPECIFIED") == ""


def test_the_refresh_token_is_exchanged_once_and_the_token_kept_while_warm(
    fake_platform: FakePlatform,
) -> None:
    two_locations(fake_platform)

    scan(source(fake_platform), dict(SINCE))

    [exchange] = fake_platform.calls(TOKEN_PATH)
    assert parse_qs(exchange.body.decode()) == {
        "grant_type": ["refresh_token"],
        "client_id": [CREDENTIALS["client_id"]],
        "client_secret": [CREDENTIALS["client_secret"]],
        "refresh_token": [CREDENTIALS["refresh_token"]],
    }
    listings = [r for r in fake_platform.requests if r.path != TOKEN_PATH]
    assert len(listings) == 3
    for request in listings:
        assert request.headers["Authorization"] == "Bearer ya29.a0-test-access"
        assert request.query["orderBy"] == ["updateTime desc"] and request.query["pageSize"] == ["50"]


def test_paging_follows_next_page_token_and_holds_since(fake_platform: FakePlatform) -> None:
    two_locations(fake_platform)

    first = source(fake_platform).fetch(dict(SINCE), NOW)

    assert not first.exhausted and first.cursor["since"] == SINCE["since"]
    assert first.cursor["scan"] == {
        "started": "2026-11-29T14:00:00Z",
        "location": 0,
        "page": PAGE_2["pageToken"],
    }


def test_a_location_without_reviews_is_one_call(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route("GET", REVIEWS_1, Reply(json=load_fixture("google_reviews", "reviews_empty")))

    page = source(fake_platform, locations=LOC_1).fetch(dict(SINCE), NOW)

    assert page.mentions == [] and page.exhausted and page.cursor == {"since": "2026-11-29T13:55:00Z"}


def test_an_expired_access_token_is_renewed_once(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route(
        "GET",
        REVIEWS_1,
        Reply(401, json=load_fixture("google_reviews", "error_401")),
        Reply(json=load_fixture("google_reviews", "reviews_location2")),
    )

    page = source(fake_platform, locations=LOC_1).fetch(dict(SINCE), NOW)

    assert len(page.mentions) == 1 and len(fake_platform.calls(TOKEN_PATH)) == 2


def test_a_revoked_refresh_token_is_a_configuration_error(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "POST", TOKEN_PATH, Reply(400, json=load_fixture("google_reviews", "token_invalid_grant"))
    )

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.details[0]["code"] == "invalid_grant" and fake_platform.calls(REVIEWS_1) == []
    assert CREDENTIALS["refresh_token"] not in repr(caught.value.details)


def test_permission_denied_is_a_configuration_error_naming_googles_status(
    fake_platform: FakePlatform,
) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route("GET", REVIEWS_1, Reply(403, json=load_fixture("google_reviews", "error_403")))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.details[0]["code"] == "PERMISSION_DENIED" and len(fake_platform.calls(REVIEWS_1)) == 1


def test_a_missing_secret_key_is_a_configuration_error_without_calling_google(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, {"google_reviews": {"client_id": "x", "client_secret": "y"}}).fetch(None, NOW)
    assert fake_platform.requests == []


def test_resource_exhausted_holds_the_source_and_keeps_the_scan(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route("GET", REVIEWS_1, Reply(json=load_fixture("google_reviews", "reviews_page1")))
    fake_platform.route(
        "GET",
        REVIEWS_1,
        Reply(429, json=load_fixture("google_reviews", "error_429"), headers={"Retry-After": "60"}),
        query=PAGE_2,
    )
    state, stored = MemoryState(), []
    state.put(
        cursor_key("google-mueller"),
        {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )

    def store(raws: list) -> IngestResult:
        stored.extend(raws)
        return IngestResult(stored=len(raws))

    report = collect([source(fake_platform)], state=state, store=store, now=NOW)

    assert report.rate_limited == ["google-mueller"] and len(stored) == 2
    saved = state.get(cursor_key("google-mueller"))["cursor"]
    assert saved["since"] == SINCE["since"] and saved["scan"]["page"] == PAGE_2["pageToken"]
    assert read_health(state, "google-mueller").not_before >= NOW + timedelta(seconds=59)


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route(
        "GET",
        REVIEWS_1,
        Reply(
            503,
            json={
                "error": {
                    "code": 503,
                    "message": "The service is currently unavailable.",
                    "status": "UNAVAILABLE",
                }
            },
        ),
        Reply(json=load_fixture("google_reviews", "reviews_location2")),
    )

    page = source(fake_platform, locations=LOC_1).fetch(dict(SINCE), NOW)

    assert len(page.mentions) == 1 and len(fake_platform.calls(REVIEWS_1)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"reviews": {"reviewId": "x"}}),  # not a list
        Reply(json={"reviews": [{"reviewId": "x", "createTime": "gestern", "updateTime": "heute"}]}),
        Reply(
            json={
                "reviews": [
                    {
                        "comment": "no id",
                        "createTime": "2026-11-29T12:00:00Z",
                        "updateTime": "2026-11-29T12:00:00Z",
                    }
                ]
            }
        ),
        Reply(body="<html>502 Bad Gateway</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route("GET", REVIEWS_1, reply)
    state = MemoryState()
    state.put(
        cursor_key("google-mueller"),
        {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["google-mueller"] and state.get(cursor_key("google-mueller"))["cursor"] == SINCE


def test_the_cursor_does_not_move_past_a_page_that_was_not_stored(fake_platform: FakePlatform) -> None:
    two_locations(fake_platform)
    state, calls = MemoryState(), []
    state.put(
        cursor_key("google-mueller"),
        {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult(stored=len(raws))

    report = collect([source(fake_platform)], state=state, store=flaky_store, now=NOW)

    assert report.failed == ["google-mueller"]
    saved = state.get(cursor_key("google-mueller"))["cursor"]
    assert saved["since"] == SINCE["since"] and saved["scan"]["page"] == PAGE_2["pageToken"]


def test_the_registry_builds_the_adapter_and_it_needs_account_and_locations(
    fake_platform: FakePlatform,
) -> None:
    deps = SourceDeps(client=httpx.Client(), secrets=StaticSourceSecrets({"google_reviews": CREDENTIALS}))
    assert isinstance(REGISTRY["google_reviews"](config(fake_platform), BRAND, deps), GoogleReviewsSource)
    with pytest.raises(ValueError, match="locations"):
        GoogleReviewsSource(config(fake_platform, locations=" , "), BRAND, deps.client, deps.secrets)


def publisher(fake: FakePlatform) -> GoogleReviewsPublisher:
    secrets = StaticSourceSecrets({"google_reviews": CREDENTIALS})
    return GoogleReviewsPublisher(config(fake), httpx.Client(), secrets, sleep=lambda _: None)


def test_a_reply_is_put_on_the_review(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route("PUT", f"/v4/{KQ1}/reply", Reply(json=load_fixture("google_reviews", "reply")))
    text = "Das tut uns leid, Frau Keller. Bitte rufen Sie uns an."

    published = publisher(fake_platform).reply(in_reply_to=KQ1, text=text)

    assert published == PublishedReply(platform="google_reviews", native_id=f"{KQ1}/reply", url=None)
    [request] = fake_platform.calls(f"/v4/{KQ1}/reply")
    assert (
        request.json() == {"comment": text}
        and request.headers["Authorization"] == "Bearer ya29.a0-test-access"
    )


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(429, json=load_fixture("google_reviews", "error_429")), DeliveryFailed),
        (Reply(403, json=load_fixture("google_reviews", "error_403")), DeliveryRejected),
        (
            Reply(
                400,
                json={
                    "error": {
                        "code": 400,
                        "message": "Request contains an invalid argument.",
                        "status": "INVALID_ARGUMENT",
                    }
                },
            ),
            DeliveryRejected,
        ),
        (Reply(503, json={"error": {"code": 503, "status": "UNAVAILABLE"}}), DeliveryFailed),
    ],
)
def test_a_failed_reply_is_tried_once(
    fake_platform: FakePlatform, reply: Reply, error: type[AppError]
) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))
    fake_platform.route("PUT", f"/v4/{KQ1}/reply", reply)

    with pytest.raises(error):
        publisher(fake_platform).reply(in_reply_to=KQ1, text="Danke")

    assert len(fake_platform.calls(f"/v4/{KQ1}/reply")) == 1


def test_a_reply_to_something_that_is_not_a_review_is_rejected_without_calling_google(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(DeliveryRejected):
        publisher(fake_platform).reply(in_reply_to="1862500000000000003", text="Danke")
    assert fake_platform.requests == []


class TestGoogleReviewsSourceContract(SourceContract):
    secret_name = "google_reviews"
    credentials = {
        "client_id": "contract.apps.googleusercontent.com",
        "client_secret": "GOCSPX-contract",
        "refresh_token": "1//0contract",
    }
    path = REVIEWS_1
    max_calls_on_refusal = 2  # a 401 fetches a new access token once

    def serve_sign_in(self, fake: FakePlatform) -> None:
        fake.route("POST", TOKEN_PATH, Reply(json=load_fixture("google_reviews", "token")))

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        return GoogleReviewsSource(
            config(fake, locations=LOC_1), BRAND, httpx.Client(), secrets, sleep=lambda _: None
        )
