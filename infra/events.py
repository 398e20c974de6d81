"""Events: the company's Krisenradar event bus (`krisenradar-<stage>`), an archive to replay the last 30
days from, and a schema registry with one schema per event type, so a company routes the events with its
own rules and downloads code bindings for them. The schemas come from `chalicelib.domain.event_schema`,
the same module the tests validate the published events against."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_eventschemas as eventschemas
from constructs import Construct

from chalicelib.adapters.eventbridge import SOURCE
from chalicelib.domain.event_schema import EVENT_DESCRIPTIONS, EVENT_TYPES, detail_schema, schema_name

ARCHIVE_RETENTION = Duration.days(30)


def openapi_keywords(schema: Any) -> Any:
    """JSON Schema 2020-12 -> the OpenAPI 3.0 schema object the registry reads: `const` becomes a
    one-value `enum`, `["x", "null"]` types become `nullable`, `$schema` goes."""
    if isinstance(schema, list):
        return [openapi_keywords(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$schema":
            continue
        if key == "const":
            converted["enum"] = [value]
        elif key == "type" and isinstance(value, list):
            (converted["type"],) = [kind for kind in value if kind != "null"]
            converted["nullable"] = True
        elif key == "properties":
            converted[key] = {name: openapi_keywords(field) for name, field in value.items()}
        else:
            converted[key] = openapi_keywords(value)
    return converted


def registry_schema(event_type: str, source: str = SOURCE) -> dict[str, Any]:
    """One event type as EventBridge describes events in its registry (OpenAPI 3): the `AWSEvent`
    envelope with `x-amazon-events-source` and `-detail-type`, its `detail` the event's own schema."""
    name = schema_name(event_type)
    detail = openapi_keywords(detail_schema(event_type))
    return {
        "openapi": "3.0.0",
        "info": {"version": "1.0.0", "title": name},
        "paths": {},
        "components": {
            "schemas": {
                "AWSEvent": {
                    "type": "object",
                    "required": [
                        "detail-type",
                        "resources",
                        "detail",
                        "id",
                        "source",
                        "time",
                        "region",
                        "version",
                        "account",
                    ],
                    "x-amazon-events-detail-type": event_type,
                    "x-amazon-events-source": source,
                    "properties": {
                        "detail": {"$ref": f"#/components/schemas/{name}"},
                        "account": {"type": "string"},
                        "detail-type": {"type": "string"},
                        "id": {"type": "string"},
                        "region": {"type": "string"},
                        "resources": {"type": "array", "items": {"type": "string"}},
                        "source": {"type": "string"},
                        "time": {"type": "string", "format": "date-time"},
                        "version": {"type": "string"},
                    },
                },
                name: detail,
            }
        },
    }


class Events(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=f"krisenradar-{stage}",
            description="Krisenradar incidents and statements, for the company's own rules",
        )
        # Replay after a consumer's outage or a new rule: every Krisenradar event of the last 30 days.
        self.archive = self.bus.archive(
            "Archive",
            archive_name=f"krisenradar-{stage}-events",
            description="Krisenradar events of the last 30 days, for replay",
            event_pattern=events.EventPattern(source=[SOURCE]),
            retention=ARCHIVE_RETENTION,
        )
        self.registry = eventschemas.CfnRegistry(
            self,
            "Registry",
            registry_name=f"krisenradar-{stage}",
            description="Schemas of the Krisenradar events (download code bindings here)",
        )
        self.schemas = {
            event_type: eventschemas.CfnSchema(
                self,
                schema_name(event_type),
                registry_name=self.registry.attr_registry_name,
                schema_name=f"{SOURCE}@{schema_name(event_type)}",
                type="OpenApi3",
                description=EVENT_DESCRIPTIONS[event_type],
                content=json.dumps(registry_schema(event_type)),
            )
            for event_type in EVENT_TYPES
        }
