"""python -m chalicelib.analysis.training: rebuilds every file in chalicelib/analysis/model/ from scratch."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from chalicelib.analysis.language import LanguageModel
from chalicelib.analysis.sentiment import FeatureConfig, Lexicon
from chalicelib.analysis.training import data, language_model, lexicons, sentiment_model

MODEL_DIR = Path(__file__).resolve().parents[1] / "model"
FEATURES = FeatureConfig(hash_bits=20, char_min=3, char_max=5, bigrams=True)
TRAINING = sentiment_model.TrainConfig(c=3.0, german_weight=2.0, class_weight="balanced")


def main() -> int:
    started = time.monotonic()
    sets = data.training_sets()
    lexicons.build(MODEL_DIR / "lexicon.tsv")
    tweets = {lang: [e.text for e in sets["train"] if e.lang == lang] for lang in ("de", "en")}
    language_model.build(MODEL_DIR / "language.bin", tweets)
    language = LanguageModel.load(MODEL_DIR / "language.bin")
    lexicon = Lexicon.load(MODEL_DIR / "lexicon.tsv")
    # Hyper-parameters were chosen on `model-selection`; the shipped model is trained on it too.
    examples = sets["train"] + sets["model-selection"]
    print(f"training on {len(examples)} texts", file=sys.stderr)
    matrix = sentiment_model.featurize(examples, language, lexicon, FEATURES)
    model = sentiment_model.fit(matrix, examples, TRAINING)
    meta = {"training": TRAINING.__dict__, "examples": len(examples)}
    sentiment_model.write(MODEL_DIR / "sentiment.bin", model, FEATURES, meta)
    print(f"wrote {MODEL_DIR} in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
