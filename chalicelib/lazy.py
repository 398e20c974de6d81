"""Lazy imports for the cold start: `import app` registers every route and schedule, and each route
module names the services and schemas it calls. `lazy_module` and `lazy_function` stand in for them
and import them on first use, so a cold start loads only what its invocation uses. Type checkers see
the ordinary imports (under TYPE_CHECKING).

The first use goes through `importlib.import_module`, whose module locks make two threads that need
the same module at once (the local stack serves requests on threads) wait for one complete import;
`importlib.util.LazyLoader` has no such lock on Python 3.11."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _LazyModule(ModuleType):
    """Forwards every attribute to the module `__name__`, imported on the first access."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_module(name: str) -> ModuleType:
    """A stand-in for the module `name` that imports it on first attribute access. That the module
    exists is checked now: a missing one fails the cold start, not a later request."""
    if importlib.util.find_spec(name) is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    return _LazyModule(name)


def lazy_function(module: str, name: str) -> Callable[..., Any]:
    """A stand-in for the function (or class) `module.name` that imports `module` on its first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
