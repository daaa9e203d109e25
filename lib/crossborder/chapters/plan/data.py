"""The plan template and its KPI checkpoints from ``data/`` (``plan_90d.csv``, ``plan_90d_checkpoints.csv``),
checked for consistency."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, relative
from crossborder.core.tables import Column, read_table

TEMPLATE_FILE = DATA_DIR / "plan_90d.csv"
CHECKPOINT_FILE = DATA_DIR / "plan_90d_checkpoints.csv"
PLAN_DAYS = 90
PHASES: dict[int, tuple[int, int]] = {1: (1, 30), 2: (31, 60), 3: (61, 90)}
LAYERS = ("acquisition", "conversion", "growth", "all")
PLACEHOLDERS = ("market", "pilots", "regions", "languages")


def load_checkpoints(path: Path = CHECKPOINT_FILE) -> pd.DataFrame:
    """KPI checkpoints: ``checkpoint,day,layer,kpi_*,target_*,source`` (targets illustrative)."""
    text = Column()
    table = read_table(path, {
        "checkpoint": Column(unique=True), "day": Column("int", min=1, max=PLAN_DAYS),
        "layer": Column("choice", choices=LAYERS), "kpi_en": text, "kpi_zh_TW": text,
        "target_en": text, "target_zh_TW": text, "source": text,
    }, key="checkpoint")
    return table.set_index("checkpoint")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def load_template(path: Path = TEMPLATE_FILE, checkpoints: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan template, one row per task, checked for consistency.

    Checks (each error names the file, line, task and column): days inside the task's phase and start <=
    end; every dependency a known task that finishes before this one starts (finish-to-start); every
    checkpoint known and not due before the tasks that feed it end; placeholders among {market}, {pilots},
    {regions}, {languages}.
    """
    checkpoints = load_checkpoints() if checkpoints is None else checkpoints
    text = Column()
    table = read_table(path, {
        "task_id": Column(unique=True), "phase": Column("int", min=1, max=len(PHASES)),
        "start_day": Column("int", min=1, max=PLAN_DAYS), "end_day": Column("int", min=1, max=PLAN_DAYS),
        "depends_on": Column(required=False), "checkpoint": Column(),
        "owner_en": text, "owner_zh_TW": text, "name_en": text, "name_zh_TW": text,
        "deliverable_en": text, "deliverable_zh_TW": text, "source": text,
    }, key="task_id")
    where = relative(path)

    def fail(i: int, column: str, expected: str, found: object) -> InputError:
        return InputError(f"{where}: line {i + 2} (task_id {table.at[i, 'task_id']!r}), column '{column}': "
                          f"expected {expected}, found {found!r}")

    ids = set(table["task_id"])
    end_of = dict(zip(table["task_id"], table["end_day"]))
    for i, row in table.iterrows():
        lo, hi = PHASES[int(row.phase)]
        if not lo <= row.start_day <= hi:
            raise fail(i, "start_day", f"a day of phase {row.phase} ({lo}-{hi})", int(row.start_day))
        if not row.start_day <= row.end_day <= hi:
            raise fail(i, "end_day", f"a day from start_day {row.start_day} to {hi}", int(row.end_day))
        for dep in (row.depends_on if isinstance(row.depends_on, str) else "").split(";"):
            dep = dep.strip()
            if not dep:
                continue
            if dep not in ids:
                raise fail(i, "depends_on", "task ids of this file separated by ';'", dep)
            if end_of[dep] >= row.start_day:
                raise fail(i, "depends_on", f"tasks that end before day {row.start_day} (finish-to-start)",
                           f"{dep} ends on day {end_of[dep]}")
        if row.checkpoint not in checkpoints.index:
            raise fail(i, "checkpoint", f"one of {', '.join(checkpoints.index)}", row.checkpoint)
        if checkpoints.at[row.checkpoint, "day"] < row.end_day:
            raise fail(i, "checkpoint", f"a checkpoint due on or after day {row.end_day}",
                       f"{row.checkpoint} due on day {checkpoints.at[row.checkpoint, 'day']}")
        for column in ("deliverable_en", "deliverable_zh_TW", "name_en", "name_zh_TW"):
            try:
                unknown = _placeholders(row[column]) - set(PLACEHOLDERS)
            except ValueError as exc:
                raise fail(i, column, "text with {placeholders} in braces", str(exc)) from None
            if unknown:
                raise fail(i, column, f"placeholders among {{{'}, {'.join(PLACEHOLDERS)}}}", "{" + sorted(unknown)[0] + "}")
    table["depends_on"] = [";".join(p.strip() for p in s.split(";") if p.strip()) if isinstance(s, str) else ""
                           for s in table["depends_on"]]
    table["seq"] = np.arange(len(table))
    return table.set_index("task_id")
