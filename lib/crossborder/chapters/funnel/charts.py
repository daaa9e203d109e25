"""Figures of the funnel chapter (plotly, on ``core.theme``): the funnel, conversions, velocity, lead scores,
calibration and ROC, LTV / CAC, retention by tier, the KPI board and every market's conversions and KPIs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import stats, theme
from crossborder.core.fmt import money, number, percent, percent_setting
from crossborder.core.i18n import country_name, t
from crossborder.scenario import Scenario

from .data import LAYERS, Data
from .model_dashboard import Dashboard, markets_board
from .model_funnel import SALES_STAGES, VELOCITY, WEB_STAGES, Selection, conversions, stage_counts, velocity, window
from .model_kpis import STATUSES, rag
from .model_leads import BANDS, auc, band, calibration, roc_curve, scored_leads
from .present import _series_labels, _transition, channel_label, kpi_name, kpi_text, stage_label
from .section import Scoring

STATUS_COLOURS = {"green": theme.RAG["green"], "amber": theme.RAG["amber"], "red": theme.RAG["red"], "grey": theme.RAG["grey"]}
# lighter tints of the same colours for cells that carry dark text
STATUS_TINTS = {"green": "#A8D5B5", "amber": "#F5D77A", "red": "#EDA79F", "grey": "#D5D5D5"}


def funnel_figure(db: Dashboard, lang: str) -> go.Figure:
    """The website funnel and the sales stages for the selection, as bars on a log scale."""
    fig = theme.figure(t("funnel.chart_funnel_title", lang, market=country_name(db.code, lang),
                         channel=(t("funnel.all_channels", lang) if db.sel.channel == "all"
                                  else channel_label(db.sel.channel, lang)),
                         period=db.sel.window.label()), height=520)
    domains = {"web": [0.56, 1.0], "sales": [0.0, 0.44]}
    for k, (chain, stages) in enumerate((("web", WEB_STAGES), ("sales", SALES_STAGES))):
        values = np.array([float(db.total[s]) for s in stages])
        prev = np.r_[np.nan, values[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = values / prev
        text = [number(v, lang) if i == 0 else f"{number(v, lang)} · {percent(s, lang, 1)}"
                for i, (v, s) in enumerate(zip(values, share))]
        suffix = "" if k == 0 else "2"
        fig.add_bar(y=[stage_label(s, lang) for s in stages], x=np.where(values > 0, values, np.nan), orientation="h",
                    text=text, textposition="outside", cliponaxis=False, name=t(f"funnel.chain_{chain}", lang),
                    marker_color=theme.COLORWAY[0] if k == 0 else theme.COLORWAY[2], xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                    hovertemplate="%{y}: %{x:,.0f}<extra></extra>")
    top = max(float(db.total["visitors"]), float(db.total["mqls"]), 10.0)
    xr = [-0.1, math.log10(top) + 0.9]
    fig.update_layout(
        xaxis=dict(type="log", range=xr, domain=[0, 1], anchor="y", showticklabels=False),
        yaxis=dict(domain=domains["web"], autorange="reversed", automargin=True, anchor="x",
                   title_text=t("funnel.chain_web", lang)),
        xaxis2=dict(type="log", range=xr, domain=[0, 1], anchor="y2",
                    title_text=t("funnel.axis_count_log", lang, months=db.sel.window.months)),
        yaxis2=dict(domain=domains["sales"], autorange="reversed", automargin=True, anchor="x2",
                    title_text=t("funnel.chain_sales", lang)),
        showlegend=False, margin=dict(l=10, r=30, t=60, b=50),
    )
    return fig


def conversion_figure(db: Dashboard, lang: str) -> go.Figure:
    """Stage conversion per channel and for all channels, with Wilson intervals, both chains."""
    # the selected channel(s) and, as the reference, every channel of the market together
    everything = db.total.to_frame("all").T if db.sel.channel == "all" else stage_counts(db.data, replace(db.sel, channel="all"))
    counts = pd.concat([db.counts, everything])
    conv = conversions(counts, db.section.confidence)
    title = t("funnel.chart_conversion_title", lang, p=percent_setting(db.section.confidence, lang))
    fig = theme.figure(title, height=560)
    domains = {"web": [0.58, 1.0], "sales": [0.0, 0.40]}
    labels = _series_labels(counts.index, lang)
    for j, (group, label) in enumerate(zip(counts.index, labels)):
        colour = "#111111" if group == "all" else theme.COLORWAY[j % len(theme.COLORWAY)]
        for k, chain in enumerate(("web", "sales")):
            c = conv[(conv["chain"] == chain) & (conv.index == group)]
            suffix = "" if k == 0 else "2"
            fig.add_scatter(
                x=[_transition(a, b, lang, br=True) for a, b in zip(c["from_stage"], c["to_stage"])], y=100 * c["rate"],
                error_y=dict(type="data", symmetric=False, array=100 * (c["high"] - c["rate"]),
                             arrayminus=100 * (c["rate"] - c["low"]), thickness=1.2, width=3),
                mode="markers", name=label, legendgroup=str(group), showlegend=k == 0,
                marker=dict(color=colour, size=9 if group == "all" else 7, symbol="diamond" if group == "all" else "circle"),
                customdata=np.c_[c["converted"], c["entered"]], xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                hovertemplate=f"{label}: %{{y:.1f}}% (%{{customdata[0]:,.0f}} / %{{customdata[1]:,.0f}})<extra></extra>")
    fig.update_layout(
        scattermode="group",
        xaxis=dict(domain=[0, 1], anchor="y", tickfont=dict(size=10), tickangle=0),
        yaxis=dict(domain=domains["web"], anchor="x", range=[0, 100], title_text=t("funnel.axis_rate_web", lang)),
        xaxis2=dict(domain=[0, 1], anchor="y2", tickfont=dict(size=10), tickangle=0),
        yaxis2=dict(domain=domains["sales"], anchor="x2", range=[0, 100], title_text=t("funnel.axis_rate_sales", lang)),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10)), margin=dict(t=100, b=40),
    )
    return fig


def velocity_figure(db: Dashboard, lang: str) -> go.Figure:
    """Mean days in each sales stage per channel, stacked: where deals wait."""
    counts = pd.concat([db.counts, db.total.to_frame("all").T])
    v = velocity(counts)
    labels = _series_labels(v.index, lang)
    fig = theme.figure(t("funnel.chart_velocity_title", lang), height=340)
    for k, (a, b, _) in enumerate(VELOCITY):
        col = f"{a}_{b}"
        fig.add_bar(y=labels, x=v[col], orientation="h", name=_transition(a, b, lang),
                    marker_color=theme.COLORWAY[k], hovertemplate="%{y}: %{x:.0f}<extra></extra>")
    fig.update_layout(barmode="stack", xaxis_title=t("funnel.axis_days", lang),
                      yaxis=dict(autorange="reversed", automargin=True),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10), traceorder="normal"),
                      margin=dict(l=10, t=90))
    return fig


def score_figure(db: Dashboard, lang: str, scoring: Scoring | None = None, width: float = 5.0) -> go.Figure:
    """How the selection's leads spread over the rule score, coloured by band, with the thresholds."""
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s)
    top = max(s.max_score(), float(leads["score"].max()) if len(leads) else 0.0)
    edges = np.arange(0.0, top + width, width)
    fig = theme.figure(t("funnel.chart_scores_title", lang, n=len(leads)), height=380)
    colours = {"below": theme.RAG["grey"], "mql": theme.COLORWAY[1], "sql": theme.COLORWAY[0]}
    bands = band(leads["score"], s.mql_threshold, s.sql_threshold) if len(leads) else np.array([], dtype=object)
    for b in BANDS:
        x = leads["score"].to_numpy()[bands == b]
        counts, _ = np.histogram(x, bins=edges)
        fig.add_bar(x=edges[:-1] + width / 2, y=counts, width=width * 0.95, name=t(f"funnel.band_{b}", lang, n=len(x)),
                    marker_color=colours[b], hovertemplate="%{x}: %{y}<extra></extra>")
    for thr, key in ((s.mql_threshold, "mql"), (s.sql_threshold, "sql")):
        fig.add_vline(x=thr, line=dict(color="#333", dash="dash", width=1.2),
                      annotation=dict(text=t(f"funnel.threshold_{key}", lang, x=f"{thr:g}"), font_size=10),
                      annotation_position="top")
    fig.update_layout(barmode="stack", xaxis_title=t("funnel.axis_score", lang), yaxis_title=t("funnel.axis_leads", lang),
                      legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0, traceorder="normal"), margin=dict(t=100))
    return fig


def calibration_figure(db: Dashboard, lang: str) -> go.Figure:
    """Observed quote rate against the model's out-of-fold probability: all markets and the selection."""
    m = db.model
    bins = db.section.model.bins
    conf = db.section.confidence
    fig = theme.figure(t("funnel.chart_calibration_title", lang), height=420)
    fig.add_scatter(x=[0, 100], y=[0, 100], mode="lines", line=dict(color="#999", dash="dot"),
                    name=t("funnel.perfect_calibration", lang), hoverinfo="skip")
    y_all = m.positive[m.oof.index].to_numpy(float)
    leads = scored_leads(db.data, db.sel, db.section.scoring, m)
    res = leads[leads["resolved"]]
    series = [(t("funnel.all_markets_leads", lang, n=len(y_all)), m.oof.to_numpy(), y_all, bins, theme.COLORWAY[0])]
    if len(res):
        series.append((t("funnel.selection_leads", lang, market=country_name(db.code, lang), n=len(res)),
                       res["p_oof"].to_numpy(), res["positive"].to_numpy(float), max(2, bins // 2), theme.COLORWAY[3]))
    for name, p, y, nb, colour in series:
        cal = calibration(p, y, nb, conf)
        fig.add_scatter(x=100 * cal["predicted"], y=100 * cal["observed"], mode="markers+lines", name=name,
                        line=dict(color=colour, width=1), marker=dict(color=colour, size=8),
                        error_y=dict(type="data", symmetric=False, array=100 * (cal["high"] - cal["observed"]),
                                     arrayminus=100 * (cal["observed"] - cal["low"]), thickness=1, width=3),
                        customdata=cal["n"], hovertemplate="%{x:.0f}% → %{y:.0f}% (n = %{customdata})<extra></extra>")
    fig.update_layout(xaxis=dict(title_text=t("funnel.axis_predicted", lang), range=[0, 100]),
                      yaxis=dict(title_text=t("funnel.axis_observed", lang), range=[0, 100]),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10)), margin=dict(t=90))
    return fig


def roc_figure(db: Dashboard, lang: str, scoring: Scoring | None = None) -> go.Figure:
    """ROC curves of the rule score and the logistic model (out of fold) on the selection's resolved leads."""
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s, db.model)
    res = leads[leads["resolved"]]
    y = res["positive"].to_numpy()
    fig = theme.figure(t("funnel.chart_roc_title", lang, n=len(res)), height=420)
    fig.add_scatter(x=[0, 100], y=[0, 100], mode="lines", line=dict(color="#999", dash="dot"),
                    name=t("funnel.chance", lang), hoverinfo="skip")
    for key, score, colour in (("rule_score", res["score"], theme.COLORWAY[1]), ("model_score", res["p_oof"], theme.COLORWAY[0])):
        fpr, tpr = roc_curve(score, y) if len(res) else (np.array([0.0]), np.array([0.0]))
        fig.add_scatter(x=100 * fpr, y=100 * tpr, mode="lines", line=dict(color=colour, width=2.5, shape="hv"),
                        name=t("funnel.roc_legend", lang, name=t(f"funnel.{key}", lang),
                               auc=number(auc(score, y), lang, 2)))
    fig.update_layout(xaxis=dict(title_text=t("funnel.axis_fpr", lang), range=[0, 100]),
                      yaxis=dict(title_text=t("funnel.axis_tpr", lang), range=[0, 100]),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), margin=dict(t=90))
    return fig


def ltv_cac_figure(db: Dashboard, lang: str) -> go.Figure:
    """LTV / CAC per channel and for all channels, against the target; channels that won nobody say so."""
    e = db.economics
    target = db.section.targets.get("ltv_to_cac", float("nan"))
    labels = _series_labels(e.index, lang)
    ratio = e["ltv_to_cac"].to_numpy(float)
    colours = [STATUS_COLOURS[s] for s in rag(ratio, target, "higher", db.section.amber_band)]
    text = [kpi_text(r, "ratio", lang) if math.isfinite(r) else t("funnel.no_customer", lang) for r in ratio]
    fig = theme.figure(t("funnel.chart_ltv_cac_title", lang), height=380)
    fig.add_bar(x=labels, y=np.where(np.isfinite(ratio), ratio, 0.0), marker_color=colours, text=text,
                textposition="outside", cliponaxis=False, name=t("funnel.col_ltv_cac", lang),
                customdata=np.c_[[money(x, db.currency, lang) for x in e["cac"]],
                                 [money(x, db.currency, lang) for x in e["ltv"]]],
                hovertemplate="%{x}: %{text}<br>CAC %{customdata[0]} · LTV %{customdata[1]}<extra></extra>")
    if math.isfinite(target):
        fig.add_hline(y=target, line=dict(color="#333", dash="dash"),
                      annotation=dict(text=t("funnel.target_line", lang, x=kpi_text(target, "ratio", lang)),
                                      font_size=10),
                      annotation_position="top right")
    top = np.nanmax(np.r_[ratio[np.isfinite(ratio)], target, 1.0])
    fig.update_layout(yaxis=dict(title_text=t("funnel.axis_ltv_cac", lang), range=[0, top * 1.18]),
                      xaxis=dict(tickfont=dict(size=10)), showlegend=False)
    return fig


def retention_figure(db: Dashboard, lang: str) -> go.Figure:
    """Revenue and gross margin by tier (12 months) beside SLA attainment by tier against its target."""
    tr = db.tiers
    tiers = [t(f"funnel.tier_{x}", lang) for x in tr.index]
    fig = theme.figure(t("funnel.chart_retention_title", lang), height=400)
    fig.add_bar(x=tiers, y=tr["revenue"] / 1e6, name=t("funnel.revenue", lang), marker_color=theme.COLORWAY[0],
                hovertemplate="%{x}: %{y:,.1f} M<extra></extra>")
    fig.add_bar(x=tiers, y=tr["gross_margin"] / 1e6, name=t("funnel.gross_margin", lang), marker_color=theme.COLORWAY[2],
                hovertemplate="%{x}: %{y:,.1f} M<extra></extra>")
    att = tr["attainment"].astype(float)
    fig.add_scatter(x=tiers, y=100 * att, mode="markers", name=t("funnel.sla_attained", lang),
                    marker=dict(color=theme.COLORWAY[3], size=10),
                    error_y=dict(type="data", symmetric=False, array=100 * (tr["high"].astype(float) - att),
                                 arrayminus=100 * (att - tr["low"].astype(float)), thickness=1.2),
                    xaxis="x2", yaxis="y2", hovertemplate="%{x}: %{y:.1f}%<extra></extra>")
    fig.add_scatter(x=tiers, y=100 * tr["sla_target"].astype(float), mode="markers", name=t("funnel.sla_target", lang),
                    marker=dict(symbol="line-ew-open", size=26, color="#111", line=dict(width=2.5)),
                    xaxis="x2", yaxis="y2", hovertemplate="%{x}: %{y:.0f}%<extra></extra>")
    low = float(np.nanmin(np.r_[tr["low"].astype(float).to_numpy(), tr["sla_target"].astype(float).to_numpy()]))
    fig.update_layout(
        barmode="group",
        xaxis=dict(domain=[0, 0.55], anchor="y"),
        yaxis=dict(anchor="x", title_text=t("funnel.axis_money_m", lang, cur=db.currency)),
        xaxis2=dict(domain=[0.68, 1.0], anchor="y2"),
        yaxis2=dict(anchor="x2", title_text=t("funnel.axis_sla", lang), range=[max(0, 100 * low - 5), 100.5]),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10)), margin=dict(t=90),
    )
    return fig


def _arrow(now: float, before: float, flat: float) -> str:
    if not (math.isfinite(now) and math.isfinite(before)):
        return ""
    if before == now or (before != 0 and abs(now - before) / abs(before) < flat):
        return "→"
    return "↑" if now > before else "↓"


def board_figure(db: Dashboard, lang: str) -> go.Figure:
    """The three-layer KPI board: attainment of each KPI against its target (100 % = on target), coloured by
    status, with the value and the direction of change since the previous window."""
    b = db.board
    kpis = db.data.kpis
    sizes = [int((b["layer"] == layer).sum()) for layer in LAYERS]
    gap = 0.05
    usable = 1 - gap * (len(LAYERS) - 1)
    fig = theme.figure(t("funnel.chart_board_title", lang, period=db.sel.window.label()), height=150 + 25 * len(b))
    top = 1.0
    layout: dict[str, Any] = {}
    for k, (layer, n) in enumerate(zip(LAYERS, sizes)):
        rows = b[b["layer"] == layer]
        span = usable * n / max(sum(sizes), 1)
        domain = [max(top - span, 0.0), top]
        top = domain[0] - gap
        suffix = "" if k == 0 else str(k + 1)
        a = rows["attainment"].to_numpy(float)
        shown = np.clip(np.where(np.isfinite(a), a, 0.0), 0, 1.5) * 100
        text = [f"{kpi_text(v, u, lang, db.currency, nv)} {_arrow(v, p, db.section.trend_flat)}".strip()
                for v, u, nv, p in zip(rows["value"], rows["unit"], rows["never"], rows["previous"])]
        names = [kpi_name(kpis, x, lang) for x in rows.index]
        fig.add_bar(y=names, x=shown, orientation="h",
                    marker_color=[STATUS_COLOURS[s] for s in rows["status"]], name=t(f"funnel.layer_{layer}", lang),
                    customdata=np.c_[text, [kpi_text(x, u, lang, db.currency)
                                            for x, u in zip(rows["target"], rows["unit"])]],
                    hovertemplate="%{y}: %{customdata[0]} / %{customdata[1]}<extra></extra>",
                    xaxis=f"x{suffix}", yaxis=f"y{suffix}", showlegend=False)
        fig.add_scatter(y=names, x=[158] * len(names), mode="text", text=text, textposition="middle right",
                        textfont=dict(size=10), hoverinfo="skip", showlegend=False, xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        last = k == len(LAYERS) - 1
        layout[f"xaxis{suffix}"] = dict(domain=[0, 1], anchor=f"y{suffix}", range=[0, 215], showticklabels=last,
                                        ticksuffix="%", tickvals=[0, 50, 90, 100, 150],
                                        title_text=t("funnel.axis_attainment", lang) if last else None)
        layout[f"yaxis{suffix}"] = dict(domain=domain, anchor=f"x{suffix}", autorange="reversed", automargin=True,
                                        tickfont=dict(size=10), title_text=t(f"funnel.layer_{layer}", lang),
                                        title_font=dict(size=11))
    fig.update_layout(**layout, margin=dict(l=10, r=20, t=70, b=50))
    fig.add_annotation(text=t("funnel.board_values", lang), x=158, xref="x", xanchor="left", y=1.0, yref="y domain",
                       yanchor="bottom", showarrow=False, font=dict(size=10, color="#555"))
    for k in range(len(LAYERS)):
        suffix = "" if k == 0 else str(k + 1)
        fig.add_shape(type="line", x0=100, x1=100, y0=0, y1=1, xref=f"x{suffix}", yref=f"y{suffix} domain",
                      line=dict(color="#333", width=1))
    return fig


def markets_conversion_figure(data: Data, as_of: date, months: int, lang: str) -> go.Figure:
    """Every market's stage conversion (all channels) as one heat table: where each market's funnel leaks."""
    w = window(as_of, months)
    counts = stage_counts(data, Selection("all", "all", w), by="market")
    rows = []
    for chain, stages in (("web", WEB_STAGES), ("sales", SALES_STAGES)):
        c = stats.stage_conversions(counts, list(stages))
        rows.append(c.assign(label=[_transition(a, b, lang) for a, b in zip(c["from_stage"], c["to_stage"])]))
    conv = pd.concat(rows)
    labels = list(dict.fromkeys(conv["label"]))
    z = conv.reset_index().pivot_table(index="label", columns="market", values="rate", sort=False).reindex(labels)
    z = z[[m for m in data.markets()]]
    # colour by how each market compares with the median market on the step (log ratio), text the rate
    rel = np.log(z.div(z.median(axis=1), axis=0))
    fig = theme.figure(t("funnel.chart_markets_title", lang, period=w.label()), height=480)
    fig.add_heatmap(z=rel.to_numpy(), x=[country_name(m, lang) for m in z.columns], y=labels,
                    text=[[percent(v, lang, 1) for v in row] for row in z.to_numpy()], texttemplate="%{text}",
                    textfont=dict(size=10, color="#111"), showscale=False, zmid=0, zmin=-1, zmax=1,
                    colorscale=[[0, "#E58A73"], [0.5, "#F7F7F7"], [1, "#6FA8DC"]],
                    hovertemplate="%{y} · %{x}: %{text}<extra></extra>", xgap=1, ygap=1)
    fig.update_layout(yaxis=dict(autorange="reversed", automargin=True, tickfont=dict(size=10)),
                      xaxis=dict(side="top"), margin=dict(l=10, t=90))
    return fig


def markets_board_figure(data: Data, scenarios: Mapping[str, Scenario], as_of: date, lang: str, *, currency: str,
                         months: int | None = None) -> go.Figure:
    """Every KPI in every market, coloured by its status against that market's own target (money KPIs in
    ``currency``, the exporter's home currency)."""
    board = markets_board(data, scenarios, as_of, months)
    kpis = data.kpis
    codes = list(scenarios)
    idx = {s: i for i, s in enumerate(STATUSES)}
    z, text = [], []
    for k in kpis.index:
        rows = board.loc[[k]].set_index("market").reindex(codes)
        z.append([idx[s] for s in rows["status"]])
        text.append([kpi_text(v, u, lang, currency, nv)
                     for v, u, nv in zip(rows["value"], rows["unit"], rows["never"])])
    scale = []
    for i, s in enumerate(STATUSES):
        scale += [[i / len(STATUSES), STATUS_TINTS[s]], [(i + 1) / len(STATUSES), STATUS_TINTS[s]]]
    fig = theme.figure(t("funnel.chart_markets_board_title", lang), height=130 + 24 * len(kpis))
    fig.add_heatmap(z=np.asarray(z, dtype=float) + 0.5, x=[country_name(c, lang) for c in codes],
                    y=[kpi_name(kpis, k, lang) for k in kpis.index], text=text, texttemplate="%{text}",
                    textfont=dict(size=9, color="#111"), colorscale=scale, zmin=0, zmax=len(STATUSES), showscale=False,
                    xgap=1, ygap=1, hovertemplate="%{y} · %{x}: %{text}<extra></extra>")
    for s in STATUSES:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=t(f"funnel.status_{s}", lang),
                        marker=dict(symbol="square", size=12, color=STATUS_TINTS[s]))
    fig.update_layout(yaxis=dict(autorange="reversed", automargin=True, tickfont=dict(size=10)),
                      xaxis=dict(side="top"), legend=dict(orientation="h", yanchor="top", y=-0.02, x=0),
                      margin=dict(l=10, t=90, b=40), plot_bgcolor="white")
    return fig
