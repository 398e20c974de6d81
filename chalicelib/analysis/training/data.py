"""Loading the sentiment corpora from shared/data, with the overlaps between them removed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LABELS = ("negative", "neutral", "positive")
_TWEETEVAL_LABELS = {"0": "negative", "1": "neutral", "2": "positive"}
_NON_WORD = re.compile(r"\W+")
_URL_OR_USER = re.compile(r"https?://\S+|@\w+")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    lang: str
    source: str


def shared_dir() -> Path:
    configured = os.environ.get("KRISENRADAR_SHARED")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared"


def sentiment_dir() -> Path:
    return shared_dir() / "data" / "sentiment"


def fingerprint(text: str) -> str:
    """Text identity for overlap checks: case, URLs, user names, spacing and punctuation ignored."""
    cleaned = _URL_OR_USER.sub(" ", text.replace("\\u002c", ",").replace("\\u2019", "'"))
    return _NON_WORD.sub("", cleaned.lower())


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                yield parts


def _clean(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    return text.replace("\\u002c", ",").replace("\\u2019", "’").replace("\\u2018", "‘")


def sb10k(split: str) -> list[Example]:
    """SB10k: split is train, dev or test (the published split)."""
    path = sentiment_dir() / "de" / "sb10k" / f"{split}.tsv"
    return [
        Example(_clean(row[2]), row[1], "de", f"sb10k-{split}") for row in _rows(path) if row[1] in LABELS
    ]


def potts(split: str) -> list[Example]:
    """PotTS: dev, test, or train (= the corpus minus the dev and test texts); 'mixed' dropped."""
    base = sentiment_dir() / "de" / "potts"
    if split in ("dev", "test"):
        rows = [(row[1], row[2]) for row in _rows(base / f"{split}.tsv")]
    else:
        held_out = {fingerprint(e.text) for part in ("dev", "test") for e in potts(part)}
        rows = [(row[0], row[1]) for row in _rows(base / "corpus_label_text.tsv")]
        rows = [(label, text) for label, text in rows if fingerprint(text) not in held_out]
    return [Example(_clean(text), label, "de", f"potts-{split}") for label, text in rows if label in LABELS]


def tweeteval_val() -> list[Example]:
    base = sentiment_dir() / "en" / "tweeteval-val"
    texts = (base / "val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = (base / "val_labels.txt").read_text(encoding="utf-8").split()
    return [
        Example(_clean(text), _TWEETEVAL_LABELS[label], "en", "tweeteval-val")
        for text, label in zip(texts, labels, strict=True)
    ]


def semeval() -> list[Example]:
    """All SemEval 2013-2016 task A files (TweetEval's training pool)."""
    examples: list[Example] = []
    for path in sorted((sentiment_dir() / "en" / "semeval2013-2016").glob("twitter-*-A.tsv")):
        source = "semeval-" + path.stem.removeprefix("twitter-").removesuffix("-A")
        examples.extend(
            Example(_clean(row[2]), row[1], "en", source)
            for row in _rows(path)
            if len(row) >= 3 and row[1] in LABELS
        )
    return examples


def development_sets() -> dict[str, list[Example]]:
    """The sets we report on; nothing in them is ever trained on."""
    return {
        "SB10k test (de)": sb10k("test"),
        "PotTS test (de)": potts("test"),
        "TweetEval val (en)": tweeteval_val(),
    }


def training_sets() -> dict[str, list[Example]]:
    """Training data, de-duplicated, with every text that also occurs in a reported set removed.

    `model-selection` is SB10k dev + PotTS dev: used to choose hyper-parameters, then trained on too.
    """
    reported = {fingerprint(e.text) for examples in development_sets().values() for e in examples}
    seen: set[str] = set()

    def fresh(examples: list[Example]) -> list[Example]:
        kept = []
        for example in examples:
            key = fingerprint(example.text)
            if key and key not in reported and key not in seen:
                seen.add(key)
                kept.append(example)
        return kept

    return {
        "train": fresh(sb10k("train") + potts("train") + semeval()),
        "model-selection": fresh(sb10k("dev") + potts("dev")),
    }
