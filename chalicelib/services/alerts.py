"""The alert outbox: write every planned delivery first, publish, then mark it delivered.

A publish that fails leaves the rows pending; the delivery job retries them every minute until SNS
accepts them. Alert ids are deterministic (incident + event), so writing the same alert twice is a no-op.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import DeliveryFailed
from chalicelib.domain.messages import compose_alert
from chalicelib.domain.models import AlertMessage, Delivery, Incident
from chalicelib.domain.playbook import Playbook
from chalicelib.domain.routing import plan_recipients
from chalicelib.observability import logger
from chalicelib.ports import Notifier, OutboxRepository


@dataclass
class DeliveryReport:
    published: int = 0
    delivered: int = 0
    failed: int = 0


def alert_id_for(incident: Incident, event_type: str, escalation_level: int) -> str:
    return f"{incident.incident_id}#{event_type}#{incident.severity.label}#L{escalation_level}"


def enqueue_alert(
    incident: Incident,
    event_type: str,
    *,
    playbook: Playbook,
    outbox: OutboxRepository,
    public_url: str,
    now: datetime,
    escalation_level: int = 1,
) -> tuple[AlertMessage, int]:
    """Write the alert's deliveries to the outbox; returns the message and how many rows were new."""
    brand = playbook.brand(incident.brand)
    message = compose_alert(
        incident,
        event_type,
        alert_id_for(incident, event_type, escalation_level),
        public_url,
        brand.name if brand else incident.brand,
    )
    deliveries = [
        Delivery(
            alert_id=message.alert_id,
            incident_id=incident.incident_id,
            brand=incident.brand,
            event_type=event_type,
            severity=incident.severity,
            channel=channel,
            recipient=recipient,
            escalation_level=escalation_level,
            subject=message.subject,
            body=message.sms if channel == "sms" else message.email,
            created_at=now,
        )
        for channel, recipient in plan_recipients(playbook.team, incident.severity, escalation_level)
    ]
    new = outbox.add(deliveries)
    logger.info("alert enqueued", alert_id=message.alert_id, deliveries=len(deliveries), new=new)
    return message, new


def _message_from(deliveries: list[Delivery]) -> tuple[AlertMessage, int]:
    first = deliveries[0]
    sms = next((d.body for d in deliveries if d.channel == "sms"), "")
    email = next((d.body for d in deliveries if d.channel == "email"), first.body)
    message = AlertMessage(
        alert_id=first.alert_id,
        incident_id=first.incident_id,
        brand=first.brand,
        event_type=first.event_type,
        severity=first.severity,
        subject=first.subject,
        sms=sms or first.subject,
        email=email,
    )
    return message, first.escalation_level


def deliver_pending(
    *, outbox: OutboxRepository, notifier: Notifier, now: datetime, limit: int = 200
) -> DeliveryReport:
    """Publish every alert that has pending deliveries, once per alert; SNS fans it out."""
    report = DeliveryReport()
    by_alert: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in outbox.pending(limit):
        by_alert[delivery.alert_id].append(delivery)
    for alert_id, pending in by_alert.items():
        # Rebuild the message from all rows of the alert, delivered ones included.
        message, level = _message_from(outbox.for_alert(alert_id) or pending)
        try:
            message_id = notifier.publish(message, level)
        except DeliveryFailed as error:
            report.failed += len(pending)
            for delivery in pending:
                outbox.mark_failed(delivery, error.message)
            logger.warning("alert publish failed", alert_id=alert_id, error=error.message)
            continue
        report.published += 1
        for delivery in pending:
            outbox.mark_delivered(delivery, message_id, now)
            report.delivered += 1
    return report
