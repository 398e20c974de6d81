"""Result types of the text analysis, shared by the pipeline and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["de", "en", "other"]
Sentiment = Literal["negative", "neutral", "positive"]


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """What the analyzer reads from one mention's text.

    score: confidence of the predicted sentiment class, 0..1.
    negativity: probability of the negative class, 0..1 (used for aggregates).
    arousal: share of high-arousal negative words in the text, 0..1 (firestorm cue).
    first_person_singular: number of first-person singular pronouns ("ich", "mir", "I", "my" ...).
    """

    lang: Language
    sentiment: Sentiment
    score: float
    negativity: float
    arousal: float = 0.0
    first_person_singular: int = 0
