"""Routes of practices 6 and 7: an incident's series and picture, and its post-incident review
(JSON, Markdown or PDF; the team's notes are written with PUT)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import ACCEPTED_CONTENT_TYPES, endpoint, json_response, parse_json_body, parse_query
from chalicelib.domain.enums import Role
from chalicelib.lazy import lazy_module
from chalicelib.observability import metrics

# The schemas, models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.api import schemas
    from chalicelib.domain import models
    from chalicelib.domain.models import Draft, Principal
    from chalicelib.domain.review import ChecklistRow, DrillScore, Figures
    from chalicelib.domain.situation import Feedback, Point, UsualRange, WindowFigures
    from chalicelib.services import situation as situation_service
    from chalicelib.services.situation import ReviewView, Statement
else:
    schemas = lazy_module("chalicelib.api.schemas")
    models = lazy_module("chalicelib.domain.models")
    situation_service = lazy_module("chalicelib.services.situation")

bp = Blueprint(__name__)
STATEMENT_EXCERPT = 280


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _point(point: Point) -> dict[str, Any]:
    return {
        "start": models.iso_z(point.start),
        "volume": point.volume,
        "negative": point.negative,
        "negative_share": _share(point.negative_share),
        "expected": round(point.expected, 2),
        "reach": point.reach,
    }


def _usual(usual: UsualRange | None) -> dict[str, float] | None:
    return None if usual is None else {"rate": usual.rate, "upper": usual.upper}


def _window(figures: WindowFigures) -> dict[str, Any]:
    return {
        "volume": figures.volume,
        "per_hour": round(figures.per_hour, 1),
        "negative_share": _share(figures.negative_share),
        "reach": figures.reach,
    }


def _feedback(feedback: Feedback) -> dict[str, Any]:
    return {
        "minutes": feedback.minutes,
        "before": _window(feedback.before),
        "after": _window(feedback.after),
        "complete": feedback.complete,
        "slowed": feedback.slowed,
        "text_de": feedback.text_de,
        "text_en": feedback.text_en,
    }


def _statement(statement: Statement) -> dict[str, Any]:
    draft: Draft = statement.draft
    return {
        "draft_id": draft.draft_id,
        "kind": draft.kind,
        "channel": draft.channel,
        "published_at": models.iso_z(draft.published_at),
        "published_by": draft.published_by,
        "url": draft.published_url,
        "text": draft.text[:STATEMENT_EXCERPT],
        "feedback": _feedback(statement.feedback),
    }


_MARKERS = {
    "first_signal": ("Erstes Signal", "First signal"),
    "detected": ("Erkannt", "Detected"),
    "acknowledged": ("Bestätigt", "Acknowledged"),
    "resolved": ("Gelöst", "Resolved"),
}


def _markers(view: situation_service.SeriesView) -> list[dict[str, Any]]:
    incident = view.incident
    moments = {
        "first_signal": incident.first_signal_at,
        "detected": incident.detected_at,
        "acknowledged": incident.acknowledged_at,
        "resolved": incident.resolved_at,
    }
    return [
        {"at": models.iso_z(at), "kind": kind, "label_de": _MARKERS[kind][0], "label_en": _MARKERS[kind][1]}
        for kind, at in moments.items()
        if at is not None
    ]


def _feedback_minutes(requested: int | None) -> int:
    return requested or deps.container().settings.feedback_minutes


@bp.route("/incidents/{incident_id}/series", methods=["GET"])
@endpoint(bp, Role.VIEWER, link=True)
def incident_series(principal: Principal, incident_id: str) -> Response:
    query = parse_query(bp, schemas.SeriesQuery)
    container = deps.container()
    view = situation_service.incident_series(
        incident_id,
        resolution=query.resolution,
        feedback_minutes=_feedback_minutes(query.minutes),
        incidents=container.incidents,
        buckets=container.buckets,
        drafts=container.drafts,
        detector=container.detector_config,
        now=container.clock(),
    )
    return json_response(
        {
            "incident_id": incident_id,
            "resolution": view.resolution,
            "since": models.iso_z(view.since),
            "until": models.iso_z(view.until),
            "points": [_point(p) for p in view.points],
            "usual_negative_share": _usual(view.usual),
            "markers": _markers(view),
            "statements": [_statement(s) for s in view.statements],
        }
    )


@bp.route("/incidents/{incident_id}/picture", methods=["GET"])
@endpoint(bp, Role.VIEWER, link=True)
def incident_picture(principal: Principal, incident_id: str) -> Response:
    container = deps.container()
    view = situation_service.incident_picture(
        incident_id,
        incidents=container.incidents,
        mentions=container.mentions,
        window_minutes=container.playbook.rules.window_minutes,
        now=container.clock(),
    )
    picture = view.picture

    def author(a: Any) -> dict[str, Any]:
        return {
            "handle": a.handle,
            "followers": a.followers,
            "is_media": a.is_media,
            "mentions": a.mentions,
            "reach": a.reach,
        }

    total = max(picture.mentions, 1)
    return json_response(
        {
            "incident_id": incident_id,
            "since": models.iso_z(view.since),
            "until": models.iso_z(view.until),
            "mentions": picture.mentions,
            "sampled": view.sampled,
            "top_authors": [author(a) for a in picture.top_authors],
            "top_media": [author(a) for a in picture.top_media],
            "risk_terms": [{"term": term, "count": count} for term, count in picture.risk_terms],
            "hashtags": [{"tag": tag, "count": count} for tag, count in picture.hashtags],
            "languages": [
                {"lang": lang, "count": count, "share": round(count / total, 3)}
                for lang, count in picture.languages
            ],
        }
    )


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "first_signal_at": models.iso_z(figures.first_signal_at),
        "detected_at": models.iso_z(figures.detected_at),
        "acknowledged_at": models.iso_z(figures.acknowledged_at),
        "first_response_at": models.iso_z(figures.first_response_at),
        "resolved_at": models.iso_z(figures.resolved_at),
        "time_to_detect_minutes": figures.time_to_detect,
        "time_to_acknowledge_minutes": figures.time_to_acknowledge,
        "time_to_first_response_minutes": figures.time_to_first_response,
        "time_to_resolve_minutes": figures.time_to_resolve,
        "mentions": figures.mentions,
        "negative_share": _share(figures.negative_share),
        "reach": figures.reach,
        "peak": None
        if figures.peak is None
        else {"start": models.iso_z(figures.peak.start), "volume": figures.peak.volume},
    }


def _checklist_row(row: ChecklistRow) -> dict[str, Any]:
    return {
        "id": row.item_id,
        "text_de": row.text_de,
        "text_en": row.text_en,
        "role": row.role,
        "due_minutes": row.due_minutes,
        "done": row.done_at is not None,
        "done_by": row.done_by,
        "done_at": models.iso_z(row.done_at),
        "minutes_after_alert": row.minutes_after_alert,
        "on_time": row.on_time,
    }


def _score(score: DrillScore) -> dict[str, Any]:
    return {
        "met": score.met,
        "total": len(score.targets),
        "targets": [
            {
                "name": t.name,
                "label_de": t.label_de,
                "label_en": t.label_en,
                "target_minutes": t.target_minutes,
                "actual_minutes": t.actual_minutes,
                "met": t.met,
            }
            for t in score.targets
        ],
        "checklist_on_time": score.checklist_on_time,
        "checklist_total": score.checklist_total,
        "text_de": score.text_de,
        "text_en": score.text_en,
    }


def review_document(view: ReviewView) -> dict[str, Any]:
    """The review as JSON; the Markdown and PDF reports are rendered from exactly this."""
    incident = view.incident
    notes = incident.review
    return {
        "incident": schemas.incident_summary(incident),
        "drill": None if view.drill is None else {"drill_id": incident.drill_id, "score": _score(view.drill)},
        "figures": _figures(view.figures),
        "timeline": [
            {"at": models.iso_z(e.at), "kind": e.kind, "message": e.message, "actor": e.actor}
            for e in incident.timeline
        ],
        "statements": [_statement(s) for s in view.statements],
        "recovery": {
            "usual_negative_share": view.recovery.usual.rate if view.recovery.usual else None,
            "usual_upper": view.recovery.usual.upper if view.recovery.usual else None,
            "recovered_at": models.iso_z(view.recovery.recovered_at),
            "minutes_after_detection": view.recovery.minutes_after_detection,
            "text_de": view.recovery.text_de,
            "text_en": view.recovery.text_en,
        },
        "checklist": [_checklist_row(row) for row in view.checklist],
        "notes": None
        if notes is None
        else {
            "summary": notes.summary,
            "lessons": list(notes.lessons),
            "action_items": [item.model_dump(mode="json") for item in notes.action_items],
            "written_by": notes.written_by,
            "written_at": models.iso_z(notes.written_at),
            "updated_by": notes.updated_by,
            "updated_at": models.iso_z(notes.updated_at),
        },
        "exists": notes is not None,
        "version": incident.version,
        "playbook": {
            "id": view.playbook.id,
            "title_de": view.playbook.title.de,
            "title_en": view.playbook.title.en or view.playbook.title.de,
        },
        "generated_at": models.iso_z(view.generated_at),
    }


def _review_view(incident_id: str, minutes: int | None) -> ReviewView:
    container = deps.container()
    return situation_service.incident_review(
        incident_id,
        feedback_minutes=_feedback_minutes(minutes),
        incidents=container.incidents,
        buckets=container.buckets,
        drafts=container.drafts,
        library=container.crisis_playbooks,
        detector=container.detector_config,
        now=container.clock(),
    )


def _attachment(body: str | bytes, content_type: str, filename: str) -> Response:
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/incidents/{incident_id}/review", methods=["GET"])
@endpoint(bp, Role.VIEWER, link=True)
def get_review(principal: Principal, incident_id: str) -> Response:
    query = parse_query(bp, schemas.ReviewQuery)
    document = review_document(_review_view(incident_id, query.minutes))
    if query.format == "markdown":
        from chalicelib.domain.review_markdown import render_markdown

        metrics.add_metric(name="ReviewExported", unit="Count", value=1)
        return _attachment(
            render_markdown(document, query.lang),
            "text/markdown; charset=utf-8",
            f"review-{incident_id}.md",
        )
    if query.format == "pdf":
        from chalicelib.adapters.pdf import render_pdf

        metrics.add_metric(name="ReviewExported", unit="Count", value=1)
        return _attachment(render_pdf(document, query.lang), "application/pdf", f"review-{incident_id}.pdf")
    return json_response(document)


@bp.route("/incidents/{incident_id}/review", methods=["PUT"], content_types=ACCEPTED_CONTENT_TYPES)
@endpoint(bp, Role.RESPONDER)
def put_review(principal: Principal, incident_id: str) -> Response:
    body = parse_json_body(bp, schemas.ReviewBody)
    container = deps.container()
    situation_service.write_review(
        incident_id,
        summary=body.summary.strip(),
        lessons=tuple(body.lessons),
        action_items=tuple(
            models.ActionItem(text=i.text, owner=i.owner, due=i.due, done=i.done) for i in body.action_items
        ),
        incidents=container.incidents,
        principal=principal,
        now=container.clock(),
        expected_version=body.version,
    )
    metrics.add_metric(name="ReviewWritten", unit="Count", value=1)
    return json_response(review_document(_review_view(incident_id, None)))
