"""Scheduled entry points. Each one calls one service and records its business metrics.

Live drills ("Krisenübung") ride along: the collect job plays each one's scenario, the rules job follows
them (records each one's incident, ends them) and evaluates their shadow brands, the escalation job
escalates their incidents. A drill's trouble never stops a real brand's evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalice.app import Blueprint, Rate

from chalicelib import deps
from chalicelib.domain.drills import Drill, real_brand, source_dimension
from chalicelib.domain.errors import JobFailed
from chalicelib.observability import count_failure, logger, metrics
from chalicelib.services.alerts import DeliveryReport, deliver_pending
from chalicelib.services.collect import collect
from chalicelib.services.drills import DrillRound, follow_drills, live_drills, record_incidents
from chalicelib.services.evaluate import evaluate_all
from chalicelib.services.incidents import escalate
from chalicelib.services.ingest import ingest
from chalicelib.services.privacy import apply_retention

bp = Blueprint(__name__)

EVERY_MINUTE = Rate(1, unit=Rate.MINUTES)
EVERY_HOUR = Rate(1, unit=Rate.HOURS)


def _fail_if_nothing_worked(job: str, failed: list[str], attempted: int) -> None:
    """A job whose every unit failed raises, so that Lambda's retries and the failure queue see it."""
    if attempted and len(failed) >= attempted:
        raise JobFailed(f"{job}: every unit failed", [{"failed": failed}])


def _deliver(now: datetime) -> DeliveryReport:
    """Claim and publish due alerts from the outbox and count the outcome (every delivering job)."""
    container = deps.container()
    report = deliver_pending(outbox=container.outbox, notifier=container.notifier, now=now)
    metrics.add_metric(name="AlertDelivered", unit="Count", value=report.delivered)
    if report.failed:
        metrics.add_metric(name="AlertDeliveryFailed", unit="Count", value=report.failed)
        logger.warning("alerts still pending", failed=report.failed)
    return report


def _live_drills(now: datetime, failure: tuple[str, str]) -> list[Drill]:
    """The drills to play now; if they cannot be read, the real brands go on without them (and the
    failure is counted as the job counts a failed unit: `failure` = (metric, dimension))."""
    try:
        return live_drills(drills=deps.container().drills, now=now)
    except Exception:
        logger.exception("drills not read")
        count_failure(*failure, "drills")
        return []


@bp.schedule(EVERY_MINUTE, name="collect_mentions", description="Collect mentions from every due source")
def collect_mentions(event: Any) -> dict[str, Any]:
    container = deps.container()
    now = container.clock()
    report = collect(
        [*container.sources, *container.drill_sources(_live_drills(now, ("SourceFailed", "source")))],
        state=container.state,
        store=lambda raws: ingest(raws, enricher=container.enricher, mentions=container.mentions),
        now=now,
    )
    metrics.add_metric(name="MentionsCollected", unit="Count", value=report.stored)
    for source_id in report.failed:
        count_failure("SourceFailed", "source", source_dimension(source_id))
    _fail_if_nothing_worked("collect_mentions", report.failed, report.attempted)
    return {"stored": report.stored, "failed": report.failed}


@bp.schedule(EVERY_MINUTE, name="evaluate_rules", description="Detect crises and open or update incidents")
def evaluate_rules(event: Any) -> dict[str, Any]:
    container = deps.container()
    now = container.clock()
    try:
        drills = follow_drills(drills=container.drills, incidents=container.incidents, now=now)
    except Exception:  # the drills cannot be read: the real brands go on without them
        logger.exception("drills not read")
        drills = DrillRound(failed=["drills"])
    report = evaluate_all(
        now=now,
        playbook=container.playbook,
        ports=container.ports,
        config=container.detector_config,
        alerting=container.alerting,
        drills=drills.live,
    )
    # A drill's incident opened in this run is recorded now (overlapping runs record it once).
    record_incidents(drills.live, drills=container.drills, incidents=container.incidents)
    metrics.add_metric(name="DrillEnded", unit="Count", value=len(drills.ended))
    opened, raised, inhibited = report.ids("opened"), report.ids("raised"), report.ids("inhibited")
    updated = report.ids("updated")
    metrics.add_metric(name="IncidentOpened", unit="Count", value=len(opened))
    metrics.add_metric(name="IncidentSeverityRaised", unit="Count", value=len(raised))
    metrics.add_metric(name="AlertInhibited", unit="Count", value=len(inhibited))
    metrics.add_metric(name="IncidentSituationChanged", unit="Count", value=len(updated))
    failed = [*report.failed, *drills.failed]
    for brand_key in failed:
        count_failure("BrandEvaluationFailed", "brand", real_brand(brand_key))
    # Alerts leave in the same run; the delivery job only retries what failed or was left here.
    delivery = _deliver(now)
    attempted = len(container.playbook.brands) + len(drills.live) + len(drills.failed)
    _fail_if_nothing_worked("evaluate_rules", failed, attempted)
    return {
        "opened": opened,
        "raised": raised,
        "inhibited": inhibited,
        "updated": updated,
        "failed": failed,
        "delivered": delivery.delivered,
        "drills": [d.drill_id for d in drills.live],
        "drills_ended": drills.ended,
    }


@bp.schedule(EVERY_MINUTE, name="deliver_alerts", description="Retry undelivered alerts from the outbox")
def deliver_alerts(event: Any) -> dict[str, Any]:
    report = _deliver(deps.container().clock())
    return {"delivered": report.delivered, "failed": report.failed}


@bp.schedule(EVERY_MINUTE, name="escalate_incidents", description="Escalate unacknowledged incidents")
def escalate_incidents(event: Any) -> dict[str, Any]:
    container = deps.container()
    now = container.clock()
    drills = _live_drills(now, ("BrandEvaluationFailed", "brand"))
    brands = [b.id for b in container.playbook.brands] + [d.brand_key for d in drills]
    escalated = escalate(
        now=now,
        alerting=container.alerting,
        incidents=container.incidents,
        outbox=container.outbox,
        state=container.state,
        brands=brands,
    )
    delivery = _deliver(now)
    metrics.add_metric(name="IncidentEscalated", unit="Count", value=len(escalated))
    return {"escalated": [i for i, _ in escalated], "delivered": delivery.delivered}


@bp.schedule(
    EVERY_HOUR, name="apply_retention", description="Delete and pseudonymise what outlived retention"
)
def apply_retention_periods(event: Any) -> dict[str, Any]:
    """SQLite deletes expired rows here (DynamoDB's TTL does it there); on both stores resolved incidents
    lose their names once their personal-data period is over."""
    container = deps.container()
    report = apply_retention(
        retention=container.storage.retention,
        incidents=container.incidents,
        drafts=container.drafts,
        now=container.clock(),
        incident_personal_data=timedelta(days=container.settings.incident_personal_data_days),
    )
    metrics.add_metric(name="ExpiredDataDeleted", unit="Count", value=sum(report.purged.values()))
    metrics.add_metric(name="IncidentPseudonymised", unit="Count", value=len(report.pseudonymised))
    for _ in report.failed:
        count_failure("RetentionFailed", "kind", "incident")
    _fail_if_nothing_worked("apply_retention", report.failed, len(report.pseudonymised) + len(report.failed))
    return {"purged": report.purged, "pseudonymised": report.pseudonymised, "failed": report.failed}
