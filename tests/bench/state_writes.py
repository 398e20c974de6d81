"""State writes per brand-hour: `python -m tests.bench state_writes`.

The rules job runs every minute and the detector state changes once per 5-minute bucket. This runs
the shipped `update_detector` for one hour of minutes on a brand that has learned a week of history
(memory store, counting writes) and prices each write as DynamoDB does: an item's size is its
attribute names plus values, and a write costs one write unit per started KB. "Before" is the former
behaviour, a write every run of the unpacked document (the same state, the former layout). The RSS
rows price a feed polled every 5 minutes whose cursor remembers 300 entries with 120-character ids.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.adapters.detection_playbook import load_detection_config
from chalicelib.adapters.playbooks import load_playbook
from chalicelib.adapters.sources.rss import _digest
from chalicelib.domain.models import Bucket
from chalicelib.services.detector_state import detector_key, expand, update_detector
from tests.fakes import CountingState, MemoryBuckets

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
START = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
# Attribute names and the other values of a state item: key, value, updated_at and its timestamp.
ITEM_OVERHEAD = len("key") + len("value") + len("updated_at") + len("2026-11-20T14:00:00.000000+0000")


def write_units(key: str, document: dict[str, Any]) -> int:
    size = ITEM_OVERHEAD + len(key) + len(json.dumps(document, separators=(",", ":")))
    return math.ceil(size / 1024)


def _history(brand: str, rate: float) -> MemoryBuckets:
    rng = random.Random(5)
    buckets = []
    first = START - timedelta(days=8)
    for index in range(9 * 288):
        moment = first + timedelta(minutes=5 * index)
        mean = rate * (1.6 if 8 <= moment.hour < 20 else 0.4)
        total = sum(1 for _ in range(int(mean * 4)) if rng.random() < 0.25)
        if total:
            buckets.append(Bucket(brand=brand, start=moment, total=total, negative=total // 3))
    return MemoryBuckets(buckets)


def detector_row(rate: float) -> tuple[str, ...]:
    playbook, config = load_playbook(PLAYBOOKS), load_detection_config(PLAYBOOKS)
    brand = playbook.brands[0].id
    key = detector_key(brand)
    buckets, state = _history(brand, rate), CountingState()
    run = {"playbook": playbook, "buckets": buckets, "state": state, "config": config}
    update_detector(brand, now=START - timedelta(minutes=1), **run)  # the week learned before the hour
    first = state.writes[key]
    units = 0
    for minute in range(60):
        if update_detector(brand, now=START + timedelta(minutes=minute), **run).writes:
            units += write_units(key, state.values[key])
    packed = state.values[key]
    former = {**packed, "detector": expand(packed["detector"]), "last_bucket": START.isoformat()}
    before_bytes = len(json.dumps(former, separators=(",", ":")))
    after_bytes = len(json.dumps(packed, separators=(",", ":")))
    return (
        f"detector state, {rate:g} mentions per bucket",
        f"{before_bytes} B x 60 = {60 * write_units(key, former)} WU",
        f"{after_bytes} B x {state.writes[key] - first} = {units} WU",
    )


def rss_rows() -> list[tuple[str, ...]]:
    ids = [f"https://news.example.de/wirtschaft/{'artikel-' * 12}{n:06d}" for n in range(300)]
    key = "cursor#rss-feed"
    etag = {"etag": '"5f1a-3c9e"', "modified": "Fri, 20 Nov 2026 13:55:00 GMT"}
    former = {"cursor": {**etag, "seen": ids}, "polled_at": START.isoformat()}
    now = {"cursor": {**etag, "seen_digests": [_digest(i) for i in ids]}}
    size_before = len(json.dumps(former, separators=(",", ":")))
    size_after = len(json.dumps(now, separators=(",", ":")))
    return [
        (
            "RSS cursor, no news (304) all hour",
            f"{size_before} B x 12 = {12 * write_units(key, former)} WU",
            "0 B x 0 = 0 WU",
        ),
        (
            "RSS cursor, news at every poll",
            f"{size_before} B x 12 = {12 * write_units(key, former)} WU",
            f"{size_after} B x 12 = {12 * write_units(key, now)} WU",
        ),
    ]


def run() -> None:
    rows = [detector_row(rate) for rate in (0.5, 5.0, 50.0)] + rss_rows()
    header = ("per brand (per feed) and hour", "before", "after")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    print("State writes per hour (WU = DynamoDB write units, 1 per started KB of item)")
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    run()
