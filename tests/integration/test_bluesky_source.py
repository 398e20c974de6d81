"""The Bluesky adapter against a local fake of the AT Protocol XRPC methods (fixtures:
tests/fixtures/bluesky/, with the documentation pages they follow): app-password sign-in, search
paging with cursor and since, reach from profiles, an expired session, refused sign-in, rate limits
with ratelimit-reset, malformed payloads, and replies."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources import bluesky
from chalicelib.adapters.sources.bluesky import BlueskyPublisher, BlueskySession, BlueskySource
from chalicelib.domain.errors import RateLimited, SourceMisconfigured, SourceUnavailable
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import Source
from chalicelib.services.collect import collect
from chalicelib.services.ingest import IngestResult
from tests.fakes import MemoryState, StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture
from tests.source_contract import SourceContract

pytestmark = pytest.mark.integration

BRAND = load_playbook(Path(__file__).resolve().parents[2] / "playbooks").brands[0]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
SESSION = load_fixture("bluesky", "session")
CREDENTIALS = {"identifier": "mueller-hg.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}
ANNA = "at://did:plc:anna4k0chtxyz/app.bsky.feed.post/3lbq2v7wxyz2a"


@pytest.fixture(autouse=True)
def no_warm_sessions() -> Iterator[None]:
    BlueskySession._sessions.clear()
    yield
    BlueskySession._sessions.clear()


def config(fake: FakePlatform, **options: Any) -> SourceConfig:
    return SourceConfig(
        id="bsky-mueller", type="bluesky", brand="mueller", options={"base_url": fake.base_url, **options}
    )


def source(fake: FakePlatform, secrets: dict | None = None, **options: Any) -> BlueskySource:
    options.setdefault("query", "Spülmeister")
    return BlueskySource(
        config(fake, **options),
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"bluesky": CREDENTIALS} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def serve(fake: FakePlatform) -> None:
    fake.route("POST", bluesky.CREATE_SESSION, Reply(json=SESSION))
    fake.route("GET", bluesky.SEARCH, Reply(json=load_fixture("bluesky", "search_page1")))
    fake.route(
        "GET", bluesky.SEARCH, Reply(json=load_fixture("bluesky", "search_page2")), query={"cursor": "25"}
    )
    fake.route("GET", bluesky.PROFILES, Reply(json=load_fixture("bluesky", "profiles")))


def test_posts_become_mentions_with_reach_from_profiles_and_their_thread(fake_platform: FakePlatform) -> None:
    serve(fake_platform)

    page = source(fake_platform).fetch(None, NOW)

    reply, news = page.mentions
    assert (reply.platform, reply.native_id) == ("bluesky", ANNA)
    assert reply.url == "https://bsky.app/profile/anna-kocht.bsky.social/post/3lbq2v7wxyz2a"
    assert reply.author.handle == "@anna-kocht.bsky.social" and reply.author.followers == 1830
    assert reply.published_at == datetime(2026, 11, 29, 13, 58, 12, 123000, tzinfo=UTC)
    assert reply.lang_hint == "de" and reply.engagement == 2 + 5 + 17 + 1
    assert reply.thread_id == "at://did:plc:muellerhgofficial/app.bsky.feed.post/3lbq1rootpost1"
    assert news.thread_id is None and news.reach == 84000
    [profiles] = fake_platform.calls(bluesky.PROFILES)
    assert sorted(profiles.query["actors"]) == ["did:plc:anna4k0chtxyz", "did:plc:vticker0000de"]


def test_the_account_signs_in_once_with_its_app_password_and_searches_with_the_token(
    fake_platform: FakePlatform,
) -> None:
    serve(fake_platform)
    feed = source(fake_platform)

    first = feed.fetch(None, NOW)
    feed.fetch(first.cursor, NOW)

    [sign_in] = fake_platform.calls(bluesky.CREATE_SESSION)
    assert sign_in.json() == {"identifier": "mueller-hg.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    search = fake_platform.calls(bluesky.SEARCH)[0]
    assert search.headers["Authorization"] == f"Bearer {SESSION['accessJwt']}"
    assert search.query["q"] == ["Spülmeister"] and search.query["sort"] == ["latest"]
    assert search.query["since"] == ["2026-11-29T13:00:00.000Z"]


def test_paging_follows_the_cursor_then_moves_since_to_the_newest_post_minus_the_overlap(
    fake_platform: FakePlatform,
) -> None:
    serve(fake_platform)
    feed = source(fake_platform)

    first = feed.fetch(None, NOW)
    assert not first.exhausted and first.cursor["page"] == "25"
    second = feed.fetch(first.cursor, NOW)
    assert [m.native_id for m in second.mentions] == [
        "at://did:plc:jokoeln00000/app.bsky.feed.post/3lbq2u9zzzz0a"
    ]
    assert second.exhausted and second.cursor == {"since": "2026-11-29T13:53:12.123Z"}

    fake_platform.route("GET", bluesky.SEARCH, Reply(json=load_fixture("bluesky", "search_empty")))
    third = feed.fetch(second.cursor, NOW + timedelta(minutes=5))
    assert third.mentions == [] and third.cursor == {"since": "2026-11-29T13:53:12.123Z"}
    last = fake_platform.calls(bluesky.SEARCH)[-1]
    assert last.query["since"] == ["2026-11-29T13:53:12.123Z"] and "cursor" not in last.query


def test_without_a_query_each_brand_keyword_is_searched_once_per_run(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", bluesky.CREATE_SESSION, Reply(json=SESSION))
    fake_platform.route("GET", bluesky.SEARCH, Reply(json=load_fixture("bluesky", "search_empty")))
    state = MemoryState()
    feed = BlueskySource(
        config(fake_platform), BRAND, httpx.Client(), StaticSourceSecrets({"bluesky": CREDENTIALS})
    )

    report = collect([feed], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == []
    asked = [call.query["q"][0] for call in fake_platform.calls(bluesky.SEARCH)]
    assert asked == [
        '"Müller Haushaltsgeräte"',
        '"Müller Geschirrspüler"',
        "MüllerHG",
        "@mueller_hg",
        '"Spülmeister 3000"',
    ]


def test_an_expired_session_is_refreshed_and_the_search_repeated(fake_platform: FakePlatform) -> None:
    serve(fake_platform)
    fake_platform.route(
        "GET",
        bluesky.SEARCH,
        Reply(400, json=load_fixture("bluesky", "error_expired")),
        Reply(json=load_fixture("bluesky", "search_page2")),
    )
    refreshed = {**SESSION, "accessJwt": "access-2", "refreshJwt": "refresh-2"}
    fake_platform.route("POST", bluesky.REFRESH_SESSION, Reply(json=refreshed))

    page = source(fake_platform).fetch(None, NOW)

    assert len(page.mentions) == 1
    [refresh] = fake_platform.calls(bluesky.REFRESH_SESSION)
    assert refresh.headers["Authorization"] == f"Bearer {SESSION['refreshJwt']}"
    assert fake_platform.calls(bluesky.SEARCH)[-1].headers["Authorization"] == "Bearer access-2"


def test_a_refused_app_password_is_a_configuration_error(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "POST", bluesky.CREATE_SESSION, Reply(401, json=load_fixture("bluesky", "error_auth"))
    )

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.details[0]["code"] == "AuthenticationRequired"
    assert "abcd-efgh" not in repr(caught.value.details) + caught.value.message
    assert fake_platform.calls(bluesky.SEARCH) == []


def test_missing_credentials_are_a_configuration_error(fake_platform: FakePlatform) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, secrets={"bluesky": {"identifier": "mueller-hg.bsky.social"}}).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_rate_limit_says_when_bluesky_resets_it(fake_platform: FakePlatform) -> None:
    serve(fake_platform)
    reset = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    headers = {
        "ratelimit-limit": "3000",
        "ratelimit-remaining": "0",
        "ratelimit-reset": str(reset),
        "ratelimit-policy": "3000;w=300",
    }
    fake_platform.route(
        "GET", bluesky.SEARCH, Reply(429, json=load_fixture("bluesky", "error_rate_limit"), headers=headers)
    )

    with pytest.raises(RateLimited) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.retry_after is not None and 240 <= caught.value.retry_after <= 300
    assert len(fake_platform.calls(bluesky.SEARCH)) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"posts": [{"uri": ANNA}]},  # no author, no record
        {"posts": "none"},
        {"cursor": "25"},  # no posts
    ],
)
def test_a_malformed_payload_is_unavailable(fake_platform: FakePlatform, body: Any) -> None:
    fake_platform.route("POST", bluesky.CREATE_SESSION, Reply(json=SESSION))
    fake_platform.route("GET", bluesky.SEARCH, Reply(json=body))

    with pytest.raises(SourceUnavailable):
        source(fake_platform).fetch(None, NOW)


def test_a_reply_names_the_post_and_its_thread_root(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", bluesky.CREATE_SESSION, Reply(json=SESSION))
    fake_platform.route("GET", bluesky.GET_POSTS, Reply(json=load_fixture("bluesky", "get_posts")))
    fake_platform.route("POST", bluesky.CREATE_RECORD, Reply(json=load_fixture("bluesky", "create_record")))
    publisher = BlueskyPublisher(
        config(fake_platform), httpx.Client(), StaticSourceSecrets({"bluesky": CREDENTIALS})
    )

    published = publisher.reply(in_reply_to=ANNA, text="Das tut uns leid, wir melden uns.")

    assert published.native_id == "at://did:plc:muellerhgofficial/app.bsky.feed.post/3lbq3reply0001"
    assert published.url == "https://bsky.app/profile/did:plc:muellerhgofficial/post/3lbq3reply0001"
    created = fake_platform.calls(bluesky.CREATE_RECORD)[0].json()
    assert created["repo"] == "did:plc:muellerhgofficial" and created["collection"] == "app.bsky.feed.post"
    assert created["record"]["text"] == "Das tut uns leid, wir melden uns."
    assert created["record"]["reply"] == {
        "root": {
            "uri": "at://did:plc:muellerhgofficial/app.bsky.feed.post/3lbq1rootpost1",
            "cid": "bafyreiroot1",
        },
        "parent": {"uri": ANNA, "cid": "bafyreia4annapost2"},
    }


class TestBlueskySourceContract(SourceContract):
    secret_name = "bluesky"
    credentials = {"identifier": "contract.bsky.social", "app_password": "wxyz-contract-pass"}
    path = bluesky.SEARCH
    max_calls_on_refusal = 2  # one session renewal, then the refusal counts

    def serve_sign_in(self, fake: FakePlatform) -> None:
        fake.route("POST", bluesky.CREATE_SESSION, Reply(json=SESSION))

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        return BlueskySource(
            config(fake, query="Spülmeister"), BRAND, httpx.Client(), secrets, sleep=lambda _: None
        )
