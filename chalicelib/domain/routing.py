"""Who hears about what: one definition for the SNS filter policies and the planned deliveries.

SMS goes to members on the alerted escalation level (and below) for severities at least as bad as
their `sms_min_severity` (SEV1-2 by default). Email goes to every member for everything.
The same functions build the subscriptions' filter policies (local stack, CDK) and the outbox rows,
so what the API shows as deliveries is what SNS routes.
"""

from __future__ import annotations

from typing import Any, Literal

from chalicelib.domain.models import Severity
from chalicelib.domain.playbook import Team, TeamMember

Channel = Literal["sms", "email", "integration"]
ALL_SEVERITIES = [s.label for s in Severity]


def sms_filter_policy(member: TeamMember) -> dict[str, Any]:
    return {
        "severity": [s.label for s in Severity if s <= member.sms_severity],
        "escalation_level": [{"numeric": [">=", member.escalation_level]}],
    }


def email_filter_policy(member: TeamMember) -> dict[str, Any]:
    return {"severity": list(ALL_SEVERITIES)}


def gets_sms(member: TeamMember, severity: Severity, escalation_level: int) -> bool:
    return (
        member.phone is not None
        and severity <= member.sms_severity
        and member.escalation_level <= escalation_level
    )


def plan_recipients(team: Team, severity: Severity, escalation_level: int) -> list[tuple[Channel, str]]:
    planned: list[tuple[Channel, str]] = []
    for member in team.members:
        if member.phone is not None and gets_sms(member, severity, escalation_level):
            planned.append(("sms", member.phone))
        if member.email is not None:
            planned.append(("email", member.email))
    return planned


def subscriptions(team: Team) -> list[tuple[Channel, str, dict[str, Any]]]:
    """(protocol, endpoint, filter policy) for every team subscription on the alert topic."""
    subs: list[tuple[Channel, str, dict[str, Any]]] = []
    for member in team.members:
        if member.phone is not None:
            subs.append(("sms", member.phone, sms_filter_policy(member)))
        if member.email is not None:
            subs.append(("email", member.email, email_filter_policy(member)))
    return subs
