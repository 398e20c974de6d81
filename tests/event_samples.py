"""Event envelopes and their deliveries as Krisenradar sends them (chalicelib/domain/event_schema.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.event_schema import DRAFT_EVENTS
from chalicelib.domain.models import Delivery, Severity

AT = datetime(2026, 11, 20, 14, 2, 30, tzinfo=UTC)


def sample_envelope(event_type: str = "incident.opened", **data: Any) -> dict[str, Any]:
    """A SEV1 storm about the dishwasher, as an event of `event_type`; `data` overrides fields."""
    fields: dict[str, Any] = {
        "incident_id": "inc-20261120-mueller-rueckruf",
        "brand": "mueller",
        "brand_name": "Müller Haushaltsgeräte GmbH",
        "topic": "#rückruf",
        "title": "Spülmeister 3000: Rauch und Kurzschluss",
        "status": "resolved" if event_type == "incident.resolved" else "open",
        "severity": "SEV1",
        "reasons": ["Ungewöhnlich viele Erwähnungen", "Sicherheitsbegriffe: Rauch, Brand"],
        "reasons_en": ["Unusually many mentions", "Safety terms: smoke, fire"],
        "opened_at": "2026-11-20T13:58:00Z",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": "2026-11-20T14:02:30Z" if event_type == "incident.resolved" else None,
        "playbook_id": None,
        "url": "https://krisenradar.example/#/i/inc-20261120-mueller-rueckruf",
        "drill": False,
        "drill_id": None,
        "news": "Neue Krise erkannt",
    }
    if event_type in DRAFT_EVENTS:
        published = event_type == "statement.published"
        fields |= {
            "draft_id": "drf-1",
            "kind": "holding_statement",
            "channel": "website",
            "language": "de",
            "published_at": "2026-11-20T14:02:30Z" if published else None,
            "published_url": "https://mueller.example/presse/spuelmeister" if published else None,
        }
    return {"type": event_type, "timestamp": "2026-11-20T14:02:30Z", "data": fields | data}


def event_delivery(envelope: dict[str, Any], bus_name: str) -> Delivery:
    """The outbox row that carries one event to the company's bus."""
    return Delivery(
        alert_id=f"alt-{envelope['type']}",
        incident_id=envelope["data"]["incident_id"],
        brand=envelope["data"]["brand"],
        event_type=envelope["type"],
        severity=Severity.parse(envelope["data"]["severity"]),
        channel="eventbridge",
        recipient=bus_name,
        subject=envelope["data"]["title"],
        body=json.dumps(envelope, ensure_ascii=False),
        created_at=AT,
    )
