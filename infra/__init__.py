"""Krisenradar infrastructure: a CDK app, one construct per concern (data, alerts, service, monitoring)."""
