"""Signed links in alerts: open one incident and acknowledge it from a phone, with no key at hand.

A link names the incident in clear and carries a short token: when it expires, a 4-byte tag of the
recipient and a 96-bit HMAC-SHA256 over (incident, recipient, expiry) with the deployment's link
secret. It fits an SMS (27 characters). It lets exactly that person open exactly that incident and
acknowledge it, nothing else; an expired, foreign or altered token is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.domain.errors import Unauthorized

_MAC_BYTES = 12
_TOKEN_BYTES = 4 + 4 + _MAC_BYTES


@dataclass(frozen=True)
class LinkClaims:
    incident_id: str
    user_id: str
    expires_at: datetime


def _tag(user_id: str) -> bytes:
    return hashlib.sha256(user_id.encode()).digest()[:4]


def _mac(secret: bytes, incident_id: str, user_id: str, expires: int) -> bytes:
    message = f"krisenradar-link|{incident_id}|{user_id}|{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()[:_MAC_BYTES]


def sign_link(secret: bytes, *, incident_id: str, user_id: str, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    raw = struct.pack(">I", expires) + _tag(user_id) + _mac(secret, incident_id, user_id, expires)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def link_url(public_url: str, incident_id: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/#/i/{incident_id}/{token}"


def _refused(reason: str) -> Unauthorized:
    return Unauthorized(
        "this link is not valid (any more); sign in or ask for a new alert", [{"link": reason}]
    )


def verify_link(
    secret: bytes, token: str, *, incident_id: str, user_ids: Iterable[str], now: datetime
) -> LinkClaims:
    """Who the link was sent to, if it is genuine, unexpired and for this incident (Unauthorized else)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, binascii.Error) as error:
        raise _refused("malformed") from error
    if len(raw) != _TOKEN_BYTES:
        raise _refused("malformed")
    (expires,) = struct.unpack(">I", raw[:4])
    tag, mac = raw[4:8], raw[8:]
    for user_id in user_ids:
        if hmac.compare_digest(_tag(user_id), tag) and hmac.compare_digest(
            _mac(secret, incident_id, user_id, expires), mac
        ):
            expires_at = datetime.fromtimestamp(expires, UTC)
            if expires_at <= now:
                raise _refused("expired")
            return LinkClaims(incident_id=incident_id, user_id=user_id, expires_at=expires_at)
    raise _refused("not for this incident or altered")


_LINK = re.compile(r"/#/i/(INC-[A-Za-z0-9-]+)/[A-Za-z0-9_-]{27}")


def without_link_tokens(text: str) -> str:
    """A stored alert text as others may see it: each personal link becomes the plain incident link
    (a link is a credential of its recipient)."""
    return _LINK.sub(r"/#/incidents/\1", text)
