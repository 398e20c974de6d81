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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import DeliveryFailed, DeliveryRejected
from chalicelib.domain.events import ALERT_EVENTS
from chalicelib.domain.links import link_url, sign_link
from chalicelib.domain.messages import (
    compose_alert,
    compose_email,
    compose_sms,
    incident_link,
    integration_document,
)
from chalicelib.domain.models import AlertMessage, Delivery, Incident
from chalicelib.domain.playbook import Playbook
from chalicelib.domain.routing import Recipient, plan_recipients
from chalicelib.observability import logger
from chalicelib.ports import Notifier, OutboxRepository, SecretProvider, UserRepository
from chalicelib.services.integrations import Integrations, event_deliveries

# Longer than a publish can take (the SNS client gives up well before), so a live sender keeps its claim.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=15)


@dataclass
class DeliveryReport:
    due: int = 0  # alerts due when the run started: the outbox's backlog (at most the run's limit)
    published: int = 0
    delivered: int = 0
    failed: int = 0
    claimed_elsewhere: int = 0
    lease_lost: int = 0
    rejected: int = 0


CHANNEL_ORDER = ("sms", "email", "integration", "teams", "slack", "webhook", "eventbridge")


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the n-th failed attempt: 30 s, 1 min, 2 min, ... at most 15 min."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_RETRY)


def alert_id_for(incident: Incident, event_type: str, escalation_level: int) -> str:
    return f"{incident.incident_id}#{event_type}#{incident.severity.label}#L{escalation_level}"


@dataclass(frozen=True)
class Alerting:
    """What composing an alert needs besides the incident: the brands, the crisis team as it is in the
    store now (so a roster change applies to the next alert), the link secret and the public URL."""

    playbook: Playbook
    users: UserRepository
    secrets: SecretProvider
    public_url: str
    link_ttl: timedelta = timedelta(minutes=60)
    integrations: Integrations = Integrations()  # chat channels and the event bus hear about it too


def _link(alerting: Alerting, incident: Incident, user_id: str | None, now: datetime, secret: bytes) -> str:
    if user_id is None:
        return incident_link(alerting.public_url, incident.incident_id)
    token = sign_link(
        secret, incident_id=incident.incident_id, user_id=user_id, expires_at=now + alerting.link_ttl
    )
    return link_url(alerting.public_url, incident.incident_id, token)


def enqueue_alert(
    incident: Incident,
    event_type: str,
    *,
    alerting: Alerting,
    outbox: OutboxRepository,
    now: datetime,
    escalation_level: int = 1,
    recipients: Sequence[Recipient] | None = None,
    alert_id: str | None = None,
) -> tuple[AlertMessage, int]:
    """Write one delivery per recipient to the outbox, each with its own text and signed link; returns
    the alert (as integrations see it) and how many rows were new. Recipients are planned from the
    roster unless given (an update addressed to the people in the incident's crisis roles)."""
    brand = alerting.playbook.brand_or_drill(incident.brand)
    brand_name = brand.name if brand else incident.brand
    alert_id = alert_id or alert_id_for(incident, event_type, escalation_level)
    message = compose_alert(incident, event_type, alert_id, alerting.public_url, brand_name)
    if recipients is None:
        recipients = plan_recipients(alerting.users.list(), incident.severity, escalation_level)
    secret = alerting.secrets.link_secret() if any(r.user_id for r in recipients) else b""
    deliveries = []
    for recipient in recipients:
        link = _link(alerting, incident, recipient.user_id, now, secret)
        if recipient.channel == "sms":
            subject, body = message.subject, compose_sms(incident, event_type, link, brand_name)
        elif recipient.channel == "email":
            subject, body = compose_email(incident, event_type, link, brand_name)
        else:
            subject, body = message.subject, integration_document(message, escalation_level)
        deliveries.append(
            Delivery(
                alert_id=alert_id,
                incident_id=incident.incident_id,
                brand=incident.brand,
                event_type=event_type,
                severity=incident.severity,
                channel=recipient.channel,
                recipient=recipient.address,
                user_id=recipient.user_id,
                escalation_level=escalation_level,
                subject=subject,
                body=body,
                created_at=now,
            )
        )
    event_type_out = ALERT_EVENTS.get(event_type)
    if event_type_out is not None:
        deliveries += event_deliveries(
            event_type_out,
            incident,
            alert_id=alert_id,
            integrations=alerting.integrations,
            public_url=alerting.public_url,
            brand_name=brand_name,
            now=now,
            news=incident.reasons[0] if event_type == "incident_updated" and incident.reasons else None,
            escalation_level=escalation_level,
        )
    new = outbox.add(deliveries)
    logger.info("alert enqueued", alert_id=alert_id, deliveries=len(deliveries), new=new)
    return message, new


def deliver_pending(
    *,
    outbox: OutboxRepository,
    notifier: Notifier,
    now: datetime,
    limit: int = 50,
    holder: str | None = None,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Claim the due deliveries of each alert, publish each one to its recipient, and settle it."""
    holder = holder or secrets.token_hex(8)
    due = outbox.due(now, limit)
    report = DeliveryReport(due=len(due))
    for alert_id in due:
        claimed = outbox.claim(alert_id, holder=holder, now=now, lease=lease)
        if not claimed:
            report.claimed_elsewhere += 1
            continue
        # People first: a slow chat or webhook receiver must not hold up an SMS.
        for delivery in sorted(claimed, key=lambda d: CHANNEL_ORDER.index(d.channel)):
            try:
                message_id = notifier.publish(delivery)
            except DeliveryRejected as error:
                report.rejected += 1
                outbox.mark_failed([delivery], holder=holder, error=error.message)
                logger.warning(
                    "alert refused by its receiver; not retried",
                    alert_id=alert_id,
                    channel=delivery.channel,
                    error=error.message,
                )
                continue
            except DeliveryFailed as error:
                report.failed += 1
                retry_at = now + retry_delay(delivery.attempts + 1)
                outbox.release([delivery], holder=holder, error=error.message, retry_at=retry_at)
                logger.warning(
                    "alert publish failed", alert_id=alert_id, channel=delivery.channel, error=error.message
                )
                continue
            report.published += 1
            if outbox.mark_delivered([delivery], holder=holder, message_id=message_id, at=now):
                report.delivered += 1
            else:
                # Our lease ran out mid-publish and another sender took over: it may publish again.
                report.lease_lost += 1
                logger.warning("alert lease lost before it was settled", alert_id=alert_id)
    return report
