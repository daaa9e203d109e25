"""The business case chapter: one model of a market from every chapter, a decision, and what to verify first.

The outline's last question, "is our cross-border B2B model scalable and repeatable?", answered for one market:
:mod:`drivers` reads every chapter's public model functions (the only module that imports other chapters),
:mod:`model` simulates 36 months from launch for 2,000 draws at once (pure numpy, milliseconds),
:mod:`sensitivity` ranks the drivers (tornado and rank correlation) by the chapter that owns them,
:mod:`disciplines` scores the outline's four disciplines and four tracks from the chapters' own data, and
:mod:`present` / :mod:`charts` / :mod:`control_panel` / :mod:`exercises` show it. ``summary`` is the report's
page one. All commercial figures are illustrative.
"""

from __future__ import annotations

from crossborder.core.lazy import exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "section": ("CREDIT_TIERS", "HEDGES", "SEGMENTS", "BusinessCase", "Rule"),
    "model": ("DRIVERS", "Draws", "Inputs", "Result", "bands", "decision", "leads_per_month", "simulate"),
    "drivers": ("OWNERS", "Context", "Drivers", "beta_draws", "collect", "first_actions", "pmf_verdict", "timing"),
    "sensitivity": ("rank_correlation", "ranking", "tornado"),
    "disciplines": ("Score", "scores"),
    "present": ("Case", "actions_table", "analyse", "decide", "discipline_table", "driver_label", "drivers_table", "outcome_table", "payback_text", "ranking_table",
                "pnl_table", "summary", "summary_of"),
    "texts": ("decision_text", "headline", "method_note", "talking_points"),
    "charts": ("cash_figure", "npv_figure", "pnl_figure", "ranking_figure", "scores_figure", "tornado_figure"),
    "control_panel": ("panel",),
    "exercises": ("budget_for_probability", "decision_changers", "decision_changers_table"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = list(_MODULE_OF)

__getattr__, __dir__ = exports(__name__, _MODULE_OF)
