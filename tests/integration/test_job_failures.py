"""Failures someone must see: a failed source or brand is counted (one metric per kind of failure, the
unit named in the metric's log line; one alarm per kind in infra/), the others carry on, and a run in which every unit failed raises, so that
Lambda's retries, the Errors alarm and the failure queue see it."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

import pytest

from chalicelib import deps
from chalicelib.domain.errors import AppError, JobFailed, RateLimited, SourceMisconfigured
from chalicelib.domain.models import Bucket
from tests.fakes import ScriptedSource, unavailable

pytestmark = pytest.mark.integration


class BrokenBuckets:
    def range(self, brand: str, since: datetime, until: datetime) -> list[Bucket]:
        raise AppError("storage query failed", [{"cause": "ProvisionedThroughputExceededException"}])


@pytest.fixture
def local(tmp_path: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real container on a fresh SQLite store, with metrics printed as CloudWatch EMF."""
    from chalicelib.config import Settings

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    settings = Settings(stage="test", store="sqlite", database_path=tmp_path / "k.db")
    built = deps.Container(settings, clock=clock)
    deps.override(built)
    yield built
    deps.override(None)


def _invoke(name: str) -> Any:
    import app as chalice_app
    from chalicelib.local.scheduler import Scheduler

    return Scheduler(chalice_app.app, "eu-central-1", on_error=lambda job, error: None).invoke(name)


def _failure_metrics(output: str, metric: str) -> list[dict[str, Any]]:
    documents = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    return [d for d in documents if metric in d]


def test_a_failed_source_is_counted_by_name_while_the_others_carry_on(local: Any, capsys: Any) -> None:
    local.__dict__["sources"] = [
        ScriptedSource("presse-feed", [unavailable("HTTP 503")]),
        ScriptedSource("bewertungen", [[]]),
    ]
    result = _invoke("collect_mentions")
    assert result["failed"] == ["presse-feed"]
    [metric] = _failure_metrics(capsys.readouterr().out, "SourceFailed")
    assert metric["source"] == "presse-feed" and metric["service"] == "krisenradar"
    # One metric for every source (one custom metric, one alarm); the source is named in the log line
    assert metric["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]


def test_a_refused_token_and_a_rate_limit_are_counted_apart(local: Any, capsys: Any) -> None:
    # Given a source whose token the platform refuses, and one whose rate limit is reached
    local.__dict__["sources"] = [
        ScriptedSource("x-mueller", [SourceMisconfigured("x-mueller: 401")]),
        ScriptedSource("bluesky-mueller", [RateLimited("bluesky-mueller: 429", retry_after=900)]),
    ]

    # When the collect job runs
    result = _invoke("collect_mentions")

    # Then the refused token is a failure with its own metric, the rate limit is only counted
    assert result["failed"] == ["x-mueller"] and result["rate_limited"] == ["bluesky-mueller"]
    output = capsys.readouterr().out
    assert [m["source"] for m in _failure_metrics(output, "SourceMisconfigured")] == ["x-mueller"]
    assert [m["source"] for m in _failure_metrics(output, "SourceRateLimited")] == ["bluesky-mueller"]
    assert [m["source"] for m in _failure_metrics(output, "SourceFailed")] == ["x-mueller"]


def test_a_collect_run_in_which_every_source_failed_raises(local: Any, capsys: Any) -> None:
    local.__dict__["sources"] = [
        ScriptedSource("presse-feed", [unavailable("HTTP 503")]),
        ScriptedSource("bewertungen", [RuntimeError("parser crashed")]),
    ]
    with pytest.raises(JobFailed) as raised:
        _invoke("collect_mentions")
    assert raised.value.details == [{"failed": ["presse-feed", "bewertungen"]}]
    sources = {m["source"] for m in _failure_metrics(capsys.readouterr().out, "SourceFailed")}
    assert sources == {"presse-feed", "bewertungen"}


def test_a_rules_run_in_which_every_brand_failed_raises_and_counts_the_brand(local: Any, capsys: Any) -> None:
    local.__dict__["storage"] = dataclasses.replace(local.storage, buckets=BrokenBuckets())
    with pytest.raises(JobFailed):
        _invoke("evaluate_rules")
    [metric] = _failure_metrics(capsys.readouterr().out, "BrandEvaluationFailed")
    assert metric["brand"] == "mueller"


def test_a_quiet_run_is_no_failure(local: Any) -> None:
    local.__dict__["sources"] = [ScriptedSource("presse-feed", [[]])]
    assert _invoke("collect_mentions") == {"stored": 0, "failed": [], "rate_limited": []}
    assert _invoke("evaluate_rules")["failed"] == []


def test_a_count_of_zero_is_not_sent(local: Any, capsys: Any) -> None:
    # Given a source that answers with no mention, When the rules and collect jobs run
    local.__dict__["sources"] = [ScriptedSource("presse-feed", [[]])]
    _invoke("collect_mentions")
    _invoke("evaluate_rules")
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    # Then no metric of theirs carries a zero (CloudWatch would bill each for the hour), and none is
    # sent for nothing that happened
    sent = {
        metric["Name"]: document[metric["Name"]]
        for document in documents
        for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }
    assert "IncidentOpened" not in sent and "MentionsCollected" not in sent
    assert all(value != 0 for value in sent.values())
