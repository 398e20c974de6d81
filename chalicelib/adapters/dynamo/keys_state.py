"""API keys, users and small JSON state documents (source cursors, detector states) in DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.adapters.dynamo.common import conditional_check_failed, query_page
from chalicelib.adapters.dynamo.models import ApiKeyItem, StateItem, UserItem
from chalicelib.adapters.paging import iso
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import ApiKey, Page, Role, Severity, User


def _key(item: ApiKeyItem) -> ApiKey:
    return ApiKey(
        key_id=item.key_id,
        name=item.name,
        role=Role[item.role.upper()],
        secret_hash=item.secret_hash,
        created_at=item.created_at,
        created_by=item.created_by,
        disabled=bool(item.disabled),
        user_id=item.user_id,
        revoked_at=item.revoked_at,
        revoked_by=item.revoked_by,
    )


class DynamoApiKeyRepository:
    def put(self, key: ApiKey) -> None:
        item = ApiKeyItem(
            key.key_id,
            kind="apikey",
            created_key=f"{iso(key.created_at)}#{key.key_id}",
            name=key.name,
            role=key.role.label,
            secret_hash=key.secret_hash,
            created_at=key.created_at,
            created_by=key.created_by,
            disabled=key.disabled,
            user_id=key.user_id,
            revoked_at=key.revoked_at,
            revoked_by=key.revoked_by,
        )
        try:
            item.save(condition=ApiKeyItem.key_id.does_not_exist())
        except PutError as error:
            if conditional_check_failed(error):
                raise Conflict("an API key with this id exists", [{"key_id": key.key_id}]) from error
            raise

    def get(self, key_id: str) -> ApiKey | None:
        try:
            return _key(ApiKeyItem.get(key_id, consistent_read=True))
        except DoesNotExist:
            return None

    def list(self, *, limit: int, next_token: str | None) -> Page[ApiKey]:
        return query_page(
            ApiKeyItem.by_created.query,
            "apikey",
            _key,
            {"key_id", "kind", "created_key"},
            limit,
            next_token,
        )

    def revoke(self, key_id: str, *, at: datetime, by: str) -> ApiKey:
        try:
            ApiKeyItem(key_id).update(
                actions=[
                    ApiKeyItem.disabled.set(True),
                    ApiKeyItem.revoked_at.set(at),
                    ApiKeyItem.revoked_by.set(by),
                ],
                condition=ApiKeyItem.key_id.exists() & ApiKeyItem.revoked_at.does_not_exist(),
            )
        except UpdateError as error:
            if not conditional_check_failed(error):
                raise
        key = self.get(key_id)
        if key is None:
            raise NotFound("no such API key", [{"key_id": key_id}])
        return key


def _user_item(user: User) -> UserItem:
    item = UserItem(
        user.user_id,
        kind="user",
        name=user.name,
        role=user.role.label,
        function=user.function,
        phone=user.phone,
        email=user.email,
        escalation_level=user.escalation_level,
        sms_min_severity=int(user.sms_min_severity),
        on_duty=user.on_duty,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )
    if user.version:
        item.version = user.version
    return item


def _user(item: UserItem) -> User:
    return User(
        user_id=item.user_id,
        name=item.name,
        role=Role[item.role.upper()],
        function=item.function or "",
        phone=item.phone,
        email=item.email,
        escalation_level=int(item.escalation_level),
        sms_min_severity=Severity(int(item.sms_min_severity)),
        on_duty=bool(item.on_duty),
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 0),
    )


class DynamoUserRepository:
    def create(self, user: User) -> User:
        item = _user_item(user.model_copy(update={"version": 0}))
        try:
            item.save()  # no version yet: PynamoDB conditions the put on the item not existing
        except PutError as error:
            if conditional_check_failed(error):
                raise Conflict("a user with this id exists", [{"user_id": user.user_id}]) from error
            raise
        return _user(item)

    def save(self, user: User) -> User:
        item = _user_item(user)
        try:
            item.save()
        except PutError as error:
            if conditional_check_failed(error):
                raise Conflict(
                    "the user was changed by someone else; reload and try again", [{"user_id": user.user_id}]
                ) from error
            raise
        return _user(item)

    def get(self, user_id: str) -> User:
        try:
            return _user(UserItem.get(user_id, consistent_read=True))
        except DoesNotExist as error:
            raise NotFound("no such user", [{"user_id": user_id}]) from error

    def list(self) -> list[User]:
        return [_user(item) for item in UserItem.by_kind.query("user")]


def _state_item(key: str, value: dict[str, Any], at: datetime) -> StateItem:
    return StateItem(key, value=json.dumps(value, separators=(",", ":")), updated_at=at)


def _document(item: StateItem) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(item.value)
    return value


class DynamoStateRepository:
    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return _document(StateItem.get(key))
        except DoesNotExist:
            return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        _state_item(key, value, datetime.now(UTC)).save()

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """`BatchGetItem`s of 100 distinct keys; PynamoDB asks again for any left unprocessed."""
        return {item.key: _document(item) for item in StateItem.batch_get(set(keys))}

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        """`BatchWriteItem`s of 25; PynamoDB sends unprocessed items again (PutError once it gives up)."""
        at = datetime.now(UTC)
        with StateItem.batch_write() as batch:
            for key, value in items.items():
                batch.save(_state_item(key, value, at))
