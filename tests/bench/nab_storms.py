"""Storms of known start injected into thinned real tweet series: how long until the alarm?

Each realTweets series is thinned to 2 % (Mittelstand volume). At fixed points after NAB's
probationary period, away from every labelled window and while no alarm is held, a storm is added:
extra mentions drawn from a Poisson law whose mean ramps up linearly over the first hour to
`STORM_FACTOR` times the brand's mean thinned rate of the day before (at least `MIN_PEAK_PER_HOUR`
mentions an hour), then stays there. The detector resumes from its saved state at the storm's start
(as the rules job does from the state store) and we record the minutes until it fires, up to
`HORIZON_BUCKETS`.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.detection.volume import VolumeDetector, VolumeDetectorConfig
from tests.bench.nab_corpus import MINUTES_PER_BUCKET, Series

STORMS_PER_SERIES = 10
STORM_FACTOR = 10.0
MIN_PEAK_PER_HOUR = 12.0
RAMP_BUCKETS = 12
HORIZON_BUCKETS = 72
DAY_BUCKETS = 288
STORM_SEED = 20261129


@dataclass(frozen=True)
class StormResult:
    series: str
    start: int  # row
    peak_per_hour: float
    minutes: float | None  # None: no alarm within the horizon


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # normal approximation keeps the sampler fast for big storms
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _storm_starts(series: Series, counts: Sequence[float]) -> list[int]:
    """Evenly spread rows after probation whose storm (and the day after) touches no window."""
    first = max(series.probation, DAY_BUCKETS)
    last = len(counts) - HORIZON_BUCKETS - 1
    step = max((last - first) // (STORMS_PER_SERIES * 2), 1)
    starts = []
    for row in range(first, last, step):
        span = range(row - DAY_BUCKETS, row + HORIZON_BUCKETS + DAY_BUCKETS)
        if all(series.owner[i] is None for i in span if 0 <= i < len(counts)):
            starts.append(row)
    stride = max(len(starts) // STORMS_PER_SERIES, 1)
    return starts[::stride][:STORMS_PER_SERIES]


def inject(series: Series, counts: Sequence[float], config: VolumeDetectorConfig) -> list[StormResult]:
    """One run over the thinned series, saving the detector state at each storm start."""
    rng = random.Random(f"{STORM_SEED}:{series.key}")
    starts = set(_storm_starts(series, counts))
    stamps = [datetime.fromisoformat(t) for t in series.stamps]
    detector = VolumeDetector(config)
    results = []
    for row, count in enumerate(counts):
        if row in starts and not detector.to_state()["active"]:
            day_rate = sum(counts[row - DAY_BUCKETS : row]) / DAY_BUCKETS
            peak = max(STORM_FACTOR * day_rate, MIN_PEAK_PER_HOUR / 12)
            storm = VolumeDetector(config, detector.to_state())
            minutes = None
            for offset in range(HORIZON_BUCKETS):
                extra = _poisson(rng, peak * min((offset + 1) / RAMP_BUCKETS, 1.0))
                if storm.update(stamps[row + offset], counts[row + offset] + extra).alarm:
                    minutes = float((offset + 1) * MINUTES_PER_BUCKET)
                    break
            results.append(StormResult(series.name, row, peak * 12, minutes))
        detector.update(stamps[row], count)
    return results


def summary(results: Sequence[StormResult]) -> tuple[float, int, int]:
    """(median minutes from storm start to alarm over all storms, a missed one counting as never
    (inf); storms alarmed within the horizon; storms injected)."""
    minutes = [math.inf if r.minutes is None else r.minutes for r in results]
    found = sum(1 for r in results if r.minutes is not None)
    return (statistics.median(minutes) if minutes else math.nan), found, len(results)
