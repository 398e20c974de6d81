"""The rules job fanned out: one unit of work per brand and per live drill's shadow brand, sent to the
rules queue by the schedule and evaluated on its own by the worker (services/evaluate.py
`evaluate_brand`), so that the time and cost of a run stay flat per brand however many there are.

A unit is keyed by its brand and the minute of the run that sent it (`unit_id`). Sending a unit twice
(overlapping or repeated runs, SQS's at-least-once delivery) is harmless: an evaluation claims what it
changes (the detector's per-bucket progress, conditional incident creates, outbox ids), so a second
evaluation of the same minute opens nothing new and sends no alert again."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.detection.volume import VolumeDetectorConfig
from chalicelib.domain.drills import Drill
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.playbook import Playbook
from chalicelib.observability import logger
from chalicelib.ports import DrillRepository, WorkQueue
from chalicelib.services.alerts import Alerting
from chalicelib.services.drills import record_incidents
from chalicelib.services.evaluate import BrandEvaluation, Ports, evaluate_brand


@dataclass(frozen=True)
class RulesUnit:
    """One brand to evaluate (`drill_id`: a live drill's shadow brand), sent in `minute`."""

    brand_key: str
    minute: str
    drill_id: str | None = None

    @property
    def unit_id(self) -> str:
        return f"{self.brand_key}@{self.minute}"

    def to_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "unit_id": self.unit_id,
            "brand_key": self.brand_key,
            "minute": self.minute,
        }
        if self.drill_id is not None:
            message["drill_id"] = self.drill_id
        return message

    @classmethod
    def from_message(cls, body: str) -> RulesUnit:
        try:
            message = json.loads(body)
            brand_key, minute, drill_id = message["brand_key"], message["minute"], message.get("drill_id")
        except (ValueError, TypeError, KeyError) as error:
            raise InvalidInput("malformed rules unit", [{"error": type(error).__name__}]) from error
        if not all(isinstance(v, str) and v for v in (brand_key, minute)) or not isinstance(
            drill_id, str | None
        ):
            raise InvalidInput("malformed rules unit", [{"error": "field types"}])
        return cls(brand_key=brand_key, minute=minute, drill_id=drill_id)


def run_minute(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%MZ")


def rules_units(playbook: Playbook, drills: Sequence[Drill], now: datetime) -> list[RulesUnit]:
    """Every brand of the playbook, then the shadow brand of every live drill (evaluate_all's order)."""
    minute = run_minute(now)
    units = [RulesUnit(brand.id, minute) for brand in playbook.brands]
    units += [RulesUnit(drill.brand_key, minute, drill.drill_id) for drill in drills]
    return units


def fan_out_rules(units: Sequence[RulesUnit], *, queue: WorkQueue) -> list[str]:
    """Send one message per unit; returns their ids. AppError if the queue refused any (the run fails,
    the next minute sends them again)."""
    if units:
        queue.send([unit.to_message() for unit in units])
    return [unit.unit_id for unit in units]


def evaluate_unit(
    unit: RulesUnit,
    *,
    now: datetime,
    playbook: Playbook,
    ports: Ports,
    config: VolumeDetectorConfig,
    alerting: Alerting,
    drills: DrillRepository,
    seconds_left: Callable[[], float] | None = None,
) -> BrandEvaluation | None:
    """Evaluate one unit; None when there is nothing to evaluate any more (the brand left the playbook,
    the drill ended since it was sent). Raises when the evaluation fails, so the unit is retried.
    `seconds_left` (the invocation's remaining time) lets a brand still learning its history stop
    between days and go on in the next run."""
    drill = _live_drill(unit, drills, now) if unit.drill_id else None
    if unit.drill_id and drill is None:
        logger.info("queued drill no longer live", drill_id=unit.drill_id)
        return None
    brand = playbook.drill_brand(unit.brand_key) if drill else playbook.brand(unit.brand_key)
    if brand is None:
        if drill is not None:  # a drill whose brand left the playbook fails, as in evaluate_all
            raise ValueError(f"the drill's brand is not in the playbook: {unit.brand_key}")
        logger.warning("queued brand no longer configured", brand=unit.brand_key)
        return None
    result = evaluate_brand(
        brand,
        now=now,
        playbook=playbook,
        ports=ports,
        config=config,
        alerting=alerting,
        drill=drill,
        seconds_left=seconds_left,
    )
    if drill is not None:  # the drill's incident opened in this evaluation is recorded now
        record_incidents([drill], drills=drills, incidents=ports.incidents)
    return result


def _live_drill(unit: RulesUnit, drills: DrillRepository, now: datetime) -> Drill | None:
    assert unit.drill_id is not None
    try:
        drill = drills.get(unit.drill_id)
    except NotFound:
        return None
    return drill if drill.is_live(now) and drill.brand_key == unit.brand_key else None
