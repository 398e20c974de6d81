"""The post-incident review as a report a team can file, in German or English.

`review_document` reads the review JSON (GET /incidents/{id}/review) into a neutral document of
sections, tables, paragraphs and lists, with every label, date and number already written out.
`review_markdown.render_markdown` writes that document as Markdown; `adapters/pdf.py` prints the
very same document, so both formats say the same thing. Times are local to Germany (Europe/Berlin),
summer or winter. Anything the review does not know yet (null) reads "–"; user text never breaks the layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from chalicelib.domain.crisis.schema import ROLE_NAMES
from chalicelib.domain.messages.reasons import BERLIN, local_time

Lang = Literal["de", "en"]
Cell = str | bool | None  # bool: a check mark (✔ / ✘), None: not known ("–")
DASH = "–"

# ------------------------------------------------------------------------------------ the document


@dataclass(frozen=True)
class Column:
    label: str
    weight: float  # share of the page width in print


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: Literal["plain", "quote", "note"] = "plain"


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Detail:
    label: str
    value: str
    link: bool = False  # the value is a web address


@dataclass(frozen=True)
class Details:
    items: tuple[Detail, ...]


Block = Paragraph | Bullets | Details | Table


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]
    level: Literal[2, 3] = 2


@dataclass(frozen=True)
class Banner:
    """A drill's notice: it was an exercise, and how the team did against the playbook's targets."""

    label: str
    text: str
    targets: Table


@dataclass(frozen=True)
class ReviewDocument:
    lang: Lang
    title: str
    header: Details
    drill: Banner | None
    sections: tuple[Section, ...]
    closing: str
    incident_id: str
    generated_at: datetime | None


# --------------------------------------------------------------------------------------- wording

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Nachbereitung", "Post-incident review"),
    "incident": ("Vorfall", "Incident"),
    "brand": ("Marke", "Brand"),
    "severity": ("Schweregrad", "Severity"),
    "status": ("Status", "Status"),
    "crisis_type": ("Krisentyp", "Crisis type"),
    "generated": ("Erstellt", "Generated"),
    "drill": ("ÜBUNG", "DRILL"),
    "drill_text": ("Krisenübung {id}, kein echter Vorfall.", "Crisis drill {id}, not a real incident."),
    "target": ("Ziel", "Target"),
    "goal": ("Vorgabe", "Goal"),
    "actual": ("Ist", "Actual"),
    "met": ("Erreicht", "Met"),
    "figures": ("Kennzahlen", "Key figures"),
    "figure": ("Kennzahl", "Figure"),
    "duration": ("Dauer", "Duration"),
    "when": ("Zeitpunkt", "Time"),
    "first_signal": ("Erstes Signal", "First signal"),
    "to_detect": ("Zeit bis zur Erkennung", "Time to detect"),
    "to_acknowledge": ("Zeit bis zur Bestätigung", "Time to acknowledge"),
    "to_respond": ("Zeit bis zur ersten öffentlichen Reaktion", "Time to first public response"),
    "to_resolve": ("Zeit bis zur Lösung", "Time to resolve"),
    "measured": (
        "Die Erkennung zählt ab dem ersten Signal, alles Weitere ab der Erkennung.",
        "Detection counts from the first signal, everything else from detection.",
    ),
    "value": ("Wert", "Value"),
    "mentions": ("Erwähnungen", "Mentions"),
    "negative": ("Anteil negativ", "Negative share"),
    "reach": ("Reichweite", "Reach"),
    "peak": ("Höhepunkt", "Peak"),
    "peak_text": ("{n} Erwähnungen ab {at}", "{n} mentions from {at}"),
    "recovery": ("Erholung", "Recovery"),
    "usual": ("Üblicher Anteil negativ", "Usual negative share"),
    "usual_text": ("{rate}, höchstens {upper}", "{rate}, at most {upper}"),
    "statements": ("Stellungnahmen und Resonanz", "Statements and how they were received"),
    "no_statements": (
        "Es wurde keine öffentliche Stellungnahme veröffentlicht.",
        "No public statement was published.",
    ),
    "on": ("auf", "on"),
    "published_by": ("Veröffentlicht von", "Published by"),
    "link": ("Link", "Link"),
    "feedback": ("Resonanz", "Reception"),
    "preliminary": (" (vorläufig, die Auswertung läuft noch)", " (preliminary, still being measured)"),
    "checklist": ("Checkliste der ersten Stunde", "First-hour checklist"),
    "no_checklist": (
        "Für diesen Vorfall gab es keine Checkliste.",
        "There was no checklist for this incident.",
    ),
    "item": ("Punkt", "Item"),
    "role": ("Rolle", "Role"),
    "due": ("Fällig", "Due"),
    "due_after": ("nach {d}", "after {d}"),
    "done_by": ("Erledigt von, um", "Done by, at"),
    "after_alert": ("({d} nach dem Alarm)", "({d} after the alert)"),
    "not_done": ("offen", "not done"),
    "on_time": ("Rechtzeitig", "On time"),
    "timeline": ("Zeitverlauf", "Timeline"),
    "no_timeline": ("Keine Einträge.", "No entries."),
    "what": ("Was", "What"),
    "who": ("Wer", "Who"),
    "summary": ("Zusammenfassung des Teams", "The team's summary"),
    "no_summary": (
        "Das Team hat noch keine Zusammenfassung geschrieben.",
        "The team has not written a summary yet.",
    ),
    "written": ("Geschrieben von {by} am {at}.", "Written by {by} on {at}."),
    "updated": (" Zuletzt geändert von {by} am {at}.", " Last changed by {by} on {at}."),
    "lessons": ("Erkenntnisse", "Lessons learned"),
    "none": ("Nichts eingetragen.", "Nothing recorded."),
    "actions": ("Maßnahmen", "Action items"),
    "owner": ("Verantwortlich", "Owner"),
    "done": ("Erledigt", "Done"),
    "closing": (
        "Erstellt von Krisenradar am {at}. Alle Zeiten in deutscher Ortszeit (Europe/Berlin).",
        "Generated by Krisenradar on {at}. All times are German local time (Europe/Berlin).",
    ),
}
_STATUS = {
    "open": ("Offen", "Open"),
    "acknowledged": ("Bestätigt", "Acknowledged"),
    "responding": ("In Bearbeitung", "Responding"),
    "monitoring": ("Beobachtung", "Monitoring"),
    "resolved": ("Gelöst", "Resolved"),
    "reviewed": ("Nachbereitet", "Reviewed"),
}
_KINDS = {
    "holding_statement": ("Holding Statement", "Holding statement"),
    "press_statement": ("Pressestatement", "Press statement"),
    "reply": ("Antwort", "Reply"),
    "private_message": ("Direktnachricht", "Private message"),
}
_CHANNELS = {
    "x": ("X", "X"),
    "linkedin": ("LinkedIn", "LinkedIn"),
    "youtube": ("YouTube", "YouTube"),
    "google_reviews": ("Google-Rezensionen", "Google reviews"),
    "email": ("E-Mail", "email"),
    "sms": ("SMS", "SMS"),
    "website": ("Website", "website"),
    "press": ("Presse", "press"),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _say(key: str, lang: Lang, **values: str) -> str:
    de, en = _WORDS[key]
    return (de if lang == "de" else en).format(**values)


def _pick(table: Mapping[str, tuple[str, str]], key: str | None, lang: Lang) -> str:
    if key is None:
        return DASH
    if key in table:
        return table[key][0 if lang == "de" else 1]
    return key.replace("_", " ").capitalize()


# ------------------------------------------------------------------------- reading the review JSON


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _strings(value: object) -> list[str]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, str) and item.strip()]


def _in_lang(data: Mapping[str, Any], key: str, lang: Lang) -> str | None:
    """`key_en` in English (falling back to German), `key_de` or plain `key` in German."""
    german = _text(data.get(f"{key}_de")) or _text(data.get(key))
    return (_text(data.get(f"{key}_en")) or german) if lang == "en" else german


def _moment(value: object) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# -------------------------------------------------------------------------------------- formatting

_GERMAN_DIGITS = str.maketrans(",.", ".,")


def _thousands(value: float, lang: Lang, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.translate(_GERMAN_DIGITS) if lang == "de" else text


def _count(value: object, lang: Lang) -> str:
    number = _number(value)
    return DASH if number is None else _thousands(round(number), lang)


def _share(value: object, lang: Lang) -> str:
    number = _number(value)
    if number is None:
        return DASH
    percent = _thousands(round(number * 100), lang)
    return f"{percent} %" if lang == "de" else f"{percent}%"


def _duration(value: object, lang: Lang) -> str:
    """Plain durations: "6 Min.", "6,5 Min.", "3 Std.", "3 Std. 10 Min.", "3 Tage 4 Std." ("3 h 10 min")."""
    minutes = _number(value)
    if minutes is None:
        return DASH
    minutes = max(minutes, 0.0)
    if minutes < 60:
        tenths = round(minutes, 1)
        amount = _thousands(tenths, lang, 0 if tenths.is_integer() else 1)
        return f"{amount} Min." if lang == "de" else f"{amount} min"
    whole, rest = divmod(int(minutes + 0.5), 60)  # hours and minutes
    units = ("Std.", "Min.") if lang == "de" else ("h", "min")
    if whole >= 48:
        whole, rest = divmod(whole, 24)  # days and hours
        units = ("Tage", "Std.") if lang == "de" else ("d", "h")
    return f"{whole} {units[0]} {rest} {units[1]}" if rest else f"{whole} {units[0]}"


def _time(value: object, lang: Lang) -> str:
    """ "29.11.2026, 10:46 Uhr" or "29 Nov 2026, 10:46 CET", in Europe/Berlin."""
    moment = _moment(value)
    if moment is None:
        return _text(value) or DASH
    if lang == "de":
        return local_time(moment)
    local = moment.astimezone(BERLIN)
    return f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year}, {local:%H:%M} {local.tzname()}"


def _day(value: object, lang: Lang) -> str:
    """A due date: "15.12.2026" or "15 Dec 2026"."""
    text = _text(value)
    if text is None:
        return DASH
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day:%d.%m.%Y}" if lang == "de" else f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


# ---------------------------------------------------------------------------------------- sections


def _header(review: Mapping[str, Any], lang: Lang) -> Details:
    incident = _mapping(review.get("incident"))
    playbook = _mapping(review.get("playbook"))
    brand = _text(incident.get("brand_name")) or _text(incident.get("brand")) or DASH
    return Details(
        (
            Detail(_say("incident", lang), _text(incident.get("incident_id")) or DASH),
            Detail(_say("brand", lang), brand),
            Detail(_say("severity", lang), _text(incident.get("severity")) or DASH),
            Detail(_say("status", lang), _pick(_STATUS, _text(incident.get("status")), lang)),
            Detail(_say("crisis_type", lang), _in_lang(playbook, "title", lang) or DASH),
            Detail(_say("generated", lang), _time(review.get("generated_at"), lang)),
        )
    )


def _banner(review: Mapping[str, Any], lang: Lang) -> Banner | None:
    drill = _mapping(review.get("drill"))
    if not drill:
        return None
    score = _mapping(drill.get("score"))
    intro = _say("drill_text", lang, id=_text(drill.get("drill_id")) or DASH)
    rows = tuple(
        (
            _in_lang(target, "label", lang) or _text(target.get("name")) or DASH,
            _duration(target.get("target_minutes"), lang),
            _duration(target.get("actual_minutes"), lang),
            _flag(target.get("met")),
        )
        for target in _items(score.get("targets"))
    )
    columns = [("target", 3.0), ("goal", 1.5), ("actual", 1.5), ("met", 1.0)]
    table = Table(tuple(Column(_say(key, lang), weight) for key, weight in columns), rows)
    return Banner(_say("drill", lang), " ".join(filter(None, (intro, _in_lang(score, "text", lang)))), table)


def _figures(review: Mapping[str, Any], lang: Lang) -> Section:
    figures = _mapping(review.get("figures"))
    steps = [
        ("first_signal", None, "first_signal_at"),
        ("to_detect", "time_to_detect_minutes", "detected_at"),
        ("to_acknowledge", "time_to_acknowledge_minutes", "acknowledged_at"),
        ("to_respond", "time_to_first_response_minutes", "first_response_at"),
        ("to_resolve", "time_to_resolve_minutes", "resolved_at"),
    ]
    times = Table(
        (
            Column(_say("figure", lang), 3.0),
            Column(_say("duration", lang), 1.5),
            Column(_say("when", lang), 2.0),
        ),
        tuple(
            (
                _say(label, lang),
                _duration(figures.get(span) if span else None, lang),
                _time(figures.get(at), lang),
            )
            for label, span, at in steps
        ),
    )
    peak = _mapping(figures.get("peak"))
    peak_text = (
        _say("peak_text", lang, n=_count(peak.get("volume"), lang), at=_time(peak.get("start"), lang))
        if peak
        else DASH
    )
    scale = Table(
        (Column(_say("figure", lang), 3.0), Column(_say("value", lang), 3.5)),
        (
            (_say("mentions", lang), _count(figures.get("mentions"), lang)),
            (_say("negative", lang), _share(figures.get("negative_share"), lang)),
            (_say("reach", lang), _count(figures.get("reach"), lang)),
            (_say("peak", lang), peak_text),
        ),
    )
    return Section(_say("figures", lang), (times, Paragraph(_say("measured", lang), "note"), scale))


def _recovery(review: Mapping[str, Any], lang: Lang) -> Section:
    recovery = _mapping(review.get("recovery"))
    blocks: list[Block] = [Paragraph(_in_lang(recovery, "text", lang) or DASH)]
    if _number(recovery.get("usual_negative_share")) is not None:
        rate, upper = (
            _share(recovery.get("usual_negative_share"), lang),
            _share(recovery.get("usual_upper"), lang),
        )
        blocks.append(
            Details((Detail(_say("usual", lang), _say("usual_text", lang, rate=rate, upper=upper)),))
        )
    return Section(_say("recovery", lang), tuple(blocks))


def _statement(number: int, statement: Mapping[str, Any], lang: Lang) -> Section:
    kind = _pick(_KINDS, _text(statement.get("kind")), lang)
    channel = _pick(_CHANNELS, _text(statement.get("channel")), lang)
    when = _time(statement.get("published_at"), lang)
    facts = [Detail(_say("published_by", lang), _text(statement.get("published_by")) or DASH)]
    url = _text(statement.get("url"))
    if url:
        facts.append(Detail(_say("link", lang), url, link=True))
    feedback = _mapping(statement.get("feedback"))
    reception = _in_lang(feedback, "text", lang) or DASH
    if feedback and feedback.get("complete") is False:
        reception += _say("preliminary", lang)
    return Section(
        f"{number}. {kind} {_say('on', lang)} {channel}, {when}",
        (
            Details(tuple(facts)),
            Paragraph(_text(statement.get("text")) or DASH, "quote"),
            Details((Detail(_say("feedback", lang), reception),)),
        ),
        level=3,
    )


def _statements(review: Mapping[str, Any], lang: Lang) -> list[Section]:
    statements = _items(review.get("statements"))
    intro = () if statements else (Paragraph(_say("no_statements", lang)),)
    return [
        Section(_say("statements", lang), intro),
        *(_statement(n, s, lang) for n, s in enumerate(statements, start=1)),
    ]


def _done(item: Mapping[str, Any], lang: Lang) -> str:
    """ "Anna Becker, 29.11.2026, 10:48 Uhr (3,2 Min. nach dem Alarm)", or "offen"."""
    if not item.get("done"):
        return _say("not_done", lang)
    who_when = [_text(item.get("done_by")), _time(item.get("done_at"), lang) if item.get("done_at") else None]
    text = ", ".join(part for part in who_when if part) or DASH
    if _number(item.get("minutes_after_alert")) is not None:
        text += " " + _say("after_alert", lang, d=_duration(item.get("minutes_after_alert"), lang))
    return text


def _checklist(review: Mapping[str, Any], lang: Lang) -> Section:
    items = _items(review.get("checklist"))
    if not items:
        return Section(_say("checklist", lang), (Paragraph(_say("no_checklist", lang)),))
    rows = tuple(
        (
            _in_lang(item, "text", lang) or _text(item.get("id")) or DASH,
            _role(_text(item.get("role")), lang),
            _say("due_after", lang, d=_duration(item.get("due_minutes"), lang)),
            _done(item, lang),
            _flag(item.get("on_time")),
        )
        for item in items
    )
    columns = [("item", 3.6), ("role", 2.0), ("due", 1.2), ("done_by", 2.5), ("on_time", 1.4)]
    return Section(
        _say("checklist", lang), (Table(tuple(Column(_say(k, lang), w) for k, w in columns), rows),)
    )


def _role(key: str | None, lang: Lang) -> str:
    if key is None:
        return DASH
    return ROLE_NAMES[key][lang] if key in ROLE_NAMES else key


def _timeline(review: Mapping[str, Any], lang: Lang) -> Section:
    entries = _items(review.get("timeline"))
    if not entries:
        return Section(_say("timeline", lang), (Paragraph(_say("no_timeline", lang)),))
    rows = tuple(
        (
            _time(e.get("at"), lang),
            _text(e.get("message")) or _text(e.get("kind")) or DASH,
            _text(e.get("actor")),
        )
        for e in entries
    )
    columns = (
        Column(_say("when", lang), 1.6),
        Column(_say("what", lang), 4.4),
        Column(_say("who", lang), 1.4),
    )
    return Section(_say("timeline", lang), (Table(columns, rows),))


def _notes(review: Mapping[str, Any], lang: Lang) -> list[Section]:
    notes = _mapping(review.get("notes"))
    summary: list[Block] = [Paragraph(_text(notes.get("summary")) or _say("no_summary", lang))]
    if _text(notes.get("written_by")):
        signed = _say("written", lang, by=notes["written_by"], at=_time(notes.get("written_at"), lang))
        updated_at = notes.get("updated_at")
        if _text(notes.get("updated_by")) and updated_at != notes.get("written_at"):
            signed += _say("updated", lang, by=notes["updated_by"], at=_time(updated_at, lang))
        summary.append(Paragraph(signed, "note"))
    lessons = _strings(notes.get("lessons"))
    actions = tuple(
        (_text(a.get("text")) or DASH, _text(a.get("owner")), _day(a.get("due"), lang), bool(a.get("done")))
        for a in _items(notes.get("action_items"))
    )
    columns = [("what", 4.5), ("owner", 1.8), ("due", 1.3), ("done", 1.0)]
    action_table = Table(tuple(Column(_say(k, lang), w) for k, w in columns), actions)
    return [
        Section(_say("summary", lang), tuple(summary)),
        Section(
            _say("lessons", lang), (Bullets(tuple(lessons)) if lessons else Paragraph(_say("none", lang)),)
        ),
        Section(_say("actions", lang), (action_table if actions else Paragraph(_say("none", lang)),)),
    ]


def review_document(review: Mapping[str, Any], lang: Lang = "de") -> ReviewDocument:
    """The review as a document: what both the Markdown and the PDF report show, in this order."""
    incident = _mapping(review.get("incident"))
    title = _text(incident.get("title")) or _text(incident.get("incident_id")) or DASH
    return ReviewDocument(
        lang=lang,
        title=f"{_say('title', lang)}: {title}",
        header=_header(review, lang),
        drill=_banner(review, lang),
        sections=(
            _figures(review, lang),
            _recovery(review, lang),
            *_statements(review, lang),
            _checklist(review, lang),
            _timeline(review, lang),
            *_notes(review, lang),
        ),
        closing=_say("closing", lang, at=_time(review.get("generated_at"), lang)),
        incident_id=_text(incident.get("incident_id")) or "",
        generated_at=_moment(review.get("generated_at")),
    )
