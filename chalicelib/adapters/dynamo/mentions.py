"""Mentions and their 5-minute buckets in DynamoDB. A page of mentions is one transaction: conditional
puts keyed on platform and native id plus one atomic ADD per bucket and topic counter with the page's
sums (a mention stored before is dropped from the page and the page written again)."""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.common import (
    cancelled_by_condition,
    conditional_check_failed,
    connection_for,
    query_page,
)
from chalicelib.adapters.dynamo.models import BucketItem, MentionItem
from chalicelib.adapters.paging import iso
from chalicelib.domain.errors import AppError
from chalicelib.domain.models import (
    Author,
    Bucket,
    BucketCounts,
    Mention,
    Page,
    bucket_counts,
    bucket_start,
    counted_topics,
    utcnow,
)
from chalicelib.domain.privacy import author_key

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
STORE_ATTEMPTS = 8
_RETRIED = {
    "TransactionConflict",
    "TransactionConflictException",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
}
_BUCKET_FIELDS = (
    BucketItem.total,
    BucketItem.negative,
    BucketItem.reach,
    BucketItem.risk,
    BucketItem.severe,
    BucketItem.high_reach,
    BucketItem.arousal,
    BucketItem.first_person,
)
_TOPIC_FIELDS = (BucketItem.total, BucketItem.negative, BucketItem.risk, BucketItem.reach)


def _counter_keys(mention: Mention) -> list[tuple[str, str]]:
    slot = iso(bucket_start(mention.published_at))
    return [(mention.brand, slot), *((mention.brand, f"{slot}#{topic}") for topic in counted_topics(mention))]


def _counter_values(
    mention: Mention, slot: str, counts: BucketCounts
) -> list[tuple[tuple[str, str], list[Any]]]:
    """What the mention adds to its bucket and to each of its topic counters."""
    bucket = [
        1,
        counts.negative,
        counts.reach,
        counts.risk,
        counts.severe,
        counts.high_reach,
        counts.arousal,
        counts.first_person,
    ]
    topic = [1, counts.negative, counts.risk, counts.reach]
    return [
        ((mention.brand, slot), bucket),
        *(((mention.brand, f"{slot}#{t}"), topic) for t in counted_topics(mention)),
    ]


def _counter_update(brand: str, slot: str, sums: list[Any], expires_at: datetime) -> dict[str, Any]:
    """One counter's update in a page transaction, serialized as PynamoDB serializes it (`SET #0 = :0
    ADD #1 :1, ...`) but built directly: a page carries up to a hundred, and PynamoDB's expression
    objects took longer to build than the emulator took to apply them. A sum of 0 changes no counter
    (an absent one reads as 0) and is left out; `total` is never 0."""
    fields = _BUCKET_FIELDS if "#" not in slot else _TOPIC_FIELDS
    added = [(field, value) for field, value in zip(fields, sums, strict=True) if value]
    names = {"#0": BucketItem.expires_at.attr_name}
    values = {":0": {"N": BucketItem.expires_at.serialize(expires_at)}}
    for index, (field, value) in enumerate(added, start=1):
        names[f"#{index}"] = field.attr_name
        values[f":{index}"] = {"N": field.serialize(value)}
    adds = ", ".join(f"#{index} :{index}" for index in range(1, len(added) + 1))
    return {
        "TableName": BucketItem.Meta.table_name,
        "Key": {BucketItem.brand.attr_name: {"S": brand}, BucketItem.slot.attr_name: {"S": slot}},
        "UpdateExpression": f"SET #0 = :0 ADD {adds}",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


class DynamoMentionRepository:
    """Ingestion is a transaction per page: conditional puts of the mentions plus atomic ADDs on their
    buckets, so that a mention and its counts are written together or not at all."""

    def __init__(
        self, bucket_retention_days: int, severe_weight: int, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._bucket_retention = timedelta(days=bucket_retention_days)
        self._severe_weight = severe_weight
        self._clock = clock

    def _live(self) -> Any:
        """DynamoDB deletes expired items within days, not at once: reads leave them out themselves."""
        return MentionItem.expires_at > self._clock()

    def store_all(self, mentions: Sequence[Mention]) -> int:
        """Pages of mentions, each page one transaction: conditional puts of the mentions and one ADD per
        bucket and topic counter with the page's sums. A mention stored before cancels the page; it is
        dropped (its counts with it) and the rest written again, so every mention counts exactly once."""
        unique = list({mention.mention_id: mention for mention in mentions}.values())
        return sum(self._store_page(page) for page in self._pages(unique))

    def _pages(self, mentions: list[Mention]) -> list[list[Mention]]:
        """Split so that a page's mentions plus its distinct counters fit one transaction."""
        pages: list[list[Mention]] = []
        page: list[Mention] = []
        counters: set[tuple[str, str]] = set()
        for mention in mentions:
            keys = set(_counter_keys(mention))
            if page and len(page) + 1 + len(counters | keys) > MAX_TRANSACTION_ITEMS:
                pages.append(page)
                page, counters = [], set()
            page.append(mention)
            counters |= keys
        if page:
            pages.append(page)
        return pages

    def _store_page(self, page: list[Mention]) -> int:
        pending = list(page)
        for attempt in range(STORE_ATTEMPTS):
            if not pending:
                return 0
            try:
                self._write(pending)
                return len(pending)
            except TransactWriteError as error:
                reasons = error.cancellation_reasons or []
                stored_before = {
                    pending[index].mention_id
                    for index, reason in enumerate(reasons[: len(pending)])
                    if reason is not None and reason.code == "ConditionalCheckFailed"
                }
                if stored_before:
                    pending = [m for m in pending if m.mention_id not in stored_before]
                    continue
                retryable = str(error.cause_response_code) in _RETRIED or any(
                    reason is not None and reason.code in _RETRIED for reason in reasons
                )
                if not retryable or attempt == STORE_ATTEMPTS - 1:
                    raise AppError(
                        "storing the mentions failed", [{"cause": str(error.cause_response_code)}]
                    ) from error
                time.sleep(random.uniform(0, 0.05 * 2**attempt))  # another writer holds a counter
        raise AppError("storing the mentions failed", [{"cause": "too many conflicts"}])

    def _write(self, pending: list[Mention]) -> None:
        totals: dict[tuple[str, str], list[Any]] = {}
        expiry: dict[tuple[str, str], datetime] = {}
        for mention in pending:
            start = bucket_start(mention.published_at)
            counts = bucket_counts(mention, self._severe_weight)
            for key, values in _counter_values(mention, iso(start), counts):
                sums = totals.setdefault(key, [0] * len(values))
                totals[key] = [a + b for a, b in zip(sums, values, strict=True)]
                expiry[key] = start + self._bucket_retention
        absent = MentionItem.mention_id.does_not_exist()
        connection_for(MentionItem).transact_write_items(
            condition_check_items=[],
            delete_items=[],
            # first, in order: cancellation reasons are read by position
            put_items=[_mention_item(m).get_save_kwargs_from_instance(condition=absent) for m in pending],
            update_items=[
                _counter_update(brand, slot, values, expiry[(brand, slot)])
                for (brand, slot), values in totals.items()
            ],
        )

    def list_by_brand(
        self, brand: str, since: datetime, until: datetime, limit: int, next_token: str | None
    ) -> Page[Mention]:
        return query_page(
            MentionItem.by_brand.query,
            brand,
            _mention,
            {"mention_id", "brand", "published_key"},
            limit,
            next_token,
            range_key_condition=MentionItem.published_key.between(iso(since), iso(until) + "~"),
            filter_condition=self._live(),
        )

    def top_for_incident(self, brand: str, since: datetime, until: datetime, limit: int) -> list[Mention]:
        """The mentions that matter most in a window, exactly: every mention of the window is ranked,
        read with only the attributes that rank it (reach, negativity, risk terms, key), and only the
        `limit` shown are read whole, by key. The brand index has no reach order within a time range,
        so the ranking read still costs read units for every mention in the window (the projection
        cuts the bytes moved and held, not the units); it is one Query, paged by DynamoDB."""
        ranked = MentionItem.by_brand.query(
            brand,
            range_key_condition=MentionItem.published_key.between(iso(since), iso(until) + "~"),
            filter_condition=self._live(),
            attributes_to_get=_RANK_ATTRIBUTES,
        )
        best = [item.mention_id for item in heapq.nlargest(limit, ranked, key=_rank)]
        whole = {item.mention_id: item for item in MentionItem.batch_get(best)} if best else {}
        return [_mention(whole[mention_id]) for mention_id in best if mention_id in whole]

    def for_author(self, platform: str, handle: str) -> list[Mention]:
        """The author's mentions, oldest first: their keys from the keys-only index, then the items."""
        key = author_key(platform, handle)
        if not key:
            return []
        ids = [item.mention_id for item in MentionItem.by_author.query(key)]
        whole = {item.mention_id: item for item in MentionItem.batch_get(ids)} if ids else {}
        return [_mention(whole[mention_id]) for mention_id in ids if mention_id in whole]

    def erase(self, mention: Mention) -> bool:
        """Delete the mention and take its counts out of its buckets in one transaction, conditioned on
        the mention still being there: a second erasure, racing or repeated, changes nothing."""
        slot = iso(bucket_start(mention.published_at))
        counts = bucket_counts(mention, self._severe_weight)
        try:
            with TransactWrite(connection=connection_for(MentionItem)) as tx:
                tx.delete(MentionItem(mention.mention_id), condition=MentionItem.mention_id.exists())
                tx.update(
                    BucketItem(mention.brand, slot),
                    actions=[
                        BucketItem.total.add(-1),
                        BucketItem.negative.add(-counts.negative),
                        BucketItem.reach.add(-counts.reach),
                        BucketItem.risk.add(-counts.risk),
                        BucketItem.severe.add(-counts.severe),
                        BucketItem.high_reach.add(-counts.high_reach),
                        BucketItem.arousal.add(-counts.arousal),
                        BucketItem.first_person.add(-counts.first_person),
                    ],
                    condition=BucketItem.total >= 1,
                )
                for topic in counted_topics(mention):
                    tx.update(
                        BucketItem(mention.brand, f"{slot}#{topic}"),
                        actions=[
                            BucketItem.total.add(-1),
                            BucketItem.negative.add(-counts.negative),
                            BucketItem.risk.add(-counts.risk),
                            BucketItem.reach.add(-counts.reach),
                        ],
                        condition=BucketItem.total >= 1,
                    )
        except TransactWriteError as error:
            if cancelled_by_condition(error):
                return self._erase_without_counters(mention)
            raise AppError(
                "erasing the mention failed", [{"cause": str(error.cause_response_code)}]
            ) from error
        return True

    def _erase_without_counters(self, mention: Mention) -> bool:
        """The mention is gone already (False), or its buckets expired before it (delete it alone)."""
        try:
            MentionItem(mention.mention_id).delete(condition=MentionItem.mention_id.exists())
        except DeleteError as error:
            if conditional_check_failed(error):
                return False
            raise
        return True


def _mention_item(mention: Mention) -> MentionItem:
    return MentionItem(
        mention.mention_id,
        brand=mention.brand,
        published_key=f"{iso(mention.published_at)}#{mention.mention_id}",
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
        engagement=mention.engagement,
        thread_id=mention.thread_id,
        author_key=author_key(mention.platform, mention.author.handle),
    )


_RANK_ATTRIBUTES = ["mention_id", "published_key", "reach", "negativity", "risk_terms"]


def _rank(item: MentionItem) -> tuple[float, float, int, str]:
    """Widest reach first, then the angriest, the most risk terms and the newest (as on SQLite)."""
    return (item.reach or 0, item.negativity or 0, len(item.risk_terms or ()), item.published_key)


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
        engagement=int(item.engagement or 0),
        thread_id=item.thread_id,
    )


class DynamoBucketRepository:
    def range(self, brand: str, since: datetime, until: datetime) -> list[Bucket]:
        totals: dict[str, Bucket] = {}
        topics: dict[str, dict[str, int]] = {}
        # The last slot string in range is `until` minus a microsecond, plus any "#topic" suffix.
        upper = iso(until - timedelta(microseconds=1)) + "#\uffff"
        for item in BucketItem.query(brand, range_key_condition=BucketItem.slot.between(iso(since), upper)):
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
