"""The local stack as a user starts it (`make run`): a subprocess with a preset admin key and a state
dir, driven over HTTP. Shared by the e2e tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "kr_00112233445566ff_" + "E2eTestKeyE2eTestKeyE2eTestKeyE2eTestKey123"


class Stack:
    def __init__(
        self, state_dir: Path, port: int, *, demo: bool = True, env: dict[str, str] | None = None
    ) -> None:
        self.port = port
        self.state_dir = state_dir
        self.log = state_dir / f"stack-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "PORT": str(port),
            "KRISENRADAR_STATE_DIR": str(state_dir),
            "KRISENRADAR_ADMIN_KEY": ADMIN_KEY,
            "KRISENRADAR_DEMO": "1" if demo else "0",
            **(env or {}),
        }
        env.pop("AWS_ENDPOINT_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chalicelib.local.stack"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.started = time.monotonic()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def post(self, path: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> tuple[int, Any]:
        """Status and JSON body of a POST; an error status is an answer too, a dropped connection raises."""
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if self.get("/health")["status"] == "ok":
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        raise AssertionError("the stack did not become healthy:\n" + self.output())

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            raise AssertionError(f"the stack did not stop within 60 s:\n{self.output()}") from None

    def kill(self) -> None:
        """A crash: SIGKILL, no clean-up of any kind."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def all_mentions(self) -> list[dict]:
        items: list[dict] = []
        token = ""
        while True:
            page = self.get(f"/mentions?brand=mueller&since=2000-01-01T00:00:00Z&limit=100{token}")
            items += page["items"]
            if not page["next_token"]:
                return items
            token = f"&next_token={page['next_token']}"
