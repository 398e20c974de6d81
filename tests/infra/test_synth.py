"""Synthesizes the CDK app once (Chalice packaging included) and checks the template, the shipped
package, cfn-lint and cdk-nag's AWS Solutions checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, Stack  # noqa: E402
from aws_cdk.assertions import Match, Template  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from chalicelib.adapters.dynamo.models import MODELS  # noqa: E402
from chalicelib.adapters.playbooks import load_playbook  # noqa: E402
from chalicelib.domain.playbook import Playbook  # noqa: E402
from chalicelib.domain.routing import subscriptions  # noqa: E402
from infra.data import Data, credential_secrets  # noqa: E402
from infra.monitoring import Monitoring  # noqa: E402
from infra.stack import PROJECT_ROOT, build_app  # noqa: E402
from tests.infra.test_dashboard import dashboard_body, graph_lines  # noqa: E402

pytestmark = pytest.mark.infra

STACK = "krisenradar-dev"
FUNCTIONS = {
    "APIHandler": "krisenradar-dev-api-handler",
    "CollectMentions": "krisenradar-dev-collect-mentions",
    "CollectSource": "krisenradar-dev-collect-source",
    "EvaluateRules": "krisenradar-dev-evaluate-rules",
    "EvaluateBrand": "krisenradar-dev-evaluate-brand",
    "DeliverAlerts": "krisenradar-dev-deliver-alerts",
    "EscalateIncidents": "krisenradar-dev-escalate-incidents",
    "ApplyRetention": "krisenradar-dev-apply-retention",
}
JOBS = ("CollectMentions", "EvaluateRules", "DeliverAlerts", "EscalateIncidents", "ApplyRetention")
# Every-minute schedules run untraced (infra/service.py UNTRACED); workers, API and retention are traced.
UNTRACED_KEYS = ("CollectMentions", "EvaluateRules", "DeliverAlerts", "EscalateIncidents")
SCHEDULES = dict.fromkeys(JOBS, "rate(1 minute)") | {"ApplyRetention": "rate(1 hour)"}


@dataclass
class Synth:
    app: App
    outdir: Path
    template_path: Path
    template: Template
    resources: dict[str, Any]

    def of_type(self, resource_type: str) -> dict[str, Any]:
        return {key: value for key, value in self.resources.items() if value["Type"] == resource_type}

    def logical_id(self, resource_type: str, prefix: str) -> str:
        (match,) = [key for key in self.of_type(resource_type) if key.startswith(prefix)]
        return match


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(outdir=str(outdir), context={"hubspot": "true"})  # the CRM on, as a company with HubSpot
    assembly = app.synth()  # raises if cdk-nag reports an unacknowledged finding
    stack = assembly.get_stack_by_name(STACK)
    template_path = outdir / stack.template_file
    return Synth(app, outdir, template_path, Template.from_json(stack.template), stack.template["Resources"])


def _key_schema(pairs: list[dict[str, str]]) -> list[dict[str, str]]:
    """HASH first, as CloudFormation writes it (PynamoDB does not order them)."""
    return sorted(pairs, key=lambda key: key["KeyType"] != "HASH")


def _attached_statements(synth: Synth, role_id: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def _mentions(statement: dict[str, Any], logical_id: str) -> bool:
    return f'"{logical_id}"' in json.dumps(statement["Resource"])


# --- data ------------------------------------------------------------------------------------------


def test_tables_keyed_like_the_models_with_pitr_sse_and_retention(synth: Synth) -> None:
    tables = {
        props["Properties"]["TableName"]: props for props in synth.of_type("AWS::DynamoDB::Table").values()
    }
    assert set(tables) == {f"krisenradar-dev-{name}" for name in MODELS}
    for name, model in MODELS.items():
        table = tables[f"krisenradar-dev-{name}"]
        props = table["Properties"]
        schema = model._get_schema()
        assert props["KeySchema"] == _key_schema(schema["key_schema"])
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        # The mentions (public posts, 90 days, erasable) go without continuous backups; the rest keep them.
        pitr = name != "mentions"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": pitr}
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert table["DeletionPolicy"] == "Retain"
        indexes = {index["IndexName"]: index for index in props.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {index["index_name"] for index in schema["global_secondary_indexes"]}
        for index in schema["global_secondary_indexes"]:
            assert indexes[index["index_name"]]["KeySchema"] == _key_schema(index["key_schema"])
            # Every index projects the items whole, but the mentions' author index (keys only).
            expected = "KEYS_ONLY" if index["index_name"] == "by_author_keys" else "ALL"
            assert indexes[index["index_name"]]["Projection"] == {"ProjectionType": expected}


def test_access_patterns_have_their_keys(synth: Synth) -> None:
    synth.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "krisenradar-dev-outbox",
            "KeySchema": [
                {"AttributeName": "alert_id", "KeyType": "HASH"},
                {"AttributeName": "target", "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": Match.array_with(
                [
                    Match.object_like(
                        {
                            "IndexName": "by_pending",
                            "KeySchema": [
                                {"AttributeName": "pending", "KeyType": "HASH"},
                                {"AttributeName": "created_key", "KeyType": "RANGE"},
                            ],
                        }
                    )
                ]
            ),
        },
    )


def test_mentions_and_buckets_expire_and_the_rest_do_not(synth: Synth) -> None:
    ttl = {
        table["Properties"]["TableName"]: table["Properties"].get("TimeToLiveSpecification")
        for table in synth.of_type("AWS::DynamoDB::Table").values()
    }
    expiring = {"AttributeName": "expires_at", "Enabled": True}
    assert ttl["krisenradar-dev-mentions"] == expiring
    assert ttl["krisenradar-dev-buckets"] == expiring
    assert ttl["krisenradar-dev-incidents"] is None
    assert ttl["krisenradar-dev-apikeys"] is None


def test_the_ingest_and_link_secrets_are_generated_long_and_without_punctuation(synth: Synth) -> None:
    secrets = {s["Properties"]["Name"]: s for s in synth.of_type("AWS::SecretsManager::Secret").values()}
    crm_token = "krisenradar/dev/integrations/hubspot-token"  # under the prefix the senders may read
    assert {"krisenradar/dev/ingest-hmac", "krisenradar/dev/link-signing", crm_token} <= set(secrets)
    assert secrets[crm_token]["DeletionPolicy"] == "Retain"
    for name in ("krisenradar/dev/ingest-hmac", "krisenradar/dev/link-signing"):
        secret = secrets[name]
        generated = secret["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] >= 48
        assert generated["ExcludePunctuation"] is True
        assert secret["DeletionPolicy"] == "Retain"


def test_only_the_secrets_the_sources_read_get_a_placeholder() -> None:
    # Given sources of platforms with and without credentials, a second account, and a disabled source
    playbook = load_playbook(PROJECT_ROOT / "playbooks").model_dump()
    sources = [
        {"id": "presse", "type": "rss", "brand": "mueller", "url": "https://example.org/feed.xml"},
        {"id": "fb-mueller", "type": "facebook", "brand": "mueller"},
        {
            "id": "fb-service",
            "type": "facebook",
            "brand": "mueller",
            "options": {"secret": "facebook-service"},
        },
        {"id": "bewertungen", "type": "google_reviews", "brand": "mueller", "enabled": False},
    ]
    busier = Playbook.model_validate({**playbook, "sources": [*playbook["sources"], *sources]})
    # Then each secret they read has one placeholder (a JSON object, kept on stack deletion), no other
    names = credential_secrets(busier.sources)
    assert names == ("facebook", "facebook-service", "google_reviews")
    stack = Stack(App(), "data-only")
    Data(stack, "Data", stage="dev", table_prefix="krisenradar-dev-", source_secrets=names)
    secrets = {
        value["Properties"]["Name"]: value
        for value in Template.from_stack(stack).to_json()["Resources"].values()
        if value["Type"] == "AWS::SecretsManager::Secret"
    }
    placeholders = {name for name in secrets if "/sources/" in name}
    assert placeholders == {f"krisenradar/dev/sources/{name}" for name in names}
    for name in placeholders:
        assert secrets[name]["Properties"]["GenerateSecretString"]["SecretStringTemplate"] == "{}"
        assert secrets[name]["DeletionPolicy"] == "Retain"


def test_the_stack_has_the_shipped_playbooks_source_secrets_only_the_collector_and_the_api_read(
    synth: Synth,
) -> None:
    # Given the synthesized secrets and the functions' policies
    secrets = {s["Properties"]["Name"]: s for s in synth.of_type("AWS::SecretsManager::Secret").values()}
    functions = synth.of_type("AWS::Serverless::Function")
    roles = {key: fn["Properties"]["Role"]["Fn::GetAtt"][0] for key, fn in functions.items()}

    def reads_sources(function: str) -> bool:
        return any(
            "secretsmanager:GetSecretValue" in _actions(statement)
            and "secret:krisenradar/dev/sources/*" in json.dumps(statement["Resource"])
            for statement in _attached_statements(synth, roles[function])
        )

    # Then the placeholders are those of the shipped playbook's sources (none: a feed and the demo)
    shipped = credential_secrets(load_playbook(PROJECT_ROOT / "playbooks").sources)
    assert {name for name in secrets if "/sources/" in name} == {
        f"krisenradar/dev/sources/{name}" for name in shipped
    }
    # And only the collect worker and the API (which posts approved replies) may read the sources/ prefix
    assert sorted(function for function in roles if reads_sources(function)) == [
        "APIHandler",
        "CollectSource",
    ]


# --- alerts ----------------------------------------------------------------------------------------


def test_alert_topic_is_encrypted_with_the_aws_managed_key(synth: Synth) -> None:
    topic = synth.resources[synth.logical_id("AWS::SNS::Topic", "AlertsTopic")]["Properties"]
    assert topic["TopicName"] == "krisenradar-dev-alerts"
    # AWS rotates the AWS-managed key; a customer-managed one would cost $1 a month
    assert json.dumps(topic["KmsMasterKeyId"]).endswith(':alias/aws/sns"]]}')
    assert "DisplayName" not in topic  # SNS would prefix every SMS with it


def test_team_subscriptions_route_like_the_outbox_plans(synth: Synth) -> None:
    team = load_playbook(PROJECT_ROOT / "playbooks").team
    expected = sorted(
        (protocol, endpoint, json.dumps(policy, sort_keys=True))
        for protocol, endpoint, policy in subscriptions(team.as_users(datetime.now(UTC)))
    )
    actual = sorted(
        (
            props["Protocol"],
            props["Endpoint"],
            json.dumps(props["FilterPolicy"], sort_keys=True),
        )
        for props in (sub["Properties"] for sub in synth.of_type("AWS::SNS::Subscription").values())
        if props["Protocol"] in ("sms", "email")
    )
    assert actual == expected
    assert any(protocol == "sms" for protocol, _, _ in actual)
    for sub in synth.of_type("AWS::SNS::Subscription").values():
        if sub["Properties"]["Protocol"] in ("sms", "email"):
            assert sub["Properties"]["FilterPolicyScope"] == "MessageAttributes"


def test_each_persons_subscription_hears_only_what_is_addressed_to_it(synth: Synth) -> None:
    # Who gets which alert is decided from the roster in the store (routing.plan_recipients); every
    # message is addressed, so a subscription filters on its own address.
    synth.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "sms",
            "Endpoint": "+4915100000003",
            "FilterPolicy": {"channel": ["sms"], "recipient": ["+4915100000003"]},
        },
    )


def test_integration_queue_gets_raw_alerts_encrypted_with_a_dead_letter_queue(synth: Synth) -> None:
    queue_id = synth.logical_id("AWS::SQS::Queue", "AlertsIntegrationQueue")
    dlq_id = synth.logical_id("AWS::SQS::Queue", "AlertsIntegrationDeadLetters")
    queue = synth.resources[queue_id]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    assert synth.resources[dlq_id]["Properties"]["SqsManagedSseEnabled"] is True
    synth.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "sqs",
            "RawMessageDelivery": True,
            "Endpoint": {"Fn::GetAtt": [queue_id, "Arn"]},
            "FilterPolicy": {"channel": ["integration"]},
        },
    )


# --- API and jobs ----------------------------------------------------------------------------------


def test_app_functions_are_the_api_the_five_schedules_and_the_two_workers(synth: Synth) -> None:
    functions = synth.of_type("AWS::Serverless::Function")
    assert {key: fn["Properties"]["FunctionName"] for key, fn in functions.items()} == FUNCTIONS
    for job in JOBS:
        (event,) = functions[job]["Properties"]["Events"].values()
        assert event == {"Type": "Schedule", "Properties": {"Schedule": SCHEDULES[job]}}


def _may(synth: Synth, function: str, action: str, resource_id: str) -> bool:
    role = synth.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return any(
        action in _actions(statement) and _mentions(statement, resource_id)
        for statement in _attached_statements(synth, role)
    )


def _fan_out(synth: Synth, prefix: str, schedule: str, worker: str, setting: str) -> dict[str, Any]:
    """What every fan-out shares: the schedule knows its queue and may only send to it, the worker is
    its event source and may only consume it, and a unit that keeps failing ends in an encrypted
    dead-letter queue with an alarm. Returns the worker's event source."""
    queue_id = synth.logical_id("AWS::SQS::Queue", f"Service{prefix}Queue")
    dead_id = synth.logical_id("AWS::SQS::Queue", f"Service{prefix}DeadLetters")
    queue = synth.resources[queue_id]["Properties"]
    functions = synth.of_type("AWS::Serverless::Function")
    assert functions[schedule]["Properties"]["Environment"]["Variables"][setting] == {"Ref": queue_id}
    assert [
        key for key, fn in functions.items() if setting in fn["Properties"]["Environment"]["Variables"]
    ] == [schedule]
    (event,) = functions[worker]["Properties"]["Events"].values()
    assert event["Type"] == "SQS" and event["Properties"]["Queue"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert _may(synth, schedule, "sqs:SendMessage", queue_id)
    assert not _may(synth, schedule, "sqs:ReceiveMessage", queue_id)
    assert _may(synth, worker, "sqs:ReceiveMessage", queue_id)
    assert _may(synth, worker, "sqs:DeleteMessage", queue_id)
    assert not _may(synth, worker, "sqs:SendMessage", queue_id)
    assert [key for key in functions if _may(synth, key, "sqs:ReceiveMessage", queue_id)] == [worker]
    # A unit is not handed out again while its worker may still run (six times the function's timeout)
    timeout = functions[worker]["Properties"]["Timeout"]
    assert timeout == 60 and queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["SqsManagedSseEnabled"] is True
    assert synth.resources[dead_id]["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    alarms = synth.of_type("AWS::CloudWatch::Alarm").values()
    assert any(dead_id in json.dumps(alarm["Properties"].get("Dimensions", [])) for alarm in alarms)
    return dict(event["Properties"])


def test_the_collect_schedule_fans_out_one_message_per_source_to_a_worker_taking_ten(synth: Synth) -> None:
    source = _fan_out(synth, "Collect", "CollectMentions", "CollectSource", "KRISENRADAR_COLLECT_QUEUE_URL")
    assert source["BatchSize"] == 10


def test_the_rules_schedule_fans_out_one_message_per_brand_to_a_worker_that_reports_failures(
    synth: Synth,
) -> None:
    source = _fan_out(synth, "Rules", "EvaluateRules", "EvaluateBrand", "KRISENRADAR_RULES_QUEUE_URL")
    # Up to ten brands per invocation, and only the ones whose evaluation failed come back
    assert source["BatchSize"] == 10
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_functions_get_the_settings_the_app_validates_at_cold_start(synth: Synth) -> None:
    topic_id = synth.logical_id("AWS::SNS::Topic", "AlertsTopic")
    for key, function in synth.of_type("AWS::Serverless::Function").items():
        props = function["Properties"]
        env = props["Environment"]["Variables"]
        assert env["KRISENRADAR_STAGE"] == "dev", key
        assert env["KRISENRADAR_TABLE_PREFIX"] == "krisenradar-dev-"
        assert env["KRISENRADAR_ALERT_TOPIC_ARN"] == {"Ref": topic_id}
        assert env["KRISENRADAR_INGEST_SECRET_NAME"] == "krisenradar/dev/ingest-hmac"
        assert env["KRISENRADAR_MENTION_RETENTION_DAYS"] == "90"
        assert env["KRISENRADAR_OUTBOX_RETENTION_DAYS"] == "30"
        assert env["KRISENRADAR_INCIDENT_PERSONAL_DATA_DAYS"] == "180"
        assert env["KRISENRADAR_HUBSPOT_TOKEN_SECRET_NAME"] == "krisenradar/dev/integrations/hubspot-token"
        assert env["POWERTOOLS_SERVICE_NAME"] == "krisenradar"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Krisenradar"
        assert env["KRISENRADAR_PLAYBOOKS_DIR"].startswith("/var/task/")
        assert props["Runtime"] == "python3.11"
        assert props["Tracing"] == ("PassThrough" if key in UNTRACED_KEYS else "Active")
        assert props["Layers"] == [{"Ref": "ManagedLayer"}]
        if key in JOBS:
            assert "RestAPI" in json.dumps(env["KRISENRADAR_PUBLIC_URL"])


def _code_archive(synth: Synth, uri: dict[str, Any]) -> zipfile.ZipFile:
    asset_hash = uri["Key"].removesuffix(".zip")
    return zipfile.ZipFile(synth.outdir / f"asset.{asset_hash}.zip")


def test_package_ships_the_app_the_playbooks_and_the_dependencies(synth: Synth) -> None:
    api = synth.resources["APIHandler"]["Properties"]
    playbooks_dir = api["Environment"]["Variables"]["KRISENRADAR_PLAYBOOKS_DIR"].removeprefix("/var/task/")
    with _code_archive(synth, api["CodeUri"]) as code:
        names = set(code.namelist())
    assert {"app.py", "chalicelib/jobs/schedules.py", "chalicelib/analysis/model/lexicon.tsv"} <= names
    shipped = {
        name.removeprefix(playbooks_dir + "/") for name in names if name.startswith(playbooks_dir + "/")
    }
    playbooks = PROJECT_ROOT / "playbooks"
    assert shipped == {str(path.relative_to(playbooks)) for path in playbooks.rglob("*") if path.is_file()}

    layer = synth.resources["ManagedLayer"]["Properties"]
    assert layer["LayerName"] == "krisenradar-dev-dependencies"
    with _code_archive(synth, layer["ContentUri"]) as dependencies:
        installed = dependencies.namelist()
    site = "python/lib/python3.11/site-packages/"
    for package in ("pydantic/", "pydantic_core/", "pynamodb/", "aws_lambda_powertools/", "yaml/", "jinja2/"):
        assert any(name.startswith(site + package) for name in installed), package
    assert any(
        name.startswith(site + "pydantic_core/") and "x86_64-linux-gnu.so" in name for name in installed
    )


def test_each_function_has_its_own_least_privilege_role(synth: Synth) -> None:
    functions = synth.of_type("AWS::Serverless::Function")
    roles = {key: fn["Properties"]["Role"]["Fn::GetAtt"][0] for key, fn in functions.items()}
    assert len(set(roles.values())) == len(roles)
    topic_id = synth.logical_id("AWS::SNS::Topic", "AlertsTopic")
    secret_id = synth.logical_id("AWS::SecretsManager::Secret", "DataIngestSecret")
    incidents_id = synth.logical_id("AWS::DynamoDB::Table", "DataIncidents")
    outbox_id = synth.logical_id("AWS::DynamoDB::Table", "DataOutbox")
    mentions_id = synth.logical_id("AWS::DynamoDB::Table", "DataMentions")

    def can(function: str, action: str, resource_id: str) -> bool:
        return any(
            action in _actions(statement) and _mentions(statement, resource_id)
            for statement in _attached_statements(synth, roles[function])
        )

    assert can("DeliverAlerts", "sns:Publish", topic_id)
    assert can("EvaluateBrand", "sns:Publish", topic_id)
    assert not can("EvaluateRules", "sns:Publish", topic_id)  # it only follows drills and sends units
    assert not can("EvaluateRules", "dynamodb:PutItem", incidents_id)
    assert can("EvaluateBrand", "dynamodb:PutItem", incidents_id)
    assert not can("CollectMentions", "sns:Publish", topic_id)
    assert not can("APIHandler", "sns:Publish", topic_id)
    assert can("APIHandler", "secretsmanager:GetSecretValue", secret_id)
    assert not can("EvaluateRules", "secretsmanager:GetSecretValue", secret_id)
    assert not can("EvaluateBrand", "secretsmanager:GetSecretValue", secret_id)
    assert can("CollectSource", "dynamodb:PutItem", mentions_id)
    assert not can("CollectSource", "dynamodb:PutItem", incidents_id)
    assert not can("CollectMentions", "dynamodb:PutItem", mentions_id)  # it only sends units
    assert can("DeliverAlerts", "dynamodb:Query", outbox_id)
    assert not can("DeliverAlerts", "dynamodb:GetItem", incidents_id)
    assert can("ApplyRetention", "dynamodb:PutItem", incidents_id)
    assert not can("ApplyRetention", "dynamodb:Query", mentions_id)  # TTL deletes them
    assert not can("ApplyRetention", "dynamodb:Query", outbox_id)
    for role in roles.values():
        assert "ManagedPolicyArns" not in synth.resources[role]["Properties"]


def test_no_function_may_scan_and_the_audit_log_is_append_only(synth: Synth) -> None:
    functions = synth.of_type("AWS::Serverless::Function")
    roles = {key: fn["Properties"]["Role"]["Fn::GetAtt"][0] for key, fn in functions.items()}
    audit_id = synth.logical_id("AWS::DynamoDB::Table", "DataAudit")
    keys_id = synth.logical_id("AWS::DynamoDB::Table", "DataApikeys")
    for role in roles.values():
        statements = _attached_statements(synth, role)
        assert not any("dynamodb:Scan" in _actions(s) for s in statements)
        assert not any("dynamodb:*" in _actions(s) for s in statements)
    api = _attached_statements(synth, roles["APIHandler"])
    audit = {action for s in api if _mentions(s, audit_id) for action in _actions(s)}
    assert "dynamodb:PutItem" in audit and "dynamodb:Query" in audit
    assert not audit & {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for job in ("CollectMentions", "EvaluateRules", "EvaluateBrand", "DeliverAlerts", "EscalateIncidents"):
        assert not any(_mentions(s, keys_id) for s in _attached_statements(synth, roles[job])), job


def test_the_api_is_throttled_and_logs_access_without_personal_data(synth: Synth) -> None:
    (api,) = synth.of_type("AWS::Serverless::Api").values()
    (method,) = api["Properties"]["MethodSettings"]
    assert (method["ResourcePath"], method["HttpMethod"]) == ("/*", "*")
    assert 0 < method["ThrottlingRateLimit"] <= method["ThrottlingBurstLimit"]
    assert method["LoggingLevel"] == "OFF"  # execution logs would carry bodies
    access = api["Properties"]["AccessLogSetting"]
    fields = json.loads(access["Format"])
    assert {"requestId", "status", "resource", "latencyMs"} <= set(fields)
    assert not any(
        leak in value
        for value in fields.values()
        for leak in ("sourceIp", "userAgent", "$context.path", "identity", "authorizer")
    )
    log_group = synth.logical_id("AWS::Logs::LogGroup", "ServiceApiAccessLogs")
    assert access["DestinationArn"] == {"Fn::GetAtt": [log_group, "Arn"]}
    (account,) = synth.of_type("AWS::ApiGateway::Account").values()
    assert "CloudWatchRoleArn" in account["Properties"]
    for function in synth.of_type("AWS::Serverless::Function").values():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"


def test_failed_job_runs_land_in_an_encrypted_queue(synth: Synth) -> None:
    queue_id = synth.logical_id("AWS::SQS::Queue", "ServiceJobFailures")
    assert synth.resources[queue_id]["Properties"]["SqsManagedSseEnabled"] is True
    functions = synth.of_type("AWS::Serverless::Function")
    for job in JOBS:
        config = functions[job]["Properties"]["EventInvokeConfig"]
        assert config["DestinationConfig"]["OnFailure"] == {
            "Type": "SQS",
            "Destination": {"Fn::GetAtt": [queue_id, "Arn"]},
        }
        role = functions[job]["Properties"]["Role"]["Fn::GetAtt"][0]
        assert any(
            "sqs:SendMessage" in _actions(statement) and _mentions(statement, queue_id)
            for statement in _attached_statements(synth, role)
        )
        assert functions[job]["DependsOn"], (
            "the role's policy must exist before Lambda checks the destination"
        )


# --- monitoring ------------------------------------------------------------------------------------


def test_alarms_cover_function_errors_failed_jobs_and_undelivered_alerts(synth: Synth) -> None:
    ops_topic = synth.logical_id("AWS::SNS::Topic", "MonitoringTopic")
    alarms = [alarm["Properties"] for alarm in synth.of_type("AWS::CloudWatch::Alarm").values()]
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": ops_topic}]

    errored = {alarm["Dimensions"][0]["Value"] for alarm in alarms if alarm.get("MetricName") == "Errors"}
    # The collect worker and the retention job are paged through SourceFailed and the failure queues.
    covered = {FUNCTIONS["CollectSource"], FUNCTIONS["ApplyRetention"]}
    assert errored == set(FUNCTIONS.values()) - covered
    delivery = [alarm for alarm in alarms if alarm.get("MetricName") == "AlertDeliveryFailed"]
    assert len(delivery) == 1
    assert delivery[0]["Namespace"] == "Krisenradar"
    assert delivery[0]["Dimensions"] == [{"Name": "service", "Value": "krisenradar"}]
    waiting = {
        json.dumps(alarm["Dimensions"])
        for alarm in alarms
        if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    for queue in ("ServiceJobFailures", "AlertsIntegrationDeadLetters"):
        assert any(synth.logical_id("AWS::SQS::Queue", queue) in dims for dims in waiting), queue


def _alarms_on(resources: dict[str, Any], metric_name: str) -> dict[str, dict[str, Any]]:
    return {
        key: alarm["Properties"]
        for key, alarm in resources.items()
        if alarm["Type"] == "AWS::CloudWatch::Alarm" and alarm["Properties"].get("MetricName") == metric_name
    }


def _dimensions(alarm: dict[str, Any]) -> dict[str, str]:
    dimensions = {dimension["Name"]: dimension["Value"] for dimension in alarm["Dimensions"]}
    assert len(dimensions) == len(alarm["Dimensions"])
    return dimensions


def _assert_sums_five_minutes_and_pages_ops(alarm: dict[str, Any], ops_topic: str) -> None:
    assert alarm["Statistic"] == "Sum"
    assert alarm["Period"] == 300
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": ops_topic}]
    assert alarm["OKActions"] == [{"Ref": ops_topic}]


@pytest.fixture(scope="module")
def busier_monitoring() -> dict[str, Any]:
    """Only the Monitoring construct (no Chalice packaging, synthesizes fast)."""
    stack = Stack(App(), "monitoring-only")
    Monitoring(
        stack,
        "Monitoring",
        stage="dev",
        function_names={},
        dead_letter_queues={},
        api_name="krisenradar-dev-api",
        ops_email=None,
    )
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return resources


def _ops_topic(resources: dict[str, Any]) -> str:
    (topic,) = [
        key
        for key, value in resources.items()
        if value["Type"] == "AWS::SNS::Topic" and "MonitoringTopic" in key
    ]
    return topic


def test_any_failing_source_pages_ops_when_failures_fill_two_of_three_periods(
    busier_monitoring: dict[str, Any],
) -> None:
    # Given the monitoring, When it is synthesized
    (alarm,) = _alarms_on(busier_monitoring, "SourceFailed").values()
    # Then one alarm watches the SourceFailed count of every source (the app names the source in the
    # metric's log line, not as a dimension: one custom metric and one alarm, however many sources)
    assert alarm["Namespace"] == "Krisenradar"
    assert _dimensions(alarm) == {"service": "krisenradar"}
    _assert_sums_five_minutes_and_pages_ops(alarm, _ops_topic(busier_monitoring))
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 2)
    assert "GET /sources" in alarm["AlarmDescription"]


def test_any_brand_whose_evaluation_fails_pages_ops_at_once(busier_monitoring: dict[str, Any]) -> None:
    (alarm,) = _alarms_on(busier_monitoring, "BrandEvaluationFailed").values()
    assert alarm["Namespace"] == "Krisenradar"
    assert _dimensions(alarm) == {"service": "krisenradar"}
    _assert_sums_five_minutes_and_pages_ops(alarm, _ops_topic(busier_monitoring))
    assert alarm["EvaluationPeriods"] == 1


def test_the_ops_topic_takes_only_tls_and_the_stack_has_no_customer_managed_key(synth: Synth) -> None:
    # Alarm notifications carry no personal data; CloudWatch cannot publish under the AWS-managed SNS key
    ops_topic = synth.logical_id("AWS::SNS::Topic", "MonitoringTopic")
    policies = [
        policy["Properties"]
        for policy in synth.of_type("AWS::SNS::TopicPolicy").values()
        if {"Ref": ops_topic} in policy["Properties"]["Topics"]
    ]
    assert any(
        statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for policy in policies
        for statement in policy["PolicyDocument"]["Statement"]
    )
    assert synth.of_type("AWS::KMS::Key") == {}  # $1 a month each


def test_api_server_errors_alarm_watches_the_stacks_own_api(synth: Synth) -> None:
    # Given the REST API the stack creates, named per stage
    api = synth.resources["RestAPI"]["Properties"]
    assert api["Name"] == "krisenradar-dev-api"
    assert api["DefinitionBody"]["info"]["title"] == "krisenradar-dev-api"
    # Then one alarm watches it by that name and pages ops at its first 5XX in five minutes
    (alarm,) = _alarms_on(synth.resources, "5XXError").values()
    assert alarm["Namespace"] == "AWS/ApiGateway"
    assert _dimensions(alarm) == {"ApiName": api["Name"]}
    _assert_sums_five_minutes_and_pages_ops(alarm, synth.logical_id("AWS::SNS::Topic", "MonitoringTopic"))
    assert alarm["EvaluationPeriods"] == 1


def test_the_gateways_own_errors_use_the_api_error_shape_and_echo_no_header(synth: Synth) -> None:
    # Given the gateway responses in the API's definition (those API Gateway answers without the app)
    definition = synth.resources["RestAPI"]["Properties"]["DefinitionBody"]
    responses = definition["x-amazon-apigateway-gateway-responses"]
    # Then the defaults and the unknown route are customised, an unknown route being a 404
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED"} <= set(responses)
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert responses["REQUEST_TOO_LARGE"]["statusCode"] == "413"
    assert "statusCode" not in responses["DEFAULT_4XX"]  # each 4xx keeps its own status
    for response_type, response in responses.items():
        template = response["responseTemplates"]["application/json"]
        # Each body is the API's error shape, carrying only the gateway's request id
        body = json.loads(template)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, response_type
        assert body["error"]["details"] == [{"request_id": "$context.requestId"}]
        # never the error message (it quotes the Authorization header) nor any request value
        assert "$context.error" not in template and "method.request" not in json.dumps(response)
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
        assert headers["gatewayresponse.header.Strict-Transport-Security"].startswith("'max-age=")
        assert "base-uri 'none'" in headers["gatewayresponse.header.Content-Security-Policy"]


# --- linters ---------------------------------------------------------------------------------------


def test_cfn_lint_reports_no_errors(synth: Synth) -> None:
    result = subprocess.run(
        [
            Path(sys.executable).with_name("cfn-lint"),
            "--regions",
            "eu-central-1",
            "--format",
            "parseable",
            "--",
            str(synth.template_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert result.returncode & 2 == 0 and not errors, result.stdout + result.stderr


def test_cdk_nag_aws_solutions_has_no_unacknowledged_errors(synth: Synth) -> None:
    report = AwsSolutionsChecks().validate_scope(synth.app)
    errors = [
        (v.rule_name, [r.construct_path for r in v.violating_resources])
        for v in report.violations
        if v.severity == "error"
    ]
    assert errors == []


def test_people_sign_in_at_a_user_pool_with_mfa_and_the_api_checks_its_tokens(synth: Synth) -> None:
    (pool,) = synth.of_type("AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["MfaConfiguration"] == "ON"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    assert pool["DeletionPolicy"] == "Retain"
    (client,) = synth.of_type("AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["GenerateSecret"] is False
    env = synth.resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    pool_id = synth.logical_id("AWS::Cognito::UserPool", "IdentityUserPool")
    assert pool_id in json.dumps(env["KRISENRADAR_OIDC_ISSUER"])
    assert "cognito-idp" in json.dumps(env["KRISENRADAR_OIDC_ISSUER"])
    assert env["KRISENRADAR_OIDC_AUDIENCE"] == {
        "Ref": synth.logical_id("AWS::Cognito::UserPoolClient", "IdentityUserPoolWebClient")
    }


# --- dashboard -------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_stacks_functions_queues_api_and_business_metrics(synth: Synth) -> None:
    body = dashboard_body(synth.resources, "krisenradar-dev")
    lines = graph_lines(body)
    functions = {d["FunctionName"] for ns, m, d, _ in lines if (ns, m) == ("AWS/Lambda", "Errors")}
    assert functions == set(FUNCTIONS.values())
    queues = {d["QueueName"] for _, m, d, _ in lines if m == "ApproximateNumberOfMessagesVisible"}
    assert queues == {f"<{queue}.QueueName>" for queue in synth.of_type("AWS::SQS::Queue")}
    assert {d.get("ApiName") for ns, _, d, _ in lines if ns == "AWS/ApiGateway"} == {
        synth.resources["RestAPI"]["Properties"]["Name"]
    }
    business = {m for ns, m, _, _ in lines if ns == "Krisenradar"}
    assert {"MentionsCollected", "SourceFailed", "BrandEvaluationFailed", "AlertDelivered"} <= business
    assert len(lines) <= 50  # CloudWatch's free dashboards show up to 50 metrics
