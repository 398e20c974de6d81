"""Mentions and their 5-minute buckets in SQLite. Storing a batch is one transaction: every new
mention and every counter it adds are committed together, so a retry never counts twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.paging import decode_cursor, encode_cursor, iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.domain.models import (
    Bucket,
    BucketCounts,
    Mention,
    Page,
    bucket_counts,
    bucket_start,
    counted_topics,
)

_BUMP = """
INSERT INTO buckets (brand, slot, topic, total, negative, reach, risk, severe, high_reach, arousal,
                     first_person, expires_at)
VALUES (:brand, :slot, :topic, :total, :negative, :reach, :risk, :severe, :high_reach, :arousal,
        :first_person, :expires_at)
ON CONFLICT (brand, slot, topic) DO UPDATE SET
    total = total + excluded.total,
    negative = negative + excluded.negative,
    reach = reach + excluded.reach,
    risk = risk + excluded.risk,
    severe = severe + excluded.severe,
    high_reach = high_reach + excluded.high_reach,
    arousal = arousal + excluded.arousal,
    first_person = first_person + excluded.first_person,
    expires_at = excluded.expires_at
"""


def _published_key(mention: Mention) -> str:
    return f"{iso(mention.published_at)}#{mention.mention_id}"


class SqliteMentionRepository:
    def __init__(self, db: Database, bucket_retention_days: int, severe_weight: int) -> None:
        self._db = db
        self._bucket_retention = timedelta(days=bucket_retention_days)
        self._severe_weight = severe_weight

    def store_all(self, mentions: Sequence[Mention]) -> int:
        new = 0
        with self._db.transaction() as tx:
            for mention in mentions:
                inserted = tx.execute(
                    "INSERT INTO mentions (mention_id, brand, published_key, reach, negativity, risk_count,"
                    " expires_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mention_id) DO NOTHING",
                    (
                        mention.mention_id,
                        mention.brand,
                        _published_key(mention),
                        mention.reach,
                        mention.negativity,
                        len(mention.risk_terms),
                        iso(mention.expires_at),
                        mention.model_dump_json(),
                    ),
                ).rowcount
                if inserted:
                    new += 1
                    tx.executemany(_BUMP, self._bumps(mention))
        return new

    def _bumps(self, mention: Mention) -> list[dict[str, object]]:
        start = bucket_start(mention.published_at)
        common = {
            "brand": mention.brand,
            "slot": iso(start),
            "expires_at": iso(start + self._bucket_retention),
        }
        counts = bucket_counts(mention, self._severe_weight)
        topic_counts = BucketCounts(
            negative=counts.negative,
            reach=counts.reach,
            risk=counts.risk,
            severe=0,
            high_reach=0,
            arousal=0.0,
            first_person=0,
        )
        rows = [{**common, "topic": "", **counts.model_dump()}]
        rows += [{**common, "topic": topic, **topic_counts.model_dump()} for topic in counted_topics(mention)]
        return rows

    def _range(
        self, brand: str, since: datetime, until: datetime, order: str, limit: int, after: str | None
    ) -> list[tuple[str, Mention]]:
        where = "brand = ? AND published_key BETWEEN ? AND ?"
        args: list[object] = [brand, iso(since), iso(until) + "~"]
        if after is not None:
            where += " AND published_key < ?"
            args.append(after)
        with self._db.snapshot() as conn:
            rows = conn.execute(
                f"SELECT published_key, doc FROM mentions WHERE {where} ORDER BY {order} LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [(row["published_key"], Mention.model_validate_json(row["doc"])) for row in rows]

    def list_by_brand(
        self, brand: str, since: datetime, until: datetime, limit: int, next_token: str | None
    ) -> Page[Mention]:
        after = decode_cursor(next_token, "mentions")
        rows = self._range(brand, since, until, "published_key DESC", limit + 1, after)
        more = len(rows) > limit
        rows = rows[:limit]
        return Page[Mention](
            items=[mention for _, mention in rows],
            next_token=encode_cursor("mentions", rows[-1][0]) if more else None,
        )

    def top_for_incident(self, brand: str, since: datetime, until: datetime, limit: int) -> list[Mention]:
        """The mentions that matter most in a window: reach first, then negativity and risk terms."""
        rows = self._range(
            brand,
            since,
            until,
            "reach DESC, negativity DESC, risk_count DESC, published_key DESC",
            limit,
            None,
        )
        return [mention for _, mention in rows]


def _parse_slot(slot: str) -> datetime:
    return datetime.strptime(slot, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SqliteBucketRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def range(self, brand: str, since: datetime, until: datetime) -> list[Bucket]:
        with self._db.snapshot() as conn:
            rows = conn.execute(
                "SELECT * FROM buckets WHERE brand = ? AND slot >= ? AND slot < ? ORDER BY slot, topic",
                (brand, iso(since), iso(until)),
            ).fetchall()
        totals: dict[str, Bucket] = {}
        topics: dict[str, dict[str, int]] = {}
        for row in rows:
            if row["topic"]:
                topics.setdefault(row["slot"], {})[row["topic"]] = int(row["total"])
                continue
            totals[row["slot"]] = Bucket(
                brand=brand,
                start=_parse_slot(row["slot"]),
                total=row["total"],
                negative=row["negative"],
                reach=row["reach"],
                risk=row["risk"],
                severe=row["severe"],
                high_reach=row["high_reach"],
                arousal=row["arousal"],
                first_person=row["first_person"],
            )
        return [
            bucket.model_copy(update={"topics": topics.get(slot, {})})
            for slot, bucket in sorted(totals.items())
        ]
