"""Loading the sentiment corpora from shared/data, with the overlaps between them removed."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
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


def _label_text(path: Path, lang: str, source: str) -> list[Example]:
    """A `label<TAB>text` file as staged in shared/data (the newer corpora)."""
    return [Example(_clean(row[1]), row[0], lang, source) for row in _rows(path) if row[0] in LABELS]


def _staged(folder: str, files: tuple[str, ...], lang: str, source: str) -> list[Example]:
    base = sentiment_dir() / lang / folder
    return [example for name in files for example in _label_text(base / name, lang, source)]


@dataclass(frozen=True, slots=True)
class Corpus:
    """One sentiment corpus in shared/data, whole (every split), for leave-one-corpus-out runs.

    `shippable`: its licence lets the shipped model train on it (data/LICENSES.md). The others are
    only ever test corpora.
    """

    name: str
    lang: str
    domain: str
    shippable: bool

    def load(self) -> list[Example]:
        return _LOADERS[self.name]()


_LOADERS: dict[str, Callable[[], list[Example]]] = {
    "sb10k": lambda: sb10k("train") + sb10k("dev") + sb10k("test"),
    "potts": lambda: potts("train") + potts("dev") + potts("test"),
    "mozetic-de": lambda: _staged("mozetic-twitter-de", ("train.tsv",), "de", "mozetic-de"),
    "xed-de": lambda: _staged("xed-de-projections", ("train.tsv",), "de", "xed-de"),
    "semeval": semeval,
    "tweeteval-val": tweeteval_val,
    "dynasent": lambda: _staged("dynasent-r1-dev", ("train.tsv",), "en", "dynasent"),
    "uci": lambda: _staged("uci-sentiment-sentences", ("train.tsv",), "en", "uci"),
    "goemotions": lambda: _staged(
        "goemotions-sentiment", ("train.tsv", "dev.tsv", "test.tsv"), "en", "goemotions"
    ),
}

CORPORA: tuple[Corpus, ...] = (
    Corpus("sb10k", "de", "tweets", shippable=True),
    Corpus("potts", "de", "tweets", shippable=True),
    # CC BY-SA 4.0 is believed but could not be confirmed offline: test corpus only.
    Corpus("mozetic-de", "de", "tweets (binary)", shippable=False),
    Corpus("xed-de", "de", "film subtitles (binary)", shippable=True),
    Corpus("semeval", "en", "tweets", shippable=True),
    # TweetEval validation is for development only (data/LICENSES.md).
    Corpus("tweeteval-val", "en", "tweets", shippable=False),
    Corpus("dynasent", "en", "business reviews", shippable=True),
    Corpus("uci", "en", "product and restaurant reviews (binary)", shippable=True),
    Corpus("goemotions", "en", "Reddit comments", shippable=True),
)


def corpus(name: str) -> Corpus:
    return next(c for c in CORPORA if c.name == name)


def unique(examples: list[Example]) -> list[Example]:
    """First occurrence of every text (by fingerprint); texts without a word dropped."""
    seen: set[str] = set()
    kept = []
    for example in examples:
        key = fingerprint(example.text)
        if key and key not in seen:
            seen.add(key)
            kept.append(example)
    return kept
