"""Helpers that only the workshop exercises and solutions use: the smallest progress that keeps a task green,
and plan-day windows side by side."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.i18n import t

from .model import Plan, with_pending
from .present import _d, _nb
from .status import _RAG_RANK, Thresholds, status_table


def min_progress(plan: Plan, task_id: str, on: date, thresholds: Thresholds = Thresholds(),
                 worst: str = "green") -> int | None:
    """The smallest percent complete (0-99) that keeps ``task_id`` at RAG ``worst`` or better on ``on``,
    found by trying each value on the in-memory plan (``with_pending``; nothing is written). None when even
    99 % is not enough (the team has reported the task off track, say). Earned schedule gives the same answer
    in closed form: progress >= (AT - amber_days) / D for green."""
    if worst not in _RAG_RANK:
        raise InputError(f"worst: expected one of {', '.join(_RAG_RANK)}, found {worst!r}")
    thresholds.check()
    for progress in range(100):
        trial = with_pending(plan, task_id, on, progress=progress)
        rag = status_table(trial, on, thresholds).at[task_id, "rag"]
        if rag == "not_due" or _RAG_RANK.get(rag, 0) <= _RAG_RANK[worst]:
            return progress
    return None



def window_table(windows: dict[str, dict], lang: str) -> pd.DataFrame:
    """Plan windows (from ``model.window``) side by side: dates, calendar days, weekend days, weekday
    holidays (named) and make-up working days."""
    sep = "、" if lang == "zh-TW" else "; "
    return pd.DataFrame({
        t("plan.col_start", lang): list(windows),
        t("plan.col_window", lang): [f"{_nb(_d(w['first']))} – {_nb(_d(w['last']))}" for w in windows.values()],
        t("plan.col_calendar_days", lang): [w["calendar_days"] for w in windows.values()],
        t("plan.col_weekend_days", lang): [w["weekend_days"] for w in windows.values()],
        t("plan.col_weekday_holidays", lang): [
            sep.join(f"{d.isoformat()[5:]} {n}" for d, n in zip(w["holidays"]["date"], w["holidays"]["name"])) or "–"
            for w in windows.values()],
        t("plan.col_makeup_days", lang): [sep.join(d.isoformat() for d in w["makeup_days"]) or "–" for w in windows.values()],
    })
