"""Test data factories."""

from __future__ import annotations

import itertools
from datetime import datetime

from chalicelib.domain.models import Author, RawMention

_ids = itertools.count(1)


def raw_mention(
    text: str = "Der Spülmeister 3000 ist kaputt, ich bin sauer.",
    *,
    at: datetime,
    brand: str = "mueller",
    platform: str = "x",
    native_id: str | None = None,
    handle: str = "@kunde",
    followers: int = 100,
    is_media: bool = False,
) -> RawMention:
    return RawMention(
        platform=platform,
        native_id=native_id or f"n{next(_ids)}",
        brand=brand,
        text=text,
        published_at=at,
        author=Author(handle=handle, followers=followers, is_media=is_media),
        reach=followers,
    )
