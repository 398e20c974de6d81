"""Tokenisation shared by the language identifier, the sentiment model and its training code.

Runtime and training call the same functions, so a feature means the same thing in both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Mentions are capped here so one pathological post cannot stall a batch; sentiment is decided long before.
MAX_CHARS = 4000

_URL = r"(?P<url>(?:https?://|www\.)\S+)"
_USER = r"(?P<user>@\w+)"
_EMOTICON = (
    r"(?P<emoticon><3+|\^\^|(?<!\w)[xX][dD]+(?!\w)"
    r"|[>]?[:;=8][\-o\*'’]?[\)\]\(\[dDpP/\\|\}\{@3\*](?!\w)"
    r"|(?<!\w)[\(\[\)\]][\-o\*'’]?[:;=](?!\w))"
)
_WORD = r"(?P<word>#?[^\W\d_]+(?:['’\-][^\W\d_]+)*)"
_NUMBER = r"(?P<number>\d+(?:[.,:]\d+)*)"
_PUNCT = r"(?P<punct>[!?]+|[.;:]+|,)"
_SYMBOL = r"(?P<symbol>[^\s\w])"
_TOKEN = re.compile("|".join([_URL, _USER, _EMOTICON, _WORD, _NUMBER, _PUNCT, _SYMBOL]))
_ELONGATED = re.compile(r"(\w)\1{2,}")
_SKIN_TONES_AND_JOINERS = re.compile("[\U0001f3fb-\U0001f3ff\u200d\ufe0e\ufe0f]")

# A negator flips the polarity of the next few words up to the end of the clause.
NEGATORS = frozenset(
    {
        "nicht",
        "nich",
        "net",
        "kein",
        "keine",
        "keinen",
        "keinem",
        "keiner",
        "keines",
        "nie",
        "niemals",
        "nichts",
        "niemand",
        "weder",
        "nimmer",
        "ohne",
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "nor",
        "neither",
        "cannot",
        "without",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "couldnt",
        "wont",
        "wouldnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "aint",
        "havent",
        "hasnt",
        "hadnt",
        "shouldnt",
    }
)
NEGATION_SCOPE = 4
CLAUSE_END = frozenset({"punct"})


@dataclass(frozen=True, slots=True)
class Token:
    """One token: `text` is lower-cased and de-elongated; `negated` marks words inside a negation scope."""

    text: str
    kind: str  # url, user, emoticon, word, number, punct, symbol
    negated: bool = False
    shouted: bool = False
    elongated: bool = False


def normalise(text: str) -> str:
    """NFC-normalise, cap the length, and drop emoji modifiers that only vary the look."""
    text = unicodedata.normalize("NFC", text[:MAX_CHARS])
    return _SKIN_TONES_AND_JOINERS.sub("", text).replace("\\u002c", ",").replace("\\u2019", "'")


def is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't") or word.endswith("n’t")


def tokenize(text: str) -> list[Token]:
    """Split a post into tokens and mark negation scopes ("nicht gut" → `gut` negated)."""
    tokens: list[Token] = []
    scope = 0
    for match in _TOKEN.finditer(normalise(text)):
        kind = match.lastgroup or "symbol"
        raw = match.group()
        if kind == "word":
            word = raw.lstrip("#")
            lowered = word.lower()
            squeezed = _ELONGATED.sub(r"\1\1", lowered)
            tokens.append(
                Token(
                    squeezed,
                    kind,
                    negated=scope > 0,
                    shouted=len(word) > 2 and word.isupper(),
                    elongated=squeezed != lowered,
                )
            )
            if is_negator(squeezed):
                scope = NEGATION_SCOPE
            elif scope:
                scope -= 1
            continue
        if kind == "punct" and raw != ",":
            scope = 0
        text_value = raw if kind == "emoticon" else raw.lower()
        if kind == "url":
            text_value = "<url>"
        elif kind == "user":
            text_value = "<user>"
        elif kind == "number":
            text_value = "<num>"
        elif kind == "punct":
            text_value = raw[:3]
        tokens.append(Token(text_value, kind))
    return tokens


def words(tokens: list[Token]) -> list[str]:
    return [token.text for token in tokens if token.kind == "word"]
