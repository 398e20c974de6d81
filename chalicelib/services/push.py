"""Push ingestion: verify the signature over the raw body, then ingest like a collector.

Two ways to sign, with the same ingest secret, both dated so that a captured request cannot be
replayed later (it is refused more than five minutes from its timestamp):
- our own header `X-Krisenradar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`
  (several `v1=` may be given, e.g. one per secret while it is rotated);
- Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
A `whsec_...` secret signs with its decoded base64 part; any other ingest secret with its raw bytes
(domain/webhooks.py `secret_key`).

Rotation with two secrets valid during the switch: the secret's value is either the key itself, or
JSON `{"current": "...", "previous": "...", "previous_until": "<ISO time>"}`; the previous key is
accepted until `previous_until`, the current one always.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from chalicelib.domain.drills import is_drill_brand
from chalicelib.domain.errors import InvalidInput, Unauthorized, Unprocessable
from chalicelib.domain.models import RawMention
from chalicelib.domain.playbook import Playbook
from chalicelib.domain.webhooks import TOLERANCE_SECONDS, carries_signature, secret_key
from chalicelib.domain.webhooks import verify as verify_standard_webhook

SIGNATURE_HEADER = "X-Krisenradar-Signature"
_MAX_SIGNATURES = 5  # a header with more v1= values is not a rotation, it is a guessing game
_EXPECTED = {
    "header": SIGNATURE_HEADER,
    "message": 'expected t=<unix seconds>,v1=<hex HMAC of "<t>." + body>',
}


def sign(body: bytes, secret: bytes, now: datetime) -> str:
    """The header value a push source sends: `t=<unix seconds>,v1=<hex>`."""
    timestamp = int(now.timestamp())
    return f"t={timestamp},v1={_mac(secret_key(secret), timestamp, body)}"


def _mac(key: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def ingest_keys(secret: bytes, now: datetime) -> list[bytes]:
    """The secrets valid now: the secret itself, or during a rotation its current and previous one."""
    text = secret.decode("utf-8", errors="replace").strip()
    if not text.startswith("{"):
        return [secret]
    try:
        document = json.loads(text)
        current = str(document["current"])
    except (ValueError, KeyError, TypeError):
        return [secret]  # not a rotation document: the whole text is the key
    keys = [current.encode()]
    previous, until = document.get("previous"), document.get("previous_until")
    if previous and until:
        try:
            if now < datetime.fromisoformat(str(until).replace("Z", "+00:00")):
                keys.append(str(previous).encode())
        except ValueError:
            pass  # an unreadable end: the previous key is not accepted
    return keys


def verify_push(body: bytes, headers: Mapping[str, str], secret: bytes, now: datetime) -> None:
    """Our own signature header if it is there, else Standard Webhooks headers (Unauthorized if neither
    is there or valid, or the timestamp is more than five minutes off)."""
    keys = ingest_keys(secret, now)
    own = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()), None)
    if own or not carries_signature(headers):
        verify_signature(body, own, keys, now)
        return
    refused: Unauthorized | None = None
    for key in keys:
        try:
            verify_standard_webhook(key, headers, body, now)
            return
        except Unauthorized as error:
            refused = error
    assert refused is not None
    raise refused


def _parse(header: str) -> tuple[int, list[str]]:
    stamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            stamp = int(value)
        elif name == "v1" and value:
            signatures.append(value.strip().lower())
    if header.strip().lower().startswith("sha256="):
        raise Unauthorized(
            "undated signatures are no longer accepted (replay protection)",
            [
                {
                    "header": SIGNATURE_HEADER,
                    "message": 'expected t=<unix seconds>,v1=<hex HMAC of "<t>." + body>',
                }
            ],
        )
    if stamp is None or not signatures or len(signatures) > _MAX_SIGNATURES:
        raise Unauthorized(
            "the signature header is not t=<unix seconds>,v1=<hex>",
            [
                {
                    "header": SIGNATURE_HEADER,
                    "message": 'expected t=<unix seconds>,v1=<hex HMAC of "<t>." + body>',
                }
            ],
        )
    return stamp, signatures


def verify_signature(body: bytes, header: str | None, keys: Sequence[bytes], now: datetime) -> None:
    if not header:
        raise Unauthorized(
            "the body must be signed",
            [
                {
                    "header": SIGNATURE_HEADER,
                    "message": 'expected t=<unix seconds>,v1=<hex HMAC of "<t>." + body>',
                },
                {"header": "webhook-signature", "message": "or Standard Webhooks headers"},
            ],
        )
    stamp, signatures = _parse(header)
    skew = int(now.timestamp()) - stamp
    if abs(skew) > TOLERANCE_SECONDS:
        message = "the request is too old (replay?)" if skew > 0 else "the request is dated in the future"
        raise Unauthorized(
            f"{message}: t must be within {TOLERANCE_SECONDS // 60} minutes of now",
            [{"header": SIGNATURE_HEADER, "skew_seconds": skew, "tolerance_seconds": TOLERANCE_SECONDS}],
        )
    expected = [_mac(secret_key(key), stamp, body).encode() for key in keys]
    # bytes, so that a non-ASCII header is a mismatch, not a TypeError
    given = [candidate.encode("utf-8", errors="replace") for candidate in signatures]
    if not any(hmac.compare_digest(g, e) for g in given for e in expected):
        raise Unauthorized("the signature does not match the body", [{"header": SIGNATURE_HEADER}])


def check_brands(mentions: Sequence[RawMention], playbook: Playbook) -> None:
    """Only the playbook's brands: a drill's shadow brand ("mueller~ueb-...") is a 422, so that nobody
    pushes mentions into a drill; any other unknown brand a 400."""
    drills = [
        {"field": f"body.mentions.{index}.brand", "message": "a drill's brand takes no pushed mentions"}
        for index, mention in enumerate(mentions)
        if is_drill_brand(mention.brand)
    ]
    if drills:
        raise Unprocessable("the body names a drill's brand", drills)
    known = {brand.id for brand in playbook.brands}
    problems = [
        {"field": f"body.mentions.{index}.brand", "message": f"unknown brand; known: {sorted(known)}"}
        for index, mention in enumerate(mentions)
        if mention.brand not in known
    ]
    if problems:
        raise InvalidInput("the body names unknown brands", problems)


def check_published(mentions: Sequence[RawMention], now: datetime, skew: timedelta) -> None:
    """A mention dated ahead of our clock by more than the skew is a 422: it would escape retention."""
    latest = now + skew
    problems = [
        {"field": f"body.mentions.{index}.published_at", "message": f"after {latest.isoformat()}"}
        for index, mention in enumerate(mentions)
        if mention.published_at > latest
    ]
    if problems:
        raise Unprocessable("the body names mentions published in the future", problems)
