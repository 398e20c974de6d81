"""The audit log in SQLite: append-only, newest first, per target."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.listing import newest_first
from chalicelib.domain.models import AuditEntry, Page, utcnow


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry.model_validate_json(row["doc"])


class SqliteAuditRepository:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    def append(self, entry: AuditEntry) -> None:
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO audit (entry_id, target, expires_at, doc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (entry_id) DO NOTHING",
                (entry.entry_id, entry.target, iso(entry.expires_at), entry.model_dump_json()),
            )

    def list(self, *, target: str | None, limit: int, next_token: str | None) -> Page[AuditEntry]:
        return newest_first(
            self._db,
            listing="audit",
            select="SELECT doc, entry_id FROM audit",
            sort_key="entry_id",
            conditions=[
                ("expires_at > ?", [iso(self._clock())]),
                *([] if target is None else [("target = ?", [target])]),
            ],
            limit=limit,
            next_token=next_token,
            convert=_entry,
        )
