"""Routes for incidents, mentions and alert deliveries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import ACCEPTED_CONTENT_TYPES, endpoint, json_response, parse_json_body, parse_query
from chalicelib.domain.enums import IncidentStatus, Role, Severity
from chalicelib.lazy import lazy_module
from chalicelib.observability import metrics

# The schemas, models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.api import schemas
    from chalicelib.domain import lifecycle
    from chalicelib.domain.models import Incident, Principal
    from chalicelib.services import incidents as incident_service
    from chalicelib.services import integrations
else:
    schemas = lazy_module("chalicelib.api.schemas")
    lifecycle = lazy_module("chalicelib.domain.lifecycle")
    incident_service = lazy_module("chalicelib.services.incidents")
    integrations = lazy_module("chalicelib.services.integrations")

bp = Blueprint(__name__)


@bp.route("/incidents", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_incidents(principal: Principal) -> Response:
    query = parse_query(bp, schemas.IncidentQuery)
    page = incident_service.list_incidents(
        incidents=deps.container().incidents,
        status=query.status,
        severity=Severity.parse(query.severity) if query.severity else None,
        brand=query.brand,
        limit=query.limit,
        next_token=query.next_token,
    )
    return json_response(
        {"items": [schemas.incident_summary(i) for i in page.items], "next_token": page.next_token}
    )


@bp.route("/incidents/{incident_id}", methods=["GET"])
@endpoint(bp, Role.VIEWER, link=True)
def get_incident(principal: Principal, incident_id: str) -> Response:
    return _detail(incident_id)


def _detail(incident_id: str) -> Response:
    """An incident as the desk shows it: timeline, top mentions, facts, roles, playbook and checklist."""
    container = deps.container()
    detail = incident_service.incident_detail(
        incident_id,
        incidents=container.incidents,
        mentions=container.mentions,
        window_minutes=container.playbook.rules.window_minutes,
        now=container.clock(),
        library=container.crisis_playbooks,
    )
    return json_response(schemas.incident_detail(detail.incident, detail.top_mentions, detail.playbook))


_STATUS_METRICS = {
    IncidentStatus.ACKNOWLEDGED: "IncidentAcknowledged",
    IncidentStatus.RESOLVED: "IncidentResolved",
    IncidentStatus.OPEN: "IncidentReopened",
}


def _transition(principal: Principal, incident_id: str, to: IncidentStatus | None) -> Response:
    body: schemas.NoteBody
    if to is None:
        change = parse_json_body(bp, schemas.StatusChange)
        body, to = change, change.status
    else:
        body = parse_json_body(bp, schemas.NoteBody, required=False)
    container = deps.container()
    incident = incident_service.change_status(
        incident_id,
        to,
        incidents=container.incidents,
        principal=principal,
        note=body.note,
        now=container.clock(),
        expected_version=body.version,
    )
    metrics.add_metric(name=_STATUS_METRICS.get(to, "IncidentStatusChanged"), unit="Count", value=1)
    integrations.after_status_change(
        incident, alerting=container.alerting, outbox=container.outbox, now=container.clock()
    )
    return json_response(schemas.incident_summary(incident))


def _desk(incident_id: str, version: int | None, change: Callable[[Incident], Incident]) -> Response:
    container = deps.container()
    incident = incident_service.edit_desk(
        incident_id, change, incidents=container.incidents, expected_version=version
    )
    metrics.add_metric(name="IncidentUpdated", unit="Count", value=1)
    return _detail(incident.incident_id)


@bp.route("/incidents/{incident_id}/acknowledge", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER, link=True)
def acknowledge_incident(principal: Principal, incident_id: str) -> Response:
    return _transition(principal, incident_id, IncidentStatus.ACKNOWLEDGED)


@bp.route("/incidents/{incident_id}/resolve", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def resolve_incident(principal: Principal, incident_id: str) -> Response:
    return _transition(principal, incident_id, IncidentStatus.RESOLVED)


@bp.route("/incidents/{incident_id}/status", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def change_incident_status(principal: Principal, incident_id: str) -> Response:
    return _transition(principal, incident_id, None)


@bp.route("/incidents/{incident_id}/notes", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def add_note(principal: Principal, incident_id: str) -> Response:
    body = parse_json_body(bp, schemas.TextBody)
    now = deps.container().clock()
    return _desk(
        incident_id, body.version, lambda i: lifecycle.add_note(i, body.text, actor=principal.name, now=now)
    )


@bp.route("/incidents/{incident_id}/facts", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def add_fact(principal: Principal, incident_id: str) -> Response:
    body = parse_json_body(bp, schemas.TextBody)
    now = deps.container().clock()
    return _desk(
        incident_id, body.version, lambda i: lifecycle.add_fact(i, body.text, actor=principal.name, now=now)
    )


@bp.route(
    "/incidents/{incident_id}/facts/{fact_id}/verify", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES
)
@endpoint(bp, Role.RESPONDER)
def verify_fact(principal: Principal, incident_id: str, fact_id: str) -> Response:
    body = parse_json_body(bp, schemas.VersionBody, required=False)
    now = deps.container().clock()
    return _desk(
        incident_id, body.version, lambda i: lifecycle.verify_fact(i, fact_id, actor=principal.name, now=now)
    )


@bp.route("/incidents/{incident_id}/roles", methods=["PUT"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def assign_roles(principal: Principal, incident_id: str) -> Response:
    body = parse_json_body(bp, schemas.RolesBody)
    container = deps.container()
    names = {user.user_id: user.name for user in container.seeded_users.list()}
    now = container.clock()
    return _desk(
        incident_id,
        body.version,
        lambda i: lifecycle.assign_roles(i, body.assignments, names, actor=principal.name, now=now),
    )


@bp.route("/mentions", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_mentions(principal: Principal) -> Response:
    query = parse_query(bp, schemas.MentionQuery)
    container = deps.container()
    since, until = query.window(container.clock())
    page = container.mentions.list_by_brand(query.brand, since, until, query.limit, query.next_token)
    return json_response(
        {"items": [schemas.mention_view(m) for m in page.items], "next_token": page.next_token}
    )


@bp.route("/alerts", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def list_alerts(principal: Principal) -> Response:
    query = parse_query(bp, schemas.AlertQuery)
    page = deps.container().outbox.list(
        incident_id=query.incident_id, limit=query.limit, next_token=query.next_token
    )
    return json_response(
        {"items": [schemas.delivery_view(d) for d in page.items], "next_token": page.next_token}
    )


@bp.route("/incidents/{incident_id}/playbook", methods=["PUT"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def choose_playbook(principal: Principal, incident_id: str) -> Response:
    body = parse_json_body(bp, schemas.PlaybookChoice)
    container = deps.container()
    incident_service.choose_playbook(
        incident_id,
        body.playbook_id,
        incidents=container.incidents,
        library=container.crisis_playbooks,
        principal=principal,
        now=container.clock(),
        expected_version=body.version,
    )
    metrics.add_metric(name="IncidentUpdated", unit="Count", value=1)
    return _detail(incident_id)


@bp.route(
    "/incidents/{incident_id}/checklist/{item_id}", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES
)
@endpoint(bp, Role.RESPONDER)
def tick_checklist(principal: Principal, incident_id: str, item_id: str) -> Response:
    body = parse_json_body(bp, schemas.TickBody, required=False)
    container = deps.container()
    incident_service.tick_checklist(
        incident_id,
        item_id,
        body.done,
        incidents=container.incidents,
        library=container.crisis_playbooks,
        principal=principal,
        now=container.clock(),
        expected_version=body.version,
    )
    metrics.add_metric(name="ChecklistItemTicked", unit="Count", value=1)
    return _detail(incident_id)
