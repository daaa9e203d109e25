"""The risk chapter's JupyterLab controls: filter by family, pick a risk, move its ratings; "save" writes the
re-ratings into the scenario overlay's ``risk.adjust``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from crossborder import scenario
from crossborder.core.i18n import t
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import Scenario

from .charts import exceedance_figure, family_figure, heatmap_figure
from .data import FAMILIES, load_register, text
from .model import assess, prepare, scored
from .present import family_label, loss_summary, top_risks_table


def panel(scn: Scenario, lang: str, reg: pd.DataFrame | None = None, as_of: date | None = None) -> ControlPanel:
    """JupyterLab controls: filter by family, pick a risk, move its ratings; the map and losses follow.

    Moving a slider re-rates the selected risk (its money rescaled by the scale anchors); picking another
    risk sets the sliders to that risk's current ratings. ``save`` writes every re-rated risk into the
    scenario overlay's ``risk.adjust``.
    """
    reg = load_register() if reg is None else reg
    base = scored(prepare(reg, scn, adjust={}))                  # the register's own ratings
    state: dict[str, Any] = {"adjust": {k: v.model_dump(exclude_none=True) for k, v in scn.risk.adjust.items()},
                             "syncing": False}
    current = prepare(reg, scn, adjust=state["adjust"])
    ids = list(base.index)
    ranked = scored(current).sort_values(["residual_score", "score", "id"], ascending=[False, False, True])
    first = str(ranked["id"].iloc[0])
    names = text(base, "risk", lang)
    rating = dict(min=1, max=5, step=1, continuous_update=False)
    controls = {
        "family": widgets.Dropdown(description=t("risk.control_family", lang), value="all",
                                   options=[(t("risk.all_families", lang), "all")] +
                                           [(family_label(f, lang), f) for f in FAMILIES]),
        "risk": widgets.Dropdown(description=t("risk.control_risk", lang), value=first,
                                 options=[(f"{i} · {names[i]}", i) for i in ids]),
        "likelihood": widgets.IntSlider(value=int(current.at[first, "likelihood"]),
                                        description=t("risk.control_likelihood", lang), **rating),
        "impact": widgets.IntSlider(value=int(current.at[first, "impact"]),
                                    description=t("risk.control_impact", lang), **rating),
        "residual_likelihood": widgets.IntSlider(value=int(current.at[first, "residual_likelihood"]),
                                                 description=t("risk.control_residual_likelihood", lang), **rating),
        "residual_impact": widgets.IntSlider(value=int(current.at[first, "residual_impact"]),
                                             description=t("risk.control_residual_impact", lang), **rating),
    }
    keys = ("likelihood", "impact", "residual_likelihood", "residual_impact")
    for control in controls.values():
        control.style = {"description_width": "initial"}

    def ratings_of(rid: str) -> dict[str, int]:
        row = prepare(reg, scn, adjust={rid: state["adjust"][rid]} if rid in state["adjust"] else {})
        return {k: int(row.at[rid, k]) for k in keys}

    def on_risk(change: dict) -> None:
        # Runs before the panel's own observer (registered first): the sliders take the new risk's ratings
        # without recomputing or re-rating anything; the panel's observer then recomputes once.
        state["syncing"] = True
        try:
            for k, v in ratings_of(change["new"]).items():
                controls[k].value = v
        finally:
            state["syncing"] = False

    controls["risk"].observe(on_risk, names="value")

    def render(family: str, risk: str, likelihood: int, impact: int, residual_likelihood: int,
               residual_impact: int) -> dict[str, Any]:
        adjust = dict(state["adjust"])
        if not state["syncing"]:
            moved = dict(likelihood=likelihood, impact=impact, residual_likelihood=residual_likelihood,
                         residual_impact=residual_impact)
            if moved != {k: int(base.at[risk, k]) for k in keys} or risk in adjust:
                adjust[risk] = moved
        a = assess(scn, reg, as_of, adjust=adjust, family=family)    # raises InputError on a bad combination
        state["adjust"] = adjust
        return {"summary": loss_summary(a, lang), "heatmap": heatmap_figure(a, lang, selected=risk),
                "exceedance": exceedance_figure(a, lang), "families": family_figure(a, lang),
                "top": top_risks_table(a, lang)}

    def save(_values: dict[str, Any]) -> Path:
        return scenario.save_overlay(scn.code, "risk", {"adjust": state["adjust"]})

    panel_ = ControlPanel(controls, render, lang=lang, save=save)

    def on_rating(_change: dict) -> None:
        if not state["syncing"]:
            panel_.refresh()

    for k in keys:  # a slider moved by on_risk must not recompute: route the sliders through on_rating
        controls[k].unobserve(panel_._on_change, names="value")
        controls[k].observe(on_rating, names="value")
    panel_.state = state  # type: ignore[attr-defined]  # the re-ratings so far (for tests and saving)
    return panel_
