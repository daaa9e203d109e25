"""The market chapter's JupyterLab controls (weights, method, normalization, weighting, origin plant, weight
uncertainty) and the save of the choices to the user's scenario overlay."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crossborder.core.i18n import country_name, t
from crossborder.scenario import Scenario

from .charts import acceptability_figure, radar_figure, ranking_figure, tornado_figure
from .data import Data
from .model import Settings, analyse, settings_of
from .present import _label, ahp_note, pilot_table, weights_table
from .section import METHODS, NORMALIZATIONS, SMAA_MODES, WEIGHTINGS

if TYPE_CHECKING:
    from crossborder.notebook.panel import ControlPanel


def panel(scn: Scenario, lang: str, data: Data, *, top: int) -> ControlPanel:
    """JupyterLab controls: a weight slider per criterion, method, normalization, weighting mode, origin
    plant and the weight-uncertainty model; every change recomputes the ranking, radar, rank
    acceptability, tornado and pilot pick in place. "Save scenario" writes the choices to the overlay."""
    import ipywidgets as widgets

    from crossborder import scenario
    from crossborder.notebook.panel import ControlPanel

    base = settings_of(scn)
    plants = list(scn.exporter.origin_plants)
    crit = list(data.criteria.index)
    start = data.criteria["weight"].to_dict() | dict(base.weights)
    wide = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="98%"))
    controls: dict[str, widgets.ValueWidget] = {
        f"w_{c}": widgets.FloatSlider(value=float(start[c]), min=0.0, max=1.0, step=0.01, readout_format=".2f",
                                       description=_label(data, c, lang), continuous_update=False, **wide)
        for c in crit
    }
    controls["method"] = widgets.Dropdown(options=[(t(f"markets.method_{m}", lang), m) for m in METHODS],
                                          value=base.method, description=t("markets.ctl_method", lang), **wide)
    controls["normalization"] = widgets.Dropdown(options=[(t(f"markets.norm_{n}", lang), n) for n in NORMALIZATIONS],
                                                 value=base.normalization, description=t("markets.ctl_normalization", lang), **wide)
    weightings = [w for w in WEIGHTINGS if w != "ahp" or base.ahp]
    controls["weighting"] = widgets.Dropdown(options=[(t(f"markets.weighting_{w}", lang), w) for w in weightings],
                                             value=base.weighting if base.weighting in weightings else "direct",
                                             description=t("markets.ctl_weighting", lang), **wide)
    controls["origin"] = widgets.Dropdown(options=[(country_name(p, lang), p) for p in plants] + [(t("markets.origin_best", lang), "best")],
                                          value=base.origin if base.origin in plants + ["best"] else plants[0],
                                          description=t("markets.ctl_origin", lang), **wide)
    controls["mode"] = widgets.Dropdown(options=[(t(f"markets.smaa_{m}", lang, k=base.concentration), m) for m in SMAA_MODES],
                                        value=base.mode, description=t("markets.ctl_mode", lang), **wide)
    controls["concentration"] = widgets.FloatSlider(value=float(base.concentration), min=5.0, max=500.0, step=5.0,
                                                    readout_format=".0f", continuous_update=False,
                                                    description=t("markets.ctl_concentration", lang), **wide)

    def settings(values: dict) -> Settings:
        return Settings(method=values["method"], normalization=values["normalization"], weighting=values["weighting"],
                        weights={c: float(values[f"w_{c}"]) for c in crit}, ahp=dict(base.ahp), origin=values["origin"],
                        additional_duties=base.additional_duties, samples=base.samples, mode=values["mode"],
                        concentration=float(values["concentration"]), seed=base.seed, pilot_size=base.pilot_size,
                        override=base.override)

    def render(**values) -> dict:
        a = analyse(data, settings(values), plants, lang)
        note = ahp_note(a.ahp, data, lang)
        if values["weighting"] != "direct":
            note = (note + " " if note else "") + t("markets.note_sliders_idle", lang,
                                                    weighting=t(f"markets.weighting_{values['weighting']}", lang))
        return {"ranking": ranking_figure(a, data, lang), "radar": radar_figure(a, data, lang, top=top),
                "acceptability": acceptability_figure(a, lang), "tornado": tornado_figure(a, data, lang),
                "pilot": pilot_table(a, lang), "weights": weights_table(a, data, lang), "note": note}

    def save(values: dict) -> Path:
        s = settings(values)
        changes: dict[str, dict] = {"markets": {
            "method": s.method, "normalization": s.normalization, "weighting": s.weighting,
            "weights": {c: round(v, 4) for c, v in s.weights.items()},
            "smaa": {"mode": s.mode, "concentration": s.concentration}}}
        if s.origin != "best":          # the plant is the market's one origin, for every chapter
            changes["exporter"] = {"origin": s.origin}
        return scenario.save_sections(scn.code, changes)

    return ControlPanel(controls, render, lang=lang, save=save)
