"""In-memory fakes behind the ports, for unit tests of services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import DeliveryFailed, SourceUnavailable
from chalicelib.domain.models import AlertMessage, Delivery, DeliveryStatus, RawMention
from chalicelib.ports import FetchResult


class MemoryState:
    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.values.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.values[key] = value


class MemoryOutbox:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], Delivery] = {}

    def add(self, deliveries: Sequence[Delivery]) -> int:
        new = 0
        for d in deliveries:
            key = (d.alert_id, d.channel, d.recipient)
            if key not in self.rows:
                self.rows[key] = d
                new += 1
        return new

    def pending(self, limit: int) -> list[Delivery]:
        return [d for d in self.rows.values() if d.status is DeliveryStatus.PENDING][:limit]

    def for_alert(self, alert_id: str) -> list[Delivery]:
        return [d for d in self.rows.values() if d.alert_id == alert_id]

    def mark_delivered(self, delivery: Delivery, message_id: str, at: datetime) -> None:
        key = (delivery.alert_id, delivery.channel, delivery.recipient)
        self.rows[key] = self.rows[key].model_copy(
            update={
                "status": DeliveryStatus.DELIVERED,
                "message_id": message_id,
                "delivered_at": at,
                "attempts": self.rows[key].attempts + 1,
            }
        )

    def mark_failed(self, delivery: Delivery, error: str) -> None:
        key = (delivery.alert_id, delivery.channel, delivery.recipient)
        self.rows[key] = self.rows[key].model_copy(
            update={"attempts": self.rows[key].attempts + 1, "last_error": error}
        )


class FlakyNotifier:
    """Fails the first `failures` publishes, then accepts; records what it accepted."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.published: list[tuple[AlertMessage, int]] = []

    def publish(self, message: AlertMessage, escalation_level: int) -> str:
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryFailed("SNS is down", [])
        self.published.append((message, escalation_level))
        return f"msg-{len(self.published)}"


class ScriptedSource:
    """A source that returns prepared pages, or raises, in order."""

    slug = "scripted"

    def __init__(
        self, source_id: str, pages: list[list[RawMention] | Exception], poll_seconds: int = 60
    ) -> None:
        self.source_id = source_id
        self.poll_seconds = poll_seconds
        self._pages = pages
        self.calls: list[dict[str, Any] | None] = []

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult:
        self.calls.append(cursor)
        position = int((cursor or {}).get("page", 0))
        if position >= len(self._pages):
            return FetchResult([], {"page": position})
        page = self._pages[position]
        if isinstance(page, Exception):
            raise page
        return FetchResult(page, {"page": position + 1}, exhausted=position + 1 >= len(self._pages))


def unavailable(message: str = "rate limited") -> SourceUnavailable:
    return SourceUnavailable(message, [{"status": 429}])
