"""API keys and small JSON state documents (source cursors, detector states) in DynamoDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.dynamo.common import conditional_check_failed
from chalicelib.adapters.dynamo.models import ApiKeyItem, StateItem
from chalicelib.domain.errors import Conflict
from chalicelib.domain.models import ApiKey, Role


class DynamoApiKeyRepository:
    def put(self, key: ApiKey) -> None:
        item = ApiKeyItem(
            key.key_id,
            name=key.name,
            role=key.role.label,
            secret_hash=key.secret_hash,
            created_at=key.created_at,
            created_by=key.created_by,
            disabled=key.disabled,
        )
        try:
            item.save(condition=ApiKeyItem.key_id.does_not_exist())
        except PutError as error:
            if conditional_check_failed(error):
                raise Conflict("an API key with this id exists", [{"key_id": key.key_id}]) from error
            raise

    def get(self, key_id: str) -> ApiKey | None:
        try:
            item = ApiKeyItem.get(key_id)
        except DoesNotExist:
            return None
        return ApiKey(
            key_id=item.key_id,
            name=item.name,
            role=Role[item.role.upper()],
            secret_hash=item.secret_hash,
            created_at=item.created_at,
            created_by=item.created_by,
            disabled=bool(item.disabled),
        )


class DynamoStateRepository:
    def get(self, key: str) -> dict[str, Any] | None:
        try:
            value: dict[str, Any] = json.loads(StateItem.get(key).value)
        except DoesNotExist:
            return None
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        StateItem(key, value=json.dumps(value, separators=(",", ":")), updated_at=datetime.now(UTC)).save()
