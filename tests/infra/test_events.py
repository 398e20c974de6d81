"""The company's event bus: its archive, the schema registry, the bus name in every function's settings,
and `events:PutEvents` only for the functions that send events."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from chalicelib.adapters.eventbridge import SOURCE  # noqa: E402
from chalicelib.domain.event_schema import EVENT_TYPES, detail_schema, schema_name  # noqa: E402
from infra.events import openapi_keywords, registry_schema  # noqa: E402
from infra.stack import build_app  # noqa: E402

pytestmark = pytest.mark.infra

STACK = "krisenradar-dev"
SENDERS = {"APIHandler", "EvaluateBrand", "DeliverAlerts", "EscalateIncidents"}


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = build_app(outdir=str(tmp_path_factory.mktemp("cdk.out")))
    template: dict[str, Any] = app.synth().get_stack_by_name(STACK).template  # cdk-nag runs here
    return template["Resources"]  # type: ignore[no-any-return]


def _of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {key: value for key, value in resources.items() if value["Type"] == resource_type}


def test_the_bus_is_named_after_the_stage_and_archives_its_events_for_30_days(
    resources: dict[str, Any],
) -> None:
    ((bus_id, bus),) = _of_type(resources, "AWS::Events::EventBus").items()
    assert bus["Properties"]["Name"] == "krisenradar-dev"
    (archive,) = _of_type(resources, "AWS::Events::Archive").values()
    props = archive["Properties"]
    assert props["RetentionDays"] == 30
    assert props["SourceArn"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert props["EventPattern"] == {"source": [SOURCE]}


def test_every_function_gets_the_bus_name(resources: dict[str, Any]) -> None:
    (bus_id,) = _of_type(resources, "AWS::Events::EventBus")
    for key, function in _of_type(resources, "AWS::Serverless::Function").items():
        assert function["Properties"]["Environment"]["Variables"]["KRISENRADAR_EVENT_BUS_NAME"] == {
            "Ref": bus_id
        }, key


def _may_put_events(resources: dict[str, Any], role_id: str, bus_id: str) -> bool:
    for policy in _of_type(resources, "AWS::IAM::Policy").values():
        if {"Ref": role_id} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if "events:PutEvents" in actions:
                assert statement["Resource"] == {"Fn::GetAtt": [bus_id, "Arn"]}
                return True
    return False


def test_only_the_functions_that_send_events_may_put_them_and_only_on_the_bus(
    resources: dict[str, Any],
) -> None:
    (bus_id,) = _of_type(resources, "AWS::Events::EventBus")
    allowed = {
        key
        for key, function in _of_type(resources, "AWS::Serverless::Function").items()
        if _may_put_events(resources, function["Properties"]["Role"]["Fn::GetAtt"][0], bus_id)
    }
    assert allowed == SENDERS


def test_the_registry_holds_one_openapi_schema_per_event_type(resources: dict[str, Any]) -> None:
    ((registry_id, registry),) = _of_type(resources, "AWS::EventSchemas::Registry").items()
    assert registry["Properties"]["RegistryName"] == "krisenradar-dev"
    schemas = {
        schema["Properties"]["SchemaName"]: schema["Properties"]
        for schema in _of_type(resources, "AWS::EventSchemas::Schema").values()
    }
    assert set(schemas) == {f"krisenradar@{schema_name(event_type)}" for event_type in EVENT_TYPES}
    for event_type in EVENT_TYPES:
        props = schemas[f"krisenradar@{schema_name(event_type)}"]
        assert props["Type"] == "OpenApi3"
        assert props["RegistryName"] == {"Fn::GetAtt": [registry_id, "RegistryName"]}
        content = json.loads(props["Content"])
        event = content["components"]["schemas"]["AWSEvent"]
        assert event["x-amazon-events-source"] == SOURCE
        assert event["x-amazon-events-detail-type"] == event_type
        detail = content["components"]["schemas"][schema_name(event_type)]
        assert set(detail["required"]) == set(detail_schema(event_type)["required"])


def test_openapi_conversion_keeps_the_fields_and_speaks_openapi_3_0() -> None:
    detail = registry_schema("statement.published")["components"]["schemas"]["StatementPublished"]
    text = json.dumps(detail)
    assert "$schema" not in text and '"const"' not in text and '"null"' not in text
    assert detail["properties"]["type"] == {"type": "string", "enum": ["statement.published"]}
    assert detail["properties"]["resolved_at"]["nullable"] is True
    assert detail["properties"]["resolved_at"]["type"] == "string"
    assert detail["properties"]["published_url"]["nullable"] is True
    assert "nullable" not in detail["properties"]["opened_at"]
    assert openapi_keywords({"properties": {"const": {"const": 1}}}) == {
        "properties": {"const": {"enum": [1]}}
    }


def _reads_integration_secrets(resources: dict[str, Any], role_id: str) -> bool:
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy" or {"Ref": role_id} not in resource["Properties"]["Roles"]:
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Action"] == "secretsmanager:GetSecretValue" and "integrations/" in json.dumps(
                statement["Resource"]
            ):
                # Nothing wider than the prefix; the API may also read sources/ (it posts replies)
                arns = (
                    statement["Resource"]
                    if isinstance(statement["Resource"], list)
                    else [statement["Resource"]]
                )
                for arn in arns:
                    assert json.dumps(arn).endswith(
                        (
                            ':secret:krisenradar/dev/integrations/*"]]}',
                            ':secret:krisenradar/dev/sources/*"]]}',
                        )
                    )
                return True
    return False


def test_only_the_senders_read_the_chat_and_crm_secrets_and_only_under_their_prefix(
    resources: dict[str, Any],
) -> None:
    readers = {
        key
        for key, function in _of_type(resources, "AWS::Serverless::Function").items()
        if _reads_integration_secrets(resources, function["Properties"]["Role"]["Fn::GetAtt"][0])
    }
    assert readers == SENDERS
