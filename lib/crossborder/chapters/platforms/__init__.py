"""The platform chapter: what each export channel costs per qualified inquiry and per order, which to choose,
and how to split a yearly budget across the chosen ones.

Channels are B2B platforms (general: Alibaba.com, Made-in-China, Global Sources, TradeWheel; vertical:
Thomasnet, EUROPAGES, ChemNet/LookChem, Tridge, G2), the exporter's own website (SEO, SEM) and LinkedIn. Their
cost structure and funnel assumptions are in ``data/platforms.csv`` (illustrative, one row per channel; the
ids are shared with the funnel chapter); what differs by market (reach, order size, conversion, margin,
criteria weights, budget) is in the scenario section ``platforms``. All amounts are in US dollars, the
currency platforms quote.

First-year figures, per channel (arrays over channels; ``t`` = month 1..12):

- spend A = set-up + membership + 12 x ads per month + other per year (acquisition spend, year 1).
- qualified inquiries per month q = inquiries per month x market reach x (1 - spam share) x qualified share;
  in month t the channel delivers q x w(t), w(t) = min(1, t / ramp months) (w = 1 without a ramp), so the
  year's qualified inquiries are Q1 = q x sum_t w(t).
- new customers N1 = Q1 x conversion (qualified inquiry -> first PO): the customers that year-1 inquiries win,
  whenever their first order lands.
- cost per qualified inquiry = A / Q1.
- CAC and payback come from :func:`crossborder.core.unit_economics.unit_economics` (the same function the funnel
  chapter uses): CAC = A / N1; payback = the first month in which what a newly won customer has earned since
  its first order, C(k) = k x m (the funnel chapter reads C(k) off its order history), reaches CAC, so
  payback = CAC / m, with monthly margin m = order value x (gross margin - commission) x orders per year / 12.
  No customer, or no margin: it never pays back (NaN, said in words); not within 120 months: "over 10 years".
- cost per PO (first orders) = CAC + commission x order value: what the channel costs for each first order,
  including the platform's cut of it.
- break-even orders = ceil(A / (order value x (gross margin - commission))).
- Timeline over the horizon (expected values, month by month): customers won from month-s inquiries start
  ordering in month s + months to first order and then order at ``orders_per_year / 12`` a month; cost =
  set-up (month 1) + membership (months 1, 13, ...) + ads + other / 12 + commission on revenue; gross profit
  = revenue x gross margin. Break-even month: the first month the cumulative gross profit covers the
  cumulative cost. First-year ROI = (gross profit - cost) / cost over months 1..12.

Selection (simple additive weighting, MacCrimmon 1968): four criteria from the teaching outline scored 0-100,
combined with the scenario's weights (normalised to sum to 1):

- customer fit and order size = 100 x min(reach, 1) x buyer fit / 5 x (1/2 + 1/2 x order value / largest
  order value): no buyers of the product on the channel, or none in this market, means no fit
- cost = 100 x lowest cost per PO / the channel's cost per PO (0 for a channel that wins no order)
- traffic quality and fraud protection = 100 x genuine qualified share / best share x (1/2 + fraud protection / 4),
  genuine qualified share = (1 - spam share) x qualified share, fraud protection 0 none, 1 verification,
  2 escrow or trade assurance: traffic without protection counts half
- tools = 100 x (quote templates + data insight + API/ERP link) / 3

Uncertainty: conversion and order value are drawn from triangular distributions (low, point, high from the
data; e.g. Vose, *Risk Analysis*, 2008, ch. 9) with the scenario's seed, giving the probability that each
channel's cost per PO is below the baseline's (the exporter's own site). The tornado (Howard 1988) swings one
input at a time between its low and high value and sorts the inputs by how far cost per PO moves.

Budget mix: each channel's qualified inquiries respond to spend x with diminishing returns along a negative
exponential saturation curve (Hanssens, Parsons and Schultz, *Market Response Models*, 2001, ch. 3)
L(x) = Q1 x (1 - exp(-k x / A)) / (1 - exp(-k)), which passes through the data's point (A, Q1); k (column
``saturation``) sets how fast returns fall. The split maximises the sum of L (qualified inquiries) or of
L x conversion x 12 m (a year of gross profit from the customers won) subject to spend_min <= x <= spend_max
and sum x <= budget. The problem is concave and separable, so the optimum equalises marginal returns across
channels not at a bound (Karush-Kuhn-Tucker conditions); the multiplier is found with scipy's Brent root
finder and every spend follows in closed form.

Modules: ``section`` (the scenario section ``platforms``), ``data`` (``data/platforms.csv``), ``model``
(economics, selection, uncertainty, the analysis), ``model_mix`` (the budget mix), ``runner`` (scenario in,
analysis out), ``present`` (tables and texts), ``charts`` (figures), ``control_panel`` (JupyterLab
controls), ``exercises`` (the workshop's worked answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crossborder.core.lazy import exports

from .section import CRITERIA, MonteCarlo, Platforms, Weights

if TYPE_CHECKING:
    from .charts import KIND_COLOURS, cost_figure, cumulative_figure, mix_figure, score_figure, tornado_figure
    from .control_panel import panel
    from .data import CHANNELS_FILE, COLUMNS, CURRENCY, FOCUSES, KINDS, load_channels
    from .exercises import PARITY_FIELDS, budget_note, challenger, parity_factor, parity_note, parity_table
    from .model import (
        YEAR,
        Analysis,
        acquisition_spend,
        analyse_market,
        beat_probability,
        budget_for_return,
        channel_economics,
        cost_per_po,
        first_year_leads,
        focus_of,
        market_inputs,
        qualified_per_month,
        ramp_weights,
        selection_scores,
        timeline,
        tornado,
        triangular,
        updated,
    )
    from .model_mix import BudgetReturn, Response, allocate, equal_split, mix_response, optimise_mix
    from .present import (
        PAYBACK_SHOWN,
        channel_table,
        cost_table,
        headline,
        headline_points,
        html_table,
        markdown_html,
        mix_table,
        payback_text,
        recommendation,
        selection_table,
        spaced,
        worked_example,
    )
    from .runner import analyse

# Everything but the section is imported on first use: the scenario loader imports this package for its
# section, and the model, figures and controls pull in scipy, plotly and ipywidgets.
_MODULES: dict[str, tuple[str, ...]] = {
    "data": ("CHANNELS_FILE", "COLUMNS", "CURRENCY", "FOCUSES", "KINDS", "load_channels"),
    "model_mix": ("BudgetReturn", "Response", "allocate", "equal_split", "mix_response", "optimise_mix"),
    "model": ("YEAR", "Analysis", "acquisition_spend", "analyse_market", "beat_probability", "budget_for_return",
              "channel_economics", "cost_per_po", "first_year_leads", "focus_of", "market_inputs",
              "qualified_per_month", "ramp_weights", "selection_scores", "timeline", "tornado", "triangular",
              "updated"),
    "runner": ("analyse",),
    "present": ("PAYBACK_SHOWN", "channel_table", "cost_table", "headline", "headline_points", "html_table",
                "markdown_html", "mix_table", "payback_text", "recommendation", "selection_table", "spaced",
                "worked_example"),
    "charts": ("KIND_COLOURS", "cost_figure", "cumulative_figure", "mix_figure", "score_figure", "tornado_figure"),
    "control_panel": ("panel",),
    "exercises": ("PARITY_FIELDS", "budget_note", "challenger", "parity_factor", "parity_note", "parity_table"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__getattr__, __dir__ = exports(__name__, _LAZY)

__all__ = ["CRITERIA", "MonteCarlo", "Platforms", "Weights", *_LAZY]
