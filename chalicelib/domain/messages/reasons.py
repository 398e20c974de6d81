"""Why an incident fired, in German and English: a plain sentence for people under stress, and the
statistics behind it apart, for those who want to check.

A reason is a signal code with its numbers (`Reason`). People read it as a plain sentence ("20
Erwähnungen in 5 Minuten, sonst etwa 1"). Incidents store the plain German sentence and, where known,
the numbers. `read_reason` turns a stored sentence back into a `Reason` (also the statistical texts of
older incidents, and the volume detector's account).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from chalicelib.domain.models import Incident, Reason

Lang = Literal["de", "en"]
Values = dict[str, float]
BERLIN = ZoneInfo("Europe/Berlin")

# ----------------------------------------------------------------------------------------- reasons


_DE_DIGITS = str.maketrans({",": ".", ".": ","})
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _num(value: float, lang: Lang, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.translate(_DE_DIGITS) if lang == "de" else text


def _typical(value: float) -> float:
    """What "etwa" rounds to: 0 below 1 (almost none), whole numbers, two significant digits from 100."""
    if value < 1:
        return 0.0
    if value < 100:
        return float(round(value))
    step = 10 ** (int(math.log10(value)) - 1)
    return float(round(value / step) * step)


def _usually(value: float, lang: Lang, unit: str = "") -> str:
    typical = _typical(value)
    if typical == 0:
        return "sonst fast keine" if lang == "de" else "usually almost none"
    amount = _num(typical, lang) + (f" {unit}" if lang == "de" and unit else unit)
    return f"sonst etwa {amount}" if lang == "de" else f"usually about {amount}"


def _mentions(count: float, lang: Lang) -> str:
    n = round(count)
    singular, plural = ("Erwähnung", "Erwähnungen") if lang == "de" else ("mention", "mentions")
    noun = singular if n == 1 else plural
    return f"{_num(n, lang)} {noun}"


def _span(minutes: float, lang: Lang) -> str:
    m = round(minutes)
    if m == 60:
        return "in der letzten Stunde" if lang == "de" else "in the last hour"
    if m % 60 == 0:
        return f"in den letzten {m // 60} Stunden" if lang == "de" else f"in the last {m // 60} hours"
    return f"in den letzten {m} Minuten" if lang == "de" else f"in the last {m} minutes"


def _precise(value: float, lang: Lang) -> str:
    if value < 0.01:
        return "fast 0" if lang == "de" else "almost 0"
    if value < 1:  # 0,04 and 0,8 (not 0,80)
        return _num(value, lang, 2).removesuffix("0")
    return _num(value, lang, 1 if value < 10 else 0)


def _power_of_ten(exponent: int) -> str:
    return "10" + str(exponent).translate(_SUPERSCRIPT)


def _p_value(p: float, lang: Lang) -> str:
    if p <= 0:
        return f"p < {_power_of_ten(-300)}"
    if p >= 0.001:
        return f"p = {_num(p, lang, 3)}"
    mantissa, exponent = f"{p:.1e}".split("e")
    return f"p = {_num(float(mantissa), lang, 1)}·{_power_of_ten(int(exponent))}"


def _volume(v: Values, lang: Lang) -> str:
    count = round(v.get("count", 0))
    text = f"{_mentions(count, lang)} in 5 {'Minuten' if lang == 'de' else 'minutes'}, "
    text += _usually(v.get("expected", 0), lang)
    window, minutes = round(v.get("window_count", 0)), v.get("minutes", 5)
    if minutes > 5 and window > count:
        usually = _usually(v.get("window_expected", 0), lang)
        if lang == "de":
            text += f" ({_span(minutes, lang)} {_num(window, lang)}, {usually})"
        else:
            text += f" ({_num(window, lang)} {_span(minutes, lang)}, {usually})"
    return text


def _volume_stats(v: Values, lang: Lang) -> str | None:
    if "score" not in v:
        return None
    expected = _precise(v.get("expected", 0), lang)
    if lang == "de":
        text = f"Erwartet: {expected} Erwähnungen in 5 Minuten"
    else:
        text = f"Expected: {expected} mentions in 5 minutes"
    if v.get("minutes", 5) > 5 and "window_expected" in v:
        text += f", {_precise(v['window_expected'], lang)} {_span(v['minutes'], lang)}"
    if v["score"] >= 1:
        test = "Negativ-Binomial-Test" if lang == "de" else "Negative binomial test"
        text += f". {test}: p < {_power_of_ten(-int(v['score']))}"
    return text


def _negative_share(v: Values, lang: Lang) -> str:
    share, negative, total = round(v.get("share", 0) * 100), round(v["negative"]), round(v["total"])
    usually = _usually(v.get("base_rate", 0) * 100, lang, "%")
    if lang == "de":
        return f"{share} % negativ ({_num(negative, lang)} von {_num(total, lang)}), {usually}"
    return f"{share}% negative ({_num(negative, lang)} of {_num(total, lang)}), {usually}"


def _negative_share_stats(v: Values, lang: Lang) -> str | None:
    if "p_value" not in v:
        return None
    base = _num(v.get("base_rate", 0) * 100, lang, 1).removesuffix(",0").removesuffix(".0")
    p = _p_value(v["p_value"], lang)
    if lang == "de":
        return f"Übliche Quote der Marke: {base} % negativ. Einseitiger Binomialtest: {p}"
    return f"The brand's usual rate: {base}% negative. One-sided binomial test: {p}"


def _risk_terms(v: Values, lang: Lang) -> str:
    severe = round(v.get("severe", 0))
    if lang == "de":
        text = f"{_mentions(v['mentions'], lang)} mit Risikobegriffen"
        return text + (f", davon {severe} zu Sicherheit, Rückruf oder Gefahr" if severe else "")
    text = f"{_mentions(v['mentions'], lang)} with risk terms"
    return text + (f", {severe} of them about safety, recall or danger" if severe else "")


def _high_reach(v: Values, lang: Lang) -> str:
    mentions, reach = _mentions(v["mentions"], lang), _num(v.get("reach", 0), lang)
    if lang == "de":
        return f"{mentions} von Medien oder großen Accounts, Reichweite zusammen {reach}"
    return f"{mentions} by media or large accounts, combined reach {reach}"


def _velocity(v: Values, lang: Lang) -> str:
    minutes, recent = round(v["minutes"]), _mentions(v["recent"], lang)
    if lang == "de":
        before = _num(v["before"], lang) if v.get("before") else "keine"
        return (
            f"Es wird schneller: {recent} in den letzten {minutes} Minuten, "
            f"in den {minutes} Minuten davor {before}"
        )
    before = _num(v["before"], lang) if v.get("before") else "none"
    return (
        f"Picking up speed: {recent} in the last {minutes} minutes, {before} in the {minutes} minutes before"
    )


def _outrage_ratio(v: Values) -> int:
    """How many times the usual outrage, rounded; 0 when that says too little (under 1.5 times)."""
    if "ratio" in v:
        ratio = v["ratio"]
    else:
        base = v.get("base_arousal", 0.0)
        ratio = v.get("arousal", 0.0) / base if base > 0 else 0.0
    return round(ratio) if ratio >= 1.5 else 0


def _language(v: Values, lang: Lang) -> str:
    ratio = _outrage_ratio(v)
    if lang == "de":
        times = "doppelt" if ratio == 2 else f"{ratio}-mal"
        more = f"etwa {times} so viel Empörung wie sonst" if ratio else "mehr Empörung als sonst"
        return f"Aufgebrachter Ton: {more}, weniger eigene Erfahrungsberichte"
    times = "twice" if ratio == 2 else f"{ratio} times"
    more = f"about {times} as much outrage as usual" if ratio else "more outrage than usual"
    return f"Heated tone: {more}, fewer first-hand accounts"


def _language_stats(v: Values, lang: Lang) -> str | None:
    if "arousal" not in v:
        return None
    a, ba, f, bf = (_num(v.get(k, 0), lang, 2) for k in ("arousal", "base_arousal", "first", "base_first"))
    if lang == "de":
        return f"Erregung je Erwähnung: {a} statt {ba}. Ich-Form je Erwähnung: {f} statt {bf}"
    return f"Arousal per mention: {a} instead of {ba}. First person per mention: {f} instead of {bf}"


Render = Callable[[Values, Lang], str]
Stats = Callable[[Values, Lang], str | None]
_RENDER: dict[str, tuple[Render, Stats | None]] = {
    "volume": (_volume, _volume_stats),
    "negative_share": (_negative_share, _negative_share_stats),
    "risk_terms": (_risk_terms, None),
    "high_reach": (_high_reach, None),
    "velocity": (_velocity, None),
    "firestorm_language": (_language, _language_stats),
}


def reason_text(reason: Reason, lang: Lang) -> str:
    """The plain sentence, without statistics."""
    render = _RENDER.get(reason.signal)
    return render[0](reason.values, lang) if render else reason.text


def reason_statistics(reason: Reason, lang: Lang) -> str | None:
    """The statistics behind the sentence, or None where there are none (or they are not known)."""
    render = _RENDER.get(reason.signal)
    stats = render[1] if render else None
    return stats(reason.values, lang) if stats else None


# Reading stored texts back: today's plain sentences, and what older incidents and the detector say.
_INT = r"\d{1,3}(?:\.\d{3})*"
_FLOAT = r"[0-9.e+-]+"
_USUALLY = rf"sonst (?:fast keine|etwa ({_INT}))"
_MENTIONS = rf"({_INT}) Erwähnung(?:en)?"


def _de_int(text: str | None) -> float:
    return float(text.replace(".", "")) if text else 0.0


def _span_minutes(hours: str | None, unit: str | None) -> float:
    if hours is None:
        return 60.0
    return float(hours) * (60 if unit == "Stunden" else 1)


_READERS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], Values]]] = [
    (
        "volume",
        re.compile(
            rf"{_MENTIONS} in 5 Minuten, {_USUALLY}"
            rf"(?: \(in (?:der letzten Stunde|den letzten (\d+) (Stunden|Minuten)) ({_INT}), {_USUALLY}\))?"
        ),
        lambda m: {
            "count": _de_int(m[1]),
            "expected": _de_int(m[2]),
            "minutes": _span_minutes(m[3], m[4]) if m[5] else 5.0,
            "window_count": _de_int(m[5]),
            "window_expected": _de_int(m[6]),
        },
    ),
    (
        "volume",
        re.compile(
            rf"Volumen: ({_FLOAT}) Erwähnungen in 5 Min statt ({_FLOAT}) erwartet"
            rf"(?:; ({_FLOAT}) in den letzten (\d+) Min statt ({_FLOAT}))? \(p<1e-(\d+)\)"
        ),
        lambda m: {
            "count": float(m[1]),
            "expected": float(m[2]),
            "minutes": float(m[4] or 5),
            "window_count": float(m[3] or m[1]),
            "window_expected": float(m[5] or m[2]),
            "score": float(m[6]),
        },
    ),
    (
        "negative_share",
        re.compile(rf"(\d+) % negativ \(({_INT}) von ({_INT})\), (?:sonst fast keine|sonst etwa (\d+) %)"),
        lambda m: {
            "share": float(m[1]) / 100,
            "negative": _de_int(m[2]),
            "total": _de_int(m[3]),
            "base_rate": _de_int(m[4]) / 100,
        },
    ),
    (
        "negative_share",
        re.compile(r"(\d+)% negativ \((\d+) von (\d+)\) statt üblich (\d+)% \(p=([0-9.e+-]+)\)"),
        lambda m: {
            "share": float(m[1]) / 100,
            "negative": float(m[2]),
            "total": float(m[3]),
            "base_rate": float(m[4]) / 100,
            "p_value": float(m[5]),
        },
    ),
    (
        "risk_terms",
        re.compile(
            rf"{_MENTIONS} mit Risikobegriffen(?:, davon ({_INT}) zu Sicherheit, Rückruf oder Gefahr)?"
        ),
        lambda m: {"mentions": _de_int(m[1]), "severe": _de_int(m[2])},
    ),
    (
        "high_reach",
        re.compile(
            rf"{_MENTIONS} von Medien oder großen Accounts, Reichweite zusammen ({_INT})"
            rf"|({_INT}) Erwähnung\(en\) durch Medien oder reichweitenstarke Accounts \(Reichweite ({_INT})\)"
        ),
        lambda m: {"mentions": _de_int(m[1] or m[3]), "reach": _de_int(m[2] or m[4])},
    ),
    (
        "velocity",
        re.compile(
            rf"Es wird schneller: {_MENTIONS} in den letzten (\d+) Minuten, "
            rf"in den \d+ Minuten davor ({_INT}|keine)"
            rf"|Beschleunigung: ({_INT}) Erwähnungen in (\d+) Min nach ({_INT}) davor"
        ),
        lambda m: {
            "recent": _de_int(m[1] or m[4]),
            "minutes": float(m[2] or m[5]),
            "before": _de_int((m[3] or m[6] or "").replace("keine", "")),
        },
    ),
    (
        "firestorm_language",
        re.compile(r"Aufgebrachter Ton: (?:etwa (doppelt|\d+-mal) so viel|mehr) Empörung.*"),
        lambda m: {"ratio": float((m[1] or "1").replace("doppelt", "2").removesuffix("-mal"))},
    ),
    (
        "firestorm_language",
        re.compile(
            r"Empörungssprache: Erregung ([\d.]+) statt ([\d.]+) je Erwähnung, "
            r"Ich-Form ([\d.]+) statt ([\d.]+)"
        ),
        lambda m: {
            "arousal": float(m[1]),
            "base_arousal": float(m[2]),
            "first": float(m[3]),
            "base_first": float(m[4]),
        },
    ),
]


def read_reason(text: str) -> Reason:
    """A stored reason as a `Reason`; an unknown text stays as it is (signal "other")."""
    for signal, pattern, values in _READERS:
        match = pattern.fullmatch(text.strip())
        if match:
            return Reason(signal, values(match))
    return Reason("other", text=text)


def volume_evidence(
    count: float, expected: float, minutes: int, window_count: float, window_expected: float, score: float
) -> str:
    """The volume detector's own account, in numbers; `read_reason` turns it into plain words."""
    head = f"Volumen: {count:g} Erwähnungen in 5 Min statt {expected:.3g} erwartet"
    tail = f" (p<1e-{int(score)})"
    if minutes <= 5:
        return head + tail
    return f"{head}; {window_count:g} in den letzten {minutes} Min statt {window_expected:.3g}{tail}"


def plain_reasons(reasons: Sequence[str], lang: Lang = "de") -> list[str]:
    return [reason_text(read_reason(text), lang) for text in reasons]


def reason_fields(reasons: Sequence[str], evidence: Sequence[Reason | None] = ()) -> dict[str, Any]:
    """An incident's reasons for the API: German and English sentences, the statistics apart.

    `evidence` (the rules' numbers, `Assessment.evidence`, where an incident keeps them) gives the
    statistics of today's plain reasons; without it only older, statistical texts still have them."""
    known = list(evidence) if len(evidence) == len(reasons) else [None] * len(reasons)
    read = [numbers or read_reason(text) for text, numbers in zip(reasons, known, strict=True)]
    return {
        "reasons": [reason_text(r, "de") for r in read],
        "reasons_en": [reason_text(r, "en") for r in read],
        "reason_details": [
            {"signal": r.signal, "de": reason_statistics(r, "de"), "en": reason_statistics(r, "en")}
            for r in read
        ],
    }


def brand_display_name(incident: Incident) -> str:
    """The brand's display name: an incident is titled "<brand name>: <topic>" when it opens."""
    name, separator, topic = incident.title.rpartition(": ")
    return name if separator and name and topic == incident.topic else incident.brand


def local_time(moment: datetime) -> str:
    """German local time in Europe/Berlin, summer or winter: "29.11.2026, 10:46 Uhr"."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{aware.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr"
