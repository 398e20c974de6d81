"""Review JSON in the shape of GET /incidents/{id}/review (issue 8 contract), for renderer and API tests.

The story: Müller Haushaltsgeräte GmbH, a product-recall storm about the dishwasher Spülmeister 3000
on Sunday 29 November 2026 (winter time: Berlin is UTC+1). Detected at 10:45 local time, resolved at
16:25, reviewed two days later.
"""

from __future__ import annotations

import copy
from typing import Any

INCIDENT_ID = "INC-20261129-A7F3C2"
TITLE = "Müller Haushaltsgeräte GmbH: Spülmeister 3000"

_CHECKLIST = [
    # id, role, due, done_by, done_at (UTC), minutes after the alert, on time, German text, English text
    ("team-einberufen", "krisenleitung", 5, "Anna Becker", "2026-11-29T09:48:12Z", 3.2, True,
     "Alarm in Krisenradar bestätigen, Krisenteam einberufen und ein Protokoll mit Uhrzeiten beginnen.",
     "Acknowledge the alert in Krisenradar, convene the crisis team and start a log with times."),
    ("gefahr-klaeren", "qualitaet", 10, "Jörg Weiß", "2026-11-29T09:54:00Z", 9.0, True,
     "Klären, ob Menschen gefährdet sein könnten. Wenn ja: SEV1, und die Geschäftsführung entscheidet sofort über eine Warnung.",
     "Establish whether people could be in danger. If so: SEV1, and the management board decides on a warning at once."),
    ("beitraege-sichern", "kommunikation", 10, "Lena Hoffmann", "2026-11-29T09:53:30Z", 8.5, True,
     "Die wichtigsten Beiträge mit Link, Uhrzeit und Screenshot sichern.",
     "Save the key posts with link, time and screenshot."),
    ("holding-statement", "kommunikation", 15, "Lena Hoffmann", "2026-11-29T10:07:00Z", 22.0, False,
     "Holding Statement von der Krisenleitung freigeben lassen und auf den eigenen Kanälen veröffentlichen.",
     "Have the crisis lead approve the holding statement and publish it on the brand's own channels."),
    ("werbung-pausieren", "kommunikation", 15, "Lena Hoffmann", "2026-11-29T09:58:00Z", 13.0, True,
     "Geplante Posts, Newsletter und Anzeigen pausieren, besonders für das betroffene Produkt.",
     "Pause scheduled posts, newsletters and ads, above all for the affected product."),
    ("hotline-verstaerken", "kundenservice", 20, "Mehmet Yılmaz", "2026-11-29T10:02:00Z", 17.0, True,
     "Hotline und Service-Postfach verstärken, Erfassungsbogen bereitstellen und das Holding Statement als Gesprächsleitfaden verteilen.",
     "Staff up the hotline and service inbox, provide an intake form and hand out the holding statement as the call script."),
    ("fehlerbild-eingrenzen", "qualitaet", 30, "Jörg Weiß", "2026-11-29T10:31:00Z", 46.0, False,
     "Betroffene Modelle, Serien und Zeiträume eingrenzen und die ersten Produkte zur Untersuchung anfordern.",
     "Narrow down affected models, series and periods and request the first products for examination."),
    ("meldepflicht-pruefen", "recht", 30, "Dr. Sabine Krüger", "2026-11-29T10:12:00Z", 27.0, True,
     "Meldepflichten gegenüber Behörden prüfen, Fristen ins Protokoll schreiben.",
     "Check reporting duties towards authorities and write the deadlines into the log."),
    ("fakten-festhalten", "krisenleitung", 45, "Anna Becker", "2026-11-29T10:25:00Z", 40.0, True,
     "Die ersten bestätigten Fakten festhalten, jeweils mit wer sie bestätigt hat.",
     "Record the first confirmed facts, each with who confirmed it."),
    ("entscheidung", "geschaeftsfuehrung", 60, None, None, None, False,
     "Lage mit der Geschäftsführung: über Warnung, Verkaufsstopp oder Rückruf entscheiden.",
     "Briefing with the management board: decide on a warning, a sales stop or a recall."),
]  # fmt: skip

_TIMELINE = [
    ("2026-11-29T09:45:00Z", "detected", "Krise erkannt: 20 Erwähnungen in 5 Minuten, sonst etwa 1; 71 % negativ, sonst etwa 12 %; Risikobegriffe: Rauch, Kurzschluss, Rückruf", None),
    ("2026-11-29T09:45:20Z", "delivery", "Alarm per SMS an Anna Becker (Krisenleitung) zugestellt", None),
    ("2026-11-29T09:48:12Z", "checklist", "Erledigt: Alarm bestätigen, Krisenteam einberufen", "Anna Becker"),
    ("2026-11-29T09:51:30Z", "acknowledged", "Bestätigt", "Anna Becker"),
    ("2026-11-29T09:53:00Z", "fact_added", "Fakt F1 erfasst: Betroffen sind nach bisherigem Stand Geräte der Serie SM3-24.", "Jörg Weiß"),
    ("2026-11-29T10:00:00Z", "severity_raised", "Schweregrad SEV2 -> SEV1: Berichte über Rauch aus der Bedienblende", None),
    ("2026-11-29T10:07:00Z", "statement_published", "Stellungnahme veröffentlicht: Holding Statement auf x", "Lena Hoffmann"),
    ("2026-11-29T10:20:00Z", "fact_verified", "Fakt F1 geprüft: Betroffen sind nach bisherigem Stand Geräte der Serie SM3-24.", "Anna Becker"),
    ("2026-11-29T11:30:00Z", "statement_published", "Stellungnahme veröffentlicht: Pressestatement auf website", "Dr. Jens Müller"),
    ("2026-11-29T13:10:00Z", "monitoring", "Beobachtung: Hotline meldet deutlich weniger Anrufe", "Anna Becker"),
    ("2026-11-29T15:25:00Z", "resolved", "Gelöst: Rückrufaktion läuft, Lage ruhig", "Anna Becker"),
    ("2026-12-01T08:15:00Z", "review_written", "Nachbereitung geschrieben", "Anna Becker"),
]  # fmt: skip


def incident_summary(**overrides: Any) -> dict[str, Any]:
    """The incident as an item of GET /incidents (api/schemas.py `incident_summary`)."""
    incident: dict[str, Any] = {
        "incident_id": INCIDENT_ID,
        "brand": "mueller",
        "topic": "Spülmeister 3000",
        "title": TITLE,
        "status": "reviewed",
        "severity": "SEV1",
        "brand_name": "Müller Haushaltsgeräte GmbH",
        "reasons": [
            "20 Erwähnungen in 5 Minuten, sonst etwa 1",
            "Risikobegriffe: Rauch, Kurzschluss, Rückruf",
        ],
        "reasons_en": [
            "20 mentions in 5 minutes, usually about 1",
            "Risk terms: smoke, short circuit, recall",
        ],
        "reason_details": [
            {"signal": "volume", "de": None, "en": None},
            {"signal": "risk_terms", "de": None, "en": None},
        ],
        "topics": ["Spülmeister 3000", "rueckrufaktion"],
        "signals": ["volume", "negative_surge", "risk_terms", "acceleration"],
        "opened_at": "2026-11-29T09:45:00Z",
        "updated_at": "2026-12-01T08:15:00Z",
        "detected_at": "2026-11-29T09:45:00Z",
        "first_signal_at": "2026-11-29T09:41:00Z",
        "acknowledged_at": "2026-11-29T09:51:30Z",
        "acknowledged_by": "anna-becker",
        "resolved_at": "2026-11-29T15:25:00Z",
        "resolved_by": "anna-becker",
        "version": 7,
        "drill_id": None,
        "timers": {"time_to_detect_s": 240.0, "time_to_acknowledge_s": 390.0, "time_to_resolve_s": 20400.0},
    }
    incident.update(overrides)
    return incident


def statement(**overrides: Any) -> dict[str, Any]:
    """A published holding statement on X whose feedback window is complete: the storm slowed."""
    published: dict[str, Any] = {
        "draft_id": "D-20261129-0001",
        "kind": "holding_statement",
        "channel": "x",
        "published_at": "2026-11-29T10:07:00Z",
        "published_by": "Lena Hoffmann",
        "url": "https://x.com/mueller_hg/status/1862290466010001",
        "text": (
            "Uns haben Berichte über Rauch an Geschirrspülern Spülmeister 3000 erreicht. Ihre Sicherheit "
            "geht vor: Bitte nutzen Sie betroffene Geräte vorerst nicht und melden Sie sich unter "
            "0800 123 45 67. Wir prüfen mit Vorrang."
        ),
        "feedback": {
            "minutes": 60,
            "before": {"volume": 84, "per_hour": 84.0, "negative_share": 0.71, "reach": 120000},
            "after": {"volume": 31, "per_hour": 31.0, "negative_share": 0.45, "reach": 40000},
            "complete": True,
            "slowed": True,
            "text_de": (
                "Nach der Stellungnahme: 31 statt 84 Erwähnungen pro Stunde, negativ 45 % statt 71 %. "
                "Der Sturm hat sich verlangsamt."
            ),
            "text_en": (
                "After the statement: 31 instead of 84 mentions per hour, negative 45 % instead of 71 %. "
                "The storm slowed."
            ),
        },
    }
    published.update(overrides)
    return published


def _press_statement() -> dict[str, Any]:
    return statement(
        draft_id="D-20261129-0004",
        kind="press_statement",
        channel="website",
        published_at="2026-11-29T11:30:00Z",
        published_by="Dr. Jens Müller",
        url="https://www.mueller-haushalt.de/presse/spuelmeister-3000",
        text=(
            "Müller Haushaltsgeräte ruft vorsorglich Geschirrspüler Spülmeister 3000 der Serie SM3-24 "
            "zurück. Bei einzelnen Geräten kann die Bedienblende überhitzen. Verletzt wurde nach unserem "
            "Kenntnisstand niemand."
        ),
        feedback={
            "minutes": 60,
            "before": {"volume": 52, "per_hour": 52.0, "negative_share": 0.58, "reach": 310000},
            "after": {"volume": 24, "per_hour": 24.0, "negative_share": 0.33, "reach": 95000},
            "complete": True,
            "slowed": True,
            "text_de": (
                "Nach der Stellungnahme: 24 statt 52 Erwähnungen pro Stunde, negativ 33 % statt 58 %. "
                "Der Sturm hat sich verlangsamt."
            ),
            "text_en": (
                "After the statement: 24 instead of 52 mentions per hour, negative 33 % instead of 58 %. "
                "The storm slowed."
            ),
        },
    )


def checklist() -> list[dict[str, Any]]:
    return [
        {
            "id": item_id,
            "text_de": text_de,
            "text_en": text_en,
            "role": role,
            "due_minutes": due,
            "done": done_by is not None,
            "done_by": done_by,
            "done_at": done_at,
            "minutes_after_alert": after,
            "on_time": on_time,
        }
        for item_id, role, due, done_by, done_at, after, on_time, text_de, text_en in _CHECKLIST
    ]


def timeline() -> list[dict[str, Any]]:
    return [
        {"at": at, "kind": kind, "message": message, "actor": actor} for at, kind, message, actor in _TIMELINE
    ]


def notes(**overrides: Any) -> dict[str, Any]:
    written: dict[str, Any] = {
        "summary": (
            "Am Sonntagvormittag berichteten Kundinnen und Kunden auf X und Instagram von Rauch aus der "
            "Bedienblende des Spülmeister 3000. Krisenradar schlug nach 4 Minuten an, das Team war nach "
            "6,5 Minuten bestätigt.\n\nDas Holding Statement kam 7 Minuten zu spät; danach flachte der "
            "Sturm deutlich ab. Die Geschäftsführung entschied am Mittag über den Rückruf der Serie SM3-24."
        ),
        "lessons": [
            "Das Holding Statement war vorbereitet, aber die Freigabe hing an der Krisenleitung.",
            "Die Hotline brauchte den Erfassungsbogen früher, besonders die Seriennummer.",
            "Die Qualitätssicherung braucht einen Bereitschaftsdienst am Wochenende.",
        ],
        "action_items": [
            {"text": "Freigabe für Holding Statements an die Stellvertretung delegieren", "owner": "Anna Becker",
             "due": "2026-12-15", "done": False},
            {"text": "Erfassungsbogen ins Ticketsystem übernehmen", "owner": "Mehmet Yılmaz",
             "due": "2026-12-10", "done": True},
            {"text": "Bereitschaftsplan Qualitätssicherung für Wochenenden", "owner": "Jörg Weiß",
             "due": "2027-01-15", "done": False},
        ],
        "written_by": "Anna Becker",
        "written_at": "2026-12-01T08:15:00Z",
        "updated_by": "Lena Hoffmann",
        "updated_at": "2026-12-01T09:02:00Z",
    }  # fmt: skip
    written.update(overrides)
    return written


def drill(**overrides: Any) -> dict[str, Any]:
    """The `drill` part of a review of an exercise: 2 of 3 targets met."""
    score: dict[str, Any] = {
        "met": 2,
        "total": 3,
        "targets": [
            {"name": "acknowledge", "label_de": "Bestätigt", "label_en": "Acknowledged",
             "target_minutes": 10, "actual_minutes": 6.5, "met": True},
            {"name": "first_response", "label_de": "Erste öffentliche Stellungnahme",
             "label_en": "First public statement", "target_minutes": 30, "actual_minutes": 22.0, "met": True},
            {"name": "resolve", "label_de": "Gelöst", "label_en": "Resolved",
             "target_minutes": 4320, "actual_minutes": None, "met": False},
        ],
        "checklist_on_time": 7,
        "checklist_total": 10,
        "text_de": "2 von 3 Zielen erreicht; 7 von 10 Checklistenpunkten rechtzeitig.",
        "text_en": "2 of 3 targets met; 7 of 10 checklist items on time.",
    }  # fmt: skip
    score.update(overrides)
    return {"drill_id": "UEB-20261129-B4D2E1", "score": score}


def sample_review(**overrides: Any) -> dict[str, Any]:
    """A complete review of the Spülmeister 3000 storm; `overrides` replace top-level keys."""
    review: dict[str, Any] = {
        "incident": incident_summary(),
        "drill": None,
        "figures": {
            "first_signal_at": "2026-11-29T09:41:00Z",
            "detected_at": "2026-11-29T09:45:00Z",
            "acknowledged_at": "2026-11-29T09:51:30Z",
            "first_response_at": "2026-11-29T10:07:00Z",
            "resolved_at": "2026-11-29T15:25:00Z",
            "time_to_detect_minutes": 4.0,
            "time_to_acknowledge_minutes": 6.5,
            "time_to_first_response_minutes": 22.0,
            "time_to_resolve_minutes": 340.0,
            "mentions": 312,
            "negative_share": 0.62,
            "reach": 1200000,
            "peak": {"start": "2026-11-29T10:00:00Z", "volume": 41},
        },
        "timeline": timeline(),
        "statements": [statement(), _press_statement()],
        "recovery": {
            "usual_negative_share": 0.12,
            "usual_upper": 0.25,
            "recovered_at": "2026-11-29T12:45:00Z",
            "minutes_after_detection": 180.0,
            "text_de": (
                "Die negative Stimmung war 3 Std. 0 Min. nach der Erkennung wieder im üblichen Bereich "
                "(höchstens 25 %)."
            ),
            "text_en": "Negative sentiment was back in its usual range (at most 25 %) 3 h 0 min after detection.",
        },
        "checklist": checklist(),
        "notes": notes(),
        "exists": True,
        "version": 7,
        "playbook": {
            "id": "produktmangel-rueckruf",
            "title_de": "Produktmangel oder Rückruf",
            "title_en": "Product defect or recall",
        },
        "generated_at": "2026-12-01T09:30:00Z",
    }
    review.update(copy.deepcopy(overrides))
    return review


def open_review(**overrides: Any) -> dict[str, Any]:
    """A review of a storm still running: nothing acknowledged, answered or written yet (nulls)."""
    review = sample_review(
        incident=incident_summary(
            status="open", acknowledged_at=None, acknowledged_by=None, resolved_at=None, resolved_by=None
        ),
        figures={
            "first_signal_at": "2026-11-29T09:41:00Z",
            "detected_at": "2026-11-29T09:45:00Z",
            "acknowledged_at": None,
            "first_response_at": None,
            "resolved_at": None,
            "time_to_detect_minutes": 4.0,
            "time_to_acknowledge_minutes": None,
            "time_to_first_response_minutes": None,
            "time_to_resolve_minutes": None,
            "mentions": 0,
            "negative_share": None,
            "reach": 0,
            "peak": None,
        },
        timeline=timeline()[:1],
        statements=[],
        recovery={
            "usual_negative_share": None,
            "usual_upper": None,
            "recovered_at": None,
            "minutes_after_detection": None,
            "text_de": "Die negative Stimmung ist noch nicht wieder im üblichen Bereich.",
            "text_en": "Negative sentiment is not back in its usual range yet.",
        },
        checklist=[],
        notes=None,
        exists=False,
        version=1,
        generated_at="2026-11-29T09:50:00Z",
    )
    review.update(copy.deepcopy(overrides))
    return review


def long_review() -> dict[str, Any]:
    """A long crisis: 100 timeline entries, 20 statements, 30 lessons and 50 action items."""
    entries = [
        {
            "at": f"2026-11-{29 + i // 96:02d}T{(i // 4) % 24:02d}:{(i % 4) * 15:02d}:00Z",
            "kind": "note",
            "message": f"Lagebericht {i + 1}: Hotline meldet {20 + i} Anrufe, Rückrufquote {i % 10 * 10} %.",
            "actor": "Anna Becker" if i % 2 else None,
        }
        for i in range(100)
    ]
    statements = [
        statement(
            draft_id=f"D-20261129-{n:04d}", published_at=f"2026-11-29T{10 + n // 4:02d}:{n % 4 * 15:02d}:00Z"
        )
        for n in range(20)
    ]
    lessons = [f"Erkenntnis {n + 1}: Freigaben am Wochenende brauchen eine Vertretung." for n in range(30)]
    actions = [
        {"text": f"Maßnahme {n + 1}: Übung mit der Qualitätssicherung planen", "owner": "Jörg Weiß",
         "due": f"2027-01-{n % 28 + 1:02d}", "done": n % 3 == 0}
        for n in range(50)
    ]  # fmt: skip
    return sample_review(
        timeline=entries, statements=statements, notes=notes(lessons=lessons, action_items=actions)
    )
