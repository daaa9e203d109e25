"""The payments chapter's JupyterLab controls: the deal panel (amount, tenor, tier and PD drive the cost, tier
and break-even charts; saved to the user's scenario overlay) and the fraud checklist for one order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
import pandas.io.formats.style  # noqa: F401  interactive._as_html checks for a Styler on text panes; load it

from crossborder.core.errors import InputError
from crossborder.core.fmt import number, percent
from crossborder.core.i18n import t
from crossborder.core.paths import relative
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import Scenario, save_overlay

from .charts import breakeven_figure, cost_figure, fraud_figure, tier_figure
from .data import load_instruments, load_orders, orders_file
from .model import Book, break_even_pd, cost_grid, known_domains, recommend_terms
from .model_screening import fraud_scores, fraud_signals
from .present import breakeven_text, inst_label, tier_label
from .section import SIGNALS, Payments


def panel(scn: Scenario, lang: str, instruments: pd.DataFrame | None = None) -> ControlPanel:
    """JupyterLab controls: deal amount, tenor, tier and PD drive the cost, tier and break-even charts."""
    pay: Payments = scn.payments
    inst = load_instruments() if instruments is None else instruments
    deal = pay.deal
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    style = {"description_width": "initial"}
    controls = {
        "amount": widgets.IntSlider(value=int(deal.amount), min=5_000, max=max(1_000_000, int(deal.amount)),
                                    step=5_000, description=c("ctl_amount"), style=style, continuous_update=False),
        "tenor_days": widgets.IntSlider(value=deal.tenor_days, min=0, max=180, step=15, description=c("ctl_tenor"),
                                        style=style, continuous_update=False),
        "tier": widgets.Dropdown(options=[(tier_label(pay, k, lang), k) for k in pay.tiers], value=deal.tier,
                                 description=c("ctl_tier"), style=style),
        "annual_pd": widgets.FloatSlider(value=pay.tiers[deal.tier].annual_pd, min=0.0, max=0.25, step=0.0025,
                                         readout_format=".2%", description=c("ctl_pd"), style=style,
                                         continuous_update=False),
    }

    def render(amount: int, tenor_days: int, tier: str, annual_pd: float) -> dict[str, Any]:
        grid = cost_grid(inst, pay, amount=float(amount), tenor_days=int(tenor_days), pd_override={tier: annual_pd})
        costs = grid.loc[tier]
        rec = recommend_terms(grid).loc[tier]
        be = break_even_pd(inst, pay, tier=tier, amount=float(amount), tenor_days=int(tenor_days))
        summary = t("payments.panel_summary", lang, tier=tier_label(pay, tier, lang),
                    instrument=inst_label(rec["instrument"], lang), cost=percent(rec["total_pct"], lang, 2),
                    be=breakeven_text(be, lang), ref=inst_label(be.reference, lang))
        return {
            "summary": summary,
            "costs": cost_figure(costs, pay, lang, tier=tier, amount=float(amount), tenor_days=int(tenor_days), annual_pd=annual_pd),
            "tiers": tier_figure(grid, pay, lang, amount=float(amount), tenor_days=int(tenor_days)),
            "breakeven": breakeven_figure(inst, pay, lang, tier=tier, amount=float(amount), tenor_days=int(tenor_days),
                                          annual_pd=annual_pd),
        }

    def save(values: dict[str, Any]) -> Path:
        return save_overlay(scn.code, "payments", {
            "deal": {"amount": float(values["amount"]), "tenor_days": int(values["tenor_days"]), "tier": values["tier"]},
            "tiers": {values["tier"]: {"annual_pd": round(float(values["annual_pd"]), 6)}},
        })

    cp = ControlPanel(controls, render, lang=lang, save=save)

    def on_tier(change: dict) -> None:  # choosing a tier loads its PD into the slider
        controls["annual_pd"].value = pay.tiers[change["new"]].annual_pd

    controls["tier"].observe(on_tier, names="value")
    return cp


def fraud_panel(scn: Scenario, lang: str, orders: pd.DataFrame | None = None, order_id: str | None = None,
                known_domains: list[str] | tuple[str, ...] = ()) -> ControlPanel:
    """A checklist for one order: one checkbox per signal (preset from the order's data); the score chart and
    the hold / verify / proceed call follow the boxes. With no ``order_id``, the market's riskiest order."""
    pay: Payments = scn.payments
    orders = load_orders() if orders is None else orders
    sig = fraud_signals(orders, pay, known_domains)
    scores = fraud_scores(sig, pay)
    if order_id is None or order_id == "":
        local = scores[orders.loc[scores.index, "country"] == scn.code]
        pool = local if not local.empty else scores
        order_id = pool["score"].idxmax()
    if order_id not in sig.index:
        raise InputError(f"sample_order: expected an order_id from {relative(orders_file())}, found {order_id!r}")
    controls = {s: widgets.Checkbox(value=bool(sig.at[order_id, s]), description=t(f"payments.sig_{s}", lang),
                                    indent=False) for s in SIGNALS}

    def render(**flags: bool) -> dict[str, Any]:
        row = pd.DataFrame([flags], index=[order_id])
        sc = fraud_scores(row, pay).iloc[0]
        return {"breakdown": fraud_figure(sc, pay, lang, order_id),
                "call": t(f"payments.call_{sc['decision']}", lang, order=order_id, score=number(sc["score"], lang))}

    return ControlPanel(controls, render, lang=lang, columns=2)


def sample_fraud_panel(book: Book, scn: Scenario, lang: str, order_id: str) -> ControlPanel:
    """The checklist panel for ``order_id`` (empty: the market's highest-scoring order)."""
    return fraud_panel(scn, lang, orders=book.orders, order_id=order_id or None, known_domains=known_domains(book))
