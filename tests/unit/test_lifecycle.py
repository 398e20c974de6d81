"""The incident lifecycle and the desk's changes, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain import lifecycle
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.lifecycle import InvalidTransition
from chalicelib.domain.models import Incident, IncidentStatus, Severity

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
S = IncidentStatus


def _incident(status: IncidentStatus = S.OPEN) -> Incident:
    return Incident(
        incident_id="INC-20261120-ABC123",
        brand="mueller",
        topic="#rueckruf",
        title="Müller: #rueckruf",
        status=status,
        severity=Severity.SEV1,
        opened_at=NOW,
        updated_at=NOW,
        detected_at=NOW,
        first_signal_at=NOW,
    )


def test_the_whole_way_from_open_to_reviewed_is_recorded_with_who_and_when() -> None:
    incident = _incident()
    steps = [(S.ACKNOWLEDGED, "Anna"), (S.RESPONDING, "Jonas"), (S.MONITORING, "Jonas"), (S.RESOLVED, "Anna")]
    for minute, (status, actor) in enumerate(steps, start=1):
        incident = lifecycle.transition(incident, status, actor=actor, now=NOW + timedelta(minutes=minute))
    with pytest.raises(lifecycle.ReviewMissing):  # the review comes first
        lifecycle.transition(incident, S.REVIEWED, actor="Petra", now=NOW + timedelta(days=2))
    incident = lifecycle.write_review(
        incident,
        summary="",
        lessons=("Früher antworten",),
        action_items=(),
        actor="Petra",
        now=NOW + timedelta(days=2),
    )
    incident = lifecycle.transition(incident, S.REVIEWED, actor="Petra", now=NOW + timedelta(days=2))
    assert incident.status is S.REVIEWED and not incident.is_active
    assert [(e.kind, e.actor) for e in incident.timeline] == [
        ("acknowledged", "Anna"),
        ("responding", "Jonas"),
        ("monitoring", "Jonas"),
        ("resolved", "Anna"),
        ("review_written", "Petra"),
        ("reviewed", "Petra"),
    ]
    assert incident.acknowledged_at == NOW + timedelta(minutes=1) and incident.acknowledged_by == "Anna"
    assert incident.resolved_at == NOW + timedelta(minutes=4)


def test_moving_on_without_acknowledging_counts_as_the_acknowledgement() -> None:
    incident = lifecycle.transition(_incident(), S.RESPONDING, actor="Jonas", now=NOW + timedelta(minutes=3))
    assert incident.acknowledged_by == "Jonas" and incident.acknowledged_at == NOW + timedelta(minutes=3)


@pytest.mark.parametrize(
    ("start", "to"),
    [(S.OPEN, S.MONITORING), (S.OPEN, S.REVIEWED), (S.RESOLVED, S.ACKNOWLEDGED), (S.REVIEWED, S.RESOLVED)],
)
def test_invalid_transitions_are_refused_with_what_is_allowed(
    start: IncidentStatus, to: IncidentStatus
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        lifecycle.transition(_incident(start), to, actor="Anna", now=NOW)
    assert refused.value.status == 409
    assert refused.value.details[0]["allowed"] == sorted(s.value for s in lifecycle.TRANSITIONS[start])


def test_reopening_clears_the_resolution_and_says_so() -> None:
    resolved = lifecycle.transition(_incident(), S.RESOLVED, actor="Anna", now=NOW)
    reopened = lifecycle.transition(resolved, S.OPEN, actor="Jonas", now=NOW, note="Neue Welle")
    assert reopened.is_active and reopened.resolved_at is None
    assert reopened.timeline[-1].kind == "reopened"
    assert reopened.timeline[-1].message == "Wieder geöffnet: Neue Welle"


def test_facts_are_numbered_and_verified_once_by_a_named_person() -> None:
    incident = lifecycle.add_fact(_incident(), "Betroffen: Serie 2024-07", actor="Jonas", now=NOW)
    incident = lifecycle.add_fact(incident, "Keine Verletzten bekannt", actor="Jonas", now=NOW)
    assert [f.fact_id for f in incident.facts] == ["F1", "F2"] and not incident.facts[0].verified
    verified = lifecycle.verify_fact(incident, "F1", actor="Anna", now=NOW + timedelta(minutes=5))
    assert verified.facts[0].verified_by == "Anna" and not verified.facts[1].verified
    assert lifecycle.verify_fact(verified, "F1", actor="Petra", now=NOW) is verified
    with pytest.raises(InvalidInput):
        lifecycle.verify_fact(verified, "F9", actor="Anna", now=NOW)


def test_roles_go_to_known_people_and_unknown_roles_or_people_are_refused() -> None:
    names = {"anna-schmidt": "Anna Schmidt", "jonas-weber": "Jonas Weber"}
    incident = lifecycle.assign_roles(
        _incident(),
        {"Krisenleitung": "anna-schmidt", "Kommunikation": "jonas-weber"},
        names,
        actor="Anna",
        now=NOW,
    )
    assert incident.assignments == {"Krisenleitung": "anna-schmidt", "Kommunikation": "jonas-weber"}
    assert incident.timeline[-1].message == "Rollen: Krisenleitung: Anna Schmidt; Kommunikation: Jonas Weber"
    cleared = lifecycle.assign_roles(incident, {"Kommunikation": None}, names, actor="Anna", now=NOW)
    assert cleared.assignments == {"Krisenleitung": "anna-schmidt"}
    assert (
        lifecycle.assign_roles(cleared, {"Krisenleitung": "anna-schmidt"}, names, actor="A", now=NOW)
        is cleared
    )
    with pytest.raises(InvalidInput) as refused:
        lifecycle.assign_roles(
            incident, {"Hausmeister": "anna-schmidt", "Recht": "nobody"}, names, actor="A", now=NOW
        )
    assert [d["field"] for d in refused.value.details] == ["body.Hausmeister", "body"]


def test_a_checklist_item_is_ticked_once_by_a_person_and_can_be_reopened() -> None:
    ticked = lifecycle.tick(
        _incident(), "lagebild", True, playbook_id="p", item_text="Lagebild", actor="Anna", now=NOW
    )
    assert ticked.checklist["lagebild"].done_by == "Anna" and ticked.playbook_id == "p"
    assert ticked.timeline[-1].message == "Erledigt: Lagebild" and ticked.timeline[-1].ref == "lagebild"
    again = lifecycle.tick(
        ticked, "lagebild", True, playbook_id="p", item_text="Lagebild", actor="Ben", now=NOW
    )
    assert again is ticked
    reopened = lifecycle.tick(
        ticked, "lagebild", False, playbook_id="p", item_text="Lagebild", actor="Ben", now=NOW
    )
    assert reopened.checklist == {} and reopened.timeline[-1].message == "Wieder offen: Lagebild"


def test_choosing_the_playbook_in_use_again_changes_nothing() -> None:
    chosen = lifecycle.set_playbook(_incident(), "datenpanne", "Datenpanne", actor="Anna", now=NOW)
    assert chosen.playbook_id == "datenpanne" and chosen.timeline[-1].message == "Playbook: Datenpanne"
    assert lifecycle.set_playbook(chosen, "datenpanne", "Datenpanne", actor="Ben", now=NOW) is chosen
