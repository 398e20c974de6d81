"""What Krisenradar tells other systems: one event per thing that happened, as a Standard Webhooks
style envelope `{"type", "timestamp", "data"}`, the same for webhooks, EventBridge and chat cards.

Alerts to people map onto events (a new incident is `incident.opened`, an escalation
`incident.escalated`, a raised severity or a changed situation `incident.updated`); acknowledging,
resolving, approving a draft and publishing a statement are events of their own.
"""

from __future__ import annotations

from typing import Any, Literal

from chalicelib.domain.drills import drill_id_of
from chalicelib.domain.messages import reason_fields
from chalicelib.domain.models import Draft, Incident, iso_z

EventType = Literal[
    "incident.opened",
    "incident.escalated",
    "incident.updated",
    "incident.resolved",
    "draft.approved",
    "statement.published",
]
EVENT_TYPES: tuple[EventType, ...] = (
    "incident.opened",
    "incident.escalated",
    "incident.updated",
    "incident.resolved",
    "draft.approved",
    "statement.published",
)
ALERT_EVENTS: dict[str, EventType] = {
    "incident_opened": "incident.opened",
    "escalation": "incident.escalated",
    "severity_raised": "incident.updated",
    "incident_updated": "incident.updated",
}
LABELS: dict[EventType, tuple[str, str]] = {
    "incident.opened": ("Neue Krise erkannt", "New crisis detected"),
    "incident.escalated": ("Eskalation: noch nicht bestätigt", "Escalation: not acknowledged yet"),
    "incident.updated": ("Lage verändert", "Situation changed"),
    "incident.resolved": ("Krise gelöst", "Crisis resolved"),
    "draft.approved": ("Antwort freigegeben", "Reply approved"),
    "statement.published": ("Stellungnahme veröffentlicht", "Statement published"),
}


def envelope(
    event_type: EventType,
    incident: Incident,
    *,
    at: Any,
    url: str,
    brand_name: str,
    news: str | None = None,
    draft: Draft | None = None,
) -> dict[str, Any]:
    """The event as every receiver gets it. `news` says what happened, in German."""
    reasons = reason_fields(incident.reasons, incident.reason_evidence)
    data: dict[str, Any] = {
        "incident_id": incident.incident_id,
        "brand": incident.brand,
        "brand_name": brand_name,
        "topic": incident.topic,
        "title": incident.title,
        "status": incident.status.value,
        "severity": incident.severity.label,
        "reasons": reasons["reasons"],
        "reasons_en": reasons["reasons_en"],
        "opened_at": iso_z(incident.opened_at),
        "acknowledged_at": iso_z(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": iso_z(incident.resolved_at),
        "playbook_id": incident.playbook_id,
        "url": url,
        "drill": incident.drill_id is not None or drill_id_of(incident.brand) is not None,
        "drill_id": incident.drill_id or drill_id_of(incident.brand),
        "news": news or LABELS[event_type][0],
    }
    if draft is not None:
        data |= {
            "draft_id": draft.draft_id,
            "kind": draft.kind,
            "channel": draft.channel,
            "language": draft.language,
            "published_at": iso_z(draft.published_at),
            "published_url": draft.published_url,
        }
    return {"type": event_type, "timestamp": iso_z(at), "data": data}
