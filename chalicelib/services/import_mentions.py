"""Store the mentions of a listening tool's export exactly as collected ones: the same enrichment and
the same idempotent store (`ingest`), in batches. Bad rows are reported with their place in the file;
the good ones are stored all the same."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.imports import InvalidRow
from chalicelib.domain.models import RawMention
from chalicelib.services.ingest import IngestResult

BATCH_SIZE = 100


@dataclass
class ImportReport:
    read: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    bad: list[tuple[str, str]] = field(default_factory=list)  # (place, reason)


def import_mentions(
    records: Iterable[tuple[str, Mapping[str, Any] | InvalidRow]],
    *,
    convert: Callable[[Mapping[str, Any]], RawMention],
    store: Callable[[list[RawMention]], IngestResult],
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    report = ImportReport()
    batch: list[RawMention] = []
    for place, record in records:
        report.read += 1
        try:
            if isinstance(record, InvalidRow):
                raise record
            batch.append(convert(record))
        except InvalidRow as error:
            report.bad.append((place, str(error)))
            continue
        if len(batch) >= batch_size:
            report.result.add(store(batch))
            batch = []
    if batch:
        report.result.add(store(batch))
    return report
