"""The Mastodon adapter against a local fake of an instance (fixtures: tests/fixtures/mastodon/, with
the documentation pages they follow): hashtag timelines and search paged forward with min_id and the
Link header, empty pages, error bodies, 429 with X-RateLimit-Reset as an ISO time, refused tokens,
server errors, malformed payloads, the cursor that moves only after the mentions are stored, and
replies through POST /api/v1/statuses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.mastodon import (
    SEARCH_PATH,
    STATUSES_PATH,
    MastodonPublisher,
    MastodonSource,
    plain_text,
)
from chalicelib.domain.errors import DeliveryFailed, DeliveryRejected, SourceMisconfigured, SourceUnavailable
from chalicelib.domain.playbook import SourceConfig
from chalicelib.services.collect import collect, cursor_key, read_health
from chalicelib.services.ingest import IngestResult
from tests.fakes import MemoryState, StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture

pytestmark = pytest.mark.integration

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
BRAND = PLAYBOOK.brands[0]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
TOKEN = "masto-test-token"
TAG = "/api/v1/timelines/tag/Sp%C3%BClmeister"


def source(
    fake: FakePlatform, secrets: dict[str, dict[str, str]] | None = None, **options: Any
) -> MastodonSource:
    options = {"instance": fake.base_url, "hashtags": "#Spülmeister", **options}
    config = SourceConfig(id="mastodon-mueller", type="mastodon", brand="mueller", options=options)
    return MastodonSource(
        config,
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"mastodon": {"access_token": TOKEN}} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def link(base: str, *, newest: str, oldest: str) -> dict[str, str]:
    return {"Link": f'<{base}{TAG}?max_id={oldest}>; rel="next", <{base}{TAG}?min_id={newest}>; rel="prev"'}


def tag_pages(fake: FakePlatform) -> None:
    """min_id 1 → page 1 (a full page of two), min_id 3 → page 2 (one post), min_id 5 → nothing."""
    page1 = load_fixture("mastodon", "tag_page1")
    fake.route(
        "GET",
        TAG,
        Reply(
            json=page1, headers=link(fake.base_url, newest="113560000000000003", oldest="113560000000000002")
        ),
    )
    fake.route(
        "GET",
        TAG,
        Reply(
            json=load_fixture("mastodon", "tag_page2"),
            headers=link(fake.base_url, newest="113560000000000005", oldest="113560000000000005"),
        ),
        query={"min_id": "113560000000000003"},
    )
    fake.route(
        "GET", TAG, Reply(json=load_fixture("mastodon", "tag_empty")), query={"min_id": "113560000000000005"}
    )


def test_statuses_become_mentions_with_plain_text_handle_reach_engagement_and_thread(
    fake_platform: FakePlatform,
) -> None:
    tag_pages(fake_platform)

    reply, warned = source(fake_platform).fetch(None, NOW).mentions

    assert reply.platform == "mastodon" and reply.brand == "mueller"
    assert reply.native_id == "https://chaos.example/users/anna/statuses/113560000000000777"
    assert reply.url == "https://chaos.example/@anna/113560000000000777"
    assert reply.text == (
        "Mein #Spülmeister 3000 riecht verschmort & qualmt.\nKundendienst geht nicht ran.\n\n"
        "Hat das noch jemand?"
    )
    assert reply.author.handle == "@anna@chaos.example" and reply.author.followers == 1830
    assert reply.reach == 1830 and reply.engagement == 4 + 12 + 31 and reply.lang_hint == "de"
    assert reply.published_at == datetime(2026, 11, 29, 13, 58, 12, tzinfo=UTC)
    assert reply.thread_id == "127.0.0.1:" + fake_platform.base_url.rsplit(":", 1)[1] + ":113559000000000001"
    # a local account gets the instance's host; a content warning comes before the text
    assert warned.author.handle == f"@kuechenprofi@{fake_platform.base_url.removeprefix('http://')}"
    assert warned.text == "Gerätesicherheit\n\nRückruf beim Spülmeister? Bitte um Infos."
    assert warned.thread_id is None


def test_the_first_run_reads_the_newest_page_and_starts_from_its_prev_link(
    fake_platform: FakePlatform,
) -> None:
    tag_pages(fake_platform)

    page = source(fake_platform).fetch(None, NOW)

    [request] = fake_platform.calls(TAG)
    assert "min_id" not in request.query and request.query["limit"] == ["40"]
    assert "Authorization" not in request.headers  # hashtag timelines are public
    assert page.exhausted and page.cursor == {"min_ids": {"tag:Spülmeister": "113560000000000003"}}


def test_paging_moves_min_id_forward_page_by_page_until_a_page_is_not_full(
    fake_platform: FakePlatform,
) -> None:
    tag_pages(fake_platform)
    mastodon = source(fake_platform, limit=2)
    cursor: dict[str, Any] = {"min_ids": {"tag:Spülmeister": "113560000000000001"}}
    fake_platform.route(
        "GET",
        TAG,
        Reply(
            json=load_fixture("mastodon", "tag_page1"),
            headers=link(fake_platform.base_url, newest="113560000000000003", oldest="113560000000000002"),
        ),
        query={"min_id": "113560000000000001"},
    )

    first = mastodon.fetch(cursor, NOW)
    assert not first.exhausted and first.cursor["min_ids"] == {"tag:Spülmeister": "113560000000000003"}

    second = mastodon.fetch(first.cursor, NOW)
    assert second.exhausted and [m.native_id.rsplit("/", 1)[1] for m in second.mentions] == [
        "113560000000000005"
    ]
    assert second.cursor["min_ids"] == {"tag:Spülmeister": "113560000000000005"}

    third = mastodon.fetch(second.cursor, NOW + timedelta(minutes=5))
    assert third.mentions == [] and third.cursor == second.cursor
    assert [r.query["min_id"] for r in fake_platform.calls(TAG)] == [
        ["113560000000000001"],
        ["113560000000000003"],
        ["113560000000000005"],
    ]


def test_a_page_without_a_link_header_moves_min_id_to_its_newest_status(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", TAG, Reply(json=load_fixture("mastodon", "tag_page1")))

    page = source(fake_platform).fetch({"min_ids": {"tag:Spülmeister": "113560000000000001"}}, NOW)

    assert page.cursor["min_ids"]["tag:Spülmeister"] == "113560000000000003"


def test_no_requests_left_ends_the_run_after_the_page_and_keeps_the_place(
    fake_platform: FakePlatform,
) -> None:
    headers = {
        **link(fake_platform.base_url, newest="113560000000000003", oldest="113560000000000002"),
        "X-RateLimit-Limit": "300",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "2026-11-29T14:05:00.000Z",
    }
    fake_platform.route("GET", TAG, Reply(json=load_fixture("mastodon", "tag_page1"), headers=headers))
    cursor = {"min_ids": {"tag:Spülmeister": "113560000000000001"}}

    page = source(fake_platform, limit=2).fetch(cursor, NOW)

    assert len(page.mentions) == 2 and page.exhausted
    assert page.cursor == {"min_ids": {"tag:Spülmeister": "113560000000000003"}, "stream": 0}


def test_search_needs_the_token_and_runs_after_the_hashtags(fake_platform: FakePlatform) -> None:
    tag_pages(fake_platform)
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("mastodon", "search_page")))
    mastodon = source(fake_platform, search="Müller Haushaltsgeräte")

    tags = mastodon.fetch(None, NOW)
    assert not tags.exhausted and tags.cursor["stream"] == 1
    found = mastodon.fetch(tags.cursor, NOW)

    [request] = fake_platform.calls(SEARCH_PATH)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.query["q"] == ["Müller Haushaltsgeräte"] and request.query["type"] == ["statuses"]
    [mention] = found.mentions
    assert mention.author.handle == "@lena@mastodon.example" and mention.lang_hint == "en"
    assert found.exhausted and found.cursor["min_ids"] == {
        "tag:Spülmeister": "113560000000000003",
        "search:Müller Haushaltsgeräte": "113560000000000004",
    }


def test_an_empty_search_keeps_the_cursor(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("mastodon", "search_empty")))
    cursor = {"min_ids": {"search:Spülmeister": "113560000000000004"}}

    page = source(fake_platform, hashtags="", search="Spülmeister").fetch(cursor, NOW)

    assert page.mentions == [] and page.exhausted and page.cursor == cursor
    assert fake_platform.calls(SEARCH_PATH)[0].query["min_id"] == ["113560000000000004"]


def test_a_search_without_a_token_is_a_configuration_error_without_calling_the_instance(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, secrets={"mastodon": {}}, hashtags="", search="Spülmeister").fetch(None, NOW)
    assert fake_platform.requests == []


@pytest.mark.parametrize(("status", "fixture"), [(401, "error_401"), (403, "error_403")])
def test_a_refused_token_or_scope_is_a_configuration_error(
    fake_platform: FakePlatform, status: int, fixture: str
) -> None:
    fake_platform.route("GET", TAG, Reply(status, json=load_fixture("mastodon", fixture)))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform, use_token=True).fetch(None, NOW)

    assert len(fake_platform.calls(TAG)) == 1 and TOKEN not in repr(caught.value.details)
    assert fake_platform.calls(TAG)[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_refused_request_is_unavailable_and_names_no_message(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", TAG, Reply(422, json=load_fixture("mastodon", "error_422")))

    with pytest.raises(SourceUnavailable) as caught:
        source(fake_platform).fetch(None, NOW)

    assert not isinstance(caught.value, SourceMisconfigured)
    assert caught.value.details[0]["status"] == 422 and "blank" not in repr(caught.value.details)


def test_a_rate_limit_holds_the_source_until_the_iso_reset_and_keeps_the_cursor(
    fake_platform: FakePlatform,
) -> None:
    # Given the instance serves a full page, then answers 429 with a reset 5 minutes ahead (ISO time)
    reset = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fake_platform.route(
        "GET",
        TAG,
        Reply(
            json=load_fixture("mastodon", "tag_page1"),
            headers=link(fake_platform.base_url, newest="113560000000000003", oldest="113560000000000002"),
        ),
    )
    limit_headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    fake_platform.route(
        "GET",
        TAG,
        Reply(429, json=load_fixture("mastodon", "error_429"), headers=limit_headers),
        query={"min_id": "113560000000000003"},
    )
    state = MemoryState()
    state.put(
        cursor_key("mastodon-mueller"),
        {
            "cursor": {"min_ids": {"tag:Spülmeister": "1"}},
            "polled_at": (NOW - timedelta(hours=1)).isoformat(),
        },
    )
    stored: list[str] = []

    def store(raws: list) -> IngestResult:
        stored.extend(m.native_id for m in raws)
        return IngestResult(stored=len(raws))

    # When the collector runs it with pages of two
    report = collect([source(fake_platform, limit=2)], state=state, store=store, now=NOW)

    # Then page 1 is stored, the cursor stands after it, and the source waits for the reset
    assert report.rate_limited == ["mastodon-mueller"] and report.failed == [] and len(stored) == 2
    saved = state.get(cursor_key("mastodon-mueller"))["cursor"]
    assert saved["min_ids"] == {"tag:Spülmeister": "113560000000000003"}
    health = read_health(state, "mastodon-mueller")
    assert NOW + timedelta(minutes=4) <= health.not_before <= NOW + timedelta(minutes=6)


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    fake_platform.route(
        "GET",
        TAG,
        Reply(503, body="<html>Mastodon is down for maintenance</html>"),
        Reply(json=load_fixture("mastodon", "tag_page2")),
    )

    page = source(fake_platform).fetch(None, NOW)

    assert len(page.mentions) == 1 and len(fake_platform.calls(TAG)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"error": "This method requires an authenticated user"}),  # an object, not a list
        Reply(json=[{"id": "1", "uri": "u", "created_at": "gestern", "account": {"acct": "a"}}]),
        Reply(json=[{"id": "1", "created_at": "2026-11-29T13:00:00Z"}]),  # no uri, no account
        Reply(body="<html>502 Bad Gateway</html>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    fake_platform.route("GET", TAG, reply)
    state = MemoryState()
    cursor = {"min_ids": {"tag:Spülmeister": "100"}}
    state.put(
        cursor_key("mastodon-mueller"),
        {"cursor": cursor, "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["mastodon-mueller"]
    assert state.get(cursor_key("mastodon-mueller"))["cursor"] == cursor


def test_the_cursor_does_not_move_past_a_page_that_was_not_stored(fake_platform: FakePlatform) -> None:
    # Given a full page 1 and a page 2, and a store that fails on the second
    tag_pages(fake_platform)
    fake_platform.route(
        "GET",
        TAG,
        Reply(
            json=load_fixture("mastodon", "tag_page1"),
            headers=link(fake_platform.base_url, newest="113560000000000003", oldest="113560000000000002"),
        ),
        query={"min_id": "1"},
    )
    state = MemoryState()
    state.put(
        cursor_key("mastodon-mueller"),
        {
            "cursor": {"min_ids": {"tag:Spülmeister": "1"}},
            "polled_at": (NOW - timedelta(hours=1)).isoformat(),
        },
    )
    calls: list[int] = []

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult(stored=len(raws))

    # When the collector runs
    report = collect([source(fake_platform, limit=2)], state=state, store=flaky_store, now=NOW)

    # Then the cursor stands after page 1, so page 2 is asked for again
    assert report.failed == ["mastodon-mueller"] and calls == [2, 1]
    assert state.get(cursor_key("mastodon-mueller"))["cursor"]["min_ids"] == {
        "tag:Spülmeister": "113560000000000003"
    }


def test_html_entities_and_tags_become_plain_text() -> None:
    assert plain_text("<p>A &lt;b&gt; &amp; &quot;c&quot;</p><p>d<br>e</p>") == 'A <b> & "c"\n\nd\ne'


def publisher(fake: FakePlatform, secrets: dict[str, dict[str, str]] | None = None) -> MastodonPublisher:
    config = SourceConfig(
        id="mastodon-mueller", type="mastodon", brand="mueller", options={"instance": fake.base_url}
    )
    return MastodonPublisher(
        config,
        httpx.Client(),
        StaticSourceSecrets({"mastodon": {"access_token": TOKEN}} if secrets is None else secrets),
    )


URI = "https://chaos.example/users/anna/statuses/113560000000000777"


def test_a_reply_resolves_the_post_on_the_brands_instance_and_posts_once(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("mastodon", "search_resolve")))
    fake_platform.route("POST", STATUSES_PATH, Reply(json=load_fixture("mastodon", "create_status")))

    published = publisher(fake_platform).reply(in_reply_to=URI, text="Das tut uns leid.")

    assert published.native_id == "200000000000000900"
    assert published.url == "https://brand.example/@mueller_hg/200000000000000900"
    [lookup] = fake_platform.calls(SEARCH_PATH)
    assert lookup.query["q"] == [URI] and lookup.query["resolve"] == ["true"]
    [post] = fake_platform.calls(STATUSES_PATH)
    assert post.json() == {
        "status": "Das tut uns leid.",
        "in_reply_to_id": "200000000000000777",
        "visibility": "public",
    }
    assert post.headers["Authorization"] == f"Bearer {TOKEN}" and len(post.headers["Idempotency-Key"]) == 64


def test_a_reply_to_a_post_the_instance_cannot_find_is_rejected(fake_platform: FakePlatform) -> None:
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("mastodon", "search_empty")))

    with pytest.raises(DeliveryRejected):
        publisher(fake_platform).reply(in_reply_to=URI, text="Das tut uns leid.")
    assert fake_platform.calls(STATUSES_PATH) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, DeliveryRejected), (422, DeliveryRejected), (429, DeliveryFailed), (503, DeliveryFailed)],
)
def test_a_refused_or_failed_reply_is_told_apart_and_not_retried(
    fake_platform: FakePlatform, status: int, error: type[Exception]
) -> None:
    fake_platform.route("POST", STATUSES_PATH, Reply(status, json={"error": "nope"}))

    with pytest.raises(error):
        publisher(fake_platform).reply(in_reply_to="200000000000000777", text="Das tut uns leid.")
    assert len(fake_platform.calls(STATUSES_PATH)) == 1
