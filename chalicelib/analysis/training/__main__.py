"""python -m chalicelib.analysis.training: rebuilds every file in chalicelib/analysis/model/ from scratch.

Files are built in a staging directory and then moved into model/ one by one with atomic renames, so
the shipped model stays loadable while training runs.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from chalicelib.analysis.language import LanguageModel
from chalicelib.analysis.sentiment import Lexicon
from chalicelib.analysis.training import data, language_model, lexicons, loco, sentiment_model
from chalicelib.analysis.training.recipe import FEATURES, RECIPE

MODEL_DIR = Path(__file__).resolve().parents[1] / "model"
STAGING_DIR = MODEL_DIR.parent / ".model-staging"


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(STAGING_DIR, ignore_errors=True)
    STAGING_DIR.mkdir()
    sets = data.training_sets()
    lexicons.build(STAGING_DIR / "lexicon.tsv")
    tweets = {lang: [e.text for e in sets["train"] if e.lang == lang] for lang in ("de", "en")}
    language_model.build(STAGING_DIR / "language.bin", tweets)
    language = LanguageModel.load(STAGING_DIR / "language.bin")
    lexicon = Lexicon.load(STAGING_DIR / "lexicon.tsv")
    # Settings were chosen leave-one-corpus-out (training/recipe.py); the shipped model sees every corpus.
    cache = loco.FeatureCache(language, lexicon, FEATURES, stamp="")
    matrix, labels, weights = loco.training_rows(RECIPE, cache)
    print(f"training on {matrix.shape[0]} texts", file=sys.stderr)
    model = sentiment_model.fit(matrix, labels, weights, RECIPE.training)
    model.intercept_[loco.NEUTRAL] += RECIPE.neutral_offset
    meta = {"recipe": loco.describe(RECIPE), "examples": matrix.shape[0]}
    sentiment_model.write(STAGING_DIR / "sentiment.bin", model, FEATURES, meta)
    for name in ("lexicon.tsv", "language.bin", "sentiment.bin"):
        sentiment_model.write_atomically(MODEL_DIR / name, (STAGING_DIR / name).read_bytes())
    shutil.rmtree(STAGING_DIR)
    print(f"wrote {MODEL_DIR} in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
