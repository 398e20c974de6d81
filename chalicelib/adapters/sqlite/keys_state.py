"""API keys, users and small JSON state documents (source cursors, detector states) in SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.paging import iso
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.listing import newest_first
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import ApiKey, Page, User


def _key(row: sqlite3.Row) -> ApiKey:
    return ApiKey.model_validate_json(row["doc"])


def _created_key(key: ApiKey) -> str:
    return f"{iso(key.created_at)}#{key.key_id}"


class SqliteApiKeyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, key: ApiKey) -> None:
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO apikeys (key_id, created_key, doc) VALUES (?, ?, ?)",
                    (key.key_id, _created_key(key), key.model_dump_json()),
                )
        except sqlite3.IntegrityError as error:
            raise Conflict("an API key with this id exists", [{"key_id": key.key_id}]) from error

    def get(self, key_id: str) -> ApiKey | None:
        with self._db.snapshot() as conn:
            row = conn.execute("SELECT doc FROM apikeys WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else _key(row)

    def list(self, *, limit: int, next_token: str | None) -> Page[ApiKey]:
        return newest_first(
            self._db,
            listing="apikeys",
            select="SELECT doc, created_key FROM apikeys",
            sort_key="created_key",
            conditions=[],
            limit=limit,
            next_token=next_token,
            convert=_key,
        )

    def revoke(self, key_id: str, *, at: datetime, by: str) -> ApiKey:
        with self._db.transaction() as tx:
            row = tx.execute("SELECT doc FROM apikeys WHERE key_id = ?", (key_id,)).fetchone()
            if row is None:
                raise NotFound("no such API key", [{"key_id": key_id}])
            key = _key(row)
            if key.revoked_at is None:
                key = key.model_copy(update={"disabled": True, "revoked_at": at, "revoked_by": by})
                tx.execute("UPDATE apikeys SET doc = ? WHERE key_id = ?", (key.model_dump_json(), key_id))
        return key


def _user(row: sqlite3.Row) -> User:
    return User.model_validate_json(row["doc"]).model_copy(update={"version": int(row["version"])})


class SqliteUserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, user: User) -> User:
        created = user.model_copy(update={"version": 1})
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO users (user_id, version, doc) VALUES (?, 1, ?)",
                    (user.user_id, created.model_dump_json(exclude={"version"})),
                )
        except sqlite3.IntegrityError as error:
            raise Conflict("a user with this id exists", [{"user_id": user.user_id}]) from error
        return created

    def save(self, user: User) -> User:
        saved = user.model_copy(update={"version": user.version + 1})
        with self._db.transaction() as tx:
            changed = tx.execute(
                "UPDATE users SET version = ?, doc = ? WHERE user_id = ? AND version = ?",
                (saved.version, saved.model_dump_json(exclude={"version"}), user.user_id, user.version),
            ).rowcount
        if not changed:
            raise Conflict(
                "the user was changed by someone else; reload and try again", [{"user_id": user.user_id}]
            )
        return saved

    def get(self, user_id: str) -> User:
        with self._db.snapshot() as conn:
            row = conn.execute("SELECT doc, version FROM users WHERE user_id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFound("no such user", [{"user_id": user_id}])
        return _user(row)

    def list(self) -> list[User]:
        with self._db.snapshot() as conn:
            rows = conn.execute("SELECT doc, version FROM users ORDER BY user_id").fetchall()
        return [_user(row) for row in rows]


_UPSERT_STATE = (
    "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
)
# Keys bound in one `IN (...)`: well below SQLite's variable limit (999 before 3.32, 32766 since).
_KEYS_PER_SELECT = 500


def _state_row(key: str, value: dict[str, Any], at: datetime) -> tuple[str, str, str]:
    return key, json.dumps(value, separators=(",", ":")), iso(at)


def _document(row: sqlite3.Row) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(row["value"])
    return value


class SqliteStateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> dict[str, Any] | None:
        with self._db.snapshot() as conn:
            row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else _document(row)

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._db.transaction() as tx:
            tx.execute(_UPSERT_STATE, _state_row(key, value, datetime.now(UTC)))

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """One snapshot, one `SELECT ... WHERE key IN (...)` per 500 distinct keys."""
        distinct = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        with self._db.snapshot() as conn:
            for start in range(0, len(distinct), _KEYS_PER_SELECT):
                chunk = distinct[start : start + _KEYS_PER_SELECT]
                marks = ", ".join("?" * len(chunk))
                for row in conn.execute(f"SELECT key, value FROM state WHERE key IN ({marks})", chunk):
                    found[row["key"]] = _document(row)
        return found

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        """All the upserts in one transaction."""
        if not items:
            return
        at = datetime.now(UTC)
        with self._db.transaction() as tx:
            tx.executemany(_UPSERT_STATE, [_state_row(key, value, at) for key, value in items.items()])
