"""Figures of the landed-cost chapter (plotly, on ``crossborder.core.theme``): the Incoterms responsibility
matrix, the landed-cost waterfall, the split of costs by rule, duty by origin and the readiness timeline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.fmt import percent
from crossborder.core.i18n import check_lang, country_name, t

from .model import IN_CUSTOMS_VALUE, ITEMS, Quote, payer_matrix
from .model_readiness import Readiness
from .section import RULES

# Responsibilities shown in the Incoterms matrix, in the order of the journey.
MATRIX_COLUMNS = ("export_clearance", "pre_carriage", "origin_handling", "main_carriage", "insurance",
                  "destination_handling", "on_carriage", "unloading", "import_clearance", "import_duty_vat")
# Where risk passes, as a position between matrix columns (column i spans i-0.5 .. i+0.5).
RISK_POSITION = {
    "at_disposal_seller_premises": -0.5, "delivered_to_carrier": 1.5, "delivered_to_first_carrier": 1.5,
    "alongside_ship": 1.5, "on_board_vessel": 2.5, "destination_ready_for_unloading": 6.5,
    "destination_unloaded": 7.5,
}


def short_amount(x: float) -> str:
    """A chart label: full digits below a million, then M (millions) or B (billions) with two decimals."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:,.2f}B"
    if a >= 1e6:
        return f"{x / 1e6:,.2f}M"
    return f"{x:,.0f}"


PAYER_COLOR = {"seller": theme.COLORWAY[0], "buyer": theme.COLORWAY[1]}


def matrix_figure(incoterms: pd.DataFrame, lang: str, highlight: str | None = None) -> go.Figure:
    """Incoterms responsibility matrix: rules x responsibilities (seller / buyer / no obligation), with a
    diamond where risk passes from seller to buyer."""
    check_lang(lang)
    pay = payer_matrix(incoterms, RULES)
    cols = {
        "export_clearance": pay["export_clearance"], "pre_carriage": pay["pre_carriage"],
        "origin_handling": pay["origin_handling"], "main_carriage": pay["main_to_border"],
        "insurance": np.where(incoterms["insurance_by"] == "seller", "seller", "none"),
        "destination_handling": pay["destination_handling"], "on_carriage": pay["on_carriage"],
        "unloading": pay["unloading"], "import_clearance": pay["import_clearance"], "import_duty_vat": pay["duty"],
    }
    grid = pd.DataFrame(cols, index=list(RULES))[list(MATRIX_COLUMNS)]
    code = grid.replace({"seller": 1.0, "buyer": 0.0, "none": 0.5}).astype(float)
    text = grid.replace({"seller": t("landed.party_seller_short", lang), "buyer": t("landed.party_buyer_short", lang),
                         "none": "–"})
    ylabels = [f"<b>{r}</b>" if r == highlight else r for r in RULES]
    xlabels = [t(f"landed.mx_{c}", lang) for c in MATRIX_COLUMNS]
    fig = theme.figure(t("landed.matrix_title", lang), height=470)
    fig.add_heatmap(z=code.to_numpy(), x=list(range(len(MATRIX_COLUMNS))), y=ylabels, text=text.to_numpy(),
                    texttemplate="%{text}", showscale=False, xgap=2, ygap=2, hoverinfo="skip",
                    colorscale=[[0, theme.COLORWAY[1]], [0.5, "#E0E0E0"], [1, theme.COLORWAY[0]]], zmin=0, zmax=1)
    fig.add_scatter(x=[RISK_POSITION[r] for r in incoterms["risk_transfer"]], y=ylabels, mode="markers",
                    marker=dict(symbol="diamond", size=11, color="#D55E00", line=dict(color="white", width=1)),
                    name=t("landed.risk_passes", lang))
    if highlight in RULES:
        i = RULES.index(highlight)
        fig.add_shape(type="rect", x0=-0.5, x1=len(MATRIX_COLUMNS) - 0.5, y0=i - 0.5, y1=i + 0.5,
                      line=dict(color="#000000", width=2))
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(MATRIX_COLUMNS))), ticktext=xlabels,
                     tickangle=-35, side="bottom", range=[-0.8, len(MATRIX_COLUMNS) - 0.5])
    fig.update_yaxes(autorange="reversed", title_text=t("landed.axis_rule", lang))
    fig.update_layout(margin=dict(l=60, r=20, t=80, b=120), showlegend=True,
                      legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    return fig


def waterfall_figure(q: Quote, lang: str) -> go.Figure:
    """Landed-cost waterfall of one shipment: each item with who pays it, the customs value as a subtotal,
    the landed cost as the total, recoverable VAT shown after it as a step back to the net landed cost."""
    check_lang(lang)
    cur = q.resolved.currency
    df = q.lines.set_index("item")
    cv_items = IN_CUSTOMS_VALUE[q.resolved.basis]
    x, y, measure, text = [], [], [], []
    for item in ITEMS:
        amt = float(df.at[item, "amount"])
        if abs(amt) < 1e-9:
            continue
        x.append(f"{t('landed.item_' + item, lang)} ({t('landed.party_' + df.at[item, 'payer'] + '_short', lang)})")
        y.append(amt)
        measure.append("relative")
        text.append(short_amount(amt))
        if item == _last_present(df, cv_items) and not q.resolved.domestic:
            x.append(t("landed.customs_value", lang))
            y.append(0)
            measure.append("total")
            text.append(short_amount(q.summary["customs_value"]))
    recoverable = float(q.summary["vat_recoverable"])
    x.append(t("landed.cash_out", lang) if recoverable > 0 else t("landed.landed_cost", lang))
    y.append(0)
    measure.append("total")
    text.append(short_amount(q.summary["cash_out"]))
    if recoverable > 0:
        x.append(t("landed.vat_recovered", lang))
        y.append(-recoverable)
        measure.append("relative")
        text.append(short_amount(-recoverable))
        x.append(t("landed.landed_cost", lang))
        y.append(0)
        measure.append("total")
        text.append(short_amount(q.summary["landed"]))
    title = t("landed.waterfall_title", lang, rule=q.rule, market=country_name(q.resolved.market, lang),
              origin=country_name(q.resolved.origin, lang))
    fig = theme.figure(title, height=470)
    fig.add_waterfall(x=x, y=y, measure=measure, text=text, textposition="outside", cliponaxis=False,
                      connector=dict(line=dict(color="#999", width=1)),
                      increasing=dict(marker=dict(color=theme.COLORWAY[1])),
                      decreasing=dict(marker=dict(color=theme.COLORWAY[2])),
                      totals=dict(marker=dict(color=theme.COLORWAY[0])), textfont=dict(size=9))
    top = float(q.summary["cash_out"])
    # the axis starts at 0: a cut axis would make the duty and freight steps look several times their size
    fig.update_yaxes(title_text=t("landed.axis_amount", lang, currency=cur), range=[0, top * 1.08], rangemode="tozero")
    fig.update_xaxes(tickangle=-40, tickfont=dict(size=9))
    fig.update_layout(margin=dict(l=70, r=20, t=60, b=150), showlegend=False)
    return fig


def _last_present(df: pd.DataFrame, items: Sequence[str]) -> str | None:
    present = [i for i in items if abs(float(df.at[i, "amount"])) > 1e-9]
    return present[-1] if present else None


def rules_figure(summary: pd.DataFrame, lang: str, currency: str) -> go.Figure:
    """Per rule, the costs on top of the ex-works value: what the seller pays (and puts in its price), what
    the buyer pays on top, and recoverable import VAT (cash flow). The total hardly moves; the split does."""
    check_lang(lang)
    rules = [r for r, _ in summary.index]
    seller_extra = summary["seller_costs"] - summary["goods"]
    fig = theme.figure(t("landed.rules_title", lang), height=420)
    fig.add_bar(x=rules, y=seller_extra, name=t("landed.seller_part", lang),
                marker_color=PAYER_COLOR["seller"], text=[short_amount(v) for v in seller_extra],
                textposition="inside", textfont=dict(size=9))
    fig.add_bar(x=rules, y=summary["buyer_costs"], name=t("landed.buyer_part", lang),
                marker_color=PAYER_COLOR["buyer"], text=[short_amount(v) for v in summary["buyer_costs"]],
                textposition="inside", textfont=dict(size=9))
    if (summary["vat_recoverable"] > 0).any():
        fig.add_bar(x=rules, y=summary["vat_recoverable"], name=t("landed.vat_cashflow", lang),
                    marker=dict(color="white", line=dict(color=theme.COLORWAY[2], width=1.5),
                                pattern=dict(shape="/", fgcolor=theme.COLORWAY[2])))
    fig.update_layout(barmode="stack", yaxis_title=t("landed.axis_on_top", lang, currency=currency),
                      xaxis_title=t("landed.axis_rule", lang), margin=dict(l=70, r=20, t=80, b=50))
    return fig


def duty_figure(rates: pd.DataFrame, lang: str, market: str, selected: str | None = None) -> go.Figure:
    """MFN (with additional duties) versus preferential duty by origin of the goods."""
    check_lang(lang)
    labels = [country_name(o, lang) + (f" ({t('landed.domestic', lang)})" if d else "")
              for o, d in zip(rates.index, rates["domestic"])]
    fig = theme.figure(t("landed.duty_title", lang, market=country_name(market, lang)), height=380)
    opacity = [1.0 if (selected is None or o == selected) else 0.45 for o in rates.index]
    fig.add_bar(x=labels, y=rates["mfn"] * 100, name=t("landed.mfn", lang), marker_color=theme.COLORWAY[1],
                marker_opacity=opacity, offsetgroup="mfn", text=[percent(v, lang) for v in rates["mfn"]],
                textposition="inside")
    fig.add_bar(x=labels, y=rates["additional"] * 100, name=t("landed.additional", lang),
                marker_color=theme.COLORWAY[3], marker_opacity=opacity, offsetgroup="mfn", base=rates["mfn"] * 100,
                text=[percent(v, lang, signed=True) if v else "" for v in rates["additional"]], textposition="inside")
    pref = rates["total_preferential"].astype(float)
    fig.add_bar(x=labels, y=pref.fillna(0) * 100, name=t("landed.preferential", lang), marker_color=theme.COLORWAY[2],
                marker_opacity=opacity, offsetgroup="pref",
                text=[f"{a}: {percent(v, lang)}" if isinstance(a, str) else t("landed.no_agreement", lang)
                      for a, v in zip(rates["agreement"], pref.fillna(0))],
                textposition="outside", textfont=dict(size=9), cliponaxis=False)
    top = max(float((rates["total_mfn"]).max()), float(pref.fillna(0).max()), 0.01) * 100
    fig.update_layout(barmode="group", yaxis_title=t("landed.axis_duty", lang),
                      yaxis_range=[0, top * 1.3], xaxis_title=t("landed.axis_origin", lang))
    return fig


def readiness_figure(r: Readiness, lang: str, market: str) -> go.Figure:
    """Compliance readiness timeline: remaining work per check from the report date (critical path in red)."""
    check_lang(lang)
    df = r.table[(r.table["status"] != "not_applicable")]
    c = "zh_TW" if lang == "zh-TW" else "en"
    order = df.sort_values(["earliest_start", "earliest_finish"])
    labels = [_short(s) for s in order[f"label_{c}"]]
    colors = {"done": theme.RAG["green"], "in_progress": theme.RAG["amber"], "not_started": theme.RAG["grey"],
              "blocked": theme.RAG["red"]}
    height = max(320, 60 + 24 * len(order))
    fig = theme.figure(t("landed.readiness_title", lang, market=country_name(market, lang), share=r.share_done,
                         days=r.days_to_ready), height=height)
    for status in ("done", "in_progress", "not_started", "blocked"):
        part = order[order["status"] == status]
        if part.empty:
            continue
        width = np.maximum(part["remaining_days"].to_numpy(), 0.6)
        fig.add_bar(y=[labels[list(order.index).index(i)] for i in part.index], x=width,
                    base=part["earliest_start"].to_numpy(), orientation="h", name=t(f"landed.status_{status}", lang),
                    marker=dict(color=colors[status], line=dict(color=np.where(part["critical"], "#C0392B", "rgba(0,0,0,0)"),
                                                                width=np.where(part["critical"], 2.5, 0))))
    fig.add_vline(x=r.days_to_ready, line=dict(color="#C0392B", dash="dash"))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels, tickfont=dict(size=9),
                     automargin=True)
    fig.update_layout(barmode="overlay", xaxis_title=t("landed.axis_days", lang), margin=dict(l=10, r=20, t=80, b=50))
    return fig


def _short(text: str, n: int = 34) -> str:
    text = text.split("：")[0].split(":")[0].split("（")[0].split("(")[0].strip()
    return text if len(text) <= n else text[: n - 1] + "…"
