"""The chapter's figures (plotly, on the workbook theme)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import fmt, rates, theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import t

from .data import Inputs
from .model import Analysis
from .present import _millions, _rate, pair_label, strategy_label


def history_figure(inp: Inputs, lang: str, *, years: int, window: int) -> go.Figure:
    """The pair's history (or the proxy pair's, labelled as such) with its rolling realised volatility and
    the scenario's volatility for reference."""
    if inp.history is None:
        raise InputError(f"history: no history for {inp.home}/{inp.invoice} and no fx.history_proxy; "
                         f"put a CSV at {rates.user_history_file(inp.home, inp.invoice)} (columns date,rate)")
    series = inp.history
    dom, fgn = str(series.name).split("/")
    realised = rates.rolling_volatility(series, window)
    start = series.index[-1] - pd.DateOffset(years=years)
    series, realised = series[series.index >= start], realised[realised.index >= start]
    label = pair_label(dom, fgn, lang)
    title = t("fx.history_title", lang, pair=label)
    lines = [t("fx.history_proxy_note", lang, home=fmt.currency_name(inp.home, lang))] if inp.history_is_proxy else []
    lines.append(t("fx.history_source", lang, source=inp.history.attrs.get("source", ""),
                   end=series.index[-1].date().isoformat()))
    subtitle = "<br>".join(f"<sup>{line}</sup>" for line in lines)
    fig = theme.figure(f"{title}<br>{subtitle}", height=540, margin=dict(l=70, r=20, t=70 + 22 * len(lines), b=50))
    fig.set_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4])
    fig.add_scatter(x=series.index, y=series.values, mode="lines", name=label, line=dict(width=1.2),
                    row=1, col=1)
    fig.add_scatter(x=realised.index, y=realised.values * 100, mode="lines",
                    name=t("fx.realised_vol", lang, days=window), line=dict(width=1.2, color=theme.COLORWAY[1]),
                    row=2, col=1)
    scen_label = t("fx.scenario_vol", lang, pair=pair_label(inp.home, inp.invoice, lang), vol=fmt.percent(inp.vol, lang, 1))
    fig.add_scatter(x=[realised.index[0], realised.index[-1]], y=[inp.vol * 100] * 2, mode="lines",
                    name=scen_label, line=dict(dash="dash", color=theme.COLORWAY[3]), row=2, col=1)
    fig.update_yaxes(title_text=label, row=1, col=1)
    fig.update_yaxes(title_text=t("fx.axis_vol", lang), row=2, col=1, rangemode="tozero")
    fig.update_layout(legend=dict(y=-0.12, yanchor="top"))
    return fig


def fan_figure(a: Analysis, lang: str) -> go.Figure:
    """Percentile bands of the simulated rate at each settlement date, with the forward curve and budget."""
    inp = a.inputs
    x = [inp.as_of, *inp.dates[:a.months]]
    q = np.quantile(a.paths, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    q = np.concatenate([np.full((5, 1), inp.spot), q], axis=1)
    pair = pair_label(inp.home, inp.invoice, lang)
    fig = theme.figure(t("fx.fan_title", lang, pair=pair, method=_method_label(a, lang)))
    band = theme.COLORWAY[0]
    around = x + x[::-1]  # each band is one closed polygon: upper edge out, lower edge back
    fig.add_scatter(x=around, y=np.r_[q[4], q[0][::-1]], mode="lines", line=dict(width=0), fill="toself",
                    fillcolor="rgba(0,114,178,0.15)", name=t("fx.band_90", lang), hoverinfo="skip")
    fig.add_scatter(x=around, y=np.r_[q[3], q[1][::-1]], mode="lines", line=dict(width=0), fill="toself",
                    fillcolor="rgba(0,114,178,0.30)", name=t("fx.band_50", lang), hoverinfo="skip")
    fig.add_scatter(x=x, y=q[2], mode="lines", line=dict(color=band, width=2), name=t("fx.median", lang))
    fig.add_scatter(x=x, y=np.r_[inp.spot, a.forwards], mode="lines+markers", marker=dict(size=4),
                    line=dict(color=theme.COLORWAY[1], dash="dot"), name=t("fx.forward_curve", lang))
    fig.add_scatter(x=[x[0], x[-1]], y=[inp.budget] * 2, mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.budget_rate", lang))
    fig.update_layout(yaxis_title=pair, xaxis_title=t("fx.axis_settlement", lang), height=460,
                      legend=dict(y=-0.2, yanchor="top"), margin=dict(b=110))
    return fig


def _method_label(a: Analysis, lang: str) -> str:
    if a.method == "gbm":
        return t("fx.method_gbm", lang)
    return t("fx.method_bootstrap_of", lang, source=a.bootstrap_source or "")


def distribution_figure(a: Analysis, lang: str) -> go.Figure:
    """Total home-currency receipts per strategy: box = 25th-75th percentile, whiskers 5th-95th."""
    s = a.summary
    unit = 1e6
    labels = [strategy_label(n, a.policy, lang) for n in s.index]
    fig = theme.figure(t("fx.dist_title", lang, months=a.months), height=430, margin=dict(l=10, r=20, t=60, b=50))
    fig.add_trace(go.Box(y=labels, q1=s["p25"] / unit, median=s["p50"] / unit, q3=s["p75"] / unit,
                         lowerfence=s["p5"] / unit, upperfence=s["p95"] / unit, orientation="h",
                         name=t("fx.box_legend", lang), marker_color=theme.COLORWAY[0], fillcolor="rgba(0,114,178,0.25)"))
    fig.add_scatter(x=s["mean"] / unit, y=labels, mode="markers", marker=dict(symbol="diamond", size=7,
                    color=theme.COLORWAY[1]), name=t("fx.mean", lang))
    budget_line = dict(type="line", xref="x", yref="paper", x0=a.budget_total / unit, x1=a.budget_total / unit,
                       y0=0, y1=1, line=dict(color=theme.COLORWAY[3], dash="dash"))
    fig.add_scatter(x=[None], y=[None], mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.budget_receipts", lang))
    fig.update_layout(xaxis_title=_millions(lang, a.inputs.home), yaxis=dict(autorange="reversed", automargin=True),
                      legend=dict(y=-0.16, yanchor="top"), height=470, margin=dict(b=110), shapes=[budget_line])
    return fig


def cfar_cost_figure(a: Analysis, lang: str) -> go.Figure:
    """CFaR (95 % and the chosen level) next to the expected cost of hedging, per strategy (two panels
    sharing the strategy axis; laid out by axis domains, which is much faster to update than subplots)."""
    s = a.summary
    unit = 1e6
    labels = [strategy_label(n, a.policy, lang) for n in s.index]
    fig = theme.figure(t("fx.cfar_title", lang), height=430, margin=dict(l=10, r=20, t=60, b=50))
    # every bar labelled with its value: a CFaR of 0.0 (a full hedge) is a bar of no length, not missing data
    def labels_of(values: pd.Series) -> list[str]:
        return [fmt.number(v, lang, 1) for v in values / unit]

    fig.add_bar(y=labels, x=s["cfar95"] / unit, orientation="h", name=t("fx.cfar_at", lang, level="95%"),
                marker_color=theme.COLORWAY[0], text=labels_of(s["cfar95"]), textposition="outside", cliponaxis=False)
    fig.add_bar(y=labels, x=s["cfar_level"] / unit, orientation="h",
                name=t("fx.cfar_at", lang, level=fmt.percent(a.level, lang, 0)), marker_color=theme.COLORWAY[4],
                text=labels_of(s["cfar_level"]), textposition="outside", cliponaxis=False)
    tol = a.tolerance * a.budget_total / unit
    fig.add_scatter(x=[tol, tol], y=[labels[0], labels[-1]], mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.tolerance", lang, tol=fmt.percent(a.tolerance, lang, 0)))
    fig.add_bar(y=labels, x=s["cost"] / unit, orientation="h", name=t("fx.expected_cost", lang),
                marker_color=theme.COLORWAY[1], xaxis="x2", yaxis="y", text=labels_of(s["cost"]),
                textposition="outside", cliponaxis=False)
    fig.update_layout(
        barmode="group", legend=dict(y=-0.16, yanchor="top"),
        yaxis=dict(autorange="reversed", automargin=True),
        xaxis=dict(domain=[0, 0.6], title_text=t("fx.axis_cfar", lang, unit=_millions(lang, a.inputs.home))),
        xaxis2=dict(domain=[0.64, 1], anchor="y", title_text=t("fx.axis_cost", lang, unit=_millions(lang, a.inputs.home))))
    return fig


def payoff_figure(a: Analysis, lang: str) -> go.Figure:
    """Home currency received per 1 unit of invoice currency at the horizon's last settlement, fully covered."""
    inp = a.inputs
    m = a.months - 1
    fwd, t_m = a.forwards[m], inp.years[m]
    spread = a.vol * np.sqrt(t_m)
    x = np.linspace(fwd * np.exp(-3 * spread), fwd * np.exp(3 * spread), 121)
    dealt = fwd * (1 - a.policy.forward_margin)
    k_put, paid = a.strikes["put"][m], a.strikes["put_premium"][m] * np.exp(inp.r_domestic * t_m)
    k_floor, k_cap = a.strikes["floor"][m], a.strikes["cap"][m]
    pair = pair_label(inp.home, inp.invoice, lang)
    when = inp.dates[m].isoformat()
    fig = theme.figure(t("fx.payoff_title", lang, date=when))
    fig.add_scatter(x=x, y=x, mode="lines", name=t("fx.s_unhedged", lang), line=dict(color=theme.COLORWAY[7], width=1))
    fig.add_scatter(x=x, y=np.full_like(x, dealt), mode="lines", name=t("fx.p_forward", lang, rate=_rate(dealt, lang)),
                    line=dict(color=theme.COLORWAY[0]))
    fig.add_scatter(x=x, y=np.maximum(x, k_put) - paid, mode="lines",
                    name=t("fx.p_put", lang, k=_rate(k_put, lang), prem=_rate(paid, lang)), line=dict(color=theme.COLORWAY[2]))
    if np.isfinite(k_cap):
        fig.add_scatter(x=x, y=np.clip(x, k_floor, k_cap), mode="lines",
                        name=t("fx.p_collar", lang, lo=_rate(k_floor, lang), hi=_rate(k_cap, lang)),
                        line=dict(color=theme.COLORWAY[3]))
    fig.add_scatter(x=[x[0], x[-1]], y=[inp.budget] * 2, mode="lines", name=t("fx.budget_rate", lang),
                    line=dict(color=theme.COLORWAY[5], dash="dot"))
    fig.update_layout(xaxis_title=t("fx.axis_rate_at", lang, pair=pair),
                      yaxis_title=t("fx.axis_received", lang, home=fmt.currency_name(inp.home, lang), fgn=fmt.currency_name(inp.invoice, lang)),
                      legend=dict(y=-0.18, yanchor="top"), margin=dict(b=120), height=460)
    return fig


def cover_figure(curve: pd.DataFrame, lang: str, found: float | None = None) -> go.Figure:
    """95 % CFaR (share of budget receipts) against the cover ratio, from :func:`cover_curve`, with the
    tolerance and, if given, the smallest ratio that meets it."""
    name = t(f"fx.sn_{curve.attrs['strategy']}", lang)
    tol = curve.attrs["tolerance"]
    fig = theme.figure(t("fx.cover_title", lang, strategy=name), height=400)
    fig.add_scatter(x=curve["cover"] * 100, y=curve["cfar95_share"] * 100, mode="lines+markers",
                    marker=dict(size=5), name=t("fx.cfar_at", lang, level="95%"), line=dict(color=theme.COLORWAY[0]))
    fig.add_scatter(x=[0, 100], y=[tol * 100] * 2, mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.tolerance", lang, tol=fmt.percent(tol, lang, 0)))
    if found is not None:
        fig.add_scatter(x=[found * 100], y=[tol * 100], mode="markers",
                        marker=dict(symbol="diamond", size=11, color=theme.COLORWAY[1]),
                        name=t("fx.cover_found", lang, ratio=fmt.percent(found, lang, 1)))
    fig.update_layout(xaxis_title=t("fx.axis_cover", lang), yaxis_title=t("fx.axis_cfar_share", lang),
                      legend=dict(y=-0.2, yanchor="top"), margin=dict(b=110), height=440)
    return fig
