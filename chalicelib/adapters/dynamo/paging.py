"""Opaque page tokens: the DynamoDB LastEvaluatedKey, validated on the way back in."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.domain.errors import InvalidInput

_BAD = "next_token is not a token this API issued"


def encode_token(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None, expected_keys: set[str]) -> dict[str, Any] | None:
    if token is None or token == "":
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(_BAD, [{"field": "next_token", "message": "malformed"}]) from exc
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
