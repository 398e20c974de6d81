"""`make run` as a user runs it: start the local stack, watch the demo storm become an incident with
SMS and email alerts through the REST API, stop it with Ctrl-C, start it again, and find everything
still there without duplicates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from chalicelib.local.emulator import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "kr_00112233445566ff_" + "E2eTestKeyE2eTestKeyE2eTestKeyE2eTestKey123"
FIRST_ALERT_DEADLINE_S = 150


class Stack:
    def __init__(self, state_dir: Path, port: int) -> None:
        self.port = port
        self.log = state_dir / f"stack-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "PORT": str(port),
            "KRISENRADAR_STATE_DIR": str(state_dir),
            "KRISENRADAR_ADMIN_KEY": ADMIN_KEY,
            "KRISENRADAR_DEMO": "1",
        }
        env.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chalicelib.local.stack"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.started = time.monotonic()

    def get(self, path: str) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if self.get("/health")["status"] == "ok":
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise AssertionError("the stack did not become healthy:\n" + self.output())

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def all_mentions(self) -> list[dict]:
        items: list[dict] = []
        token = ""
        while True:
            page = self.get(f"/mentions?brand=mueller&since=2000-01-01T00:00:00Z&limit=100{token}")
            items += page["items"]
            if not page["next_token"]:
                return items
            token = f"&next_token={page['next_token']}"


def test_make_run_demo_alerts_within_bounded_time_and_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    stack = Stack(tmp_path, port)
    try:
        stack.wait_healthy()
        sms: list[dict] = []
        email: list[dict] = []
        while time.monotonic() - stack.started < FIRST_ALERT_DEADLINE_S and not (sms and email):
            time.sleep(2)
            deliveries = stack.get("/alerts?limit=100")["items"]
            sms = [d for d in deliveries if d["channel"] == "sms" and d["status"] == "delivered"]
            email = [d for d in deliveries if d["channel"] == "email" and d["status"] == "delivered"]
        first_alert_after = time.monotonic() - stack.started
        assert sms and email, "no SMS and email within the deadline:\n" + stack.output()
        incidents = stack.get("/incidents")["items"]
        assert len(incidents) == 1
        incident = incidents[0]
        assert incident["severity"] in ("SEV1", "SEV2")
        assert incident["brand"] == "mueller"
        assert {d["incident_id"] for d in sms + email} == {incident["incident_id"]}
        assert all(len(d["body"]) <= 160 for d in sms)
        mentions_before = stack.all_mentions()
        assert any(m["native_id"].startswith("demo-storm-") for m in mentions_before)
        time.sleep(1.5)  # the console prints what the gateways received
        assert "[SMS an" in stack.output() and "[E-Mail an" in stack.output()
    finally:
        assert stack.stop() == 0, stack.output()
    print(f"first SMS and email {first_alert_after:.0f} s after start")

    again = Stack(tmp_path, port)
    try:
        again.wait_healthy()
        time.sleep(3)  # the first scheduler tick collects (the demo must not replay what it sent)
        assert [i["incident_id"] for i in again.get("/incidents")["items"]] == [incident["incident_id"]]
        mentions_after = again.all_mentions()
        ids_after = [m["mention_id"] for m in mentions_after]
        assert len(ids_after) == len(set(ids_after))
        assert {m["mention_id"] for m in mentions_before} <= set(ids_after)
        baseline_before = sum(m["native_id"].startswith("demo-baseline-") for m in mentions_before)
        assert sum(m["native_id"].startswith("demo-baseline-") for m in mentions_after) == baseline_before
        alerts_after = again.get("/alerts?limit=100")["items"]
        assert {(d["alert_id"], d["channel"], d["recipient"]) for d in sms + email} <= {
            (d["alert_id"], d["channel"], d["recipient"]) for d in alerts_after
        }
        assert ADMIN_KEY in again.output()
    finally:
        assert again.stop() == 0, again.output()
