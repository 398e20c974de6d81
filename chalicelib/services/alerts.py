"""The alert outbox: write every planned delivery first, claim, publish, then mark it delivered.

Several jobs deliver (the rules job right after opening an incident, the escalation job, the retry
job), and in AWS they overlap and may run twice. Before publishing, a sender claims the alert's rows
(pending -> sending, with a lease); a second sender finds nothing to claim, so one alert is published
once. A sender that dies mid-way leaves its lease to expire, and the rows become due again. A publish
that fails puts the rows back to pending with a growing back-off; nothing is ever dropped. Alert ids
are deterministic (incident + event), so writing the same alert twice is a no-op.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import DeliveryFailed
from chalicelib.domain.messages import compose_alert
from chalicelib.domain.models import AlertMessage, Delivery, DeliveryStatus, Incident
from chalicelib.domain.playbook import Playbook
from chalicelib.domain.routing import plan_recipients
from chalicelib.observability import logger
from chalicelib.ports import Notifier, OutboxRepository

# Longer than a publish can take (the SNS client gives up well before), so a live sender keeps its claim.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=15)


@dataclass
class DeliveryReport:
    published: int = 0
    delivered: int = 0
    failed: int = 0
    claimed_elsewhere: int = 0
    lease_lost: int = 0


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the n-th failed attempt: 30 s, 1 min, 2 min, ... at most 15 min."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_RETRY)


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
    *,
    outbox: OutboxRepository,
    notifier: Notifier,
    now: datetime,
    limit: int = 50,
    holder: str | None = None,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Claim, publish and settle every alert that is due; SNS fans each one out to its recipients."""
    holder = holder or secrets.token_hex(8)
    report = DeliveryReport()
    for alert_id in outbox.due(now, limit):
        claimed = outbox.claim(alert_id, holder=holder, now=now, lease=lease)
        if not claimed:
            report.claimed_elsewhere += 1
            continue
        rows = outbox.for_alert(alert_id) or claimed
        sent = next((row for row in rows if row.status is DeliveryStatus.DELIVERED and row.message_id), None)
        if sent is not None and sent.message_id is not None:
            # The alert went out already and SNS fanned it out to every subscriber: rows written after
            # that publish (a writer still adding the alert's rows, a new team member) are settled with
            # it instead of sending the alert a second time.
            report.delivered += outbox.mark_delivered(
                claimed, holder=holder, message_id=sent.message_id, at=now
            )
            continue
        # Rebuild the message from all rows of the alert, delivered ones included.
        message, level = _message_from(rows)
        try:
            message_id = notifier.publish(message, level)
        except DeliveryFailed as error:
            report.failed += len(claimed)
            retry_at = now + retry_delay(max(d.attempts for d in claimed) + 1)
            outbox.release(claimed, holder=holder, error=error.message, retry_at=retry_at)
            logger.warning("alert publish failed", alert_id=alert_id, error=error.message)
            continue
        report.published += 1
        settled = outbox.mark_delivered(claimed, holder=holder, message_id=message_id, at=now)
        report.delivered += settled
        if settled < len(claimed):
            # Our lease ran out mid-publish and another sender took over: it may publish again.
            report.lease_lost += len(claimed) - settled
            logger.warning("alert lease lost before it was settled", alert_id=alert_id)
    return report
