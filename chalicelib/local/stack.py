"""`make run`: the whole local stack in the foreground.

The embedded store (SQLite in .local/krisenradar.db) and moto server for SNS, SQS and Secrets Manager
-> topic, subscriptions, secret, admin key -> the Chalice API and frontend on http://localhost:8000 ->
the scheduler running the real scheduled handlers, concurrently as in AWS, and the collect and rules
workers off their queues in the emulator (the fan-out, as in AWS) -> the demo scenario as a
source (`KRISENRADAR_DEMO=drill`: as a drill instead). Every answered write is on disk; Ctrl-C (or a
crash) loses nothing.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import threading
import traceback
import warnings
from pathlib import Path
from types import FrameType

import boto3

from chalicelib.config import Settings
from chalicelib.domain.drills import Drill
from chalicelib.local.emulator import Emulator, free_port

REGION = "eu-central-1"
SHUTDOWN_SECONDS = 30
# The queue each worker names (jobs/schedules.py) and the setting that tells its schedule the queue.
WORK_QUEUES = {
    "krisenradar-collect": "KRISENRADAR_COLLECT_QUEUE_URL",
    "krisenradar-rules": "KRISENRADAR_RULES_QUEUE_URL",
}


def _say(line: str) -> None:
    print(line, flush=True)


def demo_mode() -> str:
    """KRISENRADAR_DEMO: "1" (default) plays the demo, "0" turns it off, "drill" plays it as a drill."""
    mode = os.environ.get("KRISENRADAR_DEMO", "1")
    return mode if mode in ("0", "drill") else "1"


def _configure_environment(emulator_endpoint: str, state_dir: Path, port: int) -> None:
    os.environ["AWS_ENDPOINT_URL"] = emulator_endpoint
    os.environ["AWS_REGION"] = REGION
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ.setdefault("KRISENRADAR_STAGE", "local")
    # As a drill, the demo's source stays off: the drill plays its scenario on the brand's shadow.
    os.environ["KRISENRADAR_DEMO"] = "1" if demo_mode() == "1" else "0"
    os.environ.setdefault("KRISENRADAR_PUBLIC_URL", f"http://localhost:{port}")
    os.environ.setdefault("KRISENRADAR_TABLE_PREFIX", "krisenradar-local-")
    os.environ.setdefault("KRISENRADAR_STORE", "sqlite")
    os.environ.setdefault("KRISENRADAR_DATABASE_PATH", str(state_dir / "krisenradar.db"))
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Krisenradar")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    prepare_state_dir(state_dir)


def prepare_state_dir(state_dir: Path) -> None:
    """The state directory holds personal data (the database) and secrets (keys, HMAC secrets): the
    directory is its owner's alone, and so is every file in it, also those an older version left."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    state_dir.chmod(0o700)
    for path in state_dir.rglob("*"):
        if path.is_symlink():
            continue
        path.chmod(0o700 if path.is_dir() else 0o600)


class LocalStack:
    def __init__(self, port: int, state_dir: Path, host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.state_dir = state_dir
        emulator_port = int(os.environ.get("KRISENRADAR_EMULATOR_PORT", "0")) or free_port()
        self.emulator = Emulator(emulator_port, REGION)
        self._stopped = threading.Event()
        self.drill: Drill | None = None

    def start(self) -> None:
        as_drill = demo_mode() == "drill"
        self.emulator.start()
        _configure_environment(self.emulator.endpoint, self.state_dir, self.port)
        from chalicelib import deps
        from chalicelib.config import get_settings
        from chalicelib.local import bootstrap

        bootstrap_settings = get_settings()
        if bootstrap_settings.store == "dynamodb":  # KRISENRADAR_STORE=dynamodb: the emulator's, not kept
            bootstrap.ensure_tables_for(bootstrap_settings)
        # The functions read the topic from their settings, as in AWS: build them with it set.
        os.environ["KRISENRADAR_ALERT_TOPIC_ARN"] = bootstrap.create_topic(bootstrap_settings)
        # And the work queues: the schedules fan out to the collect and rules workers, as in AWS.
        self.queues = {
            queue: bootstrap.ensure_work_queue(
                bootstrap_settings, queue.replace("krisenradar-", "krisenradar-local-")
            )
            for queue in WORK_QUEUES
        }
        for queue, setting in WORK_QUEUES.items():
            os.environ[setting] = self.queues[queue]
        get_settings.cache_clear()
        deps.override(None)
        container = deps.container()
        bootstrap.ensure_secrets(container.settings, self.state_dir)
        from chalicelib.local.receiver import Receiver

        self.receiver = Receiver(_say).start()  # Teams and Slack stand-in: prints what arrives
        self.chat_channels = bootstrap.ensure_chat_secrets(container.settings, self.receiver.url)
        # A signed webhook to the receiver, which checks each signature (Standard Webhooks).
        webhook_id, webhook_secret = bootstrap.ensure_local_webhook(
            container.webhooks, self.receiver.url, self.state_dir / "webhook-secret"
        )
        self.receiver.webhook_secrets[webhook_id] = webhook_secret
        self.webhook_id = webhook_id
        # Subscriptions for the crisis team as it is in the store (seeded from team.yaml once).
        _, gateways = bootstrap.ensure_topic(container.settings, container.seeded_users.list())
        admin_key = bootstrap.ensure_admin_key(
            container.api_keys, self.state_dir / "admin-key", os.environ.get("KRISENRADAR_ADMIN_KEY")
        )
        # Build what a cold start builds before the API threads and overlapping jobs share it
        # (boto3's default session must not create clients on several threads at once).
        for part in (
            "storage",
            "seeded_users",
            "notifier",
            "secrets",
            "enricher",
            "detector_config",
            "sources",
            "collect_queue",
            "rules_queue",
        ):
            getattr(container, part)
        if as_drill:  # before the jobs start, so that their first runs play it
            self.drill = bootstrap.ensure_demo_drill(container)
        self._start_api()
        self._start_background(gateways)
        self._banner(admin_key, container.settings)

    def _start_api(self) -> None:
        import app as chalice_app
        from chalicelib.local.server import LocalServer

        self.server = LocalServer(chalice_app.app, self.host, self.port, stage="local").start()

    def _start_background(self, gateways: list) -> None:  # type: ignore[type-arg]
        import app as chalice_app
        from chalicelib.local.console import Console
        from chalicelib.local.scheduler import Scheduler

        def report(job: str, error: BaseException) -> None:
            _say(f"(job {job} failed: {type(error).__name__}: {error})")
            traceback.print_exception(error, file=sys.stderr)

        self.scheduler = Scheduler(chalice_app.app, REGION, report, queues=self.queues)
        self.console = Console(boto3.client("sqs", region_name=REGION), gateways, _say)
        self.scheduler.start()
        self.console.start()

    def _banner(self, admin_key: str | None, settings: Settings) -> None:
        url = f"http://localhost:{self.port}"
        _say("")
        _say("Krisenradar läuft / is running")
        _say(f"  Frontend:     {url}/")
        _say(f"  API:          {url}/incidents   (OpenAPI: {url}/openapi.json)")
        _say(f"  Admin-Key:    {admin_key}")
        store = (
            str(settings.database_path) if settings.store == "sqlite" else "DynamoDB (moto, nicht dauerhaft)"
        )
        _say(f"  Datenbank:    {store}")
        _say(f"  AWS (moto):   {self.emulator.endpoint}   (SNS, SQS, Secrets Manager)")
        _say(f"  Queues:       {', '.join(url.rsplit('/', 1)[-1] for url in self.queues.values())} (fan-out)")
        secret_copy = self.state_dir / "ingest-secret"
        _say(f"  Ingest-HMAC:  Secrets Manager secret {settings.ingest_secret_id} (copy in {secret_copy})")
        _say(f"  Demo:         {self._demo_line(settings)}")
        if self.chat_channels:
            _say(
                f"  Teams/Slack:  {self.chat_channels} channel(s) of integrations.yaml -> {self.receiver.url}"
            )
        _say(f"  Webhook:      {self.webhook_id} (every event, signed) -> {self.receiver.url}")
        _say('  Übung/drill:  im Frontend unter "Übungen", oder / or')
        body = '{"playbook": "produktmangel-rueckruf", "brand": "mueller", "speed": 60}'
        _say('                curl -X POST -H "Authorization: Bearer $KEY" \\')
        _say(f"                     -H 'Content-Type: application/json' -d '{body}' {url}/drills")
        _say("  Stop with Ctrl-C.")
        _say("")

    def _demo_line(self, settings: Settings) -> str:
        if self.drill is not None:
            drill = self.drill
            return (
                f"als Übung {drill.drill_id} ({drill.brand_key}, {drill.speed}x,"
                f" bis {drill.ends_at:%H:%M} UTC) - jeder Alarm beginnt mit [ÜBUNG]"
            )
        return "an - Müller Haushaltsgeräte, Spülmeister 3000" if settings.demo else "aus"

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.scheduler.stop()
        self.console.stop()
        self.server.stop()
        self.receiver.stop()
        self.emulator.stop()
        _say("Krisenradar stopped; state saved in " + str(self.state_dir))


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    state_dir = Path(os.environ.get("KRISENRADAR_STATE_DIR", ".local")).resolve()
    stack = LocalStack(port, state_dir, os.environ.get("KRISENRADAR_HOST", "127.0.0.1"))
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start()
    except OSError as error:
        _say(f"error: could not start the local stack: {error}")
        return 1
    done.wait()
    # Stopping waits for running jobs; one stuck in a slow call must not keep the stack from exiting.
    # Abandoning it is safe: what was answered is on disk, and claims and cursors make a rerun harmless.
    stopper = threading.Thread(target=stack.stop, name="stop", daemon=True)
    stopper.start()
    stopper.join(SHUTDOWN_SECONDS)
    if stopper.is_alive():
        _say(f"Krisenradar: stopping took over {SHUTDOWN_SECONDS} s; running jobs are abandoned (see stderr)")
        faulthandler.dump_traceback(file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
