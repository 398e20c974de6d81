"""Domain objects and helpers for the contract tests; every object gets ids of its own (tables are shared)."""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

import pytest

from chalicelib.domain.models import (
    ApiKey,
    Author,
    Bucket,
    Delivery,
    Incident,
    IncidentStatus,
    Mention,
    Page,
    Role,
    Severity,
    TimelineEvent,
    bucket_counts,
    bucket_start,
    counted_topics,
)
from chalicelib.ports import Storage

T = TypeVar("T")

SEVERE_WEIGHT = 4
BUCKET_RETENTION_DAYS = 30
# On a 5-minute boundary, so that minute offsets say which bucket a mention falls into.
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def minutes(offset: float) -> datetime:
    return T0 + timedelta(minutes=offset)


def mention(
    brand: str,
    at: datetime,
    *,
    native_id: str | None = None,
    platform: str = "x",
    reach: int = 100,
    sentiment: Literal["negative", "neutral", "positive"] = "negative",
    negativity: float = 0.5,
    arousal: float = 0.25,
    first_person: int = 1,
    risk_terms: tuple[str, ...] = (),
    risk_weight: int = 0,
    topics: tuple[str, ...] = (),
    high_reach: bool = False,
) -> Mention:
    # Scores with four decimals and times in whole seconds: what both stores keep exactly.
    return Mention(
        platform=platform,
        native_id=native_id or unique("n"),
        brand=brand,
        text="Mein Spülmeister 3000 ist kaputt, ich bin sauer.",
        published_at=at,
        collected_at=at + timedelta(seconds=30),
        url="https://example.org/post",
        author=Author(handle="@kundin", followers=reach, is_media=high_reach),
        reach=reach,
        lang="de",
        sentiment=sentiment,
        sentiment_score={"negative": -0.6, "neutral": 0.0, "positive": 0.7}[sentiment],
        negativity=negativity,
        arousal=arousal,
        first_person_singular=first_person,
        risk_terms=risk_terms,
        topics=topics,
        high_reach=high_reach,
        risk_weight=risk_weight,
        expires_at=at + timedelta(days=90),
    )


def incident(
    brand: str,
    topic: str,
    *,
    opened_at: datetime = T0,
    severity: Severity = Severity.SEV2,
    status: IncidentStatus = IncidentStatus.OPEN,
) -> Incident:
    return Incident(
        incident_id=f"INC-{uuid.uuid4().hex[:12].upper()}",
        brand=brand,
        topic=topic,
        title=f"Beschwerden über {topic}",
        status=status,
        severity=severity,
        reasons=("negative_share",),
        topics=(topic,),
        signals=("volume",),
        opened_at=opened_at,
        updated_at=opened_at,
        detected_at=opened_at,
        first_signal_at=opened_at - timedelta(minutes=10),
        timeline=(TimelineEvent(at=opened_at, kind="opened", message="Krise erkannt", severity="SEV2"),),
    )


def delivery(
    alert_id: str,
    *,
    incident_id: str = "INC-CONTRACT",
    created_at: datetime = T0,
    channel: Literal["sms", "email", "integration", "webhook"] = "sms",
    recipient: str = "+4917000000001",
    **changes: Any,
) -> Delivery:
    return Delivery(
        alert_id=alert_id,
        incident_id=incident_id,
        brand="mueller",
        event_type="incident_opened",
        severity=Severity.SEV2,
        channel=channel,
        recipient=recipient,
        subject="SEV2: Beschwerden über Rückruf",
        body="Neue Krise: Beschwerden über Rückruf",
        created_at=created_at,
        **changes,
    )


def alert(alert_id: str, *, created_at: datetime = T0, incident_id: str = "INC-CONTRACT") -> list[Delivery]:
    """One alert fanned out to two people: an SMS and an email."""
    return [
        delivery(alert_id, incident_id=incident_id, created_at=created_at, channel="sms"),
        delivery(
            alert_id,
            incident_id=incident_id,
            created_at=created_at,
            channel="email",
            recipient="lagezentrum@example.org",
        ),
    ]


def api_key(role: Role = Role.RESPONDER, **changes: Any) -> ApiKey:
    fields: dict[str, Any] = {
        "key_id": unique("key"),
        "name": "Leitstand",
        "role": role,
        "secret_hash": "pbkdf2_sha256$600000$c2FsdA$aGFzaA",
        "created_at": T0,
        "created_by": "admin",
    }
    return ApiKey(**{**fields, **changes})


WIDE = (minutes(-60), minutes(60))  # every bucket a test writes to


def expected_buckets(mentions: list[Mention]) -> list[Bucket]:
    """What the buckets must say after storing `mentions` once each, from the domain's own rules."""
    buckets: dict[datetime, Bucket] = {}
    for stored in mentions:
        start = bucket_start(stored.published_at)
        bucket = buckets.get(start, Bucket(brand=stored.brand, start=start))
        adds = bucket_counts(stored, SEVERE_WEIGHT)
        topics = Counter(bucket.topics) + Counter(counted_topics(stored))
        buckets[start] = bucket.model_copy(
            update={
                "total": bucket.total + adds.total,
                "negative": bucket.negative + adds.negative,
                "reach": bucket.reach + adds.reach,
                "risk": bucket.risk + adds.risk,
                "severe": bucket.severe + adds.severe,
                "high_reach": bucket.high_reach + adds.high_reach,
                "arousal": round(bucket.arousal + adds.arousal, 4),
                "first_person": bucket.first_person + adds.first_person,
                "topics": dict(topics),
            }
        )
    return [buckets[start] for start in sorted(buckets)]


def read_buckets(storage: Storage, brand: str) -> list[Bucket]:
    # Arousal is a float sum: compare it at the four decimals a mention carries.
    return [
        bucket.model_copy(update={"arousal": round(bucket.arousal, 4)})
        for bucket in storage.buckets.range(brand, *WIDE)
    ]


def every_page(fetch: Callable[[str | None], Page[T]]) -> list[Page[T]]:
    """Follow next_token until a listing says there is no more (a page may be short, even empty)."""
    pages: list[Page[T]] = []
    token: str | None = None
    for _ in range(500):
        page = fetch(token)
        pages.append(page)
        token = page.next_token
        if token is None:
            return pages
    raise AssertionError("the listing never ended")


def items(pages: list[Page[T]]) -> list[T]:
    return [item for page in pages for item in page.items]


def token(value: Any) -> str:
    """An opaque token the way the adapters encode them, holding `value`: for forging tokens."""
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Tokens no listing issued: each listing must answer them with InvalidInput (a 400), never a 500.
FORGED_TOKENS = [
    pytest.param("not-a-token", id="garbage"),
    pytest.param("%%%", id="not-base64"),
    pytest.param(token([1, 2, 3]), id="json-list"),
    pytest.param(token({"listing": "elsewhere", "after": "2026"}), id="cursor-of-another-listing"),
    pytest.param(token({"id": {"S": "x"}, "sort": {"S": "2026"}}), id="key-of-another-table"),
]
DEEPLY_NESTED_TOKEN = pytest.param(
    base64.urlsafe_b64encode(b"[" * 1536).decode(),  # 2048 characters, as long as the API allows
    id="deeply-nested",
)
