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

Modules: ``section`` (the scenario section ``plan``), ``data`` (template and checkpoints), ``workdays`` (the
team's working-day calendar), ``model`` (pure: scheduling, task state and updates), ``status`` (schedule
variance, RAG, burn-up, checkpoints, summary), ``store`` (SQLite; ``instantiate`` and ``open_plan``),
``status_view`` (everything as of a date), ``present`` (tables and texts), ``charts`` (figures), ``panel``
(JupyterLab controls), ``exercises`` (workshop helpers), ``cli`` (``crossborder plan ...``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crossborder.core.lazy import exports

if TYPE_CHECKING:  # for readers and type checkers; at run time names load on first use
    from .charts import burnup_figure, checkpoints_figure, gantt
    from .control_panel import PlanPanel, panel
    from .data import CHECKPOINT_FILE, PHASES, PLAN_DAYS, TEMPLATE_FILE, load_checkpoints, load_template
    from .exercises import min_progress, window_table
    from .model import STATUSES, Plan, check_progress, check_status, next_state, schedule, state_as_of, team_country, with_pending
    from .present import (
        attention_table,
        checkpoint_display,
        headline,
        holidays_table,
        phase_table,
        source_text,
        talking_points,
        template_table,
    )
    from .section import PlanSettings
    from .status import RAGS, Summary, Thresholds, burnup, checkpoint_table, schedule_rag, status_table, summarize, window
    from .status_view import View, view
    from .store import db_path, history, init_plan, instantiate, load_plan, open_plan, record_update
    from .workdays import WorkCalendar

_EXPORTS = {
    'CHECKPOINT_FILE': 'data',
    'PHASES': 'data',
    'PLAN_DAYS': 'data',
    'TEMPLATE_FILE': 'data',
    'load_checkpoints': 'data',
    'load_template': 'data',
    'STATUSES': 'model',
    'Plan': 'model',
    'check_progress': 'model',
    'check_status': 'model',
    'next_state': 'model',
    'schedule': 'model',
    'state_as_of': 'model',
    'team_country': 'model',
    'with_pending': 'model',
    'PlanSettings': 'section',
    'RAGS': 'status',
    'Summary': 'status',
    'Thresholds': 'status',
    'burnup': 'status',
    'checkpoint_table': 'status',
    'schedule_rag': 'status',
    'status_table': 'status',
    'summarize': 'status',
    'window': 'status',
    'View': 'status_view',
    'view': 'status_view',
    'db_path': 'store',
    'history': 'store',
    'init_plan': 'store',
    'instantiate': 'store',
    'load_plan': 'store',
    'open_plan': 'store',
    'record_update': 'store',
    'WorkCalendar': 'workdays',
    'attention_table': 'present',
    'checkpoint_display': 'present',
    'headline': 'present',
    'holidays_table': 'present',
    'phase_table': 'present',
    'source_text': 'present',
    'talking_points': 'present',
    'template_table': 'present',
    'burnup_figure': 'charts',
    'checkpoints_figure': 'charts',
    'gantt': 'charts',
    'min_progress': 'exercises',
    'window_table': 'exercises',
    'PlanPanel': 'control_panel',
    'panel': 'control_panel',
}
__getattr__, __dir__ = exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)
