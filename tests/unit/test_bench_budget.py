"""The benchmarks' budget protocol (tests/bench/budget.py) and `make bench`'s report of it."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest

from tests.bench import __main__ as bench
from tests.bench.budget import MISSED, Budget, budgets_of, report


def test_a_budget_is_met_within_its_limit_and_says_so() -> None:
    assert Budget.at_most("ratio", 2.0, 2.0, unit="×") == Budget("ratio", True, "2× (budget ≤ 2×)")
    assert not Budget.at_most("ratio", 38.9, 2.0, unit="×").met
    assert Budget.at_least("throughput", 969, 1000, unit="/s").detail == "969/s (budget ≥ 1,000/s)"
    assert not Budget.at_least("throughput", 969, 1000).met


def test_suites_return_nothing_a_budget_a_tuple_or_a_list_of_them() -> None:
    budget = Budget("cold start", True, "1.2 s")
    assert budgets_of("old", None) == []
    assert budgets_of("one", budget) == [("one", budget)]
    assert budgets_of("tuple", ("cost", False, "$6.10")) == [("tuple", Budget("cost", False, "$6.10"))]
    assert budgets_of("list", [budget, ("cost", True, "$4.10")]) == [
        ("list", budget),
        ("list", Budget("cost", True, "$4.10")),
    ]


def test_a_suite_that_breaks_the_protocol_shows_as_a_missed_budget() -> None:
    for result in (3.5, {"name": "x"}, [("name", "yes", "detail")]):
        [(suite, budget)] = budgets_of("odd", result)
        assert suite == "odd" and not budget.met


def test_the_report_tables_every_budget_and_flags_each_missed_one() -> None:
    lines = report(
        [("coldstart", Budget("p50", True, "0.9 s")), ("ingest_path", Budget("ratio", False, "38.9×"))]
    )
    assert lines[0] == "Budgets"
    assert "| ingest_path | ratio | NO | 38.9× |" in lines
    assert [line for line in lines if MISSED in line] == [f"{MISSED}: ingest_path: ratio: 38.9×"]
    assert lines[-1] == "1 of 2 budgets met"
    assert report([]) == []


def test_make_bench_prints_the_budgets_after_the_suites_and_exits_0_when_one_is_missed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an old suite that returns nothing and a new one that misses a budget
    old, new = ModuleType("tests.bench.old_suite"), ModuleType("tests.bench.new_suite")
    old.run = lambda: print("| old table |")  # type: ignore[attr-defined]
    new.run = lambda: [Budget.at_most("monthly cost", 6.1, 5.0, unit=" $")]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests.bench.old_suite", old)
    monkeypatch.setitem(sys.modules, "tests.bench.new_suite", new)
    # When make bench runs both
    status = bench.main(["old_suite", "new_suite"])
    # Then the tables come first, the budgets last, the miss is flagged, and the run still succeeds
    out = capsys.readouterr().out
    assert status == 0
    assert out.index("| old table |") < out.index("Budgets")
    assert f"{MISSED}: new_suite: monthly cost: 6.1 $ (budget ≤ 5 $)" in out
