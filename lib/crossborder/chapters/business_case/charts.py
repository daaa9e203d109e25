"""Figures of the business case: cash and P&L fans, the NPV distribution, the tornado, the ranking, the scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.i18n import t

from .disciplines import scores
from .model import bands
from .present import Case, driver_label


def _fan(fig: go.Figure, x: np.ndarray, q: np.ndarray, lang: str) -> None:
    fig.add_trace(go.Scatter(x=x, y=q[2], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=q[0], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(31,119,180,0.2)", name=t("business_case.band_range", lang)))
    fig.add_trace(go.Scatter(x=x, y=q[1], mode="lines", name=t("business_case.band_p50", lang)))


def cash_figure(c: Case, lang: str) -> go.Figure:
    fig = theme.figure(t("business_case.chart_cash", lang, home=c.home))
    x = np.arange(1, c.inputs.months + 1)
    _fan(fig, x, bands(c.result.cum_cash), lang)
    fig.add_trace(go.Scatter(x=[x[0], x[-1]], y=[-c.budget, -c.budget], mode="lines", line={"dash": "dash"},
                             name=t("business_case.budget_line", lang)))
    fig.update_xaxes(title_text=t("business_case.axis_month", lang))
    return fig


def pnl_figure(c: Case, lang: str) -> go.Figure:
    fig = theme.figure(t("business_case.chart_pnl", lang, home=c.home))
    _fan(fig, np.arange(1, c.inputs.months + 1), bands(c.result.ebit), lang)
    fig.update_xaxes(title_text=t("business_case.axis_month", lang))
    return fig


def npv_figure(c: Case, lang: str) -> go.Figure:
    fig = theme.figure(t("business_case.chart_npv", lang, home=c.home))
    fig.add_trace(go.Histogram(x=c.result.npv, nbinsx=50, showlegend=False))
    fig.add_vline(x=0, line_dash="dash")
    return fig


def tornado_figure(c: Case, lang: str, rk: pd.DataFrame | None = None) -> go.Figure:
    rk = (c.ranking() if rk is None else rk).sort_values("swing")
    labels = [f"{driver_label(k, lang)} ({t('business_case.chapter_ref', lang, n=ch)})" for k, ch in zip(rk.index, rk["chapter"])]
    base = float(np.nanmedian(np.r_[rk["low"], rk["high"]])) if len(rk) else 0.0
    fig = theme.figure(t("business_case.chart_tornado", lang, home=c.home))
    fig.add_trace(go.Bar(y=labels, x=rk["low"] - base, base=base, orientation="h", name=t("business_case.low_label", lang)))
    fig.add_trace(go.Bar(y=labels, x=rk["high"] - base, base=base, orientation="h", name=t("business_case.high_label", lang)))
    fig.update_layout(barmode="overlay")
    return fig


def ranking_figure(c: Case, lang: str, rk: pd.DataFrame | None = None) -> go.Figure:
    rk = (c.ranking() if rk is None else rk).iloc[::-1]
    fig = theme.figure(t("business_case.chart_ranking", lang))
    fig.add_trace(go.Bar(y=[driver_label(k, lang) for k in rk.index], x=rk["rho"], orientation="h", showlegend=False))
    return fig


def scores_figure(c: Case, lang: str) -> go.Figure:
    sc = scores(c.ctx.evidence)
    fig = theme.figure(t("business_case.chart_scores", lang))
    fig.add_trace(go.Bar(x=[t(f"business_case.score_{s.key}", lang) for s in sc], y=[s.score for s in sc], showlegend=False))
    fig.update_yaxes(range=[0, 100])
    return fig
