"""The market chapter's figures: ranking with contributions, radar, rank acceptability, tornado, pilot funnel.

Every figure is ``theme.figure``'s layout, assembled from plain dicts (see ``_figure``).
"""

from __future__ import annotations

import copy
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.i18n import t

from .data import Data
from .model import Analysis
from .present import _label, _market_name, _names
from .section import STAGES


@lru_cache(maxsize=32)
def _skeleton(height: int) -> dict:
    return theme.figure("", height=height).to_plotly_json()["layout"]


def _merge(base: dict, over: dict) -> dict:
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v
    return base


def _figure(title: str, height: int, traces: list[dict], layout: dict) -> go.Figure:
    """``theme.figure(title, height=height)`` with ``traces`` and ``layout`` added, built fast.

    Building the workbook template into a new figure costs about 16 ms (plotly validates the whole template
    each time), and validating trace by trace another 10 ms a chart; a panel redraws four charts per slider
    move. So the layout ``theme.figure`` produces is validated once per height and reused, the title set as
    ``theme.figure`` sets it, and the figure is assembled from plain dicts without re-validation (the
    tests check the result against ``theme.figure`` and plotly's validator).
    """
    base = copy.deepcopy(_skeleton(int(height)))
    base["title"] = {**base.get("title", {}), "text": title}
    return go.Figure({"data": traces, "layout": _merge(base, layout)}, _validate=False)


def _colour(j: int) -> str:
    palette = theme.COLORWAY + theme.SEQUENTIAL[1:][::-1]
    return palette[j % len(palette)]


def ranking_figure(a: Analysis, data: Data, lang: str, top: int | None = None) -> go.Figure:
    """Horizontal bars: each market's score, one stacked segment per criterion's contribution."""
    order = a.table.index[: top or len(a.table)]
    names = _names(order, lang)
    method = t(f"markets.method_{a.settings.method}", lang)
    height = max(420, 24 * len(order) + 230)
    parts = a.contributions.loc[order]
    traces = [{"type": "bar", "orientation": "h", "y": names, "x": parts[c].to_numpy(), "name": _label(data, c, lang),
               "marker": {"color": _colour(j)},
               "hovertemplate": "%{y}: %{x:.3f}<extra>" + _label(data, c, lang) + "</extra>"}
              for j, c in enumerate(parts.columns)]
    layout = {"barmode": "stack", "yaxis": {"autorange": "reversed", "automargin": True},
              "xaxis": {"title": {"text": t(f"markets.axis_score_{a.settings.method}", lang)}},
              "legend": {"orientation": "h", "yanchor": "top", "y": -60 / (height - 230), "x": 0,
                         "font": {"size": 10}, "traceorder": "normal"},
              "margin": {"l": 10, "r": 20, "t": 60, "b": 170}}
    return _figure(t("markets.chart_ranking_title", lang, method=method), height, traces, layout)


def radar_figure(a: Analysis, data: Data, lang: str, top: int = 5) -> go.Figure:
    """Radar of the top markets: each criterion's position from worst (0) to best (1) among the candidates."""
    order = a.table.index[:top]
    labels = [_label(data, c, lang) for c in a.position.columns]
    pos = a.position.loc[order].to_numpy()
    traces = [{"type": "scatterpolar", "r": np.append(pos[k], pos[k][0]), "theta": labels + labels[:1],
               "name": _market_name(code, lang), "mode": "lines", "fill": "toself", "opacity": 0.55,
               "line": {"color": _colour(k)}}
              for k, code in enumerate(order)]
    layout = {"polar": {"radialaxis": {"range": [0, 1], "tickvals": [0, 0.5, 1], "tickfont": {"size": 9}},
                        "angularaxis": {"tickfont": {"size": 10}}},
              "legend": {"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
              "margin": {"l": 90, "r": 90, "t": 70, "b": 90}}
    return _figure(t("markets.chart_radar_title", lang, n=len(order)), 500, traces, layout)


def acceptability_figure(a: Analysis, lang: str, max_rank: int = 10) -> go.Figure:
    """Heat map: share of weight draws in which each market (rows, by current rank) takes each rank."""
    order = a.table.index
    ranks = a.acceptability.ranks
    k = min(max_rank, len(order))
    Z = ranks.loc[order].to_numpy()[:, :k]
    text = np.where(Z >= 0.005, np.char.mod("%.0f%%", Z * 100), "")
    mode = t(f"markets.smaa_{a.acceptability.mode}", lang, k=a.acceptability.concentration)
    traces = [{"type": "heatmap", "z": Z, "x": [str(c) for c in ranks.columns[:k]], "y": _names(order, lang),
               "colorscale": [[i / (len(theme.SEQUENTIAL) - 1), c] for i, c in enumerate(theme.SEQUENTIAL)],
               "zmin": 0, "zmax": 1, "text": text, "texttemplate": "%{text}", "textfont": {"size": 9},
               "colorbar": {"title": {"text": t("markets.axis_share", lang)}, "tickformat": ".0%", "len": 0.8},
               "hovertemplate": "%{y} · #%{x}: %{z:.1%}<extra></extra>"}]
    layout = {"xaxis": {"title": {"text": t("markets.axis_rank", lang)}, "side": "bottom", "type": "category"},
              "yaxis": {"autorange": "reversed", "automargin": True}, "margin": {"l": 10, "r": 20, "t": 60, "b": 50}}
    title = t("markets.chart_acceptability_title", lang, n=a.acceptability.samples, mode=mode)
    return _figure(title, max(400, 22 * len(order) + 150), traces, layout)


def tornado_figure(a: Analysis, data: Data, lang: str) -> go.Figure:
    """For each criterion, the weight range in which the current leader stays first (narrowest on top)."""
    s = a.sensitivity.sort_values("margin", kind="stable")
    labels = [_label(data, c, lang) for c in s.index]
    lo, hi = s["low"].to_numpy(), s["high"].to_numpy()
    traces = [{"type": "bar", "orientation": "h", "y": labels, "x": hi - lo, "base": lo,
               "marker": {"color": theme.SEQUENTIAL[2]}, "name": t("markets.legend_stays_first", lang),
               "customdata": np.stack([lo, hi], axis=1),
               "hovertemplate": "%{y}: %{customdata[0]:.2f} – %{customdata[1]:.2f}<extra></extra>"},
              {"type": "scatter", "y": labels, "x": s["weight"].to_numpy(), "mode": "markers",
               "name": t("markets.legend_current_weight", lang),
               "marker": {"color": theme.COLORWAY[3], "size": 12, "symbol": "line-ns-open", "line": {"width": 3}}}]
    layout = {"xaxis": {"title": {"text": t("markets.axis_weight", lang)}, "range": [0, 1], "tickformat": ".0%"},
              "yaxis": {"autorange": "reversed", "automargin": True}, "margin": {"l": 10, "r": 20, "t": 70, "b": 50}}
    title = t("markets.chart_tornado_title", lang, leader=_market_name(s.attrs["leader"], lang))
    return _figure(title, max(380, 30 * len(s) + 150), traces, layout)


def funnel_figure(results: pd.DataFrame, lang: str) -> go.Figure:
    """The pilot funnel per market: buyers at each stage (log scale keeps the small stages readable)."""
    stages = [t(f"markets.stage_{s}", lang) for s in STAGES]
    traces = []
    for k, code in enumerate(results.index):
        counts = results.loc[code, STAGES].to_numpy(dtype=float)
        traces.append({"type": "scatter", "x": stages, "y": np.where(counts > 0, counts, np.nan),
                       "mode": "lines+markers+text", "name": _market_name(code, lang),
                       "text": [f"{c:.0f}" for c in counts], "textposition": "top center", "textfont": {"size": 9},
                       "line": {"color": _colour(k)}})
    layout = {"yaxis": {"type": "log", "title": {"text": t("markets.axis_buyers", lang)},
                        "tickvals": [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]},
              "xaxis": {"tickangle": -20},
              "legend": {"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0},
              "margin": {"l": 60, "r": 20, "t": 60, "b": 140}}
    return _figure(t("markets.chart_funnel_title", lang), 500, traces, layout)
