"""Schemathesis over the API's own /openapi.json, served as `make run` serves it, with an admin key and
every check (issue 12): no input yields a 5xx, and every response matches the document.

Bounded (a fixed seed, FUZZ_EXAMPLES per operation) so that it takes a few minutes inside `make test`;
`make fuzz` runs it alone, `FUZZ_EXAMPLES=25 make fuzz` a longer run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# The coverage phase alone takes 2-3 minutes on the 2-core machine, whatever FUZZ_EXAMPLES says.
TIMEOUT_S = 1200
SEED = 20261129


def test_the_openapi_document_is_valid_and_resolves_every_reference() -> None:
    from openapi_spec_validator import validate

    from chalicelib.api.openapi import document

    validate(document())  # raises on a broken $ref (#/$defs/... before issue 12) or any other error


# Real identifiers, most of the time, so that cases reach past "no such incident" into the handlers.
KNOWN = {
    "path.user_id": ["anna-schmidt", "jonas-weber"],
    "path.playbook_id": ["datenpanne", "produktmangel-rueckruf"],
    "path.asset": ["app.js", "style.css", "favicon.svg", "uPlot.min.css"],
    "query.brand": ["mueller"],
}


def _config(tmp_path: Path, incident_id: str) -> Path:
    """The committed settings, plus this run's identifiers as dictionaries schemathesis draws from."""
    known = {**KNOWN, "path.incident_id": [incident_id]}
    lines = [Path(__file__).with_name("schemathesis.toml").read_text(encoding="utf-8")]
    for index, values in enumerate(known.values()):
        lines += [f"[dictionaries.known{index}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    lines += [
        f'"{parameter}" = {{ dictionary = "known{index}", probability = 0.8 }}'
        for index, parameter in enumerate(known)
    ]
    config = tmp_path / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


@pytest.mark.timeout(TIMEOUT_S)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_api: str, keys: dict, container: Any, incident_id: str, tmp_path: Path
) -> None:
    # Given the API as served, an admin key (every route is in reach) and an open incident
    report = tmp_path / "schemathesis.json"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(_config(tmp_path, incident_id)),
        "run",
        f"{live_api}/openapi.json",
        "--header",
        f"Authorization: Bearer {keys['admin']}",
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
        "--output-sanitize",
        "true",
        "--generation-database",
        "none",
    ]
    # When schemathesis runs every phase over every operation
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S - 60, check=False)
    summary = _summary(report)
    if os.environ.get("FUZZ_LOG"):
        Path(os.environ["FUZZ_LOG"]).write_text(result.stdout, encoding="utf-8")
    print(result.stdout[-4000:])
    print(f"schemathesis: {summary}")
    admin = container.api_keys.get(keys["admin"].split("_")[1])
    print(f"admin key revoked during the run: {admin.disabled}")
    # Then it found nothing
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
    assert summary["cases"] > 0


def _summary(report: Path) -> dict[str, Any]:
    """Counts from schemathesis' JSON report: cases generated, operations tested, failures by code."""
    if not report.exists():
        return {"cases": 0}
    data = json.loads(report.read_text(encoding="utf-8"))
    return {
        "cases": data["test_cases"]["generated"],
        "operations": data["operations"]["tested"],
        "seconds": round(data["running_time"]),
        "failures": {failure["code"]: failure["count"] for failure in data["failures"]},
    }
