"""Scheduled entry points, and the collect worker the collect schedule feeds (one SQS message per due
source). Each one calls one service and records its business metrics.

The rules schedule fans out the same way: one message per brand and live drill for the rules worker
`evaluate_brand`, which evaluates each one on its own (reporting a failed one back for a retry).

Live drills ("Krisenübung") ride along: the collect job plays each one's scenario, the rules job follows
them (records each one's incident, ends them) and evaluates their shadow brands, the escalation job
escalates their incidents. A drill's trouble never stops a real brand's evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Rate

from chalicelib import deps
from chalicelib.domain.errors import InvalidInput, JobFailed
from chalicelib.lazy import lazy_function, lazy_module
from chalicelib.observability import count_failure, logger, metrics

# The services load on a job's first run, not at import (every function's cold start imports this).
if TYPE_CHECKING:
    from chalicelib.domain.drills import Drill, real_brand, source_dimension
    from chalicelib.ports import Source
    from chalicelib.services import collect as collect_service
    from chalicelib.services import rules_units as rules_service
    from chalicelib.services.alerts import DeliveryReport, deliver_pending
    from chalicelib.services.collect import CollectReport, collect, fan_out
    from chalicelib.services.drills import DrillRound, follow_drills, live_drills, record_incidents
    from chalicelib.services.evaluate import BrandEvaluation, evaluate_all
    from chalicelib.services.incidents import escalate
    from chalicelib.services.ingest import ingest
    from chalicelib.services.privacy import apply_retention
    from chalicelib.services.rules_units import evaluate_unit, fan_out_rules, rules_units
else:
    real_brand = lazy_function("chalicelib.domain.drills", "real_brand")
    source_dimension = lazy_function("chalicelib.domain.drills", "source_dimension")
    collect_service = lazy_module("chalicelib.services.collect")
    deliver_pending = lazy_function("chalicelib.services.alerts", "deliver_pending")
    collect = lazy_function("chalicelib.services.collect", "collect")
    fan_out = lazy_function("chalicelib.services.collect", "fan_out")
    DrillRound = lazy_function("chalicelib.services.drills", "DrillRound")
    follow_drills = lazy_function("chalicelib.services.drills", "follow_drills")
    live_drills = lazy_function("chalicelib.services.drills", "live_drills")
    record_incidents = lazy_function("chalicelib.services.drills", "record_incidents")
    evaluate_all = lazy_function("chalicelib.services.evaluate", "evaluate_all")
    escalate = lazy_function("chalicelib.services.incidents", "escalate")
    ingest = lazy_function("chalicelib.services.ingest", "ingest")
    apply_retention = lazy_function("chalicelib.services.privacy", "apply_retention")
    rules_service = lazy_module("chalicelib.services.rules_units")
    evaluate_unit = lazy_function("chalicelib.services.rules_units", "evaluate_unit")
    fan_out_rules = lazy_function("chalicelib.services.rules_units", "fan_out_rules")
    rules_units = lazy_function("chalicelib.services.rules_units", "rules_units")

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
    metrics.add_metric(name="OutboxDue", unit="Count", value=report.due)
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


def _seconds_left(event: Any) -> Callable[[], float] | None:
    """The invocation's remaining time, when its context tells it and it could fit a source at all
    (a context shorter than that, like the Chalice test client's 3 seconds, sets no budget)."""
    remaining = getattr(getattr(event, "context", None), "get_remaining_time_in_millis", None)
    if remaining is None or remaining() / 1000 < collect_service.MIN_SECONDS_TO_START:
        return None
    return lambda: float(remaining()) / 1000


@bp.schedule(EVERY_MINUTE, name="collect_mentions", description="Collect mentions from every due source")
def collect_mentions(event: Any) -> dict[str, Any]:
    """With a collect queue (AWS): one unit per due source for `collect_source`; without (one machine,
    tests): collect every due source here."""
    container = deps.container()
    now = container.clock()
    sources = [*container.sources, *container.drill_sources(_live_drills(now, ("SourceFailed", "source")))]
    queue = container.collect_queue
    if queue is not None:
        # No metric of ours: the queue's NumberOfMessagesSent counts them, and CloudWatch's are free.
        queued = fan_out(sources, state=container.state, queue=queue, now=now)
        return {"queued": queued}
    report = _collect_here(sources, now, event)
    _fail_if_nothing_worked("collect_mentions", report.failed, report.attempted)
    return _collected(report)


# The queue's real ARN is set by the CDK app (infra/service.py); this name only shapes the package.
COLLECT_QUEUE = "krisenradar-collect"


# Up to ten sources an invocation: a tenth of the invocations, traces and queue requests of one each.
# They run least recently run first within the invocation's time; a source left over for lack of
# time is deferred (counted), and the schedule sends it again when its queued mark is stale.
COLLECT_BATCH = 10


@bp.on_sqs_message(queue=COLLECT_QUEUE, batch_size=COLLECT_BATCH, name="collect_source")
def collect_source(event: Any) -> dict[str, Any]:
    """Due sources, sent by `collect_mentions`. A failing source is counted, not raised: its next
    due run is the retry, so a redelivery would only hammer the platform."""
    container = deps.container()
    now = container.clock()
    wanted = [json.loads(record.body)["source_id"] for record in event]
    sources = [s for s in container.sources if s.source_id in wanted]
    if len(sources) < len(wanted):  # drills' sources are built from the live drills
        drills = container.drill_sources(_live_drills(now, ("SourceFailed", "source")))
        sources += [s for s in drills if s.source_id in wanted]
    for source_id in sorted(set(wanted) - {s.source_id for s in sources}):
        logger.warning("queued source no longer configured", source=source_id)
    return _collected(_collect_here(sources, now, event))


def _collect_here(sources: Sequence[Source], now: datetime, event: Any) -> CollectReport:
    """Collect `sources` in this invocation (its remaining time as the budget) and count the outcome."""
    container = deps.container()
    report = collect(
        sources,
        state=container.state,
        store=lambda raws: ingest(raws, enricher=container.enricher, mentions=container.mentions),
        now=now,
        seconds_left=_seconds_left(event),
    )
    _count_collected(report)
    return report


def _collected(report: CollectReport) -> dict[str, Any]:
    return {"stored": report.stored, "failed": report.failed, "rate_limited": report.rate_limited}


def _count_collected(report: CollectReport) -> None:
    metrics.add_metric(name="MentionsCollected", unit="Count", value=report.stored)
    metrics.add_metric(name="SourceDeferred", unit="Count", value=len(report.deferred))
    for source_id in report.failed:
        count_failure("SourceFailed", "source", source_dimension(source_id))
    for source_id in report.misconfigured:
        count_failure("SourceMisconfigured", "source", source_dimension(source_id))
    for source_id in report.rate_limited:
        count_failure("SourceRateLimited", "source", source_dimension(source_id))


@bp.schedule(EVERY_MINUTE, name="evaluate_rules", description="Detect crises and open or update incidents")
def evaluate_rules(event: Any) -> dict[str, Any]:
    """Follows the drills; then, with a rules queue (AWS, `make run`): one unit per brand and live drill
    for `evaluate_brand`; without (tests): evaluates every brand here."""
    container = deps.container()
    now = container.clock()
    try:
        drills = follow_drills(drills=container.drills, incidents=container.incidents, now=now)
    except Exception:  # the drills cannot be read: the real brands go on without them
        logger.exception("drills not read")
        drills = DrillRound(failed=["drills"])
    metrics.add_metric(name="DrillEnded", unit="Count", value=len(drills.ended))
    queue = container.rules_queue
    if queue is not None:
        for brand_key in drills.failed:
            count_failure("BrandEvaluationFailed", "brand", real_brand(brand_key))
        queued = fan_out_rules(rules_units(container.playbook, drills.live, now), queue=queue)
        metrics.add_metric(name="BrandsQueued", unit="Count", value=len(queued))
        return {
            "queued": queued,
            "failed": drills.failed,
            "drills": [d.drill_id for d in drills.live],
            "drills_ended": drills.ended,
        }
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
    for result in report.results:
        _count_evaluated(result)
    failed = [*report.failed, *drills.failed]
    for brand_key in failed:
        count_failure("BrandEvaluationFailed", "brand", real_brand(brand_key))
    # Alerts leave in the same run; the delivery job only retries what failed or was left here.
    delivery = _deliver(now)
    attempted = len(container.playbook.brands) + len(drills.live) + len(drills.failed)
    _fail_if_nothing_worked("evaluate_rules", failed, attempted)
    return {
        "opened": report.ids("opened"),
        "raised": report.ids("raised"),
        "inhibited": report.ids("inhibited"),
        "updated": report.ids("updated"),
        "failed": failed,
        "delivered": delivery.delivered,
        "drills": [d.drill_id for d in drills.live],
        "drills_ended": drills.ended,
    }


def _count_evaluated(result: BrandEvaluation) -> None:
    metrics.add_metric(name="IncidentOpened", unit="Count", value=len(result.opened))
    metrics.add_metric(name="IncidentSeverityRaised", unit="Count", value=len(result.raised))
    metrics.add_metric(name="AlertInhibited", unit="Count", value=len(result.inhibited))
    metrics.add_metric(name="IncidentSituationChanged", unit="Count", value=len(result.updated))


# Like COLLECT_QUEUE: the real queue is set by the CDK app (infra/service.py), or `make run`'s mapping.
RULES_QUEUE = "krisenradar-rules"


@bp.on_sqs_message(queue=RULES_QUEUE, batch_size=10, name="evaluate_brand")
def evaluate_brand_worker(event: Any) -> dict[str, Any]:
    """Up to ten units sent by `evaluate_rules`, each evaluated on its own: a unit whose evaluation
    fails is counted and reported back as a batch item failure, so that SQS retries it alone (and
    after three attempts keeps it in the dead-letter queue) while the others are done. Then the alerts
    the evaluations wrote leave, as in the rules job."""
    # Powertools' batch utility loads only here: the API and the other functions need not pay for it.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    container = deps.container()
    now = container.clock()
    alerting = container.alerting
    seconds_left = _seconds_left(event)

    def evaluate(record: Any) -> str:  # a Powertools SQSRecord
        try:
            unit = rules_service.RulesUnit.from_message(record.body)
        except InvalidInput:
            logger.exception("rules unit not read", message_id=record.message_id)
            raise
        try:
            result = evaluate_unit(
                unit,
                now=now,
                playbook=container.playbook,
                ports=container.ports,
                config=container.detector_config,
                alerting=alerting,
                drills=container.drills,
                seconds_left=seconds_left,
            )
        except Exception:
            logger.exception("brand evaluation failed", brand=unit.brand_key, unit_id=unit.unit_id)
            count_failure("BrandEvaluationFailed", "brand", real_brand(unit.brand_key))
            raise
        if result is not None:
            _count_evaluated(result)
        return unit.unit_id

    # One processor per invocation: it keeps the batch's successes and failures as its state.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event.to_dict(), record_handler=evaluate, processor=processor, context=event.context
    )
    try:
        _deliver(now)
    except Exception:  # the evaluations stand; the delivery job sends what is left within a minute
        logger.exception("alerts not delivered after evaluation")
    return {"batchItemFailures": list(response.get("batchItemFailures", []))}


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
