"""Stages a copy of the Chalice project that the `chalice.cdk.Chalice` construct packages.

Chalice zips only `app.py` and `chalicelib/` into the function code (and `vendor/` plus the
requirements into the managed layer); the staged copy leaves out the local stack and the model
training. The playbooks live in `playbooks/` at the project root, so the staged copy carries them
as `chalicelib/_playbooks/` and the functions read them from `/var/task/chalicelib/_playbooks`
(KRISENRADAR_PLAYBOOKS_DIR). The staged copy keeps Chalice's package
cache (`.chalice/deployments/`) between runs: the dependency layer is keyed by `requirements.txt`, so a
code or playbook change only rezips the app code, and only a change of requirements downloads wheels.

To import `app.py`, Chalice puts the stage's environment variables into this process and the project
on `sys.path`; `isolated_packaging` undoes that so tests that run later see a clean process.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

PACKAGED_PLAYBOOKS_DIR = "/var/task/chalicelib/_playbooks"

_APP_FILES = ("app.py", "requirements.txt")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")
_CACHED_PACKAGES_KEPT = {"appcode-*.zip": 3, "managed-layer-*.zip": 2}
# Only a developer's machine runs these (`make run`'s local stack, `make train`'s model training): the
# functions never import them (tests/infra/test_package.py checks both), so the package leaves them out.
LEFT_OUT = ("local", "analysis/training")


def _without_dev_code(chalicelib: Path) -> Callable[[str, list[str]], set[str]]:
    """A copytree `ignore` for `chalicelib/`: the usual caches, and the LEFT_OUT folders."""
    left_out = {chalicelib / folder for folder in LEFT_OUT}

    def ignore(directory: str, names: list[str]) -> set[str]:
        return set(_IGNORED(directory, names)) | {name for name in names if Path(directory, name) in left_out}

    return ignore


def stage_project(project_root: Path, build_dir: Path, *, chalice_stage: str, config_stage: str) -> Path:
    """Copy the app into `build_dir/project` and return that directory.

    Chalice names its stage after the construct's path, so the stage section `config_stage` of
    `.chalice/config.json` (memory, timeouts, per-function settings) is copied under that name.
    """
    project = build_dir / "project"
    for stale in ("chalicelib", "vendor"):
        shutil.rmtree(project / stale, ignore_errors=True)
    (project / ".chalice").mkdir(parents=True, exist_ok=True)
    for name in _APP_FILES:
        shutil.copy2(project_root / name, project / name)
    chalicelib = project_root / "chalicelib"
    shutil.copytree(chalicelib, project / "chalicelib", ignore=_without_dev_code(chalicelib))
    if (project_root / "vendor").is_dir():
        shutil.copytree(project_root / "vendor", project / "vendor", ignore=_IGNORED)
    shutil.copytree(project_root / "playbooks", project / "chalicelib" / "_playbooks", ignore=_IGNORED)

    config = json.loads((project_root / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stages = config.get("stages", {})
    if config_stage not in stages:
        # Without it the functions would silently get Chalice's defaults (128 MB).
        raise ValueError(f".chalice/config.json has no stage {config_stage!r} (memory, timeouts)")
    config["stages"] = {chalice_stage: stages[config_stage]}
    (project / ".chalice" / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    _prune_package_cache(project / ".chalice" / "deployments")
    return project


def _prune_package_cache(deployments: Path) -> None:
    """Every change gets a new cached zip (the layer is about 30 MB); keep only the newest few."""
    for pattern, kept in _CACHED_PACKAGES_KEPT.items():
        packages = sorted(deployments.glob(pattern), key=lambda path: path.stat().st_mtime, reverse=True)
        for old in packages[kept:]:
            old.unlink()


def check_layer_complete(build_dir: Path) -> None:
    """Chalice warns and carries on when a requirement has no Lambda-compatible wheel, and would cache
    that layer for good. Fail the synth instead, and drop the cached layer so the next run rebuilds it."""
    project = build_dir / "project"
    layer = next((build_dir / "chalice.out").glob("*/layer-deployment.zip"))
    with zipfile.ZipFile(layer) as archive:
        installed = {
            _canonical(match.group(1))
            for name in archive.namelist()
            if (match := re.search(r"site-packages/([^/]+)-[^-/]+\.dist-info/", name))
        }
    wanted = {_canonical(name) for name in _requirement_names(project / "requirements.txt")} - {"chalice"}
    missing = sorted(wanted - installed)
    if missing:
        for cached in (project / ".chalice" / "deployments").glob("managed-layer-*.zip"):
            cached.unlink()
        raise RuntimeError(f"the dependency layer lacks {missing}: no Lambda-compatible wheel was downloaded")


def _requirement_names(requirements: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in requirements.read_text(encoding="utf-8").splitlines())
    return [
        re.split(r"[\[=<>~!; ]", line, maxsplit=1)[0] for line in lines if line and not line.startswith("-")
    ]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _is_application_module(name: str) -> bool:
    return name == "app" or name == "chalicelib" or name.startswith("chalicelib.")


@contextlib.contextmanager
def isolated_packaging(build_dir: Path, region: str) -> Iterator[None]:
    """Package inside `build_dir` (the construct writes `chalice.out/` to the working directory),
    one process at a time, and restore the environment, `sys.path` and the application's modules
    afterwards. Chalice imports the staged `app`; with the project's own `chalicelib` modules still
    loaded, that would re-register the live blueprints on the staged app (and break the live one)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    saved_environ = dict(os.environ)
    saved_path = list(sys.path)
    saved_modules = {name: module for name, module in sys.modules.items() if _is_application_module(name)}
    for name in saved_modules:
        del sys.modules[name]
    with (build_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(build_dir / "chalice.out", ignore_errors=True)
        os.environ.setdefault("AWS_DEFAULT_REGION", region)
        try:
            with contextlib.chdir(build_dir):
                yield
        finally:
            os.environ.clear()
            os.environ.update(saved_environ)
            sys.path[:] = saved_path
            for name in [name for name in sys.modules if _is_application_module(name)]:
                del sys.modules[name]
            sys.modules.update(saved_modules)
