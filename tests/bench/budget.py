"""Budgets: what a benchmark suite promises (a throughput, a cold start, a cost), checked where it is
measured and reported together at the end of `make bench`.

The protocol: a suite's `run()` may return its budgets, as `Budget` objects or `(name, met, detail)`
tuples, one or a list of them; returning None (the older suites) reports none. `make bench` prints a
"Budgets" table after the suites and a `BUDGET MISSED` line for each missed one, and still exits 0: a
benchmark measures and reports, it is not a test (a figure on a shared machine is no verdict to fail a
build on).

    from tests.bench.budget import Budget

    def run() -> list[Budget]:
        ...
        return [Budget.at_most("ingest path vs bare BatchWriteItem", ratio, 2.0, unit="×")]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MISSED = "BUDGET MISSED"


@dataclass(frozen=True)
class Budget:
    name: str
    met: bool
    detail: str = ""

    @classmethod
    def at_most(cls, name: str, value: float, limit: float, *, unit: str = "") -> Budget:
        return cls(name, value <= limit, f"{_figure(value)}{unit} (budget ≤ {_figure(limit)}{unit})")

    @classmethod
    def at_least(cls, name: str, value: float, limit: float, *, unit: str = "") -> Budget:
        return cls(name, value >= limit, f"{_figure(value)}{unit} (budget ≥ {_figure(limit)}{unit})")


def _figure(value: float) -> str:
    """Three significant digits, whole numbers from 100 on: 0.0123, 2, 38.9, 969, 10,436."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def budgets_of(suite: str, result: object) -> list[tuple[str, Budget]]:
    """A suite's `run()` result as (suite, budget) pairs. Anything but None, a budget, a
    (name, met, detail) tuple or an iterable of those is reported as a missed budget of its own, so a
    suite that breaks the protocol is seen rather than silently dropped."""
    if result is None:
        return []
    items: Iterable[object] = [result] if isinstance(result, Budget | tuple) else result  # type: ignore[assignment]
    try:
        return [(suite, _budget(item)) for item in items]
    except (TypeError, ValueError):
        return [
            (suite, Budget("its run() result", False, f"{type(result).__name__} is not a list of budgets"))
        ]


def _budget(item: object) -> Budget:
    if isinstance(item, Budget):
        return item
    if isinstance(item, tuple) and len(item) == 3 and isinstance(item[1], bool):
        name, met, detail = item
        return Budget(str(name), met, str(detail))
    raise TypeError(f"not a budget: {item!r}")


def report(results: list[tuple[str, Budget]]) -> list[str]:
    """The "Budgets" table and one `BUDGET MISSED` line per missed budget (nothing without budgets)."""
    if not results:
        return []
    lines = ["Budgets", "", "| suite | budget | met | figure |", "|---|---|---|---|"]
    lines += [f"| {suite} | {b.name} | {'yes' if b.met else 'NO'} | {b.detail} |" for suite, b in results]
    missed = [f"{MISSED}: {suite}: {b.name}: {b.detail}" for suite, b in results if not b.met]
    met = len(results) - len(missed)
    return [*lines, "", *missed, f"{met} of {len(results)} budgets met"]
