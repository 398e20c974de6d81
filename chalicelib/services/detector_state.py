"""The rules job's memory of each brand: the streaming volume detector's state, the decayed baseline
counts and the last bucket fed, stored as one JSON document per brand (key `detector#<brand>`); each
completed bucket is fed once, in order, and the bucket in progress is peeked at.

Writes: the document changes only when a bucket completes (every 5 minutes), and it is written only
when it changed, so the four runs in between write nothing. Its float series are stored as packed
doubles (exact, so a state read back is the state saved, bit for bit) and the clipped counts only where
they differ from the raw ones. A brand without history (new, or its state discarded) learns its
baseline days a day at a time, saving after each day, so no single run reads and feeds them all:
`seconds_left` stops it between days and the next run carries on."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
# History is learned a day of buckets per read, feed and save: ~300 bucket rows and ~30 ms of feeding.
CHUNK_BUCKETS = 24 * 12
# Another chunk is started only with this much of the invocation left (a chunk takes well under a second).
CHUNK_SECONDS_NEEDED = 10.0
# While the history is being learned the detector has no baseline to judge a volume against.
NO_VOLUME_SIGNAL = VolumeSignalInput(False, 0.0, 0.0, "")
_PACKED_PAIRS = ("daily", "weekly", "dispersion")
_PACKED_FLAT = ("level", "expected")


def _verdict_dict(verdict: VolumeVerdict) -> dict[str, Any]:
    return {
        "active": verdict.active or verdict.alarm,
        "observed": verdict.observed,
        "expected": verdict.expected,
        "reason": verdict.reason,
    }


def _pack(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}d", *values)).decode("ascii")


def _unpack(text: str) -> list[float]:
    raw = base64.b64decode(text)
    return list(struct.unpack(f"<{len(raw) // 8}d", raw))


def compact(detector: dict[str, Any]) -> dict[str, Any]:
    """The detector's state as stored: float series as packed doubles, counts as integers, and the
    clipped counts only where clipping changed them. `expand` gives back exactly the same state."""
    out = dict(detector, packed=1)
    for name in _PACKED_FLAT:
        out[name] = _pack(detector[name])
    for name in _PACKED_PAIRS:
        out[name] = _pack([value for pair in detector[name] for value in pair])
    raw = detector["raw"]
    out["raw"] = [int(v) if float(v).is_integer() else v for v in raw]
    out["clipped"] = [[i, v] for i, (v, r) in enumerate(zip(detector["clipped"], raw, strict=True)) if v != r]
    return out


def expand(stored: dict[str, Any]) -> dict[str, Any]:
    """The detector's state from its stored form (a state stored before packing is taken as it is)."""
    if not stored.get("packed"):
        return stored
    state = {key: value for key, value in stored.items() if key != "packed"}
    for name in _PACKED_FLAT:
        state[name] = _unpack(stored[name])
    for name in _PACKED_PAIRS:
        flat = _unpack(stored[name])
        state[name] = [flat[i : i + 2] for i in range(0, len(flat), 2)]
    state["raw"] = [float(v) for v in stored["raw"]]
    clipped = list(state["raw"])
    for index, value in stored["clipped"]:
        clipped[index] = float(value)
    state["clipped"] = clipped
    return state


def _bucket_time(index: int | None) -> datetime | None:
    return None if index is None else datetime.fromtimestamp(index * BUCKET_SECONDS, UTC)


class BrandState:
    """Detector state, decayed baseline counts and the last fed bucket, stored as one JSON document."""

    def __init__(self, saved: dict[str, Any] | None, config: VolumeDetectorConfig) -> None:
        saved = saved or {}
        try:
            detector = expand(saved["detector"]) if saved.get("detector") else None
            self.detector = VolumeDetector(config, state=detector)
        except (ValueError, KeyError, TypeError, IndexError, struct.error):
            # A state from an older detector version: start afresh and re-learn from the stored history.
            logger.warning("detector state discarded", reason="incompatible state")
            saved, detector = {}, None
            self.detector = VolumeDetector(config)
        # The detector counts buckets since the epoch; the last one fed is its last bucket.
        self.last_bucket = _bucket_time(detector["last_bucket"]) if detector else None
        self.base_total = float(saved.get("base_total", 0.0))
        self.base_negative = float(saved.get("base_negative", 0.0))
        self.base_arousal = float(saved.get("base_arousal", 0.0))
        self.base_first_person = float(saved.get("base_first_person", 0.0))
        self.verdict: dict[str, Any] = saved.get("verdict", {"active": False})

    def feed(self, bucket: Bucket) -> None:
        verdict = self.detector.update(bucket.start, float(bucket.total))
        self.verdict = _verdict_dict(verdict)
        if not self.verdict["active"]:  # a storm must not become the brand's new normal
            # Rounded as stored, after every bucket: a state saved and read back between two buckets
            # (every run, or every learning chunk) goes on exactly as one kept in memory.
            decay = 0.5 ** (1 / BASELINE_HALF_LIFE_BUCKETS)
            self.base_total = round(self.base_total * decay + bucket.total, 4)
            self.base_negative = round(self.base_negative * decay + bucket.negative, 4)
            self.base_arousal = round(self.base_arousal * decay + bucket.arousal, 4)
            self.base_first_person = round(self.base_first_person * decay + bucket.first_person, 4)
        self.last_bucket = bucket.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": compact(self.detector.to_state()),
            "base_total": self.base_total,
            "base_negative": self.base_negative,
            "base_arousal": self.base_arousal,
            "base_first_person": self.base_first_person,
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


@dataclass
class DetectorUpdate:
    """What `update_detector` leaves: the state, the window of recent buckets, the bucket in progress,
    whether the brand is still learning its history (the volume verdict means nothing yet), and how
    many times the state was written."""

    state: BrandState
    window: list[Bucket]
    partial: Bucket | None
    learning: bool = False
    writes: int = 0


def update_detector(
    brand: str,
    *,
    now: datetime,
    playbook: Playbook,
    buckets: BucketRepository,
    state: StateRepository,
    config: VolumeDetectorConfig,
    seconds_left: Callable[[], float] | None = None,
) -> DetectorUpdate:
    """Feed every completed bucket since the last run, exactly once and in order, a day at a time,
    saving the state after each day in which it changed; stop between days when `seconds_left` says
    the invocation is ending (`learning` is then set and the next run goes on). Returns the window."""
    current = bucket_start(now)
    saved = state.get(detector_key(brand))
    brand_state = BrandState(saved, config)
    history_start = current - timedelta(days=playbook.rules.baseline_days)
    feed_from = (
        max(brand_state.last_bucket + STEP, history_start) if brand_state.last_bucket else history_start
    )
    window_start = bucket_start(now - timedelta(minutes=playbook.rules.window_minutes))
    stored: dict[datetime, Bucket] = {}
    written, writes = saved, 0
    while True:
        chunk_end = min(feed_from + CHUNK_BUCKETS * STEP, current)
        last_chunk = chunk_end >= current
        # The last chunk's read takes in the window and the bucket in progress: one read in a usual run.
        since, until = (
            (min(feed_from, window_start), current + STEP) if last_chunk else (feed_from, chunk_end)
        )
        stored.update((b.start, b) for b in buckets.range(brand, since, until))
        moment = feed_from
        while moment < chunk_end:
            brand_state.feed(stored.get(moment) or Bucket(brand=brand, start=moment))
            moment += STEP
        feed_from = max(feed_from, chunk_end)
        document = brand_state.to_dict()
        if document != written:
            state.put(detector_key(brand), document)
            written, writes = document, writes + 1
        if last_chunk or (seconds_left is not None and seconds_left() < CHUNK_SECONDS_NEEDED):
            break
    learning = feed_from < current
    if learning:
        stored.update((b.start, b) for b in buckets.range(brand, window_start, current + STEP))
        logger.info("brand still learning its history", brand=brand, learned_until=feed_from.isoformat())
    window = [b for start, b in sorted(stored.items()) if start >= window_start]
    return DetectorUpdate(brand_state, window, stored.get(current), learning, writes)
