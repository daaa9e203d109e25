"""The 90-day plan as data: the template scheduled on the team's working days, task state and its updates.

Pure functions over DataFrames: the template, the checkpoints and the scenario come in as values (``data.py``
reads the files, ``store.py`` the database). Schedule variance, RAG and the roll-ups are in ``status.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from crossborder.core import i18n
from crossborder.core.errors import InputError
from crossborder.core.facts import check_date as check_supported_date
from crossborder.core.text import brief_repr
from crossborder.scenario import Scenario

from .workdays import WorkCalendar, as_dates

# Task statuses as stored; the command line writes them with hyphens (not-started, on-track, ...).
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "done")
STATE_FIELDS = ("status", "progress", "actual_start", "actual_end", "note")


def team_country(scn: Scenario) -> str:
    """The country whose working days the market's plan uses: ``plan.team_country`` or the exporter's."""
    return scn.plan.team_country or scn.exporter.holiday_country


@dataclass(frozen=True)
class Plan:
    """A plan for one market: from the database, or a preview instantiated in memory from the template.

    ``tasks``: index ``task_id``; template columns, ``baseline_start``/``baseline_end`` (datetime64) and the
    current state (``status``, ``progress``, ``actual_start``, ``actual_end``, ``note``).
    ``history``: one row per event (``init`` / ``update`` / ``archive``) with the state after each update.
    """

    market: str
    start: date
    team_country: str
    tasks: pd.DataFrame
    checkpoints: pd.DataFrame
    history: pd.DataFrame
    source: Literal["preview", "database"] = "preview"
    plan_id: int | None = None
    created_at: str | None = None
    created_by: str | None = None

    @property
    def end(self) -> date:
        return pd.Timestamp(self.tasks["baseline_end"].max()).date()

    @property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar(self.team_country)


HISTORY_COLUMNS = ["id", "task_id", "event", "recorded_at", "effective", "by", "changes", "note",
                   "status", "progress", "actual_start", "actual_end"]


def empty_history() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})
    frame["id"] = frame["id"].astype("int64")
    return frame


def _join(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh-TW" else ", ").join(items)


def language_name(code: str, lang: str) -> str:
    """A business language's name (ISO 639-1) in ``lang``; the workbook's strings first, then pycountry."""
    key = f"plan.language_{code}"
    if key in i18n.catalogue():
        return i18n.t(key, lang)
    import gettext

    import pycountry

    found = pycountry.languages.get(alpha_2=code)
    if found is None:
        return code
    if lang == "en":
        return found.name
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["zh_TW"]).gettext(found.name)


def text_fields(scn: Scenario, lang: str) -> dict[str, str]:
    """Values for the template's placeholders, for one market and language."""
    settings = scn.plan
    pilots = ([i18n.country_name(c, lang) for c in settings.pilot_countries]
              if settings.pilot_countries else [i18n.t("plan.pilots_tbd", lang)])
    regions = ([r(lang) for r in settings.poc_regions] if settings.poc_regions else [i18n.t("plan.regions_tbd", lang)])
    return {
        "market": i18n.country_name(scn.code, lang),
        "pilots": _join(pilots, lang),
        "regions": _join(regions, lang),
        "languages": _join([language_name(c, lang) for c in scn.market.languages], lang),
    }


def schedule(scn: Scenario, start: date, template: pd.DataFrame, checkpoints: pd.DataFrame, *,
             country: str | None = None) -> Plan:
    """The template scheduled from ``start`` on the team's working days, texts filled in for the market.

    Nothing is written anywhere: this is the in-memory plan a report shows when no plan was started, and
    what ``store.init_plan`` saves (``store.instantiate`` reads the shipped template and calls this).
    """
    if not isinstance(start, date) or isinstance(start, datetime):
        raise InputError(f"start: expected a date YYYY-MM-DD, found {start!r}")
    country = country or team_country(scn)
    cal = WorkCalendar(country)
    tasks = template.copy()
    fields = {"en": text_fields(scn, "en"), "zh_TW": text_fields(scn, "zh-TW")}
    for column in ("name", "deliverable"):
        for suffix, values in fields.items():
            tasks[f"{column}_{suffix}"] = tasks[f"{column}_{suffix}"].map(lambda s, v=values: s.format(**v))
    tasks["baseline_start"] = as_dates(cal.nth(start, tasks["start_day"].to_numpy()))
    tasks["baseline_end"] = as_dates(cal.nth(start, tasks["end_day"].to_numpy()))
    tasks["status"] = "not_started"
    tasks["progress"] = 0
    tasks["actual_start"] = as_dates(pd.Series(pd.NaT, index=tasks.index))
    tasks["actual_end"] = as_dates(pd.Series(pd.NaT, index=tasks.index))
    tasks["note"] = ""
    cps = checkpoints.copy()
    cps["due"] = as_dates(cal.nth(start, cps["day"].to_numpy()))
    return Plan(market=scn.code, start=start, team_country=country, tasks=tasks, checkpoints=cps,
                history=empty_history())


# --------------------------------------------------------------------------------------- task updates

def check_status(value: object, where: str = "--status") -> str:
    """A status as stored (``on_track``) from the stored or the command-line spelling (``on-track``)."""
    text = str(value).strip().lower().replace("-", "_").replace(" ", "_") if isinstance(value, str) else None
    if text not in STATUSES:
        raise InputError(f"{where}: expected one of {', '.join(s.replace('_', '-') for s in STATUSES)}, found {value!r}")
    return text


def check_progress(value: object, where: str = "--progress") -> int:
    """Percent complete: a whole number from 0 to 100 (an int, or text such as '55')."""
    if isinstance(value, bool):
        raise InputError(f"{where}: expected a whole number from 0 to 100, found {value!r}")
    try:
        number = float(value) if isinstance(value, (str, int, float, np.integer, np.floating)) else math.nan
    except ValueError:
        number = math.nan
    if not (number == number and number.is_integer() and 0 <= number <= 100):
        raise InputError(f"{where}: expected a whole number from 0 to 100, found {value!r}")
    return int(number)


def check_date(value: object, where: str) -> date:
    """A date from a ``date`` or ``YYYY-MM-DD`` text."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(f"{where}: expected a date YYYY-MM-DD, found {brief_repr(value)}") from None
    return check_supported_date(value, where)  # the range the calendars and facts cover


def _day(value: Any) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return check_date(value, "date") if not isinstance(value, pd.Timestamp) else value.date()


def next_state(current: dict[str, Any], *, on: date, status: str | None = None, progress: int | None = None,
               note: str | None = None, started: date | None = None, finished: date | None = None) -> dict[str, Any]:
    """The task's state after an update (pure; the store and the notebook's preview share it).

    Rules: ``done`` means 100 % (progress defaults to 100); ``not started`` means 0 % and no dates; progress
    above 0 moves a not-started task to ``on track``, progress 100 alone means ``done``; a task reopened from
    done needs a progress below 100. The actual start defaults to the update's date ``on`` when work begins,
    the actual finish to ``on`` when it is done; neither may be after ``on`` and a finish not before the start.
    A task shows the note of its latest update that had one.
    """
    status = check_status(status) if status is not None else None
    progress = check_progress(progress) if progress is not None else None
    cur_status, cur_progress = current["status"], int(current["progress"])
    if status is None:
        if progress == 100:
            status = "done"
        elif progress is not None and progress > 0 and cur_status in ("not_started", "done"):
            status = "on_track"
        else:
            status = cur_status
    if progress is None:
        if status == "done":
            progress = 100
        elif status == "not_started":
            progress = 0
        else:
            progress = cur_progress
    if status == "done" and progress != 100:
        raise InputError(f"--progress: a done task is 100 % complete, found {progress}")
    if status != "done" and progress == 100:
        raise InputError(f"--progress: a task that is not done is below 100 %, found 100 "
                         f"(give --progress below 100 with --status {status.replace('_', '-')})")
    if status == "not_started" and progress != 0:
        raise InputError(f"--progress: a task that has not started is 0 % complete, found {progress}")
    if finished is not None and status != "done":
        raise InputError(f"--finished: only a done task has a finish date, found status {status.replace('_', '-')}")
    if started is not None and status == "not_started":
        raise InputError("--started: a task that has not started has no start date (give --status or --progress)")
    cur_start, cur_end = _day(current.get("actual_start")), _day(current.get("actual_end"))
    if status == "not_started":
        actual_start = actual_end = None
    else:
        actual_start = started or cur_start or on
        actual_end = (finished or cur_end or on) if status == "done" else None
    for name, value in (("--started", actual_start), ("--finished", actual_end)):
        if value is not None and value > on:
            raise InputError(f"{name}: expected a date on or before the update's date {on}, found {value}")
    if actual_end is not None and actual_start is not None and actual_end < actual_start:
        raise InputError(f"--finished: expected a date on or after the start {actual_start}, found {actual_end}")
    return {"status": status, "progress": progress, "actual_start": actual_start, "actual_end": actual_end,
            "note": note if note else (current.get("note") or "")}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields an update changed (dates as ISO text)."""

    def plain(v):
        v = _day(v) if not isinstance(v, (int, str)) or isinstance(v, bool) else v
        return v.isoformat() if isinstance(v, date) else v

    out = {}
    for name in STATE_FIELDS:
        old, new = plain(before.get(name)), plain(after.get(name))
        if name == "note":
            old, new = old or "", new or ""
        if name == "progress":
            old, new = int(old), int(new)
        if old != new:
            out[name] = [old, new]
    return out


def with_pending(plan: Plan, task_id: str, on: date, **update: Any) -> Plan:
    """The plan with one unsaved update applied (for the notebook's preview before recording it)."""
    if task_id not in plan.tasks.index:
        raise InputError(f"task: expected a task id of the {plan.market} plan such as {plan.tasks.index[0]}, found {task_id!r}")
    row = plan.tasks.loc[task_id]
    last = plan.history.loc[(plan.history["task_id"] == task_id) & (plan.history["event"] == "update"), "effective"]
    on = max([on, *[check_date(v, "effective") for v in last]]) if len(last) else on
    state = next_state({f: row[f] for f in STATE_FIELDS}, on=on, **update)
    tasks = plan.tasks.copy()
    for name, value in state.items():
        tasks.at[task_id, name] = pd.Timestamp(value) if name.startswith("actual_") and value else (pd.NaT if name.startswith("actual_") else value)
    new = {"id": int(plan.history["id"].max()) + 1 if len(plan.history) else 1, "task_id": task_id, "event": "update",
           "recorded_at": "", "effective": on.isoformat(), "by": "", "changes": "{}", "note": state["note"],
           **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in state.items() if k != "note"}}
    history = pd.concat([plan.history, pd.DataFrame([new])], ignore_index=True) if len(plan.history) else pd.DataFrame([new])
    return replace(plan, tasks=tasks, history=history)


# ---------------------------------------------------------------------------------- state as of a date

def state_as_of(plan: Plan, as_of: date) -> pd.DataFrame:
    """Each task's state at the end of ``as_of``: the last update dated on or before it (else not started).

    Updates of a task are dated in order (the store refuses an update dated before the task's last one), so
    replaying the history by date gives back the state that was true on each day.
    """
    base = pd.DataFrame({"status": "not_started", "progress": 0, "actual_start": pd.NaT, "actual_end": pd.NaT,
                         "note": ""}, index=plan.tasks.index)
    base["actual_start"] = as_dates(base["actual_start"])
    base["actual_end"] = as_dates(base["actual_end"])
    h = plan.history
    if h is None or not len(h):
        return base
    h = h[(h["event"] == "update") & (h["effective"].astype(str) <= as_of.isoformat())]
    if not len(h):
        return base
    last = h.sort_values(["effective", "id"]).groupby("task_id").tail(1).set_index("task_id")
    last = last[last.index.isin(base.index)]
    base.loc[last.index, "status"] = last["status"]
    base.loc[last.index, "progress"] = last["progress"].astype("int64")
    base.loc[last.index, "actual_start"] = as_dates(last["actual_start"])
    base.loc[last.index, "actual_end"] = as_dates(last["actual_end"])
    notes = h[h["note"].fillna("") != ""].sort_values(["effective", "id"]).groupby("task_id").tail(1).set_index("task_id")
    notes = notes[notes.index.isin(base.index)]
    base.loc[notes.index, "note"] = notes["note"]
    base["progress"] = base["progress"].astype("int64")
    return base
