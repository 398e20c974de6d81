"""Trains the sentiment model: logistic regression over the runtime's own hashed features.

Features come from `chalicelib.analysis.sentiment.feature_strings`, so training and inference can
never disagree. The weights are quantised to int8 per class and written to model/sentiment.bin.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from chalicelib.analysis.language import LanguageModel
from chalicelib.analysis.sentiment import CLASSES, MAGIC, FeatureConfig, Lexicon, feature_buckets
from chalicelib.analysis.tokenize import tokenize
from chalicelib.analysis.training.data import Example


@dataclass(frozen=True)
class TrainConfig:
    c: float = 1.0
    german_weight: float = 2.0  # German is the smaller half of the data and the product's main language
    class_weight: str | None = "balanced"
    max_iter: int = 300
    template_weight: float = 1.0  # self-written complaint templates (training/complaints.py)


def featurize(
    examples: Sequence[Example], language: LanguageModel, lexicon: Lexicon, config: FeatureConfig
) -> sparse.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for example in examples:
        tokens = tokenize(example.text)
        lang = language.detect(tokens)
        buckets = feature_buckets(tokens, lang, lexicon, config)
        indices.extend(buckets)
        values.extend([1.0 / np.sqrt(len(buckets))] * len(buckets))
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.array(values), np.array(indices), np.array(indptr)), shape=(len(examples), 1 << config.hash_bits)
    )


def labels(examples: Sequence[Example]) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.array([CLASSES.index(e.label) for e in examples])


def sample_weights(examples: Sequence[Example], config: TrainConfig) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array(
        [
            (config.german_weight if e.lang == "de" else 1.0)
            * (config.template_weight if e.source == "templates" else 1.0)
            for e in examples
        ]
    )


def fit(
    matrix: sparse.csr_matrix,
    labels: np.ndarray[Any, np.dtype[np.int64]],
    weights: np.ndarray[Any, np.dtype[np.float64]],
    config: TrainConfig,
) -> LogisticRegression:
    model = LogisticRegression(
        C=config.c, class_weight=config.class_weight, max_iter=config.max_iter, tol=1e-4
    )
    model.fit(matrix, labels, sample_weight=weights)
    return model


def quantise(model: LogisticRegression) -> tuple[list[bytes], list[float]]:
    arrays = []
    scales = []
    for row in model.coef_:
        scale = float(np.abs(row).max()) / 127.0
        arrays.append(np.clip(np.round(row / scale), -127, 127).astype(np.int8).tobytes())
        scales.append(scale)
    return arrays, scales


def write(
    path: Path,
    model: LogisticRegression,
    feature_config: FeatureConfig,
    meta: dict[str, Any],
) -> None:
    """Writes the model atomically (temporary file, then rename), so a reader never sees half a file."""
    arrays, scales = quantise(model)
    header = json.dumps(
        {
            "classes": list(CLASSES),
            "config": asdict(feature_config),
            "scales": scales,
            "intercepts": [float(b) for b in model.intercept_],
            **meta,
        }
    ).encode("utf-8")
    payload = MAGIC + struct.pack("<I", len(header)) + header + b"".join(arrays)
    write_atomically(path, zlib.compress(payload, 9))


def write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(content)
    temporary.replace(path)
