"""The Protocols the services depend on. Adapters implement them; tests use fakes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.analysis.types import TextAnalysis
from chalicelib.domain.drills import Drill
from chalicelib.domain.models import (
    ApiKey,
    AuditEntry,
    Bucket,
    CrmContact,
    Delivery,
    Draft,
    Incident,
    IncidentStatus,
    Mention,
    Page,
    RawMention,
    Severity,
    User,
)
from chalicelib.domain.webhooks import WebhookSubscription


class MentionRepository(Protocol):
    def store_all(self, mentions: Sequence[Mention]) -> int:
        """Store every mention not stored before and count it into its buckets; returns how many were new.

        A mention and its counters are written together or not at all, so a retry never counts twice."""

    def list_by_brand(
        self, brand: str, since: datetime, until: datetime, limit: int, next_token: str | None
    ) -> Page[Mention]: ...

    def top_for_incident(self, brand: str, since: datetime, until: datetime, limit: int) -> list[Mention]:
        """The `limit` mentions of the brand published in [since, until] with the widest reach, then
        the most negative, the most risk terms, the newest; exact however many the window holds."""

    # Every read above leaves out mentions whose expires_at has passed, even before they are deleted.

    def for_author(self, platform: str, handle: str) -> list[Mention]:
        """Every mention stored of this author (handle compared without "@" and case), oldest first,
        expired ones too until they are deleted (DSGVO Art. 15); a Query on the author index."""

    def erase(self, mention: Mention) -> bool:
        """Delete the mention and take what it counted out of its buckets, at once and only if it is
        still stored: True for the call that erased it, False if it was gone (Art. 17)."""


class BucketRepository(Protocol):
    def range(self, brand: str, since: datetime, until: datetime) -> list[Bucket]:
        """Buckets whose start lies in [since, until), oldest first; empty buckets are absent."""


class IncidentRepository(Protocol):
    def create(self, incident: Incident) -> Incident:
        """Create an incident as the one active incident of its brand and topic (Conflict if one exists)."""

    def save(self, incident: Incident) -> Incident:
        """Save with optimistic locking (Conflict if someone else saved first)."""

    def get(self, incident_id: str) -> Incident: ...

    def active_for_brand(self, brand: str) -> list[Incident]: ...

    def list(
        self,
        *,
        status: IncidentStatus | None,
        severity: Severity | None,
        brand: str | None,
        limit: int,
        next_token: str | None,
    ) -> Page[Incident]: ...


class StateRepository(Protocol):
    """Small JSON documents: source cursors and detector states."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The documents of `keys` (each read once, however often it is named) by key, as `get` reads
        them; a key with no document is absent. In batches (DynamoDB: 100 keys a `BatchGetItem`)."""

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        """Store each document under its key, as `put` does, in batches (DynamoDB: 25 a
        `BatchWriteItem`). Not all or nothing: in DynamoDB a failed batch leaves the earlier ones written."""


class OutboxRepository(Protocol):
    """One alert is published once and fanned out by SNS, so an alert is the unit that is claimed.
    Rows older than the outbox retention period are never read (they name team phone numbers)."""

    def add(self, deliveries: Sequence[Delivery]) -> int:
        """Write deliveries that are not there yet (idempotent); returns how many were new."""

    def due(self, now: datetime, limit: int) -> list[str]:
        """Ids of alerts with a delivery due now (`Delivery.is_due`), oldest first."""

    def claim(self, alert_id: str, *, holder: str, now: datetime, lease: timedelta) -> list[Delivery]:
        """Move the alert's due deliveries to sending under `holder`'s lease, all or none of them.

        Returns the claimed deliveries; [] when nothing is due or another holder's lease is live."""

    def for_alert(self, alert_id: str) -> list[Delivery]: ...

    def mark_delivered(
        self, claimed: Sequence[Delivery], *, holder: str, message_id: str, at: datetime
    ) -> int:
        """Sending -> delivered for the rows `holder` still holds; returns how many it still held."""

    def release(self, claimed: Sequence[Delivery], *, holder: str, error: str, retry_at: datetime) -> None:
        """Sending -> pending after a failed publish: count the attempt, keep the error, retry later."""

    def mark_failed(self, claimed: Sequence[Delivery], *, holder: str, error: str) -> None:
        """Sending -> failed: the receiver refused it for good; counted and kept, never due again."""

    def list(
        self, *, incident_id: str | None, limit: int, next_token: str | None, target: str | None = None
    ) -> Page[Delivery]:
        """Deliveries newest first: all, one incident's, or one target's (`channel#recipient`, e.g. a
        webhook's delivery log); each a Query on its own index."""


class ApiKeyRepository(Protocol):
    def put(self, key: ApiKey) -> None:
        """Store a new key (Conflict if the id exists)."""

    def get(self, key_id: str) -> ApiKey | None: ...

    def list(self, *, limit: int, next_token: str | None) -> Page[ApiKey]:
        """Every key, newest first (hashes included; the edge never shows them)."""

    def revoke(self, key_id: str, *, at: datetime, by: str) -> ApiKey:
        """Disable a key for good (NotFound if there is none); revoking twice keeps the first time."""


class UserRepository(Protocol):
    def create(self, user: User) -> User:
        """Store a new user with version 1 (Conflict if the id exists)."""

    def save(self, user: User) -> User:
        """Save with optimistic locking (Conflict if someone else saved first)."""

    def get(self, user_id: str) -> User:
        """NotFound if there is none."""

    def list(self) -> list[User]:
        """Every user, by id (a crisis team, not a customer base: one query, no paging)."""


class DraftRepository(Protocol):
    """Reply drafts and their review (four eyes); `version` is the optimistic lock."""

    def create(self, draft: Draft) -> Draft:
        """Store a new draft with version 1 (Conflict if the id exists)."""

    def save(self, draft: Draft) -> Draft:
        """Save with optimistic locking (Conflict if someone else saved first)."""

    def get(self, draft_id: str) -> Draft:
        """NotFound if there is none."""

    def list_for_incident(self, incident_id: str, *, limit: int, next_token: str | None) -> Page[Draft]:
        """The incident's drafts, newest first."""

    def mention(self, mention_id: str) -> Mention | None:
        """The mention a draft answers (`platform#native_id`), or None (also once it expired).
        Read-only; it lives here until MentionRepository has a get of its own."""

    def for_author(self, platform: str, handle: str) -> list[Draft]:
        """Drafts answering a mention of this author, oldest first; a Query on the author index."""


class DrillRepository(Protocol):
    """Drills ("Krisenübung"); `version` is the optimistic lock. A brand has one running drill at most."""

    def create(self, drill: Drill) -> Drill:
        """Store a new drill with version 1 (Conflict if the id exists or the brand has a running drill)."""

    def save(self, drill: Drill) -> Drill:
        """Save with optimistic locking (Conflict if someone else saved first); an ended drill frees
        its brand for the next one."""

    def get(self, drill_id: str) -> Drill:
        """NotFound if there is none."""

    def running(self) -> list[Drill]:
        """Every drill whose status is running (its time may be over; the rules job ends it)."""

    def list(self, *, limit: int, next_token: str | None) -> Page[Drill]:
        """Every drill, newest first."""


class WebhookRepository(Protocol):
    """Outgoing webhook subscriptions (a handful per company: one query, no paging); `version` is the
    optimistic lock. `get` is one key lookup: the sender loads the subscription for every message."""

    def create(self, webhook: WebhookSubscription) -> WebhookSubscription:
        """Store a new subscription with version 1 (Conflict if the id exists)."""

    def get(self, webhook_id: str) -> WebhookSubscription:
        """NotFound if there is none."""

    def list(self) -> list[WebhookSubscription]:
        """Every subscription, oldest first."""

    def save(self, webhook: WebhookSubscription) -> WebhookSubscription:
        """Save with optimistic locking (Conflict if someone else saved first; NotFound if deleted)."""

    def delete(self, webhook_id: str) -> None:
        """NotFound if there is none."""


class AuditRepository(Protocol):
    def append(self, entry: AuditEntry) -> None: ...

    def list(self, *, target: str | None, limit: int, next_token: str | None) -> Page[AuditEntry]:
        """Entries newest first, all or of one target (e.g. "incident:INC-..."); expired ones never."""


class RetentionRepository(Protocol):
    def purge_expired(self, now: datetime) -> dict[str, int]:
        """Delete what has expired by `now` (mentions, buckets, outbox rows, audit entries) and count
        it per table. DynamoDB's TTL deletes by itself: that adapter deletes nothing and returns {}."""


class Notifier(Protocol):
    def publish(self, delivery: Delivery) -> str:
        """Hand one delivery to the notification service, addressed to its recipient; returns its
        message id (DeliveryFailed on error)."""


class SubscriptionSync(Protocol):
    def sync(self, users: Sequence[User]) -> int:
        """Make every person's alert subscriptions match their addresses; returns how many changed."""


class TokenVerifier(Protocol):
    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid sign-in token of the identity provider (Unauthorized otherwise)."""


class TextAnalyzer(Protocol):
    def analyze(self, text: str) -> TextAnalysis: ...


class SecretProvider(Protocol):
    def ingest_secret(self) -> bytes: ...

    def link_secret(self) -> bytes:
        """Signs the links in alerts (domain/links.py)."""


class Crm(Protocol):
    """The company's CRM (HubSpot): is a mention's author a known contact; a ticket or a note for an
    incident or a mention. Errors are AppErrors; callers that only enrich must survive them."""

    slug: str

    def known_contact(self, handle: str | None, email: str | None) -> CrmContact | None:
        """The contact with this social-media handle or email, or None (also when both are None)."""

    def create_ticket(self, subject: str, body: str, *, contact_id: str | None) -> str:
        """Create a ticket, associated with the contact when one is given; returns the ticket id."""

    def add_note(self, body: str, *, ticket_id: str | None, contact_id: str | None) -> str:
        """Log a note on the ticket and/or the contact; returns the note id."""


@dataclass(frozen=True)
class Storage:
    """Every repository of one store: DynamoDB in AWS, SQLite on one machine."""

    mentions: MentionRepository
    buckets: BucketRepository
    incidents: IncidentRepository
    outbox: OutboxRepository
    api_keys: ApiKeyRepository
    state: StateRepository
    users: UserRepository
    drafts: DraftRepository
    audit: AuditRepository
    drills: DrillRepository
    webhooks: WebhookRepository
    retention: RetentionRepository


@dataclass(frozen=True)
class FetchResult:
    """What a source returns: new mentions and the cursor to store once they are stored."""

    mentions: list[RawMention]
    cursor: dict[str, Any]
    exhausted: bool = True
    notes: dict[str, Any] = field(default_factory=dict)


class Source(Protocol):
    """A pull source. `slug` names the adapter type; `source_id` this configured instance."""

    slug: str
    source_id: str
    poll_seconds: int

    def fetch(self, cursor: dict[str, Any] | None, now: datetime) -> FetchResult: ...


@dataclass(frozen=True)
class PublishedReply:
    """A reply a publisher posted: its platform, native id and public URL."""

    platform: str
    native_id: str
    url: str | None


class Publisher(Protocol):
    """Posts an approved reply where the platform allows it (X, Bluesky, Mastodon, Facebook, YouTube,
    Google reviews), for the response desk's publish step. `platform` matches `Mention.platform`.

    Raises DeliveryFailed when it may be retried (timeouts, 5xx, rate limits) and DeliveryRejected when
    the platform refused it (4xx, refused credentials). A publisher does not retry a post by itself:
    a 5xx after the platform stored it would post the statement twice."""

    platform: str

    def reply(self, *, in_reply_to: str, text: str) -> PublishedReply:
        """Post `text` as a reply to the platform's post `in_reply_to` (its native id)."""


class WorkQueue(Protocol):
    """Units of work for a worker function (one message each), e.g. one due source to collect."""

    def send(self, units: Sequence[dict[str, Any]]) -> int:
        """Enqueue every unit; returns how many. AppError if any was not accepted (the caller's run
        fails and the next one enqueues again: a unit twice is harmless, a lost one is not)."""
