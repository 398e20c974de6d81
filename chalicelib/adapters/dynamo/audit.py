"""The audit log in DynamoDB: one item per change, newest first overall or per target (two indexes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo.common import query_page
from chalicelib.adapters.dynamo.models import AuditItem
from chalicelib.domain.models import AuditEntry, Page, utcnow


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry.model_validate_json(item.doc)


class DynamoAuditRepository:
    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock

    def append(self, entry: AuditEntry) -> None:
        AuditItem(
            entry.entry_id,
            kind="audit",
            target=entry.target,
            doc=entry.model_dump_json(),
            expires_at=entry.expires_at,
        ).save()

    def list(self, *, target: str | None, limit: int, next_token: str | None) -> Page[AuditEntry]:
        index: Any
        if target is None:
            index, hash_key, extra = AuditItem.by_time, "audit", "kind"
        else:
            index, hash_key, extra = AuditItem.by_target, target, "target"
        live = AuditItem.expires_at > self._clock()  # TTL deletes within days
        return query_page(
            index.query, hash_key, _entry, {"entry_id", extra}, limit, next_token, filter_condition=live
        )
