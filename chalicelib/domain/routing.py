"""Who hears about what: the planned deliveries and the SNS filter policies, from one definition.

Every delivery is its own message, addressed to one recipient (its text carries that person's signed
link), so each subscription on the alert topic hears only what is addressed to it: an SMS or email
subscription filters on its own address, the integration queue on the channel `integration`.

Who is alerted is decided from the crisis team in the store, so a change to the roster applies to the
next alert: people on duty; SMS to those on the alerted escalation level (and below) for severities
at least as bad as their SMS threshold (SEV1-2 by default); email to everyone on duty for everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from chalicelib.domain.models import Severity, User

Channel = Literal["sms", "email", "integration"]
INTEGRATIONS = "integrations"


class Recipient(NamedTuple):
    channel: Channel
    address: str
    user_id: str | None


def gets_sms(user: User, severity: Severity, escalation_level: int) -> bool:
    return (
        user.on_duty
        and user.phone is not None
        and severity <= user.sms_min_severity
        and user.escalation_level <= escalation_level
    )


def plan_recipients(users: Sequence[User], severity: Severity, escalation_level: int) -> list[Recipient]:
    planned: list[Recipient] = []
    for user in sorted(users, key=lambda u: (u.escalation_level, u.user_id)):
        if user.phone is not None and gets_sms(user, severity, escalation_level):
            planned.append(Recipient("sms", user.phone, user.user_id))
        if user.on_duty and user.email is not None:
            planned.append(Recipient("email", user.email, user.user_id))
    planned.append(Recipient("integration", INTEGRATIONS, None))
    return planned


def filter_policy(channel: Channel, address: str) -> dict[str, Any]:
    """A subscription hears the messages addressed to it, and nothing else."""
    if channel == "integration":
        return {"channel": ["integration"]}
    return {"channel": [channel], "recipient": [address]}


def subscriptions(users: Sequence[User]) -> list[tuple[Channel, str, dict[str, Any]]]:
    """(protocol, endpoint, filter policy) for every person's subscription on the alert topic."""
    subs: list[tuple[Channel, str, dict[str, Any]]] = []
    for user in users:
        if user.phone is not None:
            subs.append(("sms", user.phone, filter_policy("sms", user.phone)))
        if user.email is not None:
            subs.append(("email", user.email, filter_policy("email", user.email)))
    return subs
