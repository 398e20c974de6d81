"""Teams and Slack through the outbox, against a local receiver: the storm posts an Adaptive Card and a
Block Kit message in the rules run that opens the incident, an acknowledgement posts a follow-up
once, a 400 is recorded and not retried, a 500 is retried with back-off, and SMS and email go out
whatever the chat receivers do. The webhook URLs come from Secrets Manager (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.local.receiver import Receiver
from tests.conftest import FakeClock, call

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    lines: list[str] = []
    server = Receiver(lines.append).start()
    yield server
    server.stop()


@pytest.fixture
def container(aws_env: Any, clock: FakeClock, receiver: Receiver) -> Iterator[Any]:
    """The real container with the shipped integrations.yaml, its secrets pointing at the receiver."""
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import deps
    from chalicelib.local.bootstrap import ensure_chat_secrets
    from chalicelib.services.auth import clear_cache

    parameters.clear_caches()
    settings = aws_env[0].model_copy(update={"integrations_file": "integrations.yaml"})
    assert ensure_chat_secrets(settings, receiver.url) == 2
    built = deps.Container(settings, clock=clock)
    deps.override(built)
    clear_cache()
    yield built
    deps.override(None)
    clear_cache()


def _deliver() -> dict[str, Any]:
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    result: dict[str, Any] = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke(
        "deliver_alerts"
    )
    return result


def _rows(api: Any, keys: dict, incident_id: str) -> list[dict[str, Any]]:
    return call(api, "get", f"/alerts?incident_id={incident_id}&limit=100", keys["viewer"])[1]["items"]


def test_the_storm_posts_a_teams_card_and_a_slack_message_and_an_acknowledgement_follows_once(
    api: Any, keys: dict, container: Any, receiver: Receiver, incident_id: str
) -> None:
    # The rules run that opened the incident posted to both channels
    posts = {(kind, channel): document for kind, channel, document, _ in receiver.posts}
    assert set(posts) == {("teams", "teams-krisenstab"), ("slack", "slack-kommunikation")}
    teams = posts[("teams", "teams-krisenstab")]
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["text"] == "SEV1 Neue Krise erkannt: Müller Haushaltsgeräte GmbH – #rueckruf"
    link = f"https://krisenradar.example/#/incidents/{incident_id}"
    assert [a["url"] for a in card["actions"]] == [link, link]
    facts = {f["title"]: f["value"] for f in card["body"][3]["facts"]}
    assert facts["Schweregrad"] == "SEV1" and facts["Marke"] == "Müller Haushaltsgeräte GmbH"
    slack = posts[("slack", "slack-kommunikation")]
    assert slack["text"].startswith("SEV1 Neue Krise erkannt") and slack["blocks"][0]["type"] == "header"
    assert slack["blocks"][-1]["elements"][0]["url"] == link
    rows = _rows(api, keys, incident_id)
    assert {(r["channel"], r["status"]) for r in rows if r["channel"] in ("teams", "slack")} == {
        ("teams", "delivered"),
        ("slack", "delivered"),
    }
    headers = [h for kind, _, _, h in receiver.posts if kind == "teams"][0]
    assert headers["Idempotency-Key"].startswith(incident_id)

    # Acknowledging posts a follow-up to Teams (Slack's channel does not take updates), once
    before = len(receiver.posts)
    assert call(api, "post", f"/incidents/{incident_id}/acknowledge", keys["responder"])[0] == 200
    assert call(api, "post", f"/incidents/{incident_id}/acknowledge", keys["responder"])[0] == 200
    _deliver()
    _deliver()
    follow_ups = receiver.posts[before:]
    assert [(kind, channel) for kind, channel, _, _ in follow_ups] == [("teams", "teams-krisenstab")]
    card = follow_ups[0][2]["attachments"][0]["content"]
    assert card["body"][0]["text"].startswith("SEV1 Lage verändert")
    assert card["body"][1]["text"] == "Bestätigt von responder tester: das Krisenteam kümmert sich."

    # Resolving posts to both
    assert call(api, "post", f"/incidents/{incident_id}/resolve", keys["responder"])[0] == 200
    _deliver()
    assert {
        (kind, document.get("text", "")[:19]) for kind, _, document, _ in receiver.posts[before + 1 :]
    } >= {("slack", "SEV1 Krise gelöst: ")}


def test_a_refused_post_is_recorded_a_failing_one_retried_and_people_are_alerted_anyway(
    api: Any, keys: dict, container: Any, receiver: Receiver, clock: FakeClock, incident_id: str
) -> None:
    assert call(api, "post", f"/incidents/{incident_id}/resolve", keys["responder"])[0] == 200
    _deliver()  # the resolution's posts
    rows = _rows(api, keys, incident_id)
    assert all(r["status"] == "delivered" for r in rows if r["channel"] in ("sms", "email"))

    # The next incident: Teams answers 400 (a broken card would never pass), Slack 500 (a hiccup)
    receiver.answers = [400, 500]
    receiver.posts.clear()
    clock.advance(hours=1)
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler
    from chalicelib.services.ingest import ingest
    from tests.factories import raw_mention
    from tests.integration.conftest import STORM

    now = clock()
    storm = [raw_mention(STORM, at=now - timedelta(seconds=9 * i)) for i in range(30)]
    ingest(storm, enricher=container.enricher, mentions=container.mentions)
    opened = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke("evaluate_rules")
    second = str(opened["opened"][0])
    rows = {r["channel"]: r for r in _rows(api, keys, second)}
    assert rows["teams"]["status"] == "failed" and "HTTP 400" in rows["teams"]["last_error"]
    assert rows["slack"]["status"] == "pending" and "HTTP 500" in rows["slack"]["last_error"]
    assert rows["sms"]["status"] == "delivered" and rows["email"]["status"] == "delivered"

    # Thirty seconds later the retry delivers Slack; Teams is not tried again
    _deliver()
    assert receiver.posts == []  # Slack waits out its back-off
    clock.advance(seconds=31)
    _deliver()
    clock.advance(minutes=20)
    _deliver()
    assert [(kind, channel) for kind, channel, _, _ in receiver.posts] == [("slack", "slack-kommunikation")]
    rows = {r["channel"]: r for r in _rows(api, keys, second)}
    assert (rows["slack"]["status"], rows["slack"]["attempts"]) == ("delivered", 2)
    assert (rows["teams"]["status"], rows["teams"]["attempts"]) == ("failed", 1)


def test_chat_secrets_are_the_urls_and_never_logged(container: Any, receiver: Receiver) -> None:
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    value = client.get_secret_value(SecretId="krisenradar/test/integrations/teams-krisenstab")["SecretString"]
    assert value == f"{receiver.url}/teams/teams-krisenstab"


def test_a_subscribed_webhook_gets_every_event_signed_and_the_card_arrives_within_the_opening_run(
    api: Any, keys: dict, container: Any, receiver: Receiver, clock: FakeClock
) -> None:
    import time

    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler
    from chalicelib.services.ingest import ingest
    from tests.factories import raw_mention
    from tests.integration.conftest import STORM

    # An admin subscribes the receiver to incident events
    status, created = call(
        api,
        "post",
        "/webhooks",
        keys["admin"],
        {"url": f"{receiver.url}/webhook/x", "events": ["incident.opened"]},
    )
    assert status == 201, created
    webhook_id, secret = created["id"], created["secret"]
    receiver.webhook_secrets["x"] = secret  # the receiver knows a webhook by its path

    # The storm: the rules run opens the incident and posts card, message and webhook before it ends
    for active in container.incidents.active_for_brand("mueller"):
        call(api, "post", f"/incidents/{active.incident_id}/resolve", keys["admin"])
    _deliver()
    receiver.posts.clear()
    receiver.received_at.clear()
    clock.advance(days=3)
    now = clock()
    storm = [raw_mention(STORM, at=now - timedelta(seconds=9 * i)) for i in range(30)]
    ingest(storm, enricher=container.enricher, mentions=container.mentions)
    started = time.time()
    opened = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda *_: None).invoke("evaluate_rules")
    incident_id = str(opened["opened"][0])
    kinds = [kind for kind, _, _, _ in receiver.posts]
    assert sorted(kinds) == ["slack", "teams", "webhook"]
    assert all(started <= at <= time.time() for at in receiver.received_at)

    # The webhook carries the Standard Webhooks headers; the receiver verified them, and so do we
    from datetime import UTC, datetime

    from chalicelib.domain.webhooks import verify

    [(_, _, event, headers)] = [post for post in receiver.posts if post[0] == "webhook"]
    assert event["type"] == "incident.opened" and event["data"]["incident_id"] == incident_id
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["webhook-id"].startswith(incident_id) and lower["webhook-signature"].startswith("v1,")
    body = json.dumps(event, ensure_ascii=False).encode()
    assert verify(secret, lower, body, datetime.now(UTC)) == lower["webhook-id"]

    # The delivery log shows it
    status, log = call(api, "get", f"/webhooks/{webhook_id}/deliveries", keys["admin"])
    assert status == 200 and [d["status"] for d in log["items"]] == ["delivered"]

    # incident.resolved is not subscribed: nothing more is sent
    assert call(api, "post", f"/incidents/{incident_id}/resolve", keys["responder"])[0] == 200
    _deliver()
    assert [kind for kind, _, _, _ in receiver.posts].count("webhook") == 1
