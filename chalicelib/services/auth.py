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

from chalicelib.domain.errors import Forbidden, NotFound, Unauthorized
from chalicelib.domain.links import verify_link
from chalicelib.domain.models import ApiKey, Principal, Role
from chalicelib.ports import ApiKeyRepository, SecretProvider, TokenVerifier, UserRepository

_KEY = re.compile(r"^kr_([0-9a-f]{16})_([A-Za-z0-9_-]{40,64})$")
# A verified key is trusted for a few seconds without reading it again. The entry is never renewed on
# use, so a key revoked elsewhere (another Lambda instance) stops working within this time; where it
# is revoked, at once.
CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, str, Principal]] = {}  # key id -> (valid until, secret hash, principal)


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
    user_id: str | None = None,
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
        user_id=user_id,
    )
    keys.put(record)
    return record, f"kr_{key_id}_{secret}"


def authenticate(
    authorization: str | None, *, keys: ApiKeyRepository, users: UserRepository | None = None
) -> Principal:
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
    secret_hash = hash_secret(secret)
    cached = _cache.get(key_id)
    if cached and cached[0] > time.monotonic() and hmac.compare_digest(cached[1], secret_hash):
        return cached[2]
    record = keys.get(key_id)
    if record is None or record.disabled or not hmac.compare_digest(record.secret_hash, secret_hash):
        forget(key_id)
        raise Unauthorized("unknown or revoked API key", [{"header": "Authorization"}])
    principal = _principal(record, users)
    _cache[key_id] = (time.monotonic() + CACHE_SECONDS, record.secret_hash, principal)
    return principal


def _principal(record: ApiKey, users: UserRepository | None) -> Principal:
    """A person's key acts with the person's current name and role: a demotion applies to their keys."""
    if record.user_id is None or users is None:
        return Principal(key_id=record.key_id, name=record.name, role=record.role)
    try:
        user = users.get(record.user_id)
    except NotFound as error:
        raise Unauthorized("the key's owner no longer exists", [{"header": "Authorization"}]) from error
    return Principal(key_id=record.key_id, name=user.name, role=user.role, user_id=user.user_id)


def forget(key_id: str) -> None:
    """Drop a key from the cache (after revoking it)."""
    _cache.pop(key_id, None)


def forget_user(user_id: str) -> None:
    """Drop a person's keys from the cache (after their role or name changed)."""
    for key_id in [k for k, (_, _, p) in _cache.items() if p.user_id == user_id]:
        _cache.pop(key_id, None)


def require(principal: Principal, role: Role) -> None:
    if principal.role < role:
        raise Forbidden(
            f"this needs the role {role.label}",
            [{"role": principal.role.label, "required": role.label}],
        )


def clear_cache() -> None:
    _cache.clear()


def authenticate_link(
    token: str, *, incident_id: str, users: UserRepository, secrets: SecretProvider, now: datetime
) -> Principal:
    """The person an alert's signed link was sent to, acting on that incident only (the routes that
    accept links: open the incident, acknowledge it). Expired, foreign or altered: Unauthorized."""
    people = {user.user_id: user for user in users.list()}
    claims = verify_link(secrets.link_secret(), token, incident_id=incident_id, user_ids=people, now=now)
    person = people[claims.user_id]
    return Principal(key_id="link", name=person.name, role=Role.RESPONDER, user_id=person.user_id)


def looks_like_sign_in_token(authorization: str | None) -> bool:
    """A bearer token of the identity provider (a JWT), not one of our API keys."""
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and token.count(".") == 2 and not token.startswith("kr_")


def authenticate_sign_in(authorization: str, *, verifier: TokenVerifier, users: UserRepository) -> Principal:
    """A person signed in at the company's identity provider acts as the team member with that email
    (or the user id in the claim `custom:krisenradar_user`), with that member's current role."""
    claims = verifier.verify(authorization.partition(" ")[2].strip())
    email = str(claims.get("email") or claims.get("preferred_username") or claims.get("upn") or "").lower()
    wanted = claims.get("custom:krisenradar_user")
    person = next(
        (u for u in users.list() if u.user_id == wanted or (email and (u.email or "").lower() == email)), None
    )
    if person is None:
        raise Unauthorized(
            "signed in, but not a member of the crisis team here; ask an admin to add you",
            [{"header": "Authorization", "message": "unknown person"}],
        )
    return Principal(
        key_id=f"oidc:{str(claims['sub'])[:40]}", name=person.name, role=person.role, user_id=person.user_id
    )
