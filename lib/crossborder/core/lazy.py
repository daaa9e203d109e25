"""Lazy public faces for chapter packages (PEP 562).

A chapter's ``__init__`` names what it exports and from which of its modules; nothing is imported until a
name is first used. So ``scenario.load()``, which imports every chapter's ``section`` module (and with it the
package's ``__init__``), never pays for pandas, plotly or ipywidgets, and the command line stays quick.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def exports(package: str, table: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose public ``name`` lives in module ``table[name]``."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
