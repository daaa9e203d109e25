"""The landed-cost chapter's JupyterLab controls: rule, mode, quantity, origin plant and FTA claim."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from crossborder import scenario as scenario_mod
from crossborder.core.i18n import check_lang, country_name, t
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import Scenario

from .charts import duty_figure, rules_figure, waterfall_figure
from .data import load_incoterms
from .model import COMPARE_RULES, grid, quote
from .model_duty import duty_rates, origins
from .present import lines_table, summary_table
from .section import MODES, RULES


def panel(scn: Scenario, lang: str, as_of: date | None = None, incoterms: pd.DataFrame | None = None) -> ControlPanel:
    """JupyterLab controls: rule, mode, quantity, origin plant and FTA on/off recompute the summary, the
    waterfall and its lines, the rule comparison and the duty chart in place; "save" writes the shipment.

    In a report (``display(False)``) the same outputs appear, static, for the scenario's default shipment."""
    check_lang(lang)
    incoterms = load_incoterms() if incoterms is None else incoterms
    sec = scn.landed
    sh = sec.shipment
    plants = list(origins(scn))
    controls = {
        "rule": widgets.Dropdown(description=t("landed.ctl_rule", lang), value=sh.rule,
                                 options=[(f"{r} · {incoterms.at[r, 'name_zh_TW' if lang == 'zh-TW' else 'name_en']}", r) for r in RULES]),
        "mode": widgets.ToggleButtons(description=t("landed.ctl_mode", lang), value=sh.mode,
                                      options=[(t(f"landed.mode_{m}", lang), m) for m in MODES]),
        "quantity": widgets.BoundedIntText(description=t("landed.ctl_quantity", lang), value=sh.quantity, min=1,
                                           max=1_000_000, step=10),
        "origin": widgets.Dropdown(description=t("landed.ctl_origin", lang), value=scn.exporter.origin,
                                   options=[(country_name(o, lang), o) for o in plants]),
        "fta": widgets.Checkbox(description=t("landed.ctl_fta", lang), value=sh.fta_origin_met, indent=False),
    }
    rates = duty_rates(scn, as_of=as_of)

    def render(rule: str, mode: str, quantity: int, origin: str, fta: bool) -> dict[str, Any]:
        q = quote(scn, rule=rule, mode=mode, quantity=int(quantity), origin=origin, fta=fta, as_of=as_of,
                  incoterms=incoterms)
        compare = list(COMPARE_RULES) if mode == "sea" else ["EXW", "FCA", "CIP", "DAP", "DDP"]
        compared = grid(q.resolved, compare, [int(quantity)], sh.unit_price, mode, incoterms)
        return {
            "summary": summary_table(q, lang),
            "waterfall": waterfall_figure(q, lang),
            "lines": lines_table(q, lang),
            "rules": rules_figure(compared, lang, q.resolved.currency),
            "duty": duty_figure(rates, lang, scn.code, selected=origin),
        }

    def save(values: dict[str, Any]) -> Path:
        return scenario_mod.save_sections(scn.code, {
            "landed": {"shipment": {"rule": values["rule"], "mode": values["mode"], "quantity": int(values["quantity"]),
                                    "fta_origin_met": bool(values["fta"])}},
            "exporter": {"origin": values["origin"]}})   # the market's one origin, for every chapter

    return ControlPanel(controls, render, lang=lang, save=save)
