"""Replies on X through the Publisher port, against the local fake of POST /2/tweets
(tests/fixtures/x/create_post.json): posted once, never retried by itself, refusals told apart."""

from __future__ import annotations

import httpx
import pytest

from chalicelib.adapters.sources.x import POST_PATH, XPublisher
from chalicelib.domain.errors import AppError, DeliveryFailed, DeliveryRejected
from chalicelib.domain.playbook import SourceConfig
from chalicelib.ports import PublishedReply, Publisher
from tests.fakes import StaticSourceSecrets
from tests.platform_fake import FakePlatform, Reply, load_fixture

pytestmark = pytest.mark.integration

TEXT = "@anna_kocht Das tut uns leid. Bitte nutzen Sie das Gerät nicht weiter, wir melden uns per DM."


def publisher(fake: FakePlatform) -> Publisher:
    config = SourceConfig(id="x-mueller", type="x", brand="mueller", options={"base_url": fake.base_url})
    secrets = StaticSourceSecrets({"x": {"bearer_token": "app-only", "user_access_token": "user-ctx"}})
    return XPublisher(config, httpx.Client(), secrets, sleep=lambda _: None)


def test_a_reply_is_posted_in_reply_to_the_mention_with_the_user_token(fake_platform: FakePlatform) -> None:
    fake_platform.route("POST", POST_PATH, Reply(201, json=load_fixture("x", "create_post")))

    published = publisher(fake_platform).reply(in_reply_to="1862500000000000003", text=TEXT)

    assert published == PublishedReply(
        platform="x", native_id="1862600000000000001", url="https://x.com/i/web/status/1862600000000000001"
    )
    [request] = fake_platform.calls(POST_PATH)
    assert request.headers["Authorization"] == "Bearer user-ctx"
    assert request.json() == {"text": TEXT, "reply": {"in_reply_to_tweet_id": "1862500000000000003"}}


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(503, json={"title": "Service Unavailable"}), DeliveryFailed),
        (
            Reply(429, json=load_fixture("x", "error_429"), headers={"x-rate-limit-reset": "1"}),
            DeliveryFailed,
        ),
        (Reply(401, json=load_fixture("x", "error_401")), DeliveryRejected),
        (Reply(403, json={"title": "Forbidden", "detail": "You are not allowed to reply"}), DeliveryRejected),
        (Reply(400, json={"title": "Invalid Request"}), DeliveryRejected),
        (Reply(201, json={"data": {}}), DeliveryFailed),  # no id: we cannot tell where it went
    ],
)
def test_a_failed_post_is_tried_once_and_says_whether_a_retry_may_help(
    fake_platform: FakePlatform, reply: Reply, error: type[AppError]
) -> None:
    fake_platform.route("POST", POST_PATH, reply)

    with pytest.raises(error) as caught:
        publisher(fake_platform).reply(in_reply_to="1862500000000000003", text=TEXT)

    assert type(caught.value) is error and len(fake_platform.calls(POST_PATH)) == 1
    assert "user-ctx" not in repr(caught.value.details)
