"""Repositories over the PynamoDB models. They speak domain objects and domain errors only."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import (
    DoesNotExist,
    PutError,
    PynamoDBException,
    QueryError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.models import (
    ApiKeyItem,
    BucketItem,
    DeliveryItem,
    IncidentItem,
    MentionItem,
    StateItem,
    TimelineEntry,
)
from chalicelib.adapters.dynamo.paging import decode_token, encode_token
from chalicelib.domain.errors import AppError, Conflict, InvalidInput, NotFound
from chalicelib.domain.models import (
    ApiKey,
    Author,
    Bucket,
    Delivery,
    DeliveryStatus,
    Incident,
    IncidentStatus,
    Mention,
    Page,
    Role,
    Severity,
    TimelineEvent,
)

_MAX_TOPICS_PER_MENTION = 5
T = TypeVar("T")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _connection(model: type[Model]) -> Connection:
    return _shared_connection(model.Meta.region, model.Meta.host)


@lru_cache(maxsize=8)
def _shared_connection(region: str, host: str | None) -> Connection:
    """One connection (and so one botocore client, which costs ~0.2 s to build) per endpoint."""
    return Connection(region=region, host=host)


def _cancelled_by_condition(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


def _query_error(error: PynamoDBException) -> AppError:
    if "ValidationException" in str(error.cause_response_code):
        return InvalidInput(
            "next_token does not fit this listing", [{"field": "next_token", "message": "rejected"}]
        )
    return AppError("storage query failed", [{"cause": str(error.cause_response_code)}])


def _page(
    query: Callable[..., Any],
    hash_key: str,
    convert: Callable[[Any], T],
    token_keys: set[str],
    limit: int,
    next_token: str | None,
    **conditions: Any,
) -> Page[T]:
    """One page of a Query, newest first, resuming from an opaque token."""
    start_key = decode_token(next_token, token_keys)
    try:
        results = query(
            hash_key, scan_index_forward=False, limit=limit, last_evaluated_key=start_key, **conditions
        )
        items = [convert(item) for item in results]
    except QueryError as error:
        raise _query_error(error) from error
    return Page[T](items=items, next_token=encode_token(results.last_evaluated_key))


# --- mentions and buckets ---------------------------------------------------------------------------


class DynamoMentionRepository:
    """Ingestion is one transaction: a conditional put of the mention plus atomic ADDs on its buckets."""

    def __init__(self, bucket_retention_days: int, severe_weight: int) -> None:
        self._bucket_retention = timedelta(days=bucket_retention_days)
        self._severe_weight = severe_weight

    def store_new(self, mention: Mention) -> bool:
        from chalicelib.domain.models import bucket_start

        slot = _iso(bucket_start(mention.published_at))
        negative = 1 if mention.is_negative else 0
        risk = 1 if mention.risk_terms else 0
        severe = 1 if mention.risk_weight >= self._severe_weight else 0
        expires = bucket_start(mention.published_at) + self._bucket_retention
        try:
            with TransactWrite(connection=_connection(MentionItem)) as tx:
                tx.save(_mention_item(mention), condition=MentionItem.mention_id.does_not_exist())
                tx.update(
                    BucketItem(mention.brand, slot),
                    actions=[
                        BucketItem.total.add(1),
                        BucketItem.negative.add(negative),
                        BucketItem.reach.add(mention.reach),
                        BucketItem.risk.add(risk),
                        BucketItem.severe.add(severe),
                        BucketItem.high_reach.add(1 if mention.high_reach else 0),
                        BucketItem.arousal.add(round(mention.arousal, 4)),
                        BucketItem.first_person.add(mention.first_person_singular),
                        BucketItem.expires_at.set(expires),
                    ],
                )
                for topic in mention.topics[:_MAX_TOPICS_PER_MENTION]:
                    tx.update(
                        BucketItem(mention.brand, f"{slot}#{topic}"),
                        actions=[
                            BucketItem.total.add(1),
                            BucketItem.negative.add(negative),
                            BucketItem.risk.add(risk),
                            BucketItem.reach.add(mention.reach),
                            BucketItem.expires_at.set(expires),
                        ],
                    )
        except TransactWriteError as error:
            if _cancelled_by_condition(error):
                return False
            raise AppError(
                "storing the mention failed", [{"cause": str(error.cause_response_code)}]
            ) from error
        return True

    def list_by_brand(
        self, brand: str, since: datetime, until: datetime, limit: int, next_token: str | None
    ) -> Page[Mention]:
        return _page(
            MentionItem.by_brand.query,
            brand,
            _mention,
            {"mention_id", "brand", "published_key"},
            limit,
            next_token,
            range_key_condition=MentionItem.published_key.between(_iso(since), _iso(until) + "~"),
        )

    def top_for_incident(self, brand: str, since: datetime, until: datetime, limit: int) -> list[Mention]:
        """The mentions that matter most in a window: reach first, then negativity (bounded read)."""
        results = MentionItem.by_brand.query(
            brand,
            range_key_condition=MentionItem.published_key.between(_iso(since), _iso(until) + "~"),
            scan_index_forward=False,
            limit=1000,
        )
        mentions = [_mention(item) for item in results]
        mentions.sort(key=lambda m: (m.reach, m.negativity, len(m.risk_terms)), reverse=True)
        return mentions[:limit]


def _mention_item(mention: Mention) -> MentionItem:
    return MentionItem(
        mention.mention_id,
        brand=mention.brand,
        published_key=f"{_iso(mention.published_at)}#{mention.mention_id}",
        platform=mention.platform,
        native_id=mention.native_id,
        text=mention.text,
        url=mention.url,
        author_handle=mention.author.handle,
        author_followers=mention.author.followers,
        author_is_media=mention.author.is_media,
        reach=mention.reach,
        published_at=mention.published_at,
        collected_at=mention.collected_at,
        lang=mention.lang,
        sentiment=mention.sentiment,
        sentiment_score=round(mention.sentiment_score, 4),
        negativity=round(mention.negativity, 4),
        arousal=round(mention.arousal, 4),
        first_person_singular=mention.first_person_singular,
        risk_terms=list(mention.risk_terms),
        topics=list(mention.topics),
        high_reach=mention.high_reach,
        risk_weight=mention.risk_weight,
        expires_at=mention.expires_at,
    )


def _mention(item: MentionItem) -> Mention:
    return Mention(
        platform=item.platform,
        native_id=item.native_id,
        brand=item.brand,
        text=item.text,
        published_at=item.published_at,
        collected_at=item.collected_at,
        url=item.url,
        author=Author(
            handle=item.author_handle, followers=int(item.author_followers), is_media=item.author_is_media
        ),
        reach=int(item.reach),
        lang=item.lang,
        sentiment=item.sentiment,
        sentiment_score=float(item.sentiment_score),
        negativity=float(item.negativity),
        arousal=float(item.arousal),
        first_person_singular=int(item.first_person_singular),
        risk_terms=tuple(item.risk_terms or ()),
        topics=tuple(item.topics or ()),
        high_reach=bool(item.high_reach),
        risk_weight=int(item.risk_weight),
        expires_at=item.expires_at,
    )


class DynamoBucketRepository:
    def range(self, brand: str, since: datetime, until: datetime) -> list[Bucket]:
        totals: dict[str, Bucket] = {}
        topics: dict[str, dict[str, int]] = {}
        # The last slot string in range is `until` minus a microsecond, plus any "#topic" suffix.
        upper = _iso(until - timedelta(microseconds=1)) + "#\uffff"
        for item in BucketItem.query(brand, range_key_condition=BucketItem.slot.between(_iso(since), upper)):
            start_iso, _, topic = item.slot.partition("#")
            if topic:
                topics.setdefault(start_iso, {})[topic] = int(item.total)
                continue
            totals[start_iso] = Bucket(
                brand=brand,
                start=datetime.strptime(start_iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
                total=int(item.total),
                negative=int(item.negative),
                reach=int(item.reach),
                risk=int(item.risk),
                severe=int(item.severe),
                high_reach=int(item.high_reach),
                arousal=float(item.arousal),
                first_person=int(item.first_person),
            )
        return [
            bucket.model_copy(update={"topics": topics.get(start_iso, {})})
            for start_iso, bucket in sorted(totals.items())
        ]


# --- incidents --------------------------------------------------------------------------------------


def _marker_key(brand: str, topic: str) -> str:
    return f"active#{brand}#{topic}"


class DynamoIncidentRepository:
    def create(self, incident: Incident) -> Incident:
        item = _incident_item(incident)
        marker = IncidentItem(_marker_key(incident.brand, incident.topic), kind="marker")
        marker.incident_id = incident.incident_id
        try:
            with TransactWrite(connection=_connection(IncidentItem)) as tx:
                tx.save(item, condition=IncidentItem.pk.does_not_exist())
                tx.save(marker, condition=IncidentItem.pk.does_not_exist())
        except TransactWriteError as error:
            if _cancelled_by_condition(error):
                raise Conflict(
                    "an incident for this brand and topic is already open",
                    [{"brand": incident.brand, "topic": incident.topic}],
                ) from error
            raise
        return _incident(item)

    def save(self, incident: Incident) -> Incident:
        item = _incident_item(incident)
        try:
            if incident.status is IncidentStatus.RESOLVED:
                marker = IncidentItem(_marker_key(incident.brand, incident.topic), kind="marker")
                with TransactWrite(connection=_connection(IncidentItem)) as tx:
                    tx.save(item)
                    tx.delete(
                        marker,
                        condition=IncidentItem.incident_id == incident.incident_id,
                        add_version_condition=False,
                    )
            else:
                item.save()
        except (PutError, UpdateError, TransactWriteError) as error:
            if "ConditionalCheckFailed" in str(error.cause_response_code) or (
                isinstance(error, TransactWriteError) and _cancelled_by_condition(error)
            ):
                raise Conflict(
                    "the incident was changed by someone else; reload and try again",
                    [{"incident_id": incident.incident_id}],
                ) from error
            raise
        return _incident(item)

    def get(self, incident_id: str) -> Incident:
        if not incident_id.startswith("INC-"):
            raise NotFound("no such incident", [{"incident_id": incident_id}])
        try:
            return _incident(IncidentItem.get(incident_id))
        except DoesNotExist as error:
            raise NotFound("no such incident", [{"incident_id": incident_id}]) from error

    def active_for_brand(self, brand: str) -> list[Incident]:
        return [_incident(item) for item in IncidentItem.by_active.query(brand)]

    def list(
        self,
        *,
        status: IncidentStatus | None,
        severity: Severity | None,
        brand: str | None,
        limit: int,
        next_token: str | None,
    ) -> Page[Incident]:
        conditions: list[Condition] = []
        if severity is not None:
            conditions.append(IncidentItem.severity == int(severity))
        index: Any
        if status is not None:
            index, hash_key, extra = IncidentItem.by_status, status.value, "status"
            if brand is not None:
                conditions.append(IncidentItem.brand == brand)
        elif brand is not None:
            index, hash_key, extra = IncidentItem.by_brand, brand, "brand"
        else:
            index, hash_key, extra = IncidentItem.by_kind, "incident", "kind"
        condition: Condition | None = None
        for part in conditions:
            condition = part if condition is None else condition & part
        return _page(
            index.query,
            hash_key,
            _incident,
            {"pk", "opened_key", extra},
            limit,
            next_token,
            filter_condition=condition,
        )


def _incident_item(incident: Incident) -> IncidentItem:
    active = incident.status is not IncidentStatus.RESOLVED
    item = IncidentItem(
        incident.incident_id,
        kind="incident",
        incident_id=incident.incident_id,
        brand=incident.brand,
        topic=incident.topic,
        title=incident.title,
        status=incident.status.value,
        severity=int(incident.severity),
        reasons=list(incident.reasons),
        topics=list(incident.topics),
        signals=list(incident.signals),
        opened_key=f"{_iso(incident.opened_at)}#{incident.incident_id}",
        active_brand=incident.brand if active else None,
        opened_at=incident.opened_at,
        updated_at=incident.updated_at,
        detected_at=incident.detected_at,
        first_signal_at=incident.first_signal_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
        timeline=[
            TimelineEntry(at=e.at, kind=e.kind, message=e.message, actor=e.actor, severity=e.severity)
            for e in incident.timeline
        ],
    )
    if incident.version:
        item.version = incident.version
    return item


def _incident(item: IncidentItem) -> Incident:
    return Incident(
        incident_id=item.pk,
        brand=item.brand or "",
        topic=item.topic or "",
        title=item.title or "",
        status=IncidentStatus(item.status),
        severity=Severity(int(item.severity or 4)),
        reasons=tuple(item.reasons or ()),
        topics=tuple(item.topics or ()),
        signals=tuple(item.signals or ()),
        opened_at=item.opened_at,
        updated_at=item.updated_at,
        detected_at=item.detected_at,
        first_signal_at=item.first_signal_at,
        acknowledged_at=item.acknowledged_at,
        acknowledged_by=item.acknowledged_by,
        resolved_at=item.resolved_at,
        resolved_by=item.resolved_by,
        timeline=tuple(
            TimelineEvent(at=e.at, kind=e.kind, message=e.message, actor=e.actor, severity=e.severity)
            for e in (item.timeline or [])
        ),
        version=int(item.version or 0),
    )


# --- outbox -----------------------------------------------------------------------------------------


class DynamoOutboxRepository:
    def add(self, deliveries: Sequence[Delivery]) -> int:
        new = 0
        for delivery in deliveries:
            try:
                _delivery_item(delivery).save(condition=DeliveryItem.alert_id.does_not_exist())
                new += 1
            except PutError as error:
                if "ConditionalCheckFailed" not in str(error.cause_response_code):
                    raise
        return new

    def pending(self, limit: int) -> list[Delivery]:
        return [_delivery(item) for item in DeliveryItem.by_pending.query("pending", limit=limit)]

    def for_alert(self, alert_id: str) -> list[Delivery]:
        return [_delivery(item) for item in DeliveryItem.query(alert_id)]

    def mark_delivered(self, delivery: Delivery, message_id: str, at: datetime) -> None:
        DeliveryItem(delivery.alert_id, _target(delivery)).update(
            actions=[
                DeliveryItem.status.set(DeliveryStatus.DELIVERED.value),
                DeliveryItem.pending.remove(),
                DeliveryItem.delivered_at.set(at),
                DeliveryItem.message_id.set(message_id),
                DeliveryItem.attempts.add(1),
            ],
            condition=DeliveryItem.alert_id.exists(),
        )

    def mark_failed(self, delivery: Delivery, error: str) -> None:
        DeliveryItem(delivery.alert_id, _target(delivery)).update(
            actions=[DeliveryItem.attempts.add(1), DeliveryItem.last_error.set(error[:500])],
            condition=DeliveryItem.alert_id.exists(),
        )

    def list(self, *, incident_id: str | None, limit: int, next_token: str | None) -> Page[Delivery]:
        index: Any
        if incident_id is not None:
            index, hash_key, extra = DeliveryItem.by_incident, incident_id, "incident_id"
        else:
            index, hash_key, extra = DeliveryItem.by_created, "delivery", "kind"
        return _page(
            index.query, hash_key, _delivery, {"alert_id", "target", "created_key", extra}, limit, next_token
        )


def _target(delivery: Delivery) -> str:
    return f"{delivery.channel}#{delivery.recipient}"


def _delivery_item(delivery: Delivery) -> DeliveryItem:
    return DeliveryItem(
        delivery.alert_id,
        _target(delivery),
        kind="delivery",
        incident_id=delivery.incident_id,
        brand=delivery.brand,
        event_type=delivery.event_type,
        severity=int(delivery.severity),
        channel=delivery.channel,
        recipient=delivery.recipient,
        escalation_level=delivery.escalation_level,
        subject=delivery.subject,
        body=delivery.body,
        status=delivery.status.value,
        pending="pending" if delivery.status is DeliveryStatus.PENDING else None,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        created_key=f"{_iso(delivery.created_at)}#{delivery.alert_id}#{_target(delivery)}",
        delivered_at=delivery.delivered_at,
        message_id=delivery.message_id,
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
        escalation_level=int(item.escalation_level or 1),
        subject=item.subject,
        body=item.body,
        status=DeliveryStatus(item.status),
        attempts=int(item.attempts),
        last_error=item.last_error,
        created_at=item.created_at,
        delivered_at=item.delivered_at,
        message_id=item.message_id,
    )


# --- API keys and state -----------------------------------------------------------------------------


class DynamoApiKeyRepository:
    def put(self, key: ApiKey) -> None:
        ApiKeyItem(
            key.key_id,
            name=key.name,
            role=key.role.label,
            secret_hash=key.secret_hash,
            created_at=key.created_at,
            created_by=key.created_by,
            disabled=key.disabled,
        ).save(condition=ApiKeyItem.key_id.does_not_exist())

    def get(self, key_id: str) -> ApiKey | None:
        try:
            item = ApiKeyItem.get(key_id)
        except DoesNotExist:
            return None
        return ApiKey(
            key_id=item.key_id,
            name=item.name,
            role=Role[item.role.upper()],
            secret_hash=item.secret_hash,
            created_at=item.created_at,
            created_by=item.created_by,
            disabled=bool(item.disabled),
        )


class DynamoStateRepository:
    def get(self, key: str) -> dict[str, Any] | None:
        try:
            value: dict[str, Any] = json.loads(StateItem.get(key).value)
        except DoesNotExist:
            return None
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        StateItem(key, value=json.dumps(value, separators=(",", ":")), updated_at=datetime.now(UTC)).save()


def create_tables(models: Iterable[type[Model]]) -> None:
    """Create missing tables from the model definitions (local stack and tests; CDK does it in AWS).
    PynamoDB enables TTL on the models' TTLAttribute when it creates a table."""
    for model in models:
        if not model.exists():
            model.create_table(wait=True)
