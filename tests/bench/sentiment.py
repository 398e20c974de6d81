"""Language and sentiment benchmark of the shipped analyzer: `python -m tests.bench sentiment`.

Scores the development sets (never trained on) through `get_analyzer()`, the code path of the
pipeline and of `python -m chalicelib.cli classify`, and prints Markdown tables beside the anchors.
Also scores the self-written complaint probe sets (complaints_de.tsv, complaints_en.tsv: held out,
never trained on) and measures throughput on one core, the model's size on disk and its cold-start
import cost.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from chalicelib.analysis.analyzer import MODEL_DIR, get_analyzer
from chalicelib.analysis.training.data import LABELS, Example, development_sets

PROJECT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
# Self-written complaint / customer-service probe sets (held out: never trained on, never tuned per text).
PROBE_SETS = {
    "Complaints probe (de)": ("complaints_de.tsv", "de"),
    "Complaints probe (en)": ("complaints_en.tsv", "en"),
}
SIZE_BUDGET_MB = 10.0
IMPORT_BUDGET_MS = 150.0
THROUGHPUT_TARGET = 2000.0
IMPORT_RUNS = 5
ANCHORS = {
    "SB10k test (de)": "BERT acc 0.693; lexicon baseline acc 0.565 (target: acc > 0.693)",
    "PotTS test (de)": "no published 3-class anchor on this split",
    "TweetEval val (en)": (
        "RoBERTa mR 72.8 (test); FastText/SVM mR 62.9 (test); VADER mF1 ~0.53 (target: mR > 0.70)"
    ),
}
_IMPORT_PROBE = (
    "import time; t = time.perf_counter(); "
    "from chalicelib.analysis.analyzer import get_analyzer; get_analyzer().analyze('x'); "
    "print((time.perf_counter() - t) * 1000)"
)


def scores(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    """Accuracy, macro-F1 and macro-recall over the three classes."""
    f1s, recalls = [], []
    for label in LABELS:
        true_positive = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        support = sum(1 for g in gold if g == label)
        chosen = sum(1 for p in predicted if p == label)
        recall = true_positive / support if support else 0.0
        precision = true_positive / chosen if chosen else 0.0
        recalls.append(recall)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    accuracy = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / len(gold)
    return accuracy, statistics.fmean(f1s), statistics.fmean(recalls)


def probe_sets() -> dict[str, list[Example]]:
    sets = {}
    for name, (file_name, lang) in PROBE_SETS.items():
        rows = (
            line.split("\t", 1) for line in (BENCH_DIR / file_name).read_text(encoding="utf-8").splitlines()
        )
        sets[name] = [
            Example(text, label, lang, file_name) for label, text in (r for r in rows if len(r) == 2)
        ]
    return sets


def _probe_table(sets: dict[str, list[Example]]) -> None:
    analyzer = get_analyzer()
    print("\n### Complaint probe sets (self-written, held out)\n")
    print("| set | n | accuracy | macro-recall | negative recall | non-negative called negative |")
    print("|---|---|---|---|---|---|")
    for name, examples in sets.items():
        gold = [e.label for e in examples]
        predicted = [analyzer.analyze(e.text).sentiment for e in examples]
        accuracy, _, macro_recall = scores(gold, predicted)
        pairs = list(zip(gold, predicted, strict=True))
        negatives = [p for g, p in pairs if g == "negative"]
        others = [p for g, p in pairs if g != "negative"]
        hit = sum(1 for p in negatives if p == "negative")
        false = sum(1 for p in others if p == "negative")
        print(
            f"| {name} | {len(examples)} | {accuracy:.3f} | {macro_recall:.3f} | "
            f"{hit}/{len(negatives)} = {hit / len(negatives):.3f} | {false}/{len(others)} |"
        )


def _quality_tables(sets: dict[str, list[Example]]) -> float:
    analyzer = get_analyzer()
    rows, lang_rows = [], []
    texts = 0
    started = time.perf_counter()
    for name, examples in sets.items():
        results = [analyzer.analyze(example.text) for example in examples]
        texts += len(examples)
        accuracy, macro_f1, macro_recall = scores([e.label for e in examples], [r.sentiment for r in results])
        rows.append(
            f"| {name} | {len(examples)} | {accuracy:.3f} | {macro_f1:.3f} | {macro_recall:.3f} | {ANCHORS[name]} |"
        )
        expected = examples[0].lang
        hits = sum(1 for r in results if r.lang == expected)
        other = sum(1 for r in results if r.lang == "other")
        lang_rows.append(
            f"| {name} | {expected} | {hits / len(examples):.3f} | {other / len(examples):.3f} |"
        )
    elapsed = time.perf_counter() - started
    print("### Sentiment (3 classes) on the development sets\n")
    print("| set | n | accuracy | macro-F1 | macro-recall | anchors |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n### Language identification (every text of a set labelled with the set's language)\n")
    print("| set | expected | accuracy | share 'other' |")
    print("|---|---|---|---|")
    print("\n".join(lang_rows))
    return texts / elapsed


def _cli_throughput(sets: dict[str, list[Example]]) -> tuple[float, int]:
    lines = [
        json.dumps({"id": i, "text": e.text}, ensure_ascii=False)
        for i, e in enumerate(e for examples in sets.values() for e in examples)
    ]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "classify"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
    )
    elapsed = time.perf_counter() - started
    return len(lines) / elapsed, len(done.stdout.splitlines())


def _import_cost_ms() -> float:
    runs = []
    for _ in range(IMPORT_RUNS):
        done = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True, cwd=PROJECT
        )
        runs.append(float(done.stdout.strip()))
    return statistics.median(runs)


def _model_size_mb() -> float:
    return sum(path.stat().st_size for path in MODEL_DIR.iterdir() if path.is_file()) / 1e6


def run() -> None:
    sets = development_sets()
    in_process = _quality_tables(sets)
    _probe_table(probe_sets())
    cli_rate, cli_lines = _cli_throughput(sets)
    size = _model_size_mb()
    import_ms = _import_cost_ms()
    print("\n### Cost\n")
    print("| measure | value | budget |")
    print("|---|---|---|")
    print(f"| throughput, in process, one core | {in_process:,.0f} mentions/s | ≥ {THROUGHPUT_TARGET:,.0f} |")
    print(
        f"| throughput, `python -m chalicelib.cli classify` incl. start-up ({cli_lines} lines) | {cli_rate:,.0f} mentions/s | |"
    )
    print(
        f"| model files on disk (`chalicelib/analysis/model/`) | {size:.2f} MB | ≤ {SIZE_BUDGET_MB:.0f} MB |"
    )
    print(
        f"| import + model load + first call (median of {IMPORT_RUNS} fresh processes) | {import_ms:.0f} ms | ≤ {IMPORT_BUDGET_MS:.0f} ms |"
    )
