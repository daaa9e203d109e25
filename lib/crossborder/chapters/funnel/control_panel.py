"""The chapter's JupyterLab controls (``ControlPanel``) and saving them into the market's scenario overlay."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from crossborder import scenario
from crossborder.core.i18n import country_name, t
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import Scenario

from .charts import board_figure, conversion_figure, funnel_figure, ltv_cac_figure, score_figure
from .data import Data, load_data
from .model_dashboard import assess
from .model_funnel import PERIODS
from .model_leads import LeadModel, band, lead_model
from .present import channel_label, volumes_table


def panel(scn: Scenario, lang: str, data: Data | None = None, as_of: date | None = None,
          model: LeadModel | None = None) -> ControlPanel:
    """JupyterLab controls: market, channel, period, the MQL and SQL thresholds, and the yearly retention.

    Moving a threshold re-scores the leads (score distribution, MQL / SQL volumes and their quote rates);
    market, channel and period recompute the funnel, conversions, LTV / CAC and the KPI board; retention moves
    LTV / CAC. Picking another market sets the thresholds and retention to that market's scenario. ``save``
    writes the thresholds, retention and period into the selected market's scenario overlay.
    """
    data = load_data() if data is None else data
    as_of = as_of or date.today()
    model = lead_model(data.leads, scn.funnel.model) if model is None else model
    markets = [m for m in data.markets() if m in scenario.available_markets()]
    state: dict[str, Any] = {"scn": {scn.code: scn}, "syncing": False}   # other markets' scenarios: loaded when picked

    def scn_of(code: str) -> Scenario:
        if code not in state["scn"]:
            state["scn"][code] = scenario.load(code)
        return state["scn"][code]

    def channel_options(code: str) -> list[tuple[str, str]]:
        return [(t("funnel.all_channels", lang), "all")] + [(channel_label(c, lang), c) for c in data.channels(code)]

    sec = scn.funnel
    top = float(math.ceil(sec.scoring.max_score() / 5) * 5)
    style = {"description_width": "initial"}
    controls = {
        "market": widgets.Dropdown(description=t("funnel.control_market", lang), value=scn.code,
                                   options=[(f"{country_name(m, lang)} ({m})", m) for m in markets], style=style),
        "channel": widgets.Dropdown(description=t("funnel.control_channel", lang), value="all",
                                    options=channel_options(scn.code), style=style),
        "period": widgets.Dropdown(description=t("funnel.control_period", lang), value=sec.period_months,
                                   options=[(t("funnel.period_option", lang, n=n), n) for n in PERIODS], style=style),
        "mql_threshold": widgets.FloatSlider(description=t("funnel.control_mql", lang), value=sec.scoring.mql_threshold,
                                             min=0, max=top, step=1, continuous_update=False, style=style),
        "sql_threshold": widgets.FloatSlider(description=t("funnel.control_sql", lang), value=sec.scoring.sql_threshold,
                                             min=0, max=top, step=1, continuous_update=False, style=style),
        "retention": widgets.FloatSlider(description=t("funnel.control_retention", lang), value=sec.ltv.retention,
                                         min=0.3, max=0.98, step=0.01, continuous_update=False, readout_format=".0%",
                                         style=style),
    }

    def on_market(change: dict) -> None:
        # Runs before the panel's own observer: the dependent controls take the new market's values without
        # recomputing; the panel's observer on "market" then recomputes once.
        new = scn_of(change["new"]).funnel
        state["syncing"] = True
        try:
            options = channel_options(change["new"])
            keep = controls["channel"].value if controls["channel"].value in [v for _, v in options] else "all"
            controls["channel"].options = options
            controls["channel"].value = keep
            controls["mql_threshold"].value = new.scoring.mql_threshold
            controls["sql_threshold"].value = new.scoring.sql_threshold
            controls["retention"].value = new.ltv.retention
        finally:
            state["syncing"] = False

    controls["market"].observe(on_market, names="value")

    def render(market: str, channel: str, period: int, mql_threshold: float, sql_threshold: float,
               retention: float) -> dict[str, Any]:
        base = scn_of(market)
        if channel not in ["all", *data.channels(market)]:
            channel = "all"
        s = base.funnel.scoring.model_copy(update={"mql_threshold": float(mql_threshold),
                                                   "sql_threshold": float(sql_threshold)})
        band([0.0], s.mql_threshold, s.sql_threshold)            # raises on SQL below MQL
        # The thresholds move only the scores and volumes: the dashboard and its charts are reused.
        key = (market, channel, int(period), float(retention))
        if state.get("key") != key:
            section = base.funnel.model_copy(update={
                "ltv": base.funnel.ltv.model_copy(update={"retention": float(retention)})})
            db = assess(base, data, as_of, channel=channel, period=int(period), model=model, section=section)
            state["key"], state["db"] = key, db
            state["charts"] = {"funnel": funnel_figure(db, lang), "conversion": conversion_figure(db, lang),
                               "ltv_cac": ltv_cac_figure(db, lang), "board": board_figure(db, lang)}
        db = state["db"]
        return {"volumes": volumes_table(db, lang, s), **state["charts"], "scores": score_figure(db, lang, s)}

    def save(values: dict[str, Any]) -> Path:
        return scenario.save_overlay(values["market"], "funnel", {
            "period_months": int(values["period"]),
            "scoring": {"mql_threshold": float(values["mql_threshold"]), "sql_threshold": float(values["sql_threshold"])},
            "ltv": {"retention": round(float(values["retention"]), 4)},
        })

    panel_ = ControlPanel(controls, render, lang=lang, save=save, columns=3)

    def on_dependent(_change: dict) -> None:
        if not state["syncing"]:
            panel_.refresh()

    for name in ("channel", "mql_threshold", "sql_threshold", "retention"):
        controls[name].unobserve(panel_._on_change, names="value")
        controls[name].observe(on_dependent, names="value")
    return panel_
