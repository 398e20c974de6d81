"""NAB benchmark of the volume detector: `python -m tests.bench nab`.

Prints, beside NAB's anchors (../shared/bench/ANCHORS.md):

* the cross-validated figures (`nab_cv`): leave-one-series-out within realTweets and
  leave-one-category-out over all 53 series, every setting chosen without the scored series;
* the in-sample figures of the shipped configuration (`playbooks/detection.yaml`), labelled as such;
* the shipped configuration on realTweets thinned to 2 % (Mittelstand volume), and storms of known
  start injected into the thinned series (`nab_storms`);
* false pages per week per brand, throughput and state size, and that `python -m chalicelib.cli
  detect` gives exactly the alarms of the in-process run.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from chalicelib.adapters.detection_playbook import load_detection_config
from chalicelib.detection.volume import VolumeDetector, VolumeDetectorConfig, detect_series
from tests.bench import nab_storms
from tests.bench.nab_corpus import (
    PROFILES,
    PROJECT,
    Outcome,
    Series,
    load_corpus,
    nab_scorer,
    score,
    score_stream,
    shared_dir,
    total,
)
from tests.bench.nab_cv import (
    MODEL_GRID,
    CrossValidated,
    Table,
    by_category,
    by_series,
    check_fast_scorer,
    cross_validate,
    grid_base,
    tweets,
)

THIN_FRACTION = 0.02
THIN_SEED = 20150226
ANCHOR_ROWS = ("ARTime", "contextOSE", "numenta")
SHORT = {"standard": "std", "reward_low_FP_rate": "low FP", "reward_low_FN_rate": "low FN"}


def shipped_config() -> VolumeDetectorConfig:
    return load_detection_config(PROJECT / "playbooks")


def thin(rows: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Keep each mention with probability 2%, with the same fixed seed for every series."""
    rng = random.Random(THIN_SEED)
    return [
        (stamp, float(sum(rng.random() < THIN_FRACTION for _ in range(int(value))))) for stamp, value in rows
    ]


def thinned(series: Sequence[Series]) -> list[Series]:
    return [
        dataclasses.replace(
            s, values=[v for _, v in thin(list(zip(s.stamps, s.values, strict=True)))], variant="thinned"
        )
        for s in series
    ]


# --------------------------------------------------------------------------- anchors


def anchor_table(shared: Path, letter: str) -> dict[str, list[str]]:
    """Table `letter` of ANCHORS.md: detector -> its row's cells."""
    table: dict[str, list[str]] = {}
    inside = False
    for line in (shared / "bench" / "ANCHORS.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{letter}. "):
            inside = True
        elif inside and line[:3] in {f"{chr(ord(letter) + 1)}. ", "## "}:
            break
        elif inside and line.startswith("| ") and not line.startswith("| detector"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            table[cells[0]] = cells
    return table


# --------------------------------------------------------------------------- tables


def _row(label: str, outcomes: dict[str, Outcome]) -> str:
    std = outcomes["standard"]
    scores = " | ".join(f"{outcomes[p].normalized:.2f}" for p in PROFILES)
    per_week = std.false_alarms / std.weeks if std.weeks else 0.0
    return f"| {label} | {scores} | {std.hit}/{std.windows} | {std.false_alarms} | {per_week:.2f} |"


def _outcomes(series: Sequence[Series], alarms: dict[str, dict[str, list[int]]]) -> dict[str, Outcome]:
    return {p: total(score(s, p, alarms[p][s.id]) for s in series) for p in PROFILES}


def _same_alarms(series: Sequence[Series], rows: dict[str, list[int]]) -> dict[str, dict[str, list[int]]]:
    return dict.fromkeys(PROFILES, rows)


def _verified(series: Sequence[Series], alarms: dict[str, dict[str, list[int]]]) -> dict[str, Outcome]:
    for profile in PROFILES:
        check_fast_scorer(series, alarms[profile], profile)
    return _outcomes(series, alarms)


def _header() -> list[str]:
    return [
        "| detector | standard | reward_low_FP | reward_low_FN | windows hit (std) | false alarms (std) "
        "| false alarms per week (std) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]


def _anchor_rows(cells: dict[str, list[str]], hit_col: int, fp_col: int) -> list[str]:
    out = []
    for name in ANCHOR_ROWS:
        if name in cells:
            c = cells[name]
            hit = c[hit_col].split(" of ")[0].split(" / ")[0]
            hit = hit if "/" in hit else f"{hit}/{c[hit_col].split(' of ')[-1]}"
            fps = c[fp_col].split(" / ")[0]
            out.append(f"| {name} (NAB anchor) | {c[1]} | {c[2]} | {c[3]} | {hit} | {fps} | |")
    return out


def _shipped_alarms(series: Sequence[Series], config: VolumeDetectorConfig) -> dict[str, list[int]]:
    out = {}
    for s in series:
        stream = score_stream(s, config)
        out[s.id] = stream.alarm_rows(
            config.fire_score, config.hold_score, config.rearm_buckets, config.warmup_buckets
        )
    return out


def _real_alarms(
    series: Sequence[Series], config: VolumeDetectorConfig
) -> tuple[dict[str, list[int]], float]:
    """The alarms of `detect_series` (the CLI's path), and the seconds it took."""
    out, spent = {}, 0.0
    for s in series:
        began = time.perf_counter()
        flags = [a for _, a in detect_series(zip(s.stamps, s.values, strict=True), config)]
        spent += time.perf_counter() - began
        out[s.id] = [i for i, a in enumerate(flags) if a]
    return out, spent


def _check_cli(series: Series, alarms: list[int]) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "detect", str(series.path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    fired = set(alarms)
    expected = "timestamp,alarm\n" + "".join(f"{t},{int(i in fired)}\n" for i, t in enumerate(series.stamps))
    if cli.stdout != expected:
        raise AssertionError(f"the CLI's alarms differ from the in-process run on {series.name}")


def _chosen(cv: CrossValidated, profile: str) -> str:
    parts = []
    for fold, s in cv.chosen[profile].items():
        name = Path(fold).stem.removeprefix("Twitter_volume_")
        model = json.dumps(MODEL_GRID[s.model]) if s.model else "shipped model"
        parts.append(f"{name}: fire {s.fire:g}, hold {s.hold:g}, rearm {s.rearm}, {model}")
    return "; ".join(parts)


def _per_brand(columns: dict[str, tuple[Sequence[Series], dict[str, list[int]]]]) -> list[str]:
    """False alarms per week of scored data, per brand, for each (series, alarms) column."""
    lines = ["| brand (series) | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    first = next(iter(columns.values()))[0]
    for index, brand in enumerate(first):
        cells = []
        for series, rows in columns.values():
            outcome = score(series[index], "standard", rows[series[index].id])
            cells.append(f"{outcome.false_alarms / outcome.weeks:.2f} ({outcome.hit}/{outcome.windows})")
        lines.append(f"| {brand.name.removeprefix('Twitter_volume_')} | " + " | ".join(cells) + " |")
    return lines


def run() -> None:
    shared = shared_dir()
    nab_scorer(shared)
    config = shipped_config()
    corpus = load_corpus(shared)
    tw = tweets(corpus)
    thin_tw = thinned(tw)
    base = grid_base()  # the grid's knobs are cross-validated; the others keep their defaults

    # One configuration serves big and small brands: the tweet folds choose on four brands at full
    # volume and thinned, and score the fifth brand at both volumes.
    tweets_table = Table([*tw, *thin_tw], MODEL_GRID, base)
    loso = cross_validate(tweets_table, by_series)
    loco = cross_validate(Table(corpus, MODEL_GRID, base), by_category)
    chosen_on_all = tweets_table.best([*tw, *thin_tw], "standard").config(MODEL_GRID, base)

    real, seconds = _real_alarms(tw, config)
    _check_cli(tw[0], real[tw[0].id])
    shipped_all = _shipped_alarms(corpus, config)
    if any(shipped_all[s.id] != real[s.id] for s in tw):
        raise AssertionError("the bench's stream path differs from detect_series on realTweets")
    real_thin, _ = _real_alarms(thin_tw, config)

    tweets_a, corpus_c = anchor_table(shared, "A"), anchor_table(shared, "C")
    print("## NAB: cross-validated (settings never chosen on the series they are scored on)")
    print()
    print(
        "realTweets (5 series, 16 windows): leave-one-series-out; settings chosen on four, scored on the fifth."
    )
    print()
    print("\n".join(_header()))
    print(_row("**Krisenradar, cross-validated**", _verified(tw, loso.alarms)))
    print(_row("Krisenradar, thinned to 2 %, cross-validated", _verified(thin_tw, loso.alarms)))
    print(_row("Krisenradar shipped config, in-sample", _verified(tw, _same_alarms(tw, real))))
    print(
        _row(
            "Krisenradar shipped config, thinned to 2 %", _verified(thin_tw, _same_alarms(thin_tw, real_thin))
        )
    )
    print("\n".join(_anchor_rows(tweets_a, 5, 6)))
    print()
    print(
        "All 53 series (99 windows): leave-one-category-out; settings chosen on six categories, scored on the"
    )
    print("seventh. Series not sampled every 5 minutes are fed one row per 5-minute bucket.")
    print()
    print("\n".join(_header()))
    print(_row("**Krisenradar, cross-validated**", _verified(corpus, loco.alarms)))
    print(_row("Krisenradar shipped config", _verified(corpus, _same_alarms(corpus, shipped_all))))
    print("\n".join(_anchor_rows(corpus_c, 4, 5)))
    print()
    print(
        "Per held-out category (cross-validated, standard): "
        + "; ".join(
            f"{cat} {o.normalized:.1f} ({o.hit}/{o.windows}, {o.false_alarms} FP)"
            for cat in sorted({s.category for s in corpus})
            for o in [
                total(
                    score(s, "standard", loco.alarms["standard"][s.id]) for s in corpus if s.category == cat
                )
            ]
        )
    )
    print()
    print("Settings chosen per held-out brand (realTweets, standard): " + _chosen(loso, "standard"))
    print()
    same = "yes" if chosen_on_all == config else f"no: the selection on all five picks {chosen_on_all}"
    print(
        f"The shipped configuration is what the same selection picks on all five brands (standard): {same}."
    )
    print()
    print("### False pages per week per brand (standard; in brackets windows hit)")
    print()
    columns = {
        "cross-validated, full": (tw, loso.alarms["standard"]),
        "cross-validated, thinned 2 %": (thin_tw, loso.alarms["standard"]),
        "shipped, full (in-sample)": (tw, real),
        "shipped, thinned 2 %": (thin_tw, real_thin),
    }
    print("\n".join(_per_brand(columns)))
    print()
    storms = [r for s in thin_tw for r in nab_storms.inject(s, s.values, config)]
    median, found, injected = nab_storms.summary(storms)
    shown = "never (most storms missed)" if math.isinf(median) else f"{median:.0f}"
    print(
        f"### Injected storms (thinned to 2 %, shipped config): median minutes from storm start to alarm "
        f"{shown}; {found}/{injected} storms alarmed within {nab_storms.HORIZON_BUCKETS * 5 // 60} h"
    )
    print()
    for s in tw:
        mine = [r for r in storms if r.series == s.name]
        med, hit, n = nab_storms.summary(mine)
        peak = sum(r.peak_per_hour for r in mine) / max(len(mine), 1)
        med_text = "never" if math.isinf(med) else f"{med:.0f} min"
        print(
            f"- {s.name.removeprefix('Twitter_volume_')}: storm peak {peak:.0f}/h, {hit}/{n} alarmed, median {med_text}"
        )
    print()
    buckets = sum(len(s.stamps) for s in tw)
    detector = VolumeDetector(config)
    for stamp, value in zip(tw[0].stamps, tw[0].values, strict=True):
        detector.update(datetime.fromisoformat(stamp), value)
    state_bytes = len(json.dumps(detector.to_state()).encode())
    print(
        f"Throughput: {buckets / seconds:,.0f} buckets/s (detect_series, {buckets} buckets in {seconds:.2f} s, "
        f"incl. timestamp parsing). State after one series: {state_bytes} bytes of JSON. "
        "CLI output identical to the in-process run: yes."
    )
