"""The escalation chain: its rules, when a level is due, who each level reaches (pure), and the chain
in the store driving the escalation job (services against fakes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.escalation import (
    EscalationChain,
    chain_from_playbook,
    chain_problems,
    chain_reach,
    due_level,
)
from chalicelib.domain.models import Incident, IncidentStatus, Page, Principal, Role, Severity, User
from chalicelib.domain.playbook import EscalationStep
from chalicelib.services.alerts import Alerting
from chalicelib.services.escalation import CHAIN_KEY, change_chain, current_chain, describe_chain
from chalicelib.services.incidents import escalate
from tests.fakes import MemoryOutbox, MemoryState, MemoryUsers, StaticSecrets

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
TEAM = PLAYBOOK.team
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
ADMIN = Principal(key_id="k-admin", name="Admin Anna", role=Role.ADMIN)


def _steps(*pairs: tuple[int, int]) -> list[EscalationStep]:
    return [EscalationStep(level=level, after_minutes=minutes) for level, minutes in pairs]


def _user(user_id: str, level: int, *, on_duty: bool = True, phone: str | None = "+4915100000009") -> User:
    return User(
        user_id=user_id,
        name=user_id.replace("-", " ").title(),
        role=Role.RESPONDER,
        phone=phone,
        email=f"{user_id}@example.de",
        escalation_level=level,
        on_duty=on_duty,
        created_at=NOW,
        updated_at=NOW,
    )


# --- the chain's rules ------------------------------------------------------------------------------


def test_the_playbooks_chain_is_valid_and_starts_at_level_one_at_once() -> None:
    chain = chain_from_playbook(TEAM.escalation)
    assert [(s.level, s.after_minutes) for s in chain.steps] == [(1, 0), (2, 15), (3, 45)]
    assert chain.version == 1


@pytest.mark.parametrize(
    ("steps", "paths"),
    [
        (_steps((2, 0)), ["steps.0.level"]),
        (_steps((1, 5), (2, 15)), ["steps.0.after_minutes"]),
        (_steps((1, 0), (2, 15), (2, 30)), ["steps.2.level"]),
        (_steps((1, 0), (3, 15), (2, 30)), ["steps.2.level"]),
        (_steps((1, 0), (2, 15), (3, 15)), ["steps.2.after_minutes"]),
        (_steps((1, 0), (2, 30), (3, 20)), ["steps.2.after_minutes"]),
        ([], ["steps"]),
    ],
)
def test_a_chain_out_of_order_names_the_step_and_field_that_is_wrong(
    steps: list[EscalationStep], paths: list[str]
) -> None:
    assert [problem.path for problem in chain_problems(steps)] == paths
    with pytest.raises(ValueError, match="steps"):
        EscalationChain(steps=tuple(steps))


def test_levels_may_skip_and_level_one_alone_is_a_chain() -> None:
    assert chain_problems(_steps((1, 0), (3, 10))) == []
    assert chain_problems(_steps((1, 0))) == []


def test_a_level_is_due_once_its_minutes_have_passed_and_the_highest_due_wins() -> None:
    chain = EscalationChain(steps=tuple(_steps((1, 0), (2, 15), (3, 45))))
    assert due_level(chain, timedelta(minutes=14, seconds=59)) is None
    assert due_level(chain, timedelta(minutes=15)) == 2
    assert due_level(chain, timedelta(minutes=50)) == 3


# --- who each level reaches ---------------------------------------------------------------------------


def test_each_level_reaches_who_is_on_duty_there_and_below() -> None:
    # Given two people on level 1 (one off duty) and one on level 2
    users = [_user("anna", 1), _user("jonas", 1, on_duty=False), _user("petra", 2)]
    chain = EscalationChain(steps=tuple(_steps((1, 0), (2, 15))))

    # When the chain is described
    levels, warnings = chain_reach(chain, users)

    # Then level 1 reaches Anna, level 2 Anna and Petra; nobody is warned about
    assert [[u.user_id for u in level.reached] for level in levels] == [["anna"], ["anna", "petra"]]
    assert [[u.user_id for u in level.on_duty] for level in levels] == [["anna"], ["petra"]]
    assert warnings == []


def test_nobody_on_duty_at_level_one_is_a_warning_that_says_when_alerts_first_reach_someone() -> None:
    users = [_user("anna", 1, on_duty=False), _user("petra", 2)]
    chain = EscalationChain(steps=tuple(_steps((1, 0), (2, 15))))

    levels, warnings = chain_reach(chain, users)

    assert levels[0].warning is not None
    assert (
        levels[0].warning.de
        == "Auf Stufe 1 hat niemand Dienst – Alarme erreichen zuerst Stufe 2 nach 15 Min."
    )
    assert levels[0].warning.en == "Nobody is on duty at level 1 – alerts first reach level 2 after 15 min."
    assert levels[1].warning is None
    assert [w.code for w in warnings] == ["nobody_on_duty"]


def test_an_empty_middle_level_and_people_beyond_the_chain_are_warned_about() -> None:
    users = [_user("anna", 1), _user("tobias", 4)]
    chain = EscalationChain(steps=tuple(_steps((1, 0), (2, 15))))

    levels, warnings = chain_reach(chain, users)

    assert levels[1].warning is not None and levels[1].warning.code == "nobody_new"
    assert "nach 15 Min. erreicht niemanden zusätzlich" in levels[1].warning.de
    assert [(w.code, w.level) for w in warnings] == [("nobody_new", 2), ("beyond_chain", 4)]
    assert "Tobias" in warnings[1].de


def test_nobody_on_duty_anywhere_says_so() -> None:
    levels, _ = chain_reach(
        EscalationChain(steps=tuple(_steps((1, 0), (2, 15)))), [_user("anna", 1, on_duty=False)]
    )
    assert levels[0].warning is not None
    assert (
        levels[0].warning.de == "Auf Stufe 1 hat niemand Dienst – auch auf keiner späteren Stufe der Kette."
    )


# --- the chain in the store ----------------------------------------------------------------------------


def test_until_the_first_edit_the_playbooks_chain_applies_then_the_stored_one() -> None:
    state, users = MemoryState(), MemoryUsers(TEAM.as_users(NOW))
    assert describe_chain(state=state, team=TEAM, users=users).source == "playbook"
    assert state.get(CHAIN_KEY) is None  # reading writes nothing

    view = change_chain(
        _steps((1, 0), (2, 5)),
        expected_version=1,
        principal=ADMIN,
        state=state,
        team=TEAM,
        users=users,
        now=NOW,
    )

    assert view.source == "store" and view.chain.version == 2 and view.chain.updated_by == "Admin Anna"
    assert [(s.level, s.after_minutes) for s in current_chain(state=state, team=TEAM).steps] == [
        (1, 0),
        (2, 5),
    ]


def test_an_edit_on_a_stale_version_is_a_conflict_and_changes_nothing() -> None:
    state, users = MemoryState(), MemoryUsers(TEAM.as_users(NOW))
    edit = {"principal": ADMIN, "state": state, "team": TEAM, "users": users, "now": NOW}
    change_chain(_steps((1, 0), (2, 5)), expected_version=1, **edit)
    with pytest.raises(Conflict):
        change_chain(_steps((1, 0), (2, 30)), expected_version=1, **edit)
    assert current_chain(state=state, team=TEAM).steps[1].after_minutes == 5


def test_an_invalid_chain_is_refused_field_by_field_and_only_admins_may_edit() -> None:
    state, users = MemoryState(), MemoryUsers(TEAM.as_users(NOW))
    with pytest.raises(InvalidInput) as refused:
        change_chain(
            _steps((1, 0), (2, 30), (3, 20)),
            expected_version=None,
            principal=ADMIN,
            state=state,
            team=TEAM,
            users=users,
            now=NOW,
        )
    assert [d["field"] for d in refused.value.details] == ["body.steps.2.after_minutes"]
    responder = Principal(key_id="k", name="R", role=Role.RESPONDER)
    with pytest.raises(Forbidden):
        change_chain(
            _steps((1, 0)),
            expected_version=None,
            principal=responder,
            state=state,
            team=TEAM,
            users=users,
            now=NOW,
        )
    assert state.get(CHAIN_KEY) is None


def test_a_broken_stored_chain_falls_back_to_the_playbooks() -> None:
    state = MemoryState()
    state.put(CHAIN_KEY, {"steps": [{"level": 2, "after_minutes": 0}], "version": 3})
    assert current_chain(state=state, team=TEAM) == chain_from_playbook(TEAM.escalation)


def test_the_escalation_job_follows_the_stored_chain() -> None:
    # Given an unacknowledged incident, open for 6 minutes
    state, outbox = MemoryState(), MemoryOutbox()
    users = MemoryUsers(TEAM.as_users(NOW))
    alerting = Alerting(
        playbook=PLAYBOOK, users=users, secrets=StaticSecrets(), public_url="https://k.example"
    )
    incident = Incident(
        incident_id="INC-20261120-ESC001",
        brand="mueller",
        topic="#rueckruf",
        title="Müller: #rueckruf",
        status=IncidentStatus.OPEN,
        severity=Severity.SEV1,
        opened_at=NOW,
        updated_at=NOW,
        detected_at=NOW,
        first_signal_at=NOW,
    )

    class OneIncident:
        def __init__(self) -> None:
            self.incident = incident.model_copy(update={"version": 1})

        def active_for_brand(self, brand: str) -> list[Incident]:
            return [self.incident] if brand == "mueller" else []

        def list(self, *, status: IncidentStatus | None, **_: object) -> Page[Incident]:
            """The open incidents, as the status index answers (one page)."""
            return Page[Incident](items=[self.incident] if status in (None, self.incident.status) else [])

        def get(self, incident_id: str) -> Incident:
            return self.incident

        def save(self, changed: Incident) -> Incident:
            self.incident = changed.model_copy(update={"version": changed.version + 1})
            return self.incident

    incidents = OneIncident()
    run = {"alerting": alerting, "incidents": incidents, "outbox": outbox, "state": state}
    later = NOW + timedelta(minutes=6)

    # When the playbook's chain applies (level 2 after 15 minutes), nothing is due yet
    assert escalate(now=later, **run) == []

    # When an admin shortens level 2 to 5 minutes, the next run escalates
    change_chain(
        _steps((1, 0), (2, 5)),
        expected_version=None,
        principal=ADMIN,
        state=state,
        team=TEAM,
        users=users,
        now=NOW,
    )
    assert escalate(now=later, **run) == [("INC-20261120-ESC001", 2)]
    assert any(alert_id.endswith("#escalation#SEV1#L2") for alert_id, _ in outbox.rows)
