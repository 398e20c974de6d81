"""Reads `playbooks/detection.yaml` into the volume detector's validated configuration."""

from __future__ import annotations

from pathlib import Path

import yaml

from chalicelib.detection.volume import VolumeDetectorConfig

FILE = "detection.yaml"


def load_detection_config(directory: Path) -> VolumeDetectorConfig:
    """The shipped configuration; unknown keys are rejected, a missing file is an error."""
    with (directory / FILE).open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    return VolumeDetectorConfig.model_validate(document.get("volume", {}))
