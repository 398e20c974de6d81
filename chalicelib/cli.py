"""Command line entry points that outside judges and the benchmarks call.

    python -m chalicelib.cli detect SERIES.csv   # NAB series in, `timestamp,alarm` out
    python -m chalicelib.cli classify            # JSON lines in, JSON lines out
    python -m chalicelib.cli sources [--json]    # registered source adapters, configured sources
    python -m chalicelib.cli import FILE [--brand B] [--mapping NAME]   # a listening tool's export

They run exactly the code the Lambda functions run, with the shipped configuration.
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
    from chalicelib.detection.volume import detect_series

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["timestamp", "alarm"])
    for timestamp, alarm in detect_series(_read_series(path)):
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


def sources(out: TextIO, *, as_json: bool) -> None:
    """The registered adapter slugs and every source in the playbook (no credentials, no store)."""
    from chalicelib.adapters.playbooks import load_playbook
    from chalicelib.adapters.sources.registry import REGISTRY
    from chalicelib.config import get_settings

    playbook = load_playbook(get_settings().playbooks_dir)
    configured = [
        {
            "id": source.id,
            "type": source.type,
            "brand": source.brand,
            "enabled": source.enabled,
            "registered": source.type in REGISTRY,
            "poll_seconds": source.options.get("poll_seconds"),
        }
        for source in playbook.sources
    ]
    if as_json:
        out.write(json.dumps({"types": sorted(REGISTRY), "sources": configured}, indent=2) + "\n")
        return
    out.write(f"registered types: {', '.join(sorted(REGISTRY))}\n")
    for row in configured:
        state = "enabled" if row["enabled"] else "disabled"
        known = "" if row["registered"] else "  (unknown type!)"
        out.write(f"{row['id']:<32} {row['type']:<16} {row['brand']:<16} {state}{known}\n")


def import_export(
    path: Path, *, brand: str | None, mapping_name: str | None, out: TextIO, err: TextIO
) -> int:
    """Store an export's rows like collected mentions (playbooks/imports.yaml maps the columns).
    Exit status 0: every row read; 1: bad rows (reported with their line, the good ones stored);
    2: the file, the mapping or the brand is unusable (nothing stored)."""
    from functools import partial

    from chalicelib.adapters.imports import load_imports, read_records
    from chalicelib.adapters.playbooks import PlaybookError
    from chalicelib.deps import container
    from chalicelib.domain.imports import raw_mention
    from chalicelib.services.import_mentions import import_mentions
    from chalicelib.services.ingest import ingest

    deps = container()
    try:
        config = load_imports(deps.settings.playbooks_dir)
    except PlaybookError as error:
        raise ValueError(str(error)) from error
    name = mapping_name or config.default
    if name not in config.mappings:
        raise ValueError(f"unknown mapping {name!r}; known: {', '.join(sorted(config.mappings))}")
    mapping = config.mappings[name]
    if brand is not None and deps.playbook.brand(brand) is None:
        raise ValueError(f"unknown brand {brand!r}")
    if brand is None and mapping.brand is None:
        raise ValueError(f"mapping {name!r} has no brand column: name the brand with --brand")
    report = import_mentions(
        read_records(path, mapping),
        convert=partial(raw_mention, mapping=mapping, name=name, brand=brand),
        store=lambda raws: ingest(raws, enricher=deps.enricher, mentions=deps.mentions),
    )
    for place, reason in report.bad:
        err.write(f"{path}:{place}: {reason}\n")
    result = report.result
    out.write(
        f"{path}: {report.read} rows, {result.stored} stored, {result.duplicates} already stored, "
        f"{result.skipped} not about the brand, {len(report.bad)} bad\n"
    )
    return 1 if report.bad else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    detect_cmd = commands.add_parser("detect", help="streaming volume anomaly detection over a NAB series")
    detect_cmd.add_argument("series", type=Path)
    commands.add_parser("classify", help="language and sentiment for JSON lines on stdin")
    sources_cmd = commands.add_parser("sources", help="registered source adapters and configured sources")
    sources_cmd.add_argument("--json", action="store_true", help="machine-readable output")
    import_cmd = commands.add_parser("import", help="store a listening tool's CSV or JSON export")
    import_cmd.add_argument("file", type=Path)
    import_cmd.add_argument("--brand", help="the brand id the export is about (else the mapping's column)")
    import_cmd.add_argument("--mapping", help="a mapping of playbooks/imports.yaml (else its default)")
    args = parser.parse_args(argv)
    try:
        if args.command == "detect":
            detect(args.series, sys.stdout)
            return 0
        if args.command == "sources":
            sources(sys.stdout, as_json=args.json)
            return 0
        if args.command == "import":
            return import_export(
                args.file, brand=args.brand, mapping_name=args.mapping, out=sys.stdout, err=sys.stderr
            )
        return classify(sys.stdin, sys.stdout)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
