"""Cross-validated NAB figures of the volume detector: `python -m tests.bench nab_cv`.

Every setting (the model knobs of a small grid and the alarm knobs fire / hold / rearm) is chosen by
maximising NAB's raw score summed over the training series, and the chosen setting is then scored on
series it was not chosen on:

* leave-one-series-out within realTweets: choose on four tweet series, score the fifth;
* leave-one-category-out across all 53 series: choose on six categories, score the seventh.

The held-out alarms of all folds are pooled and scored together with the shared `nab_score.py` (the
fast in-process scorer only ranks settings; the reported figure is the shared scorer's). Settings are
chosen per NAB profile, as NAB chooses its thresholds per profile. Score streams are cached in
`out/nab-cv/` (git-ignored), keyed by the model settings.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.detection.volume import VolumeDetectorConfig
from tests.bench.nab_corpus import (
    PROFILES,
    PROJECT,
    TWEETS,
    Outcome,
    Series,
    Stream,
    nab_scorer,
    score,
    score_stream,
    shared_dir,
    total,
)

CACHE = PROJECT / "out" / "nab-cv"
STREAM_VERSION = 2  # bump when the detector's scores change for the same knobs
NEUTRAL = {"dispersion_from_raw": False}

# Model knobs (each changes the score stream); the folds choose among all of them. Further variants
# were tried on realTweets while developing and left out to keep `make bench` bounded (README).
# The first entry is the model with the library defaults.
MODEL_GRID: tuple[dict[str, Any], ...] = (
    {},
    {"scales_buckets": (1, 12, 36, 72)},
    {"level_halflife_hours": 72.0},
    {"seasonal_prior_count": 10.0, "dispersion_prior_weight": 10.0},
    {"learn_delay_buckets": 36},
    {"learn_delay_buckets": 72},
    {"learn_delay_buckets": 36, "level_halflife_hours": 72.0},
    {"learn_delay_buckets": 72, "level_halflife_hours": 72.0},
    {"learn_delay_buckets": 72, "level_halflife_hours": 168.0},
    {"learn_delay_buckets": 72, "level_halflife_hours": 72.0, "dispersion_from_raw": True},
    {"learn_delay_buckets": 72, "level_halflife_hours": 168.0, "dispersion_from_raw": True},
)
# What the grid's models start from: the detector before issue 11 (its model knobs), whatever the
# shipped defaults are now.
GRID_BASE: dict[str, Any] = {
    "scales_buckets": (12, 36, 72),
    "level_halflife_hours": 24.0,
    "clip_sigma": 3.0,
    "learn_delay_buckets": 0,
    "seasonal_prior_count": 0.0,
    "dispersion_prior_weight": 0.0,
    "dispersion_from_raw": False,
}
FIRE = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0, 20.0)
HOLD = (1.0, 2.0, 3.0)
REARM = (12, 36, 72, 144, 288)


@dataclass(frozen=True)
class Setting:
    model: int  # index into the model grid
    fire: float
    hold: float
    rearm: int

    def config(self, models: Sequence[dict[str, Any]], base: VolumeDetectorConfig) -> VolumeDetectorConfig:
        update = dict(models[self.model])
        update.update(fire_score=self.fire, hold_score=self.hold, rearm_buckets=self.rearm)
        return VolumeDetectorConfig.model_validate({**base.model_dump(), **update})


def grid_base() -> VolumeDetectorConfig:
    return VolumeDetectorConfig.model_validate(GRID_BASE)


def alarm_settings(models: int) -> list[Setting]:
    return [Setting(m, f, h, r) for m in range(models) for f in FIRE for h in HOLD if h <= f for r in REARM]


def _cache_key(series: Series, config: VolumeDetectorConfig) -> str:
    """The series' values and every knob that shapes the scores (not the alarm knobs)."""
    scoring = config.model_dump(mode="json", exclude={"fire_score", "hold_score", "rearm_buckets"})
    for knob, neutral in NEUTRAL.items():  # knobs added later keep the streams cached before them
        if scoring.get(knob) == neutral:
            del scoring[knob]
    text = json.dumps([series.key, series.values, scoring, STREAM_VERSION], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cached_stream(series: Series, config: VolumeDetectorConfig) -> Stream:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{_cache_key(series, config)}.json"
    if path.exists():
        rows, scores = json.loads(path.read_text(encoding="utf-8"))
        return Stream(rows, scores)
    stream = score_stream(series, config)
    path.write_text(json.dumps([stream.rows, stream.scores]), encoding="utf-8")
    return stream


class Table:
    """Outcome of every setting on every series under every profile."""

    def __init__(
        self,
        corpus: Sequence[Series],
        models: Sequence[dict[str, Any]],
        base: VolumeDetectorConfig,
    ) -> None:
        self.corpus, self.models, self.base = corpus, models, base
        self.settings = alarm_settings(len(models))
        self.alarms: dict[tuple[Setting, str], list[int]] = {}
        self.outcomes: dict[tuple[Setting, str, str], Outcome] = {}
        warmup = base.warmup_buckets
        for index, model in enumerate(models):
            config = VolumeDetectorConfig.model_validate({**base.model_dump(), **model})
            for series in corpus:
                stream = cached_stream(series, config)
                for setting in (s for s in self.settings if s.model == index):
                    rows = stream.alarm_rows(setting.fire, setting.hold, setting.rearm, warmup)
                    self.alarms[setting, series.id] = rows
                    for profile in PROFILES:
                        self.outcomes[setting, series.id, profile] = score(series, profile, rows)

    def best(self, train: Iterable[Series], profile: str) -> Setting:
        keys = [s.id for s in train]

        def raw(setting: Setting) -> float:
            return sum(self.outcomes[setting, k, profile].raw for k in keys)

        return max(self.settings, key=raw)  # ties: the first in grid order

    def outcome(self, setting: Setting, series: Iterable[Series], profile: str) -> Outcome:
        return total(self.outcomes[setting, s.id, profile] for s in series)


@dataclass
class CrossValidated:
    """Held-out alarms per profile and series, and the setting each fold chose."""

    alarms: dict[str, dict[str, list[int]]]  # profile -> series id -> alarm rows
    chosen: dict[str, dict[str, Setting]]  # profile -> held-out fold -> setting


def cross_validate(table: Table, folds: Callable[[Series], str]) -> CrossValidated:
    """`folds` names each series' fold; each fold is scored with the setting chosen on all others."""
    names = sorted({folds(s) for s in table.corpus})
    alarms: dict[str, dict[str, list[int]]] = {p: {} for p in PROFILES}
    chosen: dict[str, dict[str, Setting]] = {p: {} for p in PROFILES}
    for profile in PROFILES:
        for fold in names:
            train = [s for s in table.corpus if folds(s) != fold]
            setting = table.best(train, profile)
            chosen[profile][fold] = setting
            for series in (s for s in table.corpus if folds(s) == fold):
                alarms[profile][series.id] = table.alarms[setting, series.id]
    return CrossValidated(alarms, chosen)


def shared_score(corpus: Sequence[Series], alarms: dict[str, list[int]], profile: str) -> dict[str, Any]:
    """The shared nab_score.py's verdict on alarm rows (written as `timestamp,alarm` files)."""
    shared = shared_dir()
    nab = nab_scorer(shared)
    with tempfile.TemporaryDirectory(prefix="nab-cv-") as tmp:
        for series in corpus:
            fired = set(alarms[series.id])
            target = Path(tmp) / series.key
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(("timestamp", "alarm"))
                writer.writerows((t, int(i in fired)) for i, t in enumerate(series.stamps))
        data = shared / "data" / "nab"
        files = [s.key for s in corpus]
        cases = nab.load_cases(str(data), str(data / "windows.json"), tmp, files=files)
        result: dict[str, Any] = nab.evaluate(cases, {profile: nab.PROFILES[profile]}, {})[profile]
    return result


def check_fast_scorer(corpus: Sequence[Series], alarms: dict[str, list[int]], profile: str) -> dict[str, Any]:
    """Score with the shared scorer and insist that the fast one agrees (it ranked the settings)."""
    shared = shared_score(corpus, alarms, profile)
    fast = total(score(s, profile, alarms[s.id]) for s in corpus)
    if abs(shared["total"]["raw"] - fast.raw) > 1e-6 or shared["total"]["fp_alarms"] != fast.false_alarms:
        raise AssertionError(f"fast scorer {fast.raw} != nab_score {shared['total']['raw']} ({profile})")
    return shared


def by_series(series: Series) -> str:
    """The brand: a series and its thinned copy are held out together."""
    return series.key


def by_category(series: Series) -> str:
    return series.category


def tweets(corpus: Sequence[Series]) -> list[Series]:
    return [s for s in corpus if s.category == TWEETS]
