"""Scheduled entry points. Each one calls one service and records its business metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Blueprint, Rate

from chalicelib import deps
from chalicelib.observability import logger, metrics
from chalicelib.services.alerts import DeliveryReport, deliver_pending
from chalicelib.services.collect import collect
from chalicelib.services.evaluate import evaluate_all
from chalicelib.services.incidents import escalate
from chalicelib.services.ingest import ingest

bp = Blueprint(__name__)

EVERY_MINUTE = Rate(1, unit=Rate.MINUTES)


def _deliver(now: datetime) -> DeliveryReport:
    """Publish pending alerts from the outbox and count the outcome."""
    container = deps.container()
    report = deliver_pending(outbox=container.outbox, notifier=container.notifier, now=now)
    metrics.add_metric(name="AlertDelivered", unit="Count", value=report.delivered)
    if report.failed:
        metrics.add_metric(name="AlertDeliveryFailed", unit="Count", value=report.failed)
        logger.warning("alerts still pending", failed=report.failed)
    return report


@bp.schedule(EVERY_MINUTE, name="collect_mentions", description="Collect mentions from every due source")
def collect_mentions(event: Any) -> dict[str, Any]:
    container = deps.container()
    report = collect(
        container.sources,
        state=container.state,
        store=lambda raws: ingest(raws, enricher=container.enricher, mentions=container.mentions),
        now=container.clock(),
    )
    metrics.add_metric(name="MentionsCollected", unit="Count", value=report.stored)
    if report.failed:
        metrics.add_metric(name="SourceFailed", unit="Count", value=len(report.failed))
    return {"stored": report.stored, "failed": report.failed}


@bp.schedule(EVERY_MINUTE, name="evaluate_rules", description="Detect crises and open or update incidents")
def evaluate_rules(event: Any) -> dict[str, Any]:
    container = deps.container()
    now = container.clock()
    results = evaluate_all(
        now=now,
        playbook=container.playbook,
        ports=container.ports,
        config=container.detector_config,
        public_url=container.settings.public_url,
    )
    opened = [i for r in results for i in r.opened]
    raised = [i for r in results for i in r.raised]
    inhibited = [i for r in results for i in r.inhibited]
    metrics.add_metric(name="IncidentOpened", unit="Count", value=len(opened))
    metrics.add_metric(name="IncidentSeverityRaised", unit="Count", value=len(raised))
    metrics.add_metric(name="AlertInhibited", unit="Count", value=len(inhibited))
    # Alerts leave in the same run; the delivery job only retries what failed here.
    delivery = _deliver(now)
    return {"opened": opened, "raised": raised, "inhibited": inhibited, "delivered": delivery.delivered}


@bp.schedule(EVERY_MINUTE, name="deliver_alerts", description="Retry undelivered alerts from the outbox")
def deliver_alerts(event: Any) -> dict[str, Any]:
    report = _deliver(deps.container().clock())
    return {"delivered": report.delivered, "failed": report.failed}


@bp.schedule(EVERY_MINUTE, name="escalate_incidents", description="Escalate unacknowledged incidents")
def escalate_incidents(event: Any) -> dict[str, Any]:
    container = deps.container()
    now = container.clock()
    escalated = escalate(
        now=now,
        playbook=container.playbook,
        incidents=container.incidents,
        outbox=container.outbox,
        public_url=container.settings.public_url,
    )
    delivery = _deliver(now)
    metrics.add_metric(name="IncidentEscalated", unit="Count", value=len(escalated))
    return {"escalated": [i for i, _ in escalated], "delivered": delivery.delivered}
