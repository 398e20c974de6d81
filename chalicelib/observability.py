"""The one Logger, Metrics and Tracer of the application (Powertools)."""

from __future__ import annotations

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
tracer = Tracer(service=SERVICE)


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
