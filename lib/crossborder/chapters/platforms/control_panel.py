"""The JupyterLab control panel: market adjustments, criteria weights, budget, objective, mix channels and
the channel under the magnifier; saving them into the user's overlay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from crossborder import scenario as scenario_mod
from crossborder.core.i18n import t
from crossborder.notebook.panel import ControlPanel

from .charts import cost_figure, cumulative_figure, mix_figure, score_figure, tornado_figure
from .data import load_channels
from .present import cost_table, html_table, markdown_html, mix_table, recommendation, selection_table
from .runner import analyse
from .section import CRITERIA

# -------------------------------------------------------------------------------------------- controls

def panel(scn: scenario_mod.Scenario, lang: str, channels: pd.DataFrame | None = None) -> ControlPanel:
    """JupyterLab controls: market adjustments, criteria weights, budget, objective, mix channels and the
    channel under the magnifier (tornado). Every change recomputes the model and patches the charts;
    "save scenario" writes the values into the user's overlay for this market."""
    channels = load_channels() if channels is None else channels
    base = analyse(scn, channels)
    s = base.section
    name = lambda c: base.name(c, lang)  # noqa: E731
    style = {"description_width": "initial"}
    slider = dict(style=style, continuous_update=False, layout=widgets.Layout(width="auto"))
    controls = {
        "conversion_factor": widgets.FloatSlider(value=s.conversion_factor, min=0.2, max=3.0, step=0.05,
                                                 description=t("platforms.ctl_conversion", lang), **slider),
        "order_value_factor": widgets.FloatSlider(value=s.order_value_factor, min=0.2, max=3.0, step=0.05,
                                                  description=t("platforms.ctl_order_value", lang), **slider),
        "gross_margin": widgets.FloatSlider(value=s.gross_margin, min=0.05, max=0.7, step=0.01, readout_format=".0%",
                                            description=t("platforms.ctl_margin", lang), **slider),
        "budget": widgets.FloatSlider(value=s.budget, min=0, max=max(250_000.0, 2 * s.budget), step=1000,
                                      readout_format=",.0f", description=t("platforms.ctl_budget", lang), **slider),
        **{f"w_{c}": widgets.FloatSlider(value=getattr(s.weights, c), min=0, max=1, step=0.05,
                                         description=t("platforms.ctl_weight", lang, criterion=t(f"platforms.crit_{c}", lang)),
                                         **slider) for c in CRITERIA},
        "objective": widgets.ToggleButtons(options=[(t(f"platforms.objective_{o}", lang), o) for o in ("leads", "profit")],
                                           value=s.objective, description=t("platforms.ctl_objective", lang), style=style),
        "mix_channels": widgets.SelectMultiple(options=[(name(c), c) for c in s.channels], value=tuple(s.mix_channels),
                                               rows=min(len(s.channels), 8), description=t("platforms.ctl_mix", lang),
                                               style=style),
        "focus": widgets.Dropdown(options=[(name(c), c) for c in s.channels], value=base.shortlist[0],
                                  description=t("platforms.ctl_focus", lang), style=style),
    }

    memo: dict[str, Any] = {}

    def once(name: str, key: tuple, build) -> Any:
        """Rebuild an output only when what it depends on changed (the panel then leaves it alone)."""
        if name not in memo or memo[name][0] != key:
            memo[name] = (key, build())
        return memo[name][1]

    def render(conversion_factor, order_value_factor, gross_margin, budget, w_fit, w_cost, w_quality, w_tools,
               objective, mix_channels, focus) -> dict:
        weights = {"fit": w_fit, "cost": w_cost, "quality": w_quality, "tools": w_tools}
        a = analyse(scn, channels, memo=memo, conversion_factor=conversion_factor,
                    order_value_factor=order_value_factor, gross_margin=gross_margin, budget=budget,
                    objective=objective, mix_channels=list(mix_channels), weights=weights)
        market = (conversion_factor, order_value_factor)
        economics = (*market, gross_margin)
        ranking = (*market, *weights.values())
        mix = (*economics, budget, objective, tuple(mix_channels))
        return {
            "cost_chart": once("cost_chart", market, lambda: cost_figure(a, lang)),
            "cost_table": once("cost_table", economics, lambda: html_table(cost_table(a, lang))),
            "cumulative_chart": once("cumulative_chart", (*economics, *ranking, focus),
                                     lambda: cumulative_figure(a, lang, focus)),
            "score_chart": once("score_chart", ranking, lambda: score_figure(a, lang)),
            "selection_table": once("selection_table", ranking, lambda: html_table(selection_table(a, lang))),
            "tornado_chart": once("tornado_chart", (*market, focus), lambda: tornado_figure(a, lang, focus)),
            "mix_chart": once("mix_chart", mix, lambda: mix_figure(a, lang)),
            "mix_table": once("mix_table", mix, lambda: html_table(mix_table(a, lang))),
            "recommendation": once("recommendation", (*mix, *ranking),
                                   lambda: markdown_html(recommendation(a, lang))),
        }

    def save(values: dict) -> Path:
        return scenario_mod.save_overlay(scn.code, "platforms", {
            "conversion_factor": float(values["conversion_factor"]),
            "order_value_factor": float(values["order_value_factor"]),
            "gross_margin": float(values["gross_margin"]),
            "budget": float(values["budget"]),
            "objective": values["objective"],
            "mix_channels": list(values["mix_channels"]),
            "weights": {c: float(values[f"w_{c}"]) for c in CRITERIA},
        })

    return ControlPanel(controls, render, lang=lang, save=save)
