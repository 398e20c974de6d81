"""Three-class sentiment: a linear model over hashed word, bigram, character and lexicon features.

The weights are int8, one array per class, stored zlib-compressed with a small JSON header
(`model/sentiment.bin`). Inference sums the weights of the hashed features that a text contains,
which `operator.itemgetter` does at C speed, then applies a softmax.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chalicelib.analysis.tokenize import Token

MAGIC = b"KRSM1"
CLASSES: tuple[str, str, str] = ("negative", "neutral", "positive")
WORD_CACHE_SIZE = 50_000  # distinct words whose character n-grams stay hashed (a few MB at most)
# Phrases in the lexicon may say <num> or <time>: "seit drei Tagen", "for 3 days" → "seit <num> <time>".
_NUMBER_WORDS = frozenset(
    [
        "<num>",
        "zwei",
        "drei",
        "vier",
        "fünf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "zehn",
        "elf",
        "zwölf",
        "paar",
        "mehreren",
        "einigen",
        "vielen",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "several",
        "few",
    ]
)
_TIME_UNITS = frozenset(
    [
        "minute",
        "minuten",
        "stunde",
        "stunden",
        "tag",
        "tage",
        "tagen",
        "woche",
        "wochen",
        "monat",
        "monate",
        "monaten",
        "jahr",
        "jahren",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
    ]
)
_GERMAN_SUFFIXES = ("en", "em", "er", "es", "e", "n", "s", "st", "ste", "sten", "ster", "t", "et")


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """How texts become feature strings; stored in the model header so training and runtime agree."""

    hash_bits: int = 20
    char_min: int = 3
    char_max: int = 5
    bigrams: bool = True


class Lexicon:
    """Word polarities in [-1, 1] per language (VADER, the German Polarity Lexicon, our domain list)."""

    def __init__(self, polarities: dict[str, dict[str, float]]) -> None:
        self._polarities = polarities
        self._german = polarities.get("de", {})
        self._english = polarities.get("en", {})
        self._phrases = {
            phrase: value for table in polarities.values() for phrase, value in table.items() if " " in phrase
        }

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        polarities: dict[str, dict[str, float]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                polarities.setdefault(parts[0], {})[parts[1]] = float(parts[2])
        return cls(polarities)

    def phrase(self, words: str) -> float:
        return self._phrases.get(words, 0.0)

    def polarity(self, word: str, lang: str) -> float:
        if lang == "en":
            return self._english.get(word, 0.0)
        found = self._german_polarity(word)
        if found or lang == "de":
            return found
        return self._english.get(word, 0.0)

    def _german_polarity(self, word: str) -> float:
        found = self._german.get(word)
        if found is not None:
            return found
        # Inflection: "schlechten" → "schlecht", "enttäuschende" → "enttäuschend".
        for suffix in _GERMAN_SUFFIXES:
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                found = self._german.get(word[: -len(suffix)])
                if found is not None:
                    return found
        return 0.0


def _hash(feature: str, mask: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & mask


@lru_cache(maxsize=WORD_CACHE_SIZE)
def word_buckets(word: str, config: FeatureConfig) -> frozenset[int]:
    """Hashed character n-grams of one word. Words repeat across posts, so this is cached."""
    mask = (1 << config.hash_bits) - 1
    padded = f"<{word}>"
    return frozenset(
        _hash("c" + padded[start : start + size], mask)
        for size in range(config.char_min, config.char_max + 1)
        for start in range(len(padded) - size + 1)
    )


def _phrase_key(token: Token) -> str:
    text = token.text
    if token.kind == "number" or text in _NUMBER_WORDS:
        return "<num>"
    return "<time>" if text in _TIME_UNITS else text


def _phrase(key: str, previous: tuple[str, str], lexicon: Lexicon) -> float:
    """Polarity of the longest phrase (three, then two words) that ends at this token, else 0."""
    if previous[0]:
        found = lexicon.phrase(f"{previous[0]} {previous[1]} {key}")
        if found:
            return found
    return lexicon.phrase(f"{previous[1]} {key}") if previous[1] else 0.0


def _lexicon_features(tokens: Sequence[Token], lexicon: Lexicon, lang: str) -> list[str]:
    """Lexicon summaries; a phrase ("nie wieder", "seit <num> <time>") wins over its last word."""
    total = 0.0
    positives = negatives = phrases = 0
    last = 0.0
    previous = ("", "")
    question = False
    for token in tokens:
        if token.kind not in ("word", "emoticon", "symbol", "number"):
            question = question or "?" in token.text
            previous = ("", "")
            continue
        key = _phrase_key(token)
        polarity = _phrase(key, previous, lexicon)
        previous = (previous[1], key)
        if polarity:
            phrases += polarity < 0
        elif token.kind != "number":
            polarity = lexicon.polarity(token.text, lang)
            polarity = -0.6 * polarity if token.negated else polarity
        if not polarity:
            continue
        total += polarity
        last = polarity
        if polarity > 0:
            positives += 1
        else:
            negatives += 1
    bucket = max(-4, min(4, round(total * 1.5)))
    return [
        f"Lsum{bucket}",
        f"Lpos{min(positives, 3)}",
        f"Lneg{min(negatives, 3)}",
        f"Llast{'+' if last > 0 else '-' if last < 0 else '0'}",
        f"Lmix{positives > 0}{negatives > 0}",
        f"Lphr{min(phrases, 2)}",
        f"Lq{question and negatives > 0}",
    ]


def _token_features(tokens: Sequence[Token], config: FeatureConfig, buckets: set[int]) -> list[str]:
    """Word, symbol and bigram features as strings; the words' character n-grams go into `buckets`."""
    feats: list[str] = []
    previous = "<s>"
    for token in tokens:
        text = token.text
        if token.kind == "word":
            feats.append(("wN" if token.negated else "w") + text)
            if token.shouted:
                feats.append("caps")
            if token.elongated:
                feats.append("elong")
            buckets.update(word_buckets(text, config))
        elif text.startswith("!"):
            # In tweets "!" marks enthusiasm, in complaints anger: a topic artefact, left out.
            continue
        elif token.kind in ("emoticon", "symbol", "punct"):
            feats.append("s" + text)
        else:
            feats.append("k" + text)
        if config.bigrams:
            feats.append(f"b{previous} {text}")
        previous = text
    if config.bigrams:
        feats.append(f"b{previous} </s>")
    return feats


def feature_buckets(tokens: Sequence[Token], lang: str, lexicon: Lexicon, config: FeatureConfig) -> list[int]:
    """Distinct hashed feature ids of a text (binary features); the bias feature is always present.

    Training calls this very function, so the shipped weights and the runtime features agree.
    """
    mask = (1 << config.hash_bits) - 1
    buckets: set[int] = set()
    strings = ["<bias>", *_token_features(tokens, config, buckets), *_lexicon_features(tokens, lexicon, lang)]
    buckets.update(_hash(feature, mask) for feature in strings)
    return list(buckets)


@dataclass(frozen=True, slots=True)
class SentimentModel:
    config: FeatureConfig
    weights: tuple[array[int], ...]  # one int8 array per class, 2**hash_bits long
    scales: tuple[float, ...]
    intercepts: tuple[float, ...]
    lexicon: Lexicon

    @classmethod
    def load(cls, weights_path: Path, lexicon_path: Path) -> SentimentModel:
        raw = zlib.decompress(weights_path.read_bytes())
        if not raw.startswith(MAGIC):
            raise ValueError(f"{weights_path}: not a sentiment model")
        (header_len,) = struct.unpack_from("<I", raw, len(MAGIC))
        offset = len(MAGIC) + 4
        header = json.loads(raw[offset : offset + header_len])
        offset += header_len
        config = FeatureConfig(**header["config"])
        size = 1 << config.hash_bits
        weights = []
        for index in range(len(CLASSES)):
            class_weights = array("b")
            class_weights.frombytes(raw[offset + index * size : offset + (index + 1) * size])
            weights.append(class_weights)
        return cls(
            config,
            tuple(weights),
            tuple(header["scales"]),
            tuple(header["intercepts"]),
            Lexicon.load(lexicon_path),
        )

    def probabilities(self, tokens: Sequence[Token], lang: str) -> tuple[float, float, float]:
        """P(negative), P(neutral), P(positive)."""
        buckets = feature_buckets(tokens, lang, self.lexicon, self.config)
        norm = 1.0 / math.sqrt(len(buckets))  # rows are L2-normalised binary vectors, as in training
        logits = [
            bias + scale * norm * sum(map(weights.__getitem__, buckets))
            for weights, scale, bias in zip(self.weights, self.scales, self.intercepts, strict=True)
        ]
        top = max(logits)
        exps = [math.exp(logit - top) for logit in logits]
        total = sum(exps)
        return exps[0] / total, exps[1] / total, exps[2] / total
