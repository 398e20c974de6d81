"""A local EventBridge: invokes the very same scheduled handlers as in AWS, at their rates; and, given
the queues, Lambda's SQS event source mappings (local/queues.py) for the functions that work off them.

As in AWS, jobs run concurrently: each due run starts on a worker thread, whether or not another
job, or an earlier run of the same job, is still busy. The jobs claim before they act, so this is safe,
and running them this way locally is how it stays tested."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, Rate, ScheduledEventConfig

if TYPE_CHECKING:
    from chalicelib.local.queues import EventSourceMapping

STAGGER_SECONDS = 5.0
_UNIT_SECONDS = {Rate.MINUTES: 60, Rate.HOURS: 3600, Rate.DAYS: 86400}


@dataclass
class LambdaContext:
    """What a Lambda handler may read from its context."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = ""
    invoked_function_arn: str = ""
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Job:
    name: str
    handler: Callable[[dict[str, Any], Any], Any]
    interval: float
    next_run: float = 0.0


def scheduled_event(name: str, region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/{name}"],
        "detail": {},
    }


def jobs_of(app: Chalice) -> list[Job]:
    jobs: list[Job] = []
    for source in app.event_sources:
        if not isinstance(source, ScheduledEventConfig):
            continue
        expression = source.schedule_expression
        if not isinstance(expression, Rate):
            raise ValueError(f"{source.name}: only Rate schedules run locally")
        module_name, _, attribute = source.handler_string.rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
        jobs.append(Job(source.name, handler, float(expression.value * _UNIT_SECONDS[expression.unit])))
    return jobs


class Scheduler:
    def __init__(
        self,
        app: Chalice,
        region: str,
        on_error: Callable[[str, BaseException], None],
        queues: dict[str, str] | None = None,
    ) -> None:
        """`queues`: the URL of each queue an `@on_sqs_message` function names (collect, rules)."""
        self.jobs = jobs_of(app)
        self._region = region
        self._on_error = on_error
        self.mappings = self._mappings(app, queues or {})
        self._stop = threading.Event()
        self._workers = ThreadPoolExecutor(max_workers=2 * len(self.jobs) or 1, thread_name_prefix="job")
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def invoke(self, name: str) -> Any:
        job = next(j for j in self.jobs if j.name == name)
        context = LambdaContext(
            function_name=f"krisenradar-local-{name}",
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=f"arn:aws:lambda:{self._region}:123456789012:function:krisenradar-local-{name}",
        )
        return job.handler(scheduled_event(name, self._region), context)

    def _mappings(self, app: Chalice, queues: dict[str, str]) -> list[EventSourceMapping]:
        if not queues:
            return []
        import boto3

        from chalicelib.local.queues import EventSourceMapping, queue_functions

        client = boto3.client("sqs", region_name=self._region)
        return [
            EventSourceMapping(
                function,
                client=client,
                queue_url=queues[function.queue],
                region=self._region,
                on_error=self._on_error,
            )
            for function in queue_functions(app)
            if function.queue in queues
        ]

    def start(self) -> None:
        for mapping in self.mappings:
            mapping.start()
        # EventBridge starts each rate schedule at its own offset; here they are a few seconds apart in
        # registration order (collect, rules, deliver, escalate), so that a storm collected in one
        # minute is evaluated in the same minute.
        now = time.monotonic()
        for index, job in enumerate(self.jobs):
            job.next_run = now + index * STAGGER_SECONDS
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self._workers.shutdown(wait=True, cancel_futures=True)
        for mapping in self.mappings:
            mapping.stop()

    def _run(self, name: str) -> None:
        try:
            self.invoke(name)
        except Exception as error:  # a failed run is reported; the next one is scheduled
            self._on_error(name, error)

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for job in self.jobs:
                if now >= job.next_run:
                    job.next_run = now + job.interval
                    self._workers.submit(self._run, job.name)
            self._stop.wait(1.0)
