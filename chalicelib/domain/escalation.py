"""The escalation chain: which level of the crisis team is alerted how long after an incident opened,
if nobody acknowledges it. It starts from `playbooks/team.yaml` and lives in the store, so an edit
applies to the next run of the escalation job.

Rules of a chain: level 1 first, alerted at once (0 minutes); then levels that rise and minutes that
rise with them. Alerting a level pages everyone on duty at that level and below (routing.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import Field, model_validator

from chalicelib.domain.models import Frozen, User
from chalicelib.domain.playbook import EscalationStep

MAX_STEPS = 5


class ChainProblem(NamedTuple):
    """What is wrong with a chain, and where: `path` is relative to the chain ("steps.1.level")."""

    path: str
    message: str


def chain_problems(steps: Sequence[EscalationStep]) -> list[ChainProblem]:
    """Everything wrong with an ordered list of steps (each step is valid on its own already)."""
    if not steps:
        return [ChainProblem("steps", "the chain needs at least level 1")]
    problems: list[ChainProblem] = []
    if len(steps) > MAX_STEPS:
        problems.append(ChainProblem("steps", f"at most {MAX_STEPS} levels"))
    first = steps[0]
    if first.level != 1:
        problems.append(ChainProblem("steps.0.level", "the chain starts at level 1"))
    if first.after_minutes != 0:
        problems.append(ChainProblem("steps.0.after_minutes", "level 1 is alerted at once: 0 minutes"))
    for index, (before, step) in enumerate(zip(steps, steps[1:], strict=False), start=1):
        if step.level <= before.level:
            problems.append(
                ChainProblem(f"steps.{index}.level", f"levels rise along the chain: after {before.level}")
            )
        if step.after_minutes <= before.after_minutes:
            problems.append(
                ChainProblem(
                    f"steps.{index}.after_minutes",
                    f"each level waits longer than the one before ({before.after_minutes} minutes)",
                )
            )
    return problems


class EscalationChain(Frozen):
    """The chain as stored: its steps, and a version that rises with every edit (stale edits: 409)."""

    steps: tuple[EscalationStep, ...] = Field(min_length=1, max_length=MAX_STEPS)
    version: int = Field(default=1, ge=1)
    updated_at: datetime | None = None
    updated_by: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> EscalationChain:
        problems = chain_problems(self.steps)
        if problems:
            raise ValueError("; ".join(f"{p.path}: {p.message}" for p in problems))
        return self

    @property
    def highest_level(self) -> int:
        return self.steps[-1].level


def chain_from_playbook(steps: Sequence[EscalationStep]) -> EscalationChain:
    """The playbook's chain as version 1 (team.yaml lists it in any order)."""
    return EscalationChain(steps=tuple(sorted(steps, key=lambda step: step.level)))


def due_level(chain: EscalationChain, waited: timedelta) -> int | None:
    """The highest level beyond the first whose time has come, or None while level 1 is enough."""
    due = [s.level for s in chain.steps if s.level > 1 and waited >= timedelta(minutes=s.after_minutes)]
    return due[-1] if due else None


# ----------------------------------------------------------------------------- who a level reaches


class ChainWarning(NamedTuple):
    code: str
    level: int
    de: str
    en: str


@dataclass(frozen=True)
class LevelReach:
    step: EscalationStep
    on_duty: tuple[User, ...]  # on duty at exactly this level now
    reached: tuple[User, ...]  # on duty at this level or below: paged when the chain gets here
    warning: ChainWarning | None = None


def _by_level(users: Sequence[User]) -> list[User]:
    return sorted((u for u in users if u.on_duty), key=lambda u: (u.escalation_level, u.name))


def _nobody_warning(step: EscalationStep, later: Sequence[LevelReach], reached: bool) -> ChainWarning:
    level, minutes = step.level, step.after_minutes
    if reached:
        return ChainWarning(
            "nobody_new",
            level,
            f"Auf Stufe {level} hat niemand Dienst – die Eskalation nach {minutes} Min. erreicht niemanden "
            "zusätzlich.",
            f"Nobody is on duty at level {level} – the escalation after {minutes} min reaches nobody new.",
        )
    first = next((entry.step for entry in later if entry.reached), None)
    if first is None:
        return ChainWarning(
            "nobody_on_duty",
            level,
            f"Auf Stufe {level} hat niemand Dienst – auch auf keiner späteren Stufe der Kette.",
            f"Nobody is on duty at level {level} – nor at any later level of the chain.",
        )
    return ChainWarning(
        "nobody_on_duty",
        level,
        f"Auf Stufe {level} hat niemand Dienst – Alarme erreichen zuerst Stufe {first.level} "
        f"nach {first.after_minutes} Min.",
        f"Nobody is on duty at level {level} – alerts first reach level {first.level} "
        f"after {first.after_minutes} min.",
    )


def chain_reach(chain: EscalationChain, users: Sequence[User]) -> tuple[list[LevelReach], list[ChainWarning]]:
    """For each step, who is on duty at that level and who its alert reaches, with a warning where a
    level has nobody on duty; and a warning for people on duty at a level the chain never reaches."""
    on_duty = _by_level(users)
    levels = [
        LevelReach(
            step=step,
            on_duty=tuple(u for u in on_duty if u.escalation_level == step.level),
            reached=tuple(u for u in on_duty if u.escalation_level <= step.level),
        )
        for step in chain.steps
    ]
    described: list[LevelReach] = []
    for index, entry in enumerate(levels):
        warning = (
            None
            if entry.on_duty
            else _nobody_warning(entry.step, levels[index + 1 :], reached=bool(entry.reached))
        )
        described.append(LevelReach(entry.step, entry.on_duty, entry.reached, warning))
    warnings = [entry.warning for entry in described if entry.warning is not None]
    for user in on_duty:
        if user.escalation_level > chain.highest_level:
            warnings.append(
                ChainWarning(
                    "beyond_chain",
                    user.escalation_level,
                    f"Stufe {user.escalation_level} kommt in der Kette nicht vor – {user.name} erhält "
                    "Alarme nur per E-Mail.",
                    f"Level {user.escalation_level} is not in the chain – {user.name} gets alerts by email "
                    "only.",
                )
            )
    return described, warnings
