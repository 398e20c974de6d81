"""The operations dashboard (`krisenradar-<stage>`): collection, detection, delivery, queues, functions
and the API on one page.

Built from what the stack has, so a new function or queue appears without a change here: a graph line
per function for errors, throttles and duration, the depth of every queue and of its dead-letter queue,
and the API by name. CloudWatch bills $3 a month for a dashboard beyond the account's three free ones,
which may show up to 50 metrics each: keep its graph lines at 50 or under (tests/infra)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.monitoring import PERIOD, business_metric

FREE_TIER_METRICS = 50
WIDTH = 24  # the dashboard's grid
HEIGHT = 6


def _graph(title: str, left: Sequence[cloudwatch.IMetric], *, width: int = 8) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title, left=list(left), width=width, height=HEIGHT, left_y_axis=cloudwatch.YAxisProps(min=0)
    )


def _lambda_metric(metric_name: str, function_name: str, label: str, statistic: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name=metric_name,
        dimensions_map={"FunctionName": function_name},
        statistic=statistic,
        period=PERIOD,
        label=label,
    )


def _api_metric(metric_name: str, api_name: str, statistic: str, label: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/ApiGateway",
        metric_name=metric_name,
        dimensions_map={"ApiName": api_name},
        statistic=statistic,
        period=PERIOD,
        label=label,
    )


def _counts(*names: str) -> list[cloudwatch.IMetric]:
    return [business_metric(name).with_(label=name) for name in names]


class OperationsDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        function_names: Mapping[str, str],
        queues: Sequence[sqs.Queue],
        api_name: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard_name = f"krisenradar-{stage}"
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=self.dashboard_name,
            default_interval=Duration.hours(24),
            period_override=cloudwatch.PeriodOverride.INHERIT,
        )
        self.rows: list[list[cloudwatch.IWidget]] = [
            [
                cloudwatch.TextWidget(
                    markdown=(
                        f"# Krisenradar {stage}\n"
                        "Counts per five minutes; a count of zero is not sent, so no line means nothing "
                        "happened. Which source or brand failed: `GET /sources`, or Logs Insights on the "
                        "functions' log groups: `filter ispresent(SourceFailed) | stats count() by source`."
                    ),
                    width=WIDTH,
                    height=2,
                )
            ],
            self._collection_and_detection(function_names),
            self._delivery_and_queues(queues),
            self._functions(function_names),
            self._api(api_name),
        ]
        for row in self.rows:
            self.dashboard.add_widgets(*row)

    def _collection_and_detection(self, function_names: Mapping[str, str]) -> list[cloudwatch.IWidget]:
        # With the rules fanned out per brand, each run of an evaluating function is one brand evaluated.
        evaluations = [
            _lambda_metric("Invocations", function_name, f"{name} runs", "Sum")
            for name, function_name in function_names.items()
            if name.startswith("evaluate")
        ]
        return [
            _graph("Collection: mentions collected", _counts("MentionsCollected")),
            _graph(
                "Collection: sources failed, rate-limited, deferred",
                _counts("SourceFailed", "SourceRateLimited", "SourceDeferred"),
            ),
            _graph(
                "Detection: evaluations, failures, incidents",
                [*evaluations, *_counts("BrandEvaluationFailed", "IncidentOpened", "IncidentEscalated")],
            ),
        ]

    def _delivery_and_queues(self, queues: Sequence[sqs.Queue]) -> list[cloudwatch.IWidget]:
        dead_letters = {id(queue.dead_letter_queue.queue) for queue in queues if queue.dead_letter_queue}
        depth: list[cloudwatch.IMetric] = []
        waiting: list[cloudwatch.IMetric] = []
        for queue in queues:
            if id(queue) in dead_letters:
                continue
            visible = queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum", label=queue.node.id
            )
            # A queue with a dead-letter queue is work in flight; one without is where failures wait.
            (depth if queue.dead_letter_queue else waiting).append(visible)
            if queue.dead_letter_queue:
                dead = queue.dead_letter_queue.queue
                waiting.append(
                    dead.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic="Maximum", label=dead.node.id
                    )
                )
        return [
            _graph(
                "Delivery: alerts delivered and failed, outbox due",
                [
                    *_counts("AlertDelivered", "AlertDeliveryFailed"),
                    business_metric("OutboxDue", statistic="Maximum").with_(label="OutboxDue (max)"),
                ],
            ),
            _graph("Queues: depth (messages visible, max)", depth),
            _graph("Queues: dead letters and failed runs (max)", waiting),
        ]

    def _functions(self, function_names: Mapping[str, str]) -> list[cloudwatch.IWidget]:
        def per_function(metric_name: str, statistic: str) -> list[cloudwatch.IMetric]:
            return [
                _lambda_metric(metric_name, function_name, name, statistic)
                for name, function_name in function_names.items()
            ]

        return [
            _graph("Functions: errors", per_function("Errors", "Sum")),
            _graph("Functions: throttles", per_function("Throttles", "Sum")),
            _graph("Functions: duration p95 (ms)", per_function("Duration", "p95")),
        ]

    def _api(self, api_name: str) -> list[cloudwatch.IWidget]:
        return [
            _graph(
                f"API {api_name}: requests, 4XX, 5XX",
                [
                    _api_metric("Count", api_name, "Sum", "requests"),
                    _api_metric("4XXError", api_name, "Sum", "4XX"),
                    _api_metric("5XXError", api_name, "Sum", "5XX"),
                ],
                width=12,
            ),
            _graph(
                f"API {api_name}: latency (ms)",
                [
                    _api_metric("Latency", api_name, "p50", "p50"),
                    _api_metric("Latency", api_name, "p95", "p95"),
                ],
                width=12,
            ),
        ]
