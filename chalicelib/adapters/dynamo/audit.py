"""The audit log in DynamoDB: one item per change, newest first overall or per target (two indexes)."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo.common import query_page
from chalicelib.adapters.dynamo.models import AuditItem
from chalicelib.domain.models import AuditEntry, Page


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry.model_validate_json(item.doc)


class DynamoAuditRepository:
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
        return query_page(index.query, hash_key, _entry, {"entry_id", extra}, limit, next_token)
