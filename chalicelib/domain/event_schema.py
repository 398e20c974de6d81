"""The events Krisenradar sends to integrations (webhooks, EventBridge), as JSON Schema (draft 2020-12).

Every event is one envelope, `{"type", "timestamp", "data"}` (Standard Webhooks style). Incident
events carry the incident summary as `data`; draft events add the draft. On EventBridge the event's
`detail` is `data` with `type` and `timestamp` beside its fields (`detail_schema`), so a rule matches
`{"detail": {"severity": ["SEV1"]}}` without a level in between.

Consumers should ignore fields they do not know: new ones may be added, none is renamed or removed.
`infra/events.schema.json` is a copy of `EVENT_SCHEMA` for people who do not read Python (a unit test
keeps it equal).
"""

from __future__ import annotations

import copy
from typing import Any, get_args

from chalicelib.domain.events import EVENT_TYPES
from chalicelib.domain.models import DraftChannel, DraftKind, IncidentStatus, Severity

INCIDENT_EVENTS = tuple(t for t in EVENT_TYPES if t.startswith("incident."))
DRAFT_EVENTS = tuple(t for t in EVENT_TYPES if not t.startswith("incident."))

EVENT_DESCRIPTIONS = {
    "incident.opened": "An incident was opened: a crisis rule matched a brand's mentions.",
    "incident.escalated": "Nobody acknowledged an incident in time: the next escalation level was alerted.",
    "incident.updated": "An open incident changed: someone acknowledged it, its severity rose, or it learned "
    "something new (a media or high-reach report, a new risk category or topic, doubled volume).",
    "incident.resolved": "An incident was resolved.",
    "draft.approved": "A reply or statement draft got its approvals (four eyes) and may be published.",
    "statement.published": "An approved draft was published (in a drill: marked, not posted).",
}

_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}


def _optional(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """The schema, or null (not yet known: not acknowledged, not resolved, not published)."""
    return {**schema, "type": [schema["type"], "null"], "description": description}


INCIDENT_PROPERTIES: dict[str, dict[str, Any]] = {
    "incident_id": {**_TEXT, "description": "stable id of the incident"},
    "brand": {**_TEXT, "description": "brand id from playbooks/brands.yaml"},
    "brand_name": {**_TEXT, "description": "the brand's display name"},
    "topic": {**_TEXT, "description": "what the incident is about (a hashtag or risk category)"},
    "title": {**_TEXT, "description": "short German title"},
    "status": {
        "type": "string",
        "enum": [status.value for status in IncidentStatus],
        "description": "lifecycle state",
    },
    "severity": {
        "type": "string",
        "enum": [severity.label for severity in Severity],
        "description": "SEV1 is the worst",
    },
    "reasons": {"type": "array", "items": _TEXT, "description": "why it was raised, in plain German"},
    "reasons_en": {"type": "array", "items": _TEXT, "description": "the same reasons in English"},
    "opened_at": {**_TIME, "description": "when the incident opened (ISO 8601, UTC)"},
    "acknowledged_at": _optional(_TIME, "when someone acknowledged it (UTC), or null"),
    "acknowledged_by": _optional(_TEXT, "the user id of who acknowledged it, or null"),
    "resolved_at": _optional(_TIME, "when it was resolved (UTC), or null"),
    "playbook_id": _optional(_TEXT, "the crisis playbook chosen for it (playbooks/crisis/), or null"),
    "url": {"type": "string", "format": "uri", "description": "the incident in the Krisenradar desk"},
    "drill": {"type": "boolean", "description": "true for an exercise (Krisenübung): route it elsewhere"},
    "drill_id": _optional(_TEXT, "the drill's id when `drill` is true, else null"),
    "news": {**_TEXT, "description": "what happened, one line in German"},
}
DRAFT_PROPERTIES: dict[str, dict[str, Any]] = {
    **INCIDENT_PROPERTIES,
    "draft_id": {**_TEXT, "description": "stable id of the draft"},
    "kind": {"type": "string", "enum": list(get_args(DraftKind)), "description": "what the text is"},
    "channel": {
        "type": "string",
        "enum": list(get_args(DraftChannel)),
        "description": "where it is (to be) published",
    },
    "language": {"type": "string", "enum": ["de", "en"]},
    "published_at": _optional(_TIME, "when it was published (UTC), or null"),
    "published_url": _optional({**_TEXT, "format": "uri"}, "where it was published, or null"),
}


def data_properties(event_type: str) -> dict[str, dict[str, Any]]:
    """The fields of the event's `data`: the incident summary, plus the draft for draft events."""
    if event_type in INCIDENT_EVENTS:
        return INCIDENT_PROPERTIES
    if event_type in DRAFT_EVENTS:
        return DRAFT_PROPERTIES
    raise KeyError(event_type)


def schema_name(event_type: str) -> str:
    """`incident.opened` -> `IncidentOpened`: the class name code bindings get."""
    return "".join(part.title() for part in event_type.split("."))


def _object(properties: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties, **extra}


def _envelope(event_type: str) -> dict[str, Any]:
    data = "#/$defs/draft" if event_type in DRAFT_EVENTS else "#/$defs/incident"
    return _object(
        {
            "type": {"const": event_type},
            "timestamp": {**_TIME, "description": "when it happened (ISO 8601, UTC)"},
            "data": {"$ref": data},
        },
        title=schema_name(event_type),
        description=EVENT_DESCRIPTIONS[event_type],
    )


EVENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:krisenradar:events:v1",
    "title": "Krisenradar event",
    "description": "The envelope of every event Krisenradar sends to webhooks and EventBridge.",
    "type": "object",
    "required": ["type", "timestamp", "data"],
    "properties": {"type": {"enum": list(EVENT_TYPES)}},
    "oneOf": [{"$ref": f"#/$defs/{event_type}"} for event_type in EVENT_TYPES],
    "$defs": {
        "incident": _object(INCIDENT_PROPERTIES, title="Incident"),
        "draft": _object(DRAFT_PROPERTIES, title="Draft"),
        **{event_type: _envelope(event_type) for event_type in EVENT_TYPES},
    },
}


def detail_schema(event_type: str) -> dict[str, Any]:
    """The EventBridge `detail` of one event type: `data` with `type` and `timestamp`, self-contained."""
    properties = {
        **copy.deepcopy(data_properties(event_type)),
        "type": {"type": "string", "const": event_type},
        "timestamp": {**_TIME, "description": "when it happened (ISO 8601, UTC)"},
    }
    return {
        "$schema": EVENT_SCHEMA["$schema"],
        **_object(properties, title=schema_name(event_type), description=EVENT_DESCRIPTIONS[event_type]),
    }
