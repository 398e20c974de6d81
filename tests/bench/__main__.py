"""`make bench`: every benchmark table, each with its anchors beside our figure, then the budgets the
suites report (tests/bench/budget.py): a "Budgets" table and a `BUDGET MISSED` line for each missed
one. The exit status stays 0 when a budget is missed: a benchmark reports, it does not judge a build."""

from __future__ import annotations

import importlib
import sys

from tests.bench.budget import Budget, budgets_of, report

SUITES = [
    "tests.bench.nab",
    "tests.bench.sentiment",
    "tests.bench.sentiment_loco",
    "tests.bench.coldstart",
    "tests.bench.store",
    "tests.bench.ingest_path",
    "tests.bench.review",
    "tests.bench.fan_out",
    "tests.bench.scale",
    "tests.bench.cost",  # after scale: it prices the figures scale measured in the same run
]


def main(argv: list[str] | None = None) -> int:
    wanted = (sys.argv[1:] if argv is None else argv) or SUITES
    results: list[tuple[str, Budget]] = []
    for name in wanted:
        module_name = name if name.startswith("tests.") else f"tests.bench.{name}"
        module = importlib.import_module(module_name)
        results += budgets_of(module_name.removeprefix("tests.bench."), module.run())
        print()
    for line in report(results):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
