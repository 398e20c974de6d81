"""Leave-one-corpus-out sentiment table: `python -m tests.bench sentiment_loco`.

For every German and English corpus in shared/data/sentiment, trains the shipped recipe
(`chalicelib/analysis/training/recipe.py`) on all other shippable corpora and scores the one left
out, beside the always-"neutral" baseline, at the shipped neutral offset; the footnote shows the
offset the folds would choose and what that choice gives when made without each fold (nested).
Needs the training packages (requirements-train.txt); folds are cached in out/loco/ by recipe and
data, so a re-run is instant. A cold run trains nine models: 20-60 minutes on one shared core.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from chalicelib.analysis.analyzer import MODEL_DIR
from chalicelib.analysis.language import LanguageModel
from chalicelib.analysis.sentiment import Lexicon
from chalicelib.analysis.training import data, loco
from chalicelib.analysis.training.recipe import FEATURES, RECIPE

PROJECT = Path(__file__).resolve().parents[2]
CACHE_DIR = PROJECT / "out" / "loco"


def _cache() -> loco.FeatureCache:
    language_path, lexicon_path = MODEL_DIR / "language.bin", MODEL_DIR / "lexicon.tsv"
    return loco.FeatureCache(
        LanguageModel.load(language_path),
        Lexicon.load(lexicon_path),
        FEATURES,
        loco.cache_stamp(FEATURES, language_path, lexicon_path),
        CACHE_DIR / "features",
    )


def _data_stamp(cache: loco.FeatureCache) -> str:
    """Recipe, features and every text a fold may see: a change to any of them retrains."""
    # The neutral offset is applied to the folds' logits afterwards, so it is not part of the key.
    recipe = json.dumps(loco.describe(replace(RECIPE, neutral_offset=0.0)), sort_keys=True)
    digest = hashlib.sha256(f"{cache.stamp}\n{recipe}".encode())
    for corpus in data.CORPORA:
        digest.update("\n".join(cache.get(corpus.name).keys).encode())
    digest.update("\n".join(e.label + e.text for e in cache.get(loco.TEMPLATES).examples).encode())
    return digest.hexdigest()[:12]


def _fold(cache: loco.FeatureCache, corpus: data.Corpus, stamp: str) -> loco.Fold:
    path = CACHE_DIR / "folds" / f"{corpus.name}-{stamp}.npz"
    if path.exists():
        saved = np.load(path)
        return loco.Fold(corpus, saved["gold"], saved["logits"], int(saved["training_texts"]))
    print(f"training without {corpus.name} ...", file=sys.stderr, flush=True)
    fold = loco.run_fold(RECIPE, cache, corpus)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, gold=fold.gold, logits=fold.logits, training_texts=fold.training_texts)
    return fold


def _recall(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def run() -> None:
    cache = _cache()
    stamp = _data_stamp(cache)
    folds = [_fold(cache, corpus, stamp) for corpus in data.CORPORA]
    offset = RECIPE.neutral_offset
    print("### Sentiment, leave-one-corpus-out (train on all other corpora, test on the one left out)\n")
    print(
        "| corpus | lang | domain | n | accuracy (always neutral) | macro-F1 (always neutral) "
        "| recall negative | recall neutral | recall positive | called neutral |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    f1s = []
    for fold in folds:
        s = fold.score(offset)
        f1s.append(s.macro_f1)
        corpus = fold.corpus
        name = corpus.name if corpus.shippable else f"{corpus.name}†"
        print(
            f"| {name} | {corpus.lang} | {corpus.domain} | {s.n} "
            f"| {s.accuracy:.3f} ({s.baseline_accuracy:.3f}) | {s.macro_f1:.3f} ({s.baseline_macro_f1:.3f}) "
            f"| {_recall(s.recalls['negative'])} | {_recall(s.recalls['neutral'])} "
            f"| {_recall(s.recalls['positive'])} | {s.neutral_share_predicted:.2f} |"
        )
    nested = statistics.fmean(f.score(loco.choose_offset(folds, skip=f.corpus.name)).macro_f1 for f in folds)
    print(
        f"\nMean macro-F1 {statistics.fmean(f1s):.3f} (neutral offset {offset:+.1f}). Macro-F1 averages the"
        " classes present in the corpus (two-class corpora: a 'neutral' answer counts as wrong)."
        f" The offset the folds choose: {loco.choose_offset(folds):+.1f} on all folds; chosen without"
        f" each fold (nested) it gives mean macro-F1 {nested:.3f}. † never trained on (licence): test only."
    )
