"""Behaviour of the shipped sentiment model on small, unambiguous cases."""

from __future__ import annotations

import pytest

from chalicelib.analysis.analyzer import Analyzer, get_analyzer
from chalicelib.analysis.sentiment import Lexicon, _lexicon_features
from chalicelib.analysis.tokenize import MAX_CHARS, tokenize


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return get_analyzer()


@pytest.mark.parametrize(
    "text",
    [
        "Das ist super",
        "Danke für die schnelle Hilfe, toller Service!",
        "I love this, great job :)",
        "Thanks for the quick refund, excellent support!",
    ],
)
def test_praise_is_positive(analyzer: Analyzer, text: str) -> None:
    assert analyzer.analyze(text).sentiment == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "Das ist nicht gut",
        "kein guter Service",
        "Mein Paket kam kaputt an und keiner meldet sich. Nie wieder!",
        "not good",
        "Worst service ever, I want a refund",
        "This is not what I paid for, totally broken",
    ],
)
def test_complaints_and_negated_praise_are_negative(analyzer: Analyzer, text: str) -> None:
    result = analyzer.analyze(text)
    assert result.sentiment == "negative"
    assert result.negativity == result.score


@pytest.mark.parametrize(
    "text",
    [
        "Seit drei Wochen keine Antwort vom Kundenservice, ich warte immer noch auf mein Geld.",
        "Der Wasserkocher ist verschmort und hat gequalmt. Das ist lebensgefährlich!",
        "Warum gibt es immer noch keinen Rückruf für das defekte Ladegerät?",
        "Das Gerät ist nach zwei Tagen kaputt gegangen. Ich will mein Geld zurück!",
        "Still waiting for my refund after three weeks, no response from support.",
        "The heater caught fire in our living room. This thing is dangerous.",
        "Why is there still no recall for this faulty charger?",
        "It stopped working after two days and nobody answers. I want my money back!",
    ],
)
def test_customer_complaints_are_negative(analyzer: Analyzer, text: str) -> None:
    assert analyzer.analyze(text).sentiment == "negative"


def test_complaint_phrases_match_numbers_and_time_units() -> None:
    lexicon = Lexicon({"de": {"seit <num> <time>": -0.6}, "en": {"still waiting": -0.7}})
    for text in ("seit 3 Tagen", "seit drei Wochen"):
        assert "Lphr1" in _lexicon_features(tokenize(text), lexicon, "de")
    assert "Lphr0" in _lexicon_features(tokenize("seit gestern"), lexicon, "de")
    assert "Lphr1" in _lexicon_features(tokenize("still waiting"), lexicon, "en")


def test_negation_flips_praise(analyzer: Analyzer) -> None:
    assert analyzer.analyze("Das ist gut").sentiment == "positive"
    assert analyzer.analyze("Das ist nicht gut").sentiment == "negative"
    assert analyzer.analyze("The support was good").sentiment == "positive"
    assert analyzer.analyze("The support was not good").sentiment == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Der Zug nach Hamburg fährt um 9 Uhr ab.",
        "The store on Main Street opens on Monday at 9am.",
    ],
)
def test_plain_facts_are_neutral(analyzer: Analyzer, text: str) -> None:
    assert analyzer.analyze(text).sentiment == "neutral"


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "!!!", "@user http://t.co/x", "x" * (MAX_CHARS * 3)])
def test_degenerate_input_gives_a_valid_result(analyzer: Analyzer, text: str) -> None:
    result = analyzer.analyze(text)
    assert result.sentiment in ("negative", "neutral", "positive")
    assert 1 / 3 <= result.score <= 1.0
    assert 0.0 <= result.negativity <= 1.0
    assert 0.0 <= result.arousal <= 1.0


def test_emoji_carry_sentiment(analyzer: Analyzer) -> None:
    assert analyzer.analyze("😡😡😡").sentiment == "negative"
    assert analyzer.analyze("😍😍").sentiment == "positive"


def test_very_long_text_is_capped_not_rejected(analyzer: Analyzer) -> None:
    text = "Der Service ist eine Frechheit. " * 2000
    assert len(tokenize(text)) < 2000
    assert analyzer.analyze(text).sentiment == "negative"


def test_firestorm_cues(analyzer: Analyzer) -> None:
    angry = analyzer.analyze("Ich bin wütend, diese Abzocke ist ein Skandal! Mein Geld will ich zurück.")
    calm = analyzer.analyze("Die neue Filiale hat heute eröffnet.")
    assert angry.arousal > 0.2
    assert angry.first_person_singular == 3
    assert calm.arousal == 0.0
    assert calm.first_person_singular == 0
    english = analyzer.analyze("I'm furious, my order is a scam and they ignore me")
    assert english.arousal > 0.1
    assert english.first_person_singular == 3


def test_the_analyzer_is_a_singleton() -> None:
    assert get_analyzer() is get_analyzer()


def test_negation_scope_ends_at_the_clause() -> None:
    tokens = tokenize("nicht gut. Aber schön")
    negated = {token.text: token.negated for token in tokens if token.kind == "word"}
    assert negated == {"nicht": False, "gut": True, "aber": False, "schön": False}
