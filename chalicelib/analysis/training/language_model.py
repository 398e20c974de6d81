"""Builds model/language.bin from the n-gram profiles that the `langdetect` package ships (Apache-2.0).

Each profile counts character 1-3-grams in one language's Wikipedia. We fold case, hash the n-grams
into 2**bits buckets, and store -log P(bucket | language) per language as one byte.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from array import array
from collections import Counter
from pathlib import Path

from chalicelib.analysis.language import MAGIC, bucket, char_ngrams, interleave
from chalicelib.analysis.tokenize import tokenize
from chalicelib.analysis.training.lexicons import package_dir

# Latin-script languages of the langdetect profiles; texts in other scripts are "other" by rule.
LANGUAGES = [
    "de",
    "en",
    "af",
    "ca",
    "cs",
    "cy",
    "da",
    "es",
    "et",
    "fi",
    "fr",
    "hr",
    "hu",
    "id",
    "it",
    "lt",
    "lv",
    "nl",
    "no",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "so",
    "sq",
    "sv",
    "sw",
    "tl",
    "tr",
    "vi",
]
BITS = 15
STEP = 0.05  # nats per quantisation step
SMOOTHING = 1e-5
TWEET_NGRAMS = 4000
PRIORS = {"de": 1.5, "en": 1.5}  # the product watches German and English sources
MIN_LETTERS = 2


def _probabilities(profile: dict[str, object], bits: int) -> dict[int, float]:
    """P(n-gram | language) per bucket, n-grams lower-cased, each n-gram size normalised on its own."""
    freq = profile["freq"]
    n_words = profile["n_words"]
    assert isinstance(freq, dict) and isinstance(n_words, list)
    mass: dict[int, float] = {}
    for gram, count in freq.items():
        size = len(gram)
        if 1 <= size <= 3:
            key = bucket(gram.lower(), bits)
            mass[key] = mass.get(key, 0.0) + count / n_words[size - 1]
    return mass


def _tweet_probabilities(texts: list[str], bits: int) -> dict[int, float]:
    """P(n-gram | language) from our own training tweets, pruned like the Wikipedia profiles."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(char_ngrams(token.text for token in tokenize(text) if token.kind == "word"))
    totals = [0, 0, 0]
    for gram, count in counts.items():
        totals[len(gram) - 1] += count
    mass: dict[int, float] = {}
    for gram, count in counts.most_common(TWEET_NGRAMS):
        key = bucket(gram, bits)
        mass[key] = mass.get(key, 0.0) + count / totals[len(gram) - 1]
    return mass


def _blend(first: dict[int, float], second: dict[int, float]) -> dict[int, float]:
    return {key: (first.get(key, 0.0) + second.get(key, 0.0)) / 2 for key in first.keys() | second.keys()}


def _tables(profiles: list[dict[int, float]], bits: int) -> list[array[int]]:
    """Cost per bucket relative to the best language; buckets in no profile cost nothing anywhere.

    Like langdetect, an n-gram that no profile knows carries no evidence, and a smoothing term keeps
    one unknown n-gram from vetoing a language.
    """
    tables = [array("B", bytes(1 << bits)) for _ in profiles]
    known = set().union(*profiles)
    for key in known:
        costs = [-math.log(probabilities.get(key, 0.0) + SMOOTHING) for probabilities in profiles]
        best = min(costs)
        for table, cost in zip(tables, costs, strict=True):
            table[key] = min(255, round((cost - best) / STEP))
    return tables


def build(path: Path, tweets: dict[str, list[str]]) -> None:
    """`tweets`: training texts per language, blended into that language's Wikipedia profile."""
    profiles_dir = package_dir("langdetect") / "profiles"
    profiles = [
        _probabilities(json.loads((profiles_dir / name).read_text(encoding="utf-8")), BITS)
        for name in LANGUAGES
    ]
    for index, name in enumerate(LANGUAGES):
        if name in tweets:
            profiles[index] = _blend(profiles[index], _tweet_probabilities(tweets[name], BITS))
    tables = _tables(profiles, BITS)
    header = json.dumps(
        {
            "languages": LANGUAGES,
            "bits": BITS,
            "step": STEP,
            "priors": [PRIORS.get(name, 0.0) for name in LANGUAGES],
            "min_letters": MIN_LETTERS,
            "source": "langdetect 1.0.9 profiles (Apache-2.0)",
        }
    ).encode("utf-8")
    payload = MAGIC + struct.pack("<I", len(header)) + header + interleave(tables)
    path.write_bytes(zlib.compress(payload, 9))  # into the staging directory, see training/__main__.py
