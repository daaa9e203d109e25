"""The JupyterLab control panel: cover ratios, strikes, volatility, horizon, method and drift; saving them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ipywidgets as widgets

from crossborder.core.i18n import t
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import Scenario, save_sections

from .charts import cfar_cost_figure, distribution_figure, fan_figure, payoff_figure
from .data import Inputs, inputs
from .model import analyse
from .present import _millions, effectiveness_table, summary_table


def render(inp: Inputs, lang: str, **values: object) -> dict:
    """Model and every output for one set of control values (the panel's ``render``)."""
    a = analyse(inp, **values)
    return {
        "units": t("fx.table_unit", lang, unit=_millions(lang, inp.home)),
        "summary": summary_table(a, lang),
        "distribution": distribution_figure(a, lang),
        "cfar_cost": cfar_cost_figure(a, lang),
        "fan": fan_figure(a, lang),
        "payoff": payoff_figure(a, lang),
        "effectiveness": effectiveness_table(a, lang),
    }


def panel(scn: Scenario, lang: str, as_of: date | None = None, inp: Inputs | None = None) -> ControlPanel:
    """JupyterLab controls: cover ratios, strikes, volatility, horizon, simulation method and drift."""
    inp = inputs(scn, as_of or date.today()) if inp is None else inp
    sim, pol = inp.section.simulation, inp.section.policy
    style = {"description_width": "initial"}
    pct = dict(readout_format=".0%", style=style, continuous_update=False)
    controls = {
        "forward_cover": widgets.FloatSlider(value=pol.forward_cover, min=0, max=1, step=0.05,
                                             description=t("fx.c_forward_cover", lang), **pct),
        "option_cover": widgets.FloatSlider(value=pol.option_cover, min=0, max=1, step=0.05,
                                            description=t("fx.c_option_cover", lang), **pct),
        "put_strike": widgets.FloatSlider(value=pol.put_strike, min=0.90, max=1.05, step=0.005,
                                          description=t("fx.c_put_strike", lang), **{**pct, "readout_format": ".1%"}),
        "collar_floor": widgets.FloatSlider(value=pol.collar_floor, min=0.90, max=1.0, step=0.005,
                                            description=t("fx.c_collar_floor", lang), **{**pct, "readout_format": ".1%"}),
        "vol": widgets.FloatSlider(value=round(inp.vol, 4), min=0.01, max=0.30, step=0.005,
                                   description=t("fx.c_vol", lang), **{**pct, "readout_format": ".1%"}),
        "horizon": widgets.IntSlider(value=sim.horizon_months, min=1, max=len(inp.receivables),
                                     description=t("fx.c_horizon", lang), style=style, continuous_update=False),
        "method": widgets.Dropdown(options=[(t("fx.method_gbm", lang), "gbm"), (t("fx.method_bootstrap", lang), "bootstrap")],
                                   value=sim.method, description=t("fx.c_method", lang), style=style),
        "drift": widgets.Dropdown(options=[(t(f"fx.drift_{k}", lang), k) for k in ("risk_neutral", "zero", "historical")],
                                  value=sim.drift, description=t("fx.c_drift", lang), style=style),
    }
    start_vol = controls["vol"].value

    def save(values: dict) -> Path:
        section: dict = {
            "policy": {k: float(values[k]) for k in ("forward_cover", "option_cover", "put_strike", "collar_floor")},
            "simulation": {"horizon_months": int(values["horizon"]), "method": values["method"],
                           "drift": values["drift"]},
        }
        changes: dict = {"fx": section}
        if abs(values["vol"] - start_vol) > 1e-12:
            # The stated volatility lives in the shared section rates (the pricing chapter reads it too).
            section["volatility"] = {"from_history": False}
            key = f"{inp.home}/{inp.invoice}"
            entry = {"volatility_annual": float(values["vol"]), "basis": "assumption",
                     "volatility_source": f"set in the workbook by the user on {date.today()} (assumption)"}
            if key not in scn.rates.pairs:   # stated only as the inverse pair, or spot from history: a full entry
                entry = {"rate": float(inp.spot), "source": inp.spot_source, "as_of": inp.spot_as_of, **entry}
            changes["rates"] = {"pairs": {key: entry}}
        return save_sections(scn.code, changes)  # one validated, atomic write for both sections

    return ControlPanel(controls, lambda **v: render(inp, lang, **v), lang=lang, save=save)
