"""Reports and drills in the fake backend, in the shapes of the API contract: the summary of a period
(drills not counted), incidents and mentions as CSV for Excel (a long mentions export in parts, with
X-Next-Token), and drills listed, started (checked as the API checks them) and stopped."""

from __future__ import annotations

import copy
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, Field, ValidationError

from chalicelib.api.http import validation_details
from chalicelib.domain.crisis import CrisisPlaybook
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.models import Principal
from tests.browser.fake_data import NOW, PLAYBOOKS, iso
from tests.browser.fake_review import FileAnswer, Strict, Unprocessable, minutes_between
from tests.browser.fake_storm import moment

BOM = "\ufeff"
MENTION_ROWS = 3  # rows per part of the mentions export (the API: 10,000), then X-Next-Token
KNOWN_BRANDS = {"mueller": "Müller Haushaltsgeräte GmbH"}


class DrillStart(Strict):
    playbook: str = Field(min_length=1, max_length=60)
    brand: str = Field(min_length=1, max_length=40)
    speed: int = 60


class PeriodQuery(Strict):
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    brand: str | None = None
    next_token: str | None = None


class ReportRoutes:
    """Reports and drills of FakeApi (a mixin over the fake's state)."""

    state: dict[str, Any]
    params: dict[str, str]
    playbook_in_use: Callable[[dict[str, Any]], tuple[CrisisPlaybook, bool]]
    statements_of: Callable[[dict[str, Any]], list[dict[str, Any]]]

    def report_routes(self) -> list[tuple[str, str, str, Callable[..., tuple[int, Any]]]]:
        """(method, path pattern, least role, view)."""
        return [
            ("GET", r"/reports/summary", "viewer", self.report_summary),
            ("GET", r"/reports/incidents\.csv", "viewer", self.incidents_csv),
            ("GET", r"/reports/mentions\.csv", "viewer", self.mentions_csv),
            ("GET", r"/drills", "viewer", self.list_drills),
            ("POST", r"/drills", "approver", self.start_drill),
            ("GET", r"/drills/(UEB-[\w-]+)", "viewer", self.get_drill),
            ("POST", r"/drills/(UEB-[\w-]+)/stop", "approver", self.stop_drill),
        ]

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
            return (
                minutes_between(incident["detected_at"], statements[0]["published_at"])
                if statements
                else None
            )

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
                "detect": median([minutes_between(i["first_signal_at"], i["detected_at"]) for i in real]),
                "acknowledge": median(
                    [minutes_between(i["detected_at"], i["acknowledged_at"]) for i in real]
                ),
                "first_response": median([first_response(i) for i in real]),
                "resolve": median([minutes_between(i["detected_at"], i["resolved_at"]) for i in real]),
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
