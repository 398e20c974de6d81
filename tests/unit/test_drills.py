"""Drills ("Krisenübung") without I/O: ids and shadow brands, starting and ending, what is marked
"[ÜBUNG]", what is not published, and the drill services on memory fakes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.crisis_playbooks import load_crisis_library
from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sns import ascii_subject, attributes
from chalicelib.adapters.sources.registry import build_drill_sources
from chalicelib.adapters.sources.replay import load_scenario, scenario_names
from chalicelib.domain import draft_review
from chalicelib.domain import drills as rules
from chalicelib.domain.crisis import known_risk_categories
from chalicelib.domain.drills import Drill, DrillStatus
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, Unprocessable
from chalicelib.domain.messages import SMS_LIMIT, compose_alert, compose_email, compose_sms, gsm7_length
from chalicelib.domain.models import (
    Delivery,
    Incident,
    IncidentStatus,
    Page,
    Principal,
    Role,
    Severity,
)
from chalicelib.services import drafts as drafts_service
from chalicelib.services import drills as service
from chalicelib.services.push import check_brands
from tests.factories import raw_mention
from tests.fakes import MemoryDrills
from tests.unit.test_draft_review import (
    ANNA,
    AUTHOR,
    BEN,
    Desk,
    MemoryDrafts,
    MemoryIncidents,
    TopMentions,
    draft,
    saved,
)

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = load_playbook(ROOT / "playbooks")
LIBRARY = load_crisis_library(
    ROOT / "playbooks" / "crisis", risk_categories=known_risk_categories(PLAYBOOK.risk_terms)
)
T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
APPROVER = Principal(key_id="k1", name="Anna Schmidt", role=Role.APPROVER)
DRILL_ID = "UEB-20261129-6AAB07"


def a_drill(**changes: Any) -> Drill:
    started = rules.start(
        drill_id=DRILL_ID,
        brand="mueller",
        playbook="produktmangel-rueckruf",
        scenario="mueller_rueckruf",
        speed=60,
        by="Anna Schmidt",
        now=T0,
    )
    return started.model_copy(update=changes)


def an_incident(*, drill_id: str | None = DRILL_ID, **changes: Any) -> Incident:
    brand = rules.shadow_brand_key("mueller", drill_id) if drill_id else "mueller"
    fields: dict[str, Any] = {
        "incident_id": "INC-20261129-D00001",
        "brand": brand,
        "topic": "#rueckruf",
        "title": "Müller Haushaltsgeräte GmbH: #rueckruf",
        "status": IncidentStatus.OPEN,
        "severity": Severity.SEV1,
        "reasons": ("Viel mehr Erwähnungen als üblich",),
        "opened_at": T0,
        "updated_at": T0,
        "detected_at": T0,
        "first_signal_at": T0,
        "drill_id": drill_id,
    }
    return Incident(**{**fields, **changes})


# --- ids, shadow brands, rules --------------------------------------------------------------------


def test_drill_ids_name_the_day_and_sort_by_the_time_they_started() -> None:
    morning = rules.new_drill_id(T0, entropy=0xFF)
    later = rules.new_drill_id(T0 + timedelta(seconds=2), entropy=0x00)
    next_day = rules.new_drill_id(T0 + timedelta(days=1), entropy=0x00)
    assert all(rules.is_drill_id(i) for i in (morning, later, next_day))
    assert morning.startswith("UEB-20261129-") and next_day.startswith("UEB-20261130-")
    assert morning < later < next_day


def test_a_shadow_brand_key_names_the_real_brand_and_the_drill_and_nothing_else_does() -> None:
    key = rules.shadow_brand_key("mueller", DRILL_ID)
    assert key == "mueller~ueb-20261129-6aab07" == a_drill().brand_key
    assert rules.split_brand_key(key) == ("mueller", DRILL_ID)
    assert rules.drill_id_of(key) == DRILL_ID and rules.real_brand(key) == "mueller"
    for other in (
        "mueller",
        "mueller~",
        "~ueb-20261129-6aab07",
        "mueller~ueb-2026-x",
        "mueller~UEB-20261129-6AAB07",
    ):
        assert rules.drill_id_of(other) is None
    assert rules.real_brand("mueller") == "mueller"
    assert rules.source_dimension(a_drill().source_id) == "drill"
    assert rules.source_dimension("demo-storm") == "demo-storm"


def test_a_playbook_resolves_a_drills_shadow_to_a_copy_of_the_real_brand_and_stays_strict() -> None:
    key = a_drill().brand_key
    real = PLAYBOOK.brand("mueller")
    shadow = PLAYBOOK.drill_brand(key)
    assert real is not None and shadow is not None
    assert shadow.id == key and shadow.model_dump(exclude={"id"}) == real.model_dump(exclude={"id"})
    assert PLAYBOOK.brand(key) is None  # strict: the playbook's brands only
    assert PLAYBOOK.brand_or_drill(key) == shadow and PLAYBOOK.brand_or_drill("mueller") == real
    assert PLAYBOOK.drill_brand("nobody~ueb-20261129-6aab07") is None
    assert PLAYBOOK.drill_brand("mueller") is None


def test_a_request_to_start_names_each_bad_field() -> None:
    problems = rules.request_problems(
        playbook="gibt-es-nicht", brand="nobody", speed=601, playbooks={"a"}, brands={"mueller"}
    )
    assert [p["field"] for p in problems] == ["body.playbook", "body.brand", "body.speed"]
    assert (
        rules.request_problems(playbook="a", brand="mueller", speed=1, playbooks={"a"}, brands={"mueller"})
        == []
    )
    assert [
        p["field"]
        for p in rules.request_problems(
            playbook="a", brand="mueller", speed=0, playbooks={"a"}, brands={"mueller"}
        )
    ] == ["body.speed"]


def test_a_drill_runs_twelve_hours_and_ends_once() -> None:
    drill = a_drill()
    assert drill.ends_at == T0 + timedelta(hours=12) and drill.is_live(T0 + timedelta(hours=11, minutes=59))
    assert not drill.is_live(drill.ends_at)
    ended = rules.end(drill, by="Anna", now=T0 + timedelta(hours=1), reason="stopped")
    assert ended is not None and (ended.status, ended.ended_by, ended.end_reason) == (
        DrillStatus.ENDED,
        "Anna",
        "stopped",
    )
    assert not ended.is_live(T0 + timedelta(hours=2))
    assert rules.end(ended, by="Ben", now=T0 + timedelta(hours=2), reason="stopped") is None


def test_a_drill_ends_by_itself_when_its_time_is_over_or_its_incident_is_resolved() -> None:
    drill = a_drill(incident_id="INC-20261129-D00001")
    open_incident = an_incident()
    resolved = an_incident(status=IncidentStatus.RESOLVED, resolved_by="Jonas")
    assert rules.due_end(drill, None, T0 + timedelta(hours=1)) is None
    assert rules.due_end(drill, open_incident, T0 + timedelta(hours=1)) is None
    assert rules.due_end(drill, resolved, T0 + timedelta(hours=1)) == "incident_resolved"
    assert rules.due_end(drill, open_incident, T0 + timedelta(hours=12)) == "expired"
    assert rules.due_end(a_drill(status=DrillStatus.ENDED), resolved, T0) is None


def test_a_drill_records_its_first_incident_once() -> None:
    first = an_incident(incident_id="INC-20261129-000001", opened_at=T0 + timedelta(minutes=3))
    second = an_incident(incident_id="INC-20261129-000002", opened_at=T0 + timedelta(minutes=9))
    assert rules.first_incident([second, first]) == first
    recorded = rules.with_incident(a_drill(), first.incident_id)
    assert recorded is not None and recorded.incident_id == first.incident_id
    assert rules.with_incident(recorded, second.incident_id) is None


def test_the_marker_is_added_once() -> None:
    assert rules.marked("Neue Krise") == "[ÜBUNG] Neue Krise"
    assert rules.marked("[ÜBUNG] Neue Krise") == "[ÜBUNG] Neue Krise"


# --- alerts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", ["incident_opened", "severity_raised", "escalation", "incident_updated"])
@pytest.mark.parametrize(
    "link", ["https://k.example/#/i/INC-20261129-D00001/" + "t" * 27, "https://k.example/" + "x" * 150]
)
def test_every_sms_about_a_drill_starts_with_the_marker_and_stays_within_160(event: str, link: str) -> None:
    incident = an_incident(topic="#" + "spülmeister" * 6, reasons=("Sehr viele negative Beiträge " * 4,))
    sms = compose_sms(incident, event, link, "Müller Haushaltsgeräte GmbH & Co. KG Niederlassung Süd")
    assert sms.startswith("[ÜBUNG] KRISENRADAR SEV1")
    assert (gsm7_length(sms) or SMS_LIMIT + 1) <= SMS_LIMIT
    real = compose_sms(an_incident(drill_id=None), event, link, "Müller")
    assert real.startswith("KRISENRADAR SEV1") and "ÜBUNG" not in real


def test_the_email_about_a_drill_says_so_in_the_subject_and_first_in_the_body() -> None:
    subject, body = compose_email(an_incident(), "incident_opened", "https://k.example/x", "Müller")
    assert subject.startswith("[ÜBUNG] [Krisenradar] SEV1")
    assert body.startswith("[ÜBUNG] Neue Krise erkannt / New crisis detected\n")
    assert f"Dies ist eine Übung ({DRILL_ID})" in body and f"This is a drill ({DRILL_ID})" in body
    real_subject, real_body = compose_email(
        an_incident(drill_id=None), "incident_opened", "https://k.example/x", "Müller"
    )
    assert "ÜBUNG" not in real_subject + real_body


def test_integrations_and_sns_subscribers_can_tell_a_drill() -> None:
    drill_alert = compose_alert(an_incident(), "incident_opened", "a1", "https://k.example", "Müller")
    from chalicelib.domain.messages import integration_document

    document = json.loads(integration_document(drill_alert, 1))
    assert (document["drill"], document["drill_id"]) == (True, DRILL_ID)
    assert document["subject"].startswith("[ÜBUNG]") and document["sms"].startswith("[ÜBUNG]")
    real = json.loads(
        integration_document(
            compose_alert(an_incident(drill_id=None), "escalation", "a2", "https://k", "M"), 2
        )
    )
    assert (real["drill"], real["drill_id"]) == (False, None)

    def delivery(brand: str) -> Delivery:
        return Delivery(
            alert_id="a1",
            incident_id="INC-1",
            brand=brand,
            event_type="incident_opened",
            severity=Severity.SEV1,
            channel="sms",
            recipient="+4915112345678",
            subject="s",
            body="b",
            created_at=T0,
        )

    assert (
        ascii_subject("[ÜBUNG] [Krisenradar] SEV1 Neue Krise: Müller")
        == "[UEBUNG] [Krisenradar] SEV1 Neue Krise: Mueller"
    )
    assert attributes(delivery(a_drill().brand_key))["drill"] == {"DataType": "String", "StringValue": "true"}
    assert attributes(delivery("mueller"))["drill"] == {"DataType": "String", "StringValue": "false"}


# --- nothing published, nothing pushed ---------------------------------------------------------------


def test_publishing_in_a_drill_keeps_the_rules_and_the_time_but_posts_nothing() -> None:
    approved = saved(draft_review.approve(draft(), actor=ANNA, severity=Severity.SEV2, now=T0))
    at = T0 + timedelta(minutes=25)
    published = draft_review.publish(
        approved, actor=AUTHOR, severity=Severity.SEV2, now=at, url="https://x.com/1", drill=True
    )
    assert (published.status.value, published.published_at, published.published_url) == (
        "published",
        at,
        None,
    )
    assert published.revisions[-1].note == "Übung: nicht veröffentlicht"
    with pytest.raises(draft_review.DraftState):  # four eyes hold in a drill too
        draft_review.publish(
            saved(draft()), actor=AUTHOR, severity=Severity.SEV2, now=at, url=None, drill=True
        )


def test_a_drills_statement_is_recorded_as_not_published_in_the_timeline() -> None:
    # Given a drill's SEV1 incident, and a holding statement approved by two people
    incident = an_incident(incident_id="INC-1", version=1)
    desk = Desk(MemoryIncidents({"INC-1": incident}), MemoryDrafts(), TopMentions())
    created = desk.create(kind="holding_statement", channel="website")
    for approver in (ANNA, BEN):
        drafts_service.approve_draft(
            created.draft_id, note=None, expected_version=None, actor=approver, now=T0, **desk.ports()
        )

    # When it is published with a URL
    published = drafts_service.publish_draft(
        created.draft_id, url="https://m.de/s", expected_version=None, actor=AUTHOR, now=T0, **desk.ports()
    )

    # Then it counts as the first response, but no URL is kept and the timeline says it was not posted
    assert (published.status.value, published.published_at, published.published_url) == (
        "published",
        T0,
        None,
    )
    [event] = [e for e in desk.incidents.items["INC-1"].timeline if e.kind == "statement_published"]
    assert event.message.startswith("Übung: nicht veröffentlicht") and "m.de" not in event.message


def test_pushed_mentions_naming_a_drills_brand_are_a_422_unknown_brands_a_400() -> None:
    at = T0
    with pytest.raises(Unprocessable) as caught:
        check_brands([raw_mention(at=at), raw_mention(at=at, brand=a_drill().brand_key)], PLAYBOOK)
    assert caught.value.status == 422 and caught.value.code == "invalid_input"
    assert caught.value.details == [
        {"field": "body.mentions.1.brand", "message": "a drill's brand takes no pushed mentions"}
    ]
    with pytest.raises(InvalidInput) as unknown:
        check_brands([raw_mention(at=at, brand="nobody")], PLAYBOOK)
    assert unknown.value.status == 400


# --- the drill's scenario -------------------------------------------------------------------------------


def test_a_drill_replays_its_scenario_on_its_shadow_from_its_start_with_ids_of_its_own() -> None:
    drill = a_drill(speed=600)
    [source] = build_drill_sources([drill], PLAYBOOK)
    assert source.source_id == f"drill-{DRILL_ID.lower()}"
    later = T0 + timedelta(minutes=3)
    baseline = source.fetch(None, later)
    assert baseline.mentions and not baseline.exhausted
    assert {m.brand for m in baseline.mentions} == {drill.brand_key}
    assert all(m.native_id.startswith(f"{DRILL_ID.lower()}-baseline-") for m in baseline.mentions)
    assert max(m.published_at for m in baseline.mentions) < T0  # backfilled before the drill started
    cursor: dict[str, Any] | None = baseline.cursor
    storm = []
    for _ in range(10):
        page = source.fetch(cursor, later)
        cursor = page.cursor
        storm += [m for m in page.mentions if "-storm-" in m.native_id]
        if page.exhausted and not page.mentions:
            break
    # At 600 times real time the whole story (about five hours) has played within half a minute
    story = load_scenario("mueller_rueckruf").storm
    played_in = timedelta(minutes=story[-1].story_minute / 600)
    assert len(storm) == len(story) and all(T0 < m.published_at <= T0 + played_in for m in storm)
    assert build_drill_sources([a_drill(brand="nobody")], PLAYBOOK) == []


def test_every_playbook_that_names_a_drill_scenario_names_one_that_exists() -> None:
    named = {p.id: p.drill_scenario for p in LIBRARY.playbooks if p.drill_scenario}
    assert named.get("produktmangel-rueckruf") == "mueller_rueckruf"
    assert set(named.values()) <= set(scenario_names())
    assert rules.DEFAULT_SCENARIO in scenario_names()


# --- the services on memory fakes -----------------------------------------------------------------------


@dataclass
class ShadowIncidents:
    """The incident reads the drill service uses."""

    items: dict[str, Incident] = field(default_factory=dict)

    def get(self, incident_id: str) -> Incident:
        if incident_id not in self.items:
            raise NotFound("no such incident")
        return self.items[incident_id]

    def list(
        self, *, status: Any, severity: Any, brand: str | None, limit: int, next_token: Any
    ) -> Page[Incident]:
        mine = sorted(
            (i for i in self.items.values() if i.brand == brand), key=lambda i: i.opened_at, reverse=True
        )
        return Page[Incident](items=mine[:limit])


def _start(drills: MemoryDrills, *, entropy: list[int] | None = None, **request: Any) -> Drill:
    values = iter(entropy or [7, 8, 9, 10])
    fields: dict[str, Any] = {"playbook_id": "produktmangel-rueckruf", "brand": "mueller", "speed": 60}
    return service.start_drill(
        **{**fields, **request},
        drills=drills,
        library=LIBRARY,
        playbook=PLAYBOOK,
        scenarios=scenario_names(),
        principal=APPROVER,
        now=T0,
        entropy=lambda: next(values),
    )


def test_starting_a_drill_checks_the_request_and_one_runs_per_brand() -> None:
    drills = MemoryDrills()
    with pytest.raises(Unprocessable) as caught:
        _start(drills, playbook_id="gibt-es-nicht", brand="nobody", speed=0)
    assert {d["field"] for d in caught.value.details} == {"body.playbook", "body.brand", "body.speed"}

    started = _start(drills)
    assert (started.scenario, started.started_by, started.version) == ("mueller_rueckruf", "Anna Schmidt", 1)
    with pytest.raises(Conflict) as busy:
        _start(drills, speed=120)
    assert busy.value.details == [{"brand": "mueller", "drill_id": started.drill_id}]


def test_a_taken_drill_id_is_tried_again_with_another() -> None:
    drills = MemoryDrills()
    taken = _start(drills, brand="mueller", entropy=[7])
    service.stop_drill(taken.drill_id, drills=drills, principal=APPROVER, now=T0)
    # The same instant and the same random part give the same id: the next random part is used
    again = _start(drills, entropy=[7, 8])
    assert again.drill_id != taken.drill_id and again.drill_id.endswith("08")


def test_stopping_twice_ends_the_drill_once() -> None:
    drills = MemoryDrills()
    drill = _start(drills)
    first = service.stop_drill(
        drill.drill_id, drills=drills, principal=APPROVER, now=T0 + timedelta(minutes=5)
    )
    other = Principal(key_id="k2", name="Ben Krüger", role=Role.ADMIN)
    second = service.stop_drill(drill.drill_id, drills=drills, principal=other, now=T0 + timedelta(minutes=9))
    assert first == second and (first.ended_by, first.ended_at, first.version) == (
        "Anna Schmidt",
        T0 + timedelta(minutes=5),
        2,
    )
    with pytest.raises(NotFound):
        service.stop_drill("UEB-20991231-000000", drills=drills, principal=APPROVER, now=T0)


def test_following_the_drills_records_incidents_once_and_ends_what_is_over() -> None:
    # Given three running drills: one whose incident opened, one whose incident is resolved, one expired
    drills = MemoryDrills()
    incidents = ShadowIncidents()
    opened = drills.create(a_drill(drill_id="UEB-20261129-000001", brand="a"))
    resolved = drills.create(a_drill(drill_id="UEB-20261129-000002", brand="b", incident_id="INC-B"))
    expired = drills.create(
        a_drill(drill_id="UEB-20261129-000003", brand="c", ends_at=T0 + timedelta(hours=1))
    )
    incidents.items["INC-A"] = an_incident(
        incident_id="INC-A", brand=opened.brand_key, drill_id=opened.drill_id
    )
    incidents.items["INC-B"] = an_incident(
        incident_id="INC-B",
        brand=resolved.brand_key,
        drill_id=resolved.drill_id,
        status=IncidentStatus.RESOLVED,
        resolved_by="Jonas Weber",
    )

    # When the rules job follows them, twice
    now = T0 + timedelta(hours=2)
    first = service.follow_drills(drills=drills, incidents=incidents, now=now)
    second = service.follow_drills(drills=drills, incidents=incidents, now=now)

    # Then the first drill is live with its incident, recorded by one save; the others ended once
    assert [d.drill_id for d in first.live] == [opened.drill_id] == [d.drill_id for d in second.live]
    assert drills.get(opened.drill_id).incident_id == "INC-A" and drills.get(opened.drill_id).version == 2
    assert sorted(first.ended) == [resolved.drill_id, expired.drill_id] and second.ended == []
    assert (drills.get(resolved.drill_id).end_reason, drills.get(resolved.drill_id).ended_by) == (
        "incident_resolved",
        "Jonas Weber",
    )
    assert (drills.get(expired.drill_id).end_reason, drills.get(expired.drill_id).ended_by) == (
        "expired",
        None,
    )
    assert service.live_drills(drills=drills, now=now) == [drills.get(opened.drill_id)]


def test_one_drills_trouble_does_not_stop_the_others() -> None:
    drills = MemoryDrills()
    broken = drills.create(a_drill(drill_id="UEB-20261129-000001", brand="a", incident_id="INC-GONE"))
    fine = drills.create(a_drill(drill_id="UEB-20261129-000002", brand="b"))
    result = service.follow_drills(drills=drills, incidents=ShadowIncidents(), now=T0)
    assert result.failed == [broken.brand_key] and [d.drill_id for d in result.live] == [fine.drill_id]
