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

from typing import TYPE_CHECKING

from crossborder.core.lazy import exports

if TYPE_CHECKING:  # for readers and type checkers; at run time names load on first use
    from .book import book_for, price_book
    from .charts import contribution_figure, ladder_figure, margin_figure, waterfall_figure
    from .control_panel import panel
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

_EXPORTS = {
    'book_for': 'book',
    'price_book': 'book',
    'contribution_figure': 'charts',
    'ladder_figure': 'charts',
    'margin_figure': 'charts',
    'waterfall_figure': 'charts',
    'COMPLIANCE_FIELDS': 'data',
    'PRODUCT_COLUMNS': 'data',
    'PRODUCTS_FILE': 'data',
    'QUOTE_FIELDS': 'data',
    'SPEC_FIELDS': 'data',
    'FxInputs': 'data',
    'fx_inputs': 'data',
    'load_products': 'data',
    'absorb_note': 'exercises',
    'absorb_table': 'exercises',
    'cut_note': 'exercises',
    'cut_table': 'exercises',
    'PriceBook': 'model',
    'band_of': 'model',
    'build_price_book': 'model',
    'completeness': 'model',
    'contribution_curves': 'model',
    'contribution_uplift': 'model',
    'focus_model': 'model',
    'margin_at': 'model',
    'optimal_price': 'model',
    'price_at_margin': 'model',
    'quotable_models': 'model',
    'restress': 'model',
    'round_price': 'model',
    'tier_frame': 'model',
    'win_probability': 'model',
    'Quote': 'model_quote',
    'below_floor_request': 'model_quote',
    'quote': 'model_quote',
    'sample_quote': 'model_quote',
    'MarginRisk': 'model_risk',
    'Shocks': 'model_risk',
    'analyse': 'model_risk',
    'draw_shocks': 'model_risk',
    'margin_risk': 'model_risk',
    'absorbable_cost_shift': 'model_whatif',
    'competitor_cut': 'model_whatif',
    'panel': 'control_panel',
    'completeness_table': 'present',
    'field_list': 'present',
    'fields_table': 'present',
    'fx_table': 'present',
    'headline': 'present',
    'headline_points': 'present',
    'not_ready_reason': 'present',
    'product_name': 'present',
    'quote_reason': 'present',
    'quote_table': 'present',
    'settings_table': 'present',
    'tier_table': 'present',
    'Bundle': 'section',
    'Guardrails': 'section',
    'MonteCarlo': 'section',
    'Pricing': 'section',
    'Stress': 'section',
    'Tier': 'section',
    'WinCurve': 'section',
}
__getattr__, __dir__ = exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)
