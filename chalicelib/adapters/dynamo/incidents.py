"""Incidents in DynamoDB: incident items plus one marker item per active brand and topic, written in
one transaction, so two rules runs cannot open the same crisis twice. Saves use optimistic locking."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.common import cancelled_by_condition, connection_for, query_page
from chalicelib.adapters.dynamo.models import IncidentItem, TimelineEntry
from chalicelib.adapters.paging import iso
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import (
    CrmRecord,
    Fact,
    Incident,
    IncidentStatus,
    Page,
    Reason,
    ReviewNotes,
    Severity,
    Tick,
    TimelineEvent,
)


def _marker_key(brand: str, topic: str) -> str:
    return f"active#{brand}#{topic}"


class DynamoIncidentRepository:
    def create(self, incident: Incident) -> Incident:
        item = _incident_item(incident)
        marker = IncidentItem(_marker_key(incident.brand, incident.topic), kind="marker")
        marker.incident_id = incident.incident_id
        try:
            with TransactWrite(connection=connection_for(IncidentItem)) as tx:
                tx.save(item, condition=IncidentItem.pk.does_not_exist())
                tx.save(marker, condition=IncidentItem.pk.does_not_exist())
        except TransactWriteError as error:
            if cancelled_by_condition(error):
                raise Conflict(
                    "an incident for this brand and topic is already open",
                    [{"brand": incident.brand, "topic": incident.topic}],
                ) from error
            raise
        return _incident(item)

    def save(self, incident: Incident) -> Incident:
        item = _incident_item(incident)
        holds = _holds_marker(incident)
        try:
            if incident.is_active and not holds:
                self._reopen(item, incident)
            elif not incident.is_active and holds:
                marker = IncidentItem(_marker_key(incident.brand, incident.topic), kind="marker")
                with TransactWrite(connection=connection_for(IncidentItem)) as tx:
                    tx.save(item)
                    tx.delete(
                        marker,
                        condition=IncidentItem.incident_id == incident.incident_id,
                        add_version_condition=False,
                    )
            else:
                item.save()
        except (PutError, UpdateError, TransactWriteError) as error:
            if "ConditionalCheckFailed" in str(error.cause_response_code) or (
                isinstance(error, TransactWriteError) and cancelled_by_condition(error)
            ):
                raise Conflict(
                    "the incident was changed by someone else; reload and try again",
                    [{"incident_id": incident.incident_id}],
                ) from error
            raise
        return _incident(item)

    def _reopen(self, item: IncidentItem, incident: Incident) -> None:
        """An incident that becomes active again takes its topic's marker back, unless a newer
        incident of the same brand and topic is open (Conflict)."""
        marker = IncidentItem(_marker_key(incident.brand, incident.topic), kind="marker")
        marker.incident_id = incident.incident_id
        try:
            with TransactWrite(connection=connection_for(IncidentItem)) as tx:
                tx.save(item)
                tx.save(marker, condition=IncidentItem.pk.does_not_exist())
        except TransactWriteError as error:
            if cancelled_by_condition(error) and not _holds_marker(incident):
                raise Conflict(
                    "another incident for this brand and topic is open; it cannot be reopened",
                    [{"brand": incident.brand, "topic": incident.topic}],
                ) from error
            raise

    def get(self, incident_id: str) -> Incident:
        if not incident_id.startswith("INC-"):
            raise NotFound("no such incident", [{"incident_id": incident_id}])
        try:
            return _incident(IncidentItem.get(incident_id))
        except DoesNotExist as error:
            raise NotFound("no such incident", [{"incident_id": incident_id}]) from error

    def active_for_brand(self, brand: str) -> list[Incident]:
        return [_incident(item) for item in IncidentItem.by_active.query(brand)]

    def list(
        self,
        *,
        status: IncidentStatus | None,
        severity: Severity | None,
        brand: str | None,
        limit: int,
        next_token: str | None,
    ) -> Page[Incident]:
        conditions: list[Condition] = []
        if severity is not None:
            conditions.append(IncidentItem.severity == int(severity))
        index: Any
        if status is not None:
            index, hash_key, extra = IncidentItem.by_status, status.value, "status"
            if brand is not None:
                conditions.append(IncidentItem.brand == brand)
        elif brand is not None:
            index, hash_key, extra = IncidentItem.by_brand, brand, "brand"
        else:
            index, hash_key, extra = IncidentItem.by_kind, "incident", "kind"
        condition: Condition | None = None
        for part in conditions:
            condition = part if condition is None else condition & part
        return query_page(
            index.query,
            hash_key,
            _incident,
            {"pk", "opened_key", extra},
            limit,
            next_token,
            filter_condition=condition,
        )


def _holds_marker(incident: Incident) -> bool:
    """Whether the active marker of the incident's brand and topic names this incident.

    Resolving releases the marker. Saving an incident that is resolved already (a note the escalation
    job adds after someone resolved it) must not touch the marker: it is gone, or a newer incident of the
    topic holds it. A marker that does not name this incident never will again, so a plain versioned
    save is safe then; when it does, the transaction's condition checks it once more."""
    try:
        marker = IncidentItem.get(_marker_key(incident.brand, incident.topic), consistent_read=True)
    except DoesNotExist:
        return False
    return bool(marker.incident_id == incident.incident_id)


def _incident_item(incident: Incident) -> IncidentItem:
    active = incident.is_active
    item = IncidentItem(
        incident.incident_id,
        kind="incident",
        incident_id=incident.incident_id,
        brand=incident.brand,
        topic=incident.topic,
        title=incident.title,
        status=incident.status.value,
        severity=int(incident.severity),
        reasons=list(incident.reasons),
        topics=list(incident.topics),
        signals=list(incident.signals),
        opened_key=f"{iso(incident.opened_at)}#{incident.incident_id}",
        active_brand=incident.brand if active else None,
        opened_at=incident.opened_at,
        updated_at=incident.updated_at,
        detected_at=incident.detected_at,
        first_signal_at=incident.first_signal_at,
        acknowledged_at=incident.acknowledged_at,
        acknowledged_by=incident.acknowledged_by,
        resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
        timeline=[
            TimelineEntry(
                at=e.at, kind=e.kind, message=e.message, actor=e.actor, severity=e.severity, ref=e.ref
            )
            for e in incident.timeline
        ],
        desk=json.dumps(
            {
                "facts": [fact.model_dump(mode="json") for fact in incident.facts],
                "assignments": incident.assignments,
                "playbook_id": incident.playbook_id,
                "checklist": {
                    item: tick.model_dump(mode="json") for item, tick in incident.checklist.items()
                },
                "reason_evidence": [
                    None if e is None else {"signal": e.signal, "values": e.values, "text": e.text}
                    for e in incident.reason_evidence
                ],
                "review": incident.review.model_dump(mode="json") if incident.review else None,
                "drill_id": incident.drill_id,
                "crm": incident.crm.model_dump(mode="json") if incident.crm else None,
            },
            ensure_ascii=False,
        ),
    )
    if incident.version:
        item.version = incident.version
    return item


def _incident(item: IncidentItem) -> Incident:
    desk = json.loads(item.desk) if item.desk else {}
    return Incident(
        incident_id=item.pk,
        brand=item.brand or "",
        topic=item.topic or "",
        title=item.title or "",
        status=IncidentStatus(item.status),
        severity=Severity(int(item.severity or 4)),
        reasons=tuple(item.reasons or ()),
        topics=tuple(item.topics or ()),
        signals=tuple(item.signals or ()),
        opened_at=item.opened_at,
        updated_at=item.updated_at,
        detected_at=item.detected_at,
        first_signal_at=item.first_signal_at,
        acknowledged_at=item.acknowledged_at,
        acknowledged_by=item.acknowledged_by,
        resolved_at=item.resolved_at,
        resolved_by=item.resolved_by,
        timeline=tuple(
            TimelineEvent(
                at=e.at,
                kind=e.kind,
                message=e.message,
                actor=e.actor,
                severity=e.severity,
                ref=getattr(e, "ref", None),
            )
            for e in (item.timeline or [])
        ),
        facts=tuple(Fact.model_validate(fact) for fact in desk.get("facts", [])),
        assignments=desk.get("assignments", {}),
        playbook_id=desk.get("playbook_id"),
        checklist={item: Tick.model_validate(tick) for item, tick in desk.get("checklist", {}).items()},
        reason_evidence=tuple(None if e is None else Reason(**e) for e in desk.get("reason_evidence", [])),
        review=ReviewNotes.model_validate(desk["review"]) if desk.get("review") else None,
        drill_id=desk.get("drill_id"),
        crm=CrmRecord.model_validate(desk["crm"]) if desk.get("crm") else None,
        version=int(item.version or 0),
    )
