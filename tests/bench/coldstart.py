"""Cold-start import cost: `import app` (what every Lambda cold start pays) against a bare `import boto3`,
plus the analyzer's model load. Each figure is the median of fresh interpreter runs."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7

SNIPPETS = {
    "import boto3": "import boto3",
    "import app": "import app",
    "import app + first analyze()": (
        "import app\nfrom chalicelib.analysis.analyzer import get_analyzer\nget_analyzer().analyze('Test')"
    ),
    "analyzer alone (import + model load)": (
        "from chalicelib.analysis.analyzer import get_analyzer\nget_analyzer().analyze('Test')"
    ),
}


def measure(code: str) -> float:
    program = f"import time\n_t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]) * 1000)
    return statistics.median(samples)


def run() -> None:
    results = {name: measure(code) for name, code in SNIPPETS.items()}
    base = results["import boto3"]
    print("## Cold-start import cost (median of 7 fresh interpreters, ms)\n")
    print("| what | ms | × bare boto3 |")
    print("|---|---:|---:|")
    for name, ms in results.items():
        print(f"| {name} | {ms:.0f} | {ms / base:.2f} |")
    print("\nBudget: the sentiment/language model may add at most 150 ms.")


if __name__ == "__main__":
    run()
