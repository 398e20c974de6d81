"""An open incident keeps learning: what is new in the window (pure), how it is recorded once, and the
alert to exactly the people in the incident's crisis roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.domain.learning import (
    UPDATE_EVENT,
    CurrentReasons,
    OpeningPicture,
    SituationChange,
    WindowNow,
    assigned_recipients,
    record_changes,
    situation_changes,
)
from chalicelib.domain.messages import gsm7_length
from chalicelib.domain.models import Bucket, Incident, IncidentStatus, Reason, Role, Severity, User
from chalicelib.services.alerts import Alerting
from chalicelib.services.incidents import enqueue_to_people
from tests.fakes import MemoryOutbox, MemoryUsers, StaticSecrets

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
CATEGORIES = {t.category for t in (*PLAYBOOK.risk_terms.de, *PLAYBOOK.risk_terms.en)}
OPENED = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
NOW = OPENED + timedelta(minutes=12)
INCIDENT_ID = "INC-20261120-LEARN1"
REASONS = CurrentReasons(
    ("1 Erwähnung von Medien oder großen Accounts, Reichweite zusammen 80.000",),
    (Reason("high_reach", {"mentions": 1, "reach": 80_000}),),
    ("high_reach",),
)


def _incident(**update: object) -> Incident:
    incident = Incident(
        incident_id=INCIDENT_ID,
        brand="mueller",
        topic="#rueckruf",
        title="Müller Haushaltsgeräte GmbH: #rueckruf",
        status=IncidentStatus.OPEN,
        severity=Severity.SEV1,
        reasons=("30 Erwähnungen in 5 Minuten, sonst fast keine",),
        topics=("#rueckruf", "sicherheit"),
        signals=("volume",),
        opened_at=OPENED,
        updated_at=OPENED,
        detected_at=OPENED,
        first_signal_at=OPENED,
    )
    return incident.model_copy(update=update)


def _bucket(minutes: int, total: int = 5, high_reach: int = 0) -> Bucket:
    return Bucket(
        brand="mueller", start=OPENED + timedelta(minutes=minutes), total=total, high_reach=high_reach
    )


def _window(
    *buckets: Bucket, topics: tuple[str, ...] = ("#rueckruf",), total: int | None = None
) -> WindowNow:
    counted = sum(b.total for b in buckets) if total is None else total
    return WindowNow(buckets=buckets, total=counted, topics=topics, minutes=30)


AT_OPENING = OpeningPicture(window_total=20)


def _learn(incident: Incident, opening: OpeningPicture, window: WindowNow) -> list[SituationChange]:
    return situation_changes(incident, opening, window, risk_categories=CATEGORIES)


# --- what is new ------------------------------------------------------------------------------------


def test_a_media_report_after_opening_is_news_once_and_a_second_one_is_news_again() -> None:
    # Given an incident that knew of no media or high-reach mention when it opened
    incident = _incident()

    # When a bucket after opening holds one
    [change] = _learn(incident, AT_OPENING, _window(_bucket(5, high_reach=1)))

    # Then it is news, said in plain words with the time it happened
    assert change.kind == "reach"
    assert change.message == (
        "Neu: Bericht von Medium/Account mit großer Reichweite (zwischen 15:05 und 15:10 Uhr)"
    )

    # When it is recorded, the same window says nothing new; a second report in that bucket is new again
    recorded = record_changes(incident, [change], REASONS, NOW)
    assert recorded is not None
    assert _learn(recorded, AT_OPENING, _window(_bucket(5, high_reach=1))) == []
    [again] = _learn(recorded, AT_OPENING, _window(_bucket(5, high_reach=2)))
    assert again.key.endswith("-2") and again.ref(INCIDENT_ID) != change.ref(INCIDENT_ID)


def test_media_reports_the_incident_knew_at_opening_are_not_news() -> None:
    # Given an incident that opened on a media report in its opening bucket
    opening = OpeningPicture.of([_bucket(0, high_reach=1)], window_total=20)
    # Then the same report later is not news, but a second one in that bucket is
    assert _learn(_incident(), opening, _window(_bucket(0, high_reach=1))) == []
    [change] = _learn(_incident(), opening, _window(_bucket(0, high_reach=2)))
    assert change.message.startswith("Neu: Bericht von Medium/Account")


def test_several_new_reports_in_one_bucket_are_counted() -> None:
    [change] = _learn(_incident(), AT_OPENING, _window(_bucket(5, high_reach=3)))
    assert change.message.startswith("Neu: 3 Berichte von Medien/Accounts mit großer Reichweite")


def test_a_new_risk_category_and_a_new_hashtag_are_news_known_topics_are_not() -> None:
    window = _window(_bucket(5), topics=("#rueckruf", "sicherheit", "datenschutz", "#boykottaufruf"))
    changes = _learn(_incident(), AT_OPENING, window)
    assert [(c.kind, c.message) for c in changes] == [
        ("topic", "Neue Risikokategorie: datenschutz"),
        ("topic", "Neues Thema: #boykottaufruf"),
    ]


def test_volume_that_doubles_after_opening_is_news_once_per_doubling() -> None:
    # Given an incident that opened with 20 mentions in its window
    incident = _incident()
    assert _learn(incident, AT_OPENING, _window(_bucket(5), total=39)) == []

    # When the window holds 40
    [doubled] = _learn(incident, AT_OPENING, _window(_bucket(5), total=40))
    assert (
        doubled.message == "Volumen hat sich seit Eröffnung verdoppelt: von 20 auf 40 Erwähnungen in 30 Min."
    )

    # Then, recorded, more of the same is not news until it has quadrupled
    recorded = record_changes(incident, [doubled], REASONS, NOW)
    assert recorded is not None
    assert _learn(recorded, AT_OPENING, _window(_bucket(5), total=79)) == []
    [quadrupled] = _learn(recorded, AT_OPENING, _window(_bucket(5), total=80))
    assert "vervierfacht: von 20 auf 80" in quadrupled.message


def test_a_resolved_incident_learns_nothing() -> None:
    resolved = _incident(status=IncidentStatus.RESOLVED)
    assert _learn(resolved, AT_OPENING, _window(_bucket(5, high_reach=1), total=100)) == []


# --- recording ----------------------------------------------------------------------------------------


def test_recording_adds_one_entry_per_change_refreshes_the_reasons_and_is_idempotent() -> None:
    # Given two changes seen by two overlapping runs
    incident = _incident()
    changes = _learn(
        incident, AT_OPENING, _window(_bucket(5, high_reach=1), topics=("#rueckruf", "datenschutz"))
    )

    # When the first run records them
    recorded = record_changes(incident, changes, REASONS, NOW)

    # Then the timeline has one entry each, with its ref, and the reasons are the assessment's now
    assert recorded is not None
    entries = [e for e in recorded.timeline if e.kind == "situation_changed"]
    assert [e.ref for e in entries] == [c.ref(INCIDENT_ID) for c in changes]
    assert all(e.ref and e.ref.startswith(f"{INCIDENT_ID}#update#") for e in entries)
    assert recorded.reasons == REASONS.reasons and recorded.reason_evidence == REASONS.evidence
    assert recorded.signals == ("volume", "high_reach")
    assert "datenschutz" in recorded.topics
    assert recorded.severity is Severity.SEV1  # unchanged: news is not a severity

    # When the second run records the same changes on the latest version, it finds nothing to do
    assert record_changes(recorded, changes, REASONS, NOW + timedelta(seconds=5)) is None


def test_recording_without_current_reasons_keeps_the_incidents() -> None:
    [change] = _learn(_incident(), AT_OPENING, _window(_bucket(5, high_reach=1)))
    recorded = record_changes(_incident(), [change], CurrentReasons((), (), ()), NOW)
    assert recorded is not None and recorded.reasons == _incident().reasons


def test_the_opening_picture_survives_the_store() -> None:
    picture = OpeningPicture.of([_bucket(0, high_reach=2), _bucket(5)], window_total=17)
    assert OpeningPicture.from_dict(picture.to_dict()) == picture
    assert picture.high_reach == {"20261120T1400Z": 2}


# --- who is told ------------------------------------------------------------------------------------


def _person(user_id: str, *, sms_min: Severity = Severity.SEV2, on_duty: bool = True) -> User:
    return User(
        user_id=user_id,
        name=user_id.title(),
        role=Role.RESPONDER,
        phone="+491510000" + str(len(user_id)).zfill(4),
        email=f"{user_id}@example.de",
        sms_min_severity=sms_min,
        on_duty=on_duty,
        created_at=OPENED,
        updated_at=OPENED,
    )


def test_exactly_the_people_in_the_incidents_crisis_roles_are_told() -> None:
    # Given Anna in two roles, Jonas in one but off duty, Petra with SMS only for SEV1, Tobias in none
    people = [
        _person("anna"),
        _person("jonas", on_duty=False),
        _person("petra", sms_min=Severity.SEV1),
        _person("tobias"),
    ]
    roles = {"Krisenleitung": "anna", "Kommunikation": "anna", "Recht": "jonas", "Geschäftsführung": "petra"}

    # When a SEV2 incident is updated
    recipients = assigned_recipients(_incident(severity=Severity.SEV2, assignments=roles), people)

    # Then Anna gets SMS and email once, Petra email only; nobody else, and no integration copy
    assert [(r.channel, r.user_id) for r in recipients] == [
        ("sms", "anna"),
        ("email", "anna"),
        ("email", "petra"),
    ]
    assert assigned_recipients(_incident(), people) == []  # nobody assigned: nobody told


def test_the_update_alert_goes_to_each_assigned_person_once_with_the_news_in_a_short_sms() -> None:
    # Given an incident whose Krisenleitung is Anna
    team = PLAYBOOK.team.as_users(OPENED)
    alerting = Alerting(
        playbook=PLAYBOOK, users=MemoryUsers(team), secrets=StaticSecrets(), public_url="https://kr.example"
    )
    incident = _incident(assignments={"Krisenleitung": "anna-schmidt"})
    [change] = _learn(incident, AT_OPENING, _window(_bucket(5, high_reach=1)))
    outbox = MemoryOutbox()

    def send() -> int:
        return enqueue_to_people(
            incident,
            UPDATE_EVENT,
            alert_id=change.ref(INCIDENT_ID),
            recipients=assigned_recipients(incident, team),
            news=change.message,
            alerting=alerting,
            outbox=outbox,
            now=NOW,
        )

    # When the update is enqueued twice (overlapping runs)
    assert send() == 2
    assert send() == 0

    # Then Anna has one SMS and one email, about the change, with her own link
    rows = sorted(outbox.rows.values(), key=lambda d: d.channel)
    assert [(d.channel, d.user_id, d.event_type) for d in rows] == [
        ("email", "anna-schmidt", "incident_updated"),
        ("sms", "anna-schmidt", "incident_updated"),
    ]
    email, sms = rows
    assert email.subject.startswith("[Krisenradar] SEV1 Lage verändert")
    assert "Neu: Bericht von Medium/Account mit großer Reichweite" in email.body
    assert "Situation changed" in email.body
    assert sms.body.startswith("KRISENRADAR SEV1: Lage verändert: Neu: Bericht von Medium/Account")
    assert gsm7_length(sms.body) is not None and gsm7_length(sms.body) <= 160
    assert re.search(rf"/#/i/{INCIDENT_ID}/[A-Za-z0-9_-]{{27}}$", sms.body)


def test_the_update_sms_stays_within_160_characters_with_the_news_and_a_long_link() -> None:
    team = PLAYBOOK.team.as_users(OPENED)
    incident = _incident(assignments={"Krisenleitung": "anna-schmidt"})
    changes = _learn(
        incident,
        AT_OPENING,
        _window(
            _bucket(5, high_reach=12),
            topics=("#rueckruf", "#spuelmeister3000kurzschlussbrandgefahr"),
            total=90,
        ),
    )
    for public_url in ("https://k.example", "https://krisenradar.mueller-hausgeraete.example/kommunikation"):
        alerting = Alerting(
            playbook=PLAYBOOK, users=MemoryUsers(team), secrets=StaticSecrets(), public_url=public_url
        )
        outbox = MemoryOutbox()
        for change in changes:
            enqueue_to_people(
                incident,
                UPDATE_EVENT,
                alert_id=change.ref(INCIDENT_ID),
                recipients=assigned_recipients(incident, team),
                news=change.message,
                alerting=alerting,
                outbox=outbox,
                now=NOW,
            )
        texts = [d.body for d in outbox.rows.values() if d.channel == "sms"]
        assert len(texts) == len(changes) == 3
        assert all((gsm7_length(t) or 999) <= 160 for t in texts), texts
