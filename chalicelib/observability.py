"""The one Logger, Metrics and Tracer of the application (Powertools)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "krisenradar"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Krisenradar", service=SERVICE)
tracer = Tracer(service=SERVICE)
