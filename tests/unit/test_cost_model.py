"""The cost model's arithmetic (tests/bench/cost.py) on a small fixed input, without moto or a synth."""

from __future__ import annotations

import math

import pytest

from tests.bench.cost import (
    MINUTES_A_MONTH,
    PRICES,
    Inventory,
    Measured,
    Profile,
    Unit,
    bill,
    inventory_from_template,
    listening_costs,
)

PROFILE = Profile(
    name="two brands",
    brands=2,
    mentions_a_day=1_000,
    team=3,
    incidents_a_month=1,
    sms_per_incident=4,
    alerts_per_incident=2,
    api_calls_per_member_a_day=10,
    sources_per_brand=1,
    poll_seconds=300,
)
ONE_WRITE = Unit(wru=1.0, requests=1.0)
MEASURED = Measured(
    mention=Unit(wru=2.0, requests=0.1, cpu_ms=1.0),
    mention_bytes=500.0,
    poll=Unit(wru=1.0, rru=0.5, requests=2.0, cpu_ms=2.0),
    fan_out_due=Unit(wru=1.0, rru=1.5, sqs=0.1, requests=3.1),
    fan_out_check=Unit(rru=1.5, requests=3.0),
    rules_new_bucket=Unit(wru=2.0, rru=1.0, requests=3.0, cpu_ms=5.0),
    rules_same_bucket=Unit(wru=1.0, rru=1.0, requests=3.0, cpu_ms=4.0),
    rules_overhead=Unit(rru=1.0, requests=2.0),
    deliver_idle=Unit(rru=0.5, requests=1.0),
    escalate_idle=Unit(rru=0.5, requests=1.0),
    incident=Unit(wru=20.0, rru=10.0, sns=3.0, requests=40.0),
    api_call=Unit(rru=1.5, requests=2.0),
    api_ms=30.0,
)
INVENTORY = Inventory(
    functions={"APIHandler": 512, "EvaluateRules": 512},
    schedules={"EvaluateRules": "rate(1 minute)"},
    kms_keys=2,
    secrets=3,
    queues=4,
    alarms=5,
    log_groups=6,
    dashboards=1,
    routine_metrics=7,
)


def test_line_items_add_up_to_the_total_and_each_is_quantity_times_price() -> None:
    # Given a small fixed input
    # When the month is billed
    result = bill(PROFILE, MEASURED, INVENTORY)
    # Then every line is quantity × its price, and the lines sum to the total
    for item in result.items:
        assert item.unit_price == PRICES[item.price_key].usd
        assert item.usd == pytest.approx(item.quantity * item.unit_price)
    assert result.total == pytest.approx(sum(item.usd for item in result.items))
    assert result.per_brand == pytest.approx(result.total / 2)


def test_quantities_follow_the_profile_and_the_measured_units() -> None:
    result = bill(PROFILE, MEASURED, INVENTORY)
    by_what = {item.what: item for item in result.items}
    # 1,000 mentions a day × 30 days × 2 WRU a mention
    assert by_what["writes: ingest (store_all)"].quantity == pytest.approx(60_000)
    # 2 brands × every minute of the month: 1 run in 5 at 2 WRU, 4 in 5 at 1 WRU
    assert by_what["writes: rules, per brand"].quantity == pytest.approx(
        2 * MINUTES_A_MONTH * (2 / 5 + 4 / 5)
    )
    # 3 members × 10 calls × 30 days
    assert by_what["REST API calls"].quantity == 900
    assert by_what["SMS to Germany"].quantity == 4
    assert by_what["alarms"].usd == pytest.approx(5 * 0.10)
    assert by_what["customer managed keys"].usd == pytest.approx(2 * 1.00)
    assert by_what["secrets"].usd == pytest.approx(3 * 0.40)


def test_lambda_seconds_round_each_invocation_up_to_a_millisecond() -> None:
    result = bill(PROFILE, MEASURED, INVENTORY)
    api = next(item for item in result.items if item.what.startswith("GB-s: API"))
    # 900 calls × 30 ms × 0.5 GB
    assert api.quantity == pytest.approx(900 * 0.030 * 0.5)
    rules = next(item for item in result.items if item.what.startswith("GB-s: rules job"))
    per_run_ms = 2 * 8.0 + 2 * ((5.0 + 3 * 8.0) / 5 + 4 * (4.0 + 3 * 8.0) / 5)
    assert rules.quantity == pytest.approx(MINUTES_A_MONTH * math.ceil(per_run_ms) / 1000 * 0.5)


def test_free_tier_only_lowers_the_total() -> None:
    result = bill(PROFILE, MEASURED, INVENTORY)
    assert 0 <= result.total_after_free_tier() < result.total


def test_inventory_counts_the_template_resources() -> None:
    resources = {
        "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"MemorySize": 1024}},
        "EvaluateRules": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "MemorySize": 512,
                "Events": {"Every": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}},
            },
        },
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Alarm1": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
        "Alarm2": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
    }
    inventory = inventory_from_template(resources)
    assert inventory.functions == {"APIHandler": 1024, "EvaluateRules": 512}
    assert inventory.api_memory_mb == 1024
    assert inventory.schedules == {"EvaluateRules": "rate(1 minute)"}
    assert (inventory.kms_keys, inventory.alarms, inventory.queues, inventory.secrets) == (1, 2, 1, 0)
    assert inventory.routine_metrics > 0


def test_listening_tools_per_seat_prices_scale_with_the_team() -> None:
    costs = {name: monthly for name, monthly, _ in listening_costs(5)}
    sprout = next(monthly for name, monthly in costs.items() if name.startswith("Sprout"))
    assert sprout == pytest.approx(5 * 399.0)
    assert all(monthly > 0 for monthly in costs.values())


def test_traces_follow_the_default_sampling_rule() -> None:
    from tests.bench.cost import SECONDS_A_MONTH, sampled_traces

    # a job once a minute: every run traced
    assert sampled_traces(43_200) == pytest.approx(43_200)
    # 3 requests a second: 1 a second plus 5 % of the other 2
    assert sampled_traces(3 * SECONDS_A_MONTH) == pytest.approx(1.1 * SECONDS_A_MONTH)


def test_a_rules_job_that_queues_its_brands_is_billed_a_worker_invocation_per_batch_of_ten() -> None:
    from dataclasses import replace

    # Given a rules job that sends the brands to SQS (fan-out) instead of evaluating them
    fanned = replace(MEASURED, rules_overhead=Unit(rru=1.0, sqs=0.2, requests=2.2))
    # When the month is billed
    items = {item.what: item for item in bill(PROFILE, fanned, INVENTORY).items}
    # Then a worker runs once a minute for up to ten brands, and receives and deletes their units
    assert items["requests: rules worker (per batch of up to 10 brands)"].quantity == MINUTES_A_MONTH
    assert items["requests: rules schedule (1/min, queues the brands)"].quantity == MINUTES_A_MONTH
    sqs = next(item for item in items.values() if item.service == "SQS")
    polls = 2 * 30 * 24 * 3600 / 300
    # (fewer than one poll a minute: a collect invocation each; the rules worker: one batch a minute)
    assert sqs.quantity == pytest.approx(
        0.2 * MINUTES_A_MONTH + polls * 0.1 + polls * 2 + 2 * MINUTES_A_MONTH
    )


def test_untraced_schedules_record_no_traces_and_consumed_queues_are_long_polled() -> None:
    from dataclasses import replace

    # Given the every-minute schedules untraced and two queues consumed by functions
    quiet = replace(
        INVENTORY,
        untraced=frozenset({"CollectMentions1", "EvaluateRules1", "DeliverAlerts1", "EscalateIncidents1"}),
        sqs_event_sources=2,
    )
    # When the month is billed with and without tracing them
    traced = {item.price_key: item for item in bill(PROFILE, MEASURED, INVENTORY).items}
    items = {item.what: item for item in bill(PROFILE, MEASURED, quiet).items}
    untraced = next(item for item in items.values() if item.price_key == "xray_trace")
    # Then the four schedules' 43,200 runs a month each are no longer traces
    assert traced["xray_trace"].quantity - untraced.quantity == pytest.approx(4 * MINUTES_A_MONTH)
    # And each consumed queue costs 5 pollers x 3 long polls a minute
    polls = items["long polls of the 2 consumed queues (5 pollers, 20 s each)"]
    assert polls.quantity == 2 * 5 * 3 * MINUTES_A_MONTH
