"""The crisis team as people: users seeded from `playbooks/team.yaml`, edited in the store, and their
personal API keys. Every action in Krisenradar is done by a named person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.errors import Conflict, DeliveryFailed, Forbidden, InvalidInput
from chalicelib.domain.models import ApiKey, Page, Principal, Role, User
from chalicelib.domain.playbook import Team
from chalicelib.observability import logger
from chalicelib.ports import ApiKeyRepository, SubscriptionSync, UserRepository
from chalicelib.services import auth

# What people may change about themselves; everything else (role, name, escalation) is the admin's.
SELF_SERVICE = frozenset({"phone", "email", "on_duty", "sms_min_severity"})


def seed_team(team: Team, *, users: UserRepository, now: datetime) -> int:
    """Create every team member from the playbook who is not a user yet; returns how many were new.
    Users already in the store keep their edits: the playbook is where a team starts, not a mirror."""
    created = 0
    known = {user.user_id for user in users.list()}  # one read at each cold start, not a write per member
    for user in team.as_users(now):
        if user.user_id in known:
            continue
        try:
            users.create(user)
            created += 1
        except Conflict:
            continue
    if created:
        logger.info("team seeded", users=created)
    return created


def _is_self(principal: Principal, user_id: str) -> bool:
    return principal.user_id is not None and principal.user_id == user_id


def _require_admin_or_self(principal: Principal, user_id: str, action: str) -> None:
    if principal.role < Role.ADMIN and not _is_self(principal, user_id):
        raise Forbidden(f"only an admin or the person themselves may {action}", [{"user_id": user_id}])


def create_user(user: User, *, principal: Principal, users: UserRepository) -> User:
    auth.require(principal, Role.ADMIN)
    return users.create(user)


def update_user(
    user_id: str,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
    principal: Principal,
    users: UserRepository,
    now: datetime,
) -> User:
    """Apply `changes` (validated field values) to a user. An admin may change everything; people may
    change their own contact details and whether they are on duty."""
    if principal.role < Role.ADMIN:
        forbidden = sorted(set(changes) - SELF_SERVICE)
        if not _is_self(principal, user_id) or forbidden:
            raise Forbidden(
                "people may change their own phone, email, SMS threshold and duty; the rest is an admin's",
                [{"user_id": user_id, "fields": forbidden or sorted(changes)}],
            )
    current = users.get(user_id)
    if expected_version is not None and expected_version != current.version:
        raise Conflict(
            "the user was changed by someone else; reload and try again",
            [{"user_id": user_id, "version": current.version}],
        )
    if changes.get("role") is not None and _is_self(principal, user_id) and changes["role"] < current.role:
        raise InvalidInput(
            "an admin cannot lower their own role; ask another admin",
            [{"field": "body.role", "message": "own"}],
        )
    try:
        updated = User.model_validate({**current.model_dump(), **changes, "updated_at": now})
    except ValueError as error:
        raise InvalidInput("the change is invalid", [{"field": "body", "message": str(error)}]) from error
    saved = users.save(updated)
    auth.forget_user(user_id)  # their keys act with the new role from the next request on
    return saved


def issue_personal_key(
    user_id: str,
    *,
    name: str | None,
    principal: Principal,
    users: UserRepository,
    keys: ApiKeyRepository,
    now: datetime,
) -> tuple[ApiKey, str]:
    """A person's own key: it acts with the person's name and current role; shown once."""
    _require_admin_or_self(principal, user_id, "create a personal API key")
    user = users.get(user_id)
    return auth.create_key(
        name=name or f"{user.name} (persönlich)",
        role=user.role,
        keys=keys,
        now=now,
        created_by=principal.name,
        user_id=user.user_id,
    )


def list_keys(*, keys: ApiKeyRepository, limit: int, next_token: str | None) -> Page[ApiKey]:
    return keys.list(limit=limit, next_token=next_token)


def revoke_key(key_id: str, *, principal: Principal, keys: ApiKeyRepository, now: datetime) -> ApiKey:
    """Revoked at once here, within seconds on every other instance (auth.CACHE_SECONDS)."""
    key = keys.get(key_id)
    owner = key.user_id if key is not None else None
    if principal.role < Role.ADMIN and not (owner is not None and _is_self(principal, owner)):
        raise Forbidden("only an admin or the key's owner may revoke it", [{"key_id": key_id}])
    revoked = keys.revoke(key_id, at=now, by=principal.name)
    auth.forget(key_id)
    logger.info("api key revoked", key_id=key_id, by=principal.name)
    return revoked


def on_duty(users: list[User]) -> list[User]:
    """Who is on duty now, by escalation level."""
    return sorted((u for u in users if u.on_duty), key=lambda u: (u.escalation_level, u.name))


def sync_subscriptions(users: UserRepository, subscriptions: SubscriptionSync) -> str | None:
    """After a change to the team: every person's alert subscriptions match their addresses again.
    Returns a warning for the person who made the change when that failed (the change itself stands)."""
    try:
        changed = subscriptions.sync(users.list())
    except DeliveryFailed as error:
        logger.warning("alert subscriptions not updated", error=error.message)
        return "Die Benachrichtigungen konnten nicht angepasst werden; bitte später erneut speichern."
    if changed:
        logger.info("alert subscriptions updated", changed=changed)
    return None
