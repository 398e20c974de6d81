"""NAB realTweets benchmark of the shipped volume detector: `python -m tests.bench nab`.

Runs the detector exactly as `python -m chalicelib.cli detect` does (and proves it on one series
through the real CLI), scores the alarms with the shared NAB scorer for all three profiles, at full
volume and binomially thinned to Mittelstand volume, and prints Markdown tables beside NAB's anchors.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from chalicelib.adapters.detection_playbook import load_detection_config
from chalicelib.detection.volume import VolumeDetector, VolumeDetectorConfig, detect_series

THIN_FRACTION = 0.02
THIN_SEED = 20150226
PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")
ANCHOR_DETECTORS = ("ARTime", "contextOSE", "earthgeckoSkyline", "numenta", "knncad", "randomCutForest")
PROJECT = Path(__file__).resolve().parents[2]
MINUTES_PER_ROW = 5


def shipped_config() -> VolumeDetectorConfig:
    return load_detection_config(PROJECT / "playbooks")


def shared_dir() -> Path:
    override = os.environ.get("KRISENRADAR_SHARED")
    return Path(override) if override else PROJECT.parent / "shared"  # ../shared beside the project


def _nab_score(shared: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("nab_score", shared / "bench" / "nab_score.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {shared / 'bench' / 'nab_score.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["nab_score"] = module
    spec.loader.exec_module(module)
    return module


def _read_rows(path: Path) -> list[tuple[str, float]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["timestamp"], float(row["value"])) for row in csv.DictReader(handle)]


def thin(rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Keep each mention with probability 2%, with the same fixed seed for every series."""
    rng = random.Random(THIN_SEED)
    return [
        (stamp, float(sum(rng.random() < THIN_FRACTION for _ in range(int(value))))) for stamp, value in rows
    ]


def _write_csv(path: Path, header: tuple[str, str], rows: Iterator[tuple[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _detect(series: dict[str, list[tuple[str, float]]], data_dir: Path, det_dir: Path) -> float:
    """Write series and detections; return the detector's seconds spent."""
    spent = 0.0
    for name, rows in series.items():
        _write_csv(data_dir / name, ("timestamp", "value"), iter((t, f"{v:g}") for t, v in rows))
        started = time.perf_counter()
        alarms = [(t, int(a)) for t, a in detect_series(iter(rows), shipped_config())]
        spent += time.perf_counter() - started
        _write_csv(det_dir / name, ("timestamp", "alarm"), iter(alarms))
    return spent


def _check_cli_equivalence(series_path: Path, det_path: Path) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "detect", str(series_path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    if cli.stdout != det_path.read_text(encoding="utf-8"):
        raise AssertionError(f"the CLI's alarms differ from the in-process run on {series_path.name}")


def _anchors(shared: Path) -> dict[str, list[str]]:
    """Table A of ANCHORS.md: detector -> its row's cells."""
    table: dict[str, list[str]] = {}
    in_table_a = False
    for line in (shared / "bench" / "ANCHORS.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("A. "):
            in_table_a = True
        elif line.startswith("B. "):
            break
        elif in_table_a and line.startswith("| ") and not line.startswith("| detector"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            table[cells[0]] = cells
    return table


def _score(nab: ModuleType, shared: Path, data_dir: Path, det_dir: Path) -> dict[str, Any]:
    windows = shared / "data" / "nab" / "windows.json"
    cases = nab.load_cases(str(data_dir), str(windows), str(det_dir))
    result: dict[str, Any] = nab.evaluate(cases, nab.PROFILES, {})
    return result


def _profile_table(results: dict[str, dict[str, Any]], anchors: dict[str, list[str]]) -> list[str]:
    lines = [
        "| detector | standard | reward_low_FP_rate | reward_low_FN_rate | windows hit (std) "
        "| FP alarms (std) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, result in results.items():
        totals = [result[p]["total"] for p in PROFILES]
        std = totals[0]
        scores = " | ".join(f"**{t['normalized']:.2f}**" for t in totals)
        hit = f"{std['windows_detected']}/{std['windows']}"
        lines.append(f"| **{label}** | {scores} | {hit} | {std['fp_alarms']} |")
    for name in ANCHOR_DETECTORS:
        if name in anchors:
            cells = anchors[name]
            lines.append(
                f"| {name} (NAB anchor) | {cells[1]} | {cells[2]} | {cells[3]} | {cells[5]} | {cells[6]} |"
            )
    return lines


def _per_series_table(results: dict[str, dict[str, Any]]) -> list[str]:
    labels = list(results)
    head = " | ".join(f"{label}: windows hit, FP alarms, FP/week" for label in labels)
    lines = [f"| series | {head} |", "|---|" + "---:|" * len(labels)]
    for key in results[labels[0]]["standard"]["per_file"]:
        cells = []
        for label in labels:
            row = results[label]["standard"]["per_file"][key]
            weeks = (row["rows"] - row["probation_rows"]) * MINUTES_PER_ROW / (60 * 24 * 7)
            hit, fps = f"{row['windows_detected']}/{row['windows']}", row["fp_alarms"]
            cells.append(f"{hit}, {fps}, {fps / weeks:.2f}")
        lines.append(f"| {Path(key).stem} | " + " | ".join(cells) + " |")
    return lines


def _state_size(rows: list[tuple[str, float]]) -> int:
    detector = VolumeDetector(shipped_config())
    for stamp, value in rows:
        detector.update(datetime.fromisoformat(stamp), value)
    return len(json.dumps(detector.to_state()).encode())


def run() -> None:
    shared = shared_dir()
    nab = _nab_score(shared)
    source = shared / "data" / "nab" / "realTweets"
    full = {path.name: _read_rows(path) for path in sorted(source.glob("*.csv"))}
    variants = {"ours, full volume": full, "ours, thinned to 2%": {n: thin(r) for n, r in full.items()}}
    results: dict[str, dict[str, Any]] = {}
    seconds, buckets = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="nab-bench-") as tmp:
        for index, (label, series) in enumerate(variants.items()):
            data_dir, det_dir = Path(tmp) / f"data{index}", Path(tmp) / f"det{index}"
            data_dir.mkdir()
            det_dir.mkdir()
            spent = _detect(series, data_dir, det_dir)
            if index == 0:
                seconds, buckets = spent, sum(len(rows) for rows in series.values())
                first = next(iter(series))
                _check_cli_equivalence(source / first, det_dir / first)
            results[label] = _score(nab, shared, data_dir, det_dir)
    anchors = _anchors(shared)
    print("## NAB realTweets (5 development series, 16 windows; subset normalization, alarms as emitted)")
    print()
    print("\n".join(_profile_table(results, anchors)))
    print()
    print("### Per series (standard profile): windows hit, FP alarms, false alarms per week of scored data")
    print()
    print("\n".join(_per_series_table(results)))
    print()
    state_bytes = _state_size(full[next(iter(full))])
    print(
        f"Throughput: {buckets / seconds:,.0f} buckets/s (detect_series, {buckets} buckets in "
        f"{seconds:.2f} s, incl. timestamp parsing). State after one series: {state_bytes} bytes of JSON. "
        "CLI output identical to the in-process run: yes."
    )
