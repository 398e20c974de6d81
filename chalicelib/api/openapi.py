"""The OpenAPI 3 document, built from the API's own request models and a table of its routes.

A test checks that this table and the Chalice route table list the same paths and methods.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from chalicelib.api import schemas

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        }
    },
}
_PAGE = {
    "type": "object",
    "required": ["items", "next_token"],
    "properties": {
        "items": {"type": "array", "items": {"type": "object"}},
        "next_token": {"type": ["string", "null"]},
    },
}

# (method, path, summary, minimum role or None for public, query model, body model, success status)
ROUTES: list[tuple[str, str, str, str | None, type[BaseModel] | None, type[BaseModel] | None, int]] = [
    ("GET", "/health", "Liveness check", None, None, None, 200),
    ("GET", "/openapi.json", "This document", "viewer", None, None, 200),
    ("GET", "/", "The web frontend", None, None, None, 200),
    ("GET", "/ui/{asset}", "Static assets of the web frontend", None, None, None, 200),
    ("GET", "/incidents", "List incidents, newest first", "viewer", schemas.IncidentQuery, None, 200),
    (
        "GET",
        "/incidents/{incident_id}",
        "An incident with its timeline and top mentions",
        "viewer",
        None,
        None,
        200,
    ),
    (
        "POST",
        "/incidents/{incident_id}/acknowledge",
        "Acknowledge an incident",
        "responder",
        None,
        schemas.NoteBody,
        200,
    ),
    (
        "POST",
        "/incidents/{incident_id}/resolve",
        "Resolve an incident",
        "responder",
        None,
        schemas.NoteBody,
        200,
    ),
    (
        "POST",
        "/incidents/{incident_id}/status",
        "Move an incident through its lifecycle (responding, monitoring, resolved, reviewed, reopen: open)",
        "responder",
        None,
        schemas.StatusChange,
        200,
    ),
    (
        "POST",
        "/incidents/{incident_id}/notes",
        "A status update without a state change",
        "responder",
        None,
        schemas.TextBody,
        200,
    ),
    ("POST", "/incidents/{incident_id}/facts", "Record a fact", "responder", None, schemas.TextBody, 200),
    (
        "POST",
        "/incidents/{incident_id}/facts/{fact_id}/verify",
        "Mark a fact verified (drafts state verified facts only)",
        "responder",
        None,
        schemas.VersionBody,
        200,
    ),
    (
        "PUT",
        "/incidents/{incident_id}/roles",
        "Assign crisis roles to people",
        "responder",
        None,
        schemas.RolesBody,
        200,
    ),
    (
        "PUT",
        "/incidents/{incident_id}/playbook",
        "Choose the incident's crisis playbook",
        "responder",
        None,
        schemas.PlaybookChoice,
        200,
    ),
    (
        "POST",
        "/incidents/{incident_id}/checklist/{item_id}",
        "Tick a first-hour checklist item of the incident's playbook (done: false un-ticks it)",
        "responder",
        None,
        schemas.TickBody,
        200,
    ),
    ("GET", "/mentions", "Mentions of a brand in a time range", "viewer", schemas.MentionQuery, None, 200),
    (
        "GET",
        "/incidents/{incident_id}/series",
        "Volume, negative share, reach and expected volume over time, with statements and their feedback",
        "viewer",
        schemas.SeriesQuery,
        None,
        200,
    ),
    (
        "GET",
        "/incidents/{incident_id}/picture",
        "Top authors and media by reach, risk terms, hashtags and languages of the incident",
        "viewer",
        None,
        None,
        200,
    ),
    (
        "GET",
        "/incidents/{incident_id}/review",
        "The post-incident review: figures, timeline, statements, recovery, checklist, notes "
        "(JSON, Markdown, PDF)",
        "viewer",
        schemas.ReviewQuery,
        None,
        200,
    ),
    (
        "PUT",
        "/incidents/{incident_id}/review",
        "Write the review's summary, lessons and action items (needed before `reviewed`)",
        "responder",
        None,
        schemas.ReviewBody,
        200,
    ),
    (
        "GET",
        "/reports/summary",
        "Incidents per brand and severity, median times, top crisis types (drills excluded)",
        "viewer",
        schemas.ReportQuery,
        None,
        200,
    ),
    (
        "GET",
        "/reports/incidents.csv",
        "Incidents as CSV (semicolons, UTF-8 with BOM; drills excluded)",
        "viewer",
        schemas.ReportQuery,
        None,
        200,
    ),
    (
        "GET",
        "/reports/mentions.csv",
        "A brand's mentions as CSV (up to 10,000 rows; X-Next-Token continues)",
        "viewer",
        schemas.MentionExportQuery,
        None,
        200,
    ),
    (
        "GET",
        "/alerts",
        "Alert deliveries (SMS, email), newest first",
        "viewer",
        schemas.AlertQuery,
        None,
        200,
    ),
    (
        "GET",
        "/playbooks",
        "Crisis playbooks: type, title, languages, selecting risk categories",
        "viewer",
        None,
        None,
        200,
    ),
    (
        "GET",
        "/playbooks/{playbook_id}",
        "A crisis playbook in full: severity guidance, first hour, roles, statements, templates",
        "viewer",
        None,
        None,
        200,
    ),
    ("POST", "/api-keys", "Create an API key with a role", "admin", None, schemas.ApiKeyCreate, 201),
    (
        "GET",
        "/audit",
        "Every change: who, what, when, before and after",
        "admin",
        schemas.AuditQuery,
        None,
        200,
    ),
    (
        "GET",
        "/api-keys",
        "Every API key, newest first, without secrets",
        "admin",
        schemas.PageQuery,
        None,
        200,
    ),
    (
        "DELETE",
        "/api-keys/{key_id}",
        "Revoke an API key at once (admin, or the key's owner)",
        "viewer",
        None,
        None,
        200,
    ),
    (
        "GET",
        "/escalation",
        "The escalation chain: minutes per level, who is on duty and who each level reaches, warnings",
        "viewer",
        None,
        None,
        200,
    ),
    (
        "PUT",
        "/escalation",
        "Replace the escalation chain (applies to the next escalation run; 409 on a stale version)",
        "admin",
        None,
        schemas.EscalationBody,
        200,
    ),
    ("GET", "/users", "The crisis team: people, roles, contact, who is on duty", "viewer", None, None, 200),
    ("GET", "/me", "Who this key or sign-in acts as: name, role, user id", "viewer", None, None, 200),
    ("POST", "/users", "Add a person to the crisis team", "admin", None, schemas.UserCreate, 201),
    ("GET", "/users/{user_id}", "One person of the crisis team", "viewer", None, None, 200),
    (
        "PUT",
        "/users/{user_id}",
        "Edit a person (admin: everything; oneself: contact, SMS threshold, duty)",
        "viewer",
        None,
        schemas.UserUpdate,
        200,
    ),
    (
        "POST",
        "/users/{user_id}/api-keys",
        "A personal API key, shown once (admin, or the person)",
        "viewer",
        None,
        schemas.PersonalKeyCreate,
        201,
    ),
    (
        "POST",
        "/incidents/{incident_id}/drafts",
        "Write a reply draft from the incident's playbook and verified facts: checks and a recommendation",
        "responder",
        None,
        schemas.DraftCreate,
        201,
    ),
    (
        "GET",
        "/incidents/{incident_id}/drafts",
        "The incident's reply drafts, newest first",
        "viewer",
        schemas.PageQuery,
        None,
        200,
    ),
    ("GET", "/drafts/{draft_id}", "A reply draft with every version", "viewer", None, None, 200),
    (
        "PUT",
        "/drafts/{draft_id}",
        "Edit a draft's text (a new version; checks run again; approvals are cleared)",
        "responder",
        None,
        schemas.DraftEdit,
        200,
    ),
    (
        "POST",
        "/drafts/{draft_id}/approve",
        "Approve a draft (four eyes: not one's own; SEV1 needs two approvers)",
        "approver",
        None,
        schemas.DraftDecision,
        200,
    ),
    (
        "POST",
        "/drafts/{draft_id}/reject",
        "Reject a draft with a note",
        "approver",
        None,
        schemas.DraftDecision,
        200,
    ),
    (
        "POST",
        "/drafts/{draft_id}/publish",
        "Mark an approved draft published; the incident's timeline records it",
        "responder",
        None,
        schemas.DraftPublish,
        200,
    ),
    (
        "POST",
        "/drills",
        "Start a drill: a crisis playbook's scenario on a brand's shadow, every alert marked [ÜBUNG], "
        "nothing published, left out of reports (422 unknown playbook, brand or speed; 409 one running)",
        "approver",
        None,
        schemas.DrillStart,
        201,
    ),
    ("GET", "/drills", "Drills, newest first", "viewer", schemas.PageQuery, None, 200),
    (
        "GET",
        "/sources",
        "Every configured source with its health: last run, last success, last error, when it runs "
        "next, mentions stored in the last 24 hours; `types` lists the registered adapters",
        "viewer",
        None,
        None,
        200,
    ),
    ("GET", "/drills/{drill_id}", "One drill: status, times, its incident", "viewer", None, None, 200),
    (
        "POST",
        "/drills/{drill_id}/stop",
        "Stop a drill (its scenario stops; its incident stays for the review); stopping twice is harmless",
        "approver",
        None,
        None,
        200,
    ),
    (
        "POST",
        "/webhooks",
        "Subscribe a URL to event types: 201 with its signing secret (whsec_..., shown once); 422 for an "
        "unknown event type or a URL the stage does not send to",
        "admin",
        None,
        schemas.WebhookCreate,
        201,
    ),
    ("GET", "/webhooks", "Webhook subscriptions, oldest first (without secrets)", "admin", None, None, 200),
    ("GET", "/webhooks/{webhook_id}", "One webhook subscription (no secret)", "admin", None, None, 200),
    (
        "PUT",
        "/webhooks/{webhook_id}",
        "Pause or resume a webhook, change its events or URL (409 on a stale version)",
        "admin",
        None,
        schemas.WebhookUpdate,
        200,
    ),
    ("DELETE", "/webhooks/{webhook_id}", "Delete a webhook subscription", "admin", None, None, 204),
    (
        "GET",
        "/privacy/authors/{platform}/{handle}",
        "Everything stored about an author (DSGVO Art. 15): mentions, drafts answering them, CRM notes",
        "admin",
        None,
        None,
        200,
    ),
    (
        "DELETE",
        "/privacy/authors/{platform}/{handle}",
        "Erase an author everywhere (DSGVO Art. 17): mentions and their counts, drafts, CRM note links; "
        "answers and audits counts only",
        "admin",
        None,
        None,
        200,
    ),
    (
        "POST",
        "/incidents/{incident_id}/crm/ticket",
        "The incident's ticket in the CRM (HubSpot): 201 when this request created it, 200 when it "
        "existed; 409 while another request creates it or when no CRM is configured",
        "responder",
        None,
        None,
        201,
    ),
    (
        "POST",
        "/incidents/{incident_id}/crm/notes",
        "Log a mention as a note on the incident's CRM ticket (the ticket is created first if need "
        "be), associated with the author when the CRM knows them; once per mention",
        "responder",
        None,
        schemas.CrmNoteCreate,
        201,
    ),
    (
        "GET",
        "/webhooks/{webhook_id}/deliveries",
        "A webhook's delivery log, newest first",
        "admin",
        schemas.PageQuery,
        None,
        200,
    ),
    (
        "POST",
        "/ingest",
        "Push mentions (HMAC-SHA256 signed body, or Standard Webhooks headers)",
        "responder",
        None,
        schemas.IngestBody,
        202,
    ),
]


_REF = "#/components/schemas/{model}"
# The bodies a route may leave out (its handler parses them with required=False); every other is a 400.
_OPTIONAL_BODIES: set[type[BaseModel]] = {
    schemas.NoteBody,
    schemas.VersionBody,
    schemas.TickBody,
    schemas.DraftDecision,
    schemas.DraftPublish,
    schemas.PersonalKeyCreate,
}
_CSV = {"text/csv": {"schema": {"type": "string"}}}
_MEDIA: dict[str, dict[str, Any]] = {
    "GET /": {"text/html": {"schema": {"type": "string"}}},
    "GET /ui/{asset}": {
        "text/javascript": {"schema": {"type": "string"}},
        "text/css": {"schema": {"type": "string"}},
        "image/svg+xml": {"schema": {"type": "string"}},
        "application/json": {"schema": {}},
    },
    "GET /reports/incidents.csv": _CSV,
    "GET /reports/mentions.csv": _CSV,
    "GET /incidents/{incident_id}/review": {
        "application/json": {"schema": {"type": "object"}},
        "text/markdown": {"schema": {"type": "string"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    },
}
# Success statuses besides the route's own: the CRM ticket that existed already.
_ALSO = {"POST /incidents/{incident_id}/crm/ticket": (200,)}
_ERROR_RESPONSE = {
    "description": 'error: {"error": {"code", "message", "details"}}',
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_ERRORS = {
    400: "invalid input (the details name each field)",
    401: "no key, or an unknown or revoked one",
    403: "the key's role is not enough",
    404: "no such resource",
    409: "a conflict: the resource changed since (version), or the state does not allow it",
    413: "the body is larger than the limit",
    415: "a body that is not application/json",
    422: "well-formed, but names something unknown or out of range",
}


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema; the models it refers to go to the components (as #/components/schemas/)."""
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    return schema


def _parameters(path: str, query: type[BaseModel] | None, components: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": segment[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for segment in path.split("/")
        if segment.startswith("{")
    ]
    if query is not None:
        schema = _schema(query, components)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
    return params


def _operation_id(method: str, path: str) -> str:
    name = path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    return f"{method.lower()}_{name or 'root'}"


def _successes(method: str, path: str, status: int, paged: bool) -> dict[str, Any]:
    if status == 204:
        return {"204": {"description": "done; no content"}}
    schema = _PAGE if paged else {"type": "object"}
    content = _MEDIA.get(f"{method} {path}", {"application/json": {"schema": schema}})
    return {
        str(code): {"description": "success", "content": content}
        for code in (status, *_ALSO.get(f"{method} {path}", ()))
    }


def _errors(method: str, role: str | None, query: type[BaseModel] | None) -> dict[str, Any]:
    codes = {400, 404}
    if role is not None:
        codes |= {401, 403}
    if query is not None:
        codes |= {422}  # a date outside 2000-2100, or a value the query model refuses as out of range
    if method != "GET":
        codes |= {409, 413, 415, 422}
    return {str(code): {**_ERROR_RESPONSE, "description": _ERRORS[code]} for code in sorted(codes)}


def _operation(
    method: str,
    path: str,
    summary: str,
    role: str | None,
    query: type[BaseModel] | None,
    body: type[BaseModel] | None,
    status: int,
    components: dict[str, Any],
) -> dict[str, Any]:
    paged = method == "GET" and query is not None and issubclass(query, schemas.PageQuery)
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": _operation_id(method, path),
        "parameters": _parameters(path, query, components),
        "responses": {**_successes(method, path, status, paged), **_errors(method, role, query)},
    }
    if role is None:
        operation["security"] = []
    else:
        operation["x-required-role"] = role
    if body is not None:
        operation["requestBody"] = {
            "required": body not in _OPTIONAL_BODIES,
            "content": {"application/json": {"schema": _schema(body, components)}},
        }
    if path == "/ingest":  # one of the two: our own header, or the three of Standard Webhooks
        operation["parameters"] += [
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
            for name in ("X-Krisenradar-Signature", "webhook-id", "webhook-timestamp", "webhook-signature")
        ]
    return operation


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {}
    for method, path, summary, role, query, body, status in ROUTES:
        paths.setdefault(path, {})[method.lower()] = _operation(
            method, path, summary, role, query, body, status, components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Krisenradar API",
            "version": "0.1.0",
            "description": "Crisis radar and response desk. Every route except /health and the frontend "
            "needs "
            '`Authorization: Bearer <api key>`. Errors: {"error": {"code", "message", "details"}}.',
        },
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _ERROR, **dict(sorted(components.items()))},
        },
        "security": [{"apiKey": []}],
        "paths": paths,
    }
