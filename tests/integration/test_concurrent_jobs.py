"""The jobs overlap as they do in AWS: the rules, delivery and escalation jobs run at the same moment,
EventBridge delivers a schedule twice, and people acknowledge while the jobs write. Against both real
stores (SQLite, and DynamoDB on moto server), through the real scheduled handlers and real SNS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from chalicelib.domain.models import DeliveryStatus, IncidentStatus, Principal, Role, TimelineEvent
from chalicelib.services.incidents import acknowledge, resolve, update_incident
from chalicelib.services.ingest import ingest
from tests.factories import raw_mention
from tests.threads import at_once

pytestmark = pytest.mark.integration

STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"


def _job(name: str) -> Callable[[], Any]:
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    scheduler = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda job, error: None)
    return lambda: scheduler.invoke(name)


def _storm(store: Any, days_later: int) -> Any:
    """No crisis open yet, then a complaint storm days later; returns the moment it peaks."""
    _calm(store)
    now = store.clock.advance(days=days_later)
    storm = [
        raw_mention(STORM, at=now - timedelta(seconds=7 * i), native_id=f"storm-{id(store)}-{days_later}-{i}")
        for i in range(30)
    ]
    ingest(storm, enricher=store.enricher, mentions=store.mentions)
    return now


def _calm(store: Any) -> None:
    """No crisis open for the brand (the DynamoDB tables are shared by this module's tests)."""
    admin = Principal(key_id="k-admin", name="Admin", role=Role.ADMIN)
    for incident in store.incidents.active_for_brand("mueller"):
        resolve(
            incident.incident_id, incidents=store.incidents, principal=admin, note=None, now=store.clock()
        )


def _warm(container: Any) -> None:
    """What a Lambda cold start builds once, before the overlapping runs share it."""
    for part in ("storage", "notifier", "enricher", "detector_config", "playbook"):
        getattr(container, part)


def test_overlapping_jobs_publish_each_alert_exactly_once(store: Any, published: Any) -> None:
    # Given a complaint storm that opens an incident
    _storm(store, days_later=3)
    _warm(store)

    # When the rules, delivery and escalation jobs all run at once, and EventBridge doubles two of them
    first = at_once(
        [_job("evaluate_rules"), _job("deliver_alerts"), _job("escalate_incidents"), _job("deliver_alerts")]
    )
    opened = first[0]["opened"]
    assert len(opened) == 1
    incident_id = opened[0]

    # ... and, 20 minutes later with nobody acknowledging, again, with the escalation due
    store.clock.advance(minutes=20)
    at_once(
        [
            _job("evaluate_rules"),
            _job("escalate_incidents"),
            _job("escalate_incidents"),
            _job("deliver_alerts"),
            _job("deliver_alerts"),
        ]
    )
    _job("deliver_alerts")()  # whatever a lost race left due (nothing should be)

    # Then every message of the incident's alerts went to SNS exactly once, and every row says delivered
    rows = store.outbox.list(incident_id=incident_id, limit=100, next_token=None).items
    alerts = {row.alert_id for row in rows}
    assert any("#escalation#" in alert for alert in alerts) and any("#incident_opened#" in a for a in alerts)
    counts = published()
    messages = {(row.alert_id, row.channel, row.recipient) for row in rows}
    assert {key: counts[key] for key in messages} == dict.fromkeys(messages, 1)
    assert {key for key in counts if key[0] in alerts} == messages
    assert all(row.status is DeliveryStatus.DELIVERED for row in rows)
    timeline = [event.kind for event in store.incidents.get(incident_id).timeline]
    assert timeline.count("escalated") == 1


def test_acknowledging_while_the_jobs_write_succeeds_once_and_keeps_every_entry(store: Any) -> None:
    # Given an open incident
    now = _storm(store, days_later=6)
    [incident_id] = _job("evaluate_rules")()["opened"]
    people = [Principal(key_id=f"k{i}", name=f"Person {i}", role=Role.RESPONDER) for i in range(2)]

    def note(text: str) -> Callable[[], Any]:
        event = TimelineEvent(at=now, kind="note", message=text)
        return lambda: update_incident(
            incident_id,
            lambda latest: latest.model_copy(update={"timeline": (*latest.timeline, event)}),
            incidents=store.incidents,
        )

    # When two people acknowledge while two writers append to the timeline, all at once
    results = at_once(
        [
            *(
                partial(acknowledge, incident_id, incidents=store.incidents, principal=p, note=None, now=now)
                for p in people
            ),
            note("Pressestelle informiert"),
            note("Hotline verstärkt"),
        ]
    )

    # Then nobody got a conflict, the first acknowledgement counts, and nothing written was lost
    assert all(r.status is IncidentStatus.ACKNOWLEDGED for r in results[:2])
    incident = store.incidents.get(incident_id)
    assert incident.acknowledged_by in {p.name for p in people}
    kinds = [event.kind for event in incident.timeline]
    assert kinds.count("acknowledged") == 1
    assert {e.message for e in incident.timeline if e.kind == "note"} == {
        "Pressestelle informiert",
        "Hotline verstärkt",
    }
