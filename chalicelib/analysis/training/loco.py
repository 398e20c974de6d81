"""Leave-one-corpus-out (LOCO) evaluation of the sentiment training recipe.

For every corpus in `data.CORPORA`: train the recipe on every *other* shippable corpus (plus the
self-written templates), with every text that also occurs in the test corpus removed, and score the
corpus left out. This is how the model will be judged: on a corpus it never saw, from a domain it
was not tuned on. Settings (C, corpus weights, the neutral offset) are chosen on these folds,
never on a figure measured in-sample.

Featurised corpora are cached as .npz files (keyed by the feature config and the lexicon, language
and corpus files), because featurising 130k texts in pure Python takes about a minute.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from chalicelib.analysis.language import LanguageModel
from chalicelib.analysis.sentiment import CLASSES, FeatureConfig, Lexicon
from chalicelib.analysis.training import complaints, data
from chalicelib.analysis.training.data import Corpus, Example
from chalicelib.analysis.training.sentiment_model import TrainConfig, featurize, fit

NEUTRAL = CLASSES.index("neutral")
TEMPLATES = "templates"


@dataclass(frozen=True)
class Featurised:
    examples: list[Example]
    matrix: sparse.csr_matrix
    keys: list[str]  # fingerprints, for removing test texts from training

    def subset(self, keep: np.ndarray[Any, np.dtype[np.bool_]]) -> Featurised:
        rows = np.flatnonzero(keep)
        return Featurised([self.examples[i] for i in rows], self.matrix[rows], [self.keys[i] for i in rows])


@dataclass
class FeatureCache:
    """Featurised corpora, in memory and (optionally) on disk."""

    language: LanguageModel
    lexicon: Lexicon
    config: FeatureConfig
    stamp: str
    directory: Path | None = None
    _memory: dict[str, Featurised] = field(default_factory=dict)
    _reported: frozenset[str] | None = None

    def reported_keys(self) -> frozenset[str]:
        if self._reported is None:
            self._reported = frozenset(
                data.fingerprint(e.text) for examples in data.development_sets().values() for e in examples
            )
        return self._reported

    def get(self, name: str) -> Featurised:
        if name not in self._memory:
            self._memory[name] = self._load_or_build(name)
        return self._memory[name]

    def _load_or_build(self, name: str) -> Featurised:
        examples = complaints.examples() if name == TEMPLATES else data.unique(data.corpus(name).load())
        content = hashlib.sha256("\n".join(f"{e.label}\t{e.text}" for e in examples).encode()).hexdigest()
        path = self.directory / f"{name}-{self.stamp}-{content[:8]}.npz" if self.directory else None
        if path and path.exists():
            matrix = sparse.load_npz(path).tocsr()
        else:
            matrix = featurize(examples, self.language, self.lexicon, self.config)
            if path:
                path.parent.mkdir(parents=True, exist_ok=True)
                sparse.save_npz(path, matrix)
        return Featurised(examples, matrix, [data.fingerprint(e.text) for e in examples])


def cache_stamp(config: FeatureConfig, *files: Path) -> str:
    digest = hashlib.sha256(json.dumps(asdict(config), sort_keys=True).encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Recipe:
    """What the shipped model trains on, and how."""

    corpora: tuple[str, ...]
    training: TrainConfig
    # At most this many texts per corpus (a fixed, hash-ordered sample): one huge corpus (SemEval,
    # GoEmotions) must not set the model's notion of "neutral" for every other domain.
    max_per_corpus: int | None = 8000
    corpus_weights: tuple[tuple[str, float], ...] = ()
    neutral_offset: float = 0.0  # added to the neutral logit: calibrates polar calls away

    def corpus_weight(self, name: str) -> float:
        return dict(self.corpus_weights).get(name, 1.0)


def training_rows(
    recipe: Recipe, cache: FeatureCache, exclude: str | None = None
) -> tuple[sparse.csr_matrix, np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.float64]]]:
    """Stacked training matrix, labels and sample weights; `exclude` = the corpus left out."""
    # The reported development sets (SB10k test, PotTS test, TweetEval val) stay unseen, as in the
    # shipped model, so the development table of `make bench` remains a held-out figure.
    seen = set(cache.reported_keys()) | (set(cache.get(exclude).keys) if exclude else set())
    matrices, labels, weights = [], [], []
    for name in (*recipe.corpora, TEMPLATES):
        if name == exclude:
            continue
        part = cache.get(name)
        keep = np.zeros(len(part.keys), dtype=bool)
        for index, key in enumerate(part.keys):
            if key not in seen:
                seen.add(key)
                keep[index] = True
        if recipe.max_per_corpus and keep.sum() > recipe.max_per_corpus:
            order = sorted(np.flatnonzero(keep), key=lambda i: zlib.crc32(part.keys[i].encode()))
            keep[:] = False
            keep[order[: recipe.max_per_corpus]] = True
        part = part.subset(keep)
        if not part.examples:
            continue
        base = recipe.training.template_weight if name == TEMPLATES else recipe.corpus_weight(name)
        german = recipe.training.german_weight
        matrices.append(part.matrix)
        labels.append(np.array([CLASSES.index(e.label) for e in part.examples]))
        weights.append(np.array([base * (german if e.lang == "de" else 1.0) for e in part.examples]))
    return sparse.vstack(matrices).tocsr(), np.concatenate(labels), np.concatenate(weights)


@dataclass(frozen=True)
class FoldScore:
    corpus: Corpus
    n: int
    accuracy: float
    macro_f1: float
    recalls: dict[str, float | None]  # None: the class does not occur in the corpus
    neutral_share_predicted: float
    baseline_accuracy: float  # always "neutral"
    baseline_macro_f1: float


def score(
    corpus: Corpus,
    gold: Sequence[int] | np.ndarray[Any, Any],
    predicted: Sequence[int] | np.ndarray[Any, Any],
) -> FoldScore:
    """Accuracy, macro-F1 over the classes present in `gold`, per-class recall, always-neutral baseline."""
    gold_arr, pred_arr = np.asarray(gold), np.asarray(predicted)
    present = [k for k in range(len(CLASSES)) if (gold_arr == k).any()]

    def f1s(pred: np.ndarray[Any, Any]) -> list[float]:
        out = []
        for k in present:
            hit = float(((gold_arr == k) & (pred == k)).sum())
            chosen, support = float((pred == k).sum()), float((gold_arr == k).sum())
            out.append(2 * hit / (chosen + support) if chosen + support else 0.0)
        return out

    neutral = np.full_like(gold_arr, NEUTRAL)
    recalls: dict[str, float | None] = {
        label: float((pred_arr[gold_arr == k] == k).mean()) if (gold_arr == k).any() else None
        for k, label in enumerate(CLASSES)
    }
    return FoldScore(
        corpus=corpus,
        n=len(gold_arr),
        accuracy=float((gold_arr == pred_arr).mean()),
        macro_f1=statistics.fmean(f1s(pred_arr)),
        recalls=recalls,
        neutral_share_predicted=float((pred_arr == NEUTRAL).mean()),
        baseline_accuracy=float((gold_arr == NEUTRAL).mean()),
        baseline_macro_f1=statistics.fmean(f1s(neutral)),
    )


@dataclass(frozen=True)
class Fold:
    """One left-out corpus: its gold labels and the logits of the model trained without it."""

    corpus: Corpus
    gold: np.ndarray[Any, np.dtype[np.int64]]
    logits: np.ndarray[Any, np.dtype[np.float64]]
    training_texts: int

    def score(self, neutral_offset: float) -> FoldScore:
        return score(self.corpus, self.gold, shifted(self.logits, neutral_offset).argmax(axis=1))


def run_fold(recipe: Recipe, cache: FeatureCache, corpus: Corpus) -> Fold:
    """Trains the recipe without `corpus` (and without any text it contains), then scores it."""
    matrix, labels, weights = training_rows(recipe, cache, exclude=corpus.name)
    model = fit(matrix, labels, weights, recipe.training)
    test = cache.get(corpus.name)
    logits = np.asarray(test.matrix @ model.coef_.T + model.intercept_)
    gold = np.array([CLASSES.index(e.label) for e in test.examples])
    return Fold(corpus, gold, logits, matrix.shape[0])


OFFSET_GRID = tuple(round(0.1 * step, 1) for step in range(-10, 31))


def choose_offset(folds: Sequence[Fold], skip: str | None = None) -> float:
    """The neutral offset with the best macro-F1 over the three-class folds (minus `skip`).

    German and English folds weigh equally (mean of the two languages' means): there are more
    English corpora, but German is the product's main language. Two-class corpora have no neutral
    texts, so they would always vote for a lower offset and are left out.
    """
    chosen = [f for f in folds if (f.gold == NEUTRAL).any() and f.corpus.name != skip]
    by_lang: dict[str, list[Fold]] = {}
    for fold in chosen:
        by_lang.setdefault(fold.corpus.lang, []).append(fold)

    def objective(offset: float) -> float:
        return statistics.fmean(
            statistics.fmean(f.score(offset).macro_f1 for f in group) for group in by_lang.values()
        )

    return max(OFFSET_GRID, key=objective)


def shifted(logits: np.ndarray[Any, Any], offset: float) -> np.ndarray[Any, Any]:
    moved = logits.copy()
    moved[:, NEUTRAL] += offset
    return moved


def describe(recipe: Recipe) -> dict[str, Any]:
    """The recipe as JSON-ready data (model header, cache keys)."""
    return {**asdict(recipe), "training": asdict(recipe.training)}
