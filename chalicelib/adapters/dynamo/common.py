"""What every DynamoDB repository shares: one connection per endpoint, error translation, paging."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, QueryError, TransactWriteError
from pynamodb.models import Model

from chalicelib.adapters.paging import decode_token, encode_token
from chalicelib.domain.errors import AppError, InvalidInput
from chalicelib.domain.models import Page

T = TypeVar("T")


def conditional_check_failed(error: PynamoDBException) -> bool:
    return "ConditionalCheckFailed" in str(error.cause_response_code)


def connection_for(model: type[Model]) -> Connection:
    return _shared_connection(model.Meta.region, model.Meta.host)


@lru_cache(maxsize=8)
def _shared_connection(region: str, host: str | None) -> Connection:
    """One connection (and so one botocore client, which costs ~0.2 s to build) per endpoint."""
    return Connection(region=region, host=host)


def cancelled_by_condition(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


def _query_error(error: PynamoDBException) -> AppError:
    if "ValidationException" in str(error.cause_response_code):
        return InvalidInput(
            "next_token does not fit this listing", [{"field": "next_token", "message": "rejected"}]
        )
    return AppError("storage query failed", [{"cause": str(error.cause_response_code)}])


def query_page(
    query: Callable[..., Any],
    hash_key: str,
    convert: Callable[[Any], T],
    token_keys: set[str],
    limit: int,
    next_token: str | None,
    **conditions: Any,
) -> Page[T]:
    """One page of a Query, newest first, resuming from an opaque token."""
    start_key = decode_token(next_token, token_keys)
    try:
        results = query(
            hash_key, scan_index_forward=False, limit=limit, last_evaluated_key=start_key, **conditions
        )
        items = [convert(item) for item in results]
    except QueryError as error:
        raise _query_error(error) from error
    return Page[T](items=items, next_token=encode_token(results.last_evaluated_key))


def create_tables(models: Iterable[type[Model]]) -> None:
    """Create missing tables from the model definitions (local stack and tests; CDK does it in AWS).
    PynamoDB enables TTL on the models' TTLAttribute when it creates a table."""
    for model in models:
        if not model.exists():
            model.create_table(wait=True)
