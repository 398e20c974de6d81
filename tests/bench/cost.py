"""Cost model: `python -m tests.bench cost`.

The monthly AWS bill in eu-central-1 for two customer profiles, computed from

* the request counts and capacity units the scale bench measured per stored mention, per collect
  poll, per rules run per brand, per job run and per API call (tests/bench/scale.py, same run);
* the fixed inventory of the synthesized CDK template (functions and their memory, schedules, KMS
  keys, secrets, queues, alarms, log groups, dashboards) and the custom metrics our code emits;
* AWS list prices for eu-central-1 (PRICES, each with its page) and stated usage assumptions.

Every line item prints as quantity × unit price = dollars, so the arithmetic can be checked by hand.
The arithmetic itself (`bill`, `total`) is pure and unit-tested (tests/unit/test_cost_model.py).
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.budget import Budget

PROJECT = Path(__file__).resolve().parents[2]
SECONDS_A_MONTH = 30 * 24 * 3600
MINUTES_A_MONTH = 30 * 24 * 60
PRICES_AS_OF = "AWS list prices for Europe (Frankfurt), eu-central-1, as published in 2025 (read 2026-11)"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str


# eu-central-1 list prices. DynamoDB's on-demand request prices are the ones after the cut of
# 1 November 2024 (halved). Free tiers are listed apart (FREE_TIER) and applied only in the second total.
PRICES: dict[str, Price] = {
    "lambda_gb_s": Price(0.0000166667, "GB-s (x86_64)", "https://aws.amazon.com/lambda/pricing/"),
    "lambda_request": Price(0.20 / 1e6, "request", "https://aws.amazon.com/lambda/pricing/"),
    "ddb_wru": Price(
        0.7625 / 1e6, "write request unit", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    ),
    "ddb_rru": Price(0.1525 / 1e6, "read request unit", "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "ddb_storage": Price(0.306, "GB-month", "https://aws.amazon.com/dynamodb/pricing/on-demand/"),
    "ddb_pitr": Price(
        0.2448, "GB-month (continuous backup)", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    ),
    "sns_publish": Price(0.50 / 1e6, "publish", "https://aws.amazon.com/sns/pricing/"),
    "sns_email": Price(2.00 / 1e5, "email notification", "https://aws.amazon.com/sns/pricing/"),
    "sns_sqs": Price(0.0, "delivery to SQS", "https://aws.amazon.com/sns/pricing/"),
    "sms_de": Price(
        0.0900,
        "SMS part to Germany (approx.)",
        "https://aws.amazon.com/end-user-messaging/pricing/ (SNS SMS is delivered and billed through it; "
        "the per-country price changes often: Germany has been ~$0.07-0.10 a part)",
    ),
    "sqs_request": Price(0.40 / 1e6, "request (standard queue)", "https://aws.amazon.com/sqs/pricing/"),
    "apigw_rest": Price(
        3.70 / 1e6, "REST API call (first 333M)", "https://aws.amazon.com/api-gateway/pricing/"
    ),
    "cw_metric": Price(0.30, "custom metric-month (first 10k)", "https://aws.amazon.com/cloudwatch/pricing/"),
    "cw_alarm": Price(0.10, "standard alarm-month", "https://aws.amazon.com/cloudwatch/pricing/"),
    "cw_dashboard": Price(3.00, "dashboard-month", "https://aws.amazon.com/cloudwatch/pricing/"),
    "logs_ingest": Price(0.63, "GB ingested", "https://aws.amazon.com/cloudwatch/pricing/"),
    "logs_storage": Price(0.0324, "GB-month stored", "https://aws.amazon.com/cloudwatch/pricing/"),
    "kms_key": Price(1.00, "customer managed key-month", "https://aws.amazon.com/kms/pricing/"),
    "kms_request": Price(0.03 / 1e4, "request", "https://aws.amazon.com/kms/pricing/"),
    "secret": Price(0.40, "secret-month", "https://aws.amazon.com/secrets-manager/pricing/"),
    "secret_call": Price(0.05 / 1e4, "API call", "https://aws.amazon.com/secrets-manager/pricing/"),
    "xray_trace": Price(5.00 / 1e6, "trace recorded", "https://aws.amazon.com/xray/pricing/"),
    "events_schedule": Price(0.0, "scheduled rule event", "https://aws.amazon.com/eventbridge/pricing/"),
}

# AWS's always-free tiers per month (not the 12-month ones: API Gateway's is not counted).
FREE_TIER: dict[str, float] = {
    "lambda_gb_s": 400_000,
    "lambda_request": 1_000_000,
    "ddb_storage": 25,
    "sns_publish": 1_000_000,
    "sns_email": 1_000,
    "sqs_request": 1_000_000,
    "cw_metric": 10,
    "cw_alarm": 10,
    "cw_dashboard": 3,
    "logs_ingest": 5,
    "logs_storage": 5,
    "kms_request": 20_000,
    "xray_trace": 100_000,
}

# Usage that no bench can measure here, stated once.
DDB_MS_PER_REQUEST = 8.0  # in-region DynamoDB/SNS/SQS round trip inside Lambda, generous
LOG_BYTES_PER_INVOCATION = 1_500  # our JSON lines + the EMF metrics blob + START/END/REPORT
ACCESS_LOG_BYTES = 350  # one API Gateway access log line
KMS_REQUESTS_PER_KEY = 12 * 24 * 30  # data keys reused 5 minutes (SNS, SQS, DynamoDB, Secrets Manager)
SECRET_READS_PER_INVOCATION = 0.02  # Powertools caches secrets (5 min by default) per warm container
EMAIL_SUBSCRIBERS_PER_ALERT = 1.0  # every alert reaches the people on the team by email


@dataclass(frozen=True)
class Profile:
    name: str
    brands: int
    mentions_a_day: float
    team: int
    incidents_a_month: float
    sms_per_incident: float  # SMS parts to German numbers per incident (opening, escalations, updates)
    alerts_per_incident: float  # alert publishes per incident (each reaches email; SMS as above)
    api_calls_per_member_a_day: float
    sources_per_brand: int
    poll_seconds: int


MITTELSTAND = Profile(
    name="Mittelstand: 3 brands, 5,000 mentions a day, 5 team members, 2 incidents a month (SMS in DE)",
    brands=3,
    mentions_a_day=5_000,
    team=5,
    incidents_a_month=2,
    sms_per_incident=5 * 2,  # the 5 members at opening, and once more (escalation or update)
    alerts_per_incident=8,
    api_calls_per_member_a_day=400,  # the desk open on working days: a refresh every ~30 s for 3-4 h
    sources_per_brand=4,
    poll_seconds=300,
)
AGENCY = Profile(
    name="Agency: 200 brands, 500,000 mentions a day",
    brands=200,
    mentions_a_day=500_000,
    team=20,
    incidents_a_month=40,
    sms_per_incident=10,
    alerts_per_incident=8,
    api_calls_per_member_a_day=800,
    sources_per_brand=4,
    poll_seconds=300,
)


@dataclass(frozen=True)
class Unit:
    """What one unit of work asks of AWS (from the scale bench)."""

    wru: float = 0.0
    rru: float = 0.0
    sns: float = 0.0  # SNS publishes
    sqs: float = 0.0  # SQS requests
    secrets: float = 0.0  # Secrets Manager calls
    requests: float = 0.0  # all AWS requests (for the Lambda time estimate)
    cpu_ms: float = 0.0

    @classmethod
    def of(cls, figures: dict[str, Any]) -> Unit:
        ops: dict[str, float] = figures.get("requests", {})
        return cls(
            wru=figures.get("wru", 0.0),
            rru=figures.get("rru", 0.0),
            sns=sum(n for op, n in ops.items() if op == "sns:Publish"),
            sqs=sum(n for op, n in ops.items() if op.startswith("sqs:")),
            secrets=sum(n for op, n in ops.items() if op.startswith("secretsmanager:")),
            requests=figures.get("total", 0.0),
            cpu_ms=figures.get("cpu_ms", 0.0),
        )

    def times(self, factor: float) -> Unit:
        return Unit(*(getattr(self, name) * factor for name in self.__dataclass_fields__))

    def plus(self, other: Unit) -> Unit:
        return Unit(*(getattr(self, n) + getattr(other, n) for n in self.__dataclass_fields__))

    def __add__(self, other: Unit) -> Unit:
        return self.plus(other)

    @property
    def lambda_ms(self) -> float:
        """Billed Lambda time for this work: our CPU plus the AWS round trips."""
        return self.cpu_ms + self.requests * DDB_MS_PER_REQUEST


@dataclass(frozen=True)
class Measured:
    """The scale bench's figures the model needs."""

    mention: Unit  # one stored mention (store_all), enrichment CPU included
    mention_bytes: float  # one mention item as DynamoDB sizes it
    poll: Unit  # one collect poll (fetch + cursor), without the mentions it stores
    fan_out_due: Unit  # the collect schedule, per due source
    fan_out_check: Unit  # the collect schedule, per source checked and not due
    rules_new_bucket: Unit  # one brand, warm, a new completed bucket
    rules_same_bucket: Unit  # one brand, warm, within the same bucket
    rules_overhead: Unit  # the rules job per run, beyond its brands
    deliver_idle: Unit  # the delivery job per run, nothing pending
    escalate_idle: Unit  # the escalation job per run, nothing due
    incident: Unit  # one incident's opening, deliveries and one escalation
    api_call: Unit  # one API call (mean of the list routes)
    api_ms: float  # p50 of an API call, used as its Lambda duration (moto's latency included)


@dataclass(frozen=True)
class Inventory:
    """What the synthesized template holds (and the custom metrics the code emits)."""

    functions: dict[str, int]  # logical id -> memory MB
    schedules: dict[str, str]  # logical id -> schedule expression
    kms_keys: int
    secrets: int
    queues: int
    alarms: int
    log_groups: int
    dashboards: int
    routine_metrics: int  # metric names with a value in every hour (dimension: service)
    api_memory_mb: int = 512
    untraced: frozenset[str] = frozenset()  # logical ids of functions with Tracing PassThrough
    rules_worker: bool = False  # the rules schedule queues its brands for an evaluate_brand worker
    sqs_event_sources: int = 0  # queues a function consumes (Lambda long-polls each)
    rules_memory_mb: int = 512
    collect_memory_mb: int = 512


@dataclass(frozen=True)
class LineItem:
    service: str
    what: str
    quantity: float
    price_key: str
    unit_price: float

    @property
    def usd(self) -> float:
        return self.quantity * self.unit_price


@dataclass
class Bill:
    profile: Profile
    items: list[LineItem] = field(default_factory=list)

    def add(self, service: str, what: str, quantity: float, price_key: str) -> None:
        self.items.append(LineItem(service, what, quantity, price_key, PRICES[price_key].usd))

    @property
    def total(self) -> float:
        return sum(item.usd for item in self.items)

    def total_after_free_tier(self) -> float:
        """The same bill if this is the account's only workload (always-free tiers, per price key)."""
        by_key: dict[str, float] = {}
        for item in self.items:
            by_key[item.price_key] = by_key.get(item.price_key, 0.0) + item.quantity
        return sum(
            max(0.0, quantity - FREE_TIER.get(key, 0.0)) * PRICES[key].usd for key, quantity in by_key.items()
        )

    @property
    def per_brand(self) -> float:
        return self.total / self.profile.brands


def _gb_s(invocations: float, ms_each: float, memory_mb: int) -> float:
    return invocations * math.ceil(ms_each) / 1000 * memory_mb / 1024


def sampled_traces(requests_a_month: float) -> float:
    """Traces X-Ray's default rule records for a steady stream: 1 a second, then 5 % of the rest."""
    rate = requests_a_month / SECONDS_A_MONTH
    return (min(rate, 1.0) + 0.05 * max(0.0, rate - 1.0)) * SECONDS_A_MONTH


def fans_out(measured: Measured, inventory: Inventory | None = None) -> bool:
    """Whether the rules job sends each brand to a worker (SQS) instead of evaluating it itself: the
    template has the worker, or the bench saw the schedule send."""
    return bool(inventory and inventory.rules_worker) or measured.rules_overhead.sqs > 0


def worker_invocations(brands: int, minutes: float) -> float:
    """The rules worker takes up to ten units an invocation (batch size 10), and a minute's units
    arrive together (one SendMessageBatch per ten): ceil(brands / 10) invocations a minute. Lambda's
    pollers may split a minute's units further; this is the figure when they do not."""
    return math.ceil(brands / 10) * minutes


def collect_invocations(polls: float, minutes: float) -> float:
    """The collect worker takes up to ten due sources an invocation (jobs/schedules.py COLLECT_BATCH),
    and the schedule sends each minute's due sources together; fewer than one a minute, each is alone."""
    per_minute = polls / minutes
    return polls if per_minute <= 1 else math.ceil(per_minute / 10) * minutes


# Lambda's SQS event source long-polls each queue it consumes with five pollers, 20 s a request, when
# the queue is empty (AWS Lambda developer guide, "Using Lambda with Amazon SQS").
SQS_POLLS_A_MONTH_PER_QUEUE = 5 * 3 * 60 * 24 * 30
# Labels of the Lambda lines below -> the function's logical id prefix (to know which are traced).
FUNCTION_OF = {
    "collect schedule (1/min)": "CollectMentions",
    "collect worker (per batch of up to 10 polls)": "CollectSource",
    "rules job (1/min)": "EvaluateRules",
    "rules schedule (1/min, queues the brands)": "EvaluateRules",
    "rules worker (per batch of up to 10 brands)": "EvaluateBrand",
    "delivery job (1/min)": "DeliverAlerts",
    "escalation job (1/min)": "EscalateIncidents",
    "retention job (1/h)": "ApplyRetention",
    "API": "APIHandler",
}


def _rules_functions(
    measured: Measured, rules: Unit, memory_mb: int, inventory: Inventory, worker_runs: float
) -> dict[str, tuple[float, float, int]]:
    """Invocations and time of the rules: one run a minute for every brand, or (fan-out) a short
    schedule run that queues the brands plus the worker's runs, each taking up to ten brands."""
    minutes = MINUTES_A_MONTH
    if not fans_out(measured, inventory):
        return {
            "rules job (1/min)": (
                minutes,
                measured.rules_overhead.plus(rules.times(1 / minutes)).lambda_ms,
                memory_mb,
            )
        }
    return {
        "rules schedule (1/min, queues the brands)": (minutes, measured.rules_overhead.lambda_ms, memory_mb),
        "rules worker (per batch of up to 10 brands)": (
            worker_runs,
            rules.times(1 / worker_runs).lambda_ms,
            memory_mb,
        ),
    }


def bill(profile: Profile, measured: Measured, inventory: Inventory) -> Bill:
    """The month's line items. Pure: the same inputs give the same bill."""
    b = Bill(profile)
    minutes = MINUTES_A_MONTH
    mentions = profile.mentions_a_day * 30
    sources = profile.brands * profile.sources_per_brand
    polls = sources * SECONDS_A_MONTH / profile.poll_seconds
    checks = sources * minutes - polls  # the collect schedule looks at every source every minute
    brand_runs = profile.brands * minutes
    collect_runs = collect_invocations(polls, minutes)
    worker_runs = worker_invocations(profile.brands, minutes)
    rules = measured.rules_new_bucket.times(brand_runs / 5).plus(
        measured.rules_same_bucket.times(brand_runs * 4 / 5)
    )
    api_calls = profile.team * profile.api_calls_per_member_a_day * 30
    incidents = profile.incidents_a_month

    # What each kind of work asks of AWS in a month.
    work = {
        "ingest (store_all)": measured.mention.times(mentions),
        "collect polls": measured.poll.times(polls),
        "collect schedule": measured.fan_out_due.times(polls).plus(measured.fan_out_check.times(checks)),
        "rules, per brand": rules,
        "rules job": measured.rules_overhead.times(minutes),
        "delivery job": measured.deliver_idle.times(minutes),
        "escalation job": measured.escalate_idle.times(minutes),
        "incidents": measured.incident.times(incidents),
        "API": measured.api_call.times(api_calls),
    }
    for name, unit in work.items():
        b.add("DynamoDB", f"writes: {name}", unit.wru, "ddb_wru")
        b.add("DynamoDB", f"reads: {name}", unit.rru, "ddb_rru")

    # Storage: mentions kept 90 days, the item and its by_brand copy (projection ALL) plus the keys-only
    # by_author_keys entry (about 150 bytes of keys), and 100 bytes of DynamoDB's overhead per index entry.
    mention_gb = mentions / 30 * 90 * (measured.mention_bytes * 2 + 150 + 200) / 1e9
    bucket_gb = profile.brands * 288 * 400 * 250 / 1e9  # 5-minute buckets kept 400 days
    b.add(
        "DynamoDB",
        "storage: mentions (90 days, by_brand whole, by_author_keys keys only) + buckets (400 days)",
        mention_gb + bucket_gb,
        "ddb_storage",
    )
    # Continuous backups on every table but the mentions (infra/data.py WITHOUT_PITR).
    b.add("DynamoDB", "point-in-time recovery: buckets (the mentions have none)", bucket_gb, "ddb_pitr")

    # Lambda: invocations and GB-seconds per function.
    invocations = {
        "collect schedule (1/min)": (
            minutes,
            measured.fan_out_due.times(polls / minutes)
            .plus(measured.fan_out_check.times(checks / minutes))
            .lambda_ms,
            inventory.collect_memory_mb,
        ),
        "collect worker (per batch of up to 10 polls)": (
            collect_runs,
            measured.poll.plus(measured.mention.times(mentions / polls))
            .times(polls / collect_runs)
            .lambda_ms,
            inventory.collect_memory_mb,
        ),
        **_rules_functions(measured, rules, inventory.rules_memory_mb, inventory, worker_runs),
        "delivery job (1/min)": (minutes, measured.deliver_idle.lambda_ms, 512),
        "escalation job (1/min)": (minutes, measured.escalate_idle.lambda_ms, 512),
        "retention job (1/h)": (24 * 30, 200.0, 512),
        "API": (api_calls, measured.api_ms, inventory.api_memory_mb),
    }
    total_invocations = 0.0
    for name, (count, ms_each, memory) in invocations.items():
        b.add("Lambda", f"requests: {name}", count, "lambda_request")
        b.add(
            "Lambda",
            f"GB-s: {name}, {count:,.0f} × {math.ceil(ms_each):,} ms × {memory} MB",
            _gb_s(count, ms_each, memory),
            "lambda_gb_s",
        )
        total_invocations += count

    # Messaging.
    total = sum(work.values(), Unit())
    b.add(
        "SQS",
        "requests: units sent (measured); a receive and a delete per worker batch",
        # Lambda receives and deletes a batch with one request each.
        total.sqs + collect_runs * 2 + (worker_runs * 2 if fans_out(measured, inventory) else 0),
        "sqs_request",
    )
    b.add(
        "SQS",
        f"long polls of the {inventory.sqs_event_sources} consumed queues (5 pollers, 20 s each)",
        inventory.sqs_event_sources * SQS_POLLS_A_MONTH_PER_QUEUE,
        "sqs_request",
    )
    b.add("SNS", "publishes (alerts)", total.sns, "sns_publish")
    b.add(
        "SNS",
        "email notifications",
        incidents * profile.alerts_per_incident * EMAIL_SUBSCRIBERS_PER_ALERT * profile.team,
        "sns_email",
    )
    b.add("SNS", "SMS to Germany", incidents * profile.sms_per_incident, "sms_de")

    # API Gateway, observability, keys and secrets.
    b.add("API Gateway", "REST API calls", api_calls, "apigw_rest")
    log_gb = (total_invocations * LOG_BYTES_PER_INVOCATION + api_calls * ACCESS_LOG_BYTES) / 1e9
    b.add("CloudWatch", "logs ingested", log_gb, "logs_ingest")
    b.add("CloudWatch", "logs stored (a month's worth kept)", log_gb, "logs_storage")
    b.add(
        "CloudWatch",
        "custom metrics with a value every hour (zeros are not sent)",
        inventory.routine_metrics,
        "cw_metric",
    )
    b.add("CloudWatch", "alarms", inventory.alarms, "cw_alarm")
    b.add("CloudWatch", "dashboards", inventory.dashboards, "cw_dashboard")
    # X-Ray's default sampling rule: the first request each second, then 5 % of the rest (per function);
    # the every-minute schedules run untraced (infra/service.py UNTRACED).
    # An API request is one trace: the API stage samples it and the handler's segment joins that trace.
    traced = {
        name: count
        for name, (count, _, _) in invocations.items()
        if name != "API" and not any(key.startswith(FUNCTION_OF.get(name, "?")) for key in inventory.untraced)
    }
    traces = sum(sampled_traces(count) for count in traced.values()) + sampled_traces(api_calls)
    b.add(
        "X-Ray",
        f"traces recorded (default sampling: 1/s + 5 %; {len(traced)} traced jobs and workers, the API's requests)",
        traces,
        "xray_trace",
    )
    b.add("KMS", "customer managed keys", inventory.kms_keys, "kms_key")
    b.add(
        "KMS",
        "requests (data keys reused for 5 min)",
        inventory.kms_keys * KMS_REQUESTS_PER_KEY,
        "kms_request",
    )
    b.add("Secrets Manager", "secrets", inventory.secrets, "secret")
    b.add(
        "Secrets Manager",
        "GetSecretValue calls",
        total.secrets + total_invocations * SECRET_READS_PER_INVOCATION,
        "secret_call",
    )
    b.add("EventBridge", "scheduled rule events", len(inventory.schedules) * minutes, "events_schedule")
    return b


# --- inputs from the scale bench and the template -----------------------------------------------------


def measured_from(results: dict[str, Any]) -> Measured:
    """The scale bench's results (tests/bench/scale.py `measure()`) as the model's inputs."""
    rules = results["rules"][0]
    jobs = results["jobs"]
    per_brand_same = Unit.of(rules["same_bucket"])
    rules_job = Unit.of(jobs["evaluate_rules"])
    brands = jobs["evaluate_rules"]["brands"]
    # A job that queues its brands (fan-out) does no brand's work itself; one that evaluates them does.
    overhead = rules_job if rules_job.sqs > 0 else rules_job.plus(per_brand_same.times(-brands))
    overhead = Unit(*(max(0.0, getattr(overhead, n)) for n in overhead.__dataclass_fields__))
    poll = Unit.of(results["poll_idle"])
    page = results["poll_page"]
    enrich_cpu = max(0.0, page.get("cpu_ms", 0.0) - poll.cpu_ms) / page["fetched"]
    mention = Unit.of(results["ingest"]["store_all"])
    mention = Unit(
        mention.wru, mention.rru, mention.sns, mention.sqs, mention.secrets, mention.requests, enrich_cpu
    )
    incident = (
        Unit.of(results["storm_deliver"])
        .plus(Unit.of(results["escalate_due"]))
        .plus(Unit.of(results["escalate_due_deliver"]))
    )
    api = results["api"]
    routes = [name for name in api if isinstance(api[name], dict) and name != "/health"]
    api_unit = Unit()
    for name in routes:
        api_unit = api_unit.plus(Unit.of(api[name]))
    api_unit = api_unit.times(1 / len(routes))
    return Measured(
        mention=mention,
        mention_bytes=results["ingest"]["item_bytes"],
        poll=poll,
        fan_out_due=Unit.of(results["fan_out_due"]),
        fan_out_check=Unit.of(results["fan_out_waiting"]),
        rules_new_bucket=Unit.of(rules["new_bucket"]),
        rules_same_bucket=per_brand_same,
        rules_overhead=overhead,
        deliver_idle=Unit.of(jobs["deliver_alerts"]),
        escalate_idle=Unit.of(jobs["escalate_incidents"]),
        incident=incident,
        api_call=api_unit,
        api_ms=sum(api[name]["p50"] for name in routes) / len(routes),
    )


# The metrics with a value in a quiet hour. The jobs send no zeros (observability.SparseMetrics), so a
# count of incidents, escalations, deliveries or failures is a custom metric only in the hours it happens
# (CloudWatch bills metric-hours: at most a few cents a month each for a few incidents); mentions are
# collected every hour.
ROUTINE_METRICS = ("MentionsCollected",)


def routine_metrics() -> int:
    """The routine metrics the scheduled jobs emit (one custom metric each: dimension service)."""
    source = (PROJECT / "chalicelib" / "jobs" / "schedules.py").read_text(encoding="utf-8")
    emitted = set(re.findall(r'add_metric\(name="([A-Za-z]+)"', source))
    return len(emitted & set(ROUTINE_METRICS))


def inventory_from_template(resources: dict[str, Any]) -> Inventory:
    def of_type(kind: str) -> dict[str, Any]:
        return {key: value for key, value in resources.items() if value["Type"] == kind}

    functions = {
        key: int(value["Properties"].get("MemorySize", 128))
        for key, value in {**of_type("AWS::Serverless::Function"), **of_type("AWS::Lambda::Function")}.items()
    }
    schedules: dict[str, str] = {}
    for key, value in of_type("AWS::Serverless::Function").items():
        for event in value["Properties"].get("Events", {}).values():
            if event.get("Type") == "Schedule":
                schedules[key] = str(event["Properties"]["Schedule"])
    for key, value in of_type("AWS::Events::Rule").items():
        if "ScheduleExpression" in value["Properties"]:
            schedules[key] = str(value["Properties"]["ScheduleExpression"])
    api = next((mem for key, mem in functions.items() if key.startswith("APIHandler")), 512)
    rules = next((mem for key, mem in functions.items() if key.startswith("EvaluateRules")), 512)
    collect = next((mem for key, mem in functions.items() if key.startswith("CollectSource")), 512)
    return Inventory(
        functions=functions,
        schedules=schedules,
        kms_keys=len(of_type("AWS::KMS::Key")),
        secrets=len(of_type("AWS::SecretsManager::Secret")),
        queues=len(of_type("AWS::SQS::Queue")),
        alarms=len(of_type("AWS::CloudWatch::Alarm")),
        log_groups=len(of_type("AWS::Logs::LogGroup")),
        dashboards=len(of_type("AWS::CloudWatch::Dashboard")),
        routine_metrics=routine_metrics(),
        untraced=frozenset(
            key
            for key, value in of_type("AWS::Serverless::Function").items()
            if value["Properties"].get("Tracing") == "PassThrough"
        ),
        rules_worker=any(key.startswith("EvaluateBrand") for key in functions),
        sqs_event_sources=sum(
            1
            for value in of_type("AWS::Serverless::Function").values()
            for event in value["Properties"].get("Events", {}).values()
            if event.get("Type") == "SQS"
        ),
        api_memory_mb=api,
        rules_memory_mb=rules,
        collect_memory_mb=collect,
    )


def synthesized_inventory() -> Inventory:
    """Synthesize the CDK app offline in-process, as tests/infra/test_synth.py does (~20 s)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.stack import build_app

    with tempfile.TemporaryDirectory(prefix="krisenradar-cost-") as outdir:
        app = build_app(outdir=outdir, build_dir=Path(outdir) / ".chalice-build")
        assembly = app.synth()
        stack = assembly.stacks[0]
        return inventory_from_template(stack.template["Resources"])


# --- the listening tools, for comparison ---------------------------------------------------------------

# Per-seat or per-account list prices, USD a month; approximate, as of 2025 (what the vendors publish or,
# where they publish nothing, what buyers' price reports state).
LISTENING_TOOLS = (
    (
        "Sprout Social (Advanced, per seat; listening is an add-on from ~$999/month)",
        399.0,
        True,
        "https://sproutsocial.com/pricing/ (list price, per seat a month)",
    ),
    (
        "Brandwatch Consumer Research (no public price; reported from ~$1,000/month)",
        1_000.0,
        False,
        "quote only; buyers' reports (e.g. Vendr, G2) put entry packages around $12,000 a year",
    ),
    (
        "Meltwater (no public price; reported ~$15,000-20,000 a year)",
        1_250.0,
        False,
        "quote only; buyers' reports (e.g. Vendr) put typical contracts at $15,000-20,000 a year",
    ),
    (
        "Talkwalker by Hootsuite (no public price; reported from ~$9,600 a year)",
        800.0,
        False,
        "quote only; buyers' reports put entry plans around $800 a month",
    ),
)


def listening_costs(team: int) -> list[tuple[str, float, str]]:
    """(tool, monthly cost for the team, source): per-seat prices × team, account prices as they are."""
    return [
        (name, price * team if per_seat else price, source)
        for name, price, per_seat, source in LISTENING_TOOLS
    ]


# --- printing -----------------------------------------------------------------------------------------


def _money(usd: float) -> str:
    return f"${usd:,.2f}" if usd >= 0.01 or usd == 0 else f"${usd:,.4f}"


def print_bill(b: Bill) -> None:
    print(f"### {b.profile.name}\n")
    print("| service | line item | quantity × unit price | = $ |")
    print("|---|---|---|---:|")
    for item in b.items:
        price = PRICES[item.price_key]
        print(
            f"| {item.service} | {item.what} | {item.quantity:,.2f} × ${item.unit_price:.10g} / {price.unit} "
            f"| {_money(item.usd)} |"
        )
    print(f"| **total** | | | **{_money(b.total)}** |")
    by_service: dict[str, float] = {}
    for item in b.items:
        by_service[item.service] = by_service.get(item.service, 0.0) + item.usd
    print("\nBy service: " + ", ".join(f"{name} {_money(usd)}" for name, usd in by_service.items()) + ".")
    print(
        f"\nAfter AWS's always-free tiers (if this is the account's only workload): {_money(b.total_after_free_tier())}."
    )


def run(results: dict[str, Any] | None = None, inventory: Inventory | None = None) -> list[Budget]:
    from tests.bench import scale

    measured = measured_from(results or scale.latest())
    inventory = inventory or synthesized_inventory()
    print("## Cost model: the monthly AWS bill in eu-central-1\n")
    print(
        f"Inventory from the synthesized template: {len(inventory.functions)} functions "
        f"({', '.join(f'{k.split(chr(47))[0][:24]} {v} MB' for k, v in sorted(inventory.functions.items()))}), "
        f"{len(inventory.schedules)} schedules, {inventory.kms_keys} KMS keys, {inventory.secrets} secrets, "
        f"{inventory.queues} SQS queues, {inventory.alarms} alarms, {inventory.log_groups} log groups, "
        f"{inventory.dashboards} dashboards; {inventory.routine_metrics} custom metrics with a value every hour.\n"
    )
    mittelstand, agency = bill(MITTELSTAND, measured, inventory), bill(AGENCY, measured, inventory)
    print_bill(mittelstand)
    print()
    print_bill(agency)
    print(
        f"\nAgency per brand: {_money(agency.total)} / {AGENCY.brands} = {_money(agency.per_brand)} a brand a month.\n"
    )
    print(
        f"Mittelstand under $5 a month: {'target met' if mittelstand.total < 5 else 'TARGET MISSED'} "
        f"({_money(mittelstand.total)}; {_money(mittelstand.total_after_free_tier())} after free tiers)."
    )
    print(
        f"Agency under $1 a brand a month: {'target met' if agency.per_brand < 1 else 'TARGET MISSED'} "
        f"({_money(agency.per_brand)})."
    )
    budgets = [
        Budget.at_most("Mittelstand, a month at list prices", mittelstand.total, 5.0, unit=" $"),
        Budget.at_most(
            "Mittelstand, a month after the always-free tiers",
            mittelstand.total_after_free_tier(),
            5.0,
            unit=" $",
        ),
        Budget.at_most("agency, per brand and month", agency.per_brand, 1.0, unit=" $"),
    ]
    print(f"\nPrices: {PRICES_AS_OF}; each line's page:")
    for key, price in PRICES.items():
        print(f"- {key}: ${price.usd:.10g} per {price.unit} — {price.source}")
    print(
        f"\nAssumptions: Lambda time per run = measured CPU + {DDB_MS_PER_REQUEST:g} ms per AWS request; "
        f"{LOG_BYTES_PER_INVOCATION:,} log bytes per invocation; each brand has {MITTELSTAND.sources_per_brand} "
        f"sources polled every {MITTELSTAND.poll_seconds // 60} minutes; the rules run every minute for every "
        "brand (1 run in 5 sees a new bucket); API calls: "
        f"{MITTELSTAND.api_calls_per_member_a_day:g} per member a day (Mittelstand), "
        f"{AGENCY.api_calls_per_member_a_day:g} for {AGENCY.team} agency members; "
        f"SMS: {MITTELSTAND.sms_per_incident:g} per incident (Mittelstand).\n"
    )
    print(f"### Listening tools for a team of {MITTELSTAND.team} (list prices, approximate, as of 2025)\n")
    print("| tool | a month | × Krisenradar (Mittelstand) | source |")
    print("|---|---:|---:|---|")
    for name, monthly, source in listening_costs(MITTELSTAND.team):
        print(f"| {name} | {_money(monthly)} | {monthly / mittelstand.total:,.0f}× | {source} |")
    return budgets


if __name__ == "__main__":
    import json
    import sys

    # `python -m tests.bench.cost FILE`: price the figures a scale run saved (tests/bench/scale.py SAVED).
    run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")) if len(sys.argv) > 1 else None)
