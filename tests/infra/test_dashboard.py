"""The operations dashboard, synthesized on its own (no Chalice packaging): its graphs follow the
functions and queues the stack has, its business metrics are the ones the app records, and it stays
within the 50 metrics of CloudWatch's free dashboards. The real stack's dashboard: tests/infra/test_synth.py."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, Stack  # noqa: E402
from aws_cdk import aws_sqs as sqs  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.dashboard import FREE_TIER_METRICS, OperationsDashboard  # noqa: E402

pytestmark = pytest.mark.infra

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
# What the issue asks the dashboard to show of the app's own metrics.
BUSINESS = {
    "MentionsCollected",
    "SourceFailed",
    "SourceRateLimited",
    "SourceDeferred",
    "BrandEvaluationFailed",
    "IncidentOpened",
    "AlertDelivered",
    "AlertDeliveryFailed",
    "OutboxDue",
}


def _token(part: dict[str, Any]) -> str:
    if "Ref" in part:
        return f"<{part['Ref']}>"
    logical_id, attribute = part["Fn::GetAtt"]
    return f"<{logical_id}.{attribute}>"


def dashboard_body(resources: dict[str, Any], name: str) -> dict[str, Any]:
    """The dashboard's JSON body, CloudFormation references written as `<LogicalId>`/`<Id.Attr>`."""
    (dashboard,) = [
        value["Properties"]
        for value in resources.values()
        if value["Type"] == "AWS::CloudWatch::Dashboard" and value["Properties"]["DashboardName"] == name
    ]
    parts = dashboard["DashboardBody"]["Fn::Join"][1]
    body: dict[str, Any] = json.loads("".join(p if isinstance(p, str) else _token(p) for p in parts))
    return body


def graph_lines(body: dict[str, Any]) -> list[tuple[str, str, dict[str, str], str]]:
    """Every line of every graph: (namespace, metric, dimensions, statistic)."""
    lines = []
    for widget in body["widgets"]:
        for line in widget["properties"].get("metrics", []):
            *names, options = line if isinstance(line[-1], dict) else (*line, {})
            namespace, metric, *pairs = names
            dimensions = dict(zip(pairs[::2], pairs[1::2], strict=True))
            lines.append((namespace, metric, dimensions, options.get("stat", "Average")))
    return lines


def recorded_metrics() -> set[str]:
    """The metric names the app records (`metrics.add_metric(name=...)`, `count_failure(...)`)."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in CHALICELIB.rglob("*.py"))
    return set(re.findall(r'add_metric\(name="(\w+)"', source)) | set(
        re.findall(r'count_failure\(\s*"(\w+)"', source)
    )


def _queues(stack: Stack, *names: str) -> list[sqs.Queue]:
    """A work queue with its dead-letter queue per name, and the jobs' failure queue."""
    queues = [sqs.Queue(stack, "JobFailures")]
    for name in names:
        dead = sqs.Queue(stack, f"{name}DeadLetters")
        queues += [
            dead,
            sqs.Queue(
                stack, f"{name}Queue", dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=dead)
            ),
        ]
    return queues


def _synth(function_names: dict[str, str], queue_names: tuple[str, ...]) -> dict[str, Any]:
    stack = Stack(App(), "dashboard-only")
    OperationsDashboard(
        stack,
        "Dashboard",
        stage="dev",
        function_names=function_names,
        queues=_queues(stack, *queue_names),
        api_name="krisenradar-dev-api",
    )
    return dashboard_body(Template.from_stack(stack).to_json()["Resources"], "krisenradar-dev")


FANNED_OUT = {  # the functions once the rules job is fanned out per brand, as the collect job is
    name: f"krisenradar-dev-{name.replace('_', '-')}"
    for name in (
        "api_handler",
        "collect_mentions",
        "collect_source",
        "evaluate_rules",
        "evaluate_brand",
        "deliver_alerts",
        "escalate_incidents",
        "apply_retention",
    )
}


@pytest.fixture(scope="module")
def fanned_out() -> dict[str, Any]:
    return _synth(FANNED_OUT, ("Collect", "Rules", "Integration"))


def test_each_function_has_its_errors_throttles_and_duration(fanned_out: dict[str, Any]) -> None:
    lines = graph_lines(fanned_out)
    for metric, statistic in (("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "p95")):
        shown = {
            d["FunctionName"]
            for ns, m, d, stat in lines
            if (ns, m, stat) == ("AWS/Lambda", metric, statistic)
        }
        assert shown == set(FANNED_OUT.values()), metric
    # Each evaluating function's runs stand for the brands evaluated
    runs = {d["FunctionName"] for ns, m, d, _ in lines if (ns, m) == ("AWS/Lambda", "Invocations")}
    assert runs == {FANNED_OUT["evaluate_rules"], FANNED_OUT["evaluate_brand"]}


def test_each_queue_shows_its_depth_and_its_dead_letters(fanned_out: dict[str, Any]) -> None:
    # Given work queues with dead-letter queues (collect, rules, integration) and the failure queue
    by_widget = {
        widget["properties"]["title"]: {line[-1]["label"] for line in widget["properties"]["metrics"]}
        for widget in fanned_out["widgets"]
        if "Queues" in widget["properties"].get("title", "")
    }
    # Then the work queues are graphed by depth, the dead letters and failed runs apart
    assert by_widget == {
        "Queues: depth (messages visible, max)": {"CollectQueue", "RulesQueue", "IntegrationQueue"},
        "Queues: dead letters and failed runs (max)": {
            "CollectDeadLetters",
            "RulesDeadLetters",
            "IntegrationDeadLetters",
            "JobFailures",
        },
    }
    visible = [line for line in graph_lines(fanned_out) if line[1] == "ApproximateNumberOfMessagesVisible"]
    assert len(visible) == 7 and all(stat == "Maximum" for *_, stat in visible)


def test_the_api_shows_requests_errors_and_latency_by_its_name(fanned_out: dict[str, Any]) -> None:
    api = {(m, stat) for ns, m, d, stat in graph_lines(fanned_out) if d == {"ApiName": "krisenradar-dev-api"}}
    assert api == {
        ("Count", "Sum"),
        ("4XXError", "Sum"),
        ("5XXError", "Sum"),
        ("Latency", "p50"),
        ("Latency", "p95"),
    }
    assert all(ns == "AWS/ApiGateway" for ns, _, d, _ in graph_lines(fanned_out) if "ApiName" in d)


def test_the_business_graphs_show_metrics_the_app_records(fanned_out: dict[str, Any]) -> None:
    shown = {
        (metric, json.dumps(dimensions))
        for namespace, metric, dimensions, _ in graph_lines(fanned_out)
        if namespace == "Krisenradar"
    }
    names = {metric for metric, _ in shown}
    # Every one asked for is there, each is recorded by the app, and under the service dimension only
    assert names >= BUSINESS
    assert names <= recorded_metrics(), names - recorded_metrics()
    assert {dimensions for _, dimensions in shown} == {json.dumps({"service": "krisenradar"})}


def test_the_dashboard_stays_in_the_free_tier_once_the_rules_are_fanned_out(
    fanned_out: dict[str, Any],
) -> None:
    assert len(graph_lines(fanned_out)) <= FREE_TIER_METRICS
