"""Issue 8 in the fake backend, in the shapes of the API contract: an incident's series and picture and
its review (JSON, Markdown, a small real PDF; notes written with PUT, checked as the API checks them).
Reports and drills: fake_reports.py."""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chalicelib.api.http import validation_details
from chalicelib.domain.crisis import CrisisPlaybook
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.models import Principal, Tick
from tests.browser import fake_storm
from tests.browser.fake_data import NOW, iso
from tests.browser.fake_documents import markdown, tiny_pdf
from tests.browser.fake_storm import STEP, moment

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class FileAnswer(NamedTuple):
    """A download: the bytes, their type, the file name the API sends in Content-Disposition, and any
    further headers (X-Next-Token for the next part of a long export)."""

    body: bytes
    content_type: str
    filename: str
    headers: dict[str, str] | None = None


class Unprocessable(InvalidInput):
    status = 422


class ReviewMissing(Conflict):
    code = "review_missing"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActionItemBody(Strict):
    text: Annotated[Text, StringConstraints(max_length=500)]
    owner: Annotated[Text, StringConstraints(max_length=120)]
    due: date
    done: bool = False


class ReviewBody(Strict):
    summary: str = Field(default="", max_length=5000)
    lessons: list[Annotated[Text, StringConstraints(max_length=1000)]] = Field(
        default_factory=list, max_length=30
    )
    action_items: list[ActionItemBody] = Field(default_factory=list, max_length=50)
    version: int | None = Field(default=None, ge=0)


def review_state() -> dict[str, Any]:
    return {"reviews": {}, "statements": {}, "drills": fake_storm.drills()}


def minutes_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((moment(end) - moment(start)).total_seconds() / 60, 1)


class ReviewRoutes:
    """Series, picture, review, reports and drills of FakeApi (a mixin over the fake's state)."""

    state: dict[str, Any]
    params: dict[str, str]
    lock: threading.Lock
    add_incident: Callable[[dict[str, Any]], None]
    find: Callable[[str], dict[str, Any]]
    playbook_in_use: Callable[[dict[str, Any]], tuple[CrisisPlaybook, bool]]
    record: Callable[[dict[str, Any], str, str, str], datetime]
    check_version: Callable[[dict[str, Any], int | None], None]

    def review_routes(self) -> list[tuple[str, str, str, Callable[..., tuple[int, Any]]]]:
        """(method, path pattern, least role, view)."""
        return [
            ("GET", r"/incidents/([\w-]+)/series", "viewer", self.get_series),
            ("GET", r"/incidents/([\w-]+)/picture", "viewer", self.get_picture),
            ("GET", r"/incidents/([\w-]+)/review", "viewer", self.get_review),
            ("PUT", r"/incidents/([\w-]+)/review", "responder", self.put_review),
        ]

    # ---- test set-up ----------------------------------------------------------------------------

    def add_storm(self) -> dict[str, Any]:
        """The Spülmeister 3000 storm of the day before: resolved, two statements published, no review yet."""
        found = fake_storm.storm_incident()
        self.add_incident(found)
        with self.lock:
            self.state["desk"][found["incident_id"]] = fake_storm.storm_desk()
            self.state["statements"][found["incident_id"]] = fake_storm.storm_statements()
        return found

    def add_drill_incident(self) -> dict[str, Any]:
        """The resolved incident of a finished drill, with the team's notes written."""
        found = fake_storm.drill_incident()
        self.add_incident(found)
        detected = moment(found["detected_at"])
        with self.lock:
            self.state["desk"][found["incident_id"]]["ticks"] = {
                "team-einberufen": Tick(done_by="Anna Schmidt", done_at=detected + timedelta(minutes=4)),
                "gefahr-klaeren": Tick(done_by="Tobias Hahn", done_at=detected + timedelta(minutes=14)),
            }
            self.state["reviews"][found["incident_id"]] = {
                "summary": "Übung Spülmeister 3000: Alarm kam an, Bestätigung nach 8 Minuten.",
                "lessons": ["Die Hotline-Vertretung stand nicht im Dienstplan."],
                "action_items": [
                    {
                        "text": "Dienstplan Hotline ergänzen",
                        "owner": "Jonas Weber",
                        "due": "2025-12-05",
                        "done": False,
                    }
                ],
                "written_by": "Anna Schmidt",
                "written_at": iso(NOW - timedelta(minutes=30)),
                "updated_by": "Anna Schmidt",
                "updated_at": iso(NOW - timedelta(minutes=30)),
            }
        return found

    def someone_writes_the_review(self, incident_id: str) -> None:
        """Another responder saves the review notes (as PUT /incidents/{id}/review would)."""
        with self.lock:
            found = self.find(incident_id)
            at = self.record(found, "review_written", "Nachbereitung geschrieben", "Anna Schmidt")
            self.state["reviews"][incident_id] = {
                "summary": "Rückruf-Gerüchte geklärt.",
                "lessons": [],
                "action_items": [],
                "written_by": "Anna Schmidt",
                "written_at": iso(at),
                "updated_by": "Anna Schmidt",
                "updated_at": iso(at),
            }

    # ---- series and picture ---------------------------------------------------------------------

    def statements_of(self, found: dict[str, Any]) -> list[dict[str, Any]]:
        """Canned statements plus the drafts published in the fake (public ones: no private messages)."""
        canned = copy.deepcopy(self.state["statements"].get(found["incident_id"], []))
        published = [
            {
                "draft_id": d.draft_id,
                "kind": d.kind,
                "channel": d.channel,
                "published_at": iso(d.published_at),
                "published_by": d.published_by,
                "url": d.published_url,
                "text": d.text[:280],
            }
            for d in self.state["drafts"].for_incident(found["incident_id"])
            if d.status == "published" and d.kind != "private_message"
        ]
        return sorted(canned + published, key=lambda s: s["published_at"])

    def with_feedback(self, found: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        statements = self.statements_of(found)
        points = fake_storm.five_minute_points(found, statements)
        for statement in statements:
            statement["feedback"] = fake_storm.feedback(points, statement["published_at"])
        return points, statements

    def get_series(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        resolution = self.params.get("resolution", "5m")
        if resolution not in ("5m", "1h"):
            raise InvalidInput(
                "the query is invalid",
                [{"field": "query.resolution", "message": "5m or 1h", "type": "literal_error"}],
            )
        found = self.find(incident_id)
        points, statements = self.with_feedback(found)
        shown = points if resolution == "5m" else fake_storm.hourly(points)
        return 200, {
            "incident_id": incident_id,
            "resolution": resolution,
            "since": shown[0]["start"],
            "until": found["resolved_at"] or iso(NOW),
            "points": shown,
            "usual_negative_share": dict(fake_storm.USUAL),
            "markers": fake_storm.markers(found),
            "statements": statements,
        }

    def get_picture(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        found = self.find(incident_id)
        if incident_id == fake_storm.STORM_ID:
            return 200, {"incident_id": incident_id, **fake_storm.storm_picture()}
        mentions = self.state["mentions"]
        authors = sorted(
            (
                {**m["author"], "mentions": 1, "reach": m["reach"]}
                for m in mentions
                if m["author"]["handle"] and m["sentiment"] != "positive"
            ),
            key=lambda a: -a["reach"],
        )
        terms = Counter(term for m in mentions for term in m["risk_terms"])
        tags = Counter(word.lower() for m in mentions for word in m["text"].split() if word.startswith("#"))
        langs = Counter(m["lang"] for m in mentions)
        return 200, {
            "incident_id": incident_id,
            "since": found["first_signal_at"],
            "until": found["resolved_at"] or iso(NOW),
            "mentions": len(mentions),
            "sampled": False,
            "top_authors": [a for a in authors if not a["is_media"]][:3],
            "top_media": [a for a in authors if a["is_media"]][:3],
            "risk_terms": [{"term": t, "count": c} for t, c in terms.most_common(5)],
            "hashtags": [{"tag": t, "count": c} for t, c in tags.most_common(5)],
            "languages": [
                {"lang": lang, "count": c, "share": round(c / len(mentions), 3)}
                for lang, c in langs.most_common()
            ],
        }

    # ---- review ---------------------------------------------------------------------------------

    def figures(
        self, found: dict[str, Any], points: list[dict[str, Any]], statements: list[dict[str, Any]]
    ) -> dict[str, Any]:
        first_response = statements[0]["published_at"] if statements else None
        during = [
            p for p in points if p["start"] >= iso(fake_storm.floor(moment(found["first_signal_at"]), STEP))
        ]
        volume = sum(p["volume"] for p in during)
        negative = sum(p["negative"] for p in during)
        peak = max(during, key=lambda p: p["volume"], default=None)
        return {
            "first_signal_at": found["first_signal_at"],
            "detected_at": found["detected_at"],
            "acknowledged_at": found["acknowledged_at"],
            "first_response_at": first_response,
            "resolved_at": found["resolved_at"],
            "time_to_detect_minutes": minutes_between(found["first_signal_at"], found["detected_at"]),
            "time_to_acknowledge_minutes": minutes_between(found["detected_at"], found["acknowledged_at"]),
            "time_to_first_response_minutes": minutes_between(found["detected_at"], first_response),
            "time_to_resolve_minutes": minutes_between(found["detected_at"], found["resolved_at"]),
            "mentions": volume,
            "negative_share": round(negative / volume, 3) if volume else None,
            "reach": sum(p["reach"] for p in during),
            "peak": {"start": peak["start"], "volume": peak["volume"]} if peak and peak["volume"] else None,
        }

    @staticmethod
    def recovery(found: dict[str, Any], points: list[dict[str, Any]]) -> dict[str, Any]:
        """When the negative share of the last hour was back in the usual range after the peak."""
        upper = fake_storm.USUAL["upper"]
        detected = moment(found["detected_at"])
        peak = max(points, key=lambda p: p["volume"])
        recovered = None
        for point in points:
            start = moment(point["start"])
            if start <= moment(peak["start"]):
                continue
            hour = fake_storm.window(points, start - timedelta(hours=1), start)
            if hour["negative_share"] is not None and hour["negative_share"] <= upper:
                recovered = start
                break
        if recovered is None:
            return {
                "usual_negative_share": fake_storm.USUAL["rate"],
                "usual_upper": upper,
                "recovered_at": None,
                "minutes_after_detection": None,
                "text_de": "Die negative Stimmung ist noch nicht wieder im üblichen Bereich (höchstens 25 %).",
                "text_en": "The negative mood is not back in the usual range yet (at most 25 %).",
            }
        minutes = round((recovered - detected).total_seconds() / 60, 1)
        hours, rest = divmod(int(minutes), 60)
        return {
            "usual_negative_share": fake_storm.USUAL["rate"],
            "usual_upper": upper,
            "recovered_at": iso(recovered),
            "minutes_after_detection": minutes,
            "text_de": f"Die negative Stimmung war {hours} Std. {rest} Min. nach der Erkennung wieder im "
            "üblichen Bereich (höchstens 25 %).",
            "text_en": f"The negative mood was back in the usual range (at most 25 %) {hours} h {rest} min "
            "after detection.",
        }

    def checklist_rows(self, found: dict[str, Any], playbook: CrisisPlaybook) -> list[dict[str, Any]]:
        ticks = self.state["desk"][found["incident_id"]]["ticks"]
        rows = []
        for item in playbook.first_hour:
            tick = ticks.get(item.id)
            after = minutes_between(found["detected_at"], iso(tick.done_at)) if tick else None
            rows.append(
                {
                    "id": item.id,
                    "text_de": item.text.de,
                    "text_en": item.text.en or item.text.de,
                    "role": item.role,
                    "due_minutes": item.due_minutes,
                    "done": tick is not None,
                    "done_by": tick.done_by if tick else None,
                    "done_at": iso(tick.done_at) if tick else None,
                    "minutes_after_alert": after,
                    "on_time": None if after is None else after <= item.due_minutes,
                }
            )
        return rows

    @staticmethod
    def drill_score(
        figures: dict[str, Any], rows: list[dict[str, Any]], playbook: CrisisPlaybook
    ) -> dict[str, Any]:
        targets = playbook.targets
        plan = [
            (
                "acknowledge",
                "Bestätigt",
                "Acknowledged",
                targets.acknowledge_minutes,
                "time_to_acknowledge_minutes",
            ),
            (
                "first_response",
                "Erste Reaktion",
                "First response",
                targets.first_response_minutes,
                "time_to_first_response_minutes",
            ),
            ("resolve", "Gelöst", "Resolved", targets.resolve_hours * 60, "time_to_resolve_minutes"),
        ]
        results = [
            {
                "name": name,
                "label_de": de,
                "label_en": en,
                "target_minutes": goal,
                "actual_minutes": figures[field],
                "met": figures[field] is not None and figures[field] <= goal,
            }
            for name, de, en, goal, field in plan
        ]
        met = sum(1 for r in results if r["met"])
        on_time = sum(1 for r in rows if r["on_time"])
        return {
            "met": met,
            "total": len(results),
            "targets": results,
            "checklist_on_time": on_time,
            "checklist_total": len(rows),
            "text_de": f"{met} von {len(results)} Zielen erreicht; {on_time} von {len(rows)} Checklistenpunkten rechtzeitig.",
            "text_en": f"{met} of {len(results)} targets met; {on_time} of {len(rows)} checklist items on time.",
        }

    def review_document(self, found: dict[str, Any]) -> dict[str, Any]:
        points, statements = self.with_feedback(found)
        playbook, _ = self.playbook_in_use(found)
        figures = self.figures(found, points, statements)
        rows = self.checklist_rows(found, playbook)
        notes = self.state["reviews"].get(found["incident_id"])
        drill = (
            {"drill_id": found["drill_id"], "score": self.drill_score(figures, rows, playbook)}
            if found.get("drill_id")
            else None
        )
        return copy.deepcopy(
            {
                "incident": found,
                "drill": drill,
                "figures": figures,
                "timeline": [
                    {k: e[k] for k in ("at", "kind", "message", "actor")}
                    for e in self.state["timelines"].get(found["incident_id"], [])
                ],
                "statements": statements,
                "recovery": self.recovery(found, points),
                "checklist": rows,
                "notes": notes,
                "exists": notes is not None,
                "version": found["version"],
                "playbook": {"id": playbook.id, "title_de": playbook.title.de, "title_en": playbook.title.en},
                "generated_at": iso(NOW),
            }
        )

    def get_review(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        document = self.review_document(self.find(incident_id))
        kind = self.params.get("format", "json")
        english = self.params.get("lang") == "en"
        if kind == "json":
            return 200, document
        if kind == "markdown":
            return 200, FileAnswer(
                markdown(document, english).encode(),
                "text/markdown; charset=utf-8",
                f"review-{incident_id}.md",
            )
        if kind == "pdf":
            lines = markdown(document, english).splitlines()
            return 200, FileAnswer(
                tiny_pdf([line.lstrip("# ") for line in lines if line][:50]),
                "application/pdf",
                f"review-{incident_id}.pdf",
            )
        raise InvalidInput(
            "the query is invalid",
            [{"field": "query.format", "message": "json, markdown or pdf", "type": "literal_error"}],
        )

    def put_review(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        try:
            review = ReviewBody.model_validate(body)
        except ValidationError as exc:
            raise Unprocessable("the body is invalid", validation_details(exc, "body.")) from exc
        found = self.find(incident_id)
        self.check_version(found, review.version)
        before = self.state["reviews"].get(incident_id)
        at = self.record(found, "review_written", "Nachbereitung geschrieben", principal.name)
        self.state["reviews"][incident_id] = {
            "summary": review.summary.strip(),
            "lessons": list(review.lessons),
            "action_items": [item.model_dump(mode="json") for item in review.action_items],
            "written_by": before["written_by"] if before else principal.name,
            "written_at": before["written_at"] if before else iso(at),
            "updated_by": principal.name,
            "updated_at": iso(at),
        }
        return 200, self.review_document(found)

    def review_exists(self, incident_id: str) -> None:
        """As domain.lifecycle.transition: `reviewed` needs the written review."""
        if incident_id not in self.state["reviews"]:
            raise ReviewMissing(
                "write the post-incident review first (PUT /incidents/{id}/review), then mark it reviewed",
                [
                    {
                        "field": "status",
                        "message": "the incident has no review yet",
                        "incident_id": incident_id,
                    }
                ],
            )
