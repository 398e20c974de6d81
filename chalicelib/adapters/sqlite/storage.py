"""Builds the SQLite repositories over one database file (created with its schema if missing)."""

from __future__ import annotations

from pathlib import Path

from chalicelib.adapters.sqlite.audit import SqliteAuditRepository
from chalicelib.adapters.sqlite.database import Database
from chalicelib.adapters.sqlite.drafts import SqliteDraftRepository
from chalicelib.adapters.sqlite.drills import SqliteDrillRepository
from chalicelib.adapters.sqlite.incidents import SqliteIncidentRepository
from chalicelib.adapters.sqlite.keys_state import (
    SqliteApiKeyRepository,
    SqliteStateRepository,
    SqliteUserRepository,
)
from chalicelib.adapters.sqlite.mentions import SqliteBucketRepository, SqliteMentionRepository
from chalicelib.adapters.sqlite.outbox import SqliteOutboxRepository
from chalicelib.adapters.sqlite.webhooks import SqliteWebhookRepository
from chalicelib.ports import Storage


def sqlite_storage(path: Path, *, bucket_retention_days: int, severe_weight: int) -> Storage:
    db = Database(path)
    return Storage(
        mentions=SqliteMentionRepository(db, bucket_retention_days, severe_weight),
        buckets=SqliteBucketRepository(db),
        incidents=SqliteIncidentRepository(db),
        outbox=SqliteOutboxRepository(db),
        api_keys=SqliteApiKeyRepository(db),
        state=SqliteStateRepository(db),
        users=SqliteUserRepository(db),
        audit=SqliteAuditRepository(db),
        drafts=SqliteDraftRepository(db),
        drills=SqliteDrillRepository(db),
        webhooks=SqliteWebhookRepository(db),
    )
