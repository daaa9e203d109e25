"""Figures of the risk chapter (plotly, on ``crossborder.core.theme``): the inherent and residual heat maps,
the loss-exceedance curves and the expected loss by family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.fmt import money
from crossborder.core.i18n import t

from .data import text
from .model import BANDS, RATINGS, STAGES, Assessment, band_index, exceedance, family_loss, rating_columns
from .present import family_label

BAND_COLOURS: dict[str, str] = {"low": "#CFE8D5", "medium": "#FFF0B3", "high": "#F8C88C", "critical": "#EE9A8F"}


def _cell_texts(reg: pd.DataFrame, stage: str, lang: str) -> tuple[list[list[str]], list[list[str]]]:
    """Ids (two per line, highest score first) and hover texts per cell, rows impact 1..5."""
    lik, imp = rating_columns(stage)
    score = reg[lik] * reg[imp]
    order = reg.assign(_s=score).sort_values(["_s", "id"], ascending=[False, True])
    labels = text(order, "risk", lang)
    cells: dict[tuple[int, int], list[str]] = {}
    hovers: dict[tuple[int, int], list[str]] = {}
    for rid, l_, i_, name in zip(order["id"], order[lik], order[imp], labels):
        cells.setdefault((int(i_), int(l_)), []).append(str(rid))
        hovers.setdefault((int(i_), int(l_)), []).append(f"{rid}: {name}")
    txt = [["<br>".join(" ".join(ids[k:k + 2]) for k in range(0, len(ids), 2))
            for ids in (cells.get((i, l_), []) for l_ in RATINGS)] for i in RATINGS]
    hov = [["<br>".join(hovers.get((i, l_), [])) or "–" for l_ in RATINGS] for i in RATINGS]
    return txt, hov


def _band_colourscale() -> list[list]:
    n = len(BANDS)
    scale = []
    for k, (name, _) in enumerate(BANDS):
        scale += [[k / n, BAND_COLOURS[name]], [(k + 1) / n, BAND_COLOURS[name]]]
    return scale


def heatmap_figure(a: Assessment, lang: str, selected: str | None = None) -> go.Figure:
    """Two 5 x 5 matrices side by side, inherent and residual, each risk's id in its cell."""
    fig = theme.figure(t("risk.chart_heatmap_title", lang), height=470)
    z = band_index(np.outer(RATINGS, RATINGS)).astype(float)     # rows impact 1..5, columns likelihood 1..5
    z_plot = z + 0.5                                              # centre each band in its colour step
    reg = a.register
    domains = ([0.0, 0.46], [0.54, 1.0])
    for k, stage in enumerate(STAGES):
        txt, hov = _cell_texts(reg, stage, lang)
        suffix = "" if k == 0 else "2"
        fig.add_trace(go.Heatmap(
            z=z_plot, x=RATINGS, y=RATINGS, text=txt, texttemplate="%{text}", textfont=dict(size=10),
            hovertext=hov, hoverinfo="text", colorscale=_band_colourscale(), zmin=0, zmax=len(BANDS),
            showscale=False, xgap=2, ygap=2, name=t(f"risk.col_{stage}", lang),
            xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
    for k, stage in enumerate(STAGES):
        lik, imp = rating_columns(stage)
        on = selected is not None and selected in reg.index
        suffix = "" if k == 0 else "2"
        fig.add_trace(go.Scatter(
            x=[int(reg.at[selected, lik])] if on else [None], y=[int(reg.at[selected, imp])] if on else [None],
            mode="markers", marker=dict(symbol="square-open", size=46, color="#111", line=dict(width=3)),
            name=t("risk.selected", lang), showlegend=False, hoverinfo="skip",
            xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
    for name, _ in BANDS:  # legend entries for the bands
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=t(f"risk.band_{name}", lang),
                                 marker=dict(symbol="square", size=12, color=BAND_COLOURS[name],
                                             line=dict(width=0.5, color="#888"))))
    axis = dict(tickmode="array", tickvals=list(RATINGS), range=[0.5, 5.5], showgrid=False, zeroline=False,
                fixedrange=True)
    fig.update_layout(
        xaxis=dict(axis, domain=domains[0], title_text=t("risk.axis_likelihood", lang), title_font_size=11),
        xaxis2=dict(axis, domain=domains[1], title_text=t("risk.axis_likelihood", lang), title_font_size=11,
                    anchor="y2"),
        yaxis=dict(axis, title_text=t("risk.axis_impact", lang), anchor="x"),
        yaxis2=dict(axis, anchor="x2"),
        legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0.0),
        margin=dict(l=60, r=20, t=80, b=100),
        annotations=[dict(text=t(f"risk.heatmap_{s}", lang), x=sum(d) / 2, xref="paper", y=1.0,
                          yref="paper", yanchor="bottom", showarrow=False, font=dict(size=12))
                     for s, d in zip(STAGES, domains)],
        plot_bgcolor="white",
    )
    return fig


def exceedance_figure(a: Assessment, lang: str, points: int = 400) -> go.Figure:
    """Loss-exceedance curves before and after mitigation, with the tolerance point."""
    cur, tol = a.currency, a.section.tolerance
    totals = {s: a.total(s) for s in STAGES}
    top = max(float(np.quantile(totals["inherent"], 0.995)), tol.loss * 1.2, 1.0)
    grid = np.linspace(0.0, top, points)
    fig = theme.figure(t("risk.chart_lec_title", lang))
    for stage, colour, label in (("inherent", theme.COLORWAY[3], "risk.before_mitigation"),
                                 ("residual", theme.COLORWAY[0], "risk.after_mitigation")):
        fig.add_scatter(x=grid / 1e6, y=100 * exceedance(totals[stage], grid), mode="lines",
                        name=t(label, lang), line=dict(color=colour, width=2.5),
                        hovertemplate="%{x:,.1f} M: %{y:.1f}%<extra></extra>")
    fig.add_scatter(x=[tol.loss / 1e6], y=[100 * tol.probability], mode="markers",
                    name=t("risk.tolerance", lang, p=tol.probability, loss=money(tol.loss, cur, lang)),
                    marker=dict(symbol="x", size=12, color="#111"))
    fig.update_layout(xaxis_title=t("risk.axis_yearly_loss", lang, cur=cur),
                      yaxis=dict(title_text=t("risk.axis_exceedance", lang), range=[0, 101]),
                      legend=dict(y=1.0, yanchor="bottom"), margin=dict(t=90))
    return fig


def family_figure(a: Assessment, lang: str) -> go.Figure:
    """Expected yearly loss per family, before and after mitigation (horizontal bars)."""
    fam = family_loss(a.register, a.sim)
    labels = [family_label(f, lang) for f in fam.index]
    fig = theme.figure(t("risk.chart_family_title", lang), height=360)
    for stage, colour, label in (("inherent", theme.COLORWAY[3], "risk.before_mitigation"),
                                 ("residual", theme.COLORWAY[0], "risk.after_mitigation")):
        fig.add_bar(y=labels, x=fam[stage].to_numpy() / 1e6, orientation="h", name=t(label, lang),
                    marker_color=colour, hovertemplate="%{y}: %{x:,.2f} M<extra></extra>")
    fig.update_layout(barmode="group", xaxis_title=t("risk.axis_expected_loss", lang, cur=a.currency),
                      yaxis=dict(autorange="reversed", automargin=True), margin=dict(l=10))
    return fig
