"""One SQLite database file: WAL, durable on commit, one write transaction per use case.

Connections come from a small pool and are used by one thread at a time. Writers take the write lock
up front (BEGIN IMMEDIATE), so a read-modify-write never fails half-way on a lock upgrade; readers never
block writers (WAL). With synchronous=FULL a commit has reached the disk when it returns, so a crash
(kill -9, power loss) loses nothing that was answered.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chalicelib.domain.models import Draft
from chalicelib.domain.privacy import author_key, draft_author_key

BUSY_TIMEOUT_MS = 30_000
PAGE_CACHE_KIB = 8 * 1024  # per connection; memory stays flat however large the file grows
IDLE_CONNECTIONS = 8

SCHEMA = """
CREATE TABLE IF NOT EXISTS mentions (
    mention_id    TEXT PRIMARY KEY,
    brand         TEXT NOT NULL,
    published_key TEXT NOT NULL,
    reach         INTEGER NOT NULL,
    negativity    REAL NOT NULL,
    risk_count    INTEGER NOT NULL,
    expires_at    TEXT NOT NULL,
    doc           TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mentions_by_brand ON mentions (brand, published_key);
CREATE INDEX IF NOT EXISTS mentions_by_expiry ON mentions (expires_at);

CREATE TABLE IF NOT EXISTS buckets (
    brand        TEXT NOT NULL,
    slot         TEXT NOT NULL,
    topic        TEXT NOT NULL,
    total        INTEGER NOT NULL,
    negative     INTEGER NOT NULL,
    reach        INTEGER NOT NULL,
    risk         INTEGER NOT NULL,
    severe       INTEGER NOT NULL,
    high_reach   INTEGER NOT NULL,
    arousal      REAL NOT NULL,
    first_person INTEGER NOT NULL,
    expires_at   TEXT NOT NULL,
    PRIMARY KEY (brand, slot, topic)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS buckets_by_expiry ON buckets (expires_at);

CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY,
    brand       TEXT NOT NULL,
    topic       TEXT NOT NULL,
    status      TEXT NOT NULL,
    severity    INTEGER NOT NULL,
    opened_key  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL
);
-- One active incident per brand and topic: the database enforces it, as the marker item does in DynamoDB.
DROP INDEX IF EXISTS incidents_one_active;
CREATE UNIQUE INDEX IF NOT EXISTS incidents_one_active_v2 ON incidents (brand, topic)
    WHERE status NOT IN ('resolved', 'reviewed');
CREATE INDEX IF NOT EXISTS incidents_by_opened ON incidents (opened_key);
CREATE INDEX IF NOT EXISTS incidents_by_status ON incidents (status, opened_key);
CREATE INDEX IF NOT EXISTS incidents_by_brand ON incidents (brand, opened_key);

CREATE TABLE IF NOT EXISTS outbox (
    alert_id        TEXT NOT NULL,
    target          TEXT NOT NULL,
    incident_id     TEXT NOT NULL,
    created_key     TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT,
    message_id      TEXT,
    next_attempt_at TEXT,
    claimed_by      TEXT,
    lease_until     TEXT,
    doc             TEXT NOT NULL,
    PRIMARY KEY (alert_id, target)
);
CREATE INDEX IF NOT EXISTS outbox_undelivered ON outbox (created_key) WHERE status != 'delivered';
CREATE INDEX IF NOT EXISTS outbox_by_created ON outbox (created_key);
CREATE INDEX IF NOT EXISTS outbox_by_incident ON outbox (incident_id, created_key);
CREATE INDEX IF NOT EXISTS outbox_by_target ON outbox (target, created_key);

CREATE TABLE IF NOT EXISTS apikeys (
    key_id      TEXT PRIMARY KEY,
    created_key TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS apikeys_by_created ON apikeys (created_key);

CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    doc     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS drafts (
    draft_id      TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL,
    brand         TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_key   TEXT NOT NULL,
    published_key TEXT,
    version       INTEGER NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS drafts_by_incident ON drafts (incident_id, created_key);
-- Published statements by brand and time: what a later measurement of their effect reads.
CREATE INDEX IF NOT EXISTS drafts_published ON drafts (brand, published_key) WHERE published_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS audit (
    entry_id   TEXT PRIMARY KEY,
    target     TEXT,
    expires_at TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_target ON audit (target, entry_id);

CREATE TABLE IF NOT EXISTS drills (
    drill_id TEXT PRIMARY KEY,
    brand    TEXT NOT NULL,
    status   TEXT NOT NULL,
    version  INTEGER NOT NULL,
    doc      TEXT NOT NULL
);
-- One running drill per brand: the database enforces it, as the marker item does in DynamoDB.
CREATE UNIQUE INDEX IF NOT EXISTS drills_one_running ON drills (brand) WHERE status = 'running';

CREATE TABLE IF NOT EXISTS webhooks (
    webhook_id  TEXT PRIMARY KEY,
    created_key TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


# The author index (DSGVO export and erasure): a column added to databases made before it, filled from
# the documents once, so that finding an author's rows is an index lookup.
def _mention_author(doc: dict[str, Any]) -> str | None:
    return author_key(doc["platform"], (doc.get("author") or {}).get("handle"))


def _draft_author(doc: dict[str, Any]) -> str | None:
    return draft_author_key(Draft.model_validate(doc))


_AUTHOR_KEYS: dict[str, tuple[str, str, Callable[[dict[str, Any]], str | None]]] = {
    "mentions": ("mention_id", "published_key", _mention_author),
    "drafts": ("draft_id", "created_key", _draft_author),
}


def _add_author_keys(connection: sqlite3.Connection) -> None:
    for table, (id_column, sort_key, key_of) in _AUTHOR_KEYS.items():
        connection.execute("BEGIN IMMEDIATE")  # two processes may open a new database at once
        try:
            columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            if "author_key" not in columns:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN author_key TEXT")
                rows = connection.execute(f"SELECT {id_column}, doc FROM {table}").fetchall()
                connection.executemany(
                    f"UPDATE {table} SET author_key = ? WHERE {id_column} = ?",
                    [(key_of(json.loads(row[1])), row[0]) for row in rows],
                )
            connection.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_by_author ON {table} (author_key, {sort_key})"
                " WHERE author_key IS NOT NULL"
            )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Team phone numbers and authors' handles live here: readable by the owner only. SQLite gives
        # the -wal and -shm files the database file's mode; a file an older version made is tightened.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file.exists():
                file.chmod(0o600)
        with self._connection() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            _add_author_keys(connection)

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        connection.row_factory = sqlite3.Row
        return connection

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = self._open()
        try:
            yield connection
        finally:
            if connection.in_transaction or self._idle.qsize() >= IDLE_CONNECTIONS:
                connection.close()  # a connection left mid-transaction is never handed out again
            else:
                self._idle.put(connection)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all of it is on disk when the block ends, or none of it."""
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query in the block sees the same committed state."""
        with self._connection() as connection:
            connection.execute("BEGIN DEFERRED")
            try:
                yield connection
            finally:
                connection.execute("COMMIT")

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
