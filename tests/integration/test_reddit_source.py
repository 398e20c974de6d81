"""The Reddit adapter against a local fake of Reddit's OAuth API (fixtures: tests/fixtures/reddit/,
with the documentation pages they follow): the app-only token (cached, renewed once on 401), listings
of new posts, comments and searches paged with `after` down to the newest item of the last run, empty
listings, error bodies, 429 with X-Ratelimit-Reset in seconds, private subreddits, server errors,
malformed payloads, and the cursor that moves only after the mentions are stored."""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.reddit import SEARCH_PATH, TOKEN_PATH, RedditSource, RedditToken
from chalicelib.domain.errors import SourceMisconfigured, SourceUnavailable
from chalicelib.domain.playbook import SourceConfig
from chalicelib.services.collect import collect, cursor_key, read_health
from chalicelib.services.ingest import IngestResult
from tests.fakes import MemoryState, StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture

pytestmark = pytest.mark.integration

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
BRAND = PLAYBOOK.brands[0]
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
SECRET = {
    "client_id": "p-jcoLKBynTLew",
    "client_secret": "gko_LXELoV07ZBNUXrvWZfzE3aI",
    "username": "mueller_hg",
}
NEW = "/r/de/new"
COMMENTS = "/r/de/comments"
TOKEN = load_fixture("reddit", "token")["access_token"]
OLD_MARK = {"name": "t3_1h9zh11", "created_utc": datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()}


@pytest.fixture(autouse=True)
def no_cached_tokens() -> Iterator[None]:
    RedditToken._tokens.clear()
    yield
    RedditToken._tokens.clear()


def source(
    fake: FakePlatform, secrets: dict[str, dict[str, str]] | None = None, **options: Any
) -> RedditSource:
    options = {"base_url": fake.base_url, "auth_url": fake.base_url, "subreddits": "de", **options}
    config = SourceConfig(id="reddit-mueller", type="reddit", brand="mueller", options=options)
    return RedditSource(
        config,
        BRAND,
        httpx.Client(),
        StaticSourceSecrets({"reddit": SECRET} if secrets is None else secrets),
        sleep=lambda _: None,
        rng=random.Random(1),
    )


def token_ok(fake: FakePlatform) -> None:
    fake.route("POST", TOKEN_PATH, Reply(json=load_fixture("reddit", "token")))


def new_pages(fake: FakePlatform) -> None:
    token_ok(fake)
    fake.route("GET", NEW, Reply(json=load_fixture("reddit", "new_page1")))
    fake.route("GET", NEW, Reply(json=load_fixture("reddit", "new_page2")), query={"after": "t3_1h9zj7q"})


def test_posts_and_comments_become_mentions(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, Reply(json=load_fixture("reddit", "new_page1")))
    fake_platform.route("GET", COMMENTS, Reply(json=load_fixture("reddit", "comments")))
    reddit = source(fake_platform)

    posts = reddit.fetch(None, NOW)
    comments = reddit.fetch(posts.cursor, NOW)

    post = posts.mentions[0]
    assert (post.platform, post.native_id, post.brand) == ("reddit", "t3_1h9zk04", "mueller")
    assert post.text == (
        "Spülmeister 3000 schmort beim Spülen\n\n"
        "Heute Nacht hat es verbrannt gerochen & der Kundendienst ist nicht erreichbar."
    )
    assert post.url == "https://www.reddit.com/r/de/comments/1h9zk04/spulmeister_3000_schmort_beim_spulen/"
    assert post.author.handle == "u/anna_kocht" and post.reach == 1_200_000 and post.engagement == 342 + 87
    assert post.published_at == datetime(2026, 11, 29, 13, 58, tzinfo=UTC) and post.thread_id is None
    comment = comments.mentions[0]
    assert comment.native_id == "t1_m1x2y3z" and comment.thread_id == "t3_1h9zk04"
    assert comment.text == "Bei mir auch, Gerät ist aus und riecht verschmort." and comment.reach == 0
    assert comment.engagement == 57 and comment.author.handle == "u/kuechenprofi"


def test_the_token_is_asked_for_once_with_basic_auth_and_sent_with_a_user_agent(
    fake_platform: FakePlatform,
) -> None:
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, Reply(json=load_fixture("reddit", "listing_empty")))
    reddit = source(fake_platform, comments=False)

    reddit.fetch(None, NOW)
    reddit.fetch(None, NOW)

    [token_request] = fake_platform.calls(TOKEN_PATH)
    expected = base64.b64encode(f"{SECRET['client_id']}:{SECRET['client_secret']}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert token_request.body == b"grant_type=client_credentials"
    listing = fake_platform.calls(NEW)[0]
    assert listing.headers["Authorization"] == f"Bearer {TOKEN}"
    assert listing.headers["User-Agent"] == "server:de.krisenradar.collector:0.1 (by /u/mueller_hg)"
    assert listing.query["limit"] == ["100"] and listing.query["raw_json"] == ["1"]


def test_a_token_is_asked_for_again_shortly_before_it_expires(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)  # expires_in: 86400
    fake_platform.route("GET", NEW, Reply(json=load_fixture("reddit", "listing_empty")))
    now = [1_000_000.0]
    config = SourceConfig(
        id="reddit-mueller",
        type="reddit",
        brand="mueller",
        options={"base_url": fake_platform.base_url, "auth_url": fake_platform.base_url, "subreddits": "de"},
    )
    reddit = RedditSource(
        config, BRAND, httpx.Client(), StaticSourceSecrets({"reddit": SECRET}), clock=lambda: now[0]
    )

    reddit.fetch(None, NOW)
    now[0] += 86400 - 120  # still valid
    reddit.fetch(None, NOW)
    assert len(fake_platform.calls(TOKEN_PATH)) == 1
    now[0] += 90  # within the last minute of its lifetime
    reddit.fetch(None, NOW)
    assert len(fake_platform.calls(TOKEN_PATH)) == 2


def test_an_expired_token_is_renewed_once(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)
    fake_platform.route(
        "GET",
        NEW,
        Reply(401, json=load_fixture("reddit", "error_401")),
        Reply(json=load_fixture("reddit", "new_page1")),
    )

    page = source(fake_platform, comments=False).fetch(None, NOW)

    assert len(page.mentions) == 2
    assert len(fake_platform.calls(TOKEN_PATH)) == 2 and len(fake_platform.calls(NEW)) == 2


def test_a_token_refused_twice_is_a_configuration_error(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, Reply(401, json=load_fixture("reddit", "error_401")))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform, comments=False).fetch(None, NOW)

    assert len(fake_platform.calls(NEW)) == 2 and TOKEN not in repr(caught.value.details)


def test_refused_app_credentials_are_a_configuration_error(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", TOKEN_PATH, Reply(401, json=load_fixture("reddit", "error_401")))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert fake_platform.calls(NEW) == [] and SECRET["client_secret"] not in repr(caught.value.details)


def test_a_missing_secret_is_a_configuration_error_without_calling_reddit(
    fake_platform: FakePlatform,
) -> None:
    with pytest.raises(SourceMisconfigured):
        source(fake_platform, secrets={"reddit": {"client_id": "x"}}).fetch(None, NOW)
    assert fake_platform.requests == []


def test_a_private_subreddit_is_a_configuration_error(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, Reply(403, json=load_fixture("reddit", "error_403")))

    with pytest.raises(SourceMisconfigured) as caught:
        source(fake_platform).fetch(None, NOW)

    assert caught.value.details[0]["status"] == 403 and len(fake_platform.calls(TOKEN_PATH)) == 1


def test_paging_follows_after_down_to_the_last_runs_newest_post_then_moves_the_mark(
    fake_platform: FakePlatform,
) -> None:
    new_pages(fake_platform)
    reddit = source(fake_platform, comments=False)

    first = reddit.fetch({"marks": {"new:de": OLD_MARK}}, NOW)
    assert not first.exhausted and first.cursor["after"] == "t3_1h9zj7q"
    assert first.cursor["marks"] == {"new:de": OLD_MARK}  # not before the last page is stored

    second = reddit.fetch(first.cursor, NOW)
    assert [m.native_id for m in second.mentions] == ["t3_1h9zi2b"]  # t3_1h9zh11 was stored last run
    assert second.mentions[0].author.handle is None  # a deleted account
    assert second.exhausted and second.cursor == {
        "marks": {"new:de": {"name": "t3_1h9zk04", "created_utc": NOW.timestamp() - 120}}
    }
    assert "after" not in fake_platform.calls(NEW)[0].query


def test_the_first_run_reads_one_page(fake_platform: FakePlatform) -> None:
    new_pages(fake_platform)

    page = source(fake_platform, comments=False).fetch(None, NOW)

    assert (
        page.exhausted and len(page.mentions) == 2 and page.cursor["marks"]["new:de"]["name"] == "t3_1h9zk04"
    )
    assert len(fake_platform.calls(NEW)) == 1


def test_a_search_runs_after_the_subreddits_sorted_by_new(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, Reply(json=load_fixture("reddit", "listing_empty")))
    fake_platform.route("GET", SEARCH_PATH, Reply(json=load_fixture("reddit", "search_page")))
    reddit = source(fake_platform, comments=False, search="Müller Haushaltsgeräte")

    subreddit = reddit.fetch(None, NOW)
    found = reddit.fetch(subreddit.cursor, NOW)

    assert subreddit.mentions == [] and not subreddit.exhausted
    [request] = fake_platform.calls(SEARCH_PATH)
    assert request.query["q"] == ["Müller Haushaltsgeräte"] and request.query["sort"] == ["new"]
    [mention] = found.mentions
    assert mention.reach == 6_000_000 and found.exhausted
    assert set(found.cursor["marks"]) == {"search:Müller Haushaltsgeräte"}


def test_an_empty_listing_keeps_the_mark(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, Reply(json=load_fixture("reddit", "listing_empty")))

    page = source(fake_platform, comments=False).fetch({"marks": {"new:de": OLD_MARK}}, NOW)

    assert page.mentions == [] and page.exhausted and page.cursor == {"marks": {"new:de": OLD_MARK}}


def test_no_requests_left_ends_the_run_after_the_page_and_keeps_the_place(
    fake_platform: FakePlatform,
) -> None:
    token_ok(fake_platform)
    headers = {"X-Ratelimit-Used": "100", "X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "212"}
    fake_platform.route("GET", NEW, Reply(json=load_fixture("reddit", "new_page1"), headers=headers))

    page = source(fake_platform, comments=False).fetch({"marks": {"new:de": OLD_MARK}}, NOW)

    assert page.exhausted and page.cursor["after"] == "t3_1h9zj7q" and len(page.mentions) == 2


def test_a_rate_limit_holds_the_source_for_the_reset_seconds_and_keeps_the_cursor(
    fake_platform: FakePlatform,
) -> None:
    # Given Reddit serves page 1, then answers 429 with 212 seconds left in its window
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, Reply(json=load_fixture("reddit", "new_page1")))
    headers = {"X-Ratelimit-Used": "100", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "212"}
    fake_platform.route(
        "GET",
        NEW,
        Reply(429, json=load_fixture("reddit", "error_429"), headers=headers),
        query={"after": "t3_1h9zj7q"},
    )
    state = MemoryState()
    state.put(
        cursor_key("reddit-mueller"),
        {"cursor": {"marks": {"new:de": OLD_MARK}}, "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )
    stored: list[str] = []

    def store(raws: list) -> IngestResult:
        stored.extend(m.native_id for m in raws)
        return IngestResult(stored=len(raws))

    # When the collector runs it
    report = collect([source(fake_platform, comments=False)], state=state, store=store, now=NOW)

    # Then page 1 is stored, the cursor points at page 2 with the old mark, and the source waits
    assert report.rate_limited == ["reddit-mueller"] and report.failed == [] and len(stored) == 2
    saved = state.get(cursor_key("reddit-mueller"))["cursor"]
    assert saved["after"] == "t3_1h9zj7q" and saved["marks"] == {"new:de": OLD_MARK}
    health = read_health(state, "reddit-mueller")
    assert health.not_before == NOW + timedelta(seconds=212)


def test_a_server_error_is_retried_and_then_succeeds(fake_platform: FakePlatform) -> None:
    token_ok(fake_platform)
    fake_platform.route(
        "GET",
        NEW,
        Reply(502, body="<html>Bad Gateway</html>"),
        Reply(json=load_fixture("reddit", "new_page1")),
    )

    page = source(fake_platform, comments=False).fetch(None, NOW)

    assert len(page.mentions) == 2 and len(fake_platform.calls(NEW)) == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"kind": "t3", "data": {}}),  # not a Listing
        Reply(json={"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"name": "t3_1"}}]}}),
        Reply(json=[]),
        Reply(body="<!doctype html><title>reddit.com: over capacity</title>"),
    ],
)
def test_a_malformed_payload_is_unavailable_and_moves_no_cursor(
    fake_platform: FakePlatform, reply: Reply
) -> None:
    token_ok(fake_platform)
    fake_platform.route("GET", NEW, reply)
    state = MemoryState()
    cursor = {"marks": {"new:de": OLD_MARK}}
    state.put(
        cursor_key("reddit-mueller"), {"cursor": cursor, "polled_at": (NOW - timedelta(hours=1)).isoformat()}
    )

    report = collect([source(fake_platform)], state=state, store=lambda raws: IngestResult(), now=NOW)

    assert report.failed == ["reddit-mueller"]
    assert state.get(cursor_key("reddit-mueller"))["cursor"] == cursor
    with pytest.raises(SourceUnavailable):
        source(fake_platform).fetch(None, NOW)


def test_the_cursor_does_not_move_past_a_page_that_was_not_stored(fake_platform: FakePlatform) -> None:
    # Given two pages, and a store that fails on the second
    new_pages(fake_platform)
    state = MemoryState()
    state.put(
        cursor_key("reddit-mueller"),
        {"cursor": {"marks": {"new:de": OLD_MARK}}, "polled_at": (NOW - timedelta(hours=1)).isoformat()},
    )
    calls: list[int] = []

    def flaky_store(raws: list) -> IngestResult:
        calls.append(len(raws))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB throttled")
        return IngestResult(stored=len(raws))

    # When the collector runs
    report = collect([source(fake_platform, comments=False)], state=state, store=flaky_store, now=NOW)

    # Then the cursor stands after page 1 and the stop mark has not moved
    assert report.failed == ["reddit-mueller"] and calls == [2, 1]
    saved = state.get(cursor_key("reddit-mueller"))["cursor"]
    assert saved["after"] == "t3_1h9zj7q" and saved["marks"] == {"new:de": OLD_MARK}
