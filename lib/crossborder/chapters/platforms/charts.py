"""The platform chapter's figures (plotly, on the workbook theme)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from crossborder.core import fmt, theme
from crossborder.core.i18n import t

from .data import CURRENCY, KINDS
from .model import CRITERIA, Analysis, tornado
from .present import _by_cost, _kind, spaced

KIND_COLOURS = dict(zip(KINDS, (theme.COLORWAY[0], theme.COLORWAY[1], theme.COLORWAY[2], theme.COLORWAY[5])))


def _hover_money(lang: str, field: str) -> str:
    """A plotly hover format for an amount in ``field`` (e.g. "x")."""
    return f"%{{{field}:,.0f}} 美元" if lang == "zh-TW" else f"USD %{{{field}:,.0f}}"


# -------------------------------------------------------------------------------------------- figures
# Each figure is built in one go (layout through theme.figure, traces in one add_traces call): adding traces
# and layout piece by piece costs plotly several times more, and the panel rebuilds every figure on each move.

_LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.22, x=0, xanchor="left", traceorder="normal")


def _legend_line(lang: str) -> str:
    return " ".join(f"<span style='color:{KIND_COLOURS[k]}'>■</span> {_kind(k, lang)}" for k in KINDS)


def cost_figure(a: Analysis, lang: str) -> go.Figure:
    """Cost per qualified inquiry and per PO by channel (log scale), side by side, best cost per PO on top;
    bars coloured by channel type; a channel that wins no order says so instead of showing a bar."""
    order = _by_cost(a)
    e = a.economics.loc[order]
    names = [a.name(c, lang) for c in order]
    colours = [KIND_COLOURS[k] for k in a.inputs.loc[order, "kind"]]
    per_lead, per_po = e["cost_per_lead"].to_numpy(float), e["cost_per_po"].to_numpy(float)
    values = np.concatenate([per_lead, per_po])
    values = values[np.isfinite(values) & (values > 0)]
    floor = float(values.min()) if values.size else 1.0
    missing = ~np.isfinite(per_po)
    hover = "%{y}: " + _hover_money(lang, "x") + "<extra></extra>"
    traces = [
        dict(type="bar", y=names, x=np.where(np.isfinite(per_lead), per_lead, None), orientation="h", xaxis="x",
             marker=dict(color=colours), showlegend=False, hovertemplate=hover),
        dict(type="bar", y=names, x=np.where(np.isfinite(per_po), per_po, None), orientation="h", xaxis="x2",
             marker=dict(color=colours), showlegend=False, hovertemplate=hover),
        dict(type="scatter", x=[floor] * int(missing.sum()), y=[n for n, m in zip(names, missing) if m], xaxis="x2",
             mode="text", text=[t("platforms.no_po", lang)] * int(missing.sum()), textposition="middle right",
             textfont=dict(color=theme.RAG["red"]), showlegend=False, hoverinfo="skip"),
    ]
    top = float(values.max()) if values.size else 10.0
    decades = 10.0 ** np.arange(np.floor(np.log10(floor)), np.ceil(np.log10(top)) + 1)
    ticks = dict(tickvals=decades, ticktext=[fmt.number(v, lang) for v in decades])
    fig = theme.figure(
        t("platforms.chart_cost_title", lang) + "<br><sup>" + _legend_line(lang) + "</sup>", height=460,
        xaxis=dict(domain=[0, 0.47], type="log", title=dict(text=t("platforms.axis_cost_per_lead", lang)), **ticks),
        xaxis2=dict(domain=[0.53, 1], type="log", title=dict(text=t("platforms.axis_cost_per_po", lang)), anchor="y",
                    **ticks),
        yaxis=dict(categoryorder="array", categoryarray=names[::-1], automargin=True),
        margin=dict(l=10, r=20, t=80, b=50), showlegend=False,
    )
    fig.add_traces(traces)
    return fig


def cumulative_figure(a: Analysis, lang: str, focus: str | None = None) -> go.Figure:
    """Cumulative cost (dashed) and gross profit (solid) over the horizon for the shortlist, the baseline and
    the focus channel, with each break-even month marked."""
    chosen = list(dict.fromkeys([*a.shortlist, a.section.baseline, *([focus] if focus else [])]))
    gp_word, cost_word = t("platforms.gross_profit", lang), t("platforms.cost", lang)
    traces, be_x, be_y, be_text = [], [], [], []
    for i, c in enumerate(chosen):
        k = a.inputs.index.get_loc(c)
        colour = theme.COLORWAY[i % len(theme.COLORWAY)]
        name = a.name(c, lang)
        traces.append(dict(type="scatter", x=a.months, y=a.cum_gp[k], mode="lines", name=name, legendgroup=c,
                           line=dict(color=colour), hovertemplate=f"{name} · {gp_word}: {_hover_money(lang, 'y')}<extra></extra>"))
        traces.append(dict(type="scatter", x=a.months, y=a.cum_cost[k], mode="lines", name=name, legendgroup=c,
                           showlegend=False, line=dict(color=colour, dash="dash"),
                           hovertemplate=f"{name} · {cost_word}: {_hover_money(lang, 'y')}<extra></extra>"))
        m = a.economics.at[c, "breakeven_month"]
        if np.isfinite(m) and m <= a.section.horizon_months:
            be_x.append(int(m))
            be_y.append(float(a.cum_gp[k, int(m)]))
            be_text.append(f"{name}: " + t("platforms.breakeven_marker", lang, n=int(m)))
    traces.append(dict(type="scatter", x=be_x, y=be_y, mode="markers", name=t("platforms.breakeven", lang),
                       marker=dict(symbol="diamond", size=10, color="#222"), text=be_text,
                       hovertemplate="%{text}<extra></extra>"))
    fig = theme.figure(t("platforms.chart_cumulative_title", lang, n=a.section.horizon_months), height=440,
                       xaxis=dict(title=dict(text=t("platforms.axis_month", lang)), dtick=3),
                       yaxis=dict(title=dict(text=t("platforms.axis_usd", lang)), tickformat=",.0f", automargin=True),
                       legend=_LEGEND_BELOW, margin=dict(t=60, b=120))
    fig.add_traces(traces)
    return fig


def tornado_figure(a: Analysis, lang: str, channel: str | None = None) -> go.Figure:
    """Tornado of cost per PO for one channel: each input at its low and high end, widest swing on top."""
    channel = channel or a.shortlist[0]
    base, table = tornado(a.inputs, channel, a.section.tornado_swing)
    name = a.name(channel, lang)
    title = spaced(t("platforms.chart_tornado_title", lang, channel=name), lang)
    low_name, high_name = t("platforms.input_low", lang), t("platforms.input_high", lang)
    if not np.isfinite(base):
        fig = theme.figure(title, height=420, xaxis=dict(visible=False), yaxis=dict(visible=False), annotations=[dict(
            text=spaced(t("platforms.tornado_never", lang, channel=name), lang), showarrow=False, xref="paper", yref="paper",
            x=0.5, y=0.5, font=dict(size=14, color=theme.RAG["red"]))])
        fig.add_traces([dict(type="bar", x=[], y=[], orientation="h", name=low_name),
                        dict(type="bar", x=[], y=[], orientation="h", name=high_name)])
        return fig
    labels = [f"{t(f'platforms.input_{r.input}', lang)} {_range(r.input, r.low, r.high, lang)}" for r in table.itertuples()]
    values = np.concatenate([table["cpp_low"].to_numpy(float), table["cpp_high"].to_numpy(float), [base]])
    values = values[np.isfinite(values)]
    cap = float(values.max()) * 1.15
    traces = []
    for col, label, colour in (("cpp_low", low_name, theme.COLORWAY[0]), ("cpp_high", high_name, theme.COLORWAY[1])):
        vals = table[col].to_numpy(float)
        finite = np.isfinite(vals)
        traces.append(dict(type="bar", y=labels, x=np.where(finite, vals, cap) - base, base=base, orientation="h",
                           name=label, marker=dict(color=colour), textposition="inside",
                           text=[t("platforms.no_po", lang) if not f else "" for f in finite],
                           customdata=np.where(finite, vals, np.nan),
                           hovertemplate="%{y}: " + _hover_money(lang, "customdata") + "<extra></extra>"))
    fig = theme.figure(
        title, height=420, barmode="overlay",
        xaxis=dict(title=dict(text=t("platforms.axis_cost_per_po_base", lang, base=fmt.money(base, CURRENCY, lang))), tickformat=",.0f"),
        yaxis=dict(categoryorder="array", categoryarray=labels[::-1], automargin=True),
        shapes=[dict(type="line", xref="x", yref="paper", x0=base, x1=base, y0=0, y1=1, line=dict(color="#222", width=1))],
        margin=dict(l=10, t=80),
    )
    fig.add_traces(traces)
    return fig


def score_figure(a: Analysis, lang: str) -> go.Figure:
    """Selection score per channel as stacked bars: each criterion's weighted contribution (best on top)."""
    sel = a.selection.sort_values("rank")
    names = [a.name(c, lang) for c in sel.index]
    w = a.section.weights.normalised()
    colours = (theme.COLORWAY[0], theme.COLORWAY[1], theme.COLORWAY[2], theme.COLORWAY[4])
    traces = [dict(type="bar", y=names, x=sel[c].to_numpy(float) * w[i], orientation="h", marker=dict(color=colours[i]),
                   name=f"{t(f'platforms.crit_{c}', lang)} ({fmt.percent(w[i], lang, 0)})", customdata=sel[c].to_numpy(float),
                   hovertemplate="%{y}: %{x:.0f} (" + t("platforms.score_hover", lang) + ")<extra></extra>")
              for i, c in enumerate(CRITERIA)]
    fig = theme.figure(t("platforms.chart_score_title", lang), height=460, barmode="stack",
                       xaxis=dict(title=dict(text=t("platforms.axis_score", lang)), range=[0, 100]),
                       yaxis=dict(categoryorder="array", categoryarray=names[::-1], automargin=True),
                       legend=_LEGEND_BELOW, margin=dict(l=10, t=60, b=120))
    fig.add_traces(traces)
    return fig


def _range(name: str, low: float, high: float, lang: str) -> str:
    if name in ("conversion", "spam_share", "qualified_share", "commission"):
        return f"{fmt.percent(low, lang, 1)}–{fmt.percent(high, lang, 1)}"
    if name == "reach":
        return f"{low:.2g}–{high:.2g}"
    if name in ("ramp_months", "inquiries_per_month"):
        return f"{fmt.number(low, lang, 1)}–{fmt.number(high, lang, 1)}"
    return f"{fmt.number(low, lang)}–{fmt.number(high, lang)}"


def mix_figure(a: Analysis, lang: str) -> go.Figure:
    """Optimal spend per channel next to the equal split, with the resulting qualified inquiries."""
    m = a.mix.sort_values("spend", ascending=True, kind="stable")
    names = [a.name(c, lang) for c in m.index]
    tot = a.mix_totals
    if a.section.objective == "leads":
        gain = t("platforms.mix_gain_leads", lang, opt=fmt.number(tot['leads'], lang), eq=fmt.number(tot['equal_leads'], lang))
    else:
        gain = t("platforms.mix_gain_profit", lang, opt=fmt.money(tot["gross_profit"], CURRENCY, lang),
                 eq=fmt.money(tot["equal_gross_profit"], CURRENCY, lang))
    hover = "%{y}: " + _hover_money(lang, "x") + "<extra></extra>"
    fig = theme.figure(
        t("platforms.chart_mix_title", lang, budget=fmt.money(tot["budget"], CURRENCY, lang)) + "<br><sup>" + gain + "</sup>",
        height=max(300, 110 + 45 * len(names)), barmode="group",
        xaxis=dict(title=dict(text=t("platforms.axis_spend", lang)), tickformat=",.0f",
                   range=[0, 1.22 * max(float(m["spend"].max()), float(m["equal_spend"].max()), 1.0)]),
        yaxis=dict(automargin=True), margin=dict(l=10, t=90, r=20),
    )
    fig.add_traces([
        dict(type="bar", y=names, x=m["equal_spend"].to_numpy(), orientation="h", name=t("platforms.equal_split", lang),
             marker=dict(color=theme.RAG["grey"]), hovertemplate=hover),
        dict(type="bar", y=names, x=m["spend"].to_numpy(), orientation="h", name=t("platforms.optimal_split", lang),
             marker=dict(color=theme.COLORWAY[0]), textposition="outside", cliponaxis=False,
             text=[t("platforms.leads_label", lang, n=fmt.number(v, lang)) for v in m["leads"]], hovertemplate=hover),
    ])
    return fig
