"""CDK entry point: `cd infra && ../.venv/bin/python app.py` (or `cdk synth`) synthesizes offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Import `infra.*` and `chalicelib.*` from the project root. The script's own directory goes, so that
# infra's module names never shadow installed ones.
sys.path[0] = str(PROJECT_ROOT)
# Node 20 is the machine's Node; jsii's end-of-life banner would bury the synth output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.stack import build_app  # noqa: E402

if __name__ == "__main__":
    # The CDK CLI sets CDK_OUTDIR; run directly, the assembly goes to infra/cdk.out as well.
    build_app(outdir=None if "CDK_OUTDIR" in os.environ else str(PROJECT_ROOT / "infra" / "cdk.out")).synth()
