"""Behaviour of the streaming volume detector on small, synthetic mention streams."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from chalicelib.adapters.detection_playbook import load_detection_config
from chalicelib.detection.volume import (
    VolumeDetector,
    VolumeDetectorConfig,
    VolumeVerdict,
    detect_series,
    fires,
    hold,
    nb_tail_score,
)

START = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)  # a Monday
BUCKET = timedelta(minutes=5)
PLAYBOOK = Path(__file__).resolve().parents[2] / "playbooks" / "detection.yaml"


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's sampler; fine for the small means used here."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def daily_rhythm(base: float, bucket: int) -> float:
    """Busy afternoons, quiet nights: a factor of 3 between them, as on real brands."""
    hour = (bucket * 5 // 60) % 24
    return base * (1.0 + 0.5 * math.sin((hour - 9) / 24 * 2 * math.pi))


def quiet_stream(days: float, base: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [float(poisson(rng, daily_rhythm(base, i))) for i in range(int(days * 288))]


def run(detector: VolumeDetector, counts: list[float], offset: int = 0) -> list[VolumeVerdict]:
    return [detector.update(START + (offset + i) * BUCKET, c) for i, c in enumerate(counts)]


def fired_at(verdicts: list[VolumeVerdict]) -> list[int]:
    return [i for i, v in enumerate(verdicts) if v.alarm]


# ----------------------------------------------------------------------------- firing and quiet


def test_given_a_steady_brand_when_a_storm_hits_then_one_alarm_fires_on_the_storm_bucket() -> None:
    # Given three quiet days at about 20 mentions per bucket
    counts = quiet_stream(3, 20.0, seed=1)
    storm_at = len(counts)
    # When one bucket brings 400 mentions
    verdicts = run(VolumeDetector(), [*counts, 400.0])
    # Then the quiet days raised nothing and the storm bucket fires, explaining itself
    assert fired_at(verdicts) == [storm_at]
    storm = verdicts[storm_at]
    assert storm.active and storm.score >= VolumeDetectorConfig().fire_score
    assert 10 < storm.expected < 40
    assert storm.observed == 400.0
    assert storm.reason.startswith("Volumen: 400 Erwähnungen in 5 Min statt")
    assert "in den letzten 60 Min" in storm.reason


def test_given_a_sparse_mittelstand_brand_when_a_burst_arrives_then_it_fires_but_single_mentions_do_not() -> (
    None
):
    # Given three days at a few mentions an hour (0.25 per bucket), zeros most of the time
    counts = quiet_stream(3, 0.25, seed=2)
    verdicts = run(detector := VolumeDetector(), counts)
    assert fired_at(verdicts) == []
    warm = VolumeDetectorConfig().warmup_buckets  # no baseline before: no alarm, whatever the score
    assert max(v.score for v in verdicts[warm:]) < VolumeDetectorConfig().fire_score
    # When 25 mentions arrive within half an hour
    burst = run(detector, [4.0, 5.0, 3.0, 6.0, 4.0, 3.0], offset=len(counts))
    # Then the burst raises exactly one alarm, within the half hour
    assert len(fired_at(burst)) == 1
    assert all(v.active for v in burst[fired_at(burst)[0] :])


def test_given_a_silent_brand_when_one_mention_arrives_then_nothing_fires() -> None:
    # Given a day and a half without any mention
    detector = VolumeDetector()
    run(detector, [0.0] * 432)
    # When a single mention arrives
    verdict = detector.update(START + 432 * BUCKET, 1.0)
    # Then that is no crisis
    assert not verdict.alarm and not verdict.active


def test_given_no_history_when_the_first_day_is_odd_then_warm_up_holds_alarms_back() -> None:
    # Given a fresh detector, when a spike comes in the first hours
    verdicts = run(VolumeDetector(), [5.0] * 24 + [500.0] + [5.0] * 24)
    # Then nothing fires before the baseline has seen a day
    assert fired_at(verdicts) == []


# ----------------------------------------------------------------------------- hysteresis


def test_given_an_ongoing_storm_when_it_lasts_then_the_alarm_is_held_without_refiring_and_rearms_after() -> (
    None
):
    config = VolumeDetectorConfig()
    detector = VolumeDetector(config)
    counts = quiet_stream(3, 20.0, seed=3)
    run(detector, counts)
    # When a storm lasts two hours
    storm = run(detector, [300.0] * 24, offset=len(counts))
    # Then it fires once, on its first bucket, and holds the alarm for the rest
    assert fired_at(storm) == [0]
    assert all(v.active for v in storm)
    # And after the storm the alarm ends only once the quiet has lasted rearm_buckets
    after = run(detector, quiet_stream(1, 20.0, seed=4), offset=len(counts) + 24)
    ended = next(i for i, v in enumerate(after) if not v.active)
    assert ended >= config.rearm_buckets
    assert fired_at(after) == []


def test_given_a_storm_that_ended_when_a_new_storm_comes_then_the_detector_fires_again() -> None:
    detector = VolumeDetector()
    counts = quiet_stream(3, 20.0, seed=5)
    run(detector, counts)
    first = run(detector, [400.0] * 3, offset=len(counts))
    quiet = run(detector, quiet_stream(1, 20.0, seed=6), offset=len(counts) + 3)
    # When a second storm arrives after a quiet day
    second = run(detector, [600.0] * 3, offset=len(counts) + 3 + len(quiet))
    # Then both storms fired, each exactly once
    assert fired_at(first) == [0]
    assert not quiet[-1].active
    assert fired_at(second) == [0]


# ----------------------------------------------------------------------------- streaming contract


def test_given_a_prefix_when_the_future_differs_then_past_verdicts_are_identical() -> None:
    # Given the same three days followed by two different futures
    past = quiet_stream(3, 10.0, seed=7)
    calm_future = quiet_stream(1, 10.0, seed=8)
    storm_future = [500.0] * 50 + calm_future
    # When both are run
    with_calm = run(VolumeDetector(), past + calm_future)
    with_storm = run(VolumeDetector(), past + storm_future)
    # Then nothing about the past depends on what came later
    assert with_calm[: len(past)] == with_storm[: len(past)]


def test_given_a_state_round_trip_through_json_when_resumed_then_verdicts_match_an_uninterrupted_run() -> (
    None
):
    counts = quiet_stream(3, 8.0, seed=9) + [200.0] * 6 + quiet_stream(1, 8.0, seed=10)
    cut = len(counts) - 300  # inside the held alarm, so hysteresis state crosses the boundary too
    uninterrupted = run(VolumeDetector(), counts)
    # When the detector is stopped, its state stored as JSON and a new Lambda resumes from it
    first = VolumeDetector()
    run(first, counts[:cut])
    stored = json.dumps(first.to_state())
    resumed = VolumeDetector(VolumeDetectorConfig(), state=json.loads(stored))
    rest = run(resumed, counts[cut:], offset=cut)
    # Then it carries on exactly, and the stored state is small
    assert rest == uninterrupted[cut:]
    assert len(stored.encode()) < 100_000


def test_given_missing_buckets_when_updated_across_the_gap_then_they_count_as_zero_mentions() -> None:
    counts = quiet_stream(2, 3.0, seed=11)
    with_zeros, with_gap = VolumeDetector(), VolumeDetector()
    run(with_zeros, [*counts, 0.0, 0.0, 0.0, 7.0])
    run(with_gap, counts)
    with_gap.update(START + (len(counts) + 3) * BUCKET, 7.0)
    assert with_gap.to_state() == with_zeros.to_state()


def test_given_naive_and_aware_utc_timestamps_when_fed_then_results_are_the_same() -> None:
    counts = quiet_stream(2, 5.0, seed=12) + [90.0]
    aware = run(VolumeDetector(), counts)
    naive_detector = VolumeDetector()
    naive = [
        naive_detector.update((START + i * BUCKET).replace(tzinfo=None), c) for i, c in enumerate(counts)
    ]
    assert naive == aware


def test_given_a_bucket_out_of_order_when_updated_then_it_is_rejected() -> None:
    detector = VolumeDetector()
    detector.update(START + BUCKET, 3.0)
    with pytest.raises(ValueError, match="not after"):
        detector.update(START, 3.0)


# ----------------------------------------------------------------------------- in-progress bucket


def test_given_a_storm_building_in_the_current_bucket_when_peeked_then_it_fires_early_without_learning() -> (
    None
):
    detector = VolumeDetector()
    counts = quiet_stream(3, 20.0, seed=13)
    run(detector, counts)
    before = detector.to_state()
    now = START + len(counts) * BUCKET
    # When two minutes into the bucket 200 mentions are already in
    early = detector.peek(now, 200.0, 0.4)
    # And a normal partial bucket is peeked as well
    calm = detector.peek(now, 8.0, 0.4)
    # Then the storm is flagged, calm is not, the expectation is scaled, and nothing was learned
    assert early.alarm and early.active
    assert not calm.alarm and not calm.active
    assert early.expected == pytest.approx(0.4 * detector.peek(now, 0.0, 1.0).expected)
    assert detector.to_state() == before


def test_given_a_bad_elapsed_fraction_when_peeked_then_it_is_rejected() -> None:
    with pytest.raises(ValueError, match="elapsed_fraction"):
        VolumeDetector().peek(START, 1.0, 0.0)


# ----------------------------------------------------------------------------- statistics and config


def test_tail_score_matches_the_poisson_tail_for_tiny_dispersion() -> None:
    # P(X >= 3) for Poisson(0.5) = 1 - e^-0.5 (1 + 0.5 + 0.125)
    exact = -math.log10(1 - math.exp(-0.5) * (1 + 0.5 + 0.125))
    assert nb_tail_score(3, 0.5, 1e-6) == pytest.approx(exact, rel=1e-3)
    assert nb_tail_score(0.4, 0.5, 0.1) == 0.0
    assert nb_tail_score(10, 2.0, 0.1) < nb_tail_score(20, 2.0, 0.1) < nb_tail_score(20, 2.0, 0.01)
    assert math.isfinite(nb_tail_score(1e5, 10.0, 0.1))


def test_the_shipped_playbook_documents_every_knob_and_matches_the_defaults() -> None:
    document = yaml.safe_load(PLAYBOOK.read_text(encoding="utf-8"))
    assert set(document["volume"]) == set(VolumeDetectorConfig.model_fields)
    assert load_detection_config(PLAYBOOK.parent) == VolumeDetectorConfig()


def test_the_configuration_is_read_from_the_given_playbooks_folder(tmp_path: Path) -> None:
    (tmp_path / "detection.yaml").write_text("volume:\n  fire_score: 30.0\n", encoding="utf-8")
    assert load_detection_config(tmp_path).fire_score == 30.0


def test_unknown_knobs_are_rejected() -> None:
    with pytest.raises(ValueError):
        VolumeDetectorConfig.model_validate({"fire_scor": 3})


def test_detect_series_yields_one_alarm_flag_per_nab_row() -> None:
    counts = quiet_stream(2, 20.0, seed=14) + [900.0, 20.0]
    stamps = [
        (datetime(2015, 2, 26, 21, 42, 53) + i * BUCKET).strftime("%Y-%m-%d %H:%M:%S")
        for i in range(len(counts))
    ]
    out = list(detect_series(zip(stamps, counts, strict=True), VolumeDetectorConfig()))
    assert [t for t, _ in out] == stamps
    assert [i for i, (_, alarm) in enumerate(out) if alarm] == [len(counts) - 2]


# ----------------------------------------------------------------------------- learning delay and priors


def test_given_a_learning_delay_when_a_storm_builds_for_hours_then_it_does_not_raise_its_own_baseline() -> (
    None
):
    # Given a sparse brand (about one mention an hour) and two detectors, one learning at once,
    # one learning only from buckets six hours old
    counts = quiet_stream(4, 0.1, seed=21)
    at_once = VolumeDetector(VolumeDetectorConfig(learn_delay_buckets=0, fire_score=1e9))
    delayed = VolumeDetector(VolumeDetectorConfig(learn_delay_buckets=72, fire_score=1e9))
    run(at_once, counts)
    run(delayed, counts)
    before = delayed.peek(START + len(counts) * BUCKET, 0.0, 1.0).expected
    # When a storm of one mention every five minutes lasts five hours
    storm = [1.0] * 60
    quick = run(at_once, storm, offset=len(counts))
    slow = run(delayed, storm, offset=len(counts))
    # Then the delayed baseline still expects what it expected before the storm, the other has learned
    # the storm as normal, and only the delayed one still sees a storm at the end of it
    assert slow[-1].expected < 2 * before
    assert quick[-1].expected > 3 * slow[-1].expected
    assert slow[-1].score > quick[-1].score + 2


def test_a_state_saved_with_another_learning_delay_is_rejected() -> None:
    detector = VolumeDetector(VolumeDetectorConfig(learn_delay_buckets=0))
    run(detector, quiet_stream(1, 5.0, seed=22))
    with pytest.raises(ValueError):
        VolumeDetector(VolumeDetectorConfig(learn_delay_buckets=144), detector.to_state())


def test_given_a_sparse_brand_when_one_hour_had_two_mentions_then_the_seasonal_prior_keeps_that_hour_plain() -> (
    None
):
    # Given a week at one mention every few hours, where 9 o'clock happened to see more mentions
    rng = random.Random(23)
    counts = [float(poisson(rng, 0.3 if (i * 5 // 60) % 24 == 9 else 0.02)) for i in range(7 * 288)]
    plain = VolumeDetector(VolumeDetectorConfig(fire_score=1e9))
    shrunk = VolumeDetector(VolumeDetectorConfig(fire_score=1e9, seasonal_prior_count=10.0))
    run(plain, counts)
    run(shrunk, counts)
    nine = START + 7 * 288 * BUCKET + timedelta(hours=9)
    # Then the hour-of-day factor of the shrunk detector is pulled towards 1, the plain one is not
    assert shrunk.peek(nine, 0.0, 1.0).expected < plain.peek(nine, 0.0, 1.0).expected


def test_fires_and_hold_are_the_detectors_hysteresis() -> None:
    config = VolumeDetectorConfig(fire_score=4.0, hold_score=2.0, rearm_buckets=3, warmup_buckets=10)
    assert not fires(5.0, 9, False, config)  # still warming up
    assert fires(4.0, 10, False, config)
    assert not fires(9.0, 10, True, config)  # already alarmed
    assert hold(True, 5.0, False, 0, config) == (True, 0)
    assert hold(False, 2.5, True, 2, config) == (True, 0)  # the spike goes on
    assert hold(False, 1.0, True, 1, config) == (True, 2)
    assert hold(False, 1.0, True, 2, config) == (False, 0)  # quiet long enough: re-armed


def test_given_a_bursty_brand_when_overdispersion_is_learned_from_raw_counts_then_its_usual_bursts_do_not_page() -> (
    None
):
    # Given a brand at about 20 mentions per bucket whose retweet waves bring ten times that in one
    # bucket, a few times a day at random
    rng = random.Random(24)
    waves = set(rng.sample(range(6 * 288), 24))
    counts = [float(poisson(rng, 20.0)) + (200.0 if i in waves else 0.0) for i in range(6 * 288)]
    winsorised = VolumeDetector(VolumeDetectorConfig(dispersion_from_raw=False))
    raw = VolumeDetector(VolumeDetectorConfig(dispersion_from_raw=True))
    # When both have learned for days and meet the last two days' usual waves
    late_winsorised = run(winsorised, counts)[4 * 288 :]
    late_raw = run(raw, counts)[4 * 288 :]
    # Then the one that learned the burstiness from raw counts pages less often
    assert len(fired_at(late_raw)) < len(fired_at(late_winsorised))
