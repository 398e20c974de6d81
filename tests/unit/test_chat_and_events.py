"""Events, chat cards and the chat channels' filters, and how an HTTP answer settles a delivery."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from chalicelib.adapters.http_notify import outcome
from chalicelib.domain.errors import DeliveryFailed, DeliveryRejected
from chalicelib.domain.events import EVENT_TYPES, envelope
from chalicelib.domain.integrations import ChatTarget
from chalicelib.domain.messages.chat import headline, slack_message, teams_card
from chalicelib.domain.models import Severity
from tests.contract.builders import incident

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def event(event_type: str = "incident.opened", brand: str = "mueller", **changes: object) -> dict:
    case = incident(brand, "#rueckruf", severity=Severity.SEV1).model_copy(
        update={"reasons": ("Rauch & <Feuer> gemeldet",), **changes}
    )
    return envelope(event_type, case, at=NOW, url="https://k.example/#/incidents/X", brand_name="Müller GmbH")  # type: ignore[arg-type]


def test_the_envelope_is_standard_webhooks_shaped_and_says_what_happened() -> None:
    document = event()
    assert set(document) == {"type", "timestamp", "data"} and document["timestamp"] == "2026-11-29T10:00:00Z"
    data = document["data"]
    assert (data["severity"], data["brand_name"], data["drill"], data["news"]) == (
        "SEV1",
        "Müller GmbH",
        False,
        "Neue Krise erkannt",
    )
    assert data["reasons"] == ["Rauch & <Feuer> gemeldet"]


def test_a_drill_says_so_first_in_every_chat_post() -> None:
    drill = event(brand="mueller~ueb-20261129-a1b2c3", drill_id="UEB-20261129-A1B2C3")
    assert drill["data"]["drill"] is True and drill["data"]["drill_id"] == "UEB-20261129-A1B2C3"
    assert headline(drill) == "[ÜBUNG] SEV1 Neue Krise erkannt: Müller GmbH – #rueckruf"
    assert teams_card(drill)["attachments"][0]["content"]["body"][0]["text"].startswith("[ÜBUNG]")
    assert slack_message(drill)["text"].startswith("[ÜBUNG]")


def test_slack_text_is_escaped_and_teams_colours_by_severity() -> None:
    blocks = slack_message(event())["blocks"]
    assert blocks[3]["text"]["text"] == "• Rauch &amp; &lt;Feuer&gt; gemeldet"
    assert teams_card(event())["attachments"][0]["content"]["body"][0]["color"] == "attention"


def test_a_channel_hears_its_brands_severities_events_and_drills() -> None:
    target = ChatTarget(
        id="slack-pr", type="slack", secret="s", brands=("mueller",), min_severity="SEV2",
        events=("incident.opened", "incident.resolved"), drills=False,
    )  # fmt: skip
    assert target.wants("incident.opened", "mueller", Severity.SEV1, drill=False)
    assert not target.wants("incident.opened", "mueller", Severity.SEV3, drill=False)
    assert not target.wants("incident.updated", "mueller", Severity.SEV1, drill=False)
    assert not target.wants("incident.opened", "kaffeko", Severity.SEV1, drill=False)
    assert not target.wants("incident.opened", "mueller~ueb-1", Severity.SEV1, drill=True)
    assert ChatTarget(id="teams-x", type="teams", secret="s").events == EVENT_TYPES
    assert ChatTarget(id="teams-x", type="teams", secret="k/{stage}/t").secret_name("prod") == "k/prod/t"


@pytest.mark.parametrize(
    ("status", "error"),
    [(200, None), (202, None), (400, DeliveryRejected), (404, DeliveryRejected), (408, DeliveryFailed),
     (429, DeliveryFailed), (500, DeliveryFailed), (503, DeliveryFailed)],
)  # fmt: skip
def test_a_receivers_answer_settles_the_delivery(status: int, error: type[Exception] | None) -> None:
    response = httpx.Response(status, text="nope" if status >= 400 else "")
    if error is None:
        assert outcome(response, "teams x") == f"teams x:{status}"
        return
    with pytest.raises(error) as raised:
        outcome(response, "teams x")
    assert f"HTTP {status}" in str(raised.value.message)  # type: ignore[attr-defined]
    assert (error is DeliveryRejected) == isinstance(raised.value, DeliveryRejected)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_what_envelope_builds_is_what_the_published_schema_says(event_type: str) -> None:
    from jsonschema import Draft202012Validator

    from chalicelib.domain.event_schema import EVENT_SCHEMA
    from tests.contract.test_drafts import draft

    case = incident("mueller", "#rueckruf", severity=Severity.SEV1)
    written = (
        None
        if event_type.startswith("incident.")
        else draft(case.incident_id, status="published", published_at=NOW)
    )
    document = envelope(
        event_type, case, at=NOW, url="https://k.example/x", brand_name="Müller", draft=written
    )  # type: ignore[arg-type]
    errors = [e.message for e in Draft202012Validator(EVENT_SCHEMA).iter_errors(document)]
    assert errors == []
