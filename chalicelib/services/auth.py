"""API keys: created with a role, stored as a SHA-256 hash, shown in clear exactly once.

A key looks like `kr_<key id>_<secret>`. The id finds the record; the secret (256 random bits) is
compared in constant time against its hash. High-entropy secrets need no slow password hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime

from chalicelib.domain.errors import Forbidden, Unauthorized
from chalicelib.domain.models import ApiKey, Principal, Role
from chalicelib.ports import ApiKeyRepository

_KEY = re.compile(r"^kr_([0-9a-f]{16})_([A-Za-z0-9_-]{40,64})$")
_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, ApiKey]] = {}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    *,
    name: str,
    role: Role,
    keys: ApiKeyRepository,
    now: datetime,
    created_by: str | None,
    plaintext: str | None = None,
) -> tuple[ApiKey, str]:
    if plaintext is not None:
        match = _KEY.match(plaintext)
        if match is None:
            raise ValueError("a preset key must look like kr_<16 hex>_<43 url-safe characters>")
        key_id, secret = match.groups()
    else:
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    record = ApiKey(
        key_id=key_id,
        name=name,
        role=role,
        secret_hash=hash_secret(secret),
        created_at=now,
        created_by=created_by,
    )
    keys.put(record)
    return record, f"kr_{key_id}_{secret}"


def authenticate(authorization: str | None, *, keys: ApiKeyRepository) -> Principal:
    if not authorization:
        raise Unauthorized(
            "missing API key", [{"header": "Authorization", "message": "expected Bearer <api key>"}]
        )
    scheme, _, token = authorization.partition(" ")
    match = _KEY.match(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise Unauthorized(
            "malformed API key", [{"header": "Authorization", "message": "expected Bearer kr_..."}]
        )
    key_id, secret = match.groups()
    cached = _cache.get(key_id)
    record = cached[1] if cached and cached[0] > time.monotonic() else keys.get(key_id)
    if record is None or record.disabled or not hmac.compare_digest(record.secret_hash, hash_secret(secret)):
        _cache.pop(key_id, None)
        raise Unauthorized("unknown or revoked API key", [{"header": "Authorization"}])
    _cache[key_id] = (time.monotonic() + _CACHE_SECONDS, record)
    return Principal(key_id=record.key_id, name=record.name, role=record.role)


def require(principal: Principal, role: Role) -> None:
    if principal.role < role:
        raise Forbidden(
            f"this needs the role {role.label}",
            [{"role": principal.role.label, "required": role.label}],
        )


def clear_cache() -> None:
    _cache.clear()
