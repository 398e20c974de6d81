"""API keys and small JSON state documents (source cursors, detector states) in SQLite."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import ApiKey


class SqliteApiKeyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, key: ApiKey) -> None:
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO apikeys (key_id, doc) VALUES (?, ?)", (key.key_id, key.model_dump_json())
                )
        except sqlite3.IntegrityError as error:
            raise Conflict("an API key with this id exists", [{"key_id": key.key_id}]) from error

    def get(self, key_id: str) -> ApiKey | None:
        with self._db.snapshot() as conn:
            row = conn.execute("SELECT doc FROM apikeys WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else ApiKey.model_validate_json(row["doc"])


class SqliteStateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> dict[str, Any] | None:
        with self._db.snapshot() as conn:
            row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        value: dict[str, Any] = json.loads(row["value"])
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, json.dumps(value, separators=(",", ":")), iso(datetime.now(UTC))),
            )
