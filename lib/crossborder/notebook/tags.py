"""The one vocabulary of notebook cell tags, and the one function that filters cells by them.

- ``parameters`` / ``injected-parameters``: papermill's parameter cells (never shown in a report).
- ``lang-zh-TW`` / ``lang-en``: narrative in one language; a report or a one-language pack keeps its own.
- ``exercise`` / ``solution``: workshop exercises and their worked solutions (reports neither run nor show them).
- ``remove-report``: teaching asides and interactive-only cells that JupyterLab and workshops keep and a client
  report leaves out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crossborder.core.i18n import LANGS

PARAMETERS = "parameters"
INJECTED = "injected-parameters"
EXERCISE = "exercise"
SOLUTION = "solution"
REMOVE_REPORT = "remove-report"
WORKSHOP = frozenset({EXERCISE, SOLUTION})
REPORT_DROP = frozenset({PARAMETERS, INJECTED, REMOVE_REPORT, EXERCISE, SOLUTION})


def lang_tag(lang: str) -> str:
    return f"lang-{lang}"


def other_lang_tags(lang: str) -> frozenset[str]:
    """The tags of every language but ``lang``."""
    return frozenset(lang_tag(x) for x in LANGS if x != lang)


def tags_of(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def keep(cell: Any, *, lang: str | None = None, drop: Iterable[str] = ()) -> bool:
    """Whether a cell survives: none of the ``drop`` tags, and (with ``lang``) no other language's tag."""
    tags = tags_of(cell)
    if tags & set(drop):
        return False
    return not (lang and tags & other_lang_tags(lang))
