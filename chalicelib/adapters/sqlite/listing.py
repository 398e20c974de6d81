"""Keyset paging, newest first: every SQLite listing pages the same way and returns an opaque token."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import TypeVar

from chalicelib.adapters.paging import decode_cursor, encode_cursor
from chalicelib.adapters.sqlite.database import Database
from chalicelib.domain.models import Page

T = TypeVar("T")
Condition = tuple[str, Sequence[object]]  # an SQL clause with its parameters


def newest_first(
    db: Database,
    *,
    listing: str,
    select: str,
    sort_key: str,
    conditions: Sequence[Condition],
    limit: int,
    next_token: str | None,
    convert: Callable[[sqlite3.Row], T],
) -> Page[T]:
    """One page of `select` (a SELECT ... FROM ...), ordered by `sort_key` descending."""
    clauses = [clause for clause, _ in conditions]
    args = [arg for _, params in conditions for arg in params]
    after = decode_cursor(next_token, listing)
    if after is not None:
        clauses.append(f"{sort_key} < ?")
        args.append(after)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    with db.snapshot() as conn:
        rows = conn.execute(
            f"{select}{where} ORDER BY {sort_key} DESC LIMIT ?", (*args, limit + 1)
        ).fetchall()
    page = rows[:limit]
    return Page[T](
        items=[convert(row) for row in page],
        next_token=encode_cursor(listing, page[-1][sort_key]) if len(rows) > limit else None,
    )
