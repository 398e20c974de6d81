"""The Instagram adapter against a local fake of the Instagram Graph API (fixtures:
tests/fixtures/instagram/, with the documentation pages they follow): the account's recent media,
comments and replies where the comment count changed, tagged media, appsecret_proof, Graph rate limits
and token errors, malformed payloads, the cursor that moves only after the mentions are stored, and
replies to comments."""

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
from chalicelib.adapters.sources.instagram import InstagramPublisher, InstagramSource
from chalicelib.adapters.sources.registry import REGISTRY, SourceDeps
from chalicelib.domain.errors import (
    AppError,
    DeliveryFailed,
    DeliveryRejected,
    SourceMisconfigured,
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
IG_USER = "17841400000000001"
TOKEN, APP_SECRET = "EAAG-ig-token", "app-secret-4567"
PROOF = hmac.new(APP_SECRET.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
MEDIA = f"/v25.0/{IG_USER}/media"
TAGS = f"/v25.0/{IG_USER}/tags"
COMMENTS_1 = "/v25.0/17900000000000001/comments"
COMMENTS_3 = "/v25.0/17900000000000003/comments"
SINCE = {"since": "2026-11-29T13:00:00Z"}


def config(fake: FakePlatform, **options: Any) -> SourceConfig:
    return SourceConfig(
        id="ig-mueller",
        type="instagram",
        brand="mueller",
        options={"base_url": fake.base_url, "ig_user_id": IG_USER, **options},
    )


def secrets(values: dict[str, str] | None = None) -> StaticSourceSecrets:
    return StaticSourceSecrets(
        {"instagram": {"access_token": TOKEN, "app_secret": APP_SECRET} if values is None else values}
    )


def source(fake: FakePlatform, store: StaticSourceSecrets | None = None, **options: Any) -> InstagramSource:
    return InstagramSource(
        config(fake, **options),
        BRAND,
        httpx.Client(),
        store or secrets(),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def account_with_activity(fake: FakePlatform) -> None:
    """Media 1 (3 comments, two pages) and 3 (5 comments) are inside the week, media 4 is older; two
    tagged media, one since 13:00."""
    fake.route("GET", MEDIA, Reply(json=load_fixture("instagram", "media_page1")))
    fake.route(
        "GET", MEDIA, Reply(json=load_fixture("instagram", "media_page2")), query={"after": "QVFIUmhf"}
    )
    fake.route("GET", COMMENTS_1, Reply(json=load_fixture("instagram", "comments_page1")))
    fake.route(
        "GET",
        COMMENTS_1,
        Reply(json=load_fixture("instagram", "comments_page2")),
        query={"after": "QVFIUmNn"},
    )
    fake.route("GET", COMMENTS_3, Reply(json=load_fixture("instagram", "comments_media3")))
    fake.route("GET", TAGS, Reply(json=load_fixture("instagram", "tags")))


def scan(src: InstagramSource, cursor: dict[str, Any] | None = None) -> list[FetchResult]:
    pages: list[FetchResult] = []
    for _ in range(20):
        pages.append(src.fetch(cursor, NOW))
        cursor = pages[-1].cursor
        if pages[-1].exhausted:
            break
    return pages


def ids(pages: list[FetchResult]) -> list[str]:
    return [mention.native_id for page in pages for mention in page.mentions]


def test_new_comments_replies_and_tagged_media_become_mentions_the_accounts_own_do_not(
    fake_platform: FakePlatform,
) -> None:
    account_with_activity(fake_platform)

    pages = scan(source(fake_platform), dict(SINCE))

    # Then: the comments and replies since 13:00 except the brand's own reply, and the fresh tagged post
    assert ids(pages) == [
        "17850000000000011",
        "17850000000000013",
        "17850000000000014",
        "17850000000000031",
        "17900000000000101",
    ]
    assert len(fake_platform.requests) == 6 and fake_platform.calls("/v25.0/17900000000000004/comments") == []
    assert pages[-1].cursor == {
        "since": "2026-11-29T13:55:00Z",
        "counts": {"17900000000000001": 3, "17900000000000002": 0, "17900000000000003": 5},
    }


def test_mentions_carry_username_media_link_engagement_and_the_media_as_thread(
    fake_platform: FakePlatform,
) -> None:
    account_with_activity(fake_platform)

    mentions = [m for page in scan(source(fake_platform), dict(SINCE)) for m in page.mentions]

    comment, reply, tagged = mentions[0], mentions[1], mentions[-1]
    assert comment.platform == "instagram" and comment.author.handle == "@anna.kocht"
    assert comment.engagement == 9 + 2 and comment.thread_id == "17900000000000001"
    assert comment.url == "https://www.instagram.com/p/DAbc001/"
    assert comment.published_at == datetime(2026, 11, 29, 13, 45, tzinfo=UTC)
    assert reply.author.handle == "@tom_b" and reply.thread_id == "17900000000000001"
    assert tagged.author.handle == "@foodblog_berlin" and tagged.engagement == 540 + 12
    assert tagged.thread_id is None and tagged.text.startswith("Test: Spülmeister 3000")


def test_every_call_carries_the_token_its_proof_and_the_documented_fields(
    fake_platform: FakePlatform,
) -> None:
    account_with_activity(fake_platform)

    scan(source(fake_platform), dict(SINCE))

    for request in fake_platform.requests:
        assert request.query["access_token"] == [TOKEN] and request.query["appsecret_proof"] == [PROOF]
    fields = fake_platform.calls(COMMENTS_1)[0].query["fields"][0]
    assert fields == "id,text,timestamp,username,like_count,replies{id,text,timestamp,username,like_count}"


def test_media_whose_comment_count_did_not_change_is_not_read_again(fake_platform: FakePlatform) -> None:
    account_with_activity(fake_platform)
    done = scan(source(fake_platform), dict(SINCE))[-1].cursor
    fake_platform.requests.clear()

    pages = scan(source(fake_platform, tags=False), done)

    assert ids(pages) == [] and [r.path for r in fake_platform.requests] == [MEDIA, MEDIA]
    assert pages[-1].cursor["counts"] == done["counts"]


def test_paging_keeps_no_credentials_and_holds_since_until_the_scan_ends(fake_platform: FakePlatform) -> None:
    account_with_activity(fake_platform)

    first = source(fake_platform).fetch(dict(SINCE), NOW)

    assert not first.exhausted and first.mentions == [] and first.cursor["since"] == SINCE["since"]
    assert first.cursor["scan"]["page"] == {"fields": "id", "limit": "2", "after": "QVFIUmhf"}
    assert TOKEN not in json.dumps(first.cursor) and PROOF not in json.dumps(first.cursor)


def test_an_account_without_media_or_tags_is_two_calls(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", MEDIA, Reply(json=load_fixture("instagram", "media_empty")))
    fake_platform.route("GET", TAGS, Reply(json=load_fixture("instagram", "media_empty")))

    pages = scan(source(fake_platform), dict(SINCE))

    assert ids(pages) == [] and len(pages) == 2
    assert pages[-1].cursor == {"since": "2026-11-29T13:55:00Z", "counts": {}}


def test_comment_pages_per_media_are_capped(fake_platform: FakePlatform) -> None:
    account_with_activity(fake_platform)

    scan(source(fake_platform, max_comment_pages=1), dict(SINCE))

    assert len(fake_platform.calls(COMMENTS_1)) == 1


def test_a_rate_limit_holds_the_source_and_keeps_the_scan(fake_platform: FakePlatform) -> None:
    usage = {IG_USER: [{"type": "instagram", "call_count": 100, "total_cputime": 5, "total_time": 9,
                        "estimated_time_to_regain_access": 40}]}  # fmt: skip
    fake_platform.route("GET", MEDIA, Reply(json=load_fixture("instagram", "media_page1")))
    fake_platform.route(
        "GET",
        MEDIA,
        Reply(
            400,
            json=load_fixture("instagram", "error_rate_limit"),
            headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        ),
        query={"after": "QVFIUmhf"},
    )
    state = MemoryState()

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.rate_limited == ["ig-mueller"] and report.failed == []
    assert state.get(cursor_key("ig-mueller"))["cursor"]["scan"]["page"]["after"] == "QVFIUmhf"
    health = read_health(state, "ig-mueller")
    assert NOW + timedelta(minutes=39) <= health.not_before <= NOW + timedelta(minutes=41)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(400, json=load_fixture("instagram", "error_190")),
        Reply(
            403,
            json={"error": {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200}},
        ),
    ],
)
def test_a_refused_token_or_permission_is_a_configuration_error(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", MEDIA, reply)

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert len(fake_platform.requests) == 1 and TOKEN not in repr(caught.value.details)


def test_a_missing_secret_is_a_configuration_error_without_calling_instagram(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, StaticSourceSecrets({})).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET",
        MEDIA,
        Reply(
            500,
            json={"error": {"message": "Service temporarily unavailable", "code": 2, "is_transient": True}},
        ),
        Reply(json=load_fixture("instagram", "media_empty")),
    )

    page = source(fake_platform).fetch(dict(SINCE), NOW)

    assert page.cursor["scan"]["stage"] == "tags" and len(fake_platform.calls(MEDIA)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"data": [{"id": "1", "timestamp": "nie"}]}),
        Reply(json={"media": []}),
        Reply(body="<html>Sorry, something went wrong.</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", MEDIA, reply)
    state = MemoryState()
    state.put(
        cursor_key("ig-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["ig-mueller"] and state.get(cursor_key("ig-mueller"))["cursor"] == SINCE


def test_the_cursor_does_not_move_past_comments_that_were_not_stored(fake_platform: FakePlatform) -> None:
    # Given a scan whose first page of comments cannot be stored
    account_with_activity(fake_platform)
    state, calls = MemoryState(), []
    state.put(
        cursor_key("ig-mueller"), {"cursor": dict(SINCE), "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if raws:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult()

    report = collect([source(fake_platform)], state=state, store=flaky_store, now=NOW)

    # Then the saved cursor still asks for media 1's first comment page, with the old since and counts
    assert report.failed == ["ig-mueller"]
    saved = state.get(cursor_key("ig-mueller"))["cursor"]
    assert saved["since"] == SINCE["since"] and saved["counts"] == {}
    assert saved["scan"]["stage"] == "comments" and saved["scan"]["queue"][0][0] == "17900000000000001"
    assert "page" not in saved["scan"]


def test_a_deleted_media_item_is_skipped(fake_platform: FakePlatform) -> None:
    account_with_activity(fake_platform)
    gone = {
        "error": {
            "message": "Object does not exist",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
        }
    }
    fake_platform.route("GET", COMMENTS_1, Reply(400, json=gone))

    pages = scan(source(fake_platform), dict(SINCE))

    assert ids(pages) == ["17850000000000031", "17900000000000101"]


def test_the_registry_builds_the_adapter_and_it_needs_the_account_id(fake_platform: FakePlatform) -> None:
    deps = SourceDeps(client=httpx.Client(), secrets=secrets())
    assert isinstance(REGISTRY["instagram"](config(fake_platform), BRAND, deps), InstagramSource)
    with pytest.raises(ValueError, match="ig_user_id"):
        InstagramSource(
            SourceConfig(id="ig-x", type="instagram", brand="mueller"), BRAND, deps.client, secrets()
        )


def publisher(fake: FakePlatform) -> InstagramPublisher:
    return InstagramPublisher(config(fake), httpx.Client(), secrets(), sleep=lambda _: None)


def test_a_reply_answers_the_comment_with_the_proof(fake_platform: FakePlatform) -> None:
    path = "/v25.0/17850000000000011/replies"
    fake_platform.route("POST", path, Reply(json=load_fixture("instagram", "create_reply")))

    published = publisher(fake_platform).reply(
        in_reply_to="17850000000000011", text="Bitte schreiben Sie uns per DM."
    )

    assert published == PublishedReply(platform="instagram", native_id="17850000000000099", url=None)
    [request] = fake_platform.calls(path)
    assert request.query["appsecret_proof"] == [PROOF] and b"message=Bitte" in request.body


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(400, json=load_fixture("instagram", "error_rate_limit")), DeliveryFailed),
        (Reply(400, json=load_fixture("instagram", "error_190")), DeliveryRejected),
        (Reply(502, body="Bad Gateway"), DeliveryFailed),
    ],
)
def test_a_failed_reply_is_tried_once(
    fake_platform: FakePlatform, reply: Reply, error: type[AppError]
) -> None:
    fake_platform.route("POST", "/v25.0/17850000000000011/replies", reply)

    with pytest.raises(error):
        publisher(fake_platform).reply(in_reply_to="17850000000000011", text="Danke")

    assert len(fake_platform.requests) == 1


class TestInstagramSourceContract(SourceContract):
    secret_name = "instagram"
    credentials = {"access_token": "EAAG-contract-ig", "app_secret": "contract-app-secret"}
    path = MEDIA
    credentials_in_query = True  # access_token and appsecret_proof, as Graph asks

    def make_source(self, fake: FakePlatform, secrets: StaticSourceSecrets) -> Source:
        return InstagramSource(config(fake), BRAND, httpx.Client(), secrets, sleep=lambda _: None)
