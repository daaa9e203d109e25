"""One call for a notebook or the command line: the market's plan and everything computed from it as of a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from crossborder.core.paths import relative
from crossborder.scenario import Scenario

from . import present, store
from .model import Plan
from .status import Summary, Thresholds, burnup, checkpoint_table, status_table, summarize


@dataclass(frozen=True)
class View:
    """The plan (saved or preview) as of ``as_of``: task status with RAG, checkpoints, burn-up, summary."""

    plan: Plan
    as_of: date
    thresholds: Thresholds
    status: pd.DataFrame
    checkpoints: pd.DataFrame
    burnup: pd.DataFrame
    summary: Summary
    path: Path

    def source(self, lang: str) -> str:
        """Where the plan comes from (the database, or an in-memory preview), in ``lang``."""
        return present.source_text(self.plan, self.summary, lang, relative(self.path))

    def points(self, lang: str) -> list[str]:
        """Two or three talking points with the plan's numbers, for the workshop slide deck."""
        return present.talking_points(self.plan, self.summary, self.checkpoints, lang)

    def headline(self, lang: str) -> tuple[str, str, float, str]:
        """The chapter's headline: sentence, key figure, its number and unit."""
        return present.headline(self.plan, self.summary, lang)


def view(scn: Scenario, as_of: date, path: Path | None = None, thresholds: Thresholds | None = None) -> View:
    """Read-only: the saved plan of ``scn``'s market if there is one, else the template started on ``as_of``."""
    plan = store.open_plan(scn, as_of, path)
    thresholds = thresholds or Thresholds.of(scn.plan)
    st = status_table(plan, as_of, thresholds)
    cps = checkpoint_table(plan, st, as_of, thresholds)
    return View(plan=plan, as_of=as_of, thresholds=thresholds, status=st, checkpoints=cps,
                burnup=burnup(plan, as_of), summary=summarize(plan, st, cps, as_of),
                path=Path(path) if path is not None else store.db_path())
