"""The escalation chain in the store: read (the playbook's until the first edit), describe who each
level reaches now, and change it. The escalation job reads it on every run, so an edit needs no
redeploy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import ValidationError

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.escalation import (
    ChainWarning,
    EscalationChain,
    LevelReach,
    chain_from_playbook,
    chain_problems,
    chain_reach,
)
from chalicelib.domain.models import Principal, Role
from chalicelib.domain.playbook import EscalationStep, Team
from chalicelib.observability import logger
from chalicelib.ports import StateRepository, UserRepository
from chalicelib.services import auth

CHAIN_KEY = "team#escalation"


@dataclass(frozen=True)
class ChainView:
    chain: EscalationChain
    source: Literal["store", "playbook"]  # "playbook": not edited yet, team.yaml's chain applies
    levels: list[LevelReach]
    warnings: list[ChainWarning]


def _stored(state: StateRepository) -> EscalationChain | None:
    document = state.get(CHAIN_KEY)
    if document is None:
        return None
    try:
        return EscalationChain.model_validate(document)
    except ValidationError:
        # Only PUT /escalation writes it, validated; a broken document must not stop escalations.
        logger.error("stored escalation chain is invalid, using the playbook's", key=CHAIN_KEY)
        return None


def current_chain(*, state: StateRepository, team: Team) -> EscalationChain:
    """The chain in the store, or the playbook's (version 1) until someone edits it."""
    return _stored(state) or chain_from_playbook(team.escalation)


def describe_chain(*, state: StateRepository, team: Team, users: UserRepository) -> ChainView:
    stored = _stored(state)
    chain = stored or chain_from_playbook(team.escalation)
    levels, warnings = chain_reach(chain, users.list())
    return ChainView(chain, "store" if stored else "playbook", levels, warnings)


def change_chain(
    steps: Sequence[EscalationStep],
    *,
    expected_version: int | None,
    principal: Principal,
    state: StateRepository,
    team: Team,
    users: UserRepository,
    now: datetime,
) -> ChainView:
    """Replace the chain (admins). With `expected_version`, an edit on a chain someone else changed
    since is a Conflict. The version check and the write are two requests, not one condition: two
    admins saving in the same instant may both pass it (the state port has no conditional put)."""
    auth.require(principal, Role.ADMIN)
    problems = chain_problems(steps)
    if problems:
        raise InvalidInput(
            "the escalation chain is invalid",
            [{"field": f"body.{p.path}", "message": p.message} for p in problems],
        )
    current = current_chain(state=state, team=team)
    if expected_version is not None and expected_version != current.version:
        raise Conflict(
            "the escalation chain was changed by someone else; reload and try again",
            [{"version": current.version, "expected": expected_version}],
        )
    chain = EscalationChain(
        steps=tuple(steps), version=current.version + 1, updated_at=now, updated_by=principal.name
    )
    state.put(CHAIN_KEY, chain.model_dump(mode="json"))
    logger.info("escalation chain changed", version=chain.version, levels=len(chain.steps), by=principal.name)
    return describe_chain(state=state, team=team, users=users)
