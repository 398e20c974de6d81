"""The alert outbox in DynamoDB.

Claiming an alert takes a lease item beside its rows (sort key `~lease`) with one conditional write,
then moves the alert's due rows to sending. No transaction is involved, so a claim that loses the race
costs one failed conditional write and nothing else. Settling releases the lease item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from chalicelib.adapters.dynamo.common import conditional_check_failed, query_page
from chalicelib.adapters.dynamo.models import LEASE_TARGET, AlertLeaseItem, DeliveryItem
from chalicelib.adapters.paging import iso
from chalicelib.domain.models import Delivery, DeliveryStatus, Page, Severity, utcnow

_SETTLED = (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
_NOT_DELIVERED = "pending"  # the sparse by_pending index holds every row that is not delivered yet


class DynamoOutboxRepository:
    """Rows carry a TTL (they name team phone numbers); until DynamoDB deletes them, reads skip them."""

    def __init__(
        self, retention: timedelta = timedelta(days=30), clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._retention = retention
        self._clock = clock

    def _cutoff(self, now: datetime | None = None) -> datetime:
        return (now or self._clock()) - self._retention

    def add(self, deliveries: Sequence[Delivery]) -> int:
        new = 0
        for delivery in deliveries:
            try:
                _delivery_item(delivery, delivery.created_at + self._retention).save(
                    condition=DeliveryItem.alert_id.does_not_exist()
                )
                new += 1
            except PutError as error:
                if not conditional_check_failed(error):
                    raise
        return new

    def due(self, now: datetime, limit: int) -> list[str]:
        alerts: dict[str, None] = {}
        live = DeliveryItem.created_key > iso(self._cutoff(now)) + "~"
        for item in DeliveryItem.by_pending.query(_NOT_DELIVERED, range_key_condition=live, page_size=100):
            if _delivery(item).is_due(now):
                alerts[item.alert_id] = None
                if len(alerts) >= limit:
                    break
        return list(alerts)

    def claim(self, alert_id: str, *, holder: str, now: datetime, lease: timedelta) -> list[Delivery]:
        until = now + lease
        try:
            AlertLeaseItem(alert_id, LEASE_TARGET).update(
                actions=[
                    AlertLeaseItem.holder.set(holder),
                    AlertLeaseItem.lease_until.set(until.timestamp()),
                ],
                condition=AlertLeaseItem.alert_id.does_not_exist()
                | (AlertLeaseItem.lease_until <= now.timestamp()),
            )
        except UpdateError as error:
            if conditional_check_failed(error):
                return []  # another sender holds a live lease on this alert
            raise
        rows = [d for d in self.for_alert(alert_id) if d.created_at > self._cutoff(now)]
        if any(d.status is DeliveryStatus.SENDING and not d.is_due(now) for d in rows):
            self._release_lease(alert_id, holder)
            return []
        # Under the alert's lease no live sender competes; the conditions only fence off a late one.
        claimed = []
        for delivery in (d for d in rows if d.is_due(now)):
            try:
                DeliveryItem(alert_id, delivery.target).update(
                    actions=[
                        DeliveryItem.status.set(DeliveryStatus.SENDING.value),
                        DeliveryItem.claimed_by.set(holder),
                        DeliveryItem.lease_until.set(until),
                    ],
                    condition=(DeliveryItem.status == DeliveryStatus.PENDING.value)
                    | (
                        (DeliveryItem.status == DeliveryStatus.SENDING.value)
                        & (DeliveryItem.lease_until <= now)
                    ),
                )
            except UpdateError as error:
                if not conditional_check_failed(error):
                    raise
                continue
            claimed.append(
                delivery.model_copy(
                    update={"status": DeliveryStatus.SENDING, "claimed_by": holder, "lease_until": until}
                )
            )
        if not claimed:
            self._release_lease(alert_id, holder)
        return claimed

    def for_alert(self, alert_id: str) -> list[Delivery]:
        rows = DeliveryItem.query(
            alert_id, range_key_condition=DeliveryItem.target < LEASE_TARGET, consistent_read=True
        )
        cutoff = self._cutoff()
        return [delivery for delivery in map(_delivery, rows) if delivery.created_at > cutoff]

    def mark_delivered(
        self, claimed: Sequence[Delivery], *, holder: str, message_id: str, at: datetime
    ) -> int:
        settled = sum(
            self._settle(
                delivery,
                holder,
                [
                    DeliveryItem.status.set(DeliveryStatus.DELIVERED.value),
                    DeliveryItem.pending.remove(),
                    DeliveryItem.delivered_at.set(at),
                    DeliveryItem.message_id.set(message_id),
                    DeliveryItem.next_attempt_at.remove(),
                ],
            )
            for delivery in claimed
        )
        self._release_leases(claimed, holder)
        return settled

    def release(self, claimed: Sequence[Delivery], *, holder: str, error: str, retry_at: datetime) -> None:
        for delivery in claimed:
            self._settle(
                delivery,
                holder,
                [
                    DeliveryItem.status.set(DeliveryStatus.PENDING.value),
                    DeliveryItem.last_error.set(error[:500]),
                    DeliveryItem.next_attempt_at.set(retry_at),
                ],
            )
        self._release_leases(claimed, holder)

    def mark_failed(self, claimed: Sequence[Delivery], *, holder: str, error: str) -> None:
        for delivery in claimed:
            self._settle(
                delivery,
                holder,
                [
                    DeliveryItem.status.set(DeliveryStatus.FAILED.value),
                    DeliveryItem.pending.remove(),
                    DeliveryItem.last_error.set(error[:500]),
                    DeliveryItem.next_attempt_at.remove(),
                ],
            )
        self._release_leases(claimed, holder)

    def _settle(self, delivery: Delivery, holder: str, actions: list[Any]) -> bool:
        try:
            DeliveryItem(delivery.alert_id, delivery.target).update(
                actions=[
                    *actions,
                    DeliveryItem.attempts.add(1),
                    DeliveryItem.claimed_by.remove(),
                    DeliveryItem.lease_until.remove(),
                ],
                condition=(DeliveryItem.status == DeliveryStatus.SENDING.value)
                & (DeliveryItem.claimed_by == holder),
            )
        except UpdateError as error:
            if conditional_check_failed(error):
                return False
            raise
        return True

    def _release_leases(self, claimed: Sequence[Delivery], holder: str) -> None:
        for alert_id in dict.fromkeys(d.alert_id for d in claimed):
            self._release_lease(alert_id, holder)

    def _release_lease(self, alert_id: str, holder: str) -> None:
        try:
            AlertLeaseItem(alert_id, LEASE_TARGET).delete(condition=AlertLeaseItem.holder == holder)
        except DeleteError as error:
            if not conditional_check_failed(error):
                raise

    def list(
        self, *, incident_id: str | None, limit: int, next_token: str | None, target: str | None = None
    ) -> Page[Delivery]:
        index: Any
        conditions: dict[str, Any] = {
            "range_key_condition": DeliveryItem.created_key > iso(self._cutoff()) + "~"
        }
        if target is not None:
            index, hash_key, extra = DeliveryItem.by_target, target, "target"
            if incident_id is not None:
                conditions["filter_condition"] = DeliveryItem.incident_id == incident_id
        elif incident_id is not None:
            index, hash_key, extra = DeliveryItem.by_incident, incident_id, "incident_id"
        else:
            index, hash_key, extra = DeliveryItem.by_created, "delivery", "kind"
        return query_page(
            index.query,
            hash_key,
            _delivery,
            {"alert_id", "target", "created_key", extra},
            limit,
            next_token,
            **conditions,
        )


def _delivery_item(delivery: Delivery, expires_at: datetime) -> DeliveryItem:
    return DeliveryItem(
        delivery.alert_id,
        delivery.target,
        kind="delivery",
        incident_id=delivery.incident_id,
        brand=delivery.brand,
        event_type=delivery.event_type,
        severity=int(delivery.severity),
        channel=delivery.channel,
        recipient=delivery.recipient,
        user_id=delivery.user_id,
        escalation_level=delivery.escalation_level,
        subject=delivery.subject,
        body=delivery.body,
        status=delivery.status.value,
        pending=None if delivery.status in _SETTLED else _NOT_DELIVERED,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        created_key=f"{iso(delivery.created_at)}#{delivery.alert_id}#{delivery.target}",
        delivered_at=delivery.delivered_at,
        message_id=delivery.message_id,
        next_attempt_at=delivery.next_attempt_at,
        claimed_by=delivery.claimed_by,
        lease_until=delivery.lease_until,
        expires_at=expires_at,
    )


def _delivery(item: DeliveryItem) -> Delivery:
    return Delivery(
        alert_id=item.alert_id,
        incident_id=item.incident_id,
        brand=item.brand,
        event_type=item.event_type,
        severity=Severity(int(item.severity)),
        channel=item.channel,
        recipient=item.recipient,
        user_id=item.user_id,
        escalation_level=int(item.escalation_level or 1),
        subject=item.subject,
        body=item.body,
        status=DeliveryStatus(item.status),
        attempts=int(item.attempts),
        last_error=item.last_error,
        created_at=item.created_at,
        delivered_at=item.delivered_at,
        message_id=item.message_id,
        next_attempt_at=item.next_attempt_at,
        claimed_by=item.claimed_by,
        lease_until=item.lease_until,
    )
