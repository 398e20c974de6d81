"""An open incident keeps learning, through the real rules job on both stores: a media report and more
volume after opening are recorded once, refresh the reasons and reach exactly the person in the
incident's crisis role, by SMS and email through SNS; a second run adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain import lifecycle
from chalicelib.domain.models import DeliveryStatus, Principal, Role, Severity
from chalicelib.services.incidents import edit_desk, resolve
from chalicelib.services.ingest import ingest
from tests.factories import raw_mention

pytestmark = pytest.mark.integration

STORM = "Mein Spülmeister 3000 hat gebrannt, Rauch in der Küche! Das ist gefährlich. #Rückruf"
NEWSPAPER = "Brandgefahr? Leser melden qualmende Spülmeister 3000 von Müller. #Rückruf"
ANNA = ("anna-schmidt", "+4915100000001", "anna.schmidt@mueller-hausgeraete.example")


def _job(name: str) -> Callable[[], Any]:
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    scheduler = Scheduler(chalice_app.app, "eu-central-1", on_error=lambda job, error: None)
    return lambda: scheduler.invoke(name)


def _ingest(store: Any, raws: list) -> None:
    ingest(raws, enricher=store.enricher, mentions=store.mentions)


def _storm(store: Any, count: int, tag: str) -> None:
    now = store.clock()
    _ingest(
        store,
        [
            raw_mention(STORM, at=now - timedelta(seconds=7 * i), native_id=f"{tag}-{id(store)}-{i}")
            for i in range(count)
        ],
    )


def _open_incident_with_krisenleitung(store: Any, days_later: int) -> str:
    """No crisis open, then a storm `days_later` (each test its own days: the DynamoDB tables are shared)."""
    admin = Principal(key_id="k-admin", name="Admin", role=Role.ADMIN)
    for active in store.incidents.active_for_brand("mueller"):
        resolve(active.incident_id, incidents=store.incidents, principal=admin, note=None, now=store.clock())
    store.clock.advance(days=days_later)
    _storm(store, 30, "open")
    [incident_id] = _job("evaluate_rules")()["opened"]
    names = {user.user_id: user.name for user in store.seeded_users.list()}
    edit_desk(
        incident_id,
        lambda i: lifecycle.assign_roles(
            i, {"Krisenleitung": ANNA[0]}, names, actor="Anna Schmidt", now=store.clock()
        ),
        incidents=store.incidents,
    )
    return str(incident_id)


def _updates(store: Any, incident_id: str) -> list[Any]:
    return [e for e in store.incidents.get(incident_id).timeline if e.kind == "situation_changed"]


def _update_rows(store: Any, incident_id: str) -> list[Any]:
    rows = store.outbox.list(incident_id=incident_id, limit=100, next_token=None).items
    return [row for row in rows if row.event_type == "incident_updated"]


def test_a_media_report_and_doubled_volume_are_recorded_once_and_told_to_the_krisenleitung(
    store: Any,
) -> None:
    # Given an open SEV1 incident whose Krisenleitung is Anna
    incident_id = _open_incident_with_krisenleitung(store, days_later=2)
    opened = store.incidents.get(incident_id)
    assert opened.severity is Severity.SEV1 and "high_reach" not in opened.signals

    # When, minutes later, a newspaper reports and the storm more than doubles
    store.clock.advance(minutes=6)
    now = store.clock()
    _ingest(
        store,
        [
            raw_mention(
                NEWSPAPER,
                at=now,
                native_id=f"paper-{id(store)}",
                handle="Regionalzeitung",
                followers=80_000,
                is_media=True,
            )
        ],
    )
    _storm(store, 35, "more")
    result = _job("evaluate_rules")()

    # Then the incident was updated, not raised (it is SEV1 already) and not duplicated
    assert result["updated"] == [incident_id]
    assert result["opened"] == [] and result["raised"] == []
    incident = store.incidents.get(incident_id)
    assert incident.severity is Severity.SEV1

    # ... its timeline says what is new, once each
    updates = _updates(store, incident_id)
    messages = [e.message for e in updates]
    assert sum(m.startswith("Neu: Bericht von Medium/Account mit großer Reichweite") for m in messages) == 1
    assert (
        sum(m.startswith("Volumen hat sich seit Eröffnung verdoppelt: von 30 auf 66") for m in messages) == 1
    )
    assert len({e.ref for e in updates}) == len(updates)

    # ... its reasons are the current ones, with the media report among them and the numbers behind them
    assert incident.reasons != opened.reasons
    assert any("von Medien oder großen Accounts" in reason for reason in incident.reasons)
    assert "high_reach" in incident.signals
    assert len(incident.reason_evidence) == len(incident.reasons)

    # ... and Anna, and only Anna, got one SMS and one email per update, delivered through SNS
    rows = _update_rows(store, incident_id)
    assert {row.alert_id for row in rows} == {e.ref for e in updates}
    assert {(row.user_id, row.channel, row.recipient) for row in rows} == {
        (ANNA[0], "sms", ANNA[1]),
        (ANNA[0], "email", ANNA[2]),
    }
    assert len(rows) == 2 * len(updates)
    assert all(row.status is DeliveryStatus.DELIVERED for row in rows)
    assert any("Neu: Bericht von Medium/Account" in row.body for row in rows if row.channel == "email")

    # When the job runs again with nothing new
    store.clock.advance(minutes=1)
    again = _job("evaluate_rules")()

    # Then nothing is added: no entry, no alert
    assert again["updated"] == []
    assert [e.ref for e in _updates(store, incident_id)] == [e.ref for e in updates]
    assert len(_update_rows(store, incident_id)) == len(rows)


def test_overlapping_rules_runs_record_and_alert_each_update_once(store: Any) -> None:
    from tests.threads import at_once

    # Given an open incident with a Krisenleitung, and a media report after it opened
    incident_id = _open_incident_with_krisenleitung(store, days_later=5)
    store.clock.advance(minutes=6)
    _ingest(
        store,
        [
            raw_mention(
                NEWSPAPER,
                at=store.clock(),
                native_id=f"paper2-{id(store)}",
                handle="Lokalradio",
                followers=120_000,
                is_media=True,
            )
        ],
    )
    for part in ("storage", "notifier", "enricher", "detector_config", "playbook"):
        getattr(store, part)

    # When two rules runs overlap (EventBridge delivers the schedule twice)
    at_once([_job("evaluate_rules"), _job("evaluate_rules")])

    # Then the report is on the timeline once, and alerted once
    updates = [e for e in _updates(store, incident_id) if e.message.startswith("Neu: Bericht")]
    assert len(updates) == 1
    rows = [row for row in _update_rows(store, incident_id) if row.alert_id == updates[0].ref]
    assert sorted(row.channel for row in rows) == ["email", "sms"]
