"""Language identification on small cases: German, English, other."""

from __future__ import annotations

import pytest

from chalicelib.analysis.analyzer import Analyzer, get_analyzer


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return get_analyzer()


@pytest.mark.parametrize(
    "text",
    [
        "Mein Paket ist seit zwei Wochen unterwegs und der Kundenservice antwortet nicht.",
        "Rückruf bei @Autohaus: die Bremsen sind kaputt, ich bin sauer",
        "Das ist super",
        "kein guter Service",
        "Die Bahn hat schon wieder Verspätung #fail",
    ],
)
def test_german(analyzer: Analyzer, text: str) -> None:
    assert analyzer.analyze(text).lang == "de"


@pytest.mark.parametrize(
    "text",
    [
        "My package has been in transit for two weeks and support does not answer.",
        "Worst service ever, I want a refund",
        "not good",
        "Thanks @shop for the quick help!",
    ],
)
def test_english(analyzer: Analyzer, text: str) -> None:
    assert analyzer.analyze(text).lang == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Le service client ne répond jamais, c'est inadmissible.",
        "El servicio al cliente es terrible y nadie contesta.",
        "Het pakket is nog steeds niet aangekomen.",
        "Служба поддержки не отвечает уже неделю.",
        "顧客サービスは最悪です",
        "",
        "😀😀",
        "12345 !!!",
    ],
)
def test_other_languages_and_textless_posts(analyzer: Analyzer, text: str) -> None:
    assert analyzer.analyze(text).lang == "other"
