"""The one Logger, Metrics and Tracer of the application (Powertools)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

SERVICE = "krisenradar"
NAMESPACE = "Krisenradar"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)


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
