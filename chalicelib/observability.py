"""The one Logger, Metrics and Tracer of the application (Powertools).

The Tracer is built on the first invocation, not at import: building it imports the X-Ray SDK and,
through its sampler, botocore (about 230 ms), which every cold start would otherwise pay before the
first route or schedule runs, whether or not it touches AWS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "krisenradar"
NAMESPACE = "Krisenradar"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
_tracer: Tracer | None = None


def tracer() -> Tracer:
    """The one Tracer, created on first use (Powertools' own rules decide whether it traces)."""
    global _tracer
    if _tracer is None:
        _tracer = Tracer(service=SERVICE)
    return _tracer


def capture_lambda_handler(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Lambda middleware: the invocation as an X-Ray segment. Traces keep timings, never response
    bodies (mention texts, handles, phone numbers)."""
    return tracer().capture_lambda_handler(handler, capture_response=False)


def count_failure(metric: str, dimension: str, unit_id: str) -> None:
    """One failure of one source or brand, as its own metric so that each gets its own alarm."""
    if is_metrics_disabled():
        return
    with single_metric(
        name=metric,
        unit=MetricUnit.Count,
        value=1,
        namespace=NAMESPACE,
        default_dimensions={"service": SERVICE},
    ) as metric_set:
        metric_set.add_dimension(name=dimension, value=unit_id)
