"""The rules job's per-brand detector state: learned a day at a time, written only when it changed."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.adapters.detection_playbook import load_detection_config
from chalicelib.adapters.playbooks import load_playbook
from chalicelib.domain.models import Bucket, bucket_start
from chalicelib.services.alerts import Alerting
from chalicelib.services.detector_state import (
    CHUNK_SECONDS_NEEDED,
    BrandState,
    compact,
    detector_key,
    expand,
    update_detector,
    volume_input,
)
from chalicelib.services.evaluate import Ports, evaluate_brand
from tests.fakes import CountingState, MemoryBuckets, MemoryOutbox, MemoryState, MemoryUsers, StaticSecrets

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
PLAYBOOK = load_playbook(PLAYBOOKS)
CONFIG = load_detection_config(PLAYBOOKS)
NOW = datetime(2026, 11, 20, 14, 2, tzinfo=UTC)  # two minutes into the 14:00 bucket
BRAND = PLAYBOOK.brands[0].id
KEY = detector_key(BRAND)


def week_of_history(brand: str = BRAND, days: int = 8) -> MemoryBuckets:
    """A brand's buckets over `days` days up to NOW: busier by day, quiet at night, a few gaps."""
    rng = random.Random(13)
    start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC) - timedelta(days=days)
    buckets = []
    for index in range(days * 288):
        moment = start + timedelta(minutes=5 * index)
        daytime = 8 <= moment.hour < 20
        total = rng.randint(0, 12 if daytime else 3)
        if total:
            negative = rng.randint(0, total)
            buckets.append(
                Bucket(brand=brand, start=moment, total=total, negative=negative, arousal=total * 0.37)
            )
    return MemoryBuckets(buckets)


def run(state: Any, buckets: MemoryBuckets, now: datetime = NOW, seconds_left: Any = None) -> Any:
    return update_detector(
        BRAND,
        now=now,
        playbook=PLAYBOOK,
        buckets=buckets,
        state=state,
        config=CONFIG,
        seconds_left=seconds_left,
    )


def short_of_time() -> float:
    return CHUNK_SECONDS_NEEDED - 1


def test_a_week_of_history_is_learned_a_day_per_run_when_time_is_short_and_ends_as_if_learned_at_once() -> (
    None
):
    # Given a brand with more than a week of buckets and no detector state yet
    buckets = week_of_history()
    at_once = MemoryState()
    learned = run(at_once, buckets)
    assert not learned.learning

    # When each run has too little time left for more than one day of history
    chunked = CountingState()
    runs = []
    for _ in range(10):
        runs.append(run(chunked, buckets, seconds_left=short_of_time))
        if not runs[-1].learning:
            break

    # Then the seven baseline days take seven runs, each saving its day, and the brand says it is
    # learning until the last; the state is the very state learned in one go
    assert [r.learning for r in runs] == [True] * 6 + [False]
    assert chunked.writes[KEY] == 7
    assert chunked.values[KEY] == at_once.values[KEY]
    assert runs[-1].window == learned.window and runs[-1].partial == learned.partial


def test_with_time_enough_the_history_is_learned_in_one_run_reading_a_day_at_a_time() -> None:
    buckets = week_of_history()
    state = CountingState()
    update = run(state, buckets, seconds_left=lambda: 600.0)
    assert not update.learning
    assert buckets.reads == 7  # one read per day, the last one taking in the window
    assert state.writes[KEY] == 7  # saved after each day: a timeout loses at most one day


def test_a_run_within_the_same_bucket_writes_nothing_and_the_next_bucket_writes_once() -> None:
    # Given a brand whose history is learned
    buckets = week_of_history()
    state = CountingState()
    run(state, buckets)
    before = dict(state.writes)

    # When the job runs again one and two minutes later, in the same 5-minute bucket
    for minutes in (1, 2):
        update = run(state, buckets, now=NOW + timedelta(minutes=minutes))
        assert update.writes == 0
    # Then nothing was written; the first run of the next bucket feeds it and writes once
    assert state.writes == before
    assert run(state, buckets, now=NOW + timedelta(minutes=4)).writes == 1
    assert state.writes[KEY] == before[KEY] + 1
    assert buckets.reads == 7 + 3  # a usual run is one read


def test_the_stored_state_gives_back_the_detector_state_bit_for_bit_and_is_smaller() -> None:
    # Given a learned detector
    state = MemoryState()
    run(state, week_of_history())
    stored = state.values[KEY]["detector"]
    detector = expand(stored)

    # Then the packed document is the detector's state exactly, and a state read back feeds on alike
    assert compact(detector) == stored
    restored = BrandState(json.loads(json.dumps(state.values[KEY])), CONFIG)
    assert restored.detector.to_state() == detector
    plain = len(json.dumps({**state.values[KEY], "detector": detector}, separators=(",", ":")))
    packed = len(json.dumps(state.values[KEY], separators=(",", ":")))
    assert packed < 0.7 * plain


def test_a_state_stored_before_packing_is_read_and_goes_on_as_before() -> None:
    # Given a state stored in the former layout (plain lists and the last bucket as a date)
    buckets = week_of_history()
    state = MemoryState()
    run(state, buckets)
    current = state.values[KEY]
    detector = expand(current["detector"])
    last = datetime.fromtimestamp(detector["last_bucket"] * 300, UTC)
    old = MemoryState()
    old.put(KEY, {**current, "detector": detector, "last_bucket": last.isoformat()})

    # When the next bucket is fed from either
    later = NOW + timedelta(minutes=5)
    from_old, from_new = run(old, buckets, now=later), run(state, buckets, now=later)

    # Then both go on from the same bucket to the same state
    assert from_old.state.last_bucket == from_new.state.last_bucket == last + timedelta(minutes=5)
    assert old.values[KEY] == state.values[KEY]


class NoIncidents:
    """Nothing may be asked of the incidents while the window shows nothing but volume."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"incidents.{name} called")


def test_a_brand_still_learning_is_assessed_without_the_volume_signal() -> None:
    # Given a new brand with a week of history and a surge of plain mentions in the last buckets
    buckets = week_of_history()
    for minutes in (5, 10, 15):
        start = datetime(2026, 11, 20, 14, 0, tzinfo=UTC) - timedelta(minutes=minutes)
        buckets.buckets[(BRAND, start)] = Bucket(brand=BRAND, start=start, total=400, arousal=40.0)
    ports = Ports(buckets=buckets, incidents=NoIncidents(), state=MemoryState(), outbox=MemoryOutbox())  # type: ignore[arg-type]
    alerting = Alerting(
        playbook=PLAYBOOK,
        users=MemoryUsers(PLAYBOOK.team.as_users(NOW)),
        secrets=StaticSecrets(),
        public_url="https://krisenradar.example.de",
    )

    # When the rules job has time for one day of history only
    result = evaluate_brand(
        PLAYBOOK.brands[0],
        now=NOW,
        playbook=PLAYBOOK,
        ports=ports,
        config=CONFIG,
        alerting=alerting,
        seconds_left=short_of_time,
    )

    # Then the brand is reported as learning, and no volume verdict from a half-learned baseline counts
    assert result.learning
    assert "volume" not in {signal.name for signal in result.assessment.signals}
    assert result.assessment.window_total >= 1200 and result.opened == []
    # (learned to the end, the same window is a volume alarm)
    learned = run(MemoryState(), buckets)
    assert volume_input(learned.state, bucket_start(NOW), learned.partial, NOW).flagged
