"""Opaque page tokens, validated on the way back in.

DynamoDB listings carry their LastEvaluatedKey; SQLite listings carry the last sort key they returned
(keyset paging). Either way a client sees an opaque string, and a token from another listing or a
forged one is a 400, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.errors import InvalidInput

_BAD = "next_token is not a token this API issued"


def iso(moment: datetime) -> str:
    """A sortable UTC timestamp: the sort keys of both storage adapters start with it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> Any:
    try:
        padded = token + "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:  # deep nesting
        raise InvalidInput(_BAD, [{"field": "next_token", "message": "malformed"}]) from exc


def encode_token(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    return _encode(last_evaluated_key)


def decode_token(token: str | None, expected_keys: set[str]) -> dict[str, Any] | None:
    if token is None or token == "":
        return None
    key = _decode(token)
    if not isinstance(key, dict) or set(key) != expected_keys:
        raise InvalidInput(_BAD, [{"field": "next_token", "message": "does not match this listing"}])
    for value in key.values():
        if not (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in ("S", "N")
            and isinstance(next(iter(value.values())), str)
        ):
            raise InvalidInput(_BAD, [{"field": "next_token", "message": "malformed key"}])
    return key


def encode_cursor(listing: str, last_sort_key: str | None) -> str | None:
    """A keyset cursor: the listing it belongs to and the last sort key it returned."""
    return None if last_sort_key is None else _encode({"listing": listing, "after": last_sort_key})


def decode_cursor(token: str | None, listing: str) -> str | None:
    if token is None or token == "":
        return None
    cursor = _decode(token)
    if not (
        isinstance(cursor, dict)
        and set(cursor) == {"listing", "after"}
        and cursor["listing"] == listing
        and isinstance(cursor["after"], str)
    ):
        raise InvalidInput(_BAD, [{"field": "next_token", "message": "does not match this listing"}])
    return str(cursor["after"])
