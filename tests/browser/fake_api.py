"""A fake Krisenradar backend for browser tests: the real files from chalicelib/web/ plus API answers in
the shapes of chalicelib/api/schemas.py (canned data: fake_data.py), with enough state for the response
desk: the lifecycle (the real TRANSITIONS), notes, facts, crisis roles, the playbook checklist (the real
playbook view), the team (the real people service), the escalation chain (the real escalation service), who is signed in
(GET /me), reply drafts (fake_drafts.py: the real templates, checks,
recommendation and four-eyes review, served with the real draft views) and alert links (the real signed
tokens, accepted where the real routes accept them). Request bodies are checked with the real models."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ValidationError

from chalicelib.api import schemas
from chalicelib.api.http import validation_details
from chalicelib.api.playbooks import playbook_summary
from chalicelib.domain.crisis import CrisisPlaybook
from chalicelib.domain.errors import AppError, Conflict, InvalidInput, NotFound, Unauthorized
from chalicelib.domain.lifecycle import LABELS, TRANSITIONS
from chalicelib.domain.links import sign_link
from chalicelib.domain.models import CRISIS_ROLES, IncidentStatus, Principal, Role, Tick, User
from chalicelib.domain.playbook import EscalationStep
from chalicelib.services import auth, escalation, people
from chalicelib.services.incidents import PlaybookInUse
from tests.browser.fake_data import (
    AUTO_PLAYBOOK,
    FALLBACK_PLAYBOOK,
    NOW,
    PLAYBOOKS,
    TEAM,
    incident,
    initial_state,
    iso,
)
from tests.browser.fake_drafts import DraftRoutes
from tests.browser.fake_reports import ReportRoutes
from tests.browser.fake_review import FileAnswer, ReviewRoutes, review_state
from tests.fakes import StaticSecrets

__all__ = ["NOW", "FakeApi", "incident"]

WEB = Path(__file__).resolve().parents[2] / "chalicelib" / "web"
ASSET = re.compile(r"^/ui/([a-z0-9][a-z0-9_.-]{0,80}\.(js|css|svg|json))$")
VENDORED = {"uPlot.iife.min.js": "js", "uPlot.min.css": "css"}  # as chalicelib/api/meta.py
CONTENT_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
}
# Shared keys act with a fixed name and role; personal keys (user id) with the person's current role.
KEYS: dict[str, tuple[str, Role] | str] = {
    "responder-key": ("Rita Responder", Role.RESPONDER),
    "viewer-key": ("Viktor Viewer", Role.VIEWER),
    "jonas-key": "jonas-weber",
    "admin-key": "anna-schmidt",
    "petra-key": "petra-krause",
}
MENTIONS_PAGE = 2
SECRETS = StaticSecrets()
LINK_TTL = timedelta(minutes=60)


def alert_link(incident_id: str, user_id: str, *, expires_at: datetime | None = None) -> str:
    """The token of an alert's link, signed as the real alerts sign it (valid 60 minutes from NOW)."""
    return sign_link(
        SECRETS.link_secret(),
        incident_id=incident_id,
        user_id=user_id,
        expires_at=expires_at or NOW + LINK_TTL,
    )


def parse_body(model: type[BaseModel], body: Any, *, required: bool = True) -> Any:
    """As the API's parse_json_body: a missing body, and field-level details for a wrong one."""
    if body is None:
        if required:
            raise InvalidInput("a JSON body is required", [{"field": "body", "message": "missing"}])
        return model()
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput("the body is invalid", validation_details(exc, "body.")) from exc


def error(
    status: int, code: str, message: str, details: list[Any] | None = None
) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"code": code, "message": message, "details": details or []}}


class FakeApi(DraftRoutes, ReviewRoutes, ReportRoutes):
    parse = staticmethod(parse_body)

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state = {**initial_state(), **review_state()}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.clock = 0
        self.params: dict[str, str] = {}
        # The routes that also accept an alert's link (chalicelib/api/incidents.py, link=True).
        self.link_routes = {
            ("GET", re.compile(r"/incidents/([\w-]+)")),
            ("POST", re.compile(r"/incidents/([\w-]+)/acknowledge")),
            ("GET", re.compile(r"/incidents/([\w-]+)/series")),
            ("GET", re.compile(r"/incidents/([\w-]+)/picture")),
        }
        self.routes: list[tuple[str, re.Pattern[str], Role, Callable[..., tuple[int, Any]]]] = [
            (
                "POST",
                re.compile(r"/incidents/([\w-]+)/(acknowledge|resolve)"),
                Role.RESPONDER,
                self.old_route,
            ),
            ("POST", re.compile(r"/incidents/([\w-]+)/status"), Role.RESPONDER, self.change_status),
            ("POST", re.compile(r"/incidents/([\w-]+)/notes"), Role.RESPONDER, self.add_note),
            ("POST", re.compile(r"/incidents/([\w-]+)/facts"), Role.RESPONDER, self.add_fact),
            (
                "POST",
                re.compile(r"/incidents/([\w-]+)/facts/(F\d+)/verify"),
                Role.RESPONDER,
                self.verify_fact,
            ),
            ("PUT", re.compile(r"/incidents/([\w-]+)/roles"), Role.RESPONDER, self.assign_roles),
            ("PUT", re.compile(r"/incidents/([\w-]+)/playbook"), Role.RESPONDER, self.choose_playbook),
            ("POST", re.compile(r"/incidents/([\w-]+)/checklist/([\w-]+)"), Role.RESPONDER, self.tick),
            ("GET", re.compile(r"/incidents/([\w-]+)"), Role.VIEWER, self.get_incident),
            ("POST", re.compile(r"/incidents/([\w-]+)/drafts"), Role.RESPONDER, self.create_draft),
            ("GET", re.compile(r"/incidents/([\w-]+)/drafts"), Role.VIEWER, self.list_drafts),
            ("GET", re.compile(r"/drafts/([\w-]+)"), Role.VIEWER, self.get_draft),
            ("PUT", re.compile(r"/drafts/([\w-]+)"), Role.RESPONDER, self.edit_draft),
            ("POST", re.compile(r"/drafts/([\w-]+)/approve"), Role.APPROVER, self.approve_draft),
            ("POST", re.compile(r"/drafts/([\w-]+)/reject"), Role.APPROVER, self.reject_draft),
            ("POST", re.compile(r"/drafts/([\w-]+)/publish"), Role.RESPONDER, self.publish_draft),
            ("GET", re.compile(r"/users"), Role.VIEWER, self.list_users),
            ("PUT", re.compile(r"/users/([\w-]+)"), Role.VIEWER, self.update_user),
            ("GET", re.compile(r"/playbooks"), Role.VIEWER, self.list_playbooks),
            ("GET", re.compile(r"/escalation"), Role.VIEWER, self.get_escalation),
            ("PUT", re.compile(r"/escalation"), Role.ADMIN, self.put_escalation),
            ("GET", re.compile(r"/me"), Role.VIEWER, self.who_am_i),
            *[
                (method, re.compile(pattern), Role[role.upper()], view)
                for method, pattern, role, view in [*self.review_routes(), *self.report_routes()]
            ],
        ]

    def start(self) -> FakeApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.state = {**initial_state(), **review_state()}

    def add_incident(self, item: dict[str, Any]) -> None:
        with self.lock:
            self.state["incidents"].insert(0, item)
            self.state["desk"][item["incident_id"]] = {
                "facts": [],
                "assignments": {},
                "playbook_id": None,
                "ticks": {},
            }

    def revoke(self, key: str) -> None:
        with self.lock:
            self.state["revoked"].add(key)

    def someone_else_writes(self, incident_id: str, text: str = "Pressestelle ruft zurück") -> None:
        """Another responder saves a status update: the incident's version moves on."""
        with self.lock:
            found = self.find(incident_id)
            self.record(found, "note", text, "Anna Schmidt")

    def user(self, user_id: str) -> User:
        return self.state["users"].get(user_id)

    # ---- routes -------------------------------------------------------------------------------

    def principal(self, key: str) -> Principal | None:
        known = KEYS.get(key)
        if known is None or key in self.state["revoked"]:
            return None
        if isinstance(known, str):
            person = self.user(known)
            return Principal(key_id=key, name=person.name, role=person.role, user_id=person.user_id)
        return Principal(key_id=key, name=known[0], role=known[1])

    def link_principal(self, method: str, path: str, token: str) -> Principal | None:
        """As api/http.py: a link only on the routes that accept one, for the incident it names."""
        for route_method, pattern in self.link_routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                return auth.authenticate_link(
                    token,
                    incident_id=match.group(1),
                    users=self.state["users"],
                    secrets=SECRETS,
                    now=NOW,
                )
        return None

    def handle(
        self, method: str, path: str, params: dict[str, str], auth_header: str, body: Any
    ) -> tuple[int, Any]:
        scheme, _, token = auth_header.partition(" ")
        try:
            if scheme.lower() == "link":
                principal = self.link_principal(method, path, token.strip())
                self.state["link_requests"].append((method, path))
            else:
                principal = self.principal(auth_header.removeprefix("Bearer ").strip())
        except Unauthorized as exc:
            return error(401, exc.code, exc.message, exc.details)
        if principal is None:
            return error(401, "unauthorized", "invalid or missing API key")
        self.params = params
        self.state["queries"].append((method, path, params))
        if method == "GET" and path == "/incidents":
            return self.list_incidents(params)
        if method == "GET" and path == "/alerts":
            items = [a for a in self.state["alerts"] if params.get("incident_id") in (None, a["incident_id"])]
            return 200, {"items": items, "next_token": None}
        if method == "GET" and path == "/mentions":
            return self.list_mentions(params)
        for route_method, pattern, role, view in self.routes:
            match = pattern.fullmatch(path)
            if match is None or route_method != method:
                continue
            try:
                auth.require(principal, role)
                if method != "GET":
                    self.state["writes"].append((method, path, body))
                return view(principal, body, *match.groups())
            except AppError as exc:
                return error(exc.status, exc.code, exc.message, exc.details)
        return error(404, "not_found", "no such route")

    def find(self, incident_id: str) -> dict[str, Any]:
        found = next((i for i in self.state["incidents"] if i["incident_id"] == incident_id), None)
        if found is None:
            raise NotFound("incident not found", [{"incident_id": incident_id}])
        return found

    def list_incidents(self, params: dict[str, str]) -> tuple[int, Any]:
        items = [
            i
            for i in self.state["incidents"]
            if params.get("status") in (None, i["status"]) and params.get("severity") in (None, i["severity"])
        ]
        return 200, {"items": items[: int(params.get("limit", "25"))], "next_token": None}

    def list_mentions(self, params: dict[str, str]) -> tuple[int, Any]:
        if not params.get("brand"):
            return error(
                400,
                "invalid_input",
                "the query is invalid",
                [{"field": "query.brand", "message": "required"}],
            )
        start = int(params.get("next_token") or 0)
        end = start + min(MENTIONS_PAGE, int(params.get("limit", "50")))
        items = self.state["mentions"]
        return 200, {"items": items[start:end], "next_token": str(end) if end < len(items) else None}

    def playbook_in_use(self, found: dict[str, Any]) -> tuple[CrisisPlaybook, bool]:
        chosen = self.state["desk"][found["incident_id"]]["playbook_id"]
        if chosen:
            return PLAYBOOKS[chosen], True
        return PLAYBOOKS[AUTO_PLAYBOOK.get(found["topic"], FALLBACK_PLAYBOOK)], False

    def detail(self, found: dict[str, Any]) -> dict[str, Any]:
        desk = self.state["desk"][found["incident_id"]]
        playbook, manual = self.playbook_in_use(found)
        # The real view of playbook and checklist; it reads only these two fields of the incident.
        ticked = SimpleNamespace(
            detected_at=datetime.fromisoformat(found["detected_at"]), checklist=desk["ticks"]
        )
        return copy.deepcopy(
            {
                **found,
                "timeline": self.state["timelines"].get(found["incident_id"], []),
                "top_mentions": self.state["mentions"][:2],
                "facts": desk["facts"],
                "assignments": desk["assignments"],
                **schemas.playbook_view(ticked, PlaybookInUse(playbook, manual)),
            }
        )

    def get_incident(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        return 200, self.detail(self.find(incident_id))

    def record(self, found: dict[str, Any], kind: str, message: str, actor: str) -> datetime:
        """A change saved: a timeline entry, a new version, as the repositories do on save."""
        at = NOW + timedelta(minutes=1)
        self.state["timelines"].setdefault(found["incident_id"], []).append(
            {"at": iso(at), "kind": kind, "message": message, "actor": actor, "severity": None}
        )
        found.update(updated_at=iso(at), version=found["version"] + 1)
        return at

    @staticmethod
    def check_version(found: dict[str, Any], expected: int | None) -> None:
        if expected is not None and expected != found["version"]:
            raise Conflict(
                "the incident changed since you loaded it; reload and try again",
                [{"incident_id": found["incident_id"], "version": found["version"], "expected": expected}],
            )

    # ---- lifecycle ----------------------------------------------------------------------------

    def old_route(self, principal: Principal, body: Any, incident_id: str, action: str) -> tuple[int, Any]:
        note = parse_body(schemas.NoteBody, body, required=False)
        to = IncidentStatus.ACKNOWLEDGED if action == "acknowledge" else IncidentStatus.RESOLVED
        self.state["posts"].append((incident_id, action, note.note))
        return self.transition(self.find(incident_id), to, principal, note.note, note.version)

    def change_status(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        change = parse_body(schemas.StatusChange, body)
        self.state["posts"].append((incident_id, change.status.value, change.note))
        return self.transition(self.find(incident_id), change.status, principal, change.note, change.version)

    def transition(
        self,
        found: dict[str, Any],
        to: IncidentStatus,
        principal: Principal,
        note: str | None,
        version: int | None,
    ) -> tuple[int, Any]:
        """services.incidents.change_status and domain.lifecycle.transition over the fake's dicts."""
        self.check_version(found, version)
        status = IncidentStatus(found["status"])
        already = {
            IncidentStatus.ACKNOWLEDGED: found["acknowledged_at"] is not None and status.active,
            IncidentStatus.RESOLVED: status in (IncidentStatus.RESOLVED, IncidentStatus.REVIEWED),
        }
        if already.get(to, status is to):
            return 200, copy.deepcopy(found)
        if to not in TRANSITIONS[status]:
            raise Conflict(
                f"an incident that is {status.value} cannot become {to.value}",
                [
                    {
                        "status": status.value,
                        "requested": to.value,
                        "allowed": sorted(s.value for s in TRANSITIONS[status]),
                    }
                ],
            )
        if to is IncidentStatus.REVIEWED:
            self.review_exists(found["incident_id"])
        reopened = not status.active and to.active
        message = ("Wieder geöffnet" if reopened else LABELS[to]) + (f": {note}" if note else "")
        at = self.record(found, "reopened" if reopened else to.value, message, principal.name)
        seconds = round((at - datetime.fromisoformat(found["detected_at"])).total_seconds(), 1)
        found["status"] = to.value
        if found["acknowledged_at"] is None and to is not IncidentStatus.OPEN:
            found.update(acknowledged_at=iso(at), acknowledged_by=principal.name)
            found["timers"]["time_to_acknowledge_s"] = seconds
        if to is IncidentStatus.RESOLVED:
            found.update(resolved_at=iso(at), resolved_by=principal.name)
            found["timers"]["time_to_resolve_s"] = seconds
        if reopened:
            found.update(resolved_at=None, resolved_by=None)
            found["timers"]["time_to_resolve_s"] = None
        return 200, copy.deepcopy(found)

    # ---- the desk: notes, facts, roles, playbook and checklist ----------------------------------

    def add_note(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        note = parse_body(schemas.TextBody, body)
        found = self.find(incident_id)
        self.check_version(found, note.version)
        self.record(found, "note", note.text, principal.name)
        return 200, self.detail(found)

    def add_fact(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        fact = parse_body(schemas.TextBody, body)
        found = self.find(incident_id)
        self.check_version(found, fact.version)
        facts = self.state["desk"][incident_id]["facts"]
        fact_id = f"F{len(facts) + 1}"
        at = self.record(found, "fact_added", f"Fakt {fact_id} erfasst: {fact.text}", principal.name)
        facts.append(
            {
                "fact_id": fact_id,
                "text": fact.text,
                "added_by": principal.name,
                "added_at": iso(at),
                "verified": False,
                "verified_by": None,
                "verified_at": None,
            }
        )
        return 200, self.detail(found)

    def verify_fact(self, principal: Principal, body: Any, incident_id: str, fact_id: str) -> tuple[int, Any]:
        version = parse_body(schemas.VersionBody, body, required=False)
        found = self.find(incident_id)
        self.check_version(found, version.version)
        fact = next((f for f in self.state["desk"][incident_id]["facts"] if f["fact_id"] == fact_id), None)
        if fact is None:
            raise InvalidInput("no such fact on this incident", [{"field": "fact_id", "message": fact_id}])
        if not fact["verified"]:
            at = self.record(
                found, "fact_verified", f"Fakt {fact_id} geprüft: {fact['text']}", principal.name
            )
            fact.update(verified=True, verified_by=principal.name, verified_at=iso(at))
        return 200, self.detail(found)

    def assign_roles(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        roles = parse_body(schemas.RolesBody, body)
        found = self.find(incident_id)
        self.check_version(found, roles.version)
        names = {user.user_id: user.name for user in self.state["users"].list()}
        unknown_roles = sorted(set(roles.assignments) - set(CRISIS_ROLES))
        unknown_people = sorted({u for u in roles.assignments.values() if u is not None} - set(names))
        if unknown_roles or unknown_people:
            raise InvalidInput(
                "unknown crisis roles or people",
                [{"field": f"body.{r}", "message": "unknown role"} for r in unknown_roles]
                + [{"field": "body", "message": f"unknown person {u}"} for u in unknown_people],
            )
        current = self.state["desk"][incident_id]["assignments"]
        lines = []
        for role, user_id in roles.assignments.items():
            if current.get(role) == user_id:
                continue
            if user_id is None:
                current.pop(role, None)
            else:
                current[role] = user_id
            lines.append(f"{role}: {names[user_id] if user_id else 'niemand'}")
        if lines:
            self.record(found, "roles", "Rollen: " + "; ".join(lines), principal.name)
        return 200, self.detail(found)

    def choose_playbook(self, principal: Principal, body: Any, incident_id: str) -> tuple[int, Any]:
        choice = parse_body(schemas.PlaybookChoice, body)
        found = self.find(incident_id)
        self.check_version(found, choice.version)
        playbook = PLAYBOOKS.get(choice.playbook_id)
        if playbook is None:
            raise InvalidInput(
                "no such crisis playbook", [{"field": "body.playbook_id", "message": choice.playbook_id}]
            )
        desk = self.state["desk"][incident_id]
        if desk["playbook_id"] != playbook.id:
            desk["playbook_id"] = playbook.id
            self.record(found, "playbook", f"Playbook: {playbook.title.de}", principal.name)
        return 200, self.detail(found)

    def tick(self, principal: Principal, body: Any, incident_id: str, item_id: str) -> tuple[int, Any]:
        tick = parse_body(schemas.TickBody, body, required=False)
        found = self.find(incident_id)
        self.check_version(found, tick.version)
        playbook, _ = self.playbook_in_use(found)
        item = next((i for i in playbook.first_hour if i.id == item_id), None)
        if item is None:
            raise NotFound(
                "the incident's playbook has no such checklist item",
                [{"item_id": item_id, "playbook_id": playbook.id}],
            )
        desk = self.state["desk"][incident_id]
        if (item_id in desk["ticks"]) != tick.done:
            word = "Erledigt" if tick.done else "Wieder offen"
            at = self.record(found, "checklist", f"{word}: {item.text.de}", principal.name)
            if tick.done:
                desk["ticks"][item_id] = Tick(done_by=principal.name, done_at=at)
            else:
                desk["ticks"].pop(item_id)
            desk["playbook_id"] = playbook.id  # the checklist a person ticked stays the one shown
        return 200, self.detail(found)

    def list_playbooks(self, principal: Principal, body: Any) -> tuple[int, Any]:
        return 200, {"items": [playbook_summary(p) for p in PLAYBOOKS.values()], "next_token": None}

    # ---- people -------------------------------------------------------------------------------

    def list_users(self, principal: Principal, body: Any) -> tuple[int, Any]:
        users = self.state["users"].list()
        on_duty = [user.user_id for user in people.on_duty(users)]
        return 200, {"items": [schemas.user_view(u) for u in users], "on_duty": on_duty}

    def update_user(self, principal: Principal, body: Any, user_id: str) -> tuple[int, Any]:
        update = parse_body(schemas.UserUpdate, body)
        user = people.update_user(
            user_id,
            update.changes(),
            expected_version=update.version,
            principal=principal,
            users=self.state["users"],
            now=NOW + timedelta(minutes=1),
        )
        return 200, schemas.user_view(user)

    def who_am_i(self, principal: Principal, body: Any) -> tuple[int, Any]:
        """As chalicelib/api/people.py: who this key acts as."""
        return 200, {
            "name": principal.name,
            "role": principal.role.label,
            "user_id": principal.user_id,
            "key_id": principal.key_id,
        }

    # ---- escalation chain ---------------------------------------------------------------------

    def get_escalation(self, principal: Principal, body: Any) -> tuple[int, Any]:
        view = escalation.describe_chain(state=self.state["store"], team=TEAM, users=self.state["users"])
        return 200, schemas.escalation_view(view)

    def put_escalation(self, principal: Principal, body: Any) -> tuple[int, Any]:
        chain = parse_body(schemas.EscalationBody, body)
        view = escalation.change_chain(
            [EscalationStep(level=s.level, after_minutes=s.after_minutes) for s in chain.steps],
            expected_version=chain.version,
            principal=principal,
            state=self.state["store"],
            team=TEAM,
            users=self.state["users"],
            now=NOW + timedelta(minutes=1),
        )
        return 200, schemas.escalation_view(view)

    def someone_else_changes_the_chain(self, steps: list[tuple[int, int]]) -> None:
        """Another admin saves the chain: its version moves on."""
        with self.lock:
            admin = self.principal("admin-key")
            assert admin is not None
            self.put_escalation(
                admin, {"steps": [{"level": lv, "after_minutes": m} for lv, m in steps], "version": None}
            )

    # ---- HTTP plumbing ------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _file(self, name: str, kind: str) -> None:
                path = WEB / name
                if not path.is_file():
                    self._json(*error(404, "not_found", "no such asset", [{"asset": name}]))
                    return
                self._send(200, path.read_bytes(), CONTENT_TYPES[kind], SECURITY_HEADERS)

            def _json(self, status: int, payload: Any) -> None:
                extra = {"WWW-Authenticate": 'Bearer realm="krisenradar"'} if status == 401 else {}
                self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", extra)

            def _api(self, method: str) -> None:
                url = urlsplit(self.path)
                params = {name: values[0] for name, values in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with api.lock:
                    status, payload = api.handle(
                        method,
                        url.path,
                        params,
                        self.headers.get("Authorization", ""),
                        json.loads(raw or b"null"),
                    )
                if isinstance(payload, FileAnswer):
                    headers = {
                        "Content-Disposition": f'attachment; filename="{payload.filename}"',
                        **(payload.headers or {}),
                    }
                    self._send(status, payload.body, payload.content_type, headers)
                else:
                    self._json(status, payload)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/":
                    self._file("index.html", "html")
                elif path.startswith("/ui/") and path[4:] in VENDORED:
                    self._file(f"vendor/{path[4:]}", VENDORED[path[4:]])
                elif match := ASSET.match(path):
                    self._file(match.group(1), match.group(2))
                elif path.startswith("/ui/"):
                    self._json(*error(404, "not_found", "no such asset"))
                else:
                    self._api("GET")

            def do_POST(self) -> None:
                self._api("POST")

            def do_PUT(self) -> None:
                self._api("PUT")

        return Handler
