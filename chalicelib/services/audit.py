"""The audit log: every change made through the API, with who, what, when, and before and after.

Entries keep the resource as the API shows it, without secrets (API keys are shown once and never
logged), and expire after AUDIT_RETENTION like everything else that holds personal data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.models import AuditEntry, Page, Principal
from chalicelib.ports import AuditRepository

AUDIT_RETENTION = timedelta(days=400)
_SECRET_FIELDS = frozenset({"api_key", "secret_hash", "token"})


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in _SECRET_FIELDS}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def record_change(
    *,
    audit: AuditRepository,
    principal: Principal,
    action: str,
    target: str | None,
    status: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> AuditEntry:
    entry = AuditEntry(
        entry_id=f"{now.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{secrets.token_hex(4)}",
        at=now,
        actor=principal.name,
        actor_key_id=principal.key_id,
        actor_user_id=principal.user_id,
        action=action,
        target=target,
        status=status,
        before=_clean(before),
        after=_clean(after),
        expires_at=now + AUDIT_RETENTION,
    )
    audit.append(entry)
    return entry


def list_entries(
    *, audit: AuditRepository, target: str | None, limit: int, next_token: str | None
) -> Page[AuditEntry]:
    return audit.list(target=target, limit=limit, next_token=next_token)
