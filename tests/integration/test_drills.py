"""Drills ("Krisenübung") through the real API and the real scheduled jobs, against moto server (and,
for the overlapping runs, both stores): the demo scenario played on the brand's shadow, every alert
marked "[ÜBUNG]", the real brand untouched, stopping, and the drill's incident recorded once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.domain.messages import gsm7_length
from chalicelib.domain.models import Principal, Role
from chalicelib.services.auth import create_key
from chalicelib.services.collect import cursor_key
from chalicelib.services.drills import stop_drill
from tests.conftest import call
from tests.threads import at_once

pytestmark = pytest.mark.integration

DRILL = {"playbook": "produktmangel-rueckruf", "brand": "mueller", "speed": 600}
PREFIX = "[ÜBUNG]"


def _job(name: str) -> Callable[[], Any]:
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    scheduler = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda job, error: None)
    return lambda: scheduler.invoke(name)


def _invoke(api: Any, job: str) -> dict[str, Any]:
    event = api.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    payload = api.lambda_.invoke(job, event).payload
    assert payload is not None
    return dict(payload)


def _no_running_drill(store: Any) -> None:
    """The module's tables are shared: a drill another test left running is stopped first, and every
    test's clock starts at the same instant, so this one moves on a day (drills list by their start)."""
    admin = Principal(key_id="k-admin", name="Admin", role=Role.ADMIN)
    for drill in store.drills.running():
        stop_drill(drill.drill_id, drills=store.drills, principal=admin, now=store.clock())
    store.clock.advance(days=len(store.drills.list(limit=100, next_token=None).items))


def _drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    messages = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def _play_storm(container: Any, api: Any) -> None:
    """The drill's collect runs: the calm week backfilled, then (a minute later; at speed 600 the
    story's five hours take half a minute) the storm."""
    first = _invoke(api, "collect_mentions")
    assert first["failed"] == [] and first["stored"] > 300  # a calm week of the scenario
    container.clock.advance(minutes=1)
    second = _invoke(api, "collect_mentions")
    assert second["failed"] == [] and second["stored"] >= 30  # the storm


def test_a_drill_request_is_checked_field_by_field(container: Any, api: Any, keys: dict) -> None:
    _no_running_drill(container)

    status, body = call(
        api, "post", "/drills", keys["approver"], {"playbook": "gibt-es-nicht", "brand": "nobody", "speed": 0}
    )
    assert status == 422
    assert body["error"]["code"] == "invalid_input"
    assert {d["field"] for d in body["error"]["details"]} == {"body.playbook", "body.brand", "body.speed"}

    status, body = call(api, "post", "/drills", keys["approver"], {**DRILL, "speed": 601})
    assert status == 422 and [d["field"] for d in body["error"]["details"]] == ["body.speed"]

    status, body = call(api, "post", "/drills", keys["approver"], {"brand": "mueller"})
    assert status == 400 and body["error"]["details"][0]["field"] == "body.playbook"
    status, _ = call(api, "post", "/drills", keys["approver"], {**DRILL, "speed": 60, "extra": 1})
    assert status == 400

    status, _ = call(api, "post", "/drills", keys["responder"], DRILL)
    assert status == 403
    assert container.drills.running() == []


def test_pushed_mentions_cannot_name_a_drills_brand(container: Any, api: Any, keys: dict) -> None:
    from chalicelib.services.push import SIGNATURE_HEADER, sign

    secret = container.secrets.ingest_secret()
    body = json.dumps(
        {
            "mentions": [
                {
                    "platform": "crm",
                    "native_id": "inject-1",
                    "brand": "mueller~ueb-20261120-0a1b2c",
                    "text": "Gerät qualmt",
                    "published_at": "2026-11-20T10:00:00Z",
                }
            ]
        }
    ).encode()
    headers = {
        "Authorization": f"Bearer {keys['responder']}",
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, secret, container.clock()),
    }
    response = api.http.post("/ingest", headers=headers, body=body)
    assert response.status_code == 422
    details = json.loads(response.body)["error"]["details"]
    assert details == [
        {"field": "body.mentions.0.brand", "message": "a drill's brand takes no pushed mentions"}
    ]


def test_a_drill_plays_end_to_end_marked_as_a_drill_and_leaves_the_real_brand_alone(
    container: Any, api: Any, keys: dict
) -> None:
    # Given no drill running and the SMS and email gateways drained
    _no_running_drill(container)
    for gateway in container.gateways:
        _drain(gateway.url)
    started_at = container.clock()

    # When an approver starts the demo as a drill at speed 600, and the jobs run
    status, drill = call(api, "post", "/drills", keys["approver"], DRILL)
    assert status == 201, drill
    assert drill["drill_id"].startswith(f"UEB-{started_at:%Y%m%d}-")
    assert drill["brand_key"] == f"mueller~{drill['drill_id'].lower()}"
    assert (drill["status"], drill["scenario"], drill["speed"]) == ("running", "mueller_rueckruf", 600)
    assert drill["started_by"] == "approver tester" and drill["incident_id"] is None
    _play_storm(container, api)
    result = _invoke(api, "evaluate_rules")

    # Then an incident opens for the drill's shadow brand, carrying the drill id, recorded on the drill
    assert result["failed"] == [] and result["drills"] == [drill["drill_id"]]
    [incident_id] = result["opened"]
    status, incident = call(api, "get", f"/incidents/{incident_id}", keys["viewer"])
    assert status == 200
    assert (incident["brand"], incident["drill_id"]) == (drill["brand_key"], drill["drill_id"])
    assert incident["brand_name"] == container.playbook.brand("mueller").name
    assert incident["playbook"]["id"] == "produktmangel-rueckruf"
    _, recorded = call(api, "get", f"/drills/{drill['drill_id']}", keys["viewer"])
    assert recorded["incident_id"] == incident_id

    # ... every delivery says "[ÜBUNG]" first, and went out with the attribute drill = "true"
    deliveries = container.outbox.list(incident_id=incident_id, limit=100, next_token=None).items
    assert {d.channel for d in deliveries} == {"sms", "email", "integration"}
    assert all(d.subject.startswith(PREFIX) for d in deliveries)
    assert all(d.body.startswith(PREFIX) for d in deliveries if d.channel != "integration")
    assert all((gsm7_length(d.body) or 999) <= 160 for d in deliveries if d.channel == "sms")
    [document] = [json.loads(d.body) for d in deliveries if d.channel == "integration"]
    assert document["drill"] is True and document["drill_id"] == drill["drill_id"]
    assert document["sms"].startswith(PREFIX) and document["email"].startswith(PREFIX)
    received = [m for g in container.gateways for m in _drain(g.url)]
    assert received, "SNS routed the drill's alerts to the crisis team"
    assert all(m["MessageAttributes"]["drill"]["Value"] == "true" for m in received)
    assert all(m["Message"].startswith(PREFIX) for m in received)

    # ... and the real brand has no incident and none of the drill's mentions
    assert container.incidents.active_for_brand("mueller") == []
    real = container.mentions.list_by_brand(
        "mueller", started_at - timedelta(days=8), container.clock(), 10, None
    )
    assert real.items == []
    shadow = container.mentions.list_by_brand(
        drill["brand_key"], started_at - timedelta(days=8), container.clock() + timedelta(hours=1), 5, None
    )
    assert shadow.items and all(m.native_id.startswith(drill["drill_id"].lower()) for m in shadow.items)

    # When nobody acknowledges for 20 minutes, the escalation follows, marked as a drill too
    container.clock.advance(minutes=20)
    escalated = _invoke(api, "escalate_incidents")
    assert [i for i in escalated["escalated"] if i == incident_id]
    followups = [
        d
        for d in container.outbox.list(incident_id=incident_id, limit=100, next_token=None).items
        if d.event_type == "escalation"
    ]
    assert followups and all(d.subject.startswith(PREFIX) for d in followups)
    assert all(d.body.startswith(PREFIX) for d in followups if d.channel != "integration")

    # When the team resolves the incident, the next rules run ends the drill, and it is played no more
    status, _ = call(api, "post", f"/incidents/{incident_id}/resolve", keys["responder"], {"note": "geübt"})
    assert status == 200
    assert _invoke(api, "evaluate_rules")["drills_ended"] == [drill["drill_id"]]
    _, ended = call(api, "get", f"/drills/{drill['drill_id']}", keys["viewer"])
    assert (ended["status"], ended["end_reason"], ended["ended_by"]) == (
        "ended",
        "incident_resolved",
        "responder tester",
    )
    polled = container.state.get(cursor_key(f"drill-{drill['drill_id'].lower()}"))
    container.clock.advance(minutes=5)
    _invoke(api, "collect_mentions")
    assert container.state.get(cursor_key(f"drill-{drill['drill_id'].lower()}")) == polled


def test_an_approver_stops_a_drill_once_and_it_is_played_no_more(
    container: Any, api: Any, keys: dict
) -> None:
    # Given a running drill: a second one for the same brand is a 409
    _no_running_drill(container)
    status, drill = call(api, "post", "/drills", keys["approver"], {**DRILL, "speed": 60})
    assert status == 201
    status, busy = call(api, "post", "/drills", keys["admin"], DRILL)
    assert status == 409 and busy["error"]["details"][0]["drill_id"] == drill["drill_id"]
    _, listed = call(api, "get", "/drills?limit=5", keys["viewer"])
    assert listed["items"][0]["drill_id"] == drill["drill_id"]

    # When a responder tries to stop it (403), and an approver stops it twice
    url = f"/drills/{drill['drill_id']}/stop"
    assert call(api, "post", url, keys["responder"])[0] == 403
    container.clock.advance(seconds=30)
    status, stopped = call(api, "post", url, keys["approver"])
    container.clock.advance(seconds=30)
    again_status, again = call(api, "post", url, keys["admin"])

    # Then it ended once, by the approver, and the second stop changed nothing
    assert (status, again_status) == (200, 200)
    assert (stopped["status"], stopped["end_reason"], stopped["ended_by"]) == (
        "ended",
        "stopped",
        "approver tester",
    )
    assert again == stopped
    assert call(api, "get", "/drills/UEB-20990101-000000", keys["viewer"])[0] == 404

    # ... the audit log holds the start and the stop, each with the drill after it
    _, audit = call(api, "get", f"/audit?target=drill:{drill['drill_id']}", keys["admin"])
    actions = [(e["action"], e["after"]["status"]) for e in audit["items"]]
    assert ("POST /drills", "running") in actions
    assert actions.count(("POST /drills/{drill_id}/stop", "ended")) >= 1
    start = next(e for e in audit["items"] if e["action"] == "POST /drills")
    assert start["before"] is None and start["after"]["drill_id"] == drill["drill_id"]

    # ... and the collect job does not play it
    _invoke(api, "collect_mentions")
    assert container.state.get(cursor_key(f"drill-{drill['drill_id'].lower()}")) is None
    assert container.drills.running() == []


def test_two_overlapping_rules_runs_record_the_drills_incident_once(store: Any, api: Any) -> None:
    # Given a drill whose storm has been collected
    _no_running_drill(store)
    approver = create_key(
        name="Übungsleitung", role=Role.APPROVER, keys=store.api_keys, now=store.clock(), created_by="tests"
    )[1]
    status, drill = call(api, "post", "/drills", approver, DRILL)
    assert status == 201
    _play_storm(store, api)
    for part in ("storage", "notifier", "enricher", "detector_config", "playbook", "seeded_users"):
        getattr(store, part)  # what a cold start builds once, before the overlapping runs share it

    # When two rules runs overlap (EventBridge delivered the schedule twice)
    first, second = at_once([_job("evaluate_rules"), _job("evaluate_rules")])

    # Then one incident opened, and the drill recorded it with one save
    opened = first["opened"] + second["opened"]
    assert len(opened) == 1
    recorded = store.drills.get(drill["drill_id"])
    assert recorded.incident_id == opened[0]
    assert recorded.version == 2  # created, then the incident recorded: no second write
    assert store.incidents.get(opened[0]).drill_id == drill["drill_id"]

    # ... and a later run changes nothing about it
    store.clock.advance(minutes=1)
    _job("evaluate_rules")()
    assert store.drills.get(drill["drill_id"]) == recorded
