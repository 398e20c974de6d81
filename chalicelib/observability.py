"""The one Logger, Metrics and Tracer of the application (Powertools).

The Tracer is built on the first invocation, not at import: building it imports the X-Ray SDK and,
through its sampler, botocore (about 230 ms), which every cold start would otherwise pay before the
first route or schedule runs, whether or not it touches AWS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricResolution, MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "krisenradar"
NAMESPACE = "Krisenradar"


class SparseMetrics(Metrics):
    """Powertools Metrics that leaves out a count of zero. CloudWatch bills a custom metric for every hour
    in which it receives a value, and the every-minute jobs would send a zero for events that are zero in
    almost every run (incidents opened, escalations, alerts delivered): about $0.30 a month each for
    nothing. A graph shows no data instead of 0, and no alarm watches a count that can be zero."""

    def add_metric(
        self,
        name: str,
        unit: MetricUnit | str,
        value: float,
        resolution: MetricResolution | int = 60,
    ) -> None:
        if value == 0:
            return
        super().add_metric(name=name, unit=unit, value=value, resolution=resolution)


logger = Logger(service=SERVICE)
metrics = SparseMetrics(namespace=NAMESPACE, service=SERVICE)
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
    """One failure of one source, brand or other unit. The metric has only the `service` dimension, so
    one alarm covers every unit and there is one custom metric per kind of failure, not one per unit
    ($0.30 a month each). The unit is a property of the EMF log line (`dimension`: `unit_id`), not a
    dimension: Logs Insights finds it (`filter ispresent(SourceFailed) | stats count() by source`)."""
    if is_metrics_disabled():
        return
    with single_metric(
        name=metric,
        unit=MetricUnit.Count,
        value=1,
        namespace=NAMESPACE,
        default_dimensions={"service": SERVICE},
    ) as metric_set:
        metric_set.add_metadata(key=dimension, value=unit_id)
