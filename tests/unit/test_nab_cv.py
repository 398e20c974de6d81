"""The NAB cross-validation harness: its fast paths agree with the detector and the shared scorer, and
no series is ever scored with a setting chosen on it."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import pytest

from chalicelib.detection.volume import VolumeDetectorConfig, detect_series
from tests.bench.nab_corpus import (
    PROFILES,
    Outcome,
    Series,
    _rebase,
    nab_scorer,
    score,
    score_stream,
    shared_dir,
)
from tests.bench.nab_cv import Setting, Table, by_category, by_series, cross_validate

START = datetime(2015, 3, 2, 0, 2, 53)
STEP = timedelta(minutes=5)


def synthetic_series(key: str, n: int = 2000, seed: int = 1, windows: int = 0) -> Series:
    """A tweet-like series with storms, a gap of missing rows, and `windows` labelled windows."""
    rng = random.Random(seed)
    stamps, values = [], []
    for i in range(n):
        if 900 <= i < 960:  # an hour of rows missing: the detector fills the gap with zeros
            continue
        rate = 20 * (1.5 + math.sin(i / 288 * 2 * math.pi)) + (200 if i % 500 >= 480 else 0)
        stamps.append(START + i * STEP)
        values.append(float(max(0, round(rng.gauss(rate, math.sqrt(rate) * 2)))))
    owner: list[int | None] = [None] * len(stamps)
    for w in range(windows):
        for row in range(1000 + 300 * w, 1060 + 300 * w):
            owner[row] = w
    series = Series(
        key,
        shared_dir(),
        [t.isoformat(sep=" ") for t in stamps],
        values,
        _rebase(stamps),
        300,
        windows,
        {w for w in owner if w is not None},
        owner,
    )
    return series


def test_stream_alarms_are_the_detectors_alarms_for_every_hysteresis_setting() -> None:
    # Given a series with storms and a gap, and the alarms of the detector as the CLI runs it
    series = synthetic_series("realTweets/x.csv")
    for fire, hold, rearm in ((3.0, 1.0, 12), (4.0, 2.0, 36), (6.0, 3.0, 288)):
        config = VolumeDetectorConfig(
            fire_score=fire, hold_score=hold, rearm_buckets=rearm, learn_delay_buckets=36
        )
        flags = [alarm for _, alarm in detect_series(zip(series.stamps, series.values, strict=True), config)]
        # When the same alarms are derived from the stored score stream
        stream = score_stream(series, config)
        rows = stream.alarm_rows(fire, hold, rearm, config.warmup_buckets)
        # Then they are the same rows
        assert rows == [i for i, a in enumerate(flags) if a]
        assert rows  # the storms do fire


@pytest.mark.skipif(not (shared_dir() / "bench" / "nab_score.py").exists(), reason="../shared not present")
def test_the_fast_scorer_gives_the_shared_scorers_raw_score() -> None:
    nab = nab_scorer(shared_dir())
    series = synthetic_series("realTweets/x.csv", windows=2)
    ranges = [(1000, 1059), (1300, 1359)]
    alarms = [200, 400, 1010, 1050, 1200, 1370, 1900]  # one in probation, two in window 0, four outside
    for profile in PROFILES:
        worth, owner = nab.row_weights(len(series.stamps), ranges, nab.PROFILES[profile])
        series.worth[profile], series.owner = worth, owner
    for profile in PROFILES:
        values = [1.0 if i in alarms else 0.0 for i in range(len(series.stamps))]
        case = nab.SeriesCase(series.key, "", "", series.stamps, values, ranges, series.probation, "alarm")
        expected = nab.score_case(case, nab.PROFILES[profile], 0.5)
        fast = score(series, profile, alarms)
        assert fast.raw == pytest.approx(expected["raw"], abs=1e-9)
        assert fast.false_alarms == expected["fp_alarms"] == 4
        assert fast.hit == expected["windows_detected"] == 1


def _fake_table(preferences: dict[str, Setting]) -> Table:
    """Two settings; each series scores 1 with the setting it prefers and 0 with the other."""
    settings = [Setting(0, 3.0, 1.0, 12), Setting(0, 5.0, 1.0, 12)]
    table = Table.__new__(Table)
    table.corpus = [synthetic_series(key, n=10) for key in preferences]
    table.settings = settings
    table.alarms = {(s, key): [settings.index(s)] for s in settings for key in preferences}
    table.outcomes = {
        (s, key, p): Outcome(float(s == preferred), 0.0, 1.0, 0, 0, 0, 1.0)
        for s in settings
        for key, preferred in preferences.items()
        for p in PROFILES
    }
    return table


def test_cross_validation_scores_each_series_with_the_setting_chosen_on_the_others() -> None:
    a, b = Setting(0, 3.0, 1.0, 12), Setting(0, 5.0, 1.0, 12)
    # Given one series that prefers setting a, and three that prefer b
    table = _fake_table(
        {"realTweets/odd.csv": a, "realTweets/p.csv": b, "realTweets/q.csv": b, "realTweets/r.csv": b}
    )
    # When each series is held out in turn
    cv = cross_validate(table, by_series)
    # Then the odd series gets b, chosen on the others, although a would have scored it better
    assert cv.chosen["standard"]["realTweets/odd.csv"] == b
    assert cv.alarms["standard"]["realTweets/odd.csv"] == [1]
    assert all(cv.chosen["standard"][k] == b for k in ("realTweets/p.csv", "realTweets/q.csv"))


def test_leave_one_category_out_holds_out_whole_categories() -> None:
    a, b = Setting(0, 3.0, 1.0, 12), Setting(0, 5.0, 1.0, 12)
    # Given a category whose two series both prefer a, and another category preferring b
    table = _fake_table({"realTweets/x.csv": a, "realTweets/y.csv": a, "realTraffic/z.csv": b})
    cv = cross_validate(table, by_category)
    # Then the tweets are scored with what the traffic series chose, and the other way round
    assert cv.chosen["standard"]["realTweets"] == b
    assert cv.chosen["standard"]["realTraffic"] == a
