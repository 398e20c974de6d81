"""Builds model/lexicon.tsv: word polarities in [-1, 1] from lexicons that PyPI packages ship.

- English: VADER (vaderSentiment, MIT), mean valence / 4.
- German: German Polarity Lexicon (Klenner et al.) as shipped in textblob-de (Apache-2.0).
- Emoticons come with VADER; emoji polarities are learned from the training data instead.
- Our own complaint and service vocabulary (domain_lexicon.tsv) overrides both.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from chalicelib.analysis.tokenize import is_negator

_DOMAIN = Path(__file__).resolve().parent / "domain_lexicon.tsv"
_FORM_AND_POLARITY = re.compile(r'form="([^"]+)"[^>]*polarity="([^"]+)"')


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"training needs the package {name!r} (see model/MODEL_CARD.md)")
    return Path(next(iter(spec.submodule_search_locations)))


def vader() -> dict[str, float]:
    polarities = {}
    for line in (
        (package_dir("vaderSentiment") / "vader_lexicon.txt").read_text(encoding="utf-8").splitlines()
    ):
        parts = line.split("\t")
        if len(parts) >= 2:
            polarities[parts[0].lower() if parts[0].isalpha() else parts[0]] = float(parts[1]) / 4.0
    return polarities


def german_polarity_lexicon() -> dict[str, float]:
    xml = (package_dir("textblob_de") / "data" / "de-sentiment.xml").read_text(encoding="utf-8")
    polarities: dict[str, float] = {}
    for form, value in _FORM_AND_POLARITY.findall(xml):
        polarity = float(value)
        if polarity:
            polarities.setdefault(form.lower(), polarity)
    return polarities


def domain(language: str) -> dict[str, float]:
    """Our own entries for one language: unprefixed lines count for both, `de:`/`en:` for one."""
    polarities = {}
    for line in _DOMAIN.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, value = line.split("\t")
            prefix, _, rest = word.partition(":")
            if rest and prefix in ("de", "en"):
                if prefix != language:
                    continue
                word = rest
            polarities[word] = float(value)
    return polarities


def _clip(polarities: dict[str, float]) -> dict[str, float]:
    return {
        word: max(-1.0, min(1.0, value))
        for word, value in polarities.items()
        if value and "\t" not in word and not is_negator(word)
    }


def build(path: Path) -> dict[str, dict[str, float]]:
    """Writes `lang<TAB>word<TAB>polarity` lines; the domain list counts for both languages."""
    by_language = {
        "en": _clip({**vader(), **domain("en")}),
        "de": _clip({**german_polarity_lexicon(), **domain("de")}),
    }
    lines = [
        f"{language}\t{word}\t{value:.2f}"
        for language, polarities in sorted(by_language.items())
        for word, value in sorted(polarities.items())
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return by_language
