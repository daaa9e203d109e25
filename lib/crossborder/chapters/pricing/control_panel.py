"""The chapter's control panel for JupyterLab: a quote form and what-if sliders, and saving them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from crossborder import scenario
from crossborder.core.errors import InputError
from crossborder.core.i18n import t
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import Scenario

from .book import price_book
from .charts import contribution_figure, ladder_figure, margin_figure, waterfall_figure
from .data import load_products
from .model import PriceBook, quotable_models, restress
from .model_quote import quote
from .model_risk import analyse, draw_shocks
from .present import product_name, quote_table, tier_table
from .section import Pricing, Stress


def save(code: str, values: dict[str, Any]) -> Path:
    """Write the quote form and the shifts to the user's overlay (``pricing.sample_quote``, ``pricing.stress``)."""
    return scenario.save_overlay(code, "pricing", {
        "sample_quote": {"product": values["model"], "quantity": int(values["quantity"]),
                         "lead_time_days": int(values["lead_time_days"]), "bundles": list(values["bundles"]),
                         "requested_price": float(values["requested_price"]) or None},
        "stress": {"cost_shift": round(float(values["cost_shift"]), 4), "fx_shift": round(float(values["fx_shift"]), 4),
                   "competitor_shift": round(float(values["competitor_shift"]), 4)},
    })


def panel(scn: Scenario, lang: str, products: pd.DataFrame | None = None, *,
          as_of: date | None = None, draws: int | None = None, book: PriceBook | None = None) -> ControlPanel:
    """Quote form and what-if sliders for JupyterLab; every change recomputes the charts in place.

    Controls: product, quantity, requested lead time, bundles, a buyer's target price (0 = the ladder
    price), and shifts of unit cost, FX and the competitor's price. The price book, FX inputs and random
    draws are prepared once; a slider move recomputes the ladder, optimum, Monte Carlo and charts, a quote
    form change only the quote. "Save scenario" writes the quote and the shifts to the user's overlay
    (``pricing.sample_quote`` and ``pricing.stress``).
    """
    products = load_products() if products is None else products
    section: Pricing = scn.pricing
    base = price_book(scn.code, section, products, as_of=as_of, stated=scn.rates) if book is None else book
    shocks = draw_shocks(section.monte_carlo, draws)
    models = quotable_models(base)
    if not models:
        raise InputError(f"market {scn.code}: no quote-ready product has a competitor reference price "
                         "(scenario key 'pricing.competitor.prices')")
    sq, st = section.sample_quote, base.stress
    style = {"description_width": "initial"}
    slider = dict(step=0.01, readout_format=".0%", style=style, continuous_update=False)
    controls = {
        "model": widgets.Dropdown(options=[(f"{m} · {product_name(products, m, lang)}", m) for m in models],
                                  value=sq.product if sq.product in models else models[0],
                                  description=t("pricing.ctl_product", lang), style=style),
        "quantity": widgets.BoundedIntText(value=sq.quantity, min=1, max=1_000_000, step=1,
                                           description=t("pricing.ctl_quantity", lang), style=style),
        "lead_time_days": widgets.IntSlider(value=sq.lead_time_days, min=1, max=120, step=1, style=style,
                                            continuous_update=False, description=t("pricing.ctl_lead_time", lang)),
        "bundles": widgets.SelectMultiple(options=[(b.name(lang), b.id) for b in section.bundles],
                                          value=tuple(sq.bundles), description=t("pricing.ctl_bundles", lang),
                                          rows=max(2, len(section.bundles)), style=style),
        "requested_price": widgets.BoundedFloatText(value=sq.requested_price or 0.0, min=0, max=1e12, style=style,
                                                    description=t("pricing.ctl_requested", lang, currency=base.currency)),
        "cost_shift": widgets.FloatSlider(value=st.cost_shift, min=-0.3, max=0.5,
                                          description=t("pricing.ctl_cost_shift", lang), **slider),
        "fx_shift": widgets.FloatSlider(value=st.fx_shift, min=-0.2, max=0.2,
                                        description=t("pricing.ctl_fx_shift", lang), **slider),
        "competitor_shift": widgets.FloatSlider(value=st.competitor_shift, min=-0.3, max=0.3,
                                                description=t("pricing.ctl_competitor_shift", lang), **slider),
    }
    cache: dict[tuple, tuple] = {}

    def model_part(model: str, cost_shift: float, fx_shift: float, competitor_shift: float) -> tuple:
        key = (model, cost_shift, fx_shift, competitor_shift)
        if key not in cache:
            cache.clear()  # one entry: quote-form changes reuse it, a shift or product change recomputes
            book = restress(base, Stress(cost_shift=cost_shift, fx_shift=fx_shift, competitor_shift=competitor_shift))
            tiers, risk = analyse(book, model, shocks)
            cache[key] = (book, {"ladder": ladder_figure(book, model, tiers, lang),
                                 "contribution": contribution_figure(book, model, tiers, lang),
                                 "margin": margin_figure(book, risk, tiers, lang),
                                 "tiers": tier_table(book, tiers, risk, lang)})
        return cache[key]

    def render(model: str, quantity: int, lead_time_days: int, bundles: tuple[str, ...], requested_price: float,
               cost_shift: float, fx_shift: float, competitor_shift: float) -> dict[str, Any]:
        book, shown = model_part(model, cost_shift, fx_shift, competitor_shift)
        q = quote(book, model, int(quantity), int(lead_time_days), tuple(bundles),
                  requested_price=float(requested_price) if requested_price else None)
        return {"quote": quote_table(q, lang), "waterfall": waterfall_figure(q, lang), **shown}

    return ControlPanel(controls, render, lang=lang, save=lambda values: save(scn.code, values))
