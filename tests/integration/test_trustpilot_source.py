"""The Trustpilot adapter against a local fake of the public Business Units API (fixtures:
tests/fixtures/trustpilot/, with the documentation pages they follow): newest reviews first with page
and `links` rel next-page until `since`, stars, title and language in the mention, the API key header,
refused keys, rate limits, server errors, malformed payloads and the cursor after the store."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.registry import REGISTRY, SourceDeps
from chalicelib.adapters.sources.trustpilot import TrustpilotSource
from chalicelib.domain.errors import SourceMisconfigured, SourceUnavailable
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
UNIT = "5f1a2b3c4d5e6f7a8b9c0d1e"
REVIEWS = f"/v1/business-units/{UNIT}/reviews"
API_KEY = "tp-api-key-123"
SINCE = {"since": "2026-11-28T14:00:00Z"}


def config(fake: FakePlatform, **options: Any) -> SourceConfig:
    return SourceConfig(
        id="tp-mueller",
        type="trustpilot",
        brand="mueller",
        options={"base_url": fake.base_url, "business_unit_id": UNIT, **options},
    )


def source(fake: FakePlatform, secrets: dict | None = None, **options: Any) -> TrustpilotSource:
    return TrustpilotSource(
        config(fake, **options),
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"trustpilot": {"api_key": API_KEY}} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def two_pages(fake: FakePlatform) -> None:
    fake.route("GET", REVIEWS, Reply(json=load_fixture("trustpilot", "reviews_page1")))
    fake.route("GET", REVIEWS, Reply(json=load_fixture("trustpilot", "reviews_page2")), query={"page": "2"})


def scan(src: TrustpilotSource, cursor: dict[str, Any] | None) -> list[FetchResult]:
    pages: list[FetchResult] = []
    for _ in range(10):
        pages.append(src.fetch(cursor, NOW))
        cursor = pages[-1].cursor
        if pages[-1].exhausted:
            break
    return pages


def test_reviews_since_the_cursor_become_mentions_and_paging_stops_at_older_ones(
    fake_platform: FakePlatform,
) -> None:
    two_pages(fake_platform)

    pages = scan(source(fake_platform), dict(SINCE))

    ids = [m.native_id for page in pages for m in page.mentions]
    assert ids == ["6a1b2c3d4e5f6a7b8c9d0e01", "6a1b2c3d4e5f6a7b8c9d0e02", "6a1b2c3d4e5f6a7b8c9d0e03"]
    assert len(pages) == 2 and pages[-1].cursor == {"since": "2026-11-29T13:55:00Z"}
    assert fake_platform.calls(REVIEWS)[-1].query["page"] == ["2"]  # not page 3: 0e00 is older


def test_a_review_carries_stars_title_text_language_and_its_page(fake_platform: FakePlatform) -> None:
    two_pages(fake_platform)

    first = source(fake_platform).fetch(dict(SINCE), NOW).mentions[0]

    assert first.platform == "trustpilot" and first.author.handle == "Sabine K."
    assert first.text == (
        "★☆☆☆☆ 1/5\nGerät hat geschmort\n"
        "Mein Spülmeister 3000 hat nach zwei Wochen angefangen zu qualmen. Niemand ruft zurück."
    )
    assert first.lang_hint == "de" and first.engagement == 0
    assert first.url == "https://www.trustpilot.com/reviews/6a1b2c3d4e5f6a7b8c9d0e01"
    assert first.published_at == datetime(2026, 11, 29, 12, 58, 31, tzinfo=UTC)


def test_the_request_sends_the_key_in_the_header_and_asks_newest_first(fake_platform: FakePlatform) -> None:
    two_pages(fake_platform)

    first = source(fake_platform, language="de").fetch(dict(SINCE), NOW)

    [request] = fake_platform.calls(REVIEWS)
    assert request.headers["apikey"] == API_KEY and "apikey" not in request.query
    assert request.query["orderBy"] == ["createdat.desc"] and request.query["perPage"] == ["100"]
    assert request.query["page"] == ["1"] and request.query["language"] == ["de"]
    assert not first.exhausted and first.cursor == {
        **SINCE,
        "scan": {"started": "2026-11-29T14:00:00Z", "page": 2},
    }


def test_no_reviews_is_one_call_and_moves_since(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", REVIEWS, Reply(json=load_fixture("trustpilot", "reviews_empty")))

    page = source(fake_platform).fetch(dict(SINCE), NOW)

    assert page.mentions == [] and page.exhausted and page.cursor == {"since": "2026-11-29T13:55:00Z"}


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_api_key_is_a_configuration_error_naming_the_gateway_code(
    fake_platform: FakePlatform, status: int
) -> None:
    fake_platform.route("GET", REVIEWS, Reply(status, json=load_fixture("trustpilot", "error_invalid_key")))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.details[0]["code"] == "oauth.v2.InvalidApiKey" and len(fake_platform.requests) == 1
    assert API_KEY not in repr(caught.value.details)


def test_a_missing_secret_is_a_configuration_error_without_calling_trustpilot(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, {"trustpilot": {"key": "x"}}).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_rate_limit_holds_the_source_and_keeps_the_page(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", REVIEWS, Reply(json=load_fixture("trustpilot", "reviews_page1")))
    fake_platform.route(
        "GET",
        REVIEWS,
        Reply(429, json=load_fixture("trustpilot", "error_429"), headers={"Retry-After": "300"}),
        query={"page": "2"},
    )
    state, stored = MemoryState(), []
    state.put(
        cursor_key("tp-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    def store(raws: list) -> IngestResult:
        stored.extend(raws)
        return IngestResult(stored=len(raws))

    report = collect([source(fake_platform)], state=state, store=store, now=NOW)

    assert report.rate_limited == ["tp-mueller"] and len(stored) == 2
    saved = state.get(cursor_key("tp-mueller"))["cursor"]
    assert saved["since"] == SINCE["since"] and saved["scan"]["page"] == 2
    health = read_health(state, "tp-mueller")
    assert NOW + timedelta(minutes=4) <= health.not_before <= NOW + timedelta(minutes=6)


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET",
        REVIEWS,
        Reply(502, body="Bad Gateway"),
        Reply(json=load_fixture("trustpilot", "reviews_empty")),
    )

    page = source(fake_platform).fetch(dict(SINCE), NOW)

    assert page.exhausted and len(fake_platform.calls(REVIEWS)) == 2


def test_another_client_error_is_unavailable_without_retries(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", REVIEWS, Reply(404, json={"message": "Business unit not found"}))

    with pytest.raises(SourceUnavailable) as caught:
        source(fake_platform).fetch(None, NOW)

    assert type(caught.value) is SourceUnavailable and len(fake_platform.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"reviews": {"id": "x"}}),
        Reply(json={"reviews": [{"id": "x", "stars": 7, "createdAt": "2026-11-29T12:00:00Z"}]}),
        Reply(json={"reviews": [{"id": "x", "stars": 3, "createdAt": "letzte Woche"}]}),
        Reply(json={"links": []}),
        Reply(body="<html>Service Unavailable</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", REVIEWS, reply)
    state = MemoryState()
    state.put(
        cursor_key("tp-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["tp-mueller"] and state.get(cursor_key("tp-mueller"))["cursor"] == SINCE


def test_the_cursor_does_not_move_past_a_page_that_was_not_stored(fake_platform: FakePlatform) -> None:
    two_pages(fake_platform)
    state, calls = MemoryState(), []
    state.put(
        cursor_key("tp-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult(stored=len(raws))

    report = collect([source(fake_platform)], state=state, store=flaky_store, now=NOW)

    assert report.failed == ["tp-mueller"]
    saved = state.get(cursor_key("tp-mueller"))["cursor"]
    assert saved["since"] == SINCE["since"] and saved["scan"]["page"] == 2


def test_the_registry_builds_the_adapter_and_it_needs_the_business_unit(fake_platform: FakePlatform) -> None:
    deps = SourceDeps(
        client=httpx.Client(), secrets=StaticSourceSecrets({"trustpilot": {"api_key": API_KEY}})
    )
    assert isinstance(REGISTRY["trustpilot"](config(fake_platform), BRAND, deps), TrustpilotSource)
    with pytest.raises(ValueError, match="business_unit_id"):
        TrustpilotSource(
            SourceConfig(id="tp-x", type="trustpilot", brand="mueller"), BRAND, deps.client, deps.secrets
        )


class TestTrustpilotSourceContract(SourceContract):
    secret_name = "trustpilot"
    credentials = {"api_key": "tp-contract-key"}
    path = REVIEWS

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        return TrustpilotSource(config(fake), BRAND, httpx.Client(), secrets, sleep=lambda _: None)
