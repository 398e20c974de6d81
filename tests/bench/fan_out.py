"""Fan-out at agency scale: `python -m tests.bench fan_out`.

The collect schedule's `fan_out` over SOURCES sources on DynamoDB in one moto server (the scale bench's
stack, every request counted at the server): once with every source due (all are sent and marked
queued), then a minute later with every source already queued (nothing is sent), then with every source
polled a minute ago (its interval not over: the most common check). Wall time of each run and its AWS
requests per source. The scale bench's "fan-out" rows measure the same with 20 sources.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.bench.scale import NOW, Clock, PageSource, _figures, _ops, _queue, _timed, stack

SOURCES = 800  # an agency: 200 brands with a few sources each


def measure() -> dict[str, Any]:
    from chalicelib import deps
    from chalicelib.services.collect import fan_out, health_key

    with stack() as st:
        clock = Clock(NOW)
        container = st.container("f-", 1, clock)
        queued = container.settings.model_copy(update={"collect_queue_url": _queue(container, "bench-fan")})
        fanning = deps.Container(queued, clock=clock)
        queue = fanning.collect_queue
        assert queue is not None
        sources = [PageSource(f"bench-{i:04d}", []) for i in range(SOURCES)]
        sent: list[list[str]] = []
        due = _timed(
            st.meter,
            lambda: sent.append(
                fan_out(sources, state=fanning.state, queue=queue, now=NOW + timedelta(hours=1))
            ),
        )
        waiting = _timed(
            st.meter,
            lambda: sent.append(
                fan_out(sources, state=fanning.state, queue=queue, now=NOW + timedelta(hours=1, minutes=1))
            ),
        )
        later = NOW + timedelta(hours=2)
        polled = (later - timedelta(minutes=1)).isoformat()
        for source in sources:  # setup, not measured
            fanning.state.put(
                health_key(source.source_id), {"last_run_at": polled, "last_success_at": polled}
            )
        not_due = _timed(
            st.meter, lambda: sent.append(fan_out(sources, state=fanning.state, queue=queue, now=later))
        )
    assert [len(ids) for ids in sent] == [SOURCES, 0, 0], (
        "every source is due once, then waiting, then not due"
    )
    return {
        "due": {**_figures(due, SOURCES), "wall_s": due.wall},
        "waiting": {**_figures(waiting, SOURCES), "wall_s": waiting.wall},
        "not_due": {**_figures(not_due, SOURCES), "wall_s": not_due.wall},
    }


def report(results: dict[str, Any]) -> None:
    print(f"## Fan-out of {SOURCES} sources, DynamoDB on moto server\n")
    print("| run | wall s | requests per source | RRU | WRU | requests by operation (per source) |")
    print("|---|---:|---:|---:|---:|---|")
    for name, label in (
        ("due", "every source due"),
        ("waiting", "every source already queued"),
        ("not_due", "every source polled a minute ago"),
    ):
        figures = results[name]
        print(
            f"| {label} | {figures['wall_s']:.2f} | {figures['total']:.3f} | {figures['rru']:.3f} "
            f"| {figures['wru']:.3f} | {_ops(figures)} |"
        )


def run() -> None:
    report(measure())


if __name__ == "__main__":
    run()
