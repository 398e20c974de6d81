"""Drills in DynamoDB: one item per drill under a constant partition key (its id as sort key, so the
listing is a Query), and one marker item per brand with a running drill, written and removed in the same
transaction as the drill. Saves use PynamoDB's VersionAttribute, so a stale save is a Conflict."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.common import (
    cancelled_by_condition,
    conditional_check_failed,
    connection_for,
    query_page,
)
from chalicelib.adapters.dynamo.models import DRILL_PK, RUNNING_PK, DrillItem, RunningDrillItem
from chalicelib.domain.drills import Drill, DrillStatus
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.models import Page


def _item(drill: Drill) -> DrillItem:
    item = DrillItem(
        DRILL_PK,
        drill.drill_id,
        brand=drill.brand,
        status=drill.status.value,
        doc=drill.model_dump_json(exclude={"version"}),
    )
    if drill.version:
        item.version = drill.version
    return item


def _drill(item: DrillItem) -> Drill:
    return Drill.model_validate_json(item.doc).model_copy(update={"version": int(item.version or 0)})


def _marker(drill: Drill) -> RunningDrillItem:
    return RunningDrillItem(RUNNING_PK, drill.brand, drill_id=drill.drill_id)


def _stale(drill: Drill) -> Conflict:
    return Conflict(
        "the drill was changed by someone else; reload and try again", [{"drill_id": drill.drill_id}]
    )


class DynamoDrillRepository:
    def create(self, drill: Drill) -> Drill:
        item = _item(drill.model_copy(update={"version": 0}))
        try:
            with TransactWrite(connection=connection_for(DrillItem)) as tx:
                tx.save(item, condition=DrillItem.sk.does_not_exist())
                tx.save(_marker(drill), condition=RunningDrillItem.sk.does_not_exist())
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                raise Conflict("a drill with this id exists", [{"drill_id": drill.drill_id}]) from error
            if cancelled_by_condition(error):
                raise Conflict(
                    "a drill is already running for this brand; stop it first", [{"brand": drill.brand}]
                ) from error
            raise
        return _drill(item)

    def save(self, drill: Drill) -> Drill:
        item = _item(drill)
        try:
            if drill.status is DrillStatus.ENDED and self._holds_marker(drill):
                with TransactWrite(connection=connection_for(DrillItem)) as tx:
                    tx.save(item)
                    tx.delete(
                        _marker(drill),
                        condition=RunningDrillItem.drill_id == drill.drill_id,
                    )
            else:
                item.save()
        except TransactWriteError as error:
            if cancelled_by_condition(error):
                raise _stale(drill) from error
            raise
        except PutError as error:
            if conditional_check_failed(error):
                raise _stale(drill) from error
            raise
        return _drill(item)

    def _holds_marker(self, drill: Drill) -> bool:
        """Whether the brand's running marker names this drill (ending releases it; an ended drill that
        is saved again, or whose brand runs a newer drill, leaves the marker alone)."""
        try:
            marker = RunningDrillItem.get(RUNNING_PK, drill.brand, consistent_read=True)
        except DoesNotExist:
            return False
        return bool(marker.drill_id == drill.drill_id)

    def get(self, drill_id: str) -> Drill:
        try:
            return _drill(DrillItem.get(DRILL_PK, drill_id, consistent_read=True))
        except DoesNotExist as error:
            raise NotFound("no such drill", [{"drill_id": drill_id}]) from error

    def running(self) -> list[Drill]:
        markers = RunningDrillItem.query(RUNNING_PK, consistent_read=True)
        drills = []
        for marker in markers:
            try:
                drill = _drill(DrillItem.get(DRILL_PK, marker.drill_id, consistent_read=True))
            except DoesNotExist:
                continue
            if drill.status is DrillStatus.RUNNING:
                drills.append(drill)
        return sorted(drills, key=lambda d: d.drill_id)

    def list(self, *, limit: int, next_token: str | None) -> Page[Drill]:
        return query_page(DrillItem.query, DRILL_PK, _drill, {"pk", "sk"}, limit, next_token)
