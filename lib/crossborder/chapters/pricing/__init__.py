"""Chapter 03: pricing simulations: product data (PIM), MOQ price ladders, margin guardrails, quotes, win
probability and margin risk.

Outline section 5: structured product data *is* capacity ("資料即產能"). A quote can only be automated when
the product record holds what a quote needs, so the chapter starts with a completeness score per product
and the list of quote-ready products, then builds prices on them: a price book (cost-plus list prices in the
quote currency), a price ladder by quantity, region and lead time, quotes checked against margin guardrails,
the price per tier that maximises expected contribution against a competitor (logistic win curve), and a
Monte Carlo of the margin over unit cost, FX rate and freight.

Modules: ``section`` (the scenario section), ``data`` (product table, FX inputs of a pair), ``model`` (price
book, ladder, optimum; the conventions and formulas), ``model_quote`` (quotes), ``model_risk`` (Monte Carlo),
``model_whatif`` (cost rise absorbed, competitor cut), ``book`` (a market's price book from its scenario),
``present`` (tables, sentences, headline), ``charts`` (figures), ``panel`` (JupyterLab controls),
``exercises`` (the workshop's worked answers for display).
"""

from __future__ import annotations

from .book import book_for, price_book
from .charts import contribution_figure, ladder_figure, margin_figure, waterfall_figure
from .data import (
    COMPLIANCE_FIELDS,
    PRODUCT_COLUMNS,
    PRODUCTS_FILE,
    QUOTE_FIELDS,
    SPEC_FIELDS,
    FxInputs,
    fx_inputs,
    load_products,
)
from .exercises import absorb_note, absorb_table, cut_note, cut_table
from .model import (
    PriceBook,
    band_of,
    build_price_book,
    completeness,
    contribution_curves,
    contribution_uplift,
    focus_model,
    margin_at,
    optimal_price,
    price_at_margin,
    quotable_models,
    restress,
    round_price,
    tier_frame,
    win_probability,
)
from .model_quote import Quote, below_floor_request, quote, sample_quote
from .model_risk import MarginRisk, Shocks, analyse, draw_shocks, margin_risk
from .model_whatif import absorbable_cost_shift, competitor_cut
from .panel import panel
from .present import (
    completeness_table,
    field_list,
    fields_table,
    fx_table,
    headline,
    headline_points,
    not_ready_reason,
    product_name,
    quote_reason,
    quote_table,
    settings_table,
    tier_table,
)
from .section import Bundle, Guardrails, MonteCarlo, Pricing, Stress, Tier, WinCurve

__all__ = [
    "COMPLIANCE_FIELDS", "PRODUCTS_FILE", "PRODUCT_COLUMNS", "QUOTE_FIELDS", "SPEC_FIELDS", "Bundle", "FxInputs",
    "Guardrails", "MarginRisk", "MonteCarlo", "PriceBook", "Pricing", "Quote", "Shocks", "Stress", "Tier",
    "WinCurve", "absorb_note", "absorb_table", "absorbable_cost_shift", "analyse", "band_of", "below_floor_request",
    "book_for", "build_price_book", "competitor_cut", "completeness", "completeness_table", "contribution_curves",
    "contribution_figure", "contribution_uplift", "cut_note", "cut_table", "draw_shocks", "field_list",
    "fields_table", "focus_model", "fx_inputs", "fx_table", "headline", "headline_points", "ladder_figure",
    "load_products", "margin_at", "margin_figure", "margin_risk", "not_ready_reason", "optimal_price", "panel",
    "price_at_margin", "price_book", "product_name", "quotable_models", "quote", "quote_reason", "quote_table",
    "restress", "round_price", "sample_quote", "settings_table", "tier_frame", "tier_table", "waterfall_figure",
    "win_probability",
]
