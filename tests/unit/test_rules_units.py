"""The rules fan-out's units (services/rules_units.py): one per brand and live drill, keyed by brand and
minute, read back strictly; and the queues `make run` creates are the ones the workers name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.domain.drills import Drill
from chalicelib.domain.errors import InvalidInput
from chalicelib.services.rules_units import RulesUnit, fan_out_rules, rules_units

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
NOW = datetime(2026, 11, 20, 14, 2, 59, tzinfo=UTC)


class RecordingQueue:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, units: Any) -> int:
        self.sent.extend(units)
        return len(units)


def _drill() -> Drill:
    return Drill(
        drill_id="UEB-20261120-0A1B2C",
        brand="mueller",
        playbook="produktmangel-rueckruf",
        scenario="mueller_rueckruf",
        speed=60,
        started_at=NOW - timedelta(minutes=5),
        started_by="tests",
        ends_at=NOW + timedelta(hours=1),
    )


def test_each_brand_and_live_drill_is_one_unit_keyed_by_brand_and_minute() -> None:
    # Given the shipped playbook (one brand) and a live drill on it
    drill = _drill()
    queue = RecordingQueue()

    # When the units are sent twice within one minute (an overlapping run)
    first = fan_out_rules(rules_units(PLAYBOOK, [drill], NOW), queue=queue)
    second = fan_out_rules(rules_units(PLAYBOOK, [drill], NOW - timedelta(seconds=30)), queue=queue)

    # Then both runs sent the same units: the brand, then the drill's shadow brand with its drill id
    assert first == second == ["mueller@2026-11-20T14:02Z", f"{drill.brand_key}@2026-11-20T14:02Z"]
    assert queue.sent[1] == {
        "unit_id": f"{drill.brand_key}@2026-11-20T14:02Z",
        "brand_key": drill.brand_key,
        "minute": "2026-11-20T14:02Z",
        "drill_id": drill.drill_id,
    }
    assert [RulesUnit.from_message(json.dumps(m)) for m in queue.sent[:2]] == rules_units(
        PLAYBOOK, [drill], NOW
    )


def test_no_brand_sends_nothing() -> None:
    queue = RecordingQueue()
    assert fan_out_rules([], queue=queue) == [] and queue.sent == []


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"minute": "2026-11-20T14:02Z"}),
        json.dumps({"brand_key": "", "minute": "2026-11-20T14:02Z"}),
        json.dumps({"brand_key": "mueller", "minute": 5}),
        json.dumps({"brand_key": "mueller", "minute": "2026-11-20T14:02Z", "drill_id": ["x"]}),
    ],
)
def test_a_malformed_unit_is_invalid_input(body: str) -> None:
    with pytest.raises(InvalidInput):
        RulesUnit.from_message(body)


def test_make_run_creates_a_queue_for_every_worker_of_the_app() -> None:
    import app as chalice_app
    from chalicelib.local.queues import queue_functions
    from chalicelib.local.stack import WORK_QUEUES

    workers = {f.name: f.queue for f in queue_functions(chalice_app.app)}
    assert workers == {"collect_source": "krisenradar-collect", "evaluate_brand": "krisenradar-rules"}
    assert set(WORK_QUEUES) == set(workers.values())
