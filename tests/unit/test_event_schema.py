"""The published event schema: one per event type, the sample envelopes and EventBridge details
validate, and the JSON copy in infra/ is the same document (`python -m tests.unit.test_event_schema`
writes it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from chalicelib.adapters.eventbridge import event_detail
from chalicelib.domain.event_schema import EVENT_SCHEMA, EVENT_TYPES, detail_schema
from tests.event_samples import sample_envelope

SCHEMA_COPY = Path(__file__).resolve().parents[2] / "infra" / "events.schema.json"


def _errors(schema: dict[str, Any], instance: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def test_the_schemas_are_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(EVENT_SCHEMA)
    for event_type in EVENT_TYPES:
        Draft202012Validator.check_schema(detail_schema(event_type))


def test_every_event_type_has_an_envelope_schema() -> None:
    assert set(EVENT_SCHEMA["properties"]["type"]["enum"]) == set(EVENT_TYPES)
    assert {ref["$ref"].removeprefix("#/$defs/") for ref in EVENT_SCHEMA["oneOf"]} == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_a_sample_envelope_and_its_eventbridge_detail_validate(event_type: str) -> None:
    envelope = sample_envelope(event_type)
    assert _errors(EVENT_SCHEMA, envelope) == []
    assert _errors(detail_schema(event_type), event_detail(envelope)) == []


def test_an_envelope_missing_a_field_or_with_an_unknown_severity_is_invalid() -> None:
    envelope = sample_envelope("incident.opened")
    del envelope["data"]["url"]
    assert _errors(EVENT_SCHEMA, envelope)
    assert _errors(EVENT_SCHEMA, sample_envelope("incident.opened", severity="SEV9"))
    assert _errors(EVENT_SCHEMA, sample_envelope("incident.opened", opened_at="yesterday"))
    assert _errors(EVENT_SCHEMA, {**sample_envelope("incident.opened"), "type": "incident.deleted"})


def test_a_draft_event_needs_its_draft_and_an_incident_event_does_not() -> None:
    draft_fields = {"draft_id", "kind", "channel", "language", "published_at", "published_url"}
    incident = sample_envelope("incident.opened")
    assert _errors(EVENT_SCHEMA, {**incident, "type": "draft.approved"})
    assert _errors(detail_schema("statement.published"), event_detail(incident))
    assert draft_fields <= set(detail_schema("draft.approved")["required"])
    assert not draft_fields & set(detail_schema("incident.opened")["required"])


def test_a_detail_names_its_own_event_type() -> None:
    detail = event_detail(sample_envelope("incident.opened"))
    assert detail["type"] == "incident.opened"
    assert detail["timestamp"] == "2026-11-20T14:02:30Z"
    assert _errors(detail_schema("incident.escalated"), detail)


def test_the_json_copy_in_infra_is_the_schema() -> None:
    assert json.loads(SCHEMA_COPY.read_text(encoding="utf-8")) == EVENT_SCHEMA, (
        "infra/events.schema.json is stale: python -m tests.unit.test_event_schema"
    )


if __name__ == "__main__":
    SCHEMA_COPY.write_text(json.dumps(EVENT_SCHEMA, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
