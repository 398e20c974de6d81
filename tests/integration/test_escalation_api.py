"""The escalation chain through the real API and the real escalation job: read with who each level
reaches, edited by an admin (field-level 400s, 409 on a stale version), and the next run follows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.models import Incident, IncidentStatus, Severity
from tests.conftest import call as _call

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}
PLAYBOOK_STEPS = [
    {"level": 1, "after_minutes": 0},
    {"level": 2, "after_minutes": 15},
    {"level": 3, "after_minutes": 45},
]


def _put_chain(api: Any, keys: dict, steps: list[dict]) -> dict:
    version = _call(api, "get", "/escalation", keys["viewer"])[1]["version"]
    status, body = _call(api, "put", "/escalation", keys["admin"], {"steps": steps, "version": version})
    assert status == 200, body
    return dict(body)


@pytest.fixture
def chain(api: Any, keys: dict) -> Iterator[None]:
    """The module's tables are shared: every test leaves the playbook's timing behind."""
    yield
    _put_chain(api, keys, PLAYBOOK_STEPS)


def _invoke(api: Any, job: str) -> dict:
    event = api.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    payload = api.lambda_.invoke(job, event).payload
    assert payload is not None
    return dict(payload)


def test_the_chain_shows_each_level_with_who_is_on_duty_and_who_it_reaches(api: Any, keys: dict) -> None:
    status, body = _call(api, "get", "/escalation", keys["viewer"])
    assert status == 200
    assert [
        {"level": s["level"], "after_minutes": s["after_minutes"]} for s in body["steps"]
    ] == PLAYBOOK_STEPS
    levels = {level["level"]: level for level in body["levels"]}
    assert [p["user_id"] for p in levels[1]["on_duty"]] == ["anna-schmidt", "jonas-weber"]
    assert [p["user_id"] for p in levels[2]["reached"]] == ["anna-schmidt", "jonas-weber", "petra-krause"]
    assert [p["user_id"] for p in levels[3]["on_duty"]] == ["tobias-hahn"]
    assert levels[3]["on_duty"][0]["sms"] is False  # no phone: email only
    assert body["warnings"] == [] and all(level["warning"] is None for level in body["levels"])


def test_nobody_on_duty_at_level_one_is_a_warning(api: Any, keys: dict) -> None:
    # Given both people of level 1 off duty
    for user_id in ("anna-schmidt", "jonas-weber"):
        assert _call(api, "put", f"/users/{user_id}", keys["admin"], {"on_duty": False})[0] == 200
    try:
        # When the chain is read
        body = _call(api, "get", "/escalation", keys["viewer"])[1]
    finally:
        for user_id in ("anna-schmidt", "jonas-weber"):
            _call(api, "put", f"/users/{user_id}", keys["admin"], {"on_duty": True})

    # Then level 1 says who is reached first, and when
    level_one = body["levels"][0]
    assert level_one["on_duty"] == [] and level_one["reached"] == []
    assert (
        level_one["warning"]
        == "Auf Stufe 1 hat niemand Dienst – Alarme erreichen zuerst Stufe 2 nach 15 Min."
    )
    assert [w["code"] for w in body["warnings"]] == ["nobody_on_duty"]
    assert _call(api, "get", "/escalation", keys["viewer"])[1]["warnings"] == []


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([{"level": 1, "after_minutes": 5}], "body.steps.0.after_minutes"),
        ([{"level": 2, "after_minutes": 0}], "body.steps.0.level"),
        (
            [{"level": 1, "after_minutes": 0}, {"level": 2, "after_minutes": 2000}],
            "body.steps.1.after_minutes",
        ),
        ([{"level": 1, "after_minutes": 0}, {"level": 9, "after_minutes": 20}], "body.steps.1.level"),
        (
            [
                {"level": 1, "after_minutes": 0},
                {"level": 2, "after_minutes": 30},
                {"level": 3, "after_minutes": 20},
            ],
            "body.steps.2.after_minutes",
        ),
        ([{"level": 1, "after_minutes": 0}, {"level": 1, "after_minutes": 30}], "body.steps.1.level"),
        ([{"level": 1, "after_minutes": 0, "colour": "red"}], "body.steps.0.colour"),
        ([], "body.steps"),
    ],
)
def test_a_bad_chain_gets_a_field_level_400_and_changes_nothing(
    api: Any, keys: dict, steps: list, field: str
) -> None:
    before = _call(api, "get", "/escalation", keys["viewer"])[1]
    status, error = _call(api, "put", "/escalation", keys["admin"], {"steps": steps})
    assert status == 400
    assert [d["field"] for d in error["error"]["details"]] == [field]
    assert _call(api, "get", "/escalation", keys["viewer"])[1]["version"] == before["version"]


def test_only_an_admin_edits_and_a_stale_version_is_a_409(api: Any, keys: dict, chain: None) -> None:
    steps = [{"level": 1, "after_minutes": 0}, {"level": 2, "after_minutes": 10}]
    assert _call(api, "put", "/escalation", keys["approver"], {"steps": steps})[0] == 403

    version = _call(api, "get", "/escalation", keys["viewer"])[1]["version"]
    status, saved = _call(api, "put", "/escalation", keys["admin"], {"steps": steps, "version": version})
    assert status == 200
    assert (
        saved["version"] == version + 1
        and saved["source"] == "store"
        and saved["updated_by"] == "admin tester"
    )

    status, body = _call(
        api, "put", "/escalation", keys["admin"], {"steps": PLAYBOOK_STEPS, "version": version}
    )
    assert status == 409 and body["error"]["code"] == "conflict"
    assert _call(api, "get", "/escalation", keys["viewer"])[1]["steps"] == steps


def _unacknowledged(container: Any, topic: str, minutes_ago: int) -> str:
    now = container.clock()
    opened = now - timedelta(minutes=minutes_ago)
    incident = container.incidents.create(
        Incident(
            incident_id=f"INC-{now:%Y%m%d}-{topic.upper()}",
            brand="mueller",
            topic=topic,
            title=f"Müller Haushaltsgeräte GmbH: {topic}",
            status=IncidentStatus.OPEN,
            severity=Severity.SEV1,
            reasons=("30 Erwähnungen in 5 Minuten, sonst fast keine",),
            topics=(topic,),
            opened_at=opened,
            updated_at=opened,
            detected_at=opened,
            first_signal_at=opened,
        )
    )
    return str(incident.incident_id)


def test_the_next_escalation_run_follows_a_changed_chain(
    container: Any, api: Any, keys: dict, chain: None
) -> None:
    # Given an incident nobody has acknowledged for 6 minutes, with the playbook's 15 minutes to level 2
    incident_id = _unacknowledged(container, "esc6min", minutes_ago=6)
    assert incident_id not in _invoke(api, "escalate_incidents")["escalated"]

    # When an admin shortens the wait for level 2 to 5 minutes
    _put_chain(api, keys, [{"level": 1, "after_minutes": 0}, {"level": 2, "after_minutes": 5}])

    # Then the next run escalates it to level 2: Petra (level 2) gets her SMS
    assert incident_id in _invoke(api, "escalate_incidents")["escalated"]
    rows = container.outbox.list(incident_id=incident_id, limit=100, next_token=None).items
    assert {row.alert_id for row in rows} == {f"{incident_id}#escalation#SEV1#L2"}
    assert "+4915100000003" in {row.recipient for row in rows if row.channel == "sms"}
    timeline = container.incidents.get(incident_id).timeline
    assert [e.message for e in timeline if e.kind == "escalated"] == [
        "Nicht bestätigt nach 6 Min: Eskalationsstufe 2"
    ]

    # When an admin lengthens it to 30 minutes, an incident 20 minutes old is not escalated any more
    _put_chain(api, keys, [{"level": 1, "after_minutes": 0}, {"level": 2, "after_minutes": 30}])
    later_id = _unacknowledged(container, "esc20min", minutes_ago=20)
    assert later_id not in _invoke(api, "escalate_incidents")["escalated"]
    assert container.outbox.list(incident_id=later_id, limit=100, next_token=None).items == []
