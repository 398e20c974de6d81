"""Outgoing webhook subscriptions through the real API against moto server: the secret shown once,
listing, pausing, deleting, URL and event validation per stage, admin only, the audit log without the
secret, the delivery log; and POST /ingest signed with Standard Webhooks headers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain import webhooks
from chalicelib.domain.models import Delivery, Severity
from tests.conftest import bearer, call

pytestmark = pytest.mark.integration

RECEIVER = {
    "url": "https://crm.example.de/hooks/krisenradar",
    "events": ["incident.opened", "draft.approved"],
}


def _create(api: Any, keys: dict[str, str], **body: Any) -> dict[str, Any]:
    status, created = call(api, "post", "/webhooks", keys["admin"], {**RECEIVER, **body})
    assert status == 201, created
    return dict(created)


def test_a_subscription_shows_its_secret_once_and_never_again(api: Any, keys: dict[str, str]) -> None:
    # Given an admin subscribes a receiver
    created = _create(api, keys)
    # Then the answer carries the id and the signing secret
    assert created["id"].startswith("wh_")
    assert created["secret"].startswith("whsec_")
    assert (created["url"], created["events"], created["paused"]) == (
        RECEIVER["url"],
        ["incident.opened", "draft.approved"],
        False,
    )
    # And neither the listing, the subscription itself nor the audit log shows the secret again
    listed_status, listed = call(api, "get", "/webhooks", keys["admin"])
    one_status, one = call(api, "get", f"/webhooks/{created['id']}", keys["admin"])
    audit_status, audit = call(api, "get", f"/audit?target=webhook:{created['id']}", keys["admin"])
    assert (listed_status, one_status, audit_status) == (200, 200, 200)
    assert created["id"] in [w["id"] for w in listed["items"]]
    assert one["url"] == RECEIVER["url"]
    assert audit["items"][0]["action"] == "POST /webhooks"
    for shown in (listed, one, audit):
        assert created["secret"] not in json.dumps(shown)
        assert "secret" not in {key for item in shown.get("items", [shown]) for key in item}


def test_the_sender_finds_url_secret_and_events_by_id(container: Any, api: Any, keys: dict[str, str]) -> None:
    created = _create(api, keys)
    stored = container.webhooks.get(created["id"])
    assert (stored.url, stored.secret, stored.events) == (
        RECEIVER["url"],
        created["secret"],
        tuple(created["events"]),
    )
    assert stored.wants("incident.opened") and not stored.wants("incident.resolved")


def test_pause_resume_and_a_stale_version(container: Any, api: Any, keys: dict[str, str]) -> None:
    # Given a subscription
    created = _create(api, keys)
    path = f"/webhooks/{created['id']}"
    # When an admin pauses it with the current version
    status, paused = call(api, "put", path, keys["admin"], {"paused": True, "version": created["version"]})
    # Then it is paused and the sender skips it
    assert status == 200, paused
    assert paused["paused"] is True and paused["version"] == created["version"] + 1
    assert not container.webhooks.get(created["id"]).wants("incident.opened")
    # And a change made with the old version is a conflict, a resume with the new one works
    stale, _ = call(api, "put", path, keys["admin"], {"paused": False, "version": created["version"]})
    assert stale == 409
    status, resumed = call(
        api, "put", path, keys["admin"], {"paused": False, "events": ["incident.resolved"]}
    )
    assert status == 200
    assert (resumed["paused"], resumed["events"]) == (False, ["incident.resolved"])


def test_a_deleted_subscription_is_gone(api: Any, keys: dict[str, str]) -> None:
    created = _create(api, keys)
    path = f"/webhooks/{created['id']}"
    response = api.http.delete(path, headers=bearer(keys["admin"]))
    assert response.status_code == 204
    assert call(api, "get", path, keys["admin"])[0] == 404
    assert call(api, "delete", path, keys["admin"])[0] == 404
    _, listed = call(api, "get", "/webhooks", keys["admin"])
    assert created["id"] not in [w["id"] for w in listed["items"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://crm.example.de/hook"}, "body.url"),
        ({"url": "https://user:secret@crm.example.de/hook"}, "body.url"),
        ({"url": "https://crm.example.de/" + "a" * 2048}, "body.url"),
        ({"events": ["incident.opened", "incident.deleted"]}, "body.events.1"),
        ({"events": []}, "body.events"),
    ],
)
def test_invalid_subscriptions_get_field_level_422s(
    api: Any, keys: dict[str, str], body: dict[str, Any], field: str
) -> None:
    status, error = call(api, "post", "/webhooks", keys["admin"], {**RECEIVER, **body})
    assert status == 422
    assert error["error"]["code"] == "invalid_input"
    assert [d["field"] for d in error["error"]["details"]] == [field]


def test_unknown_fields_are_a_400(api: Any, keys: dict[str, str]) -> None:
    status, error = call(api, "post", "/webhooks", keys["admin"], {**RECEIVER, "secret": "whsec_mine"})
    assert status == 400
    assert error["error"]["details"][0]["field"] == "body.secret"


def test_a_local_receiver_works_on_the_test_stack_but_not_on_a_deployed_stage(
    container: Any, api: Any, keys: dict[str, str]
) -> None:
    local = {"url": "http://127.0.0.1:9000/hook"}
    assert call(api, "post", "/webhooks", keys["admin"], {**RECEIVER, **local})[0] == 201
    container.settings = container.settings.model_copy(update={"stage": "prod"})
    status, error = call(api, "post", "/webhooks", keys["admin"], {**RECEIVER, **local})
    assert status == 422
    assert "https URLs only" in error["error"]["details"][0]["message"]
    assert call(api, "post", "/webhooks", keys["admin"], RECEIVER)[0] == 201


@pytest.mark.parametrize("role", ["viewer", "responder", "approver"])
def test_only_admins_manage_webhooks(api: Any, keys: dict[str, str], role: str) -> None:
    created = _create(api, keys)
    path = f"/webhooks/{created['id']}"
    assert call(api, "post", "/webhooks", keys[role], RECEIVER)[0] == 403
    assert call(api, "get", "/webhooks", keys[role])[0] == 403
    assert call(api, "get", path, keys[role])[0] == 403
    assert call(api, "put", path, keys[role], {"paused": True})[0] == 403
    assert call(api, "delete", path, keys[role])[0] == 403
    assert call(api, "get", f"{path}/deliveries", keys[role])[0] == 403
    assert call(api, "get", path, keys["admin"])[1]["paused"] is False


def _delivery(container: Any, recipient: str, minutes: int, channel: str = "webhook") -> Delivery:
    return Delivery(
        alert_id=f"ALR-{recipient}-{minutes}-{channel}",
        incident_id="INC-20261120-AAAAAA",
        brand="mueller",
        event_type="incident.opened",
        severity=Severity.SEV1,
        channel=channel,  # type: ignore[arg-type]
        recipient=recipient,
        subject="incident.opened",
        body="{}",
        created_at=container.clock() + timedelta(minutes=minutes),
    )


def test_the_delivery_log_holds_this_webhooks_deliveries_newest_first(
    container: Any, api: Any, keys: dict[str, str]
) -> None:
    # Given deliveries to this webhook, to another one, and an email to a person
    mine = _create(api, keys)["id"]
    other = _create(api, keys)["id"]
    container.outbox.add(
        [
            _delivery(container, mine, 1),
            _delivery(container, mine, 2),
            _delivery(container, other, 3),
            _delivery(container, mine, 4, channel="email"),
        ]
    )
    # When its delivery log is read
    status, log = call(api, "get", f"/webhooks/{mine}/deliveries?limit=10", keys["admin"])
    # Then it holds this webhook's two deliveries, newest first
    assert status == 200, log
    assert [d["alert_id"] for d in log["items"]] == [f"ALR-{mine}-2-webhook", f"ALR-{mine}-1-webhook"]
    assert all(d["channel"] == "webhook" and d["status"] == "pending" for d in log["items"])
    assert call(api, "get", "/webhooks/wh_0000000000000000/deliveries", keys["admin"])[0] == 404


# --- POST /ingest with Standard Webhooks headers ----------------------------------------------------


@pytest.fixture
def ingest_secret(container: Any) -> bytes:
    secret = "push-secret-for-standard-webhooks"
    client = boto3.client("secretsmanager")
    try:
        client.create_secret(Name=container.settings.ingest_secret_id, SecretString=secret)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=container.settings.ingest_secret_id, SecretString=secret)
    return secret.encode()


def _push(container: Any, native_id: str) -> bytes:
    mention = {
        "platform": "crm",
        "native_id": native_id,
        "brand": "mueller",
        "text": "Kunde meldet: Geschirrspüler defekt.",
        "published_at": container.clock().isoformat(),
    }
    return json.dumps({"mentions": [mention]}).encode()


def _post(api: Any, keys: dict[str, str], body: bytes, signed: dict[str, str]) -> Any:
    headers = {**bearer(keys["responder"]), "Content-Type": "application/json", **signed}
    return api.http.post("/ingest", headers=headers, body=body)


def test_ingest_accepts_standard_webhooks_headers(
    container: Any, api: Any, keys: dict[str, str], ingest_secret: bytes
) -> None:
    body = _push(container, "sw-valid")
    now = int(container.clock().timestamp())
    response = _post(api, keys, body, webhooks.headers(ingest_secret, "msg_1", now - 60, body))
    assert response.status_code == 202, response.body
    assert json.loads(response.body)["stored"] == 1


@pytest.mark.parametrize(("age", "reason"), [(301, "too old"), (-301, "future")])
def test_ingest_refuses_a_stale_or_future_timestamp(
    container: Any, api: Any, keys: dict[str, str], ingest_secret: bytes, age: int, reason: str
) -> None:
    body = _push(container, f"sw-stale-{age}")
    now = int(container.clock().timestamp())
    response = _post(api, keys, body, webhooks.headers(ingest_secret, "msg_2", now - age, body))
    assert response.status_code == 401
    error = json.loads(response.body)["error"]
    assert reason in error["message"] and "5 minutes" in error["message"]


def test_ingest_refuses_a_bad_standard_webhooks_signature(
    container: Any, api: Any, keys: dict[str, str], ingest_secret: bytes
) -> None:
    body = _push(container, "sw-forged")
    now = int(container.clock().timestamp())
    forged = webhooks.headers(b"someone-elses-secret", "msg_3", now, body)
    tampered = webhooks.headers(ingest_secret, "msg_3", now, body)
    assert _post(api, keys, body, forged).status_code == 401
    assert _post(api, keys, body + b" ", tampered).status_code == 401
    assert _post(api, keys, body, {"webhook-id": "msg_3"}).status_code == 401
