"""Display tables and generated texts (Markdown) in the report's language, in the workbook's number style."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossborder.core import fmt, rates
from crossborder.core.facts import InterestRate
from crossborder.core.i18n import country_name, in_sentence, t
from crossborder.core.text import escape_md

from .data import Inputs, Policy
from .model import Analysis


def pair_label(domestic: str, foreign: str, lang: str) -> str:
    """'TWD per USD' / '每 1 美元兌新臺幣': unambiguous, unlike 'USD/TWD' vs 'TWD/USD'."""
    return t("fx.pair", lang, dom=fmt.currency_name(domestic, lang), for_=fmt.currency_name(foreign, lang))


def strategy_label(name: str, policy: Policy, lang: str) -> str:
    return t(f"fx.s_{name}", lang, fwd=fmt.percent(policy.forward_cover, lang, 0),
             opt=fmt.percent(policy.option_cover, lang, 0), rest=fmt.percent(1 - policy.forward_cover, lang, 0))


def _rate(x: float, lang: str) -> str:
    """An exchange rate: four decimals below 10, three from 10 up."""
    return fmt.number(x, lang, 4 if x < 10 else 3)


def _millions(lang: str, currency: str) -> str:
    """The unit of a column of amounts shown in millions: 'TWD million' / '新臺幣百萬元'."""
    return t("fx.unit_millions", lang, cur=fmt.currency_name(currency, lang))


# ============================================================================================= tables

def summary_table(a: Analysis, lang: str) -> pd.DataFrame:
    s = a.summary
    unit = 1e6
    months = [d.strftime("%Y-%m") for d in a.inputs.dates[:a.months]]
    rows = []
    for name, r in s.iterrows():
        rows.append({
            t("fx.col_strategy", lang): strategy_label(name, a.policy, lang),
            t("fx.col_mean", lang): fmt.number(r["mean"] / unit, lang, 1),
            t("fx.col_cfar", lang, level="95%"): fmt.number(r["cfar95"] / unit, lang, 1),
            t("fx.col_cfar_share", lang): fmt.percent(r["cfar95_share"], lang, 1),
            t("fx.col_cfar_mean", lang): fmt.number(r["cfar95_mean"] / unit, lang, 1),
            t("fx.col_cfar", lang, level=fmt.percent(a.level, lang, 0)): fmt.number(r["cfar_level"] / unit, lang, 1),
            t("fx.col_cost", lang): fmt.number(r["cost"] / unit, lang, 2),
            t("fx.col_premium", lang): fmt.number(r["premium"] / unit, lang, 2),
            t("fx.col_worst", lang): t("fx.worst_fmt", lang, month=months[int(r["worst_month"]) - 1],
                                       value=fmt.number(r["worst_shortfall"] / unit, lang, 1)),
        })
    out = pd.DataFrame(rows)
    out.attrs["unit"] = _millions(lang, a.inputs.home)
    return out


def unconfirmed_table(lost: pd.DataFrame, a: Analysis, lang: str) -> pd.DataFrame:
    """:func:`unconfirmed_orders` as a readable table (home currency over the horizon)."""
    home = a.inputs.home
    return pd.DataFrame({
        t("fx.col_instrument", lang): [t(f"fx.ins_{name}", lang) for name in lost.index],
        t("fx.col_pnl_mean", lang): [fmt.money(v, home, lang) for v in lost["mean"]],
        t("fx.col_pnl_bad", lang): [fmt.money(v, home, lang) for v in lost["bad"]],
        t("fx.col_pnl_worst", lang): [fmt.money(v, home, lang) for v in lost["worst"]],
    })


def effectiveness_table(a: Analysis, lang: str) -> pd.DataFrame:
    """Dollar-offset effectiveness for the strategies that use derivatives."""
    rows = []
    for name, r in a.summary.iterrows():
        if np.isnan(r["offset_undefined"]):
            continue
        rows.append({
            t("fx.col_strategy", lang): strategy_label(name, a.policy, lang),
            t("fx.col_offset_median", lang): fmt.percent(r['offset_median'], lang, 0),
            t("fx.col_in_band", lang): fmt.percent(r['offset_in_band'], lang, 0),
            t("fx.col_undefined", lang): fmt.percent(r['offset_undefined'], lang, 0),
        })
    return pd.DataFrame(rows)


def exposure_table(a: Analysis, lang: str) -> pd.DataFrame:
    """The exposure month by month: receivables, payables, net, today's forward, the budget rate."""
    inp = a.inputs
    n = a.months
    rec, pay = inp.receivables[:n], inp.payables[:n]
    k = t("fx.unit_thousands", lang, cur=fmt.currency_name(inp.invoice, lang))
    return pd.DataFrame({
        t("fx.col_settles", lang): [d.isoformat() for d in inp.dates[:n]],
        t("fx.col_receivables", lang, unit=k): [fmt.number(v / 1e3, lang) for v in rec],
        t("fx.col_payables", lang, unit=k): [fmt.number(v / 1e3, lang) for v in pay],
        t("fx.col_net", lang, unit=k): [fmt.number(v / 1e3, lang) for v in rec - pay],
        t("fx.col_forward", lang): [_rate(f, lang) for f in a.forwards],
        t("fx.col_budget_value", lang, unit=_millions(lang, inp.home)): [fmt.number(v / 1e6, lang, 2)
                                                                          for v in a.monthly_budget],
    })


def market_table(a: Analysis, lang: str) -> pd.DataFrame:
    """Market inputs with their sources: spot, budget, rates, volatility, forward, history used."""
    inp, fx = a.inputs, a.inputs.section
    pair = pair_label(inp.home, inp.invoice, lang)
    as_of = t("common.as_of", lang)
    hist = fmt.DASH
    if inp.history is not None:
        hist = f"{pair_label(*str(inp.history.name).split('/'), lang)}: {inp.history.attrs.get('source', '')}"
        if inp.history_is_proxy:
            hist += " " + t("fx.proxy_tag", lang)
    rows = [
        (t("fx.item_spot", lang, pair=pair), _rate(inp.spot, lang), f"{inp.spot_source} ({as_of} {inp.spot_as_of})"),
        (t("fx.item_budget", lang), _rate(inp.budget, lang), t("fx.budget_source", lang)),
        (t("fx.item_forward", lang, months=a.months), _rate(a.forwards[-1], lang), t("fx.forward_source", lang)),
        (_rate_item(inp.home, inp.rate_domestic, inp, lang), fmt.percent(inp.r_domestic, lang, 2),
         _rate_source(inp.rate_domestic, lang)),
        (_rate_item(inp.invoice, inp.rate_foreign, inp, lang), fmt.percent(inp.r_foreign, lang, 2),
         _rate_source(inp.rate_foreign, lang)),
        (t("fx.item_vol", lang), fmt.percent(a.vol, lang, 1),
         inp.vol_note if a.vol == inp.vol else t("fx.vol_user", lang)),
        (t("fx.item_history", lang), hist, ""),
        (t("fx.item_exposure", lang), fmt.money(a.budget_total, inp.home, lang), t("fx.exposure_source", lang,
                                                                                source=fx.exposure_source)),
    ]
    return pd.DataFrame(rows, columns=[t("fx.col_item", lang), t("fx.col_value", lang), t("fx.col_source", lang)])


def _rate_item(currency: str, fact: InterestRate, inp: Inputs, lang: str) -> str:
    label = t("fx.item_rate", lang, cur=fmt.currency_name(currency, lang))
    if fact.stale(inp.as_of, inp.stale_after_days):
        label += f" ({t('fx.rate_stale_tag', lang)})"
    return label


def _rate_source(fact: InterestRate, lang: str) -> str:
    return t("fx.rate_source", lang, name=fact.name, start=fact.valid_from or fmt.DASH, source=fact.source,
             as_of=t("common.as_of", lang), checked=fact.as_of)


def stale_rates_note(inp: Inputs, lang: str) -> str:
    """A warning naming each interest rate whose as-of date is older than ``facts.stale_after_days`` on the
    report date (Markdown; empty when both are fresh)."""
    stale = inp.stale_rates
    if not stale:
        return ""
    items = [t("fx.rate_stale_item", lang, cur=fmt.currency_name(cur, lang), value=fmt.percent(r.value, lang, 2),
               name=r.name, as_of=r.as_of, age=(inp.as_of - r.as_of).days) for cur, r in stale]
    return t("fx.rates_stale", lang, on=inp.as_of, items=("；" if lang == "zh-TW" else "; ").join(items),
             days=inp.stale_after_days)


def proxy_volatility(inp: Inputs, window: int = 252) -> float | None:
    """Realised volatility of the charted (proxy) pair over ``window`` days, for comparison with a stated vol."""
    if inp.history is None:
        return None
    return rates.annualized_volatility(inp.history, window=window)


# ======================================================================================== conclusions

def exposure_text(a: Analysis, lang: str) -> str:
    """This market's exposure in words (Markdown): currency, why, payment terms, size, natural cover."""

    inp, fx = a.inputs, a.inputs.section
    rec, pay = inp.receivables[:a.months], inp.payables[:a.months]
    matched = float(np.minimum(pay, rec).sum() / rec.sum())
    return t("fx.exposure_text", lang, market=country_name(inp.code, lang), cur=fmt.currency_name(inp.invoice, lang),
             note=escape_md(fx.invoice_note(lang)), terms=escape_md(fx.terms(lang)), months=a.months,
             total=fmt.money(a.budget_total, inp.home, lang), budget=_rate(inp.budget, lang),
             pair=pair_label(inp.home, inp.invoice, lang), matched=fmt.percent(matched, lang, 0))


def proxy_note(a: Analysis, lang: str, window: int = 252) -> str:
    """For a proxy history: its realised volatility next to the scenario's stated one (Markdown)."""
    inp = a.inputs
    if inp.history is None or not inp.history_is_proxy:
        return ""
    dom, fgn = str(inp.history.name).split("/")
    return t("fx.proxy_vol_note", lang, pair=pair_label(dom, fgn, lang), home=fmt.currency_name(inp.home, lang),
             vol=fmt.percent(rates.annualized_volatility(inp.history, window=window), lang, 1),
             stated=fmt.percent(inp.vol, lang, 1))



def recommendation(a: Analysis, lang: str) -> str:
    """The report's recommendation paragraph (Markdown) in the report's language."""
    s, inp = a.summary, a.inputs
    best = a.recommended
    r, u = s.loc[best], s.loc["unhedged"]
    fits = r["cfar95_share"] <= a.tolerance + 1e-12
    parts = [t("fx.rec_lead" if fits else "fx.rec_lead_none", lang,
               strategy=strategy_label(best, a.policy, lang), tol=fmt.percent(a.tolerance, lang, 0),
               cfar=fmt.money(r["cfar95"], inp.home, lang), share=fmt.percent(r['cfar95_share'], lang, 1),
               base=fmt.money(u["cfar95"], inp.home, lang), base_share=fmt.percent(u['cfar95_share'], lang, 1),
               cost=fmt.money(r["cost"], inp.home, lang), months=a.months)]
    if a.min_cover is None:
        dealt = a.forwards * (1 - a.policy.forward_margin)
        locked_gap = a.budget_total - float((inp.receivables[:a.months] * dealt).sum())
        parts.append(t("fx.rec_cover_none", lang, tol=fmt.percent(a.tolerance, lang, 0),
                       full=fmt.money(locked_gap, inp.home, lang),
                       share=fmt.percent(locked_gap / a.budget_total, lang, 1)))
    else:
        parts.append(t("fx.rec_cover", lang, ratio=fmt.percent(a.min_cover, lang, 0),
                       tol=fmt.percent(a.tolerance, lang, 0)))
    if a.min_cover_net is not None:
        parts.append(t("fx.rec_cover_net", lang, ratio=fmt.percent(a.min_cover_net, lang, 0)))
    return ("" if lang == "zh-TW" else " ").join(parts)


def headline(a: Analysis, lang: str) -> tuple[str, str, float]:
    """The chapter's headline sentence, its key figure and the number behind it (95 % CFaR, home currency)."""
    r, u = a.summary.loc[a.recommended], a.summary.loc["unhedged"]
    text = t("fx.headline", lang, strategy=strategy_label(a.recommended, a.policy, lang),
             cfar=fmt.money(r["cfar95"], a.inputs.home, lang), base=fmt.money(u["cfar95"], a.inputs.home, lang),
             cost=fmt.money(r["cost"], a.inputs.home, lang), inv=fmt.currency_name(a.inputs.invoice, lang))
    key = t("fx.headline_figure", lang, cfar=fmt.money(r["cfar95"], a.inputs.home, lang))
    return text, key, float(r["cfar95"])


def talking_points(a: Analysis, lang: str) -> list[str]:
    """Two or three sentences for the workshop slide, with this market's numbers, in the report's language:
    the unhedged bad year, the cover that meets the tolerance, and the carry of the forward (or, with equal
    interest rates, the natural hedge)."""
    s, inp = a.summary, a.inputs
    u = s.loc["unhedged"]
    months = [d.strftime("%Y-%m") for d in inp.dates[:a.months]]
    points = [t("fx.pt_unhedged", lang, months=a.months, inv=fmt.currency_name(inp.invoice, lang),
                cfar=fmt.money(u["cfar95"], inp.home, lang), share=fmt.percent(u['cfar95_share'], lang, 1),
                worst=months[int(u["worst_month"]) - 1])]
    if a.min_cover is None:
        points.append(t("fx.pt_cover_none", lang, tol=fmt.percent(a.tolerance, lang, 0),
                        strategy=in_sentence(strategy_label(a.recommended, a.policy, lang), lang),
                        share=fmt.percent(s.at[a.recommended, 'cfar95_share'], lang, 1)))
    else:
        points.append(t("fx.pt_cover", lang, ratio=fmt.percent(a.min_cover, lang, 0),
                        tol=fmt.percent(a.tolerance, lang, 0),
                        strategy=in_sentence(strategy_label(a.recommended, a.policy, lang), lang),
                        cost=fmt.money(s.at[a.recommended, "cost"], inp.home, lang)))
    differential = inp.r_domestic - inp.r_foreign
    if abs(differential) >= 0.0025 or "natural" not in s.index:
        carry = float((inp.receivables[:a.months] * (inp.spot - a.forwards)).sum())   # full cover, vs spot
        points.append(t("fx.pt_carry_discount" if differential < 0 else "fx.pt_carry_premium", lang,
                        fwd=_rate(a.forwards[-1], lang), spot=_rate(inp.spot, lang), months=a.months,
                        pct=fmt.percent(abs(differential), lang, 2), amount=fmt.money(abs(carry), inp.home, lang)))
    else:
        rec, pay = inp.receivables[:a.months], inp.payables[:a.months]
        points.append(t("fx.pt_natural", lang, cur=fmt.currency_name(inp.invoice, lang),
                        matched=fmt.percent(float(np.minimum(pay, rec).sum() / rec.sum()), lang, 0),
                        cfar=fmt.money(s.at["natural", "cfar95"], inp.home, lang)))
    return points
