"""Incidents: one active incident per brand and topic, optimistic locking and filtered listings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.models import Incident, IncidentStatus, Severity, TimelineEvent
from chalicelib.ports import Storage
from tests.contract.builders import (
    DEEPLY_NESTED_TOKEN,
    FORGED_TOKENS,
    T0,
    every_page,
    incident,
    items,
    minutes,
)

OPEN, ACKNOWLEDGED, RESOLVED = IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.RESOLVED


def acknowledged(current: Incident, by: str = "alice") -> Incident:
    at = current.opened_at + timedelta(minutes=3)
    return current.model_copy(
        update={
            "status": ACKNOWLEDGED,
            "acknowledged_at": at,
            "acknowledged_by": by,
            "updated_at": at,
            "timeline": (
                *current.timeline,
                TimelineEvent(at=at, kind="acknowledged", message="ok", actor=by),
            ),
        }
    )


def resolved(current: Incident) -> Incident:
    at = current.opened_at + timedelta(minutes=30)
    return current.model_copy(
        update={"status": RESOLVED, "resolved_at": at, "resolved_by": "bob", "updated_at": at}
    )


def test_a_created_incident_has_version_1_and_reads_back_unchanged(storage: Storage, brand: str) -> None:
    # Given a new incident
    new = incident(brand, "rueckruf")

    # When it is created
    created = storage.incidents.create(new)

    # Then it is at version 1 and reads back exactly as created
    assert created == new.model_copy(update={"version": 1})
    assert storage.incidents.get(new.incident_id) == created


def test_a_second_active_incident_for_a_brand_and_topic_conflicts(storage: Storage, brand: str) -> None:
    # Given an open incident about a recall
    first = storage.incidents.create(incident(brand, "rueckruf"))

    # When another rules run opens one about the same topic, and one about another topic
    duplicate = incident(brand, "rueckruf", opened_at=minutes(1))
    with pytest.raises(Conflict):
        storage.incidents.create(duplicate)
    other_topic = storage.incidents.create(incident(brand, "lieferung"))

    # Then the brand has the first recall incident and the other topic's incident, nothing more
    with pytest.raises(NotFound):
        storage.incidents.get(duplicate.incident_id)
    assert {i.incident_id for i in storage.incidents.active_for_brand(brand)} == {
        first.incident_id,
        other_topic.incident_id,
    }


def test_an_acknowledged_incident_still_blocks_a_second_one(storage: Storage, brand: str) -> None:
    # Given an incident someone acknowledged
    storage.incidents.save(acknowledged(storage.incidents.create(incident(brand, "rueckruf"))))

    # When the rules open one for the same topic
    # Then it conflicts: acknowledged is still active
    with pytest.raises(Conflict):
        storage.incidents.create(incident(brand, "rueckruf", opened_at=minutes(5)))


def test_after_resolving_a_new_incident_for_the_topic_can_be_opened(storage: Storage, brand: str) -> None:
    # Given a recall incident that was resolved
    old = storage.incidents.save(resolved(storage.incidents.create(incident(brand, "rueckruf"))))

    # When the recall flares up again
    new = storage.incidents.create(incident(brand, "rueckruf", opened_at=minutes(60)))

    # Then the new incident is the brand's active one and the old one stays resolved
    assert new.version == 1
    assert [i.incident_id for i in storage.incidents.active_for_brand(brand)] == [new.incident_id]
    assert storage.incidents.get(old.incident_id) == old
    assert old.status is RESOLVED and old.version == 2


def test_saving_bumps_the_version_and_keeps_the_change(storage: Storage, brand: str) -> None:
    # Given an open incident
    created = storage.incidents.create(incident(brand, "rueckruf"))

    # When it is acknowledged and then raised to SEV1
    first = storage.incidents.save(acknowledged(created))
    second = storage.incidents.save(first.model_copy(update={"severity": Severity.SEV1}))

    # Then every save is a new version and the last one is what is read back
    assert (first.version, second.version) == (2, 3)
    assert storage.incidents.get(created.incident_id) == second
    assert second.acknowledged_by == "alice" and [e.kind for e in second.timeline] == [
        "opened",
        "acknowledged",
    ]


@pytest.mark.parametrize("late_change", [acknowledged, resolved], ids=["acknowledge", "resolve"])
def test_a_save_based_on_a_stale_version_conflicts_and_changes_nothing(
    storage: Storage, brand: str, late_change: Any
) -> None:
    # Given an incident that alice acknowledged after bob had loaded it
    loaded_by_bob = storage.incidents.create(incident(brand, "rueckruf"))
    alices = storage.incidents.save(acknowledged(loaded_by_bob.model_copy(update={"title": "Rückruf!"})))

    # When bob saves his change to the version he loaded
    with pytest.raises(Conflict):
        storage.incidents.save(late_change(loaded_by_bob.model_copy(update={"severity": Severity.SEV1})))

    # Then alice's version stands, and the incident still blocks a duplicate
    assert storage.incidents.get(loaded_by_bob.incident_id) == alices
    assert storage.incidents.active_for_brand(brand) == [alices]
    with pytest.raises(Conflict):
        storage.incidents.create(incident(brand, "rueckruf", opened_at=minutes(2)))


def noted(current: Incident, message: str) -> Incident:
    at = current.updated_at + timedelta(minutes=1)
    event = TimelineEvent(at=at, kind="escalated", message=message)
    return current.model_copy(update={"timeline": (*current.timeline, event), "updated_at": at})


def test_a_resolved_incident_can_still_be_saved(storage: Storage, brand: str) -> None:
    # Given a resolved incident, e.g. one the escalation job noted an alert on while it was resolved
    old = storage.incidents.save(resolved(storage.incidents.create(incident(brand, "rueckruf"))))

    # When notes are saved on it, before and after a new incident for the topic was opened
    first_note = storage.incidents.save(noted(old, "Eskalationsstufe 2"))
    new = storage.incidents.create(incident(brand, "rueckruf", opened_at=minutes(60)))
    second_note = storage.incidents.save(noted(first_note, "Eskalationsstufe 3"))

    # Then each save is a new version of the resolved incident, and the new incident stays the
    # topic's one active incident
    assert (first_note.version, second_note.version) == (3, 4)
    assert storage.incidents.get(old.incident_id) == second_note
    assert second_note.status is RESOLVED
    assert storage.incidents.active_for_brand(brand) == [new]
    with pytest.raises(Conflict):
        storage.incidents.create(incident(brand, "rueckruf", opened_at=minutes(61)))


def test_getting_an_unknown_incident_is_not_found(storage: Storage, brand: str) -> None:
    # Given an open incident, which the DynamoDB adapter guards with an internal marker item
    storage.incidents.create(incident(brand, "rueckruf"))

    # When ids that name no incident are read
    # Then each is NotFound, including the id of the internal marker item
    for unknown in ("INC-20261120-NOPE00", "", f"active#{brand}#rueckruf"):
        with pytest.raises(NotFound):
            storage.incidents.get(unknown)


def test_active_incidents_of_a_brand_leave_out_resolved_and_other_brands(
    storage: Storage, brand: str
) -> None:
    # Given an open, an acknowledged and a resolved incident, and an open one of another brand
    opened = storage.incidents.create(incident(brand, "rueckruf", opened_at=minutes(2)))
    seen = storage.incidents.save(acknowledged(storage.incidents.create(incident(brand, "preis"))))
    storage.incidents.save(resolved(storage.incidents.create(incident(brand, "lieferung"))))
    storage.incidents.create(incident(f"{brand}-other", "rueckruf"))

    # When the brand's active incidents are read
    active = storage.incidents.active_for_brand(brand)

    # Then they are the open and the acknowledged one, as last saved
    assert sorted(active, key=lambda i: i.incident_id) == sorted([opened, seen], key=lambda i: i.incident_id)


def _history(storage: Storage, brand: str) -> list[Incident]:
    """Eight incidents of two brands, every status and three severities, created out of order."""
    plan = [
        (brand, 7, OPEN, Severity.SEV1),
        (brand, 1, RESOLVED, Severity.SEV1),
        (brand, 5, ACKNOWLEDGED, Severity.SEV2),
        (f"{brand}-other", 6, OPEN, Severity.SEV1),
        (brand, 3, OPEN, Severity.SEV3),
        (brand, 2, RESOLVED, Severity.SEV2),
        (brand, 6.5, ACKNOWLEDGED, Severity.SEV1),
        (f"{brand}-other", 4, RESOLVED, Severity.SEV2),
    ]
    stored = []
    for owner, offset, status, severity in plan:
        current = storage.incidents.create(
            incident(owner, f"topic{offset}", opened_at=minutes(offset), severity=severity)
        )
        if status is not OPEN:
            current = storage.incidents.save(
                acknowledged(current) if status is ACKNOWLEDGED else resolved(current)
            )
        stored.append(current)
    return stored


FILTERS = [
    pytest.param({}, id="everything"),
    pytest.param({"brand": "mine"}, id="brand"),
    pytest.param({"status": OPEN, "brand": "mine"}, id="open-of-brand"),
    pytest.param({"severity": Severity.SEV1, "brand": "mine"}, id="sev1-of-brand"),
    pytest.param({"status": ACKNOWLEDGED, "severity": Severity.SEV1, "brand": "mine"}, id="all-three"),
    pytest.param({"status": RESOLVED}, id="resolved-of-every-brand"),
    pytest.param({"severity": Severity.SEV2}, id="sev2-of-every-brand"),
    pytest.param({"status": OPEN, "brand": "other"}, id="open-of-other-brand"),
]


@pytest.mark.parametrize("given", FILTERS)
def test_listing_filters_newest_first_and_pages_through_each_incident_once(
    storage: Storage, brand: str, given: dict[str, Any]
) -> None:
    # Given incidents of two brands in every status and several severities
    stored = _history(storage, brand)
    names = {"mine": brand, "other": f"{brand}-other"}
    filters = {"status": None, "severity": None, "brand": None, **given}
    filters["brand"] = names.get(filters["brand"])

    # When they are listed with a filter, two at a time
    pages = every_page(lambda token: storage.incidents.list(**filters, limit=2, next_token=token))

    # Then every page holds only matching incidents, newest first, and together they hold every
    # matching incident exactly once (other tests' incidents share the table, so compare ours)
    def matches(i: Incident) -> bool:
        return all(
            wanted is None or getattr(i, field) == wanted
            for field, wanted in (
                ("status", filters["status"]),
                ("severity", filters["severity"]),
                ("brand", filters["brand"]),
            )
        )

    found = items(pages)
    assert all(len(page.items) <= 2 for page in pages)
    assert all(matches(i) for i in found)
    assert [i.opened_at for i in found] == sorted((i.opened_at for i in found), reverse=True)
    ours = {i.incident_id for i in stored}
    expected = sorted((i for i in stored if matches(i)), key=lambda i: i.opened_at, reverse=True)
    assert [i for i in found if i.incident_id in ours] == expected
    assert len({i.incident_id for i in found}) == len(found)
    assert expected, "the filter should match some of this test's incidents"


@pytest.mark.parametrize("forged", [*FORGED_TOKENS, DEEPLY_NESTED_TOKEN])
def test_listing_incidents_rejects_a_token_it_did_not_issue(
    storage: Storage, brand: str, forged: str
) -> None:
    # Given an incident
    storage.incidents.create(incident(brand, "rueckruf"))

    # When a client pages with a token no listing issued
    # Then it is told its input is invalid
    with pytest.raises(InvalidInput):
        storage.incidents.list(status=None, severity=None, brand=brand, limit=10, next_token=forged)


def test_a_reopened_incident_is_active_again_unless_a_newer_one_holds_its_topic(
    storage: Storage, brand: str
) -> None:
    # Given a resolved recall incident
    first = storage.incidents.save(resolved(storage.incidents.create(incident(brand, "rueckruf"))))

    # When it is reopened, Then it is the brand's active incident for the topic again, facts kept
    reopened = storage.incidents.save(first.model_copy(update={"status": OPEN, "resolved_at": None}))
    assert [i.incident_id for i in storage.incidents.active_for_brand(brand)] == [first.incident_id]
    with pytest.raises(Conflict):
        storage.incidents.create(incident(brand, "rueckruf"))

    # Given it is resolved again and a newer incident opened for the topic
    again = storage.incidents.save(resolved(reopened))
    newer = storage.incidents.create(incident(brand, "rueckruf", opened_at=minutes(30)))

    # When the old one is reopened, Then that conflicts and the newer one stays the active one
    with pytest.raises(Conflict):
        storage.incidents.save(again.model_copy(update={"status": OPEN, "resolved_at": None}))
    assert [i.incident_id for i in storage.incidents.active_for_brand(brand)] == [newer.incident_id]
    assert storage.incidents.get(first.incident_id).status is RESOLVED


def test_facts_and_role_assignments_are_kept(storage: Storage, brand: str) -> None:
    from chalicelib.domain.models import Fact, Tick

    created = storage.incidents.create(incident(brand, "rueckruf"))
    fact = Fact(
        fact_id="F1", text="Serie 2024-07", added_by="Jonas", added_at=T0, verified_by="Anna", verified_at=T0
    )
    tick = Tick(done_by="Anna", done_at=T0)
    saved = storage.incidents.save(
        created.model_copy(
            update={
                "facts": (fact,),
                "assignments": {"Krisenleitung": "anna-schmidt"},
                "playbook_id": "datenpanne",
                "checklist": {"lagebild": tick},
            }
        )
    )
    read = storage.incidents.get(created.incident_id)
    assert read.facts == (fact,) and read.assignments == {"Krisenleitung": "anna-schmidt"}
    assert read.playbook_id == "datenpanne" and read.checklist == {"lagebild": tick}
    assert read == saved


def test_review_notes_and_a_drill_id_read_back_unchanged(storage: Storage, brand: str) -> None:
    # Given a drill incident whose review the team wrote
    from datetime import date

    from chalicelib.domain.models import ActionItem, ReviewNotes

    created = storage.incidents.create(incident(brand, "rueckruf").model_copy(update={"drill_id": "UEB-1"}))
    notes = ReviewNotes(
        summary="Haltestatement nach 10 Min.; Ümläute & „Anführungszeichen“ bleiben.",
        lessons=("Früher freigeben", "Hotline nennen"),
        action_items=(ActionItem(text="Skript anpassen", owner="Kundenservice", due=date(2026, 12, 31)),),
        written_by="alice",
        written_at=T0,
        updated_by="bob",
        updated_at=T0 + timedelta(minutes=5),
    )

    # When the notes are saved
    saved = storage.incidents.save(created.model_copy(update={"review": notes}))

    # Then both read back exactly as saved
    again = storage.incidents.get(created.incident_id)
    assert again == saved and again.review == notes and again.drill_id == "UEB-1"
