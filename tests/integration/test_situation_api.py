"""Practices 6 and 7 through the real API: the incident's series against the detector's baseline,
its picture, the feedback on a published statement, the review (JSON, Markdown, PDF) with the
team's notes, `reviewed` only with a review, and the management reports with CSV exports."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.models import Role
from chalicelib.services.auth import create_key
from chalicelib.services.ingest import ingest
from tests.conftest import call
from tests.factories import raw_mention

pytestmark = pytest.mark.integration

CALM = (
    "Der Spülmeister 3000 spült sehr gründlich, bin zufrieden.",
    "Spülmeister 3000 ist leider etwas laut.",
)
_MONTHS = itertools.count()
QUIETER = "Danke für die schnelle und klare Info zum Spülmeister 3000, super Service!"


@pytest.fixture
def calm_week(container: Any) -> list[datetime]:
    """Eight days of calm mentions every two hours (half of them mildly negative) before the storm.
    The tests of a module share their tables: each one's story happens a month after the last."""
    container.clock.advance(days=30 * next(_MONTHS))
    start = container.clock() - timedelta(days=6)
    raws = [
        raw_mention(CALM[i % 2], at=start + timedelta(hours=2 * i), handle=f"@kunde_{i % 7}")
        for i in range(8 * 12 - 1)
    ]
    # The week runs on into the next two days (the storm comes after it): collected as it was written,
    # since a post dated ahead of the clock is not stored (issue 12).
    now, container.clock.now = container.clock(), raws[-1].published_at
    assert ingest(raws, enricher=container.enricher, mentions=container.mentions).stored == len(raws)
    container.clock.now = now
    return [raw.published_at for raw in raws]


def _publish_holding_statement(api: Any, keys: dict, container: Any, incident_id: str) -> dict[str, Any]:
    others = [
        create_key(
            name=name, role=Role.APPROVER, keys=container.api_keys, now=container.clock(), created_by="t"
        )[1]
        for name in ("Zweite Freigabe", "Dritte Freigabe")
    ]
    body = {"kind": "holding_statement", "channel": "website", "language": "de", "address": "Sie"}
    status, draft = call(api, "post", f"/incidents/{incident_id}/drafts", keys["responder"], body)
    assert status == 201, draft
    path = f"/drafts/{draft['draft_id']}"
    for key in others:
        status, body = call(api, "post", f"{path}/approve", key)
        assert status == 200, body
    status, published = call(
        api, "post", f"{path}/publish", keys["responder"], {"url": "https://mueller.example/stellungnahme"}
    )
    assert status == 200 and published["status"] == "published", published
    return published


@pytest.fixture
def storm_with_statement(
    container: Any, api: Any, keys: dict, calm_week: list[datetime], incident_id: str
) -> dict[str, Any]:
    """The storm incident; ten minutes after detection a holding statement is published, then the
    storm slows to six mentions in the following hour; the clock stops 75 minutes after publishing."""
    container.clock.advance(minutes=5)
    assert call(api, "post", f"/incidents/{incident_id}/acknowledge", keys["responder"])[0] == 200
    container.clock.advance(minutes=5)
    published = _publish_holding_statement(api, keys, container, incident_id)
    after = container.clock()
    quieter = [raw_mention(QUIETER, at=after + timedelta(minutes=8 * (i + 1))) for i in range(6)]
    container.clock.advance(minutes=75)  # collected after they were written
    ingest(quieter, enricher=container.enricher, mentions=container.mentions)
    return {"incident_id": incident_id, "draft": published, "calm": calm_week}


def test_the_series_shows_the_storm_against_the_baseline_with_the_statement_and_its_feedback(
    api: Any, keys: dict, storm_with_statement: dict[str, Any]
) -> None:
    incident_id = storm_with_statement["incident_id"]
    status, series = call(api, "get", f"/incidents/{incident_id}/series", keys["viewer"])
    assert status == 200, series
    points = series["points"]
    # a day before the first signal until now, every 5-minute bucket, empty ones included
    assert 24 * 12 + 18 <= len(points) <= 24 * 12 + 22
    assert [p["start"] for p in points] == sorted(p["start"] for p in points)
    storm = max(points, key=lambda p: p["volume"])
    assert storm["volume"] >= 15 and storm["negative_share"] >= 0.9
    assert storm["expected"] < 1.0  # the detector expected next to nothing from the calm week
    calm_expected = [p["expected"] for p in points[: 12 * 12]]
    assert 0.0 < max(calm_expected) < 1.0
    since = datetime.fromisoformat(series["since"])
    calm = sum(1 for at in storm_with_statement["calm"] if at >= since)
    assert 11 <= calm <= 13  # a day of calm before the first signal
    assert sum(p["volume"] for p in points) == calm + 30 + 6  # the calm day, the storm, the quieter hour
    usual = series["usual_negative_share"]
    assert usual is not None and 0.3 <= usual["rate"] <= 0.7 and usual["upper"] >= usual["rate"]
    assert {m["kind"] for m in series["markers"]} >= {"first_signal", "detected", "acknowledged"}

    [statement] = series["statements"]
    assert statement["draft_id"] == storm_with_statement["draft"]["draft_id"]
    assert (
        statement["kind"] == "holding_statement"
        and statement["url"] == "https://mueller.example/stellungnahme"
    )
    feedback = statement["feedback"]
    assert feedback["minutes"] == 60 and feedback["complete"] is True
    assert feedback["before"]["volume"] == 30 and feedback["after"]["volume"] == 6
    assert feedback["slowed"] is True
    assert feedback["text_de"] == (
        "Nach der Stellungnahme: 6 statt 30 Erwähnungen pro Stunde, negativ 0 % statt 100 %. "
        "Der Sturm hat sich verlangsamt."
    )

    hourly = call(api, "get", f"/incidents/{incident_id}/series?resolution=1h&minutes=30", keys["viewer"])[1]
    assert sum(p["volume"] for p in hourly["points"]) >= 36 + calm and len(hourly["points"]) in (26, 27)
    assert hourly["statements"][0]["feedback"]["minutes"] == 30
    status, body = call(api, "get", f"/incidents/{incident_id}/series?resolution=1d", keys["viewer"])
    assert status == 400 and body["error"]["details"][0]["field"] == "query.resolution"


def test_the_picture_names_loud_authors_terms_and_languages(
    api: Any, keys: dict, storm_with_statement: dict[str, Any]
) -> None:
    incident_id = storm_with_statement["incident_id"]
    status, picture = call(api, "get", f"/incidents/{incident_id}/picture", keys["viewer"])
    assert status == 200, picture
    assert picture["mentions"] == 36 and picture["sampled"] is False
    assert picture["top_authors"][0]["handle"] == "@kunde" and picture["top_authors"][0]["mentions"] == 36
    assert picture["top_media"] == []
    assert {t["term"] for t in picture["risk_terms"]} >= {"rauch", "gebrannt"} or picture["risk_terms"]
    assert picture["hashtags"][0] == {"tag": "#rueckruf", "count": 30}
    assert picture["languages"] == [{"lang": "de", "count": 36, "share": 1.0}]


def test_the_review_its_notes_and_reviewed_only_with_a_review(
    api: Any, keys: dict, storm_with_statement: dict[str, Any]
) -> None:
    incident_id = storm_with_statement["incident_id"]
    path = f"/incidents/{incident_id}/review"
    status, review = call(api, "get", path, keys["viewer"])
    assert status == 200, review
    figures = review["figures"]
    assert figures["time_to_detect_minutes"] is not None and figures["time_to_detect_minutes"] <= 10
    assert figures["time_to_acknowledge_minutes"] == 5.0
    assert figures["time_to_first_response_minutes"] == 10.0
    assert figures["time_to_resolve_minutes"] is None and figures["mentions"] == 36
    assert figures["peak"]["volume"] >= 15
    assert [s["draft_id"] for s in review["statements"]] == [storm_with_statement["draft"]["draft_id"]]
    assert review["recovery"]["recovered_at"] is not None
    assert review["recovery"]["text_de"].startswith("Die negative Stimmung war ")
    assert review["checklist"] and all(row["on_time"] is False for row in review["checklist"])
    assert review["exists"] is False and review["notes"] is None and review["drill"] is None
    assert review["playbook"]["id"] == "produktmangel-rueckruf"

    # reviewed needs a review; resolved first, then 409 until the notes are written
    assert call(api, "post", f"/incidents/{incident_id}/resolve", keys["responder"])[0] == 200
    status, body = call(
        api, "post", f"/incidents/{incident_id}/status", keys["responder"], {"status": "reviewed"}
    )
    assert status == 409 and body["error"]["code"] == "review_missing"

    bad = {"lessons": ["  "], "action_items": [{"text": "Hotline", "owner": "", "due": "morgen"}]}
    status, body = call(api, "put", path, keys["responder"], bad)
    assert status == 400
    assert {d["field"] for d in body["error"]["details"]} == {
        "body.lessons.0",
        "body.action_items.0.owner",
        "body.action_items.0.due",
    }
    assert call(api, "put", path, keys["viewer"], {"summary": "x"})[0] == 403

    notes = {
        "summary": "Rückruf-Sturm nach Brandmeldungen; Haltestatement nach 10 Minuten.",
        "lessons": ["Haltestatement früher freigeben", "Hotline-Nummer im Statement nennen"],
        "action_items": [{"text": "Hotline-Skript anpassen", "owner": "Kundenservice", "due": "2026-12-31"}],
        "version": review["version"] + 2,  # stale on purpose: 409
    }
    assert call(api, "put", path, keys["responder"], notes)[0] == 409
    notes.pop("version")
    status, written = call(api, "put", path, keys["responder"], notes)
    assert status == 200 and written["exists"] is True
    assert written["notes"]["lessons"] == notes["lessons"]
    assert written["notes"]["action_items"] == [{**notes["action_items"][0], "done": False}]
    assert written["notes"]["written_by"] == "responder tester"
    assert written["timeline"][-1]["kind"] == "review_written"
    again = call(api, "put", path, keys["responder"], notes)[1]
    assert again["version"] == written["version"]  # unchanged notes change nothing

    status, moved = call(
        api, "post", f"/incidents/{incident_id}/status", keys["responder"], {"status": "reviewed"}
    )
    assert status == 200 and moved["status"] == "reviewed"


def test_the_review_downloads_as_markdown_and_pdf(
    api: Any, keys: dict, storm_with_statement: dict[str, Any]
) -> None:
    incident_id = storm_with_statement["incident_id"]
    headers = {"Authorization": f"Bearer {keys['viewer']}"}
    markdown = api.http.get(f"/incidents/{incident_id}/review?format=markdown", headers=headers)
    assert markdown.status_code == 200
    assert markdown.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown.headers["Content-Disposition"] == f'attachment; filename="review-{incident_id}.md"'
    text = markdown.body.decode()
    assert (
        text.startswith("# Nachbereitung")
        and incident_id in text
        and "Haltestatement" in text
        or "Stellungnahme" in text
    )

    english = api.http.get(f"/incidents/{incident_id}/review?format=markdown&lang=en", headers=headers)
    assert english.body.decode().startswith("# Post-incident review")

    pdf = api.http.get(
        f"/incidents/{incident_id}/review?format=pdf", headers={**headers, "Accept": "application/pdf"}
    )
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF")
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(pdf.body)).pages) >= 1


def test_reports_count_real_incidents_only_and_export_csv(
    api: Any, keys: dict, container: Any, storm_with_statement: dict[str, Any]
) -> None:
    incident_id = storm_with_statement["incident_id"]
    real = container.incidents.get(incident_id)
    drill = real.model_copy(
        update={
            "incident_id": "INC-DRILL-1",
            "brand": "mueller~ueb-1",
            "drill_id": "UEB-1",
            "version": 0,
            "timeline": (),
        }
    )
    container.incidents.create(drill)

    status, summary = call(api, "get", "/reports/summary", keys["viewer"])
    assert status == 200, summary
    assert summary["incidents"] >= 1 and summary["drills_excluded"] == 1
    assert all(row["brand"] == "mueller" for row in summary["by_brand"])
    assert summary["median_minutes"]["first_response"] == 10.0
    assert summary["top_crisis_types"][0]["playbook_id"] == "produktmangel-rueckruf"
    bad = call(
        api, "get", "/reports/summary?since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z", keys["viewer"]
    )
    assert bad[0] == 400

    headers = {"Authorization": f"Bearer {keys['viewer']}"}
    response = api.http.get("/reports/incidents.csv", headers=headers)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeffVorfall;Marke;")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert incident_id in [row[0] for row in rows[1:]] and "INC-DRILL-1" not in text

    response = api.http.get("/reports/mentions.csv?brand=mueller", headers=headers)
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Veröffentlicht (Berlin)" and len(rows) - 1 >= 36
    assert {row[4] for row in rows[1:]} >= {"'@kunde"}  # no formula injection into Excel
    unknown = call(api, "get", "/reports/mentions.csv?brand=nobody", keys["viewer"])
    assert unknown[0] == 400 and unknown[1]["error"]["details"][0]["field"] == "query.brand"
