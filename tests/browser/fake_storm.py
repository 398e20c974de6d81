"""The fake backend's situational picture: the Spülmeister 3000 storm of Müller Haushaltsgeräte GmbH
(smoke and short circuits, "#Rückruf", a regional newspaper, English posts) as 5-minute buckets in the
shapes of GET /incidents/{id}/series and /picture, with the two statements the team published, and a
finished drill of the same scenario. Every other incident gets a short storm of its own, so that each
incident page can draw its chart. Deterministic: no randomness, the same numbers in every test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.models import Tick
from tests.browser.fake_data import NOW, STORM_REASONS, incident, iso

STEP = timedelta(minutes=5)
STORM_ID = "inc-storm"
DRILL_INCIDENT_ID = "inc-drill"
DRILL_ID = "UEB-20251126-4A2B3C"
# The storm, the day before NOW: 10:31 Berlin time the first signal, 10:35 detected.
FIRST_SIGNAL = datetime(2025, 11, 25, 9, 31, tzinfo=UTC)
DETECTED = FIRST_SIGNAL + timedelta(minutes=4)
ACKNOWLEDGED = DETECTED + timedelta(minutes=6, seconds=30)
HOLDING_AT = DETECTED + timedelta(minutes=22)
PRESS_AT = DETECTED + timedelta(minutes=110)
RESOLVED = DETECTED + timedelta(minutes=340)
NEWSPAPER_AT = datetime(2025, 11, 25, 10, 30, tzinfo=UTC)  # the regional newspaper's article
# Mentions per 5 minutes from the bucket of the first signal on (the Spülmeister storm; at 11:30 Berlin
# time the newspaper's article) ...
# fmt: off
SPUELMEISTER = [9, 41, 38, 33, 29, 24, 9, 6, 5, 4, 4, 3, 15, 11, 7, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1]
# fmt: on
# ... and a short one for every other incident.
SHORT = [6, 25, 18, 9, 5, 3, 2]
DAY = [1, 0, 2, 1, 1, 0, 1, 2, 1, 0, 1, 1]  # a calm day: about one mention in five minutes
NIGHT = [0, 0, 1, 0, 0, 0]
USUAL = {"rate": 0.12, "upper": 0.25}
MARKERS = {
    "first_signal": ("Erstes Signal", "First signal"),
    "detected": ("Erkannt", "Detected"),
    "acknowledged": ("Bestätigt", "Acknowledged"),
    "resolved": ("Gelöst", "Resolved"),
}
HOLDING_TEXT = (
    "Hinweise zu unserem Spülmeister 3000: Uns haben Berichte über Rauch erreicht, die wir sehr ernst "
    "nehmen. Bitte nutzen Sie das Gerät vorerst nicht. Wir prüfen mit Vorrang und melden uns bis 14 Uhr."
)
PRESS_TEXT = (
    "Müller Haushaltsgeräte prüft Berichte über Rauchentwicklung bei Geschirrspülern Spülmeister 3000 "
    "der Serie 3000-B. Betroffene Kundinnen und Kunden erreichen unsere Hotline unter 0800 123 456."
)


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def floor(moment: datetime, step: timedelta) -> datetime:
    seconds = int(step.total_seconds())
    return datetime.fromtimestamp(int(moment.timestamp()) // seconds * seconds, tz=UTC)


def storm_incident() -> dict[str, Any]:
    """The resolved SEV1 storm of the day before, with its real moments."""
    found = incident(
        STORM_ID,
        "Spülmeister 3000: Rauch und Kurzschlüsse, Rückruf gefordert",
        "SEV1",
        "resolved",
        0,
        topic="rueckruf",
        reasons=STORM_REASONS,
    )
    found.update(
        opened_at=iso(DETECTED),
        detected_at=iso(DETECTED),
        first_signal_at=iso(FIRST_SIGNAL),
        acknowledged_at=iso(ACKNOWLEDGED),
        acknowledged_by="Jonas Weber",
        resolved_at=iso(RESOLVED),
        resolved_by="Anna Schmidt",
        updated_at=iso(RESOLVED),
        version=14,
        timers={"time_to_detect_s": 240.0, "time_to_acknowledge_s": 390.0, "time_to_resolve_s": 20400.0},
    )
    return found


def drill_incident() -> dict[str, Any]:
    """The incident of a finished drill of the same scenario, three hours before NOW."""
    detected = NOW - timedelta(hours=3)
    found = incident(
        DRILL_INCIDENT_ID,
        "Spülmeister 3000: Rauchmeldungen (Übung)",
        "SEV1",
        "resolved",
        180,
        topic="rueckruf",
    )
    found.update(
        drill_id=DRILL_ID,
        first_signal_at=iso(detected - timedelta(minutes=3)),
        acknowledged_at=iso(detected + timedelta(minutes=8)),
        acknowledged_by="Jonas Weber",
        resolved_at=iso(detected + timedelta(minutes=95)),
        resolved_by="Anna Schmidt",
        timers={"time_to_detect_s": 180.0, "time_to_acknowledge_s": 480.0, "time_to_resolve_s": 5700.0},
    )
    return found


def storm_desk() -> dict[str, Any]:
    """The storm's desk: facts, roles and the checklist as the team ticked it (one item late)."""
    ticks = {
        "team-einberufen": Tick(done_by="Anna Schmidt", done_at=DETECTED + timedelta(minutes=3, seconds=12)),
        "gefahr-klaeren": Tick(done_by="Tobias Hahn", done_at=DETECTED + timedelta(minutes=9)),
        "beitraege-sichern": Tick(done_by="Jonas Weber", done_at=DETECTED + timedelta(minutes=8)),
        "holding-statement": Tick(done_by="Anna Schmidt", done_at=HOLDING_AT),
    }
    return {
        "facts": [],
        "assignments": {"Krisenleitung": "anna-schmidt"},
        "playbook_id": None,
        "ticks": ticks,
    }


def storm_statements() -> list[dict[str, Any]]:
    """The two public statements of the storm, as the API lists published drafts."""
    return [
        {
            "draft_id": "DRF-20251125-00000001",
            "kind": "holding_statement",
            "channel": "x",
            "published_at": iso(HOLDING_AT),
            "published_by": "Anna Schmidt",
            "url": "https://x.example/mueller_hausgeraete/status/1861",
            "text": HOLDING_TEXT,
        },
        {
            "draft_id": "DRF-20251125-00000002",
            "kind": "press_statement",
            "channel": "website",
            "published_at": iso(PRESS_AT),
            "published_by": "Dr. Petra Krause",
            "url": "https://mueller-hausgeraete.example/presse/spuelmeister-3000",
            "text": PRESS_TEXT,
        },
    ]


def _is_day(at: datetime) -> bool:
    return 6 <= at.hour < 21  # UTC: 7 to 22 o'clock in Berlin


def _negative_rate(found: dict[str, Any], at: datetime, statements: list[dict[str, Any]]) -> float:
    """How angry a storm bucket is: most before the first statement, less after it, calm again later."""
    first = moment(found["first_signal_at"])
    published = sorted(moment(s["published_at"]) for s in statements)
    if at < first:
        return 0.12
    if not published or at < published[0]:
        return 0.8
    if at < published[0] + timedelta(hours=1):
        return 0.55
    return 0.4 if at < published[0] + timedelta(hours=2, minutes=40) else 0.12


def five_minute_points(found: dict[str, Any], statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every 5-minute bucket from one day before the first signal to the end (resolved, or NOW)."""
    first = moment(found["first_signal_at"])
    until = moment(found["resolved_at"]) if found["resolved_at"] else NOW
    curve = SPUELMEISTER if found["incident_id"] == STORM_ID else SHORT
    storm_start = floor(first, STEP)
    points = []
    bucket = floor(first - timedelta(days=1), STEP)
    index = 0
    while bucket < until:
        calm = DAY[index % len(DAY)] if _is_day(bucket) else NIGHT[index % len(NIGHT)]
        offset = int((bucket - storm_start) / STEP)
        storm = curve[offset] if 0 <= offset < len(curve) else 0
        volume = calm + storm
        rate = _negative_rate(found, bucket, statements) if storm else 0.12
        negative = round(storm * rate) + (1 if calm and index % 8 == 3 else 0)
        press = 180_000 if found["incident_id"] == STORM_ID and bucket == NEWSPAPER_AT else 0
        points.append(
            {
                "start": iso(bucket),
                "volume": volume,
                "negative": negative,
                "negative_share": round(negative / volume, 3) if volume else None,
                "expected": 1.0 if _is_day(bucket) else 0.2,
                "reach": volume * 2_400 + storm * 1_600 + press,
            }
        )
        bucket += STEP
        index += 1
    return points


def hourly(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 5-minute buckets summed per hour."""
    hours: dict[str, dict[str, Any]] = {}
    for point in points:
        start = iso(floor(moment(point["start"]), timedelta(hours=1)))
        into = hours.setdefault(
            start,
            {"start": start, "volume": 0, "negative": 0, "expected": 0.0, "reach": 0},
        )
        into["volume"] += point["volume"]
        into["negative"] += point["negative"]
        into["expected"] = round(into["expected"] + point["expected"], 2)
        into["reach"] += point["reach"]
    for into in hours.values():
        into["negative_share"] = round(into["negative"] / into["volume"], 3) if into["volume"] else None
    return list(hours.values())


def markers(found: dict[str, Any]) -> list[dict[str, Any]]:
    moments = {
        "first_signal": found["first_signal_at"],
        "detected": found["detected_at"],
        "acknowledged": found["acknowledged_at"],
        "resolved": found["resolved_at"],
    }
    return [
        {"at": at, "kind": kind, "label_de": MARKERS[kind][0], "label_en": MARKERS[kind][1]}
        for kind, at in moments.items()
        if at is not None
    ]


def window(points: list[dict[str, Any]], start: datetime, end: datetime) -> dict[str, Any]:
    inside = [p for p in points if start <= moment(p["start"]) < end]
    volume = sum(p["volume"] for p in inside)
    negative = sum(p["negative"] for p in inside)
    hours = (end - start).total_seconds() / 3600
    return {
        "volume": volume,
        "per_hour": round(volume / hours, 1),
        "negative_share": round(negative / volume, 3) if volume else None,
        "reach": sum(p["reach"] for p in inside),
    }


def feedback(points: list[dict[str, Any]], published_at: str, minutes: int = 60) -> dict[str, Any]:
    """The hour before against the hour after a statement, with the plain sentences."""
    at = floor(moment(published_at), STEP)
    span = timedelta(minutes=minutes)
    before = window(points, at - span, at)
    after = window(points, at, at + span)
    complete = moment(published_at) + span <= NOW
    slowed = None if before["volume"] < 3 else after["per_hour"] < 0.8 * before["per_hour"]
    de = f"{_n(after['per_hour'])} statt {_n(before['per_hour'])} Erwähnungen pro Stunde"
    en = f"{_n(after['per_hour'])} instead of {_n(before['per_hour'])} mentions per hour"
    if before["negative_share"] is not None and after["negative_share"] is not None:
        de += f", negativ {_pct(after['negative_share'])} statt {_pct(before['negative_share'])}"
        en += f", negative {_pct(after['negative_share'])} instead of {_pct(before['negative_share'])}"
    lead_de, lead_en = ("Nach der Stellungnahme", "After the statement") if complete else ("Bisher", "So far")
    verdict_de, verdict_en = {
        True: (" Der Sturm hat sich verlangsamt.", " The storm slowed."),
        False: (" Der Sturm hat sich nicht verlangsamt.", " The storm did not slow."),
        None: ("", ""),
    }[slowed]
    return {
        "minutes": minutes,
        "before": before,
        "after": after,
        "complete": complete,
        "slowed": slowed,
        "text_de": f"{lead_de}: {de}.{verdict_de}",
        "text_en": f"{lead_en}: {en}.{verdict_en}",
    }


def _n(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def storm_picture() -> dict[str, Any]:
    """Who talked about the Spülmeister storm, and what about."""

    def voice(handle: str, followers: int, mentions: int, *, media: bool = False) -> dict[str, Any]:
        return {
            "handle": handle,
            "followers": followers,
            "is_media": media,
            "mentions": mentions,
            "reach": followers * mentions,
        }

    return {
        "since": iso(FIRST_SIGNAL),
        "until": iso(RESOLVED),
        "mentions": 312,
        "sampled": False,
        "top_authors": [
            voice("@kuechenprofi_jana", 48_000, 3),
            voice("@techtalk_markus", 120_000, 1),
            voice("@mama_von_drei", 9_800, 4),
        ],
        "top_media": [
            voice("@rheinpfalz_news", 180_000, 2, media=True),
            voice("@verbrauchertipp_tv", 95_000, 1, media=True),
        ],
        "risk_terms": [
            {"term": "Rauch", "count": 41},
            {"term": "Rückruf", "count": 35},
            {"term": "Kurzschluss", "count": 23},
            {"term": "Brand", "count": 17},
            {"term": "gefährlich", "count": 12},
        ],
        "hashtags": [
            {"tag": "#rückruf", "count": 35},
            {"tag": "#spülmeister", "count": 22},
            {"tag": "#müllerhausgeräte", "count": 9},
        ],
        "languages": [
            {"lang": "de", "count": 280, "share": 0.897},
            {"lang": "en", "count": 32, "share": 0.103},
        ],
    }


def drills() -> list[dict[str, Any]]:
    """The drills so far, newest first: the finished Spülmeister drill and an older one stopped by hand."""
    started = moment(drill_incident()["first_signal_at"]) - timedelta(minutes=5)
    return [
        {
            "drill_id": DRILL_ID,
            "brand": "mueller",
            "brand_key": f"mueller~{DRILL_ID.lower()}",
            "playbook": "produktmangel-rueckruf",
            "scenario": "mueller_rueckruf",
            "speed": 60,
            "status": "ended",
            "started_at": iso(started),
            "started_by": "Dr. Petra Krause",
            "ends_at": iso(started + timedelta(hours=12)),
            "ended_at": drill_incident()["resolved_at"],
            "ended_by": None,
            "end_reason": "incident_resolved",
            "incident_id": DRILL_INCIDENT_ID,
        },
        {
            "drill_id": "UEB-20251112-7F3A01",
            "brand": "mueller",
            "brand_key": "mueller~ueb-20251112-7f3a01",
            "playbook": "stoerung-lieferproblem",
            "scenario": "mueller_rueckruf",
            "speed": 120,
            "status": "ended",
            "started_at": "2025-11-12T08:00:00+00:00",
            "started_by": "Anna Schmidt",
            "ends_at": "2025-11-12T20:00:00+00:00",
            "ended_at": "2025-11-12T08:20:00+00:00",
            "ended_by": "Anna Schmidt",
            "end_reason": "stopped",
            "incident_id": None,
        },
    ]
