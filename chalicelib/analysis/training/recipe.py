"""The shipped sentiment recipe, as leave-one-corpus-out (`training/loco.py`) retrains it.

`python -m chalicelib.analysis.training` trains the shipped model on exactly these texts: SB10k and
PotTS without their test splits, all of SemEval, the complaint templates (German ×2). Issue 11
measured wider recipes on the same folds; none generalised better on average, so this one stays
(figures: model/MODEL_CARD.md, "Leave-one-corpus-out").
"""

from __future__ import annotations

from chalicelib.analysis.sentiment import FeatureConfig
from chalicelib.analysis.training.loco import Recipe
from chalicelib.analysis.training.sentiment_model import TrainConfig

FEATURES = FeatureConfig(hash_bits=20, char_min=3, char_max=5, bigrams=True)

RECIPE = Recipe(
    corpora=("sb10k", "potts", "semeval"),
    training=TrainConfig(c=1.5, german_weight=2.0, class_weight="balanced", template_weight=1.0),
    max_per_corpus=None,
    neutral_offset=0.0,
)
