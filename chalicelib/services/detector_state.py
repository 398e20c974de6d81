"""The rules job's memory of each brand: the streaming volume detector's state, the decayed baseline
counts and the last bucket fed, stored as one JSON document per brand (key `detector#<brand>`); each
completed bucket is fed once, in order, and the bucket in progress is peeked at."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.detection.rules import VolumeSignalInput
from chalicelib.detection.volume import VolumeDetector, VolumeDetectorConfig, VolumeVerdict
from chalicelib.domain.models import BUCKET_SECONDS, Bucket, bucket_start
from chalicelib.domain.playbook import Playbook
from chalicelib.observability import logger
from chalicelib.ports import BucketRepository, StateRepository

STEP = timedelta(seconds=BUCKET_SECONDS)
BASELINE_HALF_LIFE_BUCKETS = 7 * 24 * 12
MIN_PEEK_FRACTION = 0.2


def _verdict_dict(verdict: VolumeVerdict) -> dict[str, Any]:
    return {
        "active": verdict.active or verdict.alarm,
        "observed": verdict.observed,
        "expected": verdict.expected,
        "reason": verdict.reason,
    }


class BrandState:
    """Detector state, decayed baseline counts and the last fed bucket, stored as one JSON document."""

    def __init__(self, saved: dict[str, Any] | None, config: VolumeDetectorConfig) -> None:
        saved = saved or {}
        try:
            self.detector = VolumeDetector(config, state=saved.get("detector"))
        except (ValueError, KeyError, TypeError):
            # A state from an older detector version: start afresh and re-learn from the stored history.
            logger.warning("detector state discarded", reason="incompatible state")
            saved = {}
            self.detector = VolumeDetector(config)
        last = saved.get("last_bucket")
        self.last_bucket = datetime.fromisoformat(last) if last else None
        self.base_total = float(saved.get("base_total", 0.0))
        self.base_negative = float(saved.get("base_negative", 0.0))
        self.base_arousal = float(saved.get("base_arousal", 0.0))
        self.base_first_person = float(saved.get("base_first_person", 0.0))
        self.verdict: dict[str, Any] = saved.get("verdict", {"active": False})

    def feed(self, bucket: Bucket) -> None:
        verdict = self.detector.update(bucket.start, float(bucket.total))
        self.verdict = _verdict_dict(verdict)
        if not self.verdict["active"]:  # a storm must not become the brand's new normal
            decay = 0.5 ** (1 / BASELINE_HALF_LIFE_BUCKETS)
            self.base_total = self.base_total * decay + bucket.total
            self.base_negative = self.base_negative * decay + bucket.negative
            self.base_arousal = self.base_arousal * decay + bucket.arousal
            self.base_first_person = self.base_first_person * decay + bucket.first_person
        self.last_bucket = bucket.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector.to_state(),
            "last_bucket": self.last_bucket.isoformat() if self.last_bucket else None,
            "base_total": round(self.base_total, 4),
            "base_negative": round(self.base_negative, 4),
            "base_arousal": round(self.base_arousal, 4),
            "base_first_person": round(self.base_first_person, 4),
            "verdict": self.verdict,
        }

    def baseline(self, brand: str) -> Bucket:
        return Bucket(
            brand=brand,
            start=self.last_bucket or datetime.min,
            total=round(self.base_total),
            negative=round(self.base_negative),
            arousal=self.base_arousal,
            first_person=round(self.base_first_person),
        )


def volume_input(
    state: BrandState, current: datetime, partial: Bucket | None, now: datetime
) -> VolumeSignalInput:
    # Seconds into a bucket, a handful of mentions against a tiny pro-rata expectation would look
    # dramatic; a floor of one minute's share keeps early peeks honest.
    elapsed = max((now - current).total_seconds() / BUCKET_SECONDS, MIN_PEEK_FRACTION)
    peek = state.detector.peek(current, float(partial.total if partial else 0), min(elapsed, 1.0))
    if peek.alarm or peek.active:
        return VolumeSignalInput(True, peek.observed, peek.expected, peek.reason)
    saved = state.verdict
    return VolumeSignalInput(
        bool(saved.get("active")),
        float(saved.get("observed", 0.0)),
        float(saved.get("expected", 0.0)),
        str(saved.get("reason", "")),
    )


def detector_key(brand: str) -> str:
    return f"detector#{brand}"


def update_detector(
    brand: str,
    *,
    now: datetime,
    playbook: Playbook,
    buckets: BucketRepository,
    state: StateRepository,
    config: VolumeDetectorConfig,
) -> tuple[BrandState, list[Bucket], Bucket | None]:
    """Feed every completed bucket since the last run, exactly once and in order; return the window."""
    current = bucket_start(now)
    saved = state.get(detector_key(brand))
    brand_state = BrandState(saved, config)
    history_start = current - timedelta(days=playbook.rules.baseline_days)
    feed_from = (
        max(brand_state.last_bucket + STEP, history_start) if brand_state.last_bucket else history_start
    )
    window_start = bucket_start(now - timedelta(minutes=playbook.rules.window_minutes))
    read_from = min(feed_from, window_start)
    stored = {b.start: b for b in buckets.range(brand, read_from, current + STEP)}
    moment = feed_from
    while moment < current:
        brand_state.feed(stored.get(moment) or Bucket(brand=brand, start=moment))
        moment += STEP
    state.put(detector_key(brand), brand_state.to_dict())
    window = [b for start, b in sorted(stored.items()) if start >= window_start]
    return brand_state, window, stored.get(current)
