"""The text analyzer the pipeline and `python -m chalicelib.cli classify` use: language, sentiment, cues.

Everything runs offline from the files in `model/`; loading them takes a few milliseconds, so the
singleton is built on first use. The analyzer holds no mutable state, so threads may share it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from chalicelib.analysis.language import LanguageModel
from chalicelib.analysis.sentiment import CLASSES, SentimentModel
from chalicelib.analysis.tokenize import tokenize
from chalicelib.analysis.types import Sentiment, TextAnalysis

MODEL_DIR = Path(__file__).resolve().parent / "model"

FIRST_PERSON_SINGULAR = frozenset(
    {
        "ich",
        "mich",
        "mir",
        "mein",
        "meine",
        "meinen",
        "meinem",
        "meiner",
        "meines",
        "meins",
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "i'm",
        "i’m",
        "i've",
        "i’ve",
        "i'll",
        "i’ll",
        "i'd",
        "i’d",
    }
)


def load_word_list(path: Path) -> frozenset[str]:
    """One lower-case word a line; `#` starts a comment."""
    entries = (
        line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
    )
    return frozenset(entry for entry in entries if entry)


class Analyzer:
    def __init__(
        self, language: LanguageModel, sentiment: SentimentModel, arousal_words: frozenset[str]
    ) -> None:
        self._language = language
        self._sentiment = sentiment
        self._arousal_words = arousal_words
        self._arousal_stems = tuple(sorted(word[:-1] for word in arousal_words if word.endswith("*")))

    @classmethod
    def from_directory(cls, directory: Path = MODEL_DIR) -> Analyzer:
        return cls(
            LanguageModel.load(directory / "language.bin"),
            SentimentModel.load(directory / "sentiment.bin", directory / "lexicon.tsv"),
            load_word_list(directory / "arousal_words.txt"),
        )

    def analyze(self, text: str) -> TextAnalysis:
        tokens = tokenize(text)
        lang = self._language.detect(tokens)
        probabilities = self._sentiment.probabilities(tokens, lang)
        best = max(range(len(CLASSES)), key=probabilities.__getitem__)
        sentiment: Sentiment = ("negative", "neutral", "positive")[best]
        words = [token.text for token in tokens if token.kind == "word"]
        return TextAnalysis(
            lang=lang,
            sentiment=sentiment,
            score=probabilities[best],
            negativity=probabilities[0],
            arousal=self._arousal_share(words),
            first_person_singular=sum(1 for word in words if word in FIRST_PERSON_SINGULAR),
        )

    def _is_arousing(self, word: str) -> bool:
        return word in self._arousal_words or word.startswith(self._arousal_stems)

    def _arousal_share(self, words: list[str]) -> float:
        if not words:
            return 0.0
        return sum(1 for word in words if self._is_arousing(word)) / len(words)


_lock = threading.Lock()
_instance: Analyzer | None = None


def get_analyzer() -> Analyzer:
    """The process-wide analyzer, loaded on first call."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = Analyzer.from_directory()
    return _instance
