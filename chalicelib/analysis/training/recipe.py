"""The shipped sentiment recipe: which corpora, how they are weighted, and the neutral offset.

Every setting here was chosen on leave-one-corpus-out folds (`training/loco.py`,
`python -m tests.bench sentiment_loco`), never on a figure measured in-sample.
"""

from __future__ import annotations

from chalicelib.analysis.sentiment import FeatureConfig
from chalicelib.analysis.training.loco import Recipe
from chalicelib.analysis.training.sentiment_model import TrainConfig

FEATURES = FeatureConfig(hash_bits=20, char_min=3, char_max=5, bigrams=True)

RECIPE = Recipe(
    corpora=("sb10k", "potts", "xed-de", "semeval", "dynasent", "uci", "goemotions"),
    training=TrainConfig(c=1.5, german_weight=2.0, class_weight="balanced", max_iter=150),
    max_per_corpus=8000,
    # Film subtitles with projected labels: noisy and far from customer feedback.
    corpus_weights=(("xed-de", 0.3),),
    neutral_offset=0.0,
)
