"""Builds the SQLite repositories over one database file (created with its schema if missing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
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
from chalicelib.adapters.sqlite.retention import SqliteRetention
from chalicelib.adapters.sqlite.webhooks import SqliteWebhookRepository
from chalicelib.domain.models import utcnow
from chalicelib.ports import Storage


def sqlite_storage(
    path: Path,
    *,
    bucket_retention_days: int,
    severe_weight: int,
    outbox_retention_days: int = 30,
    clock: Callable[[], datetime] = utcnow,
) -> Storage:
    """`clock` tells reads what has expired; `outbox_retention_days` how long alert rows live."""
    db = Database(path)
    outbox_retention = timedelta(days=outbox_retention_days)
    return Storage(
        mentions=SqliteMentionRepository(db, bucket_retention_days, severe_weight, clock),
        buckets=SqliteBucketRepository(db),
        incidents=SqliteIncidentRepository(db),
        outbox=SqliteOutboxRepository(db, outbox_retention, clock),
        api_keys=SqliteApiKeyRepository(db),
        state=SqliteStateRepository(db),
        users=SqliteUserRepository(db),
        audit=SqliteAuditRepository(db, clock),
        drafts=SqliteDraftRepository(db, clock),
        drills=SqliteDrillRepository(db),
        webhooks=SqliteWebhookRepository(db),
        retention=SqliteRetention(db, outbox_retention),
    )
