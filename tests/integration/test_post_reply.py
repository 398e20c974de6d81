"""The response desk posts an approved reply itself (POST /drafts/{id}/publish {"post": true}): on the
mention's platform (X here, its local fake), as the brand's account named by the brand's X source, with
that source's credentials from Secrets Manager; once, however often it is asked; a failed post releases
the draft for another try, and a post whose outcome is unknown is never repeated."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.adapters.sources.x import POST_PATH
from chalicelib.domain.playbook import SourceConfig
from chalicelib.services.ingest import ingest
from tests.conftest import call
from tests.factories import raw_mention
from tests.platform_fake import FakePlatform, Reply, load_fixture

pytestmark = pytest.mark.integration

COMPLAINT = "Mein Spülmeister 3000 ist heute ausgefallen, ich bin echt sauer."


@pytest.fixture
def x_account(container: Any, fake_platform: FakePlatform) -> Iterator[FakePlatform]:
    """Müller's X source in the playbook (pointing at the fake) and its credentials in Secrets Manager."""
    secret = f"x-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(
        Name=f"krisenradar/{container.settings.stage}/sources/{secret}",
        SecretString='{"bearer_token": "app-only", "user_access_token": "user-ctx"}',
    )
    source = SourceConfig(
        id="x-mueller",
        type="x",
        brand="mueller",
        options={"base_url": fake_platform.base_url, "secret": secret},
    )
    original = container.playbook
    container.playbook = original.model_copy(update={"sources": (*original.sources, source)})
    yield fake_platform
    container.playbook = original


def _approved_reply(container: Any, api: Any, keys: dict, incident_id: str) -> dict[str, Any]:
    """A reply to an X complaint, approved by two people other than its author (SEV1)."""
    raw = raw_mention(COMPLAINT, at=container.clock(), handle="@anna_k", followers=340, platform="x")
    ingest([raw], enricher=container.enricher, mentions=container.mentions)
    request = {
        "kind": "reply",
        "channel": "x",
        "language": "de",
        "address": "Sie",
        "mention_id": f"x#{raw.native_id}",
    }
    status, draft = call(api, "post", f"/incidents/{incident_id}/drafts", keys["responder"], request)
    assert status == 201, draft
    for approver in (keys["approver"], keys["admin"]):
        status, draft = call(api, "post", f"/drafts/{draft['draft_id']}/approve", approver)
        assert status == 200, draft
    assert draft["status"] == "approved"
    return {**draft, "native_id": raw.native_id}


def test_an_approved_reply_is_posted_once_as_the_brand_and_published_with_its_url(
    container: Any, api: Any, keys: dict, incident_id: str, x_account: FakePlatform
) -> None:
    x_account.route("POST", POST_PATH, Reply(201, json=load_fixture("x", "create_post")))
    draft = _approved_reply(container, api, keys, incident_id)
    path = f"/drafts/{draft['draft_id']}/publish"

    status, published = call(api, "post", path, keys["responder"], {"post": True})
    again_status, again = call(api, "post", path, keys["responder"], {"post": True})

    assert status == 200, published
    assert (published["status"], published["published_url"]) == (
        "published",
        "https://x.com/i/web/status/1862600000000000001",
    )
    assert again_status == 200 and again["published_url"] == published["published_url"]
    [posted] = x_account.calls(POST_PATH)  # once
    assert posted.headers["Authorization"] == "Bearer user-ctx"
    assert posted.json() == {"text": draft["text"], "reply": {"in_reply_to_tweet_id": draft["native_id"]}}
    _, incident = call(api, "get", f"/incidents/{incident_id}", keys["viewer"])
    assert (
        "Stellungnahme veröffentlicht: Antwort auf x (https://x.com/i/web/status/"
        in incident["timeline"][-1]["message"]
    )


def test_a_failed_post_is_a_502_and_the_next_try_posts(
    container: Any, api: Any, keys: dict, incident_id: str, x_account: FakePlatform
) -> None:
    x_account.route(
        "POST",
        POST_PATH,
        Reply(503, json={"title": "Service Unavailable"}),
        Reply(201, json=load_fixture("x", "create_post")),
    )
    draft = _approved_reply(container, api, keys, incident_id)
    path = f"/drafts/{draft['draft_id']}/publish"

    status, failed = call(api, "post", path, keys["responder"], {"post": True})
    assert status == 502 and failed["error"]["code"] == "delivery_failed"
    assert container.drafts.get(draft["draft_id"]).posting is None  # released: nothing went out

    status, published = call(api, "post", path, keys["responder"], {"post": True})
    assert status == 200 and published["status"] == "published"
    assert len(x_account.calls(POST_PATH)) == 2


def test_a_double_click_posts_once_and_an_unknown_outcome_is_left_to_a_person(
    container: Any, api: Any, keys: dict, incident_id: str, x_account: FakePlatform
) -> None:
    from chalicelib.services import drafts as draft_service

    x_account.route("POST", POST_PATH, Reply(201, json=load_fixture("x", "create_post"), delay=1.5))
    draft = _approved_reply(container, api, keys, incident_id)
    actor = draft_service.actor_of("Jonas Weber", "jonas-weber", "k-jonas")
    outcomes: list[Any] = []

    def press() -> None:
        try:
            outcomes.append(
                draft_service.post_and_publish(
                    draft["draft_id"],
                    expected_version=None,
                    publisher_for=container.publisher_for,
                    drafts=container.drafts,
                    incidents=container.incidents,
                    actor=actor,
                    now=container.clock(),
                )  # fmt: skip
            )
        except Exception as error:  # noqa: BLE001 (the outcome is what the test looks at)
            outcomes.append(error)

    first = threading.Thread(target=press)
    first.start()
    for _ in range(100):  # until the first click's claim is saved and its post is in flight
        if container.drafts.get(draft["draft_id"]).posting is not None:
            break
        threading.Event().wait(0.02)
    press()
    first.join(timeout=30)

    assert len(x_account.calls(POST_PATH)) == 1
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == ["Draft", "DraftState"]  # one posted and published, the other was told why not


def test_a_claim_left_by_a_dead_function_is_never_posted_again_until_a_person_publishes_by_hand(
    container: Any, api: Any, keys: dict, incident_id: str, x_account: FakePlatform
) -> None:
    x_account.route("POST", POST_PATH, Reply(201, json=load_fixture("x", "create_post")))
    draft = _approved_reply(container, api, keys, incident_id)
    saved = container.drafts.get(draft["draft_id"])
    container.drafts.save(saved.model_copy(update={"posting": ("died-after-posting", container.clock())}))
    path = f"/drafts/{draft['draft_id']}/publish"

    status, refused = call(api, "post", path, keys["responder"], {"post": True})
    assert status == 409 and "check the platform" in refused["error"]["message"]
    assert x_account.calls(POST_PATH) == []

    url = {"url": "https://x.com/mueller/status/1862600000000000009"}
    status, published = call(api, "post", path, keys["responder"], url)
    assert status == 200 and published["published_url"] == url["url"]
    assert container.drafts.get(draft["draft_id"]).posting is None
