"""Alert texts and who receives them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.adapters.playbooks import load_playbook
from chalicelib.domain.messages import SMS_LIMIT, compose_alert, gsm7_length, to_gsm7
from chalicelib.domain.models import Incident, IncidentStatus, Severity
from chalicelib.domain.routing import plan_recipients, sms_filter_policy, subscriptions

PLAYBOOK = load_playbook(Path(__file__).resolve().parents[2] / "playbooks")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


def incident(
    severity: Severity = Severity.SEV2, topic: str = "#rueckruf", reasons: tuple[str, ...] = ()
) -> Incident:
    return Incident(
        incident_id="INC-20261120-3F9A2C",
        brand="mueller",
        topic=topic,
        title="Müller Haushaltsgeräte GmbH: #rueckruf",
        status=IncidentStatus.OPEN,
        severity=severity,
        reasons=reasons or ("42 Erwähnungen statt 3 erwartet (p<1e-9)", "80% negativ"),
        opened_at=NOW,
        updated_at=NOW,
        detected_at=NOW,
        first_signal_at=NOW,
    )


def test_gsm7_counts_umlauts_as_one_and_euro_as_two() -> None:
    assert gsm7_length("Müller") == 6
    assert gsm7_length("€") == 2
    assert gsm7_length("🔥") is None
    assert to_gsm7("„Brand“ – 🔥 jetzt…") == '"Brand" -  jetzt...'


@pytest.mark.parametrize("severity", list(Severity))
def test_sms_stays_within_160_gsm7_characters_and_names_incident_severity_and_link(
    severity: Severity,
) -> None:
    long_reasons = ("Sehr viele sehr lange Gründe " * 20, "noch mehr")
    message = compose_alert(
        incident(severity, reasons=long_reasons),
        "incident_opened",
        "a1",
        "https://krisenradar.example",
        "Müller",
    )
    length = gsm7_length(message.sms)
    assert length is not None and length <= SMS_LIMIT
    assert "INC-20261120-3F9A2C" in message.sms
    assert severity.label in message.sms
    assert message.sms.endswith("https://krisenradar.example/#/incidents/INC-20261120-3F9A2C")


def test_sms_is_german_and_email_is_bilingual() -> None:
    message = compose_alert(
        incident(), "incident_opened", "a1", "https://k.example", "Müller Haushaltsgeräte GmbH"
    )
    assert "Neue Krise erkannt" in message.sms
    assert "Warum dieser Alarm / Why this alert" in message.email
    assert "80% negativ" in message.email


def test_sms_goes_to_level_one_for_sev2_and_email_to_everyone() -> None:
    planned = plan_recipients(PLAYBOOK.team, Severity.SEV2, escalation_level=1)
    sms = {r for c, r in planned if c == "sms"}
    email = {r for c, r in planned if c == "email"}
    assert sms == {m.phone for m in PLAYBOOK.team.members if m.escalation_level == 1}
    assert email == {m.email for m in PLAYBOOK.team.members if m.email}


def test_no_sms_for_sev3_but_email_still_goes() -> None:
    planned = plan_recipients(PLAYBOOK.team, Severity.SEV3, escalation_level=3)
    assert [c for c, _ in planned if c == "sms"] == []
    assert len([c for c, _ in planned if c == "email"]) == len(PLAYBOOK.team.members)


def test_escalation_reaches_the_next_level_only_for_severe_enough_incidents() -> None:
    ceo = next(m for m in PLAYBOOK.team.members if m.escalation_level == 2)
    assert ("sms", ceo.phone) not in plan_recipients(PLAYBOOK.team, Severity.SEV1, 1)
    assert ("sms", ceo.phone) in plan_recipients(PLAYBOOK.team, Severity.SEV1, 2)
    assert ("sms", ceo.phone) not in plan_recipients(PLAYBOOK.team, Severity.SEV2, 2)  # SEV1 only for her


def test_filter_policies_mirror_the_plan() -> None:
    member = next(m for m in PLAYBOOK.team.members if m.escalation_level == 1)
    policy = sms_filter_policy(member)
    assert policy["severity"] == ["SEV1", "SEV2"]
    assert policy["escalation_level"] == [{"numeric": [">=", 1]}]
    protocols = {p for p, _, _ in subscriptions(PLAYBOOK.team)}
    assert protocols == {"sms", "email"}
