"""The notebook's call: a market scenario (and the channel data) in, the chapter's analysis out."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crossborder.core.paths import relative
from crossborder.scenario import Scenario

from .data import load_channels
from .model import Analysis, analyse_market, updated
from .section import Platforms


def analyse(scn: Scenario, table: pd.DataFrame | None = None, *, memo: dict | None = None,
            **changes: Any) -> Analysis:
    """Run the whole chapter's model for a market scenario, with optional changes to its section.

    ``table`` is the channel data (``load_channels()`` when not given).
    ``memo`` (a dict kept by the caller, e.g. the control panel) reuses the last Monte Carlo when its inputs
    are unchanged: the draws depend only on conversion, order value, the baseline, the draws and the seed.
    """
    section: Platforms = scn.platforms
    if changes:
        section = updated(section, **changes)
    table = load_channels() if table is None else table
    where = f"scenario {scn.code} (" + " + ".join(relative(f) for f in scn.files) + ")"
    return analyse_market(scn.code, section, table, where=where, memo=memo)
