"""Outgoing webhooks: the events one can subscribe to, the receiver URL rules, and signatures following
the Standard Webhooks specification (https://www.standardwebhooks.com, "Signature scheme").

A message is signed with HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<raw body>`; the key is the
base64 part of the subscription's `whsec_...` secret. The `webhook-signature` header holds one or more
space-separated `v1,<base64 signature>` entries (several while a secret is rotated). A receiver checks
one of them in constant time and refuses timestamps more than five minutes off (replay protection).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

from pydantic import Field

from chalicelib.domain.errors import Unauthorized, Unprocessable
from chalicelib.domain.events import EVENT_TYPES  # one list of events for every receiver
from chalicelib.domain.models import Frozen

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
ID_PREFIX = "wh_"
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 300
MAX_URL_LENGTH = 2048
DEPLOYED_STAGES = ("dev", "prod")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class WebhookSubscription(Frozen):
    """A receiver of events: everything the sender needs (URL, secret, paused) in one item."""

    webhook_id: str = Field(pattern=r"^wh_[0-9a-f]{16}$")
    url: str
    events: tuple[str, ...]
    paused: bool = False
    secret: str = Field(repr=False)  # shown once at creation; never in a listing, log or audit entry
    created_at: datetime
    created_by: str
    updated_at: datetime | None = None
    updated_by: str | None = None
    version: int = 0

    def wants(self, event_type: str) -> bool:
        return not self.paused and event_type in self.events


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def new_webhook_id() -> str:
    return ID_PREFIX + secrets.token_hex(8)


def secret_key(secret: str | bytes) -> bytes:
    """The HMAC key of a secret: the decoded base64 part of `whsec_...`; any other secret (such as an
    ingest secret kept as plain bytes) is used as it is."""
    raw = secret.encode() if isinstance(secret, str) else secret
    if raw.startswith(SECRET_PREFIX.encode()):
        try:
            return base64.b64decode(raw[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error:
            pass  # not base64 after all: the whole text is the key
    return raw


def _signature(key: bytes, msg_id: str, timestamp: int, payload: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(secret: str | bytes, msg_id: str, timestamp: int, payload: bytes) -> str:
    digest = _signature(secret_key(secret), msg_id, timestamp, payload)
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def headers(secret: str | bytes, msg_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    """What a sender adds to its POST of `payload`."""
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, msg_id, timestamp, payload),
    }


def carries_signature(received: Mapping[str, str]) -> bool:
    """Whether a request carries Standard Webhooks headers (any of the three)."""
    names = {name.lower() for name in received}
    return bool(names & {ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER})


def _header(received: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in received.items() if key.lower() == name), None)


def verify(
    secret: str | bytes,
    received: Mapping[str, str],
    payload: bytes,
    now: datetime,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check a signed request; returns its message id, raises Unauthorized with the reason otherwise."""
    msg_id = _header(received, ID_HEADER)
    stamp = _header(received, TIMESTAMP_HEADER)
    signatures = _header(received, SIGNATURE_HEADER)
    missing = [
        {"header": name, "message": "missing"}
        for name, value in ((ID_HEADER, msg_id), (TIMESTAMP_HEADER, stamp), (SIGNATURE_HEADER, signatures))
        if not value
    ]
    if missing or msg_id is None or stamp is None or signatures is None:
        raise Unauthorized("the Standard Webhooks headers are incomplete", missing)
    try:
        timestamp = int(stamp.strip())
    except ValueError as error:
        raise Unauthorized(
            "webhook-timestamp is not a Unix time in seconds", [{"header": TIMESTAMP_HEADER}]
        ) from error
    skew = int(now.timestamp()) - timestamp
    if abs(skew) > tolerance:
        message = "the message is too old (replay?)" if skew > 0 else "the message is dated in the future"
        raise Unauthorized(
            f"{message}: webhook-timestamp must be within {tolerance // 60} minutes of now",
            [{"header": TIMESTAMP_HEADER, "skew_seconds": skew, "tolerance_seconds": tolerance}],
        )
    expected = _signature(secret_key(secret), msg_id, timestamp, payload)
    if not any(_matches(candidate, expected) for candidate in signatures.split()):
        raise Unauthorized("no signature matches the message", [{"header": SIGNATURE_HEADER}])
    return msg_id


def _matches(candidate: str, expected: bytes) -> bool:
    version, _, encoded = candidate.partition(",")
    if version != SIGNATURE_VERSION:
        return False
    try:
        given = base64.b64decode(encoded, validate=True)
    except ValueError:  # binascii.Error, or a str with non-ASCII characters
        return False
    return hmac.compare_digest(given, expected)


# --- what a subscription may name ------------------------------------------------------------------


def check_url(url: str, *, stage: str, field: str = "body.url") -> str:
    """A receiver URL: https on deployed stages, never loopback or private addresses there, never
    credentials in the URL; the local and test stacks also accept http on loopback."""
    problems = _url_problems(url, stage)
    if problems:
        raise Unprocessable(
            "the webhook URL is not allowed", [{"field": field, "message": p} for p in problems]
        )
    return url


def _url_problems(url: str, stage: str) -> list[str]:
    if len(url) > MAX_URL_LENGTH:
        return [f"at most {MAX_URL_LENGTH} characters"]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return ["not a valid URL"]
    if not parts.hostname:
        return ["an absolute URL with a host is required"]
    problems = []
    if parts.username is not None or parts.password is not None:
        problems.append("credentials in the URL are not allowed; the signature authenticates us")
    deployed = stage in DEPLOYED_STAGES
    loopback = _is_loopback(parts)
    if parts.scheme == "https":
        if deployed and (loopback or _is_private(parts.hostname)):
            problems.append("a deployed stage does not send to loopback or private addresses")
    elif parts.scheme == "http" and loopback and not deployed:
        pass  # a local receiver on the local or test stack
    elif parts.scheme == "http" and loopback:
        problems.append("a deployed stage sends to https URLs only")
    else:
        allowed = "https" if deployed else "https, or http on 127.0.0.1, localhost or [::1]"
        problems.append(f"the scheme must be {allowed}")
    return problems


def _is_loopback(parts: SplitResult) -> bool:
    return (parts.hostname or "").lower() in LOOPBACK_HOSTS


def _is_private(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name; the sender resolves it
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def check_events(events: Sequence[str], *, field: str = "body.events") -> tuple[str, ...]:
    """At least one known event type; duplicates collapse, the order of EVENT_TYPES is kept."""
    problems: list[dict[str, Any]] = [
        {"field": f"{field}.{index}", "message": f"unknown event type; known: {list(EVENT_TYPES)}"}
        for index, event in enumerate(events)
        if event not in EVENT_TYPES
    ]
    if not events:
        problems.append({"field": field, "message": "name at least one event type"})
    if problems:
        raise Unprocessable("the webhook's events are invalid", problems)
    return tuple(event for event in EVENT_TYPES if event in events)
