"""Data preparation and training of the shipped language and sentiment models.

    python -m chalicelib.analysis.training

reads /work/shared/data (or $KRISENRADAR_SHARED) and rewrites chalicelib/analysis/model/*.
Training needs numpy, scipy, scikit-learn, vaderSentiment, langdetect and textblob-de
(pinned in model/MODEL_CARD.md); the runtime needs none of them.
"""
