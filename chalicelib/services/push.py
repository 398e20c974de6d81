"""Push ingestion: verify the HMAC-SHA256 signature over the raw body, then ingest like a collector."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from chalicelib.domain.drills import is_drill_brand
from chalicelib.domain.errors import InvalidInput, Unauthorized, Unprocessable
from chalicelib.domain.models import RawMention
from chalicelib.domain.playbook import Playbook

SIGNATURE_HEADER = "X-Krisenradar-Signature"


def sign(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: bytes) -> None:
    if not header:
        raise Unauthorized(
            "the body must be signed", [{"header": SIGNATURE_HEADER, "message": "expected sha256=<hex hmac>"}]
        )
    if not hmac.compare_digest(header.strip().lower(), sign(body, secret)):
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
