"""`make run`: the whole local stack in the foreground.

moto server (the embedded AWS) -> tables, topic, subscriptions, secret, admin key -> the Chalice API
and frontend on http://localhost:8000 -> the scheduler running the real scheduled handlers -> the
demo scenario as a source. Ctrl-C stops it cleanly; state survives in .local/.
"""

from __future__ import annotations

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

from chalicelib.local.emulator import Emulator, free_port

REGION = "eu-central-1"


def _say(line: str) -> None:
    print(line, flush=True)


def _configure_environment(emulator_endpoint: str, state_dir: Path, port: int) -> None:
    os.environ["AWS_ENDPOINT_URL"] = emulator_endpoint
    os.environ["AWS_REGION"] = REGION
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ.setdefault("KRISENRADAR_STAGE", "local")
    os.environ["KRISENRADAR_DEMO"] = "0" if os.environ.get("KRISENRADAR_DEMO", "1") == "0" else "1"
    os.environ.setdefault("KRISENRADAR_PUBLIC_URL", f"http://localhost:{port}")
    os.environ.setdefault("KRISENRADAR_TABLE_PREFIX", "krisenradar-local-")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Krisenradar")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    state_dir.mkdir(parents=True, exist_ok=True)


class LocalStack:
    def __init__(self, port: int, state_dir: Path, host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.state_dir = state_dir
        emulator_port = int(os.environ.get("KRISENRADAR_EMULATOR_PORT", "0")) or free_port()
        self.emulator = Emulator(emulator_port, REGION, state_dir / "dynamodb.pickle")
        self._stopped = threading.Event()

    def start(self) -> None:
        self.emulator.start()
        _configure_environment(self.emulator.endpoint, self.state_dir, self.port)
        from chalicelib import deps
        from chalicelib.adapters.playbooks import load_playbook
        from chalicelib.config import get_settings
        from chalicelib.local import bootstrap

        bootstrap_settings = get_settings()
        bootstrap.ensure_tables_for(bootstrap_settings)
        team = load_playbook(bootstrap_settings.playbooks_dir).team
        topic_arn, gateways = bootstrap.ensure_topic(bootstrap_settings, team)
        # The functions read the topic from their settings, as in AWS: build them with it set.
        os.environ["KRISENRADAR_ALERT_TOPIC_ARN"] = topic_arn
        get_settings.cache_clear()
        deps.override(None)
        container = deps.container()
        bootstrap.ensure_ingest_secret(container.settings, self.state_dir / "ingest-secret")
        admin_key = bootstrap.ensure_admin_key(
            container.api_keys, self.state_dir / "admin-key", os.environ.get("KRISENRADAR_ADMIN_KEY")
        )
        self._start_api()
        self._start_background(gateways)
        self._banner(admin_key, container.settings.ingest_secret_id, container.settings.demo)

    def _start_api(self) -> None:
        from chalice.config import Config
        from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer

        import app as chalice_app

        class QuietHandler(ChaliceRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server API)
                return

        # What chalice.local.create_local_server does, with a handler that does not log every request.
        CustomLocalChalice.__bases__ = (LocalChalice, chalice_app.app.__class__)
        chalice_app.app.__class__ = CustomLocalChalice
        config = Config.create(chalice_stage="local", app_name="krisenradar", lambda_timeout=60)
        self.server = LocalDevServer(chalice_app.app, config, self.host, self.port, handler_cls=QuietHandler)
        self._api_thread = threading.Thread(target=self.server.server.serve_forever, name="api", daemon=True)
        self._api_thread.start()

    def _start_background(self, gateways: list) -> None:  # type: ignore[type-arg]
        import app as chalice_app
        from chalicelib.local.console import Console
        from chalicelib.local.scheduler import Scheduler

        def report(job: str, error: BaseException) -> None:
            _say(f"(job {job} failed: {type(error).__name__}: {error})")
            traceback.print_exception(error, file=sys.stderr)

        self.scheduler = Scheduler(chalice_app.app, REGION, report)
        self.console = Console(boto3.client("sqs", region_name=REGION), gateways, _say)
        self._snapshots = threading.Thread(target=self._snapshot_loop, name="snapshots", daemon=True)
        self.scheduler.start()
        self.console.start()
        self._snapshots.start()

    def _snapshot_loop(self) -> None:
        while not self._stopped.wait(10.0):
            self.emulator.save()

    def _banner(self, admin_key: str | None, parameter: str, demo: bool) -> None:
        url = f"http://localhost:{self.port}"
        _say("")
        _say("Krisenradar läuft / is running")
        _say(f"  Frontend:     {url}/")
        _say(f"  API:          {url}/incidents   (OpenAPI: {url}/openapi.json)")
        _say(f"  Admin-Key:    {admin_key}")
        _say(f"  AWS (moto):   {self.emulator.endpoint}   state: {self.state_dir}/")
        _say(f"  Ingest-HMAC:  Secrets Manager secret {parameter} (copy in {self.state_dir}/ingest-secret)")
        _say(f"  Demo:         {'an - Müller Haushaltsgeräte, Spülmeister 3000' if demo else 'aus'}")
        _say("  Stop with Ctrl-C.")
        _say("")

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.scheduler.stop()
        self.console.stop()
        self.server.shutdown()
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
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
