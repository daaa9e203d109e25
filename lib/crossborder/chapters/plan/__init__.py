"""Chapter 09: the 90-day launch plan tracker.

The outline's 90-day plan (PMF and pilots; SEM, CRM and sales tools; distributor PoCs and reporting) as a
template of concrete deliverables (``data/plan_90d.csv``, KPI checkpoints in ``data/plan_90d_checkpoints.csv``),
scheduled on the team's working days, kept per market in SQLite in the user folder, with Gantt, RAG and
burn-up views.

Decisions
- Team country: the scenario section ``plan`` has ``team_country``; empty means the workbook-wide
  ``exporter.holiday_country`` (TW by default), so one setting serves every chapter and a market run by
  another team overrides it (the VN example: the Vietnam plant's team, on Vietnam's calendar). A saved plan
  keeps the country and the baseline dates it was started with.
- Reports never write: ``open_plan`` reads the market's plan read-only if the user folder has one (status as
  of the report's date, replayed from the history), else instantiates the template in memory with the
  report's as-of date as its start (a preview: the schedule and checkpoints, nothing done yet). Only
  ``init_plan`` / ``record_update`` (CLI, the notebook's buttons) write, and only to the user folder.

Modules: ``model`` (pure: template, calendar, status, RAG, burn-up), ``store`` (SQLite), ``charts``
(figures and tables), ``status_view`` (everything as of a date), ``control_panel`` (JupyterLab controls),
``cli`` (``crossborder plan ...``).
"""

from __future__ import annotations

from crossborder.chapters.plan.model import CHECKPOINT_FILE, PLAN_DAYS, RAGS, STATUSES, TEMPLATE_FILE, Plan, PlanSettings, Summary, Thresholds, WorkCalendar, burnup, check_progress, check_status, checkpoint_table, instantiate, load_checkpoints, load_template, min_progress, next_state, schedule_rag, state_as_of, status_table, summarize, team_country, window, with_pending
from crossborder.chapters.plan.store import db_path, history, init_plan, load_plan, open_plan, record_update

# Charts, the control panel and the view pull in plotly and ipywidgets: imported on first use, so that the
# command line and the scenario loader stay quick.
_LAZY = {
    "attention_table": "charts", "burnup_figure": "charts", "checkpoint_display": "charts",
    "checkpoints_figure": "charts", "gantt": "charts", "headline": "charts", "holidays_table": "charts",
    "phase_table": "charts", "source_text": "charts", "talking_points": "charts", "template_table": "charts",
    "window_table": "charts",
    "PlanPanel": "control_panel", "panel": "control_panel", "View": "status_view", "view": "status_view",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHECKPOINT_FILE", "PLAN_DAYS", "RAGS", "STATUSES", "TEMPLATE_FILE", "Plan", "PlanSettings", "Summary",
    "Thresholds", "WorkCalendar", "burnup", "check_progress", "check_status", "checkpoint_table", "instantiate",
    "load_checkpoints", "load_template", "next_state", "schedule_rag", "state_as_of", "status_table", "summarize",
    "team_country", "with_pending", "min_progress", "window", "db_path", "history", "init_plan", "load_plan", "open_plan", "record_update",
    *_LAZY,
]
