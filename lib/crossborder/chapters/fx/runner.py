"""The notebook's one call: a scenario and a report date in, the analysis out (reads the rate history)."""

from __future__ import annotations

from datetime import date

from crossborder.scenario import Scenario

from .data import inputs
from .model import Analysis, analyse


def run(scn: Scenario, as_of: date, **overrides: object) -> Analysis:
    """``analyse(inputs(scn, as_of), **overrides)``: the notebook's one call."""
    return analyse(inputs(scn, as_of), **overrides)
