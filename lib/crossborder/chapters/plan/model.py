"""The 90-day plan as data: template, working-day schedule, task state, schedule variance and RAG.

Pure functions over DataFrames; the only I/O is reading the shipped template. The SQLite store
(``store.py``) and the charts (``charts.py``) build on what is here.

Working days
    Plan day N is the N-th working day counted from the plan's start date (day 1 is the start date if it is
    a working day, else the next working day). A working day is a weekday that is not a public holiday of the
    team's country, or a weekend day the government declared a make-up working day (Taiwan's 補班 Saturdays).
    The calendar comes from the ``holidays`` package (the same rule as its ``is_working_day``), vectorized.

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

import math
import string
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

import holidays as holidays_pkg
import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from crossborder.core import i18n
from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, relative
from crossborder.core.schema import Model, Text, _country
from crossborder.core.tables import Column, read_table

TEMPLATE_FILE = DATA_DIR / "plan_90d.csv"
CHECKPOINT_FILE = DATA_DIR / "plan_90d_checkpoints.csv"
PLAN_DAYS = 90
PHASES: dict[int, tuple[int, int]] = {1: (1, 30), 2: (31, 60), 3: (61, 90)}
LAYERS = ("acquisition", "conversion", "growth", "all")

# Task statuses as stored; the command line writes them with hyphens (not-started, on-track, ...).
STATUSES = ("not_started", "on_track", "at_risk", "off_track", "done")
RAGS = ("not_due", "green", "amber", "red", "done")           # display order of the categories
_RAG_RANK = {"green": 0, "amber": 1, "red": 2}
_REPORTED_RAG = {"not_started": "green", "on_track": "green", "at_risk": "amber", "off_track": "red", "done": "green"}
STATE_FIELDS = ("status", "progress", "actual_start", "actual_end", "note")
PLACEHOLDERS = ("market", "pilots", "regions", "languages")


# ------------------------------------------------------------------------------------ scenario section

class PlanSettings(Model):
    """Scenario section ``plan``: whose calendar the plan runs on, the pilots and PoC regions, RAG thresholds.

    ``team_country`` decides the working days. Empty means the exporter's ``holiday_country`` (one setting for
    the whole workbook, TW by default); set it where another team runs the launch (e.g. the Vietnam plant's
    sales team for the VN market). A plan in the database keeps the country it was started with.
    """

    team_country: str | None = None          # ISO 3166-1 alpha-2; empty: exporter.holiday_country
    pilot_countries: list[str] = Field(default_factory=list)   # the outline's "three-country pilot"
    poc_regions: list[Text] = Field(default_factory=list)      # the three regional distributor PoCs
    amber_days: float = Field(default=2, ge=0)   # amber when more than this many working days behind
    red_days: float = Field(default=5, ge=0)     # red when more than this many working days behind
    due_soon_days: int = Field(default=10, ge=1)  # a KPI checkpoint within this many working days is "due soon"

    @field_validator("team_country")
    @classmethod
    def _team(cls, code: str | None) -> str | None:
        if code is None:
            return None
        _country(code)
        if code not in holidays_pkg.list_supported_countries():
            raise ValueError("a country the holidays package has a calendar for")
        return code

    @field_validator("pilot_countries")
    @classmethod
    def _pilots(cls, codes: list[str]) -> list[str]:
        if len(codes) not in (0, 3):
            raise ValueError("none (to be chosen) or exactly three ISO 3166-1 alpha-2 country codes")
        return [_country(c) for c in codes]

    @field_validator("poc_regions")
    @classmethod
    def _regions(cls, regions: list[Text]) -> list[Text]:
        if len(regions) not in (0, 3):
            raise ValueError("none (to be chosen) or exactly three regions, each with en and zh-TW names")
        return regions

    @model_validator(mode="after")
    def _thresholds(self) -> "PlanSettings":
        if self.red_days <= self.amber_days:
            raise ValueError(f"red_days greater than amber_days ({self.amber_days:g})")
        return self


def team_country(scn) -> str:
    """The country whose working days the market's plan uses: ``plan.team_country`` or the exporter's."""
    return scn.plan.team_country or scn.exporter.holiday_country


# ------------------------------------------------------------------------------------------ calendar

DATE_DTYPE = "datetime64[ns]"


def as_dates(values: Any) -> pd.Series | pd.DatetimeIndex:
    """Dates as pandas datetimes with one resolution everywhere (ISO text, dates, numpy days; None -> NaT)."""
    out = pd.to_datetime(values)
    return out.astype(DATE_DTYPE)


def _to_day(value: Any) -> np.ndarray:
    """Dates (date, str, Timestamp, arrays of them) as numpy datetime64[D]."""
    if isinstance(value, (pd.Series, pd.Index)):
        return value.to_numpy(dtype="datetime64[D]") if value.dtype.kind == "M" else np.asarray(value, dtype="datetime64[D]")
    return np.asarray(value, dtype="datetime64[D]")


@lru_cache(maxsize=32)
def _workdays(country: str, first_year: int, last_year: int) -> np.ndarray:
    """Every working day of ``country`` in the given years, sorted (datetime64[D])."""
    cal = holidays_pkg.country_holidays(country, years=range(first_year, last_year + 1))
    days = np.arange(np.datetime64(f"{first_year}-01-01"), np.datetime64(f"{last_year + 1}-01-01"), dtype="datetime64[D]")
    weekday = (days.astype("int64") + 3) % 7                       # 1970-01-01 was a Thursday; Monday = 0
    off = np.array(sorted(cal.keys()), dtype="datetime64[D]")
    makeup = np.array(sorted(cal.weekend_workdays), dtype="datetime64[D]")
    weekend = np.isin(weekday, sorted(cal.weekend))
    working = np.where(weekend, np.isin(days, makeup), ~np.isin(days, off))
    return days[working]


class WorkCalendar:
    """Working days of one country (public holidays and make-up working days from ``holidays``)."""

    def __init__(self, country: str) -> None:
        if country not in holidays_pkg.list_supported_countries():
            raise InputError(f"team country: expected a country the holidays package knows, found {country!r}")
        self.country = country

    def _days(self, lo: np.datetime64, hi: np.datetime64) -> np.ndarray:
        y0 = int(str(lo)[:4]) - 1
        y1 = int(str(hi)[:4]) + 1
        return _workdays(self.country, y0, y1)

    def nth(self, start: date, n) -> np.ndarray:
        """Plan day ``n`` (1-based, array-like) from ``start``: the n-th working day on or after ``start``."""
        n = np.asarray(n, dtype="int64")
        if np.any(n < 1):
            raise InputError(f"plan day: expected whole numbers >= 1, found {n.min()}")
        s = np.datetime64(start, "D")
        # 2x the calendar span of n weekdays is plenty even with a week of holidays per month
        hi = s + np.timedelta64(int(n.max()) * 2 + 30, "D")
        days = self._days(s, hi)
        first = np.searchsorted(days, s, side="left")
        return days[first + n - 1]

    def count(self, first, last) -> np.ndarray:
        """Working days in ``[first, last]`` (both included), elementwise; 0 where ``last < first``."""
        a, b = _to_day(first), _to_day(last)
        a, b = np.broadcast_arrays(a, b)
        valid = ~(np.isnat(a) | np.isnat(b))
        if not valid.any():
            return np.zeros(a.shape, dtype="int64")
        days = self._days(min(a[valid].min(), b[valid].min()), max(a[valid].max(), b[valid].max()))
        out = np.searchsorted(days, np.where(valid, b, days[0]), side="right") - np.searchsorted(days, np.where(valid, a, days[0]), side="left")
        return np.where(valid, np.clip(out, 0, None), 0).astype("int64")

    def day_of(self, start: date, when) -> np.ndarray:
        """Which plan day ``when`` is (working days from ``start`` through ``when``); 0 before day 1."""
        return self.count(np.datetime64(start, "D"), when)

    def is_working(self, when) -> np.ndarray:
        d = _to_day(when)
        days = self._days(d.min(), d.max())
        return np.isin(d, days)

    def holidays_between(self, first: date, last: date, lang: str) -> pd.DataFrame:
        """Public holidays on weekdays and make-up working days in ``[first, last]``, named in ``lang``."""
        years = range(first.year, last.year + 1)
        probe = holidays_pkg.country_holidays(self.country)
        wanted = "zh_TW" if lang == "zh-TW" else "en_US"
        language = wanted if wanted in (probe.supported_languages or ()) else None
        cal = holidays_pkg.country_holidays(self.country, years=years, language=language)
        rows = [(d, name, "holiday") for d, name in cal.items() if first <= d <= last and d.weekday() not in cal.weekend]
        rows += [(d, "", "makeup") for d in cal.weekend_workdays if first <= d <= last]
        return pd.DataFrame(sorted(rows), columns=["date", "name", "kind"])


# ------------------------------------------------------------------------------------------ template

def load_checkpoints(path=CHECKPOINT_FILE) -> pd.DataFrame:
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


def load_template(path=TEMPLATE_FILE, checkpoints: pd.DataFrame | None = None) -> pd.DataFrame:
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


# ------------------------------------------------------------------------------------------ the plan

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


def text_fields(scn, lang: str) -> dict[str, str]:
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


def instantiate(scn, start: date, *, template: pd.DataFrame | None = None,
                checkpoints: pd.DataFrame | None = None, country: str | None = None) -> Plan:
    """The template scheduled from ``start`` on the team's working days, texts filled in for the market.

    Nothing is written anywhere: this is the in-memory plan a report shows when no plan was started, and
    what ``store.init_plan`` saves.
    """
    if not isinstance(start, date) or isinstance(start, datetime):
        raise InputError(f"start: expected a date YYYY-MM-DD, found {start!r}")
    checkpoints = load_checkpoints() if checkpoints is None else checkpoints
    template = load_template(checkpoints=checkpoints) if template is None else template
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
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"{where}: expected a date YYYY-MM-DD, found {value!r}") from None


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


@dataclass(frozen=True)
class Thresholds:
    amber_days: float = 2.0
    red_days: float = 5.0
    due_soon_days: int = 10

    @classmethod
    def of(cls, settings: PlanSettings) -> "Thresholds":
        return cls(settings.amber_days, settings.red_days, settings.due_soon_days)

    def check(self) -> "Thresholds":
        if not (0 <= self.amber_days < self.red_days):
            raise InputError(f"RAG thresholds: expected 0 <= amber_days < red_days, found amber_days={self.amber_days:g}, "
                             f"red_days={self.red_days:g}")
        return self


def schedule_rag(sv_days, reported, amber_days: float, red_days: float) -> np.ndarray:
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


# ------------------------------------------------------------------------------------------- workshop

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
