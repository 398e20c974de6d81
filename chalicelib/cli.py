"""Command line entry points that outside judges and the benchmarks call.

    python -m chalicelib.cli detect SERIES.csv   # NAB series in, `timestamp,alarm` out
    python -m chalicelib.cli classify            # JSON lines in, JSON lines out

Both run exactly the code the Lambda functions run, with the shipped configuration.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO


def _read_series(path: Path) -> Iterator[tuple[str, float]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"timestamp", "value"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected a header with the columns timestamp,value")
        for line_no, row in enumerate(reader, start=2):
            try:
                yield row["timestamp"], float(row["value"])
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{line_no}: value is not a number: {row.get('value')!r}") from exc


def detect(path: Path, out: TextIO) -> None:
    from chalicelib.adapters.detection_playbook import load_detection_config
    from chalicelib.config import get_settings
    from chalicelib.detection.volume import detect_series

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "alarm"])
    for timestamp, alarm in detect_series(
        _read_series(path), load_detection_config(get_settings().playbooks_dir)
    ):
        writer.writerow([timestamp, int(alarm)])


def classify(source: TextIO, out: TextIO) -> int:
    """Classify JSON lines; a bad line is reported on stderr and makes the exit status 1."""
    from chalicelib.analysis.analyzer import get_analyzer

    analyzer = get_analyzer()
    failures = 0
    for line_no, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError('expected an object with a string field "text"')
        except ValueError as exc:
            print(f"line {line_no}: {exc}", file=sys.stderr)
            failures += 1
            continue
        result = analyzer.analyze(record["text"])
        out.write(
            json.dumps(
                {
                    "id": record.get("id"),
                    "lang": result.lang,
                    "sentiment": result.sentiment,
                    "score": round(result.score, 4),
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    detect_cmd = commands.add_parser("detect", help="streaming volume anomaly detection over a NAB series")
    detect_cmd.add_argument("series", type=Path)
    commands.add_parser("classify", help="language and sentiment for JSON lines on stdin")
    args = parser.parse_args(argv)
    try:
        if args.command == "detect":
            detect(args.series, sys.stdout)
            return 0
        return classify(sys.stdin, sys.stdout)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
