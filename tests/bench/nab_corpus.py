"""The 53 NAB series as the cross-validation sees them: rows, windows, NAB's per-row worth, and a fast
scorer that gives the same raw scores as the shared `nab_score.py` (checked in `nab_cv`).

Every series is fed to the detector one row per 5-minute bucket in its own time order. Series sampled
every 10, 30 or 60 minutes are rebased onto consecutive 5-minute buckets (row k -> t0 + k x 5 min, gaps
kept in units of the series' own step), because the detector's buckets are 5 minutes wide; their
hour-of-day is then not the real one. Rows whose time does not advance (NAB has a few duplicates) get
no verdict, as the detector would reject them.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import os
import sys
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
BUCKET = timedelta(minutes=5)
MINUTES_PER_BUCKET = 5
TWEETS = "realTweets"


def shared_dir() -> Path:
    override = os.environ.get("KRISENRADAR_SHARED")
    return Path(override) if override else PROJECT.parent / "shared"  # ../shared beside the project


def nab_scorer(shared: Path) -> ModuleType:
    """The shared, verified NAB scorer, loaded from ../shared/bench/nab_score.py."""
    if "nab_score" in sys.modules:
        return sys.modules["nab_score"]
    spec = importlib.util.spec_from_file_location("nab_score", shared / "bench" / "nab_score.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {shared / 'bench' / 'nab_score.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["nab_score"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Series:
    key: str  # windows.json key, e.g. realTweets/Twitter_volume_AAPL.csv
    path: Path
    stamps: list[str]
    values: list[float]
    buckets: list[int | None]  # rebased 5-minute bucket index per row; None: time did not advance
    probation: int
    windows: int
    scorable: set[int]
    owner: list[int | None]
    worth: dict[str, list[float]] = field(default_factory=dict)
    variant: str = "full"  # "thinned": the same series binomially thinned

    @property
    def id(self) -> str:
        return self.key if self.variant == "full" else f"{self.variant}:{self.key}"

    @property
    def category(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def name(self) -> str:
        return Path(self.key).stem

    @property
    def scored_weeks(self) -> float:
        return (len(self.stamps) - self.probation) * MINUTES_PER_BUCKET / (60 * 24 * 7)

    def rebased(self) -> Iterable[tuple[int, datetime, float]]:
        """(row, timestamp on the 5-minute grid, value) for every row that advances time."""
        start = datetime.fromisoformat(self.stamps[0])
        for row, bucket in enumerate(self.buckets):
            if bucket is not None:
                yield row, start + bucket * BUCKET, self.values[row]


def _rebase(stamps: list[datetime]) -> list[int | None]:
    steps = Counter(round((b - a).total_seconds()) for a, b in zip(stamps, stamps[1:], strict=False))
    step = max((s for s in steps if s > 0), key=lambda s: steps[s])
    out: list[int | None] = []
    last = -1
    for stamp in stamps:
        index = round((stamp - stamps[0]).total_seconds() / step)
        out.append(index if index > last else None)
        last = max(last, index)
    return out


def load_corpus(shared: Path, categories: Iterable[str] | None = None) -> list[Series]:
    nab = nab_scorer(shared)
    root = shared / "data" / "nab"
    windows = nab._read_windows(str(root / "windows.json"))
    wanted = set(categories) if categories is not None else None
    corpus = []
    for key in sorted(windows):
        if wanted is not None and key.split("/", 1)[0] not in wanted:
            continue
        path = root / key
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [(r["timestamp"], float(r["value"])) for r in csv.DictReader(handle)]
        stamps = [nab.parse_timestamp(t) for t, _ in rows]
        ranges = nab.window_index_ranges(stamps, windows[key], where=key)
        probation = nab.probation_length(len(rows))
        series = Series(
            key,
            path,
            [t for t, _ in rows],
            [v for _, v in rows],
            _rebase(stamps),
            probation,
            len(ranges),
            set(),
            [],
        )
        for profile in PROFILES:
            worth, owner = nab.row_weights(len(rows), ranges, nab.PROFILES[profile])
            series.worth[profile] = worth
            series.owner = owner
        series.scorable = {w for w in series.owner[probation:] if w is not None}
        corpus.append(series)
    return corpus


@dataclass(frozen=True)
class Outcome:
    """One series (or a sum over series) under one profile, as NAB scores it."""

    raw: float
    null: float
    perfect: float
    hit: int
    windows: int
    false_alarms: int
    weeks: float

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(
            self.raw + other.raw,
            self.null + other.null,
            self.perfect + other.perfect,
            self.hit + other.hit,
            self.windows + other.windows,
            self.false_alarms + other.false_alarms,
            self.weeks + other.weeks,
        )

    @property
    def normalized(self) -> float:
        return (
            100.0 * (self.raw - self.null) / (self.perfect - self.null) if self.perfect != self.null else 0.0
        )


EMPTY = Outcome(0.0, 0.0, 0.0, 0, 0, 0, 0.0)


def total(outcomes: Iterable[Outcome]) -> Outcome:
    out = EMPTY
    for outcome in outcomes:
        out = out + outcome
    return out


def score(series: Series, profile: str, alarm_rows: Iterable[int]) -> Outcome:
    """NAB's raw score of alarms at `alarm_rows` (alarms in the probationary period do not count)."""
    weights = _weights(profile)
    worth, owner = series.worth[profile], series.owner
    best: dict[int, float] = {}
    false_cost, false_alarms = 0.0, 0
    for row in alarm_rows:
        if row < series.probation:
            continue
        window = owner[row]
        if window is None:
            false_cost += worth[row]
            false_alarms += 1
        elif worth[row] > best.get(window, -math.inf):
            best[window] = worth[row]
    raw = false_cost + sum(best.get(w, -weights["fnWeight"]) for w in series.scorable)
    null = -weights["fnWeight"] * len(series.scorable)
    return Outcome(
        raw,
        null,
        weights["tpWeight"] * series.windows,
        len(best),
        series.windows,
        false_alarms,
        series.scored_weeks,
    )


def _weights(profile: str) -> dict[str, float]:
    return dict(sys.modules["nab_score"].PROFILES[profile])


# --------------------------------------------------------------------------- alarms from a score stream


@dataclass
class Stream:
    """The detector's score at every step of one series (filled zero buckets included), and the row
    each step belongs to (-1 for a filled bucket). Hysteresis does not feed back into the model, so
    one stream serves every fire / hold / rearm setting."""

    rows: list[int]
    scores: list[float]
    _loud: dict[float, list[int]] = field(default_factory=dict)
    _rearmed: dict[tuple[float, int], list[int]] = field(default_factory=dict)

    def _firing(self, threshold: float) -> list[int]:
        if threshold not in self._loud:
            self._loud[threshold] = [i for i, s in enumerate(self.scores) if s >= threshold]
        return self._loud[threshold]

    def _rearm_steps(self, hold: float, rearm: int) -> list[int]:
        """Steps at which a run of quiet steps (score below `hold`) reaches length `rearm`."""
        key = (hold, rearm)
        if key not in self._rearmed:
            out, run = [], 0
            for i, s in enumerate(self.scores):
                run = 0 if s >= hold else run + 1
                if run == rearm:
                    out.append(i)
            self._rearmed[key] = out
        return self._rearmed[key]

    def alarm_rows(self, fire: float, hold: float, rearm: int, warmup: int) -> list[int]:
        """Rows where `volume.fires` / `volume.hold` would raise an alarm (hold <= fire)."""
        loud, ends = self._firing(fire), self._rearm_steps(hold, rearm)
        out, step = [], warmup
        while True:
            k = bisect_left(loud, step)
            if k == len(loud):
                return out
            fired = loud[k]
            if self.rows[fired] >= 0:
                out.append(self.rows[fired])
            e = bisect_right(ends, fired)
            if e == len(ends):
                return out
            step = ends[e] + 1


def score_stream(series: Series, config: Any) -> Stream:
    """Run the detector (with alarms off, so only the scores) over the series, one step per bucket."""
    from chalicelib.detection.volume import VolumeDetector

    detector = VolumeDetector(config.model_copy(update={"fire_score": 1e9}))
    rows: list[int] = []
    scores: list[float] = []
    last: int | None = None
    start = datetime.fromisoformat(series.stamps[0])
    for row, bucket in enumerate(series.buckets):
        if bucket is None:
            continue
        if last is not None and 1 < bucket - last <= config.max_gap_buckets + 1:
            for missing in range(last + 1, bucket):
                scores.append(detector.update(start + missing * BUCKET, 0.0).score)
                rows.append(-1)
        scores.append(detector.update(start + bucket * BUCKET, series.values[row]).score)
        rows.append(row)
        last = bucket
    return Stream(rows, scores)
