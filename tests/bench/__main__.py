"""`make bench`: every benchmark table, each with its anchors beside our figure."""

from __future__ import annotations

import importlib
import sys

SUITES = [
    "tests.bench.nab",
    "tests.bench.sentiment",
    "tests.bench.sentiment_loco",
    "tests.bench.coldstart",
    "tests.bench.store",
    "tests.bench.ingest_path",
    "tests.bench.review",
    "tests.bench.scale",
    "tests.bench.cost",  # after scale: it prices the figures scale measured in the same run
]


def main() -> int:
    wanted = sys.argv[1:] or SUITES
    for name in wanted:
        module = importlib.import_module(name if name.startswith("tests.") else f"tests.bench.{name}")
        module.run()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
