"""The payments chapter's figures (plotly, on the workbook's theme): instrument costs for one deal, costs by
tier, the open-account break-even against letters of credit, a fraud-score breakdown and the receivables
charts (aging, DSO trend, short payments by reason)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.fmt import money, number, percent
from crossborder.core.i18n import t

from .data import CURRENCY
from .model import break_even_pd, cost_curve
from .model_receivables import BUCKETS
from .present import inst_label, tier_label
from .section import SIGNALS, Payments, Receivables

_PART_COLORS = {"fees": theme.COLORWAY[0], "financing": theme.COLORWAY[4], "expected_loss": theme.COLORWAY[3]}
_FADED = 0.3


def _legend_below(fig: go.Figure, bottom: int) -> None:
    """Legend in the bottom margin (anchored to the figure, so it never collides with the title)."""
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0.0, xanchor="left",
                                  font=dict(size=11)),
                      margin=dict(b=bottom))


def _labels_with_verdict(names, acceptable, lang: str) -> list[str]:
    return [inst_label(n, lang) if ok else f"× {inst_label(n, lang)}" for n, ok in zip(names, acceptable)]


def cost_figure(costs: pd.DataFrame, pay: Payments, lang: str, *, tier: str, amount: float, tenor_days: int,
                annual_pd: float) -> go.Figure:
    """Stacked bars per instrument: fees (incl. premium), financing and expected loss, as % of the deal;
    a black tick marks the seller's total, a diamond the buyer's cost of the same term. Terms that are not
    acceptable are faded and marked ×."""
    order = costs.sort_values("total", ascending=False)
    labels = _labels_with_verdict(order.index, order["acceptable"], lang)
    A = float(amount)
    fig = theme.figure(t("payments.chart_costs_title", lang), height=480)
    fig.update_layout(title_subtitle_text=t("payments.chart_costs_sub", lang, tier=tier_label(pay, tier, lang),
                                            amount=money(A, CURRENCY, lang), tenor=tenor_days,
                                            pd=percent(annual_pd, lang, 1))
                      + "<br>" + t("payments.faded_note", lang))
    opacity = np.where(order["acceptable"], 1.0, _FADED)
    parts = {"fees": (order["fees"] + order["insurance"]) / A, "financing": order["financing"] / A,
             "expected_loss": (order["credit_loss"] + order["discrepancy"]) / A}
    for key, values in parts.items():
        fig.add_bar(y=labels, x=values * 100, orientation="h", name=t(f"payments.part_{key}", lang),
                    marker=dict(color=_PART_COLORS[key], opacity=opacity))
    fig.add_scatter(y=labels, x=order["total_pct"] * 100, mode="markers", name=t("payments.part_total", lang),
                    marker=dict(symbol="line-ns-open", size=16, color="#000", line=dict(width=2)))
    fig.add_scatter(y=labels, x=order["buyer_pct"] * 100, mode="markers", name=t("payments.part_buyer", lang),
                    marker=dict(symbol="diamond", size=9, color=theme.COLORWAY[1], line=dict(width=1, color="#333")))
    fig.update_layout(barmode="relative", xaxis_title=t("payments.axis_cost_pct", lang),
                      yaxis=dict(automargin=True), margin=dict(l=10, t=95))
    _legend_below(fig, 100)
    fig.add_vline(x=0, line_width=1, line_color="#888")
    return fig


def tier_figure(grid: pd.DataFrame, pay: Payments, lang: str, *, amount: float, tenor_days: int) -> go.Figure:
    """Expected total cost per instrument by tier (grouped bars); faded = not acceptable for that tier."""
    insts = list(grid.index.get_level_values("instrument").unique())
    labels = [inst_label(i, lang) for i in insts]
    fig = theme.figure(t("payments.chart_tiers_title", lang), height=550)
    fig.update_layout(title_subtitle_text=t("payments.chart_tiers_sub", lang, amount=money(amount, CURRENCY, lang),
                                            tenor=tenor_days)
                      + "<br>" + t("payments.faded_tier_note", lang))
    for k, (tier, g) in enumerate(grid.groupby(level="tier", sort=False)):
        g = g.droplevel("tier").reindex(insts)
        fig.add_bar(y=labels, x=g["total_pct"] * 100, orientation="h", name=tier_label(pay, tier, lang),
                    marker=dict(color=theme.COLORWAY[k % len(theme.COLORWAY)],
                                opacity=np.where(g["acceptable"], 1.0, _FADED)))
    fig.update_layout(barmode="group", xaxis_title=t("payments.axis_cost_pct", lang),
                      yaxis=dict(automargin=True, autorange="reversed"), margin=dict(l=10, t=95), bargap=0.2)
    _legend_below(fig, 115)
    return fig


def breakeven_figure(instruments: pd.DataFrame, pay: Payments, lang: str, *, tier: str, amount: float,
                     tenor_days: int, annual_pd: float, max_pd: float = 0.2) -> go.Figure:
    """Seller's cost vs the buyer's annual PD: O/A (uninsured and insured), D/A and D/P rise, the LCs stay
    flat; the break-even PD of open account against the LC with the same credit period is marked."""
    pds = np.linspace(0, max(max_pd, annual_pd * 1.2), 161)
    curve = cost_curve(instruments, pay, pds, tier=tier, amount=amount, tenor_days=tenor_days) * 100
    be = break_even_pd(instruments, pay, tier=tier, amount=amount, tenor_days=tenor_days)
    fig = theme.figure(t("payments.chart_be_title", lang), height=500)
    fig.update_layout(title_subtitle_text=t("payments.chart_be_sub", lang, tier=tier_label(pay, tier, lang),
                                            amount=money(amount, CURRENCY, lang), tenor=tenor_days))
    show = [i for i in instruments.index if instruments.at[i, "seller_risk"] in
            ("buyer_default", "goods_refused", "confirming_bank", "issuing_bank_country")]
    dash = {"confirming_bank": "dash", "issuing_bank_country": "dot"}
    for k, name in enumerate(show):
        fig.add_scatter(x=pds * 100, y=curve[name], mode="lines", name=inst_label(name, lang),
                        line=dict(dash=dash.get(instruments.at[name, "seller_risk"], "solid"), width=2.5,
                                  color=theme.COLORWAY[k % len(theme.COLORWAY)]))
    if be.status == "crosses":
        fig.add_scatter(x=[be.pd * 100], y=[be.reference_cost / amount * 100], mode="markers+text",
                        marker=dict(size=12, color="#000", symbol="x"), name=t("payments.be_marker", lang),
                        text=[t("payments.be_label", lang, pd=percent(be.pd, lang, 2))],
                        textposition="top right" if be.pd < pds[-1] / 2 else "top left")
    fig.add_vline(x=annual_pd * 100, line_dash="dot", line_color="#888",
                  annotation_text=t("payments.pd_marker", lang, pd=percent(annual_pd, lang, 1)), annotation_position="top right")
    fig.update_layout(xaxis_title=t("payments.axis_pd", lang), yaxis_title=t("payments.axis_cost_pct", lang),
                      margin=dict(t=80))
    _legend_below(fig, 140)
    return fig


def fraud_figure(points: pd.Series, pay: Payments, lang: str, order_id: str) -> go.Figure:
    """Fraud-score breakdown for one order: each signal's points (grey when absent) against the thresholds."""
    f = pay.fraud
    labels = [t(f"payments.sig_{s}", lang) for s in SIGNALS]
    present = points[list(SIGNALS)].to_numpy(float) > 0
    weights = np.array([f.weights.get(s, 0.0) for s in SIGNALS])
    decision = points["decision"]
    fig = theme.figure(t("payments.chart_fraud_title", lang, order=order_id, score=number(points["score"], lang),
                         decision=t(f"payments.decision_{decision}", lang)), height=400)
    colors = [theme.RAG["red"] if p else theme.RAG["grey"] for p in present]
    fig.add_bar(y=labels, x=weights, orientation="h", marker_color=colors, opacity=0.9, showlegend=False,
                text=[t("payments.present", lang) if p else "" for p in present], textposition="inside")
    fig.add_vline(x=f.verify_at, line_dash="dash", line_color=theme.RAG["amber"],
                  annotation_text=t("payments.verify_line", lang, x=f"{f.verify_at:g}"), annotation_position="top")
    fig.add_vline(x=f.hold_at, line_dash="dash", line_color=theme.RAG["red"],
                  annotation_text=t("payments.hold_line", lang, x=f"{f.hold_at:g}"), annotation_position="top")
    fig.update_layout(xaxis=dict(title=t("payments.axis_points", lang), range=[0, 100]),
                      yaxis=dict(automargin=True, autorange="reversed"), margin=dict(l=10, t=80))
    return fig


def aging_figure(hist: pd.DataFrame, lang: str, market: str) -> go.Figure:
    """Aging stacked bars at monthly snapshots with the overdue share as a line (the overdue curve)."""
    fig = theme.figure(t("payments.chart_aging_title", lang, market=market), height=480)
    x = [d.strftime("%Y-%m-%d") for d in hist.index]
    colors = [theme.RAG["green"], "#F2C14E", theme.COLORWAY[1], theme.COLORWAY[3], theme.RAG["red"]]
    for b, col in zip(BUCKETS, colors):
        fig.add_bar(x=x, y=hist[b] / 1000, name=t(f"payments.bucket_{b}", lang), marker_color=col)
    total = hist[list(BUCKETS)].sum(axis=1)
    share = np.where(total > 0, 1 - hist["current"] / total.where(total > 0, 1), np.nan) * 100
    fig.add_scatter(x=x, y=share, mode="lines+markers", name=t("payments.overdue_share", lang), yaxis="y2",
                    line=dict(color="#000", width=2))
    fig.update_layout(barmode="stack", yaxis=dict(title=t("payments.axis_ar_k", lang)),
                      yaxis2=dict(title=t("payments.axis_overdue_pct", lang), overlaying="y", side="right",
                                  range=[0, 100], tickmode="linear", tick0=0, dtick=20, showgrid=False),
                      xaxis=dict(type="category", tickangle=-45), margin=dict(t=60, r=60))
    _legend_below(fig, 150)
    return fig


def dso_figure(trend: pd.DataFrame, rec: Receivables, lang: str, market: str, terms_days: float | None = None) -> go.Figure:
    """DSO trend (both methods), best possible DSO and the average agreed terms."""
    fig = theme.figure(t("payments.chart_dso_title", lang, market=market), height=430)
    x = [d.strftime("%Y-%m-%d") for d in trend.index]
    fig.add_scatter(x=x, y=trend["dso_countback"], mode="lines+markers", name=t("payments.method_countback", lang),
                    line=dict(width=3 if rec.dso_method == "countback" else 1.5, color=theme.COLORWAY[0]))
    fig.add_scatter(x=x, y=trend["dso_standard"], mode="lines+markers",
                    name=t("payments.method_standard_n", lang, n=rec.standard_days),
                    line=dict(width=3 if rec.dso_method == "standard" else 1.5, color=theme.COLORWAY[4]))
    fig.add_scatter(x=x, y=trend["bpdso"], mode="lines", name=t("payments.kpi_bpdso", lang),
                    line=dict(dash="dash", color=theme.RAG["green"]))
    if terms_days is not None and np.isfinite(terms_days):
        fig.add_hline(y=terms_days, line_dash="dot", line_color="#888",
                      annotation_text=t("payments.terms_line", lang, d=number(terms_days, lang)), annotation_position="bottom right")
    fig.update_layout(yaxis=dict(title=t("payments.axis_days", lang), rangemode="tozero"),
                      xaxis=dict(type="category", tickangle=-45), margin=dict(t=60))
    _legend_below(fig, 130)
    return fig


def reasons_figure(short: pd.DataFrame, lang: str, market: str, months: int) -> go.Figure:
    """Short-paid amounts by reason code over the period, with counts."""
    data = short[(short["amount"] > 0) | (short["disputed_open"] > 0)].sort_values("amount")
    fig = theme.figure(t("payments.chart_reasons_title", lang, market=market, months=months), height=360)
    labels = [t(f"payments.reason_{c}", lang) for c in data.index]
    fig.add_bar(y=labels, x=data["amount"], orientation="h", name=t("payments.short_paid", lang),
                marker_color=theme.COLORWAY[3], text=[f"n={n}" for n in data["count"]], textposition="auto")
    fig.add_bar(y=labels, x=data["disputed_open"], orientation="h", name=t("payments.disputed_open", lang),
                marker_color=theme.COLORWAY[5])
    fig.update_layout(barmode="group", xaxis_title=t("payments.axis_usd", lang), yaxis=dict(automargin=True),
                      margin=dict(l=10, t=60))
    _legend_below(fig, 100)
    return fig
