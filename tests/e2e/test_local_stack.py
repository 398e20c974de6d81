"""`make run` as a user runs it: start the local stack, watch the demo storm become an incident with
SMS and email alerts, a Teams card, a Slack message and a signed webhook (to the local receiver, as
`make run` sets them up), stop it with Ctrl-C, start it again, and find everything still there without
duplicates."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.local.emulator import free_port
from tests.e2e.stack import ADMIN_KEY, Stack

pytestmark = pytest.mark.e2e

FIRST_ALERT_DEADLINE_S = 150


def test_make_run_demo_alerts_within_bounded_time_and_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    chat_on = {"KRISENRADAR_INTEGRATIONS_FILE": "integrations.yaml"}  # as `make run` runs (tests turn it off)
    stack = Stack(tmp_path, port, env=chat_on)
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
        # The same alert reached Teams, Slack and the signed webhook (the receiver checks signatures)
        posts: dict[str, dict] = {}
        for _ in range(30):  # posted in the same delivery run, after the people's messages
            alerts = stack.get(f"/alerts?incident_id={incident['incident_id']}&limit=100")["items"]
            posts = {d["channel"]: d for d in alerts if d["status"] == "delivered"}
            if {"teams", "slack", "webhook"} <= set(posts):
                break
            time.sleep(1)
        assert {"teams", "slack", "webhook"} <= set(posts), stack.get("/alerts?limit=100")["items"]
        output = stack.output()
        assert "[Teams teams-krisenstab]" in output and "Adaptive Card 1.4" in output
        assert "[Slack slack-kommunikation]" in output
        assert "(Standard-Webhooks-Signatur gültig)" in output and "abgelehnt" not in output
        # Latency, wall clock: the incident opens at its rules run's start; the receiver notes arrivals
        receiver = re.search(r"Teams/Slack: .* -> (http://127\.0\.0\.1:\d+)", output)
        assert receiver, output
        with urllib.request.urlopen(f"{receiver.group(1)}/posts", timeout=10) as answer:
            arrived = json.loads(answer.read())
        teams_at = min(datetime.fromisoformat(p["received_at"]) for p in arrived if p["kind"] == "teams")
        card_after = (teams_at - datetime.fromisoformat(incident["opened_at"])).total_seconds()
        assert 0 < card_after < 60
    finally:
        assert stack.stop() == 0, stack.output()
    print(
        f"first SMS and email {first_alert_after:.0f} s after start; Teams card {card_after:.1f} s after opening"
    )

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
        assert {(d["alert_id"], d["channel"], d["recipient"]) for d in [*sms, *email, *posts.values()]} <= {
            (d["alert_id"], d["channel"], d["recipient"]) for d in alerts_after
        }
        assert ADMIN_KEY in again.output()
    finally:
        assert again.stop() == 0, again.output()
