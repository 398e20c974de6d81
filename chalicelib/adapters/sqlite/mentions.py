"""Mentions and their 5-minute buckets in SQLite. Storing a batch is one transaction: every new
mention and every counter it adds are committed together, so a retry never counts twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.listing import newest_first
from chalicelib.domain.models import (
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


# Erasing a mention takes exactly what it added out of its counters (never below zero).
_UNBUMP = """
UPDATE buckets SET
    total = MAX(0, total - :total),
    negative = MAX(0, negative - :negative),
    reach = MAX(0, reach - :reach),
    risk = MAX(0, risk - :risk),
    severe = MAX(0, severe - :severe),
    high_reach = MAX(0, high_reach - :high_reach),
    arousal = MAX(0, ROUND(arousal - :arousal, 4)),
    first_person = MAX(0, first_person - :first_person)
WHERE brand = :brand AND slot = :slot AND topic = :topic
"""


def _published_key(mention: Mention) -> str:
    return f"{iso(mention.published_at)}#{mention.mention_id}"


class SqliteMentionRepository:
    def __init__(
        self,
        db: Database,
        bucket_retention_days: int,
        severe_weight: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._bucket_retention = timedelta(days=bucket_retention_days)
        self._severe_weight = severe_weight
        self._clock = clock

    def store_all(self, mentions: Sequence[Mention]) -> int:
        new = 0
        with self._db.transaction() as tx:
            for mention in mentions:
                inserted = tx.execute(
                    "INSERT INTO mentions (mention_id, brand, published_key, reach, negativity, risk_count,"
                    " expires_at, doc, author_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (mention_id) DO NOTHING",
                    (
                        mention.mention_id,
                        mention.brand,
                        _published_key(mention),
                        mention.reach,
                        mention.negativity,
                        len(mention.risk_terms),
                        iso(mention.expires_at),
                        mention.model_dump_json(),
                        author_key(mention.platform, mention.author.handle),
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

    def list_by_brand(
        self, brand: str, since: datetime, until: datetime, limit: int, next_token: str | None
    ) -> Page[Mention]:
        return newest_first(
            self._db,
            listing="mentions",
            select="SELECT doc, published_key FROM mentions",
            sort_key="published_key",
            conditions=[_in_window(brand, since, until), ("expires_at > ?", [iso(self._clock())])],
            limit=limit,
            next_token=next_token,
            convert=_mention,
        )

    def top_for_incident(self, brand: str, since: datetime, until: datetime, limit: int) -> list[Mention]:
        """The mentions that matter most in a window: reach first, then negativity and risk terms."""
        clause, params = _in_window(brand, since, until)
        with self._db.snapshot() as conn:
            rows = conn.execute(
                f"SELECT doc FROM mentions WHERE {clause} AND expires_at > ?"
                " ORDER BY reach DESC, negativity DESC, risk_count DESC, published_key DESC LIMIT ?",
                (*params, iso(self._clock()), limit),
            ).fetchall()
        return [_mention(row) for row in rows]

    def for_author(self, platform: str, handle: str) -> list[Mention]:
        key = author_key(platform, handle)
        with self._db.snapshot() as conn:
            rows = conn.execute(
                "SELECT doc FROM mentions WHERE author_key = ? ORDER BY published_key", (key,)
            ).fetchall()
        return [_mention(row) for row in rows]

    def erase(self, mention: Mention) -> bool:
        with self._db.transaction() as tx:
            deleted = tx.execute("DELETE FROM mentions WHERE mention_id = ?", (mention.mention_id,)).rowcount
            if deleted:  # the one that deleted the row takes its counts out, once
                tx.executemany(_UNBUMP, [_without_expiry(row) for row in self._bumps(mention)])
        return bool(deleted)


def _without_expiry(row: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in row.items() if name != "expires_at"}


def _in_window(brand: str, since: datetime, until: datetime) -> tuple[str, list[object]]:
    return "brand = ? AND published_key BETWEEN ? AND ?", [brand, iso(since), iso(until) + "~"]


def _mention(row: sqlite3.Row) -> Mention:
    return Mention.model_validate_json(row["doc"])


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
