"""Where the plan stands as of a date: schedule variance and RAG per task, burn-up, KPI checkpoints, summary,
and plan-day windows in calendar terms.

Schedule variance (earned schedule)
    Each task is planned linearly over its baseline window of ``D`` working days. At a date ``t`` (end of
    day) the task's window has run ``AT`` working days (``AT`` may exceed ``D`` once the window is over).
    Earned schedule ``ES = progress * D``: the working days of plan that the work done so far is worth.
    Schedule variance ``SV = ES - AT`` in working days (negative = behind). This is Lipke's earned-schedule
    SV(t) (Lipke 2003, "Schedule is different", The Measurable News; PMI Practice Standard for Earned Value
    Management, 2nd ed.) applied per task with a linear planned-value curve. A finished task is measured at
    its finish date, so a late finish keeps its negative SV.

RAG (red / amber / green)
    Schedule RAG: green if the task is at most ``amber_days`` working days behind, amber if at most
    ``red_days`` behind, red beyond. The team's own status can only make it worse: ``at risk`` is at least
    amber, ``off track`` is red. Done tasks are ``done``; tasks whose window has not begun and that have not
    started are ``not due``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import holidays as holidays_pkg
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from crossborder.core.errors import InputError

from .data import PLAN_DAYS
from .model import STATE_FIELDS, Plan, state_as_of
from .section import PlanSettings
from .workdays import _to_day, as_dates

RAGS = ("not_due", "green", "amber", "red", "done")           # display order of the categories
_RAG_RANK = {"green": 0, "amber": 1, "red": 2}
_REPORTED_RAG = {"not_started": "green", "on_track": "green", "at_risk": "amber", "off_track": "red", "done": "green"}


@dataclass(frozen=True)
class Thresholds:
    amber_days: float = 2.0
    red_days: float = 5.0
    due_soon_days: int = 10

    @classmethod
    def of(cls, settings: PlanSettings) -> Thresholds:
        return cls(settings.amber_days, settings.red_days, settings.due_soon_days)

    def check(self) -> Thresholds:
        if not (0 <= self.amber_days < self.red_days):
            raise InputError(f"RAG thresholds: expected 0 <= amber_days < red_days, found amber_days={self.amber_days:g}, "
                             f"red_days={self.red_days:g}")
        return self


def schedule_rag(sv_days: ArrayLike, reported: ArrayLike, amber_days: float, red_days: float) -> np.ndarray:
    """RAG from schedule variance (working days; negative = behind), made worse, never better, by the
    team's reported status (``at_risk`` at least amber, ``off_track`` red)."""
    behind = -np.asarray(sv_days, dtype=float)
    rank = np.select([behind > red_days, behind > amber_days], [2, 1], 0)
    reported_rank = np.array([_RAG_RANK[_REPORTED_RAG[s]] for s in np.asarray(reported)], dtype=int)
    return np.array(["green", "amber", "red"])[np.maximum(rank, reported_rank)]


def status_table(plan: Plan, as_of: date, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Per task as of ``as_of``: state, planned %, schedule variance in working days and RAG (vectorized)."""
    thresholds.check()
    state = state_as_of(plan, as_of)
    tasks = plan.tasks.drop(columns=list(STATE_FIELDS)).join(state)
    cal = plan.calendar
    t = np.datetime64(as_of, "D")
    done = (tasks["status"] == "done").to_numpy()
    measured_at = np.where(done & tasks["actual_end"].notna().to_numpy(), _to_day(tasks["actual_end"]), t)
    duration = cal.count(tasks["baseline_start"], tasks["baseline_end"])
    elapsed = cal.count(tasks["baseline_start"], measured_at)
    planned = np.clip(cal.count(tasks["baseline_start"], t) / duration, 0, 1)
    earned = tasks["progress"].to_numpy(dtype=float) / 100 * duration
    sv = earned - elapsed
    rag = schedule_rag(sv, tasks["status"], thresholds.amber_days, thresholds.red_days)
    not_due = (tasks["status"] == "not_started").to_numpy() & (cal.count(tasks["baseline_start"], t) == 0)
    rag = np.where(done, "done", np.where(not_due, "not_due", rag))
    tasks["duration"] = duration
    tasks["elapsed"] = elapsed
    tasks["planned_pct"] = planned * 100
    tasks["sv_days"] = sv
    tasks["rag"] = rag
    tasks["overdue"] = ~done & (_to_day(tasks["baseline_end"]) < t)
    return tasks


# --------------------------------------------------------------------------------------- roll-ups

def burnup(plan: Plan, as_of: date) -> pd.DataFrame:
    """Deliverables planned vs done vs earned per plan day (burn-up).

    ``planned``: tasks whose baseline ends on or before the day; ``done``: tasks done by the end of the day;
    ``earned``: sum of percent complete / 100 (partial credit); ``scope``: all tasks. ``done`` and ``earned``
    are replayed from the history and stop at ``as_of``.
    """
    cal = plan.calendar
    last_day = max(PLAN_DAYS, int(cal.day_of(plan.start, as_of)))
    days = np.arange(1, last_day + 1)
    dates = as_dates(cal.nth(plan.start, days))
    end_days = cal.day_of(plan.start, plan.tasks["baseline_end"])
    planned = np.searchsorted(np.sort(end_days), days, side="right")
    h = plan.history
    h = h[h["event"] == "update"] if h is not None and len(h) else h
    n = len(plan.tasks)
    if h is None or not len(h):
        progress = pd.DataFrame(0.0, index=dates, columns=plan.tasks.index)
        is_done = progress.astype(bool)
    else:
        h = h.sort_values(["effective", "id"]).assign(effective=lambda f: as_dates(f["effective"]))
        last = h.groupby(["effective", "task_id"]).tail(1)
        prog = last.pivot(index="effective", columns="task_id", values="progress").astype(float)
        stat = last.pivot(index="effective", columns="task_id", values="status")
        index = prog.index.union(dates)
        progress = prog.reindex(index).ffill().reindex(dates).reindex(columns=plan.tasks.index).fillna(0.0)
        is_done = (stat.reindex(index).ffill().reindex(dates).reindex(columns=plan.tasks.index) == "done")
    future = dates > pd.Timestamp(as_of)
    out = pd.DataFrame({
        "day": days, "date": dates, "planned": planned,
        "done": np.where(future, np.nan, is_done.sum(axis=1).to_numpy(dtype=float)),
        "earned": np.where(future, np.nan, progress.sum(axis=1).to_numpy() / 100),
        "scope": n,
    })
    return out


def checkpoint_table(plan: Plan, status: pd.DataFrame, as_of: date, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """KPI checkpoints with the readiness of the deliverables that feed them, as of ``as_of``.

    ``readiness`` = mean percent complete of the feeding tasks; state ``met`` (all done), ``overdue`` (due
    before as_of, not met), ``due_soon`` (due within ``due_soon_days`` working days), else ``upcoming``.
    """
    cps = plan.checkpoints.copy()
    grouped = status.groupby("checkpoint")
    cps["tasks"] = grouped.size().reindex(cps.index).fillna(0).astype(int)
    cps["done"] = grouped["status"].apply(lambda s: int((s == "done").sum())).reindex(cps.index).fillna(0).astype(int)
    cps["readiness"] = grouped["progress"].mean().reindex(cps.index).fillna(0.0)
    t = np.datetime64(as_of, "D")
    due = _to_day(cps["due"])
    cal = plan.calendar
    ahead = cal.count(t + np.timedelta64(1, "D"), due)  # working days after as_of up to the due date
    met = (cps["done"] == cps["tasks"]).to_numpy()
    cps["state"] = np.select([met, due < t, (due >= t) & (ahead <= thresholds.due_soon_days)],
                             ["met", "overdue", "due_soon"], "upcoming")
    cps["working_days_to_due"] = np.where(due >= t, ahead, -cal.count(due + np.timedelta64(1, "D"), t))
    return cps


@dataclass(frozen=True)
class Summary:
    """The plan at a glance, as of a date."""

    as_of: date
    plan_day: int                 # 0 before day 1; may exceed 90 when the plan runs late
    tasks: int
    done: int
    planned_done: int
    rag: dict[str, int] = field(default_factory=dict)
    sv_days: float = 0.0          # sum of task schedule variances (working days; negative = behind)
    next_checkpoint: str | None = None
    next_due: date | None = None


def summarize(plan: Plan, status: pd.DataFrame, checkpoints: pd.DataFrame, as_of: date) -> Summary:
    day = int(plan.calendar.day_of(plan.start, as_of))
    planned_done = int((plan.calendar.day_of(plan.start, status["baseline_end"]) <= day).sum())
    open_cps = checkpoints[(checkpoints["state"] != "met")].sort_values(["due", "day"])
    upcoming = open_cps[open_cps["due"] >= pd.Timestamp(as_of)]
    nxt = upcoming.index[0] if len(upcoming) else None
    return Summary(
        as_of=as_of, plan_day=day, tasks=len(status), done=int((status["status"] == "done").sum()),
        planned_done=planned_done, rag={r: int((status["rag"] == r).sum()) for r in RAGS},
        sv_days=float(status["sv_days"].sum()), next_checkpoint=nxt,
        next_due=upcoming["due"].iloc[0].date() if nxt else None,
    )



def window(plan: Plan, first_day: int, last_day: int, lang: str = "en") -> dict[str, Any]:
    """Plan days ``first_day``..``last_day`` in calendar terms: their dates, the calendar days they span, and
    the days off inside (weekend days, public holidays on weekdays) and make-up working days, from the team
    country's calendar (``WorkCalendar.holidays_between``; names in ``lang``)."""
    if not 1 <= first_day <= last_day:
        raise InputError(f"plan days: expected 1 <= first_day <= last_day, found {first_day} and {last_day}")
    cal = plan.calendar
    first, last = (pd.Timestamp(d).date() for d in cal.nth(plan.start, [first_day, last_day]))
    days = pd.date_range(first, last, freq="D")
    found = cal.holidays_between(first, last, lang)
    weekend = set(holidays_pkg.country_holidays(plan.team_country).weekend)
    return {
        "first": first, "last": last, "calendar_days": len(days),
        "weekend_days": int(np.isin(days.day_of_week, sorted(weekend)).sum()),
        "holidays": found[found["kind"] == "holiday"][["date", "name"]].reset_index(drop=True),
        "makeup_days": list(found.loc[found["kind"] == "makeup", "date"]),
        "working_days": last_day - first_day + 1,
    }
