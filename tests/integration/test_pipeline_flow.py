"""The whole flow in-process against moto server: store -> detect -> incident -> outbox -> SNS ->
filtered subscriptions, through the real Chalice handlers and routes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.messages import gsm7_length
from chalicelib.domain.models import DeliveryStatus, bucket_start
from chalicelib.services.ingest import ingest
from chalicelib.services.push import SIGNATURE_HEADER, sign
from tests.conftest import bearer
from tests.factories import raw_mention

pytestmark = pytest.mark.integration

STORM = [
    "Mein Spülmeister 3000 von Müller hat gebrannt! Die Küche ist voller Rauch. #Rückruf",
    "Kurzschluss im Müller Geschirrspüler, total kaputt und gefährlich. #Rückruf",
    "Nie wieder Müller Haushaltsgeräte, das Gerät qualmt. #Rückruf",
    "Warum gibt es keinen #Rückruf? Mein Geschirrspüler ist defekt und riecht verbrannt.",
]


def _calm_baseline(container: Any, days: int = 2) -> None:
    start = container.clock() - timedelta(days=days)
    raws = [
        raw_mention("Der Spülmeister 3000 läuft gut, sehr zufrieden.", at=start + timedelta(minutes=37 * i))
        for i in range(int(days * 24 * 60 / 37))
    ]
    ingest(raws, enricher=container.enricher, mentions=container.mentions)


def _storm(container: Any, count: int, native_prefix: str = "storm") -> list:
    now = container.clock()
    return [
        raw_mention(
            STORM[i % len(STORM)], at=now - timedelta(seconds=5 * i), native_id=f"{native_prefix}-{i}"
        )
        for i in range(count)
    ]


def _invoke(api: Any, job: str) -> dict:
    response = api.lambda_.invoke(
        job,
        api.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        ),
    )
    assert response.payload is not None
    return response.payload


def _drain(queue_url: str) -> list[dict]:
    sqs = boto3.client("sqs")
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            messages.append(json.loads(message["Body"]))  # the SNS envelope: Message, Subject, attributes
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_the_same_mention_is_stored_and_counted_once(container: Any) -> None:
    raw = raw_mention("Einmal kaputt, bitte nur einmal zählen", at=container.clock(), native_id="dup-1")
    first = ingest([raw, raw], enricher=container.enricher, mentions=container.mentions)
    again = ingest([raw], enricher=container.enricher, mentions=container.mentions)
    assert (first.stored, first.duplicates, again.stored, again.duplicates) == (1, 1, 0, 1)
    start = bucket_start(container.clock())
    buckets = container.buckets.range("mueller", start, start + timedelta(minutes=5))
    assert buckets[0].total == 1


def test_a_storm_opens_one_incident_and_alerts_sms_and_email_through_sns(
    container: Any, api: Any, keys: dict
) -> None:
    _calm_baseline(container)
    for gateway in container.gateways:
        _drain(gateway.url)
    assert _invoke(api, "evaluate_rules")["opened"] == []

    container.clock.advance(minutes=3)
    ingest(_storm(container, 24), enricher=container.enricher, mentions=container.mentions)
    result = _invoke(api, "evaluate_rules")
    assert len(result["opened"]) == 1
    incident_id = result["opened"][0]

    incidents = json.loads(api.http.get("/incidents?status=open", headers=bearer(keys["viewer"])).body)[
        "items"
    ]
    incident = next(i for i in incidents if i["incident_id"] == incident_id)
    assert incident["severity"] in ("SEV1", "SEV2")
    assert incident["topic"] == "#rueckruf"
    assert any("negativ" in reason for reason in incident["reasons"])

    detail = json.loads(api.http.get(f"/incidents/{incident_id}", headers=bearer(keys["viewer"])).body)
    assert detail["timeline"][0]["kind"] == "detected"
    assert 0 < len(detail["top_mentions"]) <= 10

    alerts = json.loads(
        api.http.get(f"/alerts?incident_id={incident_id}", headers=bearer(keys["viewer"])).body
    )["items"]
    channels = {(a["channel"], a["recipient"]) for a in alerts}
    level_one_phones = {m.phone for m in container.playbook.team.members if m.escalation_level == 1}
    assert {r for c, r in channels if c == "sms"} == level_one_phones
    assert {r for c, r in channels if c == "email"} == {m.email for m in container.playbook.team.members}
    assert all(a["status"] == "delivered" and a["delivered_at"] for a in alerts)

    # SNS routed by the filter policies: each gateway got exactly the one message addressed to it,
    # SMS with the recipient's own signed link, email with a subject, and nobody's shows in /alerts.
    received = {(g.channel, g.recipient): _drain(g.url) for g in container.gateways}
    for (channel, recipient), messages in received.items():
        expected = (channel, recipient) in channels
        assert len(messages) == (1 if expected else 0), (channel, recipient)
        for envelope in messages:
            assert envelope["MessageAttributes"]["recipient"]["Value"] == recipient
    texts = [ms[0]["Message"] for (c, _), ms in received.items() if c == "sms" and ms]
    assert all(f"/#/i/{incident_id}/" in text and gsm7_length(text) <= 160 for text in texts)
    assert len({text.rsplit("/", 1)[1] for text in texts}) == len(texts)  # one link per person
    assert all(f"/#/i/{incident_id}/" not in a["body"] for a in alerts)

    # The next run updates the same incident instead of opening a duplicate.
    container.clock.advance(minutes=1)
    ingest(_storm(container, 10, "storm-b"), enricher=container.enricher, mentions=container.mentions)
    again = _invoke(api, "evaluate_rules")
    assert again["opened"] == []
    listed = json.loads(api.http.get("/incidents?brand=mueller", headers=bearer(keys["viewer"])).body)[
        "items"
    ]
    assert [i["incident_id"] for i in listed if i["status"] != "resolved"] == [incident_id]


def test_keyword_alerts_are_inhibited_while_the_spike_incident_is_open(container: Any, api: Any) -> None:
    container.clock.advance(hours=2)
    ingest(_storm(container, 30, "storm-k"), enricher=container.enricher, mentions=container.mentions)
    _invoke(api, "evaluate_rules")
    spike = [i for i in container.incidents.active_for_brand("mueller") if "volume" in i.signals]
    assert spike
    before = container.outbox.list(incident_id=None, limit=100, next_token=None).items

    container.clock.advance(minutes=45)  # the storm has left the window; a few keyword mentions trickle in
    trickle = [
        raw_mention("Der #Rückruf läuft immer noch nicht", at=container.clock(), native_id=f"trickle-{i}")
        for i in range(4)
    ]
    ingest(trickle, enricher=container.enricher, mentions=container.mentions)
    result = _invoke(api, "evaluate_rules")
    assert result["opened"] == [] and result["raised"] == []
    assert result["inhibited"] == [spike[0].incident_id]
    assert container.outbox.list(incident_id=None, limit=100, next_token=None).items == before


def test_acknowledge_stops_escalation_and_resolve_closes(container: Any, api: Any, keys: dict) -> None:
    container.clock.advance(hours=6)
    ingest(_storm(container, 30, "storm-c"), enricher=container.enricher, mentions=container.mentions)
    opened = _invoke(api, "evaluate_rules")["opened"]
    active = list(container.incidents.active_for_brand("mueller"))
    incident_id = opened[0] if opened else active[0].incident_id

    container.clock.advance(minutes=20)
    escalated = _invoke(api, "escalate_incidents")["escalated"]
    assert incident_id in escalated
    deliveries = container.outbox.list(incident_id=incident_id, limit=100, next_token=None).items
    assert any(d.event_type == "escalation" for d in deliveries)
    assert "escalated" in [event.kind for event in container.incidents.get(incident_id).timeline]

    response = api.http.post(
        f"/incidents/{incident_id}/acknowledge",
        headers={**bearer(keys["responder"]), "Content-Type": "application/json"},
        body=json.dumps({"note": "Wir prüfen das"}),
    )
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by"] == "responder tester"
    assert body["timers"]["time_to_acknowledge_s"] > 0

    container.clock.advance(minutes=60)
    assert incident_id not in _invoke(api, "escalate_incidents")["escalated"]

    resolved = api.http.post(f"/incidents/{incident_id}/resolve", headers=bearer(keys["responder"]))
    assert json.loads(resolved.body)["status"] == "resolved"
    conflict = api.http.post(f"/incidents/{incident_id}/acknowledge", headers=bearer(keys["responder"]))
    assert conflict.status_code == 409
    assert incident_id not in [i.incident_id for i in container.incidents.active_for_brand("mueller")]


def test_a_failed_publish_stays_pending_and_is_delivered_by_the_retry_job(container: Any, api: Any) -> None:
    from chalicelib import deps
    from chalicelib.domain.models import Principal, Role
    from chalicelib.services.incidents import resolve

    admin = Principal(key_id="k", name="Admin", role=Role.ADMIN)
    for active in container.incidents.active_for_brand("mueller"):  # a calm start: no crisis open
        resolve(
            active.incident_id,
            incidents=container.incidents,
            principal=admin,
            note=None,
            now=container.clock(),
        )
    container.clock.advance(days=1)
    good_arn = container.settings.alert_topic_arn
    broken = deps.Container(
        container.settings.model_copy(update={"alert_topic_arn": good_arn + "-missing"}),
        clock=container.clock,
    )
    deps.override(broken)
    ingest(_storm(container, 30, "storm-d"), enricher=broken.enricher, mentions=broken.mentions)
    result = _invoke(api, "evaluate_rules")
    waiting = [
        d
        for d in broken.outbox.list(incident_id=None, limit=100, next_token=None).items
        if d.status is DeliveryStatus.PENDING
    ]
    assert result["delivered"] == 0 and waiting
    assert all(d.attempts == 1 and d.last_error and d.next_attempt_at for d in waiting)
    assert broken.outbox.due(container.clock(), 100) == []  # backing off

    deps.override(container)
    container.clock.advance(seconds=30)
    retried = _invoke(api, "deliver_alerts")
    assert retried["delivered"] >= len(waiting)
    assert container.outbox.due(container.clock(), 100) == []
    settled = [container.outbox.for_alert(d.alert_id) for d in waiting]
    assert all(
        row.status is DeliveryStatus.DELIVERED and row.attempts == 2 for rows in settled for row in rows
    )


def test_signed_push_ingest(container: Any, api: Any, keys: dict) -> None:
    secret = "push-secret-for-tests"
    client = boto3.client("secretsmanager")
    try:
        client.create_secret(Name=container.settings.ingest_secret_id, SecretString=secret)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=container.settings.ingest_secret_id, SecretString=secret)
    body = json.dumps(
        {
            "mentions": [
                {
                    "platform": "crm",
                    "native_id": "ticket-4711",
                    "brand": "mueller",
                    "text": "Kunde meldet: Geschirrspüler defekt, Rauchentwicklung.",
                    "published_at": container.clock().isoformat(),
                    "author": {"handle": "Ticket 4711", "followers": 0},
                }
            ]
        }
    ).encode()
    headers = {**bearer(keys["responder"]), "Content-Type": "application/json"}
    ok = api.http.post(
        "/ingest",
        headers={**headers, SIGNATURE_HEADER: sign(body, secret.encode(), container.clock())},
        body=body,
    )
    assert ok.status_code == 202, ok.body
    assert json.loads(ok.body) == {"accepted": 1, "stored": 1, "duplicates": 0, "skipped": 0}
    again = api.http.post(
        "/ingest",
        headers={**headers, SIGNATURE_HEADER: sign(body, secret.encode(), container.clock())},
        body=body,
    )
    assert json.loads(again.body)["duplicates"] == 1

    forged = api.http.post(
        "/ingest", headers={**headers, SIGNATURE_HEADER: sign(body, b"wrong", container.clock())}, body=body
    )
    assert forged.status_code == 401
    unsigned = api.http.post("/ingest", headers=headers, body=body)
    assert unsigned.status_code == 401

    bad = json.dumps(
        {
            "mentions": [
                {
                    "platform": "crm",
                    "native_id": "1",
                    "brand": "nobody",
                    "text": "x",
                    "published_at": "2026-11-20T10:00:00Z",
                }
            ]
        }
    ).encode()
    rejected = api.http.post(
        "/ingest",
        headers={**headers, SIGNATURE_HEADER: sign(bad, secret.encode(), container.clock())},
        body=bad,
    )
    assert rejected.status_code == 400
    assert json.loads(rejected.body)["error"]["details"][0]["field"] == "body.mentions.0.brand"

    mentions = json.loads(
        api.http.get("/mentions?brand=mueller&limit=5", headers=bearer(keys["viewer"])).body
    )
    assert any(m["native_id"] == "ticket-4711" and m["platform"] == "crm" for m in mentions["items"])


def test_an_incompatible_detector_state_is_relearned_not_fatal(container: Any, api: Any) -> None:
    container.state.put("detector#mueller", {"detector": {"version": -1, "junk": True}, "last_bucket": None})
    result = _invoke(api, "evaluate_rules")
    assert "opened" in result
    restored = container.state.get("detector#mueller")
    assert restored["detector"]["last_bucket"] is not None  # relearned up to the last bucket
    assert restored["detector"].get("version") != -1


def test_mentions_and_buckets_expire_by_ttl(container: Any) -> None:
    client = boto3.client("dynamodb")
    for table in ("mentions", "buckets"):
        ttl = client.describe_time_to_live(TableName=container.settings.table_name(table))
        assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
