"""The review's downloads in the fake backend: Markdown as the API's report reads, and a small real PDF."""

from __future__ import annotations

from typing import Any


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with Helvetica text lines: small, but a real PDF a viewer opens."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "".join(f"({escape(line)}) Tj T* " for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 56 780 Td {text}ET".encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def markdown(review: dict[str, Any], english: bool) -> str:
    """The review as the API's Markdown report would read (headings, figures, statements, notes)."""
    incident, figures, notes = review["incident"], review["figures"], review["notes"] or {}
    lines = [
        f"# {'Review' if english else 'Nachbereitung'}: {incident['title']}",
        "",
        f"{incident['brand_name']} · {incident['severity']} · {incident['incident_id']}",
        "",
        f"## {'Figures' if english else 'Zahlen'}",
        f"- {'Mentions' if english else 'Erwähnungen'}: {figures['mentions']}",
        f"- {'Time to detect' if english else 'Zeit bis Erkennung'}: {figures['time_to_detect_minutes']} min",
        f"- {'Time to acknowledge' if english else 'Zeit bis Bestätigung'}: {figures['time_to_acknowledge_minutes']} min",
        "",
        f"## {'Statements' if english else 'Stellungnahmen'}",
        *[
            f"- {s['published_at']}: {s['feedback']['text_en' if english else 'text_de']}"
            for s in review["statements"]
        ],
        "",
        f"## {'Summary' if english else 'Zusammenfassung'}",
        notes.get("summary") or "–",
        "",
        f"## {'Lessons' if english else 'Lehren'}",
        *[f"- {lesson}" for lesson in notes.get("lessons", [])],
    ]
    return "\n".join(lines) + "\n"
