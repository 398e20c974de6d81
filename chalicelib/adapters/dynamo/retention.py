"""Retention in DynamoDB is the tables' TTL (mentions, buckets, outbox, audit): nothing to delete here.
Until the TTL process deletes an item (within days), every read leaves it out."""

from __future__ import annotations

from datetime import datetime


class DynamoRetention:
    def purge_expired(self, now: datetime) -> dict[str, int]:
        return {}
