"""What a cold start imports (issue 13): `import app` registers every route and schedule but loads no
X-Ray SDK, pydantic model, settings, service, adapter or AWS client; those load on first use. The
speed itself is measured in tests/bench/coldstart.py; here the module lists are checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_AT_IMPORT = (
    "aws_xray_sdk",
    "botocore.client",
    "boto3",
    "pynamodb",
    "pydantic",
    "pydantic_settings",
    "jinja2",
    "yaml",
    "httpx",
    "chalicelib.config",
    "chalicelib.api.schemas",
    "chalicelib.domain.models",
    "chalicelib.services.",
    "chalicelib.adapters.",
)


def _fresh_interpreter(code: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_importing_the_app_registers_every_route_and_job_and_loads_none_of_the_heavy_modules() -> None:
    loaded = _fresh_interpreter(
        "import json, sys, app\n"
        "print(json.dumps({'modules': sorted(sys.modules), 'routes': len(app.app.routes),"
        " 'jobs': sorted(app.app.handler_map)}))"
    )

    heavy = [name for name in loaded["modules"] if name.startswith(NOT_AT_IMPORT)]
    assert heavy == []
    assert loaded["routes"] > 40
    assert {"evaluate_rules", "deliver_alerts", "apply_retention", "collect_source"} <= set(loaded["jobs"])


def test_a_route_loads_its_schemas_and_services_on_first_use() -> None:
    loaded = _fresh_interpreter(
        "import json, sys, app\n"
        "from chalicelib.api import incidents\n"
        "before = 'chalicelib.api.schemas' in sys.modules\n"
        "fields = sorted(incidents.schemas.IncidentQuery.model_fields)\n"
        "print(json.dumps({'before': before, 'after': 'chalicelib.api.schemas' in sys.modules,"
        " 'fields': fields}))"
    )

    assert loaded["before"] is False and loaded["after"] is True
    assert {"status", "severity", "brand", "limit", "next_token"} <= set(loaded["fields"])


def test_a_stand_in_for_a_missing_module_fails_at_import_not_on_first_use() -> None:
    from chalicelib.lazy import lazy_module

    with pytest.raises(ModuleNotFoundError):
        lazy_module("chalicelib.services.no_such_service")


def test_the_tracer_is_built_once_on_the_first_invocation_and_passes_the_result_through() -> None:
    from chalicelib import observability

    def handler(event: dict[str, int], context: object) -> dict[str, int]:
        return {"doubled": event["n"] * 2}

    result = observability.capture_lambda_handler(handler)({"n": 21}, None)

    assert result == {"doubled": 42}
    assert observability.tracer() is observability.tracer()
