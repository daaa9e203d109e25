"""The chapter's figures: price ladder, quote waterfall, expected contribution by price, margin distribution.

Charts use traces rather than layout shapes and annotations: plotly validates each shape and annotation at
some length, and these figures are rebuilt on every slider move.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.fmt import minor_units, number, percent, percent_setting
from crossborder.core.i18n import country_name, t

from .model import PriceBook, contribution_curves
from .model_quote import Quote
from .model_risk import MarginRisk
from .present import quote_reason

# Six legend entries can take two rows above the plot: a taller top margin keeps them clear of the title.
TWO_ROW_LEGEND = dict(height=440, margin=dict(t=110), title_yref="container", title_y=0.97, title_yanchor="top")
GUARD_COLOURS = {"floor": theme.RAG["red"], "target": theme.RAG["amber"], "stretch": theme.RAG["green"]}
STEP_MEASURE = {"step_list": "absolute", "step_net": "total", "step_margin": "total"}


def _price_axis(book: PriceBook, lang: str) -> str:
    return t("pricing.axis_unit_price", lang, currency=book.currency)


def _figure(title: str, traces: list[dict], **layout: Any) -> go.Figure:
    """A workbook figure from trace dicts, built in one pass (layout given to ``theme.figure`` at once)."""
    fig = theme.figure(title, **layout)
    fig.add_traces(traces)
    return fig


def ladder_figure(book: PriceBook, model: str, tiers: pd.DataFrame, lang: str) -> go.Figure:
    """Price ladder: ladder and recommended price per tier against the competitor and the guardrails."""
    labels = tiers["label"].tolist()
    g = book.section.guardrails
    traces = [
        dict(type="bar", x=labels, y=tiers["ladder_price"].to_numpy(), name=t("pricing.series_ladder", lang),
             marker_color=theme.COLORWAY[0]),
        dict(type="bar", x=labels, y=tiers["recommended_price"].to_numpy(), name=t("pricing.series_recommended", lang),
             marker_color=theme.COLORWAY[2]),
        dict(type="scatter", x=labels, y=tiers["competitor_price"].to_numpy(), mode="markers+lines",
             name=t("pricing.series_competitor", lang), line=dict(dash="dot", color=theme.COLORWAY[3]),
             marker=dict(symbol="diamond", size=9)),
    ] + [
        dict(type="scatter", x=labels, y=[float(tiers[f"{key}_price"].iloc[0])] * len(labels), mode="lines",
             name=f"{t('pricing.guard_' + key, lang)} {percent_setting(getattr(g, key), lang)}",
             line=dict(color=GUARD_COLOURS[key], width=1.5, dash="dash"))
        for key in ("floor", "target", "stretch")
    ]
    return _figure(t("pricing.chart_ladder_title", lang, model=model, market=country_name(book.market, lang)), traces,
                   **TWO_ROW_LEGEND, barmode="group", xaxis_title_text=t("pricing.axis_tier", lang),
                   yaxis_title_text=_price_axis(book, lang))


def waterfall_figure(q: Quote, lang: str) -> go.Figure:
    """Price waterfall of a quote: list -> tier -> region -> lead time -> bundles -> net -> cost -> margin."""
    title = t("pricing.chart_waterfall_title", lang, model=q.model, qty=number(q.quantity, lang))
    axis = t("pricing.axis_per_unit", lang, currency=q.currency)
    if not q.steps:  # refused before pricing (not quote-ready, lead time, MOQ): say why, show no bars
        return _figure(title, [dict(type="waterfall", x=[], y=[], measure=[])], yaxis_title_text=axis,
                       annotations=[dict(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                                         text=quote_reason(q, lang), font=dict(size=12))])
    # a step worth less than the currency's smallest unit (standard lead time, no bundles, the buyer pays freight,
    # rounding) is left out
    digits = minor_units(q.currency)
    tiny = 0.5 * 10.0 ** -digits
    steps = [(k, v) for k, v in q.steps if STEP_MEASURE.get(k) or abs(v) >= tiny]
    values = [v for _, v in steps]
    trace = dict(
        type="waterfall", x=[t(f"pricing.{k}", lang) for k, _ in steps], y=values,
        measure=[STEP_MEASURE.get(k, "relative") for k, _ in steps],
        text=[number(v, lang, digits) for v in values], textposition="outside", cliponaxis=False,
        connector=dict(line=dict(color="#999", width=1)), increasing=dict(marker_color=theme.COLORWAY[0]),
        decreasing=dict(marker_color=theme.COLORWAY[3]),
        totals=dict(marker_color=theme.RAG["green"] if q.quoted else theme.RAG["red"]))
    return _figure(title, [trace], showlegend=False, yaxis_title_text=axis, xaxis_tickangle=-30)


def contribution_figure(book: PriceBook, model: str, tiers: pd.DataFrame, lang: str) -> go.Figure:
    """Expected contribution per unit against price, per tier, with the optimum and the guardrail bands."""
    grid, curves = contribution_curves(book, tiers)
    y0, y1 = min(0.0, float(curves.min())), float(curves.max()) * 1.12
    p_f, p_t, p_s = (float(tiers[c].iloc[0]) for c in ("floor_price", "target_price", "stretch_price"))
    bands = [(grid[0], p_f, theme.RAG["red"], "band_below_floor_short"),
             (p_f, p_t, theme.RAG["amber"], "band_floor_target_short"),
             (p_t, p_s, theme.RAG["green"], "band_target_stretch_short"),
             (p_s, grid[-1], theme.RAG["grey"], "band_above_stretch_short")]
    colours = [c for _, _, c, _ in bands]
    # The four guardrail bands as one bar trace (a bar per band, spanning the plot's height).
    traces = [dict(type="bar", x=[(a + b) / 2 for a, b, _, _ in bands], width=[b - a for a, b, _, _ in bands],
                   base=y0, y=[y1 - y0] * 4, marker=dict(color=colours, opacity=0.13, line_width=0),
                   text=[t(f"pricing.{k}", lang) for *_, k in bands], textposition="inside", insidetextanchor="end",
                   textfont=dict(size=10, color=colours), textangle=0, hoverinfo="skip", showlegend=False)]
    traces += [dict(type="scatter", x=grid, y=curves[j], mode="lines", name=label,
                    line=dict(color=theme.COLORWAY[j % len(theme.COLORWAY)], width=2))
               for j, label in enumerate(tiers["label"])]
    v, cost = tiers.attrs["insurance_share"], tiers.attrs["unit_cost"]
    rec = tiers["recommended_price"].to_numpy()
    traces.append(dict(type="scatter", x=rec, y=tiers["recommended_win"].to_numpy() * (rec * (1 - v) - cost),
                       mode="markers", name=t("pricing.series_optimum", lang),
                       marker=dict(symbol="star", size=12, color="#000")))
    return _figure(t("pricing.chart_contribution_title", lang, model=model), traces, **TWO_ROW_LEGEND,
                   xaxis=dict(title_text=_price_axis(book, lang), range=[grid[0], grid[-1]]),
                   yaxis=dict(title_text=t("pricing.axis_expected_contribution", lang, currency=book.currency),
                              range=[y0, y1]))


def margin_figure(book: PriceBook, risk: MarginRisk, tiers: pd.DataFrame, lang: str, bins: int = 60) -> go.Figure:
    """Distribution of simulated gross margin per tier, with the floor and P(margin < floor)."""
    floor = risk.floor
    lo = min(float(risk.p05.min()) - 0.08, floor - 0.03)
    hi = max(float(risk.p95.max()) + 0.05, floor + 0.03)
    edges = np.linspace(lo, hi, bins + 1)
    share = risk.histogram(edges) * 100
    centres = (edges[:-1] + edges[1:]) / 2 * 100
    traces = [dict(type="scatter", x=centres, y=share[j], mode="lines",
                   line=dict(width=2, shape="hvh", color=theme.COLORWAY[j % len(theme.COLORWAY)]),
                   name=t("pricing.series_risk", lang, tier=label, p=percent(risk.below_floor[j], lang)))
              for j, label in enumerate(tiers["label"])]
    traces.append(dict(type="scatter", x=[floor * 100, floor * 100], y=[0, float(share.max()) * 1.05], mode="lines",
                       name=f"{t('pricing.guard_floor', lang)} {percent_setting(floor, lang)}",
                       line=dict(color=theme.RAG["red"], width=2, dash="dash")))
    return _figure(t("pricing.chart_margin_title", lang, draws=number(len(risk.costs), lang)), traces,
                   xaxis_title_text=t("pricing.axis_margin", lang), yaxis_title_text=t("pricing.axis_share_draws", lang),
                   # the legend below the plot area, never over the distributions
                   legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0.0, xanchor="left"),
                   height=480, margin=dict(l=60, r=20, t=60, b=130))
