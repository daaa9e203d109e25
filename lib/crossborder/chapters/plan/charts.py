"""Figures of the 90-day plan, in the report's language.

Figures only (tables and texts are in ``present.py``). Every figure starts from ``theme.figure``; colours for
RAG come from ``theme.RAG``. Dates on the x axis are calendar dates; a bar spans its first to its last working
day (end of day).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.fmt import percent
from crossborder.core.i18n import country_name, t

from .data import PLAN_DAYS
from .model import Plan
from .present import _c, _label, status_label
from .status import RAGS

RAG_COLORS = {"not_due": "#B4B4B4", "green": theme.RAG["green"], "amber": theme.RAG["amber"],
              "red": theme.RAG["red"], "done": theme.COLORWAY[0]}
CHECKPOINT_COLORS = {"met": theme.RAG["green"], "overdue": theme.RAG["red"], "due_soon": theme.RAG["amber"],
                     "upcoming": theme.RAG["grey"]}
_DAY_MS = 86_400_000


def _as_of_marker(fig: go.Figure, as_of: date, lang: str) -> None:
    """A dashed vertical line at the end of ``as_of`` (the day counts as elapsed), named in the legend."""
    x = pd.Timestamp(as_of) + pd.Timedelta(hours=23, minutes=59)
    style = dict(color="#222", width=1.5, dash="dash")
    fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=style)
    fig.add_scatter(x=[None], y=[None], mode="lines", line=style, hoverinfo="skip",
                    name=t("plan.as_of_line", lang, date=as_of.isoformat()))


def _note(fig: go.Figure, text: str) -> None:
    """A one-line note under the title, inside the plot area."""
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom",
                       showarrow=False, font=dict(size=12, color="#444"))


def _phase_bands(fig: go.Figure, plan: Plan, lang: str) -> None:
    edges = pd.to_datetime(plan.calendar.nth(plan.start, [1, 31, 61, PLAN_DAYS]))
    last = edges[-1] + pd.Timedelta(days=1)
    for i, (x0, x1) in enumerate(zip(edges[:3], [edges[1], edges[2], last]), start=1):
        if i == 2:
            fig.add_shape(type="rect", x0=x0, x1=x1, y0=0, y1=1, yref="paper", fillcolor="#F2F2F2",
                          line_width=0, layer="below")
        fig.add_annotation(x=x0 + (x1 - x0) / 2, y=0, yref="paper", yanchor="top", yshift=-24, showarrow=False,
                           text=t(f"plan.phase_short_{i}", lang), font=dict(size=10, color="#666"))


def gantt(plan: Plan, status: pd.DataFrame, as_of: date, lang: str, *, selected: str | None = None,
          pending: bool = False) -> go.Figure:
    """Gantt: baseline bars colored by RAG, actual bars inside them, the as-of line and the three phases."""
    c = _c(lang)
    st = status.sort_values("seq")
    labels = [_label(i, n) for i, n in zip(st.index, st[f"name_{c}"])]
    height = 230 + 19 * len(st)
    fig = theme.figure(t("plan.gantt_title", lang, market=country_name(plan.market, lang)), height=height)
    start = st["baseline_start"]
    span = (st["baseline_end"] + pd.Timedelta(days=1) - start).dt.total_seconds().to_numpy() * 1000
    unit = t("plan.working_days_unit", lang)
    custom = np.column_stack([
        st[f"deliverable_{c}"], st[f"owner_{c}"], st["baseline_start"].dt.strftime("%Y-%m-%d"),
        st["baseline_end"].dt.strftime("%Y-%m-%d"), [status_label(s, lang) for s in st["status"]],
        st["progress"].astype(int), st["planned_pct"].round(0).astype(int), st["sv_days"].round(1),
        st["note"].fillna(""),
    ])
    hover = (f"<b>%{{y}}</b><br>%{{customdata[0]}}<br>{t('plan.hover_owner', lang)}: %{{customdata[1]}}<br>"
             f"{t('plan.hover_baseline', lang)}: %{{customdata[2]}} – %{{customdata[3]}}<br>"
             f"{t('plan.hover_status', lang)}: %{{customdata[4]}} · {t('plan.hover_progress', lang)} %{{customdata[5]}} % · "
             f"{t('plan.hover_planned', lang)} %{{customdata[6]}} %<br>{t('plan.hover_sv', lang)}: %{{customdata[7]}} {unit}"
             f"<br>{t('plan.hover_note', lang)}: %{{customdata[8]}}<extra></extra>")
    rag = st["rag"].to_numpy()
    for category in RAGS:
        mask = rag == category
        fig.add_bar(y=np.array(labels)[mask], x=span[mask], base=start[mask], orientation="h", width=0.72,
                    marker=dict(color=RAG_COLORS[category], line=dict(width=0)), opacity=0.85,
                    name=t(f"plan.rag_{category}", lang), customdata=custom[mask], hovertemplate=hover,
                    showlegend=bool(mask.any()), legendgroup=category)
    t_end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    has_actual = st["actual_start"].notna() & (st["actual_start"] <= pd.Timestamp(as_of))
    a0 = st.loc[has_actual, "actual_start"]
    a1 = st.loc[has_actual, "actual_end"].fillna(t_end - pd.Timedelta(days=1)) + pd.Timedelta(days=1)
    a1 = a1.where(a1 <= t_end, t_end)
    fig.add_bar(y=np.array(labels)[has_actual.to_numpy()], x=(a1 - a0).dt.total_seconds().to_numpy() * 1000, base=a0,
                orientation="h", width=0.26, marker=dict(color="#333333"), name=t("plan.gantt_actual", lang),
                hoverinfo="skip", showlegend=bool(has_actual.any()))
    sel = st.index == selected if selected else np.zeros(len(st), dtype=bool)
    fig.add_bar(y=np.array(labels)[sel], x=span[sel], base=start[sel], orientation="h", width=0.9,
                marker=dict(color="rgba(0,0,0,0)", line=dict(color="#000", width=2.5)), hoverinfo="skip",
                name=t("plan.gantt_pending" if pending else "plan.gantt_selected", lang), showlegend=bool(sel.any()))
    _phase_bands(fig, plan, lang)
    _as_of_marker(fig, as_of, lang)
    lo = min(pd.Timestamp(plan.start), st["baseline_start"].min()) - pd.Timedelta(days=3)
    hi = max(st["baseline_end"].max(), pd.Timestamp(as_of)) + pd.Timedelta(days=4)
    fig.update_layout(barmode="overlay", bargap=0.2, margin=dict(l=10, r=20, t=60, b=150),
                      legend=dict(yref="container", y=0, yanchor="bottom", x=0, font=dict(size=11)))
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont=dict(size=10.5), categoryorder="array",
                     categoryarray=labels)
    fig.update_xaxes(type="date", range=[lo, hi], tickformat="%m-%d", showgrid=True)
    return fig


def burnup_figure(plan: Plan, series: pd.DataFrame, as_of: date, lang: str) -> go.Figure:
    """Burn-up: planned (baseline), done and earned deliverables per working day, with the scope line."""
    fig = theme.figure(t("plan.burnup_title", lang), height=440)
    x = series["date"]
    fig.add_scatter(x=x, y=series["scope"], name=t("plan.burnup_scope", lang), mode="lines",
                    line=dict(color="#777", width=1))
    fig.add_scatter(x=x, y=series["planned"], name=t("plan.burnup_planned", lang), mode="lines",
                    line=dict(color=theme.RAG["grey"], width=2, dash="dash", shape="hv"))
    fig.add_scatter(x=x, y=series["earned"], name=t("plan.burnup_earned", lang), mode="lines",
                    line=dict(color=theme.RAG["green"], width=2, dash="dot"))
    fig.add_scatter(x=x, y=series["done"], name=t("plan.burnup_done", lang), mode="lines",
                    line=dict(color=theme.COLORWAY[0], width=3, shape="hv"))
    _as_of_marker(fig, as_of, lang)
    past = series[series["date"] <= pd.Timestamp(as_of)]
    if not (past["planned"] > 0).any() and not (past["done"].fillna(0) > 0).any():   # nothing due yet: say so
        first_end = pd.to_datetime(plan.tasks["baseline_end"]).min().date()
        _note(fig, t("plan.burnup_not_due", lang, first_end=first_end.isoformat()))
    fig.update_layout(margin=dict(l=60, r=20, t=50, b=130), hovermode="x unified",
                      legend=dict(yref="container", y=0, yanchor="bottom", x=0))
    fig.update_xaxes(type="date", title_text=t("plan.axis_date", lang), tickformat="%m-%d",
                     range=[x.iloc[0] - pd.Timedelta(days=2), x.iloc[-1] + pd.Timedelta(days=3)])
    fig.update_yaxes(title_text=t("plan.axis_deliverables", lang), rangemode="tozero")
    return fig


def checkpoints_figure(plan: Plan, checkpoints: pd.DataFrame, as_of: date, lang: str) -> go.Figure:
    """KPI checkpoints on a time line, coloured by state, labelled with the readiness of their deliverables."""
    c = _c(lang)
    cps = checkpoints.sort_values("day", kind="stable")
    labels = [f"{i} {k}" for i, k in zip(cps.index, cps[f"kpi_{c}"])]
    fig = theme.figure(t("plan.checkpoints_title", lang), height=150 + 26 * len(cps))
    for state, color in CHECKPOINT_COLORS.items():
        mask = (cps["state"] == state).to_numpy()
        fig.add_scatter(x=cps["due"][mask], y=np.array(labels)[mask], mode="markers+text", name=t(f"plan.cp_{state}", lang),
                        marker=dict(color=color, size=14, symbol="diamond", line=dict(color="#333", width=1)),
                        text=["  " + percent(r / 100, lang, 0) for r in cps["readiness"][mask]], textposition="middle right",
                        textfont=dict(size=10), showlegend=bool(mask.any()),
                        customdata=np.column_stack([cps[f"target_{c}"][mask], cps["done"][mask], cps["tasks"][mask]]),
                        hovertemplate="<b>%{y}</b><br>%{x|%Y-%m-%d}<br>%{customdata[0]}<br>"
                                      f"{t('plan.col_done', lang)}: %{{customdata[1]}}/%{{customdata[2]}}<extra></extra>")
    _as_of_marker(fig, as_of, lang)
    first = cps.sort_values(["due", "day"], kind="stable")
    if (pd.to_datetime(first["due"]) > pd.Timestamp(as_of)).all() and not (cps["state"] == "met").any():
        _note(fig, t("plan.checkpoints_not_due", lang, cp=first.index[0],
                     cp_due=pd.Timestamp(first["due"].iloc[0]).date().isoformat()))
    lo = min(pd.Timestamp(plan.start), pd.Timestamp(as_of)) - pd.Timedelta(days=3)
    hi = max(cps["due"].max(), pd.Timestamp(as_of)) + pd.Timedelta(days=12)
    fig.update_layout(margin=dict(l=10, r=20, t=95, b=50))
    fig.update_yaxes(autorange="reversed", automargin=True, categoryorder="array", categoryarray=labels)
    fig.update_xaxes(type="date", range=[lo, hi], title_text=t("plan.axis_date", lang), tickformat="%m-%d")
    return fig
