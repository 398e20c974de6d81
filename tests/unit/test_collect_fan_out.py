"""The collect schedule's fan-out reads every source's state at once and marks the units it sent at
once, after sending them; which sources are due is decided as before."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.services.collect import QUEUED_SECONDS, fan_out, health_key, queued_key
from tests.fakes import MemoryState, ScriptedSource

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)


class RecordingState(MemoryState):
    """The state port that logs each call into `log`, shared with the queue (to see the order)."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    def get(self, key: str) -> dict[str, Any] | None:
        self.log.append("get")
        return super().get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.log.append("put")
        super().put(key, value)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.log.append("get_many")
        found = {key: MemoryState.get(self, key) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        self.log.append("put_many")
        for key, value in items.items():
            super().put(key, value)


class RecordingQueue:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.sent: list[dict[str, Any]] = []

    def send(self, units: Sequence[dict[str, Any]]) -> int:
        self.log.append("send")
        self.sent.extend(units)
        return len(units)


def test_many_sources_are_read_once_and_the_sent_ones_marked_once_after_sending() -> None:
    # Given 300 sources: fresh ones, one held by a rate limit, one polled a minute ago, one already
    # queued, one queued so long ago its unit counts as lost, and one with an unreadable health document
    log: list[str] = []
    state, queue = RecordingState(log), RecordingQueue(log)
    sources = [ScriptedSource(f"src-{i:03d}", [], poll_seconds=300) for i in range(300)]
    state.put(health_key("src-001"), {"not_before": (NOW + timedelta(minutes=5)).isoformat()})
    state.put(
        health_key("src-002"),
        {
            "last_run_at": (NOW - timedelta(minutes=1)).isoformat(),
            "last_success_at": (NOW - timedelta(minutes=1)).isoformat(),
        },
    )
    state.put(queued_key("src-003"), {"queued_at": (NOW - timedelta(seconds=30)).isoformat()})
    lost = NOW - timedelta(seconds=QUEUED_SECONDS + 1)
    state.put(queued_key("src-004"), {"queued_at": lost.isoformat()})
    state.put(health_key("src-005"), {"last_success_at": "not a moment"})
    log.clear()

    # When the schedule fans out
    due = fan_out(sources, state=state, queue=queue, now=NOW)

    # Then all but the held, the recently polled and the waiting source are sent: one read of the
    # healths, one of the due sources' queued marks, one send, one write of their marks, in that order
    expected = [f"src-{i:03d}" for i in range(300) if i not in (1, 2, 3)]
    assert sorted(due) == expected
    assert log == ["get_many", "get_many", "send", "put_many"]
    assert sorted(unit["source_id"] for unit in queue.sent) == expected
    assert {key for key in state.values if key.startswith("queued#")} == {
        queued_key(s) for s in [*expected, "src-003"]
    }
    assert state.get(queued_key("src-004")) == {"queued_at": NOW.isoformat()}

    # And a minute later every one of them is waiting: their marks are read, nothing sent or written
    log.clear()
    assert fan_out(sources, state=state, queue=queue, now=NOW + timedelta(minutes=1)) == []
    assert log == ["get_many", "get_many"]


def test_when_no_source_is_due_only_the_healths_are_read() -> None:
    # Given sources polled a minute ago, each with a stale queued mark
    log: list[str] = []
    state, queue = RecordingState(log), RecordingQueue(log)
    sources = [ScriptedSource(f"src-{i:03d}", [], poll_seconds=300) for i in range(150)]
    polled = (NOW - timedelta(minutes=1)).isoformat()
    state.put_many(
        {health_key(s.source_id): {"last_run_at": polled, "last_success_at": polled} for s in sources}
    )
    state.put_many({queued_key(s.source_id): {"queued_at": polled} for s in sources})
    log.clear()

    # When the schedule fans out, Then nothing is due, and only the healths were read (one batch)
    assert fan_out(sources, state=state, queue=queue, now=NOW) == []
    assert log == ["get_many"] and queue.sent == []
