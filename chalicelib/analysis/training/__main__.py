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
from chalicelib.analysis.training import complaints, data, language_model, lexicons, sentiment_model
from chalicelib.analysis.training.recipe import FEATURES, RECIPE

MODEL_DIR = Path(__file__).resolve().parents[1] / "model"
STAGING_DIR = MODEL_DIR.parent / ".model-staging"
TRAINING = RECIPE.training


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
    # Hyper-parameters were chosen on `model-selection`; the shipped model is trained on it too. These
    # are the texts of RECIPE (training/recipe.py), whose leave-one-corpus-out table `make bench` prints.
    examples = sets["train"] + sets["model-selection"] + complaints.examples()
    print(f"training on {len(examples)} texts", file=sys.stderr)
    matrix = sentiment_model.featurize(examples, language, lexicon, FEATURES)
    weights = sentiment_model.sample_weights(examples, TRAINING)
    model = sentiment_model.fit(matrix, sentiment_model.labels(examples), weights, TRAINING)
    meta = {"training": TRAINING.__dict__, "examples": len(examples)}
    sentiment_model.write(STAGING_DIR / "sentiment.bin", model, FEATURES, meta)
    for name in ("lexicon.tsv", "language.bin", "sentiment.bin"):
        sentiment_model.write_atomically(MODEL_DIR / name, (STAGING_DIR / name).read_bytes())
    shutil.rmtree(STAGING_DIR)
    print(f"wrote {MODEL_DIR} in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
