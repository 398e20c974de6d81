"""`make audit` (.ci/audit.py, issue 12): fails on a known vulnerability or an unaudited package, and
passes without an audit only when the vulnerability data is out of reach, saying so."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pip_audit_reports(monkeypatch: pytest.MonkeyPatch, audit: ModuleType, dependencies: list[dict]) -> None:
    monkeypatch.setattr(audit, "database_reachable", lambda: (True, ""))
    output = json.dumps({"dependencies": dependencies, "fixes": []})
    vulnerable = any(d.get("vulns") for d in dependencies)

    def run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 1 if vulnerable else 0, stdout=output, stderr="")

    monkeypatch.setattr(audit.subprocess, "run", run)


def test_a_known_vulnerability_fails_and_is_named(audit: ModuleType, monkeypatch, capsys) -> None:
    _pip_audit_reports(
        monkeypatch,
        audit,
        [
            {"name": "jinja2", "version": "3.1.6", "vulns": []},
            {"name": "oldlib", "version": "1.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["1.1"]}]},
        ],
    )
    assert audit.main() == 1
    out = capsys.readouterr().out
    assert "oldlib 1.0: GHSA-x (fixed in: 1.1)" in out and "1 known vulnerabilities in 1" in out


def test_a_package_that_could_not_be_audited_fails(audit: ModuleType, monkeypatch, capsys) -> None:
    # pip-audit itself passes when PyPI does not know a package: it skips it and finds nothing
    _pip_audit_reports(
        monkeypatch, audit, [{"name": "requests", "skip_reason": "Dependency not found on PyPI"}]
    )
    assert audit.main() == 1
    assert "requests: not audited" in capsys.readouterr().out


def test_a_clean_audit_passes(audit: ModuleType, monkeypatch, capsys) -> None:
    _pip_audit_reports(monkeypatch, audit, [{"name": "jinja2", "version": "3.1.6", "vulns": []}])
    assert audit.main() == 0
    assert "audited 1 packages: 0 known vulnerabilities" in capsys.readouterr().out


def test_unreachable_data_skips_the_audit_and_says_so(audit: ModuleType, monkeypatch, capsys) -> None:
    def offline(*args: Any, **kwargs: Any) -> Any:
        raise audit.urllib.error.URLError("no route to host")

    monkeypatch.setattr(audit.urllib.request, "urlopen", offline)
    monkeypatch.setattr(audit.subprocess, "run", lambda *a, **k: pytest.fail("audited without data"))
    assert audit.main() == 0
    assert capsys.readouterr().out.startswith("vulnerability database not reachable: audit skipped")
