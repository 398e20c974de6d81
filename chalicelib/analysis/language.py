"""Language identification (de, en, other): naive Bayes over hashed character 1-3-grams.

The per-language n-gram log-probabilities come from the language profiles that the `langdetect`
package ships (Apache-2.0, built from Wikipedia), quantised to one byte per hashed bucket and stored
in `model/language.bin`. Texts in a non-Latin script are "other" without scoring.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zlib import crc32

from chalicelib.analysis.tokenize import Token
from chalicelib.analysis.types import Language

MAGIC = b"KRLM2"
MAX_NGRAMS = 250  # enough evidence for any post (accuracy is flat beyond ~200); keeps long texts cheap
_LATIN_LIMIT = 0x250  # Basic Latin .. Latin Extended-B


def char_ngrams(words: Iterable[str], max_n: int = 3) -> list[str]:
    """Character 1..max_n-grams of space-padded words, as langdetect profiles count them."""
    grams: list[str] = []
    for word in words:
        padded = f" {word} "
        for size in range(1, max_n + 1):
            for start in range(len(padded) - size + 1):
                gram = padded[start : start + size]
                if gram != " ":
                    grams.append(gram)
    return grams


def bucket(gram: str, bits: int) -> int:
    return crc32(gram.encode("utf-8")) & ((1 << bits) - 1)


def letters_are_latin(text: str) -> bool:
    latin = other = 0
    for char in text:
        if char.isalpha():
            if ord(char) < _LATIN_LIMIT:
                latin += 1
            else:
                other += 1
    return latin > other


def interleave(tables: Sequence[Sequence[int]]) -> bytes:
    """The stored layout: per bucket, every language's cost as little-endian uint16 (training side)."""
    count = len(tables)
    interleaved = array("H", bytes(2 * count * len(tables[0])))
    for index, table in enumerate(tables):
        interleaved[index::count] = array("H", table)
    if sys.byteorder != "little":
        interleaved.byteswap()
    return interleaved.tobytes()


def unpack_buckets(raw: bytes, count: int) -> list[int]:
    """One int per bucket holding every language's cost in a 16-bit field.

    Summing these ints adds all languages' costs at once (a post has at most MAX_NGRAMS n-grams of
    cost <= 255, so no field overflows), which makes detection one C-level `sum` per post.
    """
    width = 2 * count
    from_bytes = int.from_bytes
    return [from_bytes(raw[start : start + width], "little") for start in range(0, len(raw), width)]


@dataclass(frozen=True, slots=True)
class LanguageModel:
    languages: tuple[str, ...]
    packed: list[int]  # per bucket: every language's -log P(bucket | language) / step, see `pack`
    step: float
    bits: int
    priors: tuple[float, ...]  # log-prior bonus per language, in nats
    min_letters: int

    @classmethod
    def load(cls, path: Path) -> LanguageModel:
        raw = zlib.decompress(path.read_bytes())
        if not raw.startswith(MAGIC):
            raise ValueError(f"{path}: not a language model")
        (header_len,) = struct.unpack_from("<I", raw, len(MAGIC))
        offset = len(MAGIC) + 4
        header = json.loads(raw[offset : offset + header_len])
        offset += header_len
        bits = int(header["bits"])
        languages = tuple(header["languages"])
        return cls(
            languages=languages,
            packed=unpack_buckets(raw[offset : offset + (2 << bits) * len(languages)], len(languages)),
            step=float(header["step"]),
            bits=bits,
            priors=tuple(float(p) for p in header["priors"]),
            min_letters=int(header["min_letters"]),
        )

    def scores(self, words: Sequence[str]) -> dict[str, float]:
        """Log-likelihood (plus prior) per language; higher is more likely."""
        grams = char_ngrams(words)[:MAX_NGRAMS]
        mask = (1 << self.bits) - 1
        total = sum(map(self.packed.__getitem__, [crc32(gram.encode("utf-8")) & mask for gram in grams]))
        count = len(self.languages)
        costs = struct.unpack(f"<{count}H", total.to_bytes(2 * count, "little"))
        return {
            language: prior - self.step * cost
            for language, cost, prior in zip(self.languages, costs, self.priors, strict=True)
        }

    def detect(self, tokens: Sequence[Token]) -> Language:
        words = [token.text for token in tokens if token.kind == "word"]
        letters = sum(len(word) for word in words)
        if letters < self.min_letters or not letters_are_latin("".join(words)):
            return "other"
        scores = self.scores(words)
        best = max(scores, key=scores.__getitem__)
        if best == "de":
            return "de"
        if best == "en":
            return "en"
        return "other"
