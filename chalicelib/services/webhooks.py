"""Outgoing webhook subscriptions: create (the secret is shown once), change, delete, and the delivery
log of one subscription. The sender (alerts) loads a subscription by id when it posts a message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain import webhooks as rules
from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import Delivery, Page, Principal
from chalicelib.domain.webhooks import WebhookSubscription
from chalicelib.ports import OutboxRepository, WebhookRepository

WEBHOOK_CHANNEL = "webhook"


def create_webhook(
    *,
    url: str,
    events: Sequence[str],
    stage: str,
    webhooks: WebhookRepository,
    principal: Principal,
    now: datetime,
) -> WebhookSubscription:
    return webhooks.create(
        WebhookSubscription(
            webhook_id=rules.new_webhook_id(),
            url=rules.check_url(url, stage=stage),
            events=rules.check_events(events),
            secret=rules.new_secret(),
            created_at=now,
            created_by=principal.name,
        )
    )


def update_webhook(
    webhook_id: str,
    *,
    url: str | None,
    events: Sequence[str] | None,
    paused: bool | None,
    version: int | None,
    stage: str,
    webhooks: WebhookRepository,
    principal: Principal,
    now: datetime,
) -> WebhookSubscription:
    """Change what was given; `version`, when given, must be the current one (409 otherwise)."""
    current = webhooks.get(webhook_id)
    if version is not None and version != current.version:
        raise Conflict(
            "the webhook was changed by someone else; reload and try again",
            [{"webhook_id": webhook_id, "version": current.version}],
        )
    changes: dict[str, object] = {"updated_at": now, "updated_by": principal.name}
    if url is not None:
        changes["url"] = rules.check_url(url, stage=stage)
    if events is not None:
        changes["events"] = rules.check_events(events)
    if paused is not None:
        changes["paused"] = paused
    return webhooks.save(current.model_copy(update=changes))


def deliveries(
    webhook_id: str,
    *,
    webhooks: WebhookRepository,
    outbox: OutboxRepository,
    limit: int,
    next_token: str | None,
) -> Page[Delivery]:
    """The subscription's deliveries, newest first: a Query on the outbox's index by target."""
    webhooks.get(webhook_id)  # NotFound for an unknown subscription
    return outbox.list(
        incident_id=None, limit=limit, next_token=next_token, target=f"{WEBHOOK_CHANNEL}#{webhook_id}"
    )
