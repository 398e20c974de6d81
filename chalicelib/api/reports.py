"""Routes for management reports: the summary and CSV exports of incidents and mentions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import deps
from chalicelib.api.http import endpoint, json_response, parse_query
from chalicelib.domain.enums import Role
from chalicelib.domain.errors import InvalidInput
from chalicelib.lazy import lazy_module

# The schemas, models and services load on the first request that needs them (cold start).
if TYPE_CHECKING:
    from chalicelib.api import schemas
    from chalicelib.domain import models
    from chalicelib.domain.models import Principal
    from chalicelib.services import reports
else:
    schemas = lazy_module("chalicelib.api.schemas")
    models = lazy_module("chalicelib.domain.models")
    reports = lazy_module("chalicelib.services.reports")

bp = Blueprint(__name__)
SUMMARY_DAYS = 90
MENTION_DAYS = 7


def _range(query: schemas.ReportQuery, default_days: int) -> tuple[datetime, datetime]:
    until = query.until or deps.container().clock()
    since = query.since or until - timedelta(days=default_days)
    if since >= until:
        raise InvalidInput("since must be before until", [{"field": "query.since", "message": "after until"}])
    return since, until


def _summary(query: schemas.ReportQuery) -> reports.Summary:
    since, until = _range(query, SUMMARY_DAYS)
    container = deps.container()
    return reports.summary(
        since=since,
        until=until,
        incidents=container.incidents,
        drafts=container.drafts,
        library=container.crisis_playbooks,
    )


def _csv(body: str, filename: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
    )


@bp.route("/reports/summary", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def report_summary(principal: Principal) -> Response:
    summary = _summary(parse_query(bp, schemas.ReportQuery))
    return json_response(
        {
            "since": models.iso_z(summary.since),
            "until": models.iso_z(summary.until),
            "incidents": len(summary.incidents),
            "drills_excluded": summary.drills_excluded,
            "truncated": summary.truncated,
            "by_brand": [
                {"brand": brand, "brand_name": name, "count": count}
                for brand, name, count in summary.by_brand()
            ],
            "by_severity": [
                {"severity": severity, "count": count} for severity, count in summary.by_severity()
            ],
            "by_brand_severity": [
                {"brand": brand, "severity": severity, "count": count}
                for brand, severity, count in summary.by_brand_severity()
            ],
            "median_minutes": summary.median_minutes(),
            "top_crisis_types": [
                {"playbook_id": pid, "title_de": de, "title_en": en, "count": count}
                for pid, de, en, count in summary.top_crisis_types()
            ],
        }
    )


@bp.route("/reports/incidents.csv", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def incidents_csv(principal: Principal) -> Response:
    summary = _summary(parse_query(bp, schemas.ReportQuery))
    return _csv(reports.incidents_csv(summary), f"krisenradar-vorfaelle-{summary.until:%Y-%m-%d}.csv")


@bp.route("/reports/mentions.csv", methods=["GET"])
@endpoint(bp, Role.VIEWER)
def mentions_csv(principal: Principal) -> Response:
    query = parse_query(bp, schemas.MentionExportQuery)
    container = deps.container()
    if container.playbook.brand(query.brand) is None:
        raise InvalidInput(
            "no such brand", [{"field": "query.brand", "message": f"unknown brand {query.brand}"}]
        )
    since, until = _range(query, MENTION_DAYS)
    body, token = reports.mentions_csv(
        container.mentions, brand=query.brand, since=since, until=until, next_token=query.next_token
    )
    headers = {"X-Next-Token": token} if token else None
    return _csv(body, f"krisenradar-erwaehnungen-{query.brand}-{until:%Y-%m-%d}.csv", headers)
