"""Lazy modules for the cold start: `import app` registers every route and schedule, and each route
module names the services and schemas it calls. `lazy_module` gives the module object at once and
executes it on first attribute access (importlib.util.LazyLoader), so a cold start loads only what
its invocation uses. Type checkers see the ordinary import (under TYPE_CHECKING)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


def lazy_module(name: str) -> ModuleType:
    """The module `name`, executed on first attribute access (at once if it is imported already)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def lazy_function(module: str, name: str) -> Callable[..., Any]:
    """A stand-in for the function (or class) `module.name` that imports `module` on its first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
