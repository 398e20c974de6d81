"""Creates what the functions expect in AWS, from the same definitions the code uses:
tables (PynamoDB models), the alert topic with the team's filtered subscriptions (routing.py),
the work queues of the collect and rules workers, the ingest secret (Secrets Manager) and the first
admin API key."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from chalicelib.adapters.dynamo.common import create_tables
from chalicelib.adapters.dynamo.models import MODELS
from chalicelib.adapters.subscriptions import SnsSubscriptions
from chalicelib.config import Settings
from chalicelib.domain.drills import Drill
from chalicelib.domain.models import Principal, Role, User, utcnow
from chalicelib.domain.routing import INTEGRATIONS, filter_policy, subscriptions
from chalicelib.ports import ApiKeyRepository, WebhookRepository
from chalicelib.services.auth import create_key

TOPIC_NAME = "krisenradar-local-alerts"
INTEGRATION_QUEUE = "krisenradar-local-integrations"


@dataclass(frozen=True)
class GatewayQueue:
    """A local stand-in for an SMS or email gateway: an SQS queue with the member's filter policy."""

    channel: str
    recipient: str
    member: str
    url: str


def create_topic(settings: Settings) -> str:
    sns = boto3.client("sns", region_name=settings.region)
    return str(sns.create_topic(Name=TOPIC_NAME)["TopicArn"])


def ensure_topic(settings: Settings, users: Sequence[User]) -> tuple[str, list[GatewayQueue]]:
    """The alert topic with every person's subscriptions (as in AWS; moto accepts them but sends
    nothing), plus, locally, a queue per subscription with the same filter that the console reads."""
    sns = boto3.client("sns", region_name=settings.region)
    sqs = boto3.client("sqs", region_name=settings.region)
    topic_arn = create_topic(settings)
    SnsSubscriptions(sns, topic_arn).sync(users)
    existing = {
        (s["Protocol"], s["Endpoint"])
        for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", [])
    }
    gateways: list[GatewayQueue] = []
    names = {u.email: u.name for u in users} | {u.phone: u.name for u in users}
    for channel, endpoint, policy in subscriptions(users):
        digest = hashlib.sha256(endpoint.encode()).hexdigest()[:12]
        url = sqs.create_queue(QueueName=f"krisenradar-local-{channel}-{digest}")["QueueUrl"]
        arn = _queue_arn(sqs, url)
        if ("sqs", arn) not in existing:
            _subscribe(sns, topic_arn, "sqs", arn, policy)
        gateways.append(GatewayQueue(channel, endpoint, names.get(endpoint, endpoint), url))
    integration_arn = _queue_arn(sqs, sqs.create_queue(QueueName=INTEGRATION_QUEUE)["QueueUrl"])
    if ("sqs", integration_arn) not in existing:
        _subscribe(sns, topic_arn, "sqs", integration_arn, filter_policy("integration", INTEGRATIONS))
    return topic_arn, gateways


# As in AWS (infra/service.py), shorter: a local run takes well under this, and a failed unit comes back
# within two minutes.
WORK_VISIBILITY_SECONDS = 90
WORK_MAX_RECEIVES = 3


def ensure_work_queue(settings: Settings, name: str) -> str:
    """A queue of work units (collect, rules) with its dead-letter queue, as the CDK app declares them;
    returns its URL."""
    sqs = boto3.client("sqs", region_name=settings.region)
    dead_letters = sqs.create_queue(QueueName=f"{name}-dead-letters")["QueueUrl"]
    redrive = {"deadLetterTargetArn": _queue_arn(sqs, dead_letters), "maxReceiveCount": WORK_MAX_RECEIVES}
    attributes = {
        "VisibilityTimeout": str(WORK_VISIBILITY_SECONDS),
        "MessageRetentionPeriod": "3600",
        "RedrivePolicy": json.dumps(redrive),
    }
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def _subscribe(sns: Any, topic_arn: str, protocol: str, endpoint: str, policy: dict[str, Any]) -> None:
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol=protocol,
        Endpoint=endpoint,
        Attributes={"FilterPolicy": json.dumps(policy), "FilterPolicyScope": "MessageAttributes"},
    )


def ensure_secrets(settings: Settings, state_dir: Path) -> None:
    """The ingest HMAC secret and the link-signing secret, kept in the state dir across restarts."""
    _ensure_secret(settings, settings.ingest_secret_id, state_dir / "ingest-secret")
    _ensure_secret(settings, settings.link_secret_id, state_dir / "link-secret")


def ensure_chat_secrets(settings: Settings, receiver_url: str) -> int:
    """Point every chat channel of integrations.yaml at the local receiver; returns how many."""
    from chalicelib.adapters.playbooks import load_integrations

    client = boto3.client("secretsmanager", region_name=settings.region)
    chat = load_integrations(settings.playbooks_dir, settings.integrations_file).chat
    for target in chat:
        url = f"{receiver_url}/{target.type}/{target.id}"
        try:
            client.create_secret(Name=target.secret_name(settings.stage), SecretString=url)
        except client.exceptions.ResourceExistsException:
            client.put_secret_value(SecretId=target.secret_name(settings.stage), SecretString=url)
    return len(chat)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, from its first byte on (no window at the umask's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that existed keeps its old mode through os.open
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _ensure_secret(settings: Settings, secret_id: str, secret_file: Path) -> None:
    if secret_file.is_file():
        value = secret_file.read_text().strip()
    else:
        value = secrets.token_urlsafe(32)
        write_private(secret_file, value)
    client = boto3.client("secretsmanager", region_name=settings.region)
    try:
        client.create_secret(Name=secret_id, SecretString=value)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=secret_id, SecretString=value)


def ensure_admin_key(keys: ApiKeyRepository, key_file: Path, preset: str | None) -> str | None:
    """Create the first admin key (or the preset one); returns the plaintext when it is known."""
    if preset:
        key_id = preset.split("_")[1] if preset.count("_") >= 2 else ""
        if keys.get(key_id) is None:
            create_key(
                name="local admin",
                role=Role.ADMIN,
                keys=keys,
                now=utcnow(),
                created_by="make run",
                plaintext=preset,
            )
        return preset
    if key_file.is_file():
        stored = key_file.read_text().strip()
        if keys.get(stored.split("_")[1]) is not None:
            return stored
    _, plaintext = create_key(
        name="local admin", role=Role.ADMIN, keys=keys, now=utcnow(), created_by="make run"
    )
    write_private(key_file, plaintext)
    return plaintext


def ensure_tables_for(settings: Settings) -> None:
    """Bind the models to this settings' tables and endpoint, then create what is missing."""
    from chalicelib.adapters.dynamo import models
    from chalicelib.config import TABLES

    models.bind({t: settings.table_name(t) for t in TABLES}, settings.region, settings.endpoint_url)
    create_tables(MODELS.values())


DEMO_DRILL_STARTER = Principal(key_id="make-run", name="make run", role=Role.ADMIN)


def ensure_demo_drill(container: Any) -> Drill:
    """`KRISENRADAR_DEMO=drill make run`: the demo (the replay source in playbooks/sources.yaml, its
    brand, scenario and speed) as a drill of the crisis playbook that names its scenario. A restart
    continues the drill that runs for the brand instead of starting another."""
    from chalicelib.services.drills import live_drills, start_drill

    demo = next(s for s in container.playbook.sources if s.type == "replay")
    running = next(
        (d for d in live_drills(drills=container.drills, now=container.clock()) if d.brand == demo.brand),
        None,
    )
    if running is not None:
        return running
    scenario = str(demo.options.get("scenario", "mueller_rueckruf"))
    library = container.crisis_playbooks
    crisis = next((p for p in library.playbooks if p.drill_scenario == scenario), library.fallback)
    return start_drill(
        playbook_id=crisis.id,
        brand=demo.brand,
        speed=int(demo.options.get("speed", 60)),
        drills=container.drills,
        library=library,
        playbook=container.playbook,
        scenarios=container.scenarios,
        principal=DEMO_DRILL_STARTER,
        now=container.clock(),
    )


def ensure_local_webhook(
    webhooks: WebhookRepository, receiver_url: str, secret_file: Path
) -> tuple[str, str]:
    """A webhook subscription to every event, pointing at the local receiver (its port changes at
    every start, so the URL is brought up to date); returns its id and secret."""
    from chalicelib.domain.events import EVENT_TYPES
    from chalicelib.domain.webhooks import WebhookSubscription, new_secret, new_webhook_id

    for subscription in webhooks.list():
        if subscription.created_by == "make run":
            url = f"{receiver_url}/webhook/{subscription.webhook_id}"
            if subscription.url != url:
                changes = {"url": url, "updated_at": utcnow(), "updated_by": "make run"}
                subscription = webhooks.save(subscription.model_copy(update=changes))
            return subscription.webhook_id, subscription.secret
    webhook_id = new_webhook_id()
    secret = new_secret()
    created = webhooks.create(
        WebhookSubscription(
            webhook_id=webhook_id,
            url=f"{receiver_url}/webhook/{webhook_id}",
            events=EVENT_TYPES,
            secret=secret,
            created_at=utcnow(),
            created_by="make run",
        )
    )
    write_private(secret_file, secret)
    return created.webhook_id, created.secret
