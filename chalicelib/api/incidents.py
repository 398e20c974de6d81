"""Routes for incidents, mentions and alert deliveries."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api import schemas
from chalicelib.api.http import ACCEPTED_CONTENT_TYPES, endpoint, json_response, parse_json_body, parse_query
from chalicelib.domain.models import Principal, Role, Severity
from chalicelib.observability import metrics
from chalicelib.services import incidents as incident_service

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
@endpoint(bp, Role.VIEWER)
def get_incident(principal: Principal, incident_id: str) -> Response:
    container = deps.container()
    detail = incident_service.incident_detail(
        incident_id,
        incidents=container.incidents,
        mentions=container.mentions,
        window_minutes=container.playbook.rules.window_minutes,
        now=container.clock(),
    )
    return json_response(schemas.incident_detail(detail.incident, detail.top_mentions))


def _transition(principal: Principal, incident_id: str, action: str) -> Response:
    body = parse_json_body(bp, schemas.NoteBody, required=False)
    container = deps.container()
    change = incident_service.acknowledge if action == "acknowledge" else incident_service.resolve
    incident = change(
        incident_id, incidents=container.incidents, principal=principal, note=body.note, now=container.clock()
    )
    metrics.add_metric(
        name="IncidentAcknowledged" if action == "acknowledge" else "IncidentResolved", unit="Count", value=1
    )
    return json_response(schemas.incident_summary(incident))


@bp.route("/incidents/{incident_id}/acknowledge", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def acknowledge_incident(principal: Principal, incident_id: str) -> Response:
    return _transition(principal, incident_id, "acknowledge")


@bp.route("/incidents/{incident_id}/resolve", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def resolve_incident(principal: Principal, incident_id: str) -> Response:
    return _transition(principal, incident_id, "resolve")


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
