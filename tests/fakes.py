"""In-memory fakes behind the ports, for unit tests of services."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.sources.credentials import SourceSecrets
from chalicelib.domain.drills import Drill, DrillStatus
from chalicelib.domain.errors import Conflict, DeliveryFailed, InvalidInput, NotFound, SourceUnavailable
from chalicelib.domain.models import ApiKey, Bucket, Delivery, DeliveryStatus, Page, RawMention, User
from chalicelib.domain.webhooks import WebhookSubscription
from chalicelib.ports import FetchResult


class MemoryState:
    """Keeps copies, as the stores keep serialized documents: a caller's later changes are not stored."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.values.get(key)
        return None if value is None else copy.deepcopy(value)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.values[key] = copy.deepcopy(value)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {key: self.get(key) for key in dict.fromkeys(keys)}
        return {key: value for key, value in found.items() if value is not None}

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        for key, value in items.items():
            self.put(key, value)  # through `put`, so CountingState counts each key's write


class CountingState(MemoryState):
    """The state port that counts its writes per key, to check what a run writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: dict[str, int] = {}

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.writes[key] = self.writes.get(key, 0) + 1
        super().put(key, value)


class MemoryBuckets:
    """The bucket port in memory: buckets by brand and start; counts its reads."""

    def __init__(self, buckets: Sequence[Bucket] = ()) -> None:
        self.buckets = {(b.brand, b.start): b for b in buckets}
        self.reads = 0

    def range(self, brand: str, since: datetime, until: datetime) -> list[Bucket]:
        self.reads += 1
        return sorted(
            (b for (key, start), b in self.buckets.items() if key == brand and since <= start < until),
            key=lambda b: b.start,
        )


class MemoryOutbox:
    """The outbox port in memory, with the same claim semantics as the adapters (one lock = one store)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Delivery] = {}
        self._lock = threading.Lock()

    def add(self, deliveries: Sequence[Delivery]) -> int:
        with self._lock:
            new = 0
            for delivery in deliveries:  # a row repeated within one batch is written once, as in the stores
                if (delivery.alert_id, delivery.target) not in self.rows:
                    self.rows[(delivery.alert_id, delivery.target)] = delivery
                    new += 1
            return new

    def due(self, now: datetime, limit: int) -> list[str]:
        with self._lock:
            ordered = sorted(self.rows.values(), key=lambda d: (d.created_at, d.alert_id, d.target))
            return list(dict.fromkeys(d.alert_id for d in ordered if d.is_due(now)))[:limit]

    def claim(self, alert_id: str, *, holder: str, now: datetime, lease: timedelta) -> list[Delivery]:
        with self._lock:
            rows = [d for d in self.rows.values() if d.alert_id == alert_id]
            if any(d.status is DeliveryStatus.SENDING and not d.is_due(now) for d in rows):
                return []
            claimed = [
                d.model_copy(
                    update={
                        "status": DeliveryStatus.SENDING,
                        "claimed_by": holder,
                        "lease_until": now + lease,
                    }
                )
                for d in rows
                if d.is_due(now)
            ]
            self.rows.update({(d.alert_id, d.target): d for d in claimed})
            return claimed

    def for_alert(self, alert_id: str) -> list[Delivery]:
        with self._lock:
            return sorted((d for d in self.rows.values() if d.alert_id == alert_id), key=lambda d: d.target)

    def _settle(self, claimed: Sequence[Delivery], holder: str, **update: Any) -> int:
        settled = 0
        with self._lock:
            for delivery in claimed:
                row = self.rows[(delivery.alert_id, delivery.target)]
                if row.status is DeliveryStatus.SENDING and row.claimed_by == holder:
                    self.rows[(row.alert_id, row.target)] = row.model_copy(
                        update={
                            **update,
                            "attempts": row.attempts + 1,
                            "claimed_by": None,
                            "lease_until": None,
                        }
                    )
                    settled += 1
        return settled

    def mark_delivered(
        self, claimed: Sequence[Delivery], *, holder: str, message_id: str, at: datetime
    ) -> int:
        return self._settle(
            claimed,
            holder,
            status=DeliveryStatus.DELIVERED,
            message_id=message_id,
            delivered_at=at,
            next_attempt_at=None,
        )

    def release(self, claimed: Sequence[Delivery], *, holder: str, error: str, retry_at: datetime) -> None:
        self._settle(
            claimed, holder, status=DeliveryStatus.PENDING, last_error=error, next_attempt_at=retry_at
        )

    def mark_failed(self, claimed: Sequence[Delivery], *, holder: str, error: str) -> None:
        self._settle(claimed, holder, status=DeliveryStatus.FAILED, last_error=error, next_attempt_at=None)

    def list(
        self, *, incident_id: str | None, limit: int, next_token: str | None, target: str | None = None
    ) -> Page[Delivery]:
        with self._lock:
            rows = sorted(
                (
                    d
                    for d in self.rows.values()
                    if incident_id in (None, d.incident_id) and target in (None, d.target)
                ),
                key=lambda d: (d.created_at, d.alert_id, d.target),
                reverse=True,
            )
        start = _offset(next_token)
        more = len(rows) > start + limit
        return Page[Delivery](
            items=rows[start : start + limit], next_token=str(start + limit) if more else None
        )


def _offset(next_token: str | None) -> int:
    """The fake's page token is an offset; anything else is rejected as the stores reject it."""
    if not next_token:
        return 0
    if not (next_token.isascii() and next_token.isdigit()):
        raise InvalidInput("next_token is not a token this API issued", [{"field": "next_token"}])
    return int(next_token)


class FlakyNotifier:
    """Fails the first `failures` publishes, then accepts; records what it accepted."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.published: list[Delivery] = []
        self._lock = threading.Lock()

    def publish(self, delivery: Delivery) -> str:
        with self._lock:
            if self.failures > 0:
                self.failures -= 1
                raise DeliveryFailed("SNS is down", [])
            self.published.append(delivery)
            return f"msg-{len(self.published)}"


class MemoryUsers:
    """The user repository in memory (list and get are what alerting and links need)."""

    def __init__(self, users: Sequence[User]) -> None:
        self.users = {u.user_id: u.model_copy(update={"version": 1}) for u in users}

    def create(self, user: User) -> User:
        if user.user_id in self.users:
            raise Conflict("a user with this id exists", [])
        self.users[user.user_id] = user.model_copy(update={"version": 1})
        return self.users[user.user_id]

    def save(self, user: User) -> User:
        if self.users[user.user_id].version != user.version:
            raise Conflict("stale", [])
        self.users[user.user_id] = user.model_copy(update={"version": user.version + 1})
        return self.users[user.user_id]

    def get(self, user_id: str) -> User:
        if user_id not in self.users:
            raise NotFound("no such user", [])
        return self.users[user_id]

    def list(self) -> list[User]:
        return [self.users[k] for k in sorted(self.users)]


class MemoryApiKeys:
    """The API key repository in memory; counts reads, so that a test can see what the cache saves."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}
        self.reads = 0

    def put(self, key: ApiKey) -> None:
        if key.key_id in self.keys:
            raise Conflict("a key with this id exists", [])
        self.keys[key.key_id] = key

    def get(self, key_id: str) -> ApiKey | None:
        self.reads += 1
        return self.keys.get(key_id)

    def list(self, *, limit: int, next_token: str | None) -> Page[ApiKey]:
        newest = sorted(self.keys.values(), key=lambda k: k.created_at, reverse=True)
        start = _offset(next_token)
        more = start + limit < len(newest)
        return Page[ApiKey](
            items=newest[start : start + limit], next_token=str(start + limit) if more else None
        )

    def revoke(self, key_id: str, *, at: datetime, by: str) -> ApiKey:
        if key_id not in self.keys:
            raise NotFound("no such key", [])
        key = self.keys[key_id]
        if not key.disabled:
            key = key.model_copy(update={"disabled": True, "revoked_at": at, "revoked_by": by})
            self.keys[key_id] = key
        return key


class StaticSecrets:
    def __init__(self, ingest: bytes = b"ingest-secret", link: bytes = b"link-secret") -> None:
        self._ingest, self._link = ingest, link

    def ingest_secret(self) -> bytes:
        return self._ingest

    def link_secret(self) -> bytes:
        return self._link


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


class MemoryDrills:
    """The drill repository in memory: versions, one running drill per brand, newest first by id."""

    def __init__(self) -> None:
        self.drills: dict[str, Drill] = {}
        self._lock = threading.Lock()

    def create(self, drill: Drill) -> Drill:
        with self._lock:
            if drill.drill_id in self.drills:
                raise Conflict("a drill with this id exists", [{"drill_id": drill.drill_id}])
            if any(d.brand == drill.brand and d.status is DrillStatus.RUNNING for d in self.drills.values()):
                raise Conflict("a drill is already running for this brand", [{"brand": drill.brand}])
            created = drill.model_copy(update={"version": 1})
            self.drills[drill.drill_id] = created
            return created

    def save(self, drill: Drill) -> Drill:
        with self._lock:
            current = self.drills.get(drill.drill_id)
            if current is None or current.version != drill.version:
                raise Conflict("stale", [{"drill_id": drill.drill_id}])
            saved = drill.model_copy(update={"version": drill.version + 1})
            self.drills[drill.drill_id] = saved
            return saved

    def get(self, drill_id: str) -> Drill:
        with self._lock:
            if drill_id not in self.drills:
                raise NotFound("no such drill", [{"drill_id": drill_id}])
            return self.drills[drill_id]

    def running(self) -> list[Drill]:
        with self._lock:
            return sorted(
                (d for d in self.drills.values() if d.status is DrillStatus.RUNNING), key=lambda d: d.drill_id
            )

    def list(self, *, limit: int, next_token: str | None) -> Page[Drill]:
        with self._lock:
            rows = sorted(self.drills.values(), key=lambda d: d.drill_id, reverse=True)
        start = _offset(next_token)
        more = len(rows) > start + limit
        return Page[Drill](items=rows[start : start + limit], next_token=str(start + limit) if more else None)


class MemoryWebhooks:
    """The webhook repository in memory: versions, NotFound after delete, oldest first."""

    def __init__(self) -> None:
        self.webhooks: dict[str, WebhookSubscription] = {}
        self._lock = threading.Lock()

    def create(self, webhook: WebhookSubscription) -> WebhookSubscription:
        with self._lock:
            if webhook.webhook_id in self.webhooks:
                raise Conflict("a webhook with this id exists", [{"webhook_id": webhook.webhook_id}])
            created = webhook.model_copy(update={"version": 1})
            self.webhooks[webhook.webhook_id] = created
            return created

    def get(self, webhook_id: str) -> WebhookSubscription:
        with self._lock:
            if webhook_id not in self.webhooks:
                raise NotFound("no such webhook", [{"webhook_id": webhook_id}])
            return self.webhooks[webhook_id]

    def list(self) -> list[WebhookSubscription]:
        with self._lock:
            return sorted(self.webhooks.values(), key=lambda w: (w.created_at, w.webhook_id))

    def save(self, webhook: WebhookSubscription) -> WebhookSubscription:
        with self._lock:
            current = self.webhooks.get(webhook.webhook_id)
            if current is None:
                raise NotFound("no such webhook", [{"webhook_id": webhook.webhook_id}])
            if current.version != webhook.version:
                raise Conflict("stale", [{"webhook_id": webhook.webhook_id}])
            saved = webhook.model_copy(update={"version": webhook.version + 1})
            self.webhooks[webhook.webhook_id] = saved
            return saved

    def delete(self, webhook_id: str) -> None:
        with self._lock:
            if self.webhooks.pop(webhook_id, None) is None:
                raise NotFound("no such webhook", [{"webhook_id": webhook_id}])


class StaticSourceSecrets(SourceSecrets):
    """Platform credentials from a dict keyed by secret name (`x`, `facebook-mueller`, ...)."""

    def __init__(self, secrets: dict[str, dict[str, str]], stage: str = "test") -> None:
        prefix = f"krisenradar/{stage}/sources/"

        def fetch(secret_id: str) -> dict[str, str]:
            return secrets[secret_id.removeprefix(prefix)]  # KeyError: as if the secret were absent

        super().__init__(stage, fetch)
