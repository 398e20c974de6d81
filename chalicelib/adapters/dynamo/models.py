"""PynamoDB models: the only place that knows DynamoDB item shapes.

Access patterns (each is one Query or GetItem; no Scan on a request path):

| # | pattern                                               | table / index                        | key condition                         |
|---|-------------------------------------------------------|--------------------------------------|---------------------------------------|
| 1 | store a mention once (platform + native id)           | mentions                             | PK mention_id, conditional put        |
| 2 | mentions of a brand in a time range, newest first     | mentions / by_brand                  | brand = :b AND published_key BETWEEN  |
| 3 | count a mention into its brand's 5-minute bucket       | buckets                              | PK brand, SK slot, atomic ADD         |
| 4 | a brand's buckets (and topic counters) in a range      | buckets                              | brand = :b AND slot BETWEEN           |
| 5 | get an incident                                       | incidents                            | PK pk = incident id                   |
| 6 | the one active incident of a brand + topic            | incidents (marker item)              | PK pk = "active#brand#topic"          |
| 7 | active incidents of a brand                           | incidents / by_active                | active_brand = :b                     |
| 8 | list incidents newest first, by status or brand       | incidents / by_status, by_brand, all | status = :s / brand = :b / kind = inc |
| 9 | deliveries of one alert                               | outbox                               | PK alert_id                           |
|10 | undelivered outbox rows, oldest first                 | outbox / by_pending                  | pending = "pending" (sparse)          |
|10a| claim an alert before publishing it (lease)           | outbox (lease item)                  | PK alert_id, SK "~lease", conditional |
|11 | list deliveries newest first / per incident           | outbox / by_created, by_incident     | kind = "delivery" / incident_id = :i  |
|12 | API key by id                                         | apikeys                              | PK key_id                             |
|12a| API keys newest first                                 | apikeys / by_created                 | kind = "apikey"                       |
|14 | user by id / every user of the team                   | users, users / by_kind               | PK user_id / kind = "user"            |
|15 | audit entries newest first / of one target            | audit / by_time, by_target           | kind = "audit" / target = :t          |
|13 | source cursor / detector state                        | state                                | PK key                                |
|15 | a reply draft (with its versions and approvals)       | drafts                               | PK draft_id, version condition        |
|16 | an incident's drafts, newest first                    | drafts / by_incident                 | incident_id = :i                      |
|17 | published statements of a brand in a time range       | drafts / by_published (sparse)       | published_brand = :b AND key BETWEEN  |
|18 | a drill; every drill newest first (ids sort by start)  | drills                               | pk = "drill" (AND sk = drill id)      |
|19 | the running drills; one running drill per brand       | drills (marker items)                | pk = "running", SK brand, conditional |
|20 | a webhook subscription; every subscription            | webhooks                             | pk = "webhook" (AND sk = webhook id)  |
|21 | an author's mentions (DSGVO export and erasure)       | mentions / by_author_keys (sparse)   | author_key = "platform#handle"        |
|22 | drafts answering an author (DSGVO export and erasure) | drafts / by_author (sparse)          | author_key = "platform#handle"        |

Mentions, buckets, outbox rows and audit entries carry a TTL (DSGVO retention), and every read filters
what has expired, because DynamoDB deletes expired items only within days; incidents carry a version for optimistic locking.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model


class _Meta:
    billing_mode = "PAY_PER_REQUEST"
    region = "eu-central-1"
    host: str | None = None
    table_name = ""


class _Index(GlobalSecondaryIndex[Any]):
    pass


# --- mentions ---------------------------------------------------------------------------------------


class MentionsByBrand(_Index):
    class Meta:
        index_name = "by_brand"
        projection = AllProjection()

    brand = UnicodeAttribute(hash_key=True)
    published_key = UnicodeAttribute(range_key=True)


class MentionsByAuthor(_Index):
    """Sparse: only mentions with a handle. Keys only: read for a DSGVO request (the items are then
    fetched whole), it need not store a third copy of every mention (storage is most of an agency's
    DynamoDB bill after the writes). Named anew because DynamoDB cannot change a projection in place."""

    class Meta:
        index_name = "by_author_keys"
        projection = KeysOnlyProjection()

    author_key = UnicodeAttribute(hash_key=True)
    published_key = UnicodeAttribute(range_key=True)


class MentionItem(Model):
    class Meta(_Meta):
        table_name = "mentions"

    mention_id = UnicodeAttribute(hash_key=True)
    brand = UnicodeAttribute()
    published_key = UnicodeAttribute()
    platform = UnicodeAttribute()
    native_id = UnicodeAttribute()
    text = UnicodeAttribute()
    url = UnicodeAttribute(null=True)
    author_handle = UnicodeAttribute(null=True)
    author_followers = NumberAttribute(default=0)
    author_is_media = BooleanAttribute(default=False)
    reach = NumberAttribute(default=0)
    published_at = UTCDateTimeAttribute()
    collected_at = UTCDateTimeAttribute()
    lang = UnicodeAttribute()
    sentiment = UnicodeAttribute()
    sentiment_score = NumberAttribute()
    negativity = NumberAttribute(default=0)
    arousal = NumberAttribute(default=0)
    first_person_singular = NumberAttribute(default=0)
    risk_terms = ListAttribute(of=UnicodeAttribute, default=list)
    topics = ListAttribute(of=UnicodeAttribute, default=list)
    high_reach = BooleanAttribute(default=False)
    risk_weight = NumberAttribute(default=0)
    expires_at = TTLAttribute()
    # Added with the platform collectors (issue 10): absent on older items, read as 0 / None.
    engagement = NumberAttribute(null=True)
    thread_id = UnicodeAttribute(null=True)
    author_key = UnicodeAttribute(null=True)

    by_brand = MentionsByBrand()
    by_author = MentionsByAuthor()


# --- buckets ----------------------------------------------------------------------------------------


class BucketItem(Model):
    """slot = ISO start of the bucket (totals) or ISO start + "#" + topic (per-topic counters)."""

    class Meta(_Meta):
        table_name = "buckets"

    brand = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    total = NumberAttribute(default=0)
    negative = NumberAttribute(default=0)
    reach = NumberAttribute(default=0)
    risk = NumberAttribute(default=0)
    severe = NumberAttribute(default=0)
    high_reach = NumberAttribute(default=0)
    arousal = NumberAttribute(default=0)
    first_person = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


# --- incidents --------------------------------------------------------------------------------------


class IncidentsByStatus(_Index):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    opened_key = UnicodeAttribute(range_key=True)


class IncidentsByBrand(_Index):
    class Meta:
        index_name = "by_brand"
        projection = AllProjection()

    brand = UnicodeAttribute(hash_key=True)
    opened_key = UnicodeAttribute(range_key=True)


class IncidentsAll(_Index):
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    opened_key = UnicodeAttribute(range_key=True)


class IncidentsActive(_Index):
    class Meta:
        index_name = "by_active"
        projection = AllProjection()

    active_brand = UnicodeAttribute(hash_key=True)
    opened_key = UnicodeAttribute(range_key=True)


class TimelineEntry(MapAttribute[str, Any]):
    at = UTCDateTimeAttribute()
    kind = UnicodeAttribute()
    message = UnicodeAttribute()
    actor = UnicodeAttribute(null=True)
    severity = UnicodeAttribute(null=True)
    ref = UnicodeAttribute(null=True)


class IncidentItem(Model):
    """Two kinds of item: incidents (kind="incident") and active markers (kind="marker")."""

    class Meta(_Meta):
        table_name = "incidents"

    pk = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(null=True)
    incident_id = UnicodeAttribute(null=True)
    brand = UnicodeAttribute(null=True)
    topic = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    severity = NumberAttribute(null=True)
    reasons = ListAttribute(of=UnicodeAttribute, null=True)
    topics = ListAttribute(of=UnicodeAttribute, null=True)
    signals = ListAttribute(of=UnicodeAttribute, null=True)
    opened_key = UnicodeAttribute(null=True)
    active_brand = UnicodeAttribute(null=True)
    opened_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    detected_at = UTCDateTimeAttribute(null=True)
    first_signal_at = UTCDateTimeAttribute(null=True)
    acknowledged_at = UTCDateTimeAttribute(null=True)
    acknowledged_by = UnicodeAttribute(null=True)
    resolved_at = UTCDateTimeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    timeline = ListAttribute(of=TimelineEntry, null=True)
    desk = UnicodeAttribute(null=True)  # JSON: the response desk's facts and role assignments
    version = VersionAttribute()

    by_status = IncidentsByStatus()
    by_brand = IncidentsByBrand()
    by_kind = IncidentsAll()
    by_active = IncidentsActive()


# --- outbox -----------------------------------------------------------------------------------------


class OutboxByPending(_Index):
    class Meta:
        index_name = "by_pending"
        projection = AllProjection()

    pending = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OutboxByCreated(_Index):
    class Meta:
        index_name = "by_created"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OutboxByIncident(_Index):
    class Meta:
        index_name = "by_incident"
        projection = AllProjection()

    incident_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OutboxByTarget(_Index):
    """One channel#recipient's deliveries by time: a webhook subscription's delivery log."""

    class Meta:
        index_name = "by_target"
        projection = AllProjection()

    target = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class DeliveryItem(Model):
    class Meta(_Meta):
        table_name = "outbox"

    alert_id = UnicodeAttribute(hash_key=True)
    target = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(default="delivery")
    incident_id = UnicodeAttribute()
    brand = UnicodeAttribute()
    event_type = UnicodeAttribute()
    severity = NumberAttribute()
    channel = UnicodeAttribute()
    recipient = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    escalation_level = NumberAttribute(default=1)
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    pending = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    created_key = UnicodeAttribute()
    delivered_at = UTCDateTimeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    claimed_by = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)  # team phone numbers and addresses: deleted after retention

    by_pending = OutboxByPending()
    by_created = OutboxByCreated()
    by_incident = OutboxByIncident()
    by_target = OutboxByTarget()


LEASE_TARGET = "~lease"  # sorts after every channel#recipient target


class AlertLeaseItem(Model):
    """The claim on one alert, beside its delivery rows: who publishes it, and until when."""

    class Meta(_Meta):
        table_name = "outbox"

    alert_id = UnicodeAttribute(hash_key=True)
    target = UnicodeAttribute(range_key=True)
    holder = UnicodeAttribute()
    lease_until = NumberAttribute()


# --- API keys and state -----------------------------------------------------------------------------


class ApiKeysByCreated(_Index):
    class Meta:
        index_name = "by_created"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ApiKeyItem(Model):
    class Meta(_Meta):
        table_name = "apikeys"

    key_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="apikey")
    created_key = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute(null=True)
    disabled = BooleanAttribute(default=False)
    user_id = UnicodeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)

    by_created = ApiKeysByCreated()


class UsersByKind(_Index):
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class UserItem(Model):
    class Meta(_Meta):
        table_name = "users"

    user_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="user")
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    function = UnicodeAttribute(default="")
    phone = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    escalation_level = NumberAttribute(default=1)
    sms_min_severity = NumberAttribute(default=2)
    on_duty = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    by_kind = UsersByKind()


class StateItem(Model):
    class Meta(_Meta):
        table_name = "state"

    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


# --- reply drafts -----------------------------------------------------------------------------------


class DraftsByIncident(_Index):
    class Meta:
        index_name = "by_incident"
        projection = AllProjection()

    incident_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class DraftsByPublished(_Index):
    class Meta:
        index_name = "by_published"
        projection = AllProjection()

    published_brand = UnicodeAttribute(hash_key=True)
    published_key = UnicodeAttribute(range_key=True)


class DraftsByAuthor(_Index):
    class Meta:
        index_name = "by_author"
        projection = AllProjection()

    author_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class DraftItem(Model):
    """The draft as a JSON document, plus what its listings query; published_* only once published."""

    class Meta(_Meta):
        table_name = "drafts"

    draft_id = UnicodeAttribute(hash_key=True)
    incident_id = UnicodeAttribute()
    brand = UnicodeAttribute()
    status = UnicodeAttribute()
    created_key = UnicodeAttribute()
    published_brand = UnicodeAttribute(null=True)
    published_key = UnicodeAttribute(null=True)
    published_at = UTCDateTimeAttribute(null=True)
    doc = UnicodeAttribute()
    author_key = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_incident = DraftsByIncident()
    by_published = DraftsByPublished()
    by_author = DraftsByAuthor()


class AuditByTime(_Index):
    class Meta:
        index_name = "by_time"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)


class AuditByTarget(_Index):
    class Meta:
        index_name = "by_target"
        projection = AllProjection()

    target = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)


class AuditItem(Model):
    """One change made through the API (the document is the AuditEntry as JSON)."""

    class Meta(_Meta):
        table_name = "audit"

    entry_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="audit")
    target = UnicodeAttribute(null=True)
    doc = UnicodeAttribute()
    expires_at = TTLAttribute()

    by_time = AuditByTime()
    by_target = AuditByTarget()


# --- drills -----------------------------------------------------------------------------------------

DRILL_PK = "drill"
RUNNING_PK = "running"


class DrillItem(Model):
    """A drill as a JSON document under one partition, its id as sort key (so listing is a Query)."""

    class Meta(_Meta):
        table_name = "drills"

    pk = UnicodeAttribute(hash_key=True)  # DRILL_PK
    sk = UnicodeAttribute(range_key=True)  # the drill id
    brand = UnicodeAttribute()
    status = UnicodeAttribute()
    doc = UnicodeAttribute()
    version = VersionAttribute()


class RunningDrillItem(Model):
    """The marker of a brand's running drill, beside the drills: written and removed in the same
    transaction as the drill, so a brand never has two running at once."""

    class Meta(_Meta):
        table_name = "drills"

    pk = UnicodeAttribute(hash_key=True)  # RUNNING_PK
    sk = UnicodeAttribute(range_key=True)  # the brand
    drill_id = UnicodeAttribute()


# --- webhooks ---------------------------------------------------------------------------------------

WEBHOOK_PK = "webhook"


class WebhookItem(Model):
    """An outgoing webhook subscription as a JSON document (with its signing secret) under one
    partition, its id as sort key: the sender's lookup is a GetItem, the listing a Query."""

    class Meta(_Meta):
        table_name = "webhooks"

    pk = UnicodeAttribute(hash_key=True)  # WEBHOOK_PK
    sk = UnicodeAttribute(range_key=True)  # the webhook id
    doc = UnicodeAttribute()
    version = VersionAttribute()


MODELS: dict[str, type[Model]] = {
    "mentions": MentionItem,
    "buckets": BucketItem,
    "incidents": IncidentItem,
    "outbox": DeliveryItem,
    "apikeys": ApiKeyItem,
    "state": StateItem,
    "users": UserItem,
    "audit": AuditItem,
    "drafts": DraftItem,
    "drills": DrillItem,
    "webhooks": WebhookItem,
}

TTL_ATTRIBUTES = {
    "mentions": "expires_at",
    "buckets": "expires_at",
    "audit": "expires_at",
    "outbox": "expires_at",
}


def bind(table_names: dict[str, str], region: str, host: str | None) -> None:
    """Point every model at its table and endpoint (settings decide; tests point at moto server)."""
    bound: list[tuple[str, type[Model]]] = [
        *MODELS.items(),
        ("outbox", AlertLeaseItem),
        ("drills", RunningDrillItem),
    ]
    for key, model in bound:
        model.Meta.table_name = table_names[key]
        model.Meta.region = region
        model.Meta.host = host
        model._connection = None
