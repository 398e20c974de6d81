"""Cold-start import cost: `import app` (what every Lambda cold start pays) against a bare `import boto3`,
plus what the first invocation adds (the Tracer, a first request's schemas and settings) and the
analyzer's model load. Each figure is the median of fresh interpreter runs.

Budget (issue 13): `import app` within 1.5× of `import boto3`."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from tests.bench.budget import Budget

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7
BUDGET = 1.5

# Tracing on, as in Lambda (Powertools turns it off where LAMBDA_TASK_ROOT is unset).
IN_LAMBDA = {"LAMBDA_TASK_ROOT": str(ROOT), "POWERTOOLS_TRACE_DISABLED": "false"}

_HEALTH = """
import app
class Context:
    function_name = "krisenradar-dev-api-handler"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:krisenradar-dev-api-handler"
    aws_request_id = "bench"
event = {
    "resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
    "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
    "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {"resourcePath": "/health", "httpMethod": "GET", "path": "/api/health",
                       "requestId": "bench", "stage": "api"},
}
assert app.app(event, Context())["statusCode"] == 200
"""

SNIPPETS: dict[str, tuple[str, dict[str, str]]] = {
    "import boto3": ("import boto3", {}),
    "import app": ("import app", {}),
    "import app + the Tracer built on the first invocation (X-Ray SDK, tracing on as in Lambda)": (
        "import app\nfrom chalicelib.observability import tracer\ntracer()",
        IN_LAMBDA,
    ),
    "import app + first GET /health (Tracer included, tracing on as in Lambda)": (_HEALTH, IN_LAMBDA),
    "import app + what a first API request loads (schemas, services, settings)": (
        "import app\nimport chalicelib.api.openapi\nfrom chalicelib.config import get_settings\nget_settings()",
        {},
    ),
    "import app + first analyze()": (
        "import app\nfrom chalicelib.analysis.analyzer import get_analyzer\nget_analyzer().analyze('Test')",
        {},
    ),
    "analyzer alone (import + model load)": (
        "from chalicelib.analysis.analyzer import get_analyzer\nget_analyzer().analyze('Test')",
        {},
    ),
}


def measure(code: str, env: dict[str, str]) -> float:
    program = f"import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", program],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **env},
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]) * 1000)
    return statistics.median(samples)


def run() -> list[Budget]:
    results = {name: measure(code, env) for name, (code, env) in SNIPPETS.items()}
    base = results["import boto3"]
    print(f"## Cold-start import cost (median of {RUNS} fresh interpreters, ms)\n")
    print("| what | ms | × bare boto3 |")
    print("|---|---:|---:|")
    for name, ms in results.items():
        print(f"| {name} | {ms:.0f} | {ms / base:.2f} |")
    ratio = results["import app"] / base
    verdict = "budget met" if ratio <= BUDGET else "BUDGET MISSED"
    print(f"\n`import app` is {ratio:.2f}× `import boto3` (budget {BUDGET}×): {verdict}")
    print("Budget: the sentiment/language model may add at most 150 ms.")
    model = results["analyzer alone (import + model load)"]
    return [
        Budget.at_most("import app / import boto3", ratio, BUDGET, unit="×"),
        Budget.at_most("analyzer import + model load", model, 150, unit=" ms"),
    ]


if __name__ == "__main__":
    run()
