"""Helpers for the payments workshop's worked answers: the recommended term by deal amount and the
open-account break-even by tenor, as tables and notes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crossborder.core.fmt import money, percent
from crossborder.core.i18n import t

from .data import CURRENCY
from .model import BreakEven
from .present import breakeven_text, inst_label, paren, tier_label
from .section import Payments


def amount_table(bands: pd.DataFrame, pay: Payments, lang: str, amount: float | None = None) -> pd.DataFrame:
    """``terms_by_amount`` for display, marking the band that holds the scenario's deal."""
    amount = pay.deal.amount if amount is None else amount
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    exact = lambda x: money(x, CURRENCY, lang, exact=True, digits=0)  # noqa: E731  band edges are exact to the dollar
    return pd.DataFrame({
        c("col_amount_band"): [f"{exact(a)} – {exact(b)}" for a, b in zip(bands["from"], bands["to"])],
        c("col_recommended"): [inst_label(i, lang) + (paren(c("negotiate"), lang) if n else "")
                               for i, n in zip(bands["instrument"], bands["negotiate"])],
        c("col_this_deal"): ["◀ " + exact(amount) if a <= amount <= b else "" for a, b in zip(bands["from"], bands["to"])],
    })


def amount_note(bands: pd.DataFrame, pay: Payments, lang: str) -> str:
    """Where the scenario's deal sits among the bands, and what happens at the next bigger one."""
    amount, tier = pay.deal.amount, pay.deal.tier
    i = int(np.flatnonzero((bands["from"] <= amount) & (amount <= bands["to"]))[0])
    r = bands.iloc[i]
    usd = lambda x: money(x, CURRENCY, lang)  # noqa: E731
    f = dict(tier=tier_label(pay, tier, lang), amount=usd(amount), instrument=inst_label(r["instrument"], lang),
             to=usd(r["to"]), own=usd(pay.tiers[tier].own_limit), insurer=usd(pay.tiers[tier].insurer_limit))
    parts = [t("payments.amount_here" if i + 1 < len(bands) else "payments.amount_here_last", lang, **f)]
    if i + 1 < len(bands):
        nxt = bands.iloc[i + 1]
        parts.append(t("payments.amount_next", lang, other=inst_label(nxt["instrument"], lang), **f))
    parts.append(t("payments.amount_limits", lang, **f))
    return ("" if lang == "zh-TW" else " ").join(parts)


def tenor_note(table: pd.DataFrame, pay: Payments, lang: str, tier: str | None = None) -> str:
    """How the break-even moves with the tenor, and from which tenor the tier's own PD is above it."""
    tier = pay.deal.tier if tier is None else tier
    x = table[table["status"] == "crosses"]
    if x.empty:
        return t("payments.tenor_none", lang)
    p = pay.tiers[tier].annual_pd
    over = x.index[x["pd"] < p]
    pct = lambda v: percent(v, lang, 2)  # noqa: E731
    f = dict(t0=int(x.index[0]), t1=int(x.index[-1]), p0=pct(x["pd"].iloc[0]), p1=pct(x["pd"].iloc[-1]),
             h0=pct(x["horizon_pd"].min()), h1=pct(x["horizon_pd"].max()), tier=tier_label(pay, tier, lang), pd=pct(p))
    tail = (t("payments.tenor_tier_over", lang, tenor=int(over[0]), **f) if len(over)
            else t("payments.tenor_tier_under", lang, **f))
    why = t("payments.tenor_why", lang) if x["horizon_pd"].max() < 1.5 * x["horizon_pd"].min() else ""
    return ("" if lang == "zh-TW" else " ").join(p for p in (t("payments.tenor_moves", lang, **f), why, tail) if p)


def tenor_table(table: pd.DataFrame, pay: Payments, lang: str, tier: str | None = None) -> pd.DataFrame:
    """``breakeven_by_tenor`` for display."""
    tier = pay.deal.tier if tier is None else tier
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("col_tenor"): [f"{d} {c('days')}" for d in table.index],
        c("col_reference"): [inst_label(r, lang) for r in table["reference"]],
        c("col_breakeven"): [breakeven_text(BreakEven(p, s, "oa", r, 0.0), lang)
                             for p, s, r in zip(table["pd"], table["status"], table["reference"])],
        c("col_horizon_pd"): [percent(x, lang, 2) for x in table["horizon_pd"]],
        c("col_tier_pd"): [percent(pay.tiers[tier].annual_pd, lang, 2)] * len(table),
    })
