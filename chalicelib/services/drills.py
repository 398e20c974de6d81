"""Drills ("Krisenübung"): start, stop and list them; and, for the jobs, the drills to play now, each
drill's incident recorded once and its end when its time is over or its incident is resolved.

Overlapping runs of the rules job (and a person stopping a drill meanwhile) all write the same drill:
every change is applied to the latest version and saved with its version, and a change that finds its
work done (the incident recorded, the drill ended) changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain import drills as rules
from chalicelib.domain.drills import Drill, EndReason
from chalicelib.domain.errors import Conflict, Unprocessable
from chalicelib.domain.models import Incident, Page, Principal
from chalicelib.domain.playbook import Playbook
from chalicelib.observability import logger
from chalicelib.ports import DrillRepository, IncidentRepository

if TYPE_CHECKING:  # jinja2 and the crisis playbooks load where a route needs them
    from chalicelib.domain.crisis import CrisisLibrary

SAVE_ATTEMPTS = 5
ID_ATTEMPTS = 4
INCIDENTS_PER_DRILL = 20  # a drill's shadow brand opens one incident per topic; a handful at most


def update_drill(
    drill_id: str, change: Callable[[Drill], Drill | None], *, drills: DrillRepository
) -> Drill | None:
    """Apply `change` to the latest version and save it; None when `change` finds nothing to do."""
    for attempt in range(SAVE_ATTEMPTS):
        changed = change(drills.get(drill_id))
        if changed is None:
            return None
        try:
            return drills.save(changed)
        except Conflict:
            if attempt == SAVE_ATTEMPTS - 1:
                raise
            logger.info("drill changed concurrently, retrying", drill_id=drill_id, attempt=attempt)
    raise AssertionError("unreachable")


def _running_for(brand: str, drills: DrillRepository) -> Drill | None:
    return next((d for d in drills.running() if d.brand == brand), None)


def _busy(running: Drill) -> Conflict:
    return Conflict(
        "a drill is already running for this brand; stop it first",
        [{"brand": running.brand, "drill_id": running.drill_id}],
    )


def start_drill(
    *,
    playbook_id: str,
    brand: str,
    speed: int,
    drills: DrillRepository,
    library: CrisisLibrary,
    playbook: Playbook,
    scenarios: Collection[str],
    principal: Principal,
    now: datetime,
    entropy: Callable[[], int] = lambda: secrets.randbelow(256),
) -> Drill:
    """Start a drill of a crisis playbook on a brand's shadow: 422 for an unknown playbook or brand or a
    speed out of range, 409 while the brand has a running drill."""
    problems = rules.request_problems(
        playbook=playbook_id,
        brand=brand,
        speed=speed,
        playbooks={p.id for p in library.playbooks},
        brands={b.id for b in playbook.brands},
    )
    if problems:
        raise Unprocessable("the drill cannot start", problems)
    crisis = library.get(playbook_id)
    scenario = (crisis.drill_scenario if crisis else None) or rules.DEFAULT_SCENARIO
    if scenario not in scenarios:
        raise Unprocessable(
            "the playbook names a scenario that does not exist",
            [
                {
                    "field": "body.playbook",
                    "message": f"unknown scenario {scenario!r}; known: {sorted(scenarios)}",
                }
            ],
        )
    for _ in range(ID_ATTEMPTS):
        running = _running_for(brand, drills)
        if running is not None:
            raise _busy(running)
        drill = rules.start(
            drill_id=rules.new_drill_id(now, entropy()),
            brand=brand,
            playbook=playbook_id,
            scenario=scenario,
            speed=speed,
            by=principal.name,
            now=now,
        )
        try:
            created = drills.create(drill)
        except Conflict:  # the id was taken, or someone started a drill for the brand meanwhile
            continue
        logger.info("drill started", drill_id=created.drill_id, brand=brand, speed=speed)
        return created
    running = _running_for(brand, drills)
    raise _busy(running) if running else Conflict("no free drill id right now; try again", [])


def stop_drill(drill_id: str, *, drills: DrillRepository, principal: Principal, now: datetime) -> Drill:
    """End a drill now; stopping an ended drill changes nothing (the first end counts)."""
    stopped = update_drill(
        drill_id, lambda d: rules.end(d, by=principal.name, now=now, reason="stopped"), drills=drills
    )
    if stopped is not None:
        logger.info("drill stopped", drill_id=drill_id)
    return stopped or drills.get(drill_id)


def list_drills(*, drills: DrillRepository, limit: int, next_token: str | None) -> Page[Drill]:
    return drills.list(limit=limit, next_token=next_token)


def live_drills(*, drills: DrillRepository, now: datetime) -> list[Drill]:
    """The drills the collect and escalation jobs play now: running, and their time not over."""
    return [drill for drill in drills.running() if drill.is_live(now)]


def record_incident(drill: Drill, *, drills: DrillRepository, incidents: IncidentRepository) -> Drill:
    """The drill with its incident (the first one its shadow brand opened) recorded, once."""
    if drill.incident_id is not None:
        return drill
    opened = incidents.list(
        status=None, severity=None, brand=drill.brand_key, limit=INCIDENTS_PER_DRILL, next_token=None
    ).items
    first = rules.first_incident([i for i in opened if i.drill_id == drill.drill_id])
    if first is None:
        return drill
    recorded = update_drill(
        drill.drill_id, lambda latest: rules.with_incident(latest, first.incident_id), drills=drills
    )
    if recorded is not None:
        logger.info("drill incident recorded", drill_id=drill.drill_id, incident_id=first.incident_id)
    return recorded or drills.get(drill.drill_id)


@dataclass
class DrillRound:
    """What the rules job did with the running drills."""

    live: list[Drill] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # shadow brand keys


def end_if_due(
    drill: Drill, *, drills: DrillRepository, incidents: IncidentRepository, now: datetime
) -> EndReason | None:
    """End a running drill whose time is over or whose incident is resolved; returns why it ended."""
    incident: Incident | None = incidents.get(drill.incident_id) if drill.incident_id else None
    reason = rules.due_end(drill, incident, now)
    if reason is None:
        return None
    by = incident.resolved_by if reason == "incident_resolved" and incident else None
    if update_drill(drill.drill_id, lambda d: rules.end(d, by=by, now=now, reason=reason), drills=drills):
        logger.info("drill ended", drill_id=drill.drill_id, reason=reason)
    return reason


def follow_drills(*, drills: DrillRepository, incidents: IncidentRepository, now: datetime) -> DrillRound:
    """Record each running drill's incident once and end the drills whose time is over or whose
    incident is resolved; the others are live. One drill's failure does not stop the others."""
    result = DrillRound()
    for drill in drills.running():
        try:
            current = record_incident(drill, drills=drills, incidents=incidents)
            if end_if_due(current, drills=drills, incidents=incidents, now=now):
                result.ended.append(drill.drill_id)
            else:
                result.live.append(current)
        except Exception:  # one drill's trouble must not hide another's, or a real brand's, crisis
            logger.exception("drill bookkeeping failed", drill_id=drill.drill_id)
            result.failed.append(drill.brand_key)
    return result


def record_incidents(
    live: Collection[Drill], *, drills: DrillRepository, incidents: IncidentRepository
) -> list[Drill]:
    """After a rules run: the live drills with the incidents they opened recorded."""
    recorded = []
    for drill in live:
        try:
            recorded.append(record_incident(drill, drills=drills, incidents=incidents))
        except Exception:  # the next run records it
            logger.exception("drill incident not recorded yet", drill_id=drill.drill_id)
            recorded.append(drill)
    return recorded
