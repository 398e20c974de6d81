"""`make deploy`'s toolchain: the CDK CLI on a supported Node LTS, installed from the npm registry into
infra/.tools by the project's own Makefile (never the machine's Node), synthesizes the app as the
deploy would: the CLI's cloud-assembly version agrees with the library's, and cdk.json's app command
runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="npm is needed to install the CDK CLI")


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_the_cdk_cli_runs_on_node_24_and_synthesizes_the_stack(tmp_path: Path) -> None:
    installed = _make("cdk-tools")
    assert installed.returncode == 0, installed.stderr
    version = _make("cdk", "ARGS=--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip().startswith("2.")
    node = next((ROOT / "infra" / ".tools" / "node_modules").glob("node-linux-*/bin/node"))
    node_version = subprocess.run([str(node), "--version"], capture_output=True, text=True, check=True).stdout
    assert int(node_version.strip().lstrip("v").split(".")[0]) >= 22  # an LTS line still supported

    synth = _make("cdk", f"ARGS=synth --quiet -o {tmp_path}")

    assert synth.returncode == 0, synth.stdout + synth.stderr
    template = json.loads((tmp_path / "krisenradar-dev.template.json").read_text(encoding="utf-8"))
    assert any(r["Type"] == "AWS::Serverless::Api" for r in template["Resources"].values())
