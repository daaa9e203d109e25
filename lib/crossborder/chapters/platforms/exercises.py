"""Worked answers of the workshop exercises: the challenger channel, the conversion at which it draws level
with the own site, and where one more USD 1,000 of budget stops paying."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from crossborder.core import fmt
from crossborder.core.errors import InputError
from crossborder.core.i18n import t

from .data import CURRENCY
from .model import _CAPPED, _TORNADO_FIELDS, Analysis, _cpp_of
from .model_mix import BudgetReturn
from .present import spaced

PARITY_FIELDS = ("conversion", "inquiries_per_month", "membership_per_year", "ads_per_month")


def challenger(a: Analysis) -> str:
    """The best-ranked channel other than the baseline (the one a team would sign up for next)."""
    return next(c for c in a.ranked if c != a.section.baseline)


def parity_factor(inputs: pd.DataFrame, channel: str, against: str, field: str = "conversion",
                  bounds: tuple[float, float] = (1e-3, 1e3)) -> float:
    """The multiplier on ``channel``'s ``field`` at which its cost per PO equals ``against``'s.

    Below 1: how far a promise (conversion, inquiries) may fall before the channel stops being cheaper per
    order; above 1: how much it must improve (or, for a cost, may grow) to draw level. Found with Brent's
    method on log f over ``bounds`` along the chapter's own cost-per-PO formula; NaN when the two never
    cross in that range (e.g. the field does not move the cost, or a capped share would pass 100 %).
    """
    for name in (channel, against):
        if name not in inputs.index:
            raise InputError(f"channel: expected one of the compared channels ({', '.join(inputs.index)}), found {name!r}")
    if field not in _TORNADO_FIELDS:
        raise InputError(f"field: expected one of {', '.join(_TORNADO_FIELDS)}, found {field!r}")
    row = {f: np.float64(inputs.at[channel, f]) for f in _TORNADO_FIELDS}
    target = float(_cpp_of({f: np.array([inputs.at[against, f]], float) for f in _TORNADO_FIELDS})[0])
    if not np.isfinite(target):
        return float("nan")

    def gap(log_f: float) -> float:
        p = dict(row)
        p[field] = row[field] * math.exp(log_f)
        if field in _CAPPED:
            p[field] = min(p[field], 1.0)
        cpp = float(_cpp_of({k: np.array([v]) for k, v in p.items()})[0])
        return (math.log(cpp) if np.isfinite(cpp) else 50.0) - math.log(target)

    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    if field in _CAPPED and row[field] > 0:
        hi = min(hi, -math.log(row[field]))            # a share cannot pass 100 %
    g_lo, g_hi = gap(lo), gap(hi)
    if not (np.isfinite(g_lo) and np.isfinite(g_hi)) or g_lo * g_hi > 0:
        return float("nan")
    return float(math.exp(brentq(gap, lo, hi, xtol=1e-12)))


def parity_table(a: Analysis, channel: str, lang: str, fields: tuple[str, ...] = PARITY_FIELDS) -> pd.DataFrame:
    """For each assumption of ``channel`` (those it has: a zero fee is left out): its value now, the value at
    which the channel's cost per PO equals the baseline's, and the change that takes."""
    base = a.section.baseline
    rows = []
    for f in fields:
        now = float(a.inputs.at[channel, f])
        if now == 0:                                   # a cost the channel does not have cannot be scaled
            continue
        k = parity_factor(a.inputs, channel, base, f)
        if f == "conversion":
            show = lambda v: fmt.percent(v, lang, 1)  # noqa: E731
        elif f in ("membership_per_year", "ads_per_month"):
            show = lambda v: fmt.money(v, CURRENCY, lang)  # noqa: E731
        else:
            show = lambda v: fmt.number(v, lang, 1)  # noqa: E731
        rows.append({
            t("platforms.col_assumption", lang): t(f"platforms.input_{f}", lang),
            t("platforms.col_now", lang): show(now),
            t("platforms.col_at_parity", lang, baseline=a.name(base, lang)): show(now * k) if np.isfinite(k) else fmt.DASH,
            t("platforms.col_change", lang): (fmt.percent(k - 1, lang, 0, signed=True) if np.isfinite(k)
                                              else t("platforms.parity_none", lang)),
        })
    return pd.DataFrame(rows)


def budget_note(br: BudgetReturn, lang: str) -> str:
    """The budget answer in words: where the extra USD 1,000 stops paying, and what that says about the
    scenario's budget."""
    f = {k: fmt.money(v, CURRENCY, lang) for k, v in (
        ("budget", round(br.budget, -3)), ("low", br.low), ("high", br.high), ("current", br.current),
        ("marginal", br.marginal_now), ("profit", br.gross_profit))}
    lines = [t(f"platforms.budget_{br.status}", lang, **f)]
    if np.isfinite(br.marginal_now):
        key = "budget_now_more" if br.current < br.budget - 500 else "budget_now_less" if br.current > br.budget + 500 \
            else "budget_now_right"
        lines.append(t(f"platforms.{key}", lang, **f))
    return spaced(("" if lang == "zh-TW" else " ").join(lines), lang)


def parity_note(a: Analysis, channel: str, lang: str) -> str:
    """The parity answer in words for the conversion promise."""
    base = a.section.baseline
    k = parity_factor(a.inputs, channel, base, "conversion")
    f = dict(channel=a.name(channel, lang), baseline=a.name(base, lang),
             cpp=fmt.money(float(a.economics.at[channel, "cost_per_po"]), CURRENCY, lang),
             base_cpp=fmt.money(float(a.economics.at[base, "cost_per_po"]), CURRENCY, lang))
    if not np.isfinite(k):
        return spaced(t("platforms.parity_note_none", lang, **f), lang)
    key = "parity_note_cut" if k < 1 else "parity_note_raise"
    return spaced(t(f"platforms.{key}", lang, share=fmt.percent(abs(1 - k), lang, 0), factor=fmt.number(k, lang, 2),
                    **f), lang)
