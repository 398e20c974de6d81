"""Retention in SQLite, which has no TTL: the retention job deletes what has expired."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database


class SqliteRetention:
    def __init__(self, db: Database, outbox_retention: timedelta) -> None:
        self._db = db
        self._outbox_retention = outbox_retention

    def purge_expired(self, now: datetime) -> dict[str, int]:
        expired = iso(now)
        outbox_cutoff = iso(now - self._outbox_retention) + "~"  # created_key starts with the time
        with self._db.transaction() as tx:
            return {
                "mentions": tx.execute("DELETE FROM mentions WHERE expires_at <= ?", (expired,)).rowcount,
                "buckets": tx.execute("DELETE FROM buckets WHERE expires_at <= ?", (expired,)).rowcount,
                "outbox": tx.execute("DELETE FROM outbox WHERE created_key < ?", (outbox_cutoff,)).rowcount,
                "audit": tx.execute("DELETE FROM audit WHERE expires_at <= ?", (expired,)).rowcount,
            }
