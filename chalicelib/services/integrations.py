"""Events to other systems, through the alert outbox: a Teams card or Slack message per configured
chat channel, and an event on the company's EventBridge bus. Written in the same outbox as SMS and
email, keyed by the event, so nothing is lost, nothing is sent twice, and failures retry with the
same back-off (a receiver's 4xx is recorded and not retried)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.events import EventType, envelope
from chalicelib.domain.integrations import ChatTarget
from chalicelib.domain.messages import incident_link
from chalicelib.domain.messages.chat import headline, slack_message, teams_card
from chalicelib.domain.models import Delivery, Draft, Incident
from chalicelib.ports import OutboxRepository, WebhookRepository

if TYPE_CHECKING:
    from chalicelib.services.alerts import Alerting


@dataclass(frozen=True)
class Integrations:
    chat: tuple[ChatTarget, ...] = ()
    event_bus: str = ""  # the EventBridge bus name; empty: off
    webhooks: WebhookRepository | None = None  # outgoing webhook subscriptions (POST /webhooks)


def event_id(incident: Incident, event_type: EventType, ref: str) -> str:
    """One id per thing that happened: an outbox key and the receivers' idempotency key."""
    return f"{incident.incident_id}#{event_type}#{ref}"


def event_deliveries(
    event_type: EventType,
    incident: Incident,
    *,
    alert_id: str,
    integrations: Integrations,
    public_url: str,
    brand_name: str,
    now: datetime,
    news: str | None = None,
    draft: Draft | None = None,
    escalation_level: int = 1,
) -> list[Delivery]:
    """One delivery per chat channel that wants this event, and one for the event bus."""
    event = envelope(
        event_type,
        incident,
        at=now,
        url=incident_link(public_url, incident.incident_id),
        brand_name=brand_name,
        news=news,
        draft=draft,
    )
    drill = bool(event["data"]["drill"])

    def row(channel: Any, recipient: str, body: dict[str, Any]) -> Delivery:
        return Delivery(
            alert_id=alert_id,
            incident_id=incident.incident_id,
            brand=incident.brand,
            event_type=event_type,
            severity=incident.severity,
            channel=channel,
            recipient=recipient,
            escalation_level=escalation_level,
            subject=headline(event),
            body=json.dumps(body, ensure_ascii=False),
            created_at=now,
        )

    rows = [
        row(target.type, target.id, teams_card(event) if target.type == "teams" else slack_message(event))
        for target in integrations.chat
        if target.wants(event_type, incident.brand, incident.severity, drill)
    ]
    if integrations.webhooks is not None:
        rows += [
            row("webhook", subscription.webhook_id, event)
            for subscription in integrations.webhooks.list()
            if subscription.wants(event_type)
        ]
    if integrations.event_bus:
        rows.append(row("eventbridge", integrations.event_bus, event))
    return rows


def emit(
    event_type: EventType,
    incident: Incident,
    *,
    ref: str,
    integrations: Integrations,
    outbox: OutboxRepository,
    public_url: str,
    brand_name: str,
    now: datetime,
    news: str | None = None,
    draft: Draft | None = None,
) -> int:
    """Write the event's deliveries (none when nothing listens); returns how many were new."""
    rows: Sequence[Delivery] = event_deliveries(
        event_type,
        incident,
        alert_id=event_id(incident, event_type, ref),
        integrations=integrations,
        public_url=public_url,
        brand_name=brand_name,
        now=now,
        news=news,
        draft=draft,
    )
    return outbox.add(rows) if rows else 0


def announce(
    event_type: EventType,
    incident: Incident,
    *,
    ref: str,
    alerting: Alerting,
    outbox: OutboxRepository,
    now: datetime,
    news: str | None = None,
    draft: Draft | None = None,
) -> int:
    """An event that alerts nobody by SMS or email (acknowledged, resolved, a draft approved or a
    statement published) for the chat channels and the event bus; `ref` keys it (one post per change)."""
    listening = alerting.integrations
    if not listening.chat and not listening.event_bus and listening.webhooks is None:
        return 0
    brand = alerting.playbook.brand_or_drill(incident.brand)
    return emit(
        event_type,
        incident,
        ref=ref,
        integrations=alerting.integrations,
        outbox=outbox,
        public_url=alerting.public_url,
        brand_name=brand.name if brand else incident.brand,
        now=now,
        news=news,
        draft=draft,
    )


def after_status_change(
    incident: Incident, *, alerting: Alerting, outbox: OutboxRepository, now: datetime
) -> int:
    """Acknowledged and resolved are news for the chat channels and the bus (once each: keyed by
    when it happened, so a repeated click or a retry posts nothing twice)."""
    if incident.status.value == "acknowledged" and incident.acknowledged_at is not None:
        who = incident.acknowledged_by or "jemand"
        return announce(
            "incident.updated",
            incident,
            ref=f"acknowledged-{incident.acknowledged_at.isoformat()}",
            alerting=alerting,
            outbox=outbox,
            now=now,
            news=f"Bestätigt von {who}: das Krisenteam kümmert sich.",
        )
    if incident.status.value == "resolved" and incident.resolved_at is not None:
        return announce(
            "incident.resolved",
            incident,
            ref=f"resolved-{incident.resolved_at.isoformat()}",
            alerting=alerting,
            outbox=outbox,
            now=now,
            news=f"Gelöst von {incident.resolved_by or 'jemand'}.",
        )
    return 0


def after_draft_decision(
    draft: Draft, incident: Incident, *, alerting: Alerting, outbox: OutboxRepository, now: datetime
) -> int:
    """An approved draft and a published statement are news (once per draft each)."""
    if draft.status.value == "approved":
        return announce(
            "draft.approved",
            incident,
            ref=f"{draft.draft_id}-approved-v{draft.version}",
            alerting=alerting,
            outbox=outbox,
            now=now,
            news=f"Antwort freigegeben ({draft.kind}, {draft.channel}): bereit zur Veröffentlichung.",
            draft=draft,
        )
    if draft.status.value == "published":
        return announce(
            "statement.published",
            incident,
            ref=f"{draft.draft_id}-published",
            alerting=alerting,
            outbox=outbox,
            now=now,
            news=f"Stellungnahme veröffentlicht ({draft.kind}, {draft.channel}) von {draft.published_by}.",
            draft=draft,
        )
    return 0
