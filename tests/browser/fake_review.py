"""Issue 8 in the fake backend, in the shapes of the API contract: an incident's series and picture,
its review (JSON, Markdown, a small real PDF; notes written with PUT, checked as the API checks them),
reports (summary, incidents and mentions as CSV for Excel) and drills (list, start, stop)."""

from __future__ import annotations

import copy
import statistics
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chalicelib.api.http import validation_details
from chalicelib.domain.crisis import CrisisPlaybook
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.models import Principal, Tick
from tests.browser import fake_storm
from tests.browser.fake_data import NOW, PLAYBOOKS, iso
from tests.browser.fake_storm import STEP, moment

BOM = "\ufeff"
MENTION_ROWS = 3  # rows per part of the mentions export (the API: 10,000), then X-Next-Token
KNOWN_BRANDS = {"mueller": "Müller Haushaltsgeräte GmbH"}
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


class DrillStart(Strict):
    playbook: str = Field(min_length=1, max_length=60)
    brand: str = Field(min_length=1, max_length=40)
    speed: int = 60


class PeriodQuery(Strict):
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    brand: str | None = None
    next_token: str | None = None


def review_state() -> dict[str, Any]:
    return {"reviews": {}, "statements": {}, "drills": fake_storm.drills()}


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((moment(end) - moment(start)).total_seconds() / 60, 1)


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with Helvetica text lines: small, but a real PDF a viewer opens."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "".join(f"({escape(line)}) Tj T* " for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 56 780 Td {text}ET".encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


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
            ("GET", r"/reports/summary", "viewer", self.report_summary),
            ("GET", r"/reports/incidents\.csv", "viewer", self.incidents_csv),
            ("GET", r"/reports/mentions\.csv", "viewer", self.mentions_csv),
            ("GET", r"/drills", "viewer", self.list_drills),
            ("POST", r"/drills", "approver", self.start_drill),
            ("GET", r"/drills/(UEB-[\w-]+)", "viewer", self.get_drill),
            ("POST", r"/drills/(UEB-[\w-]+)/stop", "approver", self.stop_drill),
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
            "time_to_detect_minutes": _minutes(found["first_signal_at"], found["detected_at"]),
            "time_to_acknowledge_minutes": _minutes(found["detected_at"], found["acknowledged_at"]),
            "time_to_first_response_minutes": _minutes(found["detected_at"], first_response),
            "time_to_resolve_minutes": _minutes(found["detected_at"], found["resolved_at"]),
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
            after = _minutes(found["detected_at"], iso(tick.done_at)) if tick else None
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

    # ---- reports ---------------------------------------------------------------------------------

    def period(self, *, brand: bool = False) -> tuple[datetime, datetime, PeriodQuery]:
        try:
            query = PeriodQuery.model_validate(self.params)
        except ValidationError as exc:
            raise InvalidInput("the query is invalid", validation_details(exc, "query.")) from exc
        until = query.until or NOW
        since = query.since or until - timedelta(days=90)
        if since >= until:
            raise InvalidInput(
                "the query is invalid", [{"field": "query", "message": "since must be before until"}]
            )
        if brand and not query.brand:
            raise InvalidInput(
                "the query is invalid",
                [{"field": "query.brand", "message": "Field required", "type": "missing"}],
            )
        return since, until, query

    def in_period(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        return [i for i in self.state["incidents"] if since <= moment(i["opened_at"]) < until]

    def report_summary(self, principal: Principal, body: Any) -> tuple[int, Any]:
        since, until, _ = self.period()
        found = self.in_period(since, until)
        real = [i for i in found if not i.get("drill_id")]

        def median(values: list[float | None]) -> float | None:
            known = [v for v in values if v is not None]
            return round(statistics.median(known), 1) if known else None

        def first_response(incident: dict[str, Any]) -> float | None:
            statements = self.statements_of(incident)
            return _minutes(incident["detected_at"], statements[0]["published_at"]) if statements else None

        brands = Counter(i["brand"] for i in real)
        types = Counter(self.playbook_in_use(i)[0].id for i in real)
        return 200, {
            "since": iso(since),
            "until": iso(until),
            "incidents": len(real),
            "drills_excluded": len(found) - len(real),
            "truncated": False,
            "by_brand": [
                {"brand": b, "brand_name": KNOWN_BRANDS.get(b, b), "count": c}
                for b, c in brands.most_common()
            ],
            "by_severity": [
                {"severity": s, "count": c} for s, c in sorted(Counter(i["severity"] for i in real).items())
            ],
            "by_brand_severity": [
                {"brand": b, "severity": s, "count": c}
                for (b, s), c in sorted(Counter((i["brand"], i["severity"]) for i in real).items())
            ],
            "median_minutes": {
                "detect": median([_minutes(i["first_signal_at"], i["detected_at"]) for i in real]),
                "acknowledge": median([_minutes(i["detected_at"], i["acknowledged_at"]) for i in real]),
                "first_response": median([first_response(i) for i in real]),
                "resolve": median([_minutes(i["detected_at"], i["resolved_at"]) for i in real]),
            },
            "top_crisis_types": [
                {
                    "playbook_id": pid,
                    "title_de": PLAYBOOKS[pid].title.de,
                    "title_en": PLAYBOOKS[pid].title.en,
                    "count": c,
                }
                for pid, c in types.most_common(5)
            ],
        }

    @staticmethod
    def csv(rows: list[list[Any]], filename: str) -> FileAnswer:
        def cell(value: Any) -> str:
            text = "" if value is None else str(value)
            return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ';"\n') else text

        body = BOM + "".join(";".join(cell(v) for v in row) + "\r\n" for row in rows)
        return FileAnswer(body.encode("utf-8"), "text/csv; charset=utf-8", filename)

    def incidents_csv(self, principal: Principal, body: Any) -> tuple[int, Any]:
        since, until, _ = self.period()
        head = [
            "incident_id",
            "brand",
            "severity",
            "status",
            "title",
            "opened_at",
            "acknowledged_at",
            "resolved_at",
        ]
        rows = [[i[k] for k in head] for i in self.in_period(since, until) if not i.get("drill_id")]
        return 200, self.csv([head, *rows], f"incidents-{since:%Y%m%d}-{until:%Y%m%d}.csv")

    def mentions_csv(self, principal: Principal, body: Any) -> tuple[int, Any]:
        since, until, query = self.period(brand=True)
        brand = query.brand
        head = ["published_at", "platform", "author", "followers", "reach", "sentiment", "lang", "text"]
        rows = [
            [
                m["published_at"],
                m["platform"],
                m["author"]["handle"],
                m["author"]["followers"],
                m["reach"],
                m["sentiment"],
                m["lang"],
                m["text"],
            ]
            for m in self.state["mentions"]
            if m["brand"] == brand and since <= moment(m["published_at"]) < until
        ]
        start = int(query.next_token or 0)
        end = start + MENTION_ROWS
        answer = self.csv(
            [head, *rows[start:end]],
            f"mentions-{brand}-{since:%Y%m%d}-{until:%Y%m%d}-{start // MENTION_ROWS + 1}.csv",
        )
        more = {"X-Next-Token": str(end)} if end < len(rows) else None
        return 200, answer._replace(headers=more)

    # ---- drills ----------------------------------------------------------------------------------

    def drill(self, drill_id: str) -> dict[str, Any]:
        found = next((d for d in self.state["drills"] if d["drill_id"] == drill_id), None)
        if found is None:
            raise NotFound("no such drill", [{"drill_id": drill_id}])
        return found

    def list_drills(self, principal: Principal, body: Any) -> tuple[int, Any]:
        return 200, {"items": copy.deepcopy(self.state["drills"]), "next_token": None}

    def get_drill(self, principal: Principal, body: Any, drill_id: str) -> tuple[int, Any]:
        return 200, copy.deepcopy(self.drill(drill_id))

    def start_drill(self, principal: Principal, body: Any) -> tuple[int, Any]:
        try:
            request = DrillStart.model_validate(body)
        except ValidationError as exc:
            raise InvalidInput("the body is invalid", validation_details(exc, "body.")) from exc
        problems = []
        if request.playbook not in PLAYBOOKS:
            problems.append({"field": "body.playbook", "message": f"no crisis playbook {request.playbook!r}"})
        if request.brand not in KNOWN_BRANDS:
            problems.append({"field": "body.brand", "message": f"no brand {request.brand!r}"})
        if not 1 <= request.speed <= 600:
            problems.append({"field": "body.speed", "message": "speed must be between 1 and 600"})
        if problems:
            raise Unprocessable("the drill request is invalid", problems)
        if any(d["status"] == "running" and d["brand"] == request.brand for d in self.state["drills"]):
            raise Conflict("a drill is already running for this brand", [{"brand": request.brand}])
        drill_id = f"UEB-{NOW:%Y%m%d}-{0x6000 + len(self.state['drills']):06X}"
        started = NOW + timedelta(minutes=1)
        drill = {
            "drill_id": drill_id,
            "brand": request.brand,
            "brand_key": f"{request.brand}~{drill_id.lower()}",
            "playbook": request.playbook,
            "scenario": PLAYBOOKS[request.playbook].drill_scenario or "mueller_rueckruf",
            "speed": request.speed,
            "status": "running",
            "started_at": iso(started),
            "started_by": principal.name,
            "ends_at": iso(started + timedelta(hours=12)),
            "ended_at": None,
            "ended_by": None,
            "end_reason": None,
            "incident_id": None,
        }
        self.state["drills"].insert(0, drill)
        return 201, copy.deepcopy(drill)

    def stop_drill(self, principal: Principal, body: Any, drill_id: str) -> tuple[int, Any]:
        drill = self.drill(drill_id)
        if drill["status"] == "running":
            drill.update(
                status="ended",
                ended_at=iso(NOW + timedelta(minutes=2)),
                ended_by=principal.name,
                end_reason="stopped",
            )
        return 200, copy.deepcopy(drill)


def markdown(review: dict[str, Any], english: bool) -> str:
    """The review as the API's Markdown report would read (headings, figures, statements, notes)."""
    incident, figures, notes = review["incident"], review["figures"], review["notes"] or {}
    lines = [
        f"# {'Review' if english else 'Nachbereitung'}: {incident['title']}",
        "",
        f"{incident['brand_name']} · {incident['severity']} · {incident['incident_id']}",
        "",
        f"## {'Figures' if english else 'Zahlen'}",
        f"- {'Mentions' if english else 'Erwähnungen'}: {figures['mentions']}",
        f"- {'Time to detect' if english else 'Zeit bis Erkennung'}: {figures['time_to_detect_minutes']} min",
        f"- {'Time to acknowledge' if english else 'Zeit bis Bestätigung'}: {figures['time_to_acknowledge_minutes']} min",
        "",
        f"## {'Statements' if english else 'Stellungnahmen'}",
        *[
            f"- {s['published_at']}: {s['feedback']['text_en' if english else 'text_de']}"
            for s in review["statements"]
        ],
        "",
        f"## {'Summary' if english else 'Zusammenfassung'}",
        notes.get("summary") or "–",
        "",
        f"## {'Lessons' if english else 'Lehren'}",
        *[f"- {lesson}" for lesson in notes.get("lessons", [])],
    ]
    return "\n".join(lines) + "\n"
