"""Replies on YouTube through the Publisher port, against the local fake of comments.insert
(tests/fixtures/youtube/comment_insert.json): an access token from the channel owner's refresh token,
posted once, refusals told apart from what a retry may fix."""

from __future__ import annotations

import httpx
import pytest

from chalicelib.adapters.sources.youtube import YouTubePublisher
from chalicelib.domain.errors import AppError, DeliveryFailed, DeliveryRejected
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import PublishedReply
from tests.fakes import StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture

pytestmark = pytest.mark.integration

COMMENTS = "/youtube/v3/comments"
PARENT = "UgzDE2tasfmrYLyNkGt4AaABAg"
TEXT = "Das tut uns leid. Bitte schreiben Sie uns an service@mueller.example."
TOKEN = {"access_token": "ya29.yt-test-access", "expires_in": 3599, "token_type": "Bearer"}
CREDENTIALS = {"api_key": "AIza-test", "client_id": "c.apps.googleusercontent.com", "client_secret": "s", "refresh_token": "1//yt-refresh"}  # fmt: skip


def publisher(fake: FakePlatform, credentials: dict[str, str] = CREDENTIALS) -> YouTubePublisher:
    config = SourceConfig(
        id="youtube-mueller",
        type="youtube",
        brand="mueller",
        options={"base_url": fake.base_url, "token_url": f"{fake.base_url}/token"},
    )
    return YouTubePublisher(
        config, httpx.Client(), StaticSourceSecrets({"youtube": credentials}), sleep=lambda _: None
    )


def test_a_reply_is_inserted_under_the_comment_as_the_channel(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", "/token", Reply(json=TOKEN))
    fake_platform.route("POST", COMMENTS, Reply(json=load_fixture("youtube", "comment_insert")))

    published = publisher(fake_platform).reply(in_reply_to=PARENT, text=TEXT)

    reply_id = f"{PARENT}.9iPXEClD9lW9iPXF0c8Zqs"
    assert published == PublishedReply(
        platform="youtube",
        native_id=reply_id,
        url=f"https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc={reply_id}",
    )
    [request] = fake_platform.calls(COMMENTS)
    assert request.headers["Authorization"] == "Bearer ya29.yt-test-access"
    assert request.json() == {"snippet": {"parentId": PARENT, "textOriginal": TEXT}}
    assert request.query["part"] == ["snippet"]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(403, json=load_fixture("youtube", "error_forbidden")), DeliveryRejected),
        (Reply(403, json=load_fixture("youtube", "error_quota_exceeded")), DeliveryFailed),  # tomorrow
        (Reply(503, json={"error": {"code": 503, "message": "Backend Error"}}), DeliveryFailed),
    ],
)
def test_a_failed_reply_is_tried_once(
    fake_platform: FakePlatform, reply: Reply, error: type[AppError]
) -> None:
    fake_platform.route("POST", "/token", Reply(json=TOKEN))
    fake_platform.route("POST", COMMENTS, reply)

    with pytest.raises(error) as caught:
        publisher(fake_platform).reply(in_reply_to=PARENT, text=TEXT)

    assert type(caught.value) is error and len(fake_platform.calls(COMMENTS)) == 1
    assert "yt-refresh" not in repr(caught.value.details)


def test_without_the_owner_s_refresh_token_nothing_is_posted(fake_platform: FakePlatform) -> None:
    with pytest.raises(DeliveryRejected):
        publisher(fake_platform, {"api_key": "AIza-test"}).reply(in_reply_to=PARENT, text=TEXT)
    assert fake_platform.requests == []
