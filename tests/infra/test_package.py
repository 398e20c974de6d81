"""The function code the stack ships (deployment.zip): the app, its routes and the analyzer's model,
and none of what only a developer's machine uses (the local stack, model training, the tests)."""

from __future__ import annotations

import ast
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.stack import PROJECT_ROOT, build_app  # noqa: E402

pytestmark = pytest.mark.infra

STACK = "krisenradar-dev"
MODEL = PROJECT_ROOT / "chalicelib" / "analysis" / "model"
LEFT_OUT_MODULES = ("chalicelib.local", "chalicelib.analysis.training")


@dataclass
class Package:
    code: set[str]  # the names in the API function's deployment.zip
    layer: set[str]  # the names in the dependency layer


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Package:
    """The API function's code archive and the layer, as the synthesized template points to them."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    resources = build_app(outdir=str(outdir)).synth().get_stack_by_name(STACK).template["Resources"]

    def names(uri: dict[str, str]) -> set[str]:
        with zipfile.ZipFile(outdir / f"asset.{uri['Key'].removesuffix('.zip')}.zip") as archive:
            return set(archive.namelist())

    return Package(
        code=names(resources["APIHandler"]["Properties"]["CodeUri"]),
        layer=names(resources["ManagedLayer"]["Properties"]["ContentUri"]),
    )


def test_the_package_leaves_out_the_local_stack_the_training_and_the_tests(shipped: Package) -> None:
    left_out = ("chalicelib/local/", "chalicelib/analysis/training/", "tests/")
    assert [name for name in shipped.code if name.startswith(left_out)] == []


def test_the_package_ships_the_app_the_routes_and_the_model(shipped: Package) -> None:
    routes = {f"chalicelib/api/{path.name}" for path in (PROJECT_ROOT / "chalicelib" / "api").glob("*.py")}
    model = {f"chalicelib/analysis/model/{path.name}" for path in MODEL.iterdir() if path.is_file()}
    assert {"app.py", "chalicelib/jobs/schedules.py", "chalicelib/analysis/analyzer.py"} <= shipped.code
    assert routes <= shipped.code
    assert model <= shipped.code


def test_the_layer_ships_the_x_ray_sdk_the_tracer_imports_on_the_first_invocation(shipped: Package) -> None:
    site = "python/lib/python3.11/site-packages/"
    assert f"{site}aws_xray_sdk/core/__init__.py" in shipped.layer
    assert any(name.startswith(f"{site}wrapt/") for name in shipped.layer)


def _named_modules(source: Path) -> set[str]:
    """The modules a file imports, and every dotted string it names (lazy imports pass names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update([node.module, *(f"{node.module}.{alias.name}" for alias in node.names)])
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("chalicelib.")
        ):
            names.add(node.value)
    return names


def test_nothing_that_ships_imports_what_is_left_out() -> None:
    """The functions never import the local stack or the training (that would fail only in AWS)."""
    chalicelib = PROJECT_ROOT / "chalicelib"
    left_out = (chalicelib / "local", chalicelib / "analysis" / "training")
    sources = [PROJECT_ROOT / "app.py", *chalicelib.rglob("*.py")]
    importers = {
        str(source.relative_to(PROJECT_ROOT)): sorted(
            name for name in named if name.startswith(LEFT_OUT_MODULES)
        )
        for source in sources
        if not any(source.is_relative_to(folder) for folder in left_out) and (named := _named_modules(source))
    }
    assert {source: names for source, names in importers.items() if names} == {}
