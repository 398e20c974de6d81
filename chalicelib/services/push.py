"""Push ingestion: verify the HMAC-SHA256 signature over the raw body, then ingest like a collector.

Two ways to sign, with the same ingest secret: our own `X-Krisenradar-Signature: sha256=<hex>`, or
Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`), which also refuse a
timestamp more than five minutes off. A `whsec_...` secret signs with its decoded base64 part; any
other ingest secret signs with its raw bytes (domain/webhooks.py `secret_key`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from chalicelib.domain.drills import is_drill_brand
from chalicelib.domain.errors import InvalidInput, Unauthorized, Unprocessable
from chalicelib.domain.models import RawMention
from chalicelib.domain.playbook import Playbook
from chalicelib.domain.webhooks import carries_signature
from chalicelib.domain.webhooks import verify as verify_standard_webhook

SIGNATURE_HEADER = "X-Krisenradar-Signature"


def sign(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_push(body: bytes, headers: Mapping[str, str], secret: bytes, now: datetime) -> None:
    """Our own signature header if it is there, else Standard Webhooks headers (Unauthorized if neither
    is there or valid)."""
    own = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()), None)
    if own or not carries_signature(headers):
        verify_signature(body, own, secret)
    else:
        verify_standard_webhook(secret, headers, body, now)


def verify_signature(body: bytes, header: str | None, secret: bytes) -> None:
    if not header:
        raise Unauthorized(
            "the body must be signed",
            [
                {"header": SIGNATURE_HEADER, "message": "expected sha256=<hex hmac>"},
                {"header": "webhook-signature", "message": "or Standard Webhooks headers"},
            ],
        )
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a 401).
    given = header.strip().lower().encode("utf-8", "replace")
    if not hmac.compare_digest(given, sign(body, secret).encode()):
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
