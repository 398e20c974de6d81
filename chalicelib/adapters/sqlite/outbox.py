"""The alert outbox in SQLite. Claiming an alert is one write transaction: it sees every row of the
alert, refuses while another sender's lease is live, and moves all due rows to sending at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.listing import newest_first
from chalicelib.domain.models import Delivery, DeliveryStatus, Page, utcnow

DEFAULT_RETENTION = timedelta(days=30)

_MUTABLE = (
    "status",
    "attempts",
    "last_error",
    "delivered_at",
    "message_id",
    "next_attempt_at",
    "claimed_by",
    "lease_until",
)
_COLUMNS = ", ".join(("doc", *_MUTABLE))


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery.model_validate_json(row["doc"]).model_copy(
        update={
            "status": DeliveryStatus(row["status"]),
            "attempts": int(row["attempts"]),
            "last_error": row["last_error"],
            "delivered_at": _time(row["delivered_at"]),
            "message_id": row["message_id"],
            "next_attempt_at": _time(row["next_attempt_at"]),
            "claimed_by": row["claimed_by"],
            "lease_until": _time(row["lease_until"]),
        }
    )


def _created_key(delivery: Delivery) -> str:
    return f"{iso(delivery.created_at)}#{delivery.alert_id}#{delivery.target}"


class SqliteOutboxRepository:
    """Rows older than the retention period are never read (they name team phone numbers); the
    retention job deletes them."""

    def __init__(
        self, db: Database, retention: timedelta = DEFAULT_RETENTION, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = db
        self._retention = retention
        self._clock = clock

    def _cutoff(self, now: datetime | None = None) -> str:
        """created_key starts with the creation time: rows at or before this key have expired."""
        return iso((now or self._clock()) - self._retention) + "~"

    def add(self, deliveries: Sequence[Delivery]) -> int:
        new = 0
        with self._db.transaction() as tx:
            for delivery in deliveries:
                new += tx.execute(
                    "INSERT INTO outbox (alert_id, target, incident_id, created_key, status, attempts, doc)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, target) DO NOTHING",
                    (
                        delivery.alert_id,
                        delivery.target,
                        delivery.incident_id,
                        _created_key(delivery),
                        delivery.status.value,
                        delivery.attempts,
                        delivery.model_dump_json(),
                    ),
                ).rowcount
        return new

    def due(self, now: datetime, limit: int) -> list[str]:
        with self._db.snapshot() as conn:
            rows = conn.execute(
                "SELECT alert_id, MIN(created_key) AS first FROM outbox"
                " WHERE status != 'delivered' AND status != 'failed' AND created_key > :cutoff AND ("
                " (status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= :now))"
                " OR (status = 'sending' AND (lease_until IS NULL OR lease_until <= :now)))"
                " GROUP BY alert_id ORDER BY first LIMIT :limit",
                {"now": iso(now), "limit": limit, "cutoff": self._cutoff(now)},
            ).fetchall()
        return [row["alert_id"] for row in rows]

    def claim(self, alert_id: str, *, holder: str, now: datetime, lease: timedelta) -> list[Delivery]:
        with self._db.transaction() as tx:
            rows = [
                _delivery(row)
                for row in tx.execute(
                    f"SELECT {_COLUMNS} FROM outbox WHERE alert_id = ? AND created_key > ?",
                    (alert_id, self._cutoff(now)),
                )
            ]
            if any(d.status is DeliveryStatus.SENDING and not d.is_due(now) for d in rows):
                return []  # another sender holds a live lease on this alert
            due = [d for d in rows if d.is_due(now)]
            until = now + lease
            tx.executemany(
                "UPDATE outbox SET status = 'sending', claimed_by = ?, lease_until = ?"
                " WHERE alert_id = ? AND target = ?",
                [(holder, iso(until), alert_id, d.target) for d in due],
            )
        return [
            d.model_copy(
                update={"status": DeliveryStatus.SENDING, "claimed_by": holder, "lease_until": until}
            )
            for d in due
        ]

    def for_alert(self, alert_id: str) -> list[Delivery]:
        with self._db.snapshot() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE alert_id = ? AND created_key > ? ORDER BY target",
                (alert_id, self._cutoff()),
            ).fetchall()
        return [_delivery(row) for row in rows]

    def mark_delivered(
        self, claimed: Sequence[Delivery], *, holder: str, message_id: str, at: datetime
    ) -> int:
        with self._db.transaction() as tx:
            return sum(
                tx.execute(
                    "UPDATE outbox SET status = 'delivered', delivered_at = ?, message_id = ?,"
                    " attempts = attempts + 1, claimed_by = NULL, lease_until = NULL, next_attempt_at = NULL"
                    " WHERE alert_id = ? AND target = ? AND status = 'sending' AND claimed_by = ?",
                    (iso(at), message_id, delivery.alert_id, delivery.target, holder),
                ).rowcount
                for delivery in claimed
            )

    def release(self, claimed: Sequence[Delivery], *, holder: str, error: str, retry_at: datetime) -> None:
        with self._db.transaction() as tx:
            tx.executemany(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, last_error = ?,"
                " next_attempt_at = ?, claimed_by = NULL, lease_until = NULL"
                " WHERE alert_id = ? AND target = ? AND status = 'sending' AND claimed_by = ?",
                [(error[:500], iso(retry_at), d.alert_id, d.target, holder) for d in claimed],
            )

    def mark_failed(self, claimed: Sequence[Delivery], *, holder: str, error: str) -> None:
        with self._db.transaction() as tx:
            tx.executemany(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,"
                " next_attempt_at = NULL, claimed_by = NULL, lease_until = NULL"
                " WHERE alert_id = ? AND target = ? AND status = 'sending' AND claimed_by = ?",
                [(error[:500], d.alert_id, d.target, holder) for d in claimed],
            )

    def list(
        self, *, incident_id: str | None, limit: int, next_token: str | None, target: str | None = None
    ) -> Page[Delivery]:
        conditions: list[tuple[str, list[object]]] = [("created_key > ?", [self._cutoff()])]
        if incident_id is not None:
            conditions.append(("incident_id = ?", [incident_id]))
        if target is not None:
            conditions.append(("target = ?", [target]))
        return newest_first(
            self._db,
            listing="alerts",
            select=f"SELECT {_COLUMNS}, created_key FROM outbox",
            sort_key="created_key",
            conditions=conditions,
            limit=limit,
            next_token=next_token,
            convert=_delivery,
        )
