"""The platform chapter's model (pure): first-year economics per channel, selection scores, uncertainty
(Monte Carlo, tornado) and one market's whole analysis. Formulas in the package docstring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from pydantic import ValidationError
from scipy.optimize import brentq

from crossborder.core import stats
from crossborder.core.errors import InputError
from crossborder.core.paths import relative
from crossborder.core.unit_economics import margin_curve, unit_economics

from .data import CHANNELS_FILE
from .model_mix import YEAR, BudgetReturn, optimise_mix
from .section import CRITERIA, Platforms, Weights

PAYBACK_HORIZON = 120   # months of a new customer's margin looked at for payback; beyond: "over 10 years"


def updated(section: Platforms, **changes: Any) -> Platforms:
    """A copy of the section with ``changes`` applied and validated (InputError naming the key otherwise)."""
    data = section.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = list(value) if isinstance(value, tuple) else value
    try:
        return Platforms.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
        if not err["loc"]:  # a check across keys: the section as a whole
            raise InputError(f"platforms: expected {msg}") from None
        key = ".".join(str(p) for p in err["loc"])
        found = err.get("input")
        found = f", found {found!r}" if not isinstance(found, dict) else ""
        raise InputError(f"platforms.{key}: expected {msg}{found}") from None


def _check_ids(section: Platforms, channels: pd.DataFrame, where: str) -> None:
    known = set(channels.index)
    for key, ids in (("channels", section.channels), ("mix_channels", section.mix_channels),
                     ("reach", list(section.reach)), ("baseline", [section.baseline])):
        unknown = [c for c in ids if c not in known]
        if unknown:
            raise InputError(f"{where}: key 'platforms.{key}': expected channel ids defined in "
                             f"{relative(CHANNELS_FILE)} ({', '.join(channels.index)}), found {', '.join(map(repr, unknown))}")


def market_inputs(channels: pd.DataFrame, section: Platforms, where: str = "scenario") -> pd.DataFrame:
    """The data rows of the compared channels, adjusted to the market (reach, conversion, order value)."""
    _check_ids(section, channels, where)
    table = channels.loc[section.channels].copy()
    table["reach"] = [section.reach.get(c, 1.0) for c in table.index]
    for col in ("conversion", "conversion_low", "conversion_high"):
        table[col] = np.minimum(table[col].to_numpy() * section.conversion_factor, 1.0)
    for col in ("order_value", "order_value_low", "order_value_high"):
        table[col] = table[col].to_numpy() * section.order_value_factor
    return table


# ------------------------------------------------------------------------------------------- formulas

def acquisition_spend(setup: ArrayLike, membership_per_year: ArrayLike, ads_per_month: ArrayLike,
                      other_per_year: ArrayLike) -> np.ndarray:
    """First-year spend to stay on a channel: set-up + membership + 12 x ads + other."""
    return (np.asarray(setup, float) + np.asarray(membership_per_year, float)
            + YEAR * np.asarray(ads_per_month, float) + np.asarray(other_per_year, float))


def qualified_per_month(inquiries_per_month: ArrayLike, reach: ArrayLike, spam_share: ArrayLike,
                        qualified_share: ArrayLike) -> np.ndarray:
    """Qualified inquiries a month at full run rate: inquiries x reach x (1 - spam) x qualified share."""
    return (np.asarray(inquiries_per_month, float) * np.asarray(reach, float)
            * (1 - np.asarray(spam_share, float)) * np.asarray(qualified_share, float))


def ramp_weights(ramp_months: ArrayLike, months: ArrayLike) -> np.ndarray:
    """Share of the full run rate reached in month t: min(1, t / ramp) for t >= 1, 0 before month 1.

    Element-wise with numpy broadcasting (callers arrange the axes); a ramp of 0 means full rate from month 1.
    """
    r = np.asarray(ramp_months, float)
    m = np.asarray(months, float)
    safe = np.where(r > 0, r, 1.0)
    w = np.where(r > 0, np.minimum(1.0, m / safe), 1.0)
    return np.where(m >= 1, w, 0.0)


def first_year_leads(qualified_pm: ArrayLike, ramp_months: ArrayLike) -> np.ndarray:
    """Qualified inquiries in months 1..12: q x sum of the ramp weights."""
    ramp = np.asarray(ramp_months, float)[..., None]
    return np.asarray(qualified_pm, float) * ramp_weights(ramp, np.arange(1, YEAR + 1)).sum(axis=-1)


def cost_per_po(spend: ArrayLike, leads: ArrayLike, conversion: ArrayLike, commission: ArrayLike,
                order_value: ArrayLike) -> np.ndarray:
    """Cost per first PO = spend / (leads x conversion) + commission x order value; +inf where no PO is won."""
    won = np.asarray(leads, float) * np.asarray(conversion, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_po = np.where(won > 0, np.asarray(spend, float) / won, np.inf)
    return per_po + np.asarray(commission, float) * np.asarray(order_value, float)


def _cpp_of(p: dict[str, np.ndarray]) -> np.ndarray:
    """Cost per PO from raw inputs (used by the tornado and the Monte Carlo, as by the main table)."""
    spend = acquisition_spend(p["setup"], p["membership_per_year"], p["ads_per_month"], p["other_per_year"])
    leads = first_year_leads(qualified_per_month(p["inquiries_per_month"], p["reach"], p["spam_share"],
                                                 p["qualified_share"]), p["ramp_months"])
    return cost_per_po(spend, leads, p["conversion"], p["commission"], p["order_value"])


def timeline(inputs: pd.DataFrame, gross_margin: float, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly expected cost and gross profit per channel; returns (months 0..H, cumulative cost, cumulative GP).

    Arrays are (channels, H + 1) with month 0 = 0 (the start). See the module docstring for the formulas.
    """
    months = np.arange(1, horizon + 1)
    q = qualified_per_month(inputs["inquiries_per_month"], inputs["reach"], inputs["spam_share"],
                            inputs["qualified_share"])
    lag = inputs["months_to_first_order"].to_numpy(float)
    conv = inputs["conversion"].to_numpy(float)
    # customers who start ordering in month t come from the inquiries of month t - lag
    starting = conv[:, None] * q[:, None] * ramp_weights(inputs["ramp_months"].to_numpy(float)[:, None],
                                                         months[None, :] - lag[:, None])
    active = np.cumsum(starting, axis=1)
    orders = active * inputs["orders_per_year"].to_numpy(float)[:, None] / YEAR
    revenue = orders * inputs["order_value"].to_numpy(float)[:, None]
    gross_profit = revenue * gross_margin
    fixed = (inputs["ads_per_month"].to_numpy(float) + inputs["other_per_year"].to_numpy(float) / YEAR)[:, None]
    cost = np.broadcast_to(fixed, revenue.shape).copy()
    cost[:, 0] += inputs["setup"].to_numpy(float)
    cost[:, (months - 1) % YEAR == 0] += inputs["membership_per_year"].to_numpy(float)[:, None]
    cost += revenue * inputs["commission"].to_numpy(float)[:, None]
    zero = np.zeros((len(inputs), 1))
    return (np.arange(0, horizon + 1), np.hstack([zero, np.cumsum(cost, axis=1)]),
            np.hstack([zero, np.cumsum(gross_profit, axis=1)]))


def channel_economics(inputs: pd.DataFrame, gross_margin: float, horizon: int = 24,
                      cumulative: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """First-year economics per channel (see the module docstring); NaN marks 'no such number'.

    ``cumulative`` is :func:`timeline`'s result for the same inputs (computed here when not given).
    """
    spend = acquisition_spend(inputs["setup"], inputs["membership_per_year"], inputs["ads_per_month"],
                              inputs["other_per_year"])
    q = qualified_per_month(inputs["inquiries_per_month"], inputs["reach"], inputs["spam_share"],
                            inputs["qualified_share"])
    leads = first_year_leads(q, inputs["ramp_months"].to_numpy(float))
    conv = inputs["conversion"].to_numpy(float)
    won = leads * conv
    value = inputs["order_value"].to_numpy(float)
    commission = inputs["commission"].to_numpy(float)
    unit_margin = value * (gross_margin - commission)
    monthly_margin = unit_margin * inputs["orders_per_year"].to_numpy(float) / YEAR
    # what a newly won customer earns, counted from its first order (month 1) as in the funnel chapter, where
    # an account's ``since`` is its first order: C(k) = k x monthly margin (no lag: the months from inquiry
    # to first order belong to the calendar break-even, not to the customer's payback)
    ue = unit_economics(spend, won, margin_curve(monthly_margin, 0.0, PAYBACK_HORIZON))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_lead = np.where(leads > 0, spend / leads, np.nan)
        breakeven_orders = np.where(unit_margin > 0, np.ceil(spend / np.where(unit_margin > 0, unit_margin, 1)), np.nan)
    months, cum_cost, cum_gp = cumulative or timeline(inputs, gross_margin, max(horizon, YEAR))
    covered = (cum_gp >= cum_cost) & (cum_gp > 0)
    breakeven_month = np.where(covered.any(axis=1), covered.argmax(axis=1), np.nan).astype(float)
    cost_y1, gp_y1 = cum_cost[:, YEAR], cum_gp[:, YEAR]
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(cost_y1 > 0, (gp_y1 - cost_y1) / cost_y1, np.nan)
    return pd.DataFrame({
        "spend": spend, "qualified_per_month": q, "leads": leads, "customers": won,
        "cost_per_lead": per_lead, "cac": ue.cac, "cost_per_po": ue.cac + commission * value,
        "monthly_margin": monthly_margin, "payback_months": ue.payback_months, "pays_back": ue.pays_back,
        "payback_beyond": ~ue.pays_back & (won > 0) & (monthly_margin > 0),
        "unit_margin": unit_margin, "breakeven_orders": breakeven_orders, "breakeven_month": breakeven_month,
        "cost_y1": cost_y1, "gross_profit_y1": gp_y1, "roi_y1": roi,
    }, index=inputs.index)


def selection_scores(inputs: pd.DataFrame, economics: pd.DataFrame, weights: Weights) -> pd.DataFrame:
    """The outline's four criteria scored 0-100, the weighted score and the rank (1 = best)."""
    value = inputs["order_value"].to_numpy(float)
    reach = np.minimum(inputs["reach"].to_numpy(float), 1.0)
    fit = 100 * reach * inputs["buyer_fit"].to_numpy(float) / 5 * (0.5 + 0.5 * value / max(value.max(), 1e-12))
    cpp = economics["cost_per_po"].to_numpy(float)
    finite = np.isfinite(cpp) & (cpp > 0)
    best = cpp[finite].min() if finite.any() else np.nan
    cost = np.where(finite, 100 * best / np.where(finite, cpp, 1), 0.0)
    genuine = (1 - inputs["spam_share"].to_numpy(float)) * inputs["qualified_share"].to_numpy(float)
    top = genuine.max()
    quality = (100 * (genuine / top if top > 0 else 0 * genuine)
               * (0.5 + 0.25 * inputs["fraud_protection"].to_numpy(float)))
    tools = 100 * inputs[["tool_quote", "tool_insight", "tool_api"]].to_numpy(float).sum(axis=1) / 3
    criteria = np.column_stack([fit, cost, quality, tools])
    score = criteria @ weights.normalised()
    out = pd.DataFrame(criteria, columns=list(CRITERIA), index=inputs.index)
    out["score"] = score
    # ties broken by lower cost per PO, then by data order (stable)
    order = np.lexsort((np.where(np.isfinite(cpp), cpp, np.inf), -np.round(score, 9)))
    rank = np.empty(len(score), dtype=int)
    rank[order] = np.arange(1, len(score) + 1)
    out["rank"] = rank
    return out


def triangular(rng: np.random.Generator, low: ArrayLike, mode: ArrayLike, high: ArrayLike, size: int) -> np.ndarray:
    """Draws (size, n) from triangular distributions (low, mode, high); a zero-width range returns its point."""
    a, c, b = (np.asarray(v, float) for v in (low, mode, high))
    flat = b <= a
    draws = rng.triangular(np.where(flat, c - 0.5, a), c, np.where(flat, c + 0.5, b), size=(size, a.size))
    return np.where(flat, c, draws)


def beat_probability(inputs: pd.DataFrame, baseline: str, draws: int, seed: int) -> pd.Series:
    """P(channel's cost per PO < the baseline's), conversion and order value drawn from their ranges.

    A channel that wins no PO in a draw never beats; the baseline's own entry is NaN.
    """
    gen = stats.rng(seed)
    conv = triangular(gen, inputs["conversion_low"], inputs["conversion"], inputs["conversion_high"], draws)
    value = triangular(gen, inputs["order_value_low"], inputs["order_value"], inputs["order_value_high"], draws)
    p = {c: inputs[c].to_numpy(float) for c in _TORNADO_FIELDS}
    p.update(conversion=conv, order_value=value)
    cpp = _cpp_of(p)
    base = cpp[:, inputs.index.get_loc(baseline)][:, None]
    prob = (cpp < base).mean(axis=0)
    out = pd.Series(prob, index=inputs.index, name="p_beat")
    out[baseline] = np.nan
    return out


# (input, how it swings): "range" uses <name>_low/_high from the data; "share" swings by +/- tornado_swing
_TORNADO_INPUTS = (
    ("conversion", "range"), ("order_value", "range"), ("inquiries_per_month", "share"),
    ("reach", "share"), ("spam_share", "share"), ("qualified_share", "share"), ("ramp_months", "share"),
    ("setup", "share"), ("membership_per_year", "share"), ("ads_per_month", "share"),
    ("other_per_year", "share"), ("commission", "share"),
)
_TORNADO_FIELDS = ("setup", "membership_per_year", "ads_per_month", "other_per_year", "inquiries_per_month",
                   "reach", "spam_share", "qualified_share", "ramp_months", "conversion", "commission", "order_value")
_CAPPED = {"spam_share", "qualified_share", "conversion"}
_RANGED = ("conversion_low", "conversion_high", "order_value_low", "order_value_high")


def tornado(inputs: pd.DataFrame, channel: str, swing: float) -> tuple[float, pd.DataFrame]:
    """Cost per PO of ``channel`` and, per input, its value at the input's low and high end.

    Returns (base cost per PO, table with columns input, low, high, cpp_low, cpp_high, spread) sorted by
    spread, largest first; inputs that do not move cost per PO are left out. +inf means 'no PO'.
    """
    if channel not in inputs.index:
        raise InputError(f"channel: expected one of {', '.join(inputs.index)}, found {channel!r}")
    row = inputs.loc[channel]
    base = {f: np.float64(row[f]) for f in _TORNADO_FIELDS}
    names, lows, highs = [], [], []
    for name, kind in _TORNADO_INPUTS:
        if kind == "range":
            lo, hi = float(row[f"{name}_low"]), float(row[f"{name}_high"])
        else:
            lo, hi = base[name] * (1 - swing), base[name] * (1 + swing)
            if name in _CAPPED:
                lo, hi = min(lo, 1.0), min(hi, 1.0)
        names.append(name)
        lows.append(lo)
        highs.append(hi)
    k = len(names)
    p = {f: np.full(2 * k, base[f]) for f in _TORNADO_FIELDS}
    for i, name in enumerate(names):
        p[name][i], p[name][k + i] = lows[i], highs[i]
    cpp = _cpp_of(p)
    base_cpp = float(_cpp_of({f: np.array([v]) for f, v in base.items()})[0])
    table = pd.DataFrame({"input": names, "low": lows, "high": highs, "cpp_low": cpp[:k], "cpp_high": cpp[k:]})
    finite_base = base_cpp if np.isfinite(base_cpp) else np.nan
    lo_dev = np.abs(np.where(np.isfinite(table["cpp_low"]), table["cpp_low"] - finite_base, np.inf))
    hi_dev = np.abs(np.where(np.isfinite(table["cpp_high"]), table["cpp_high"] - finite_base, np.inf))
    table["spread"] = np.fmax(lo_dev, hi_dev)
    moves = ~np.isclose(table["cpp_low"], table["cpp_high"], rtol=1e-12, atol=1e-9) & ~(
        np.isinf(table["cpp_low"]) & np.isinf(table["cpp_high"]))
    table = table[moves].sort_values("spread", ascending=False, kind="stable").reset_index(drop=True)
    return base_cpp, table


# -------------------------------------------------------------------------------------------- analysis

@dataclass(frozen=True)
class Analysis:
    """Everything the chapter shows for one market: inputs, economics, selection, uncertainty, mix."""

    market: str
    section: Platforms
    inputs: pd.DataFrame        # market-adjusted data rows of the compared channels
    economics: pd.DataFrame     # channel_economics
    selection: pd.DataFrame     # selection_scores (+ p_beat)
    months: np.ndarray
    cum_cost: np.ndarray
    cum_gp: np.ndarray
    mix: pd.DataFrame
    mix_totals: dict[str, float]
    labels: dict[str, dict[str, str]]  # channel -> {lang: display name}

    @property
    def ranked(self) -> list[str]:
        return list(self.selection.sort_values("rank").index)

    @property
    def candidates(self) -> list[str]:
        """The channels the budget is split over: the ``shortlist`` best-scoring of the mix channels."""
        return candidates(self.selection, self.section)

    @property
    def shortlist(self) -> list[str]:
        """The recommended channels: the candidates the budget optimiser funds, the most money first (one
        rule for the recommendation and the budget split, so they cannot disagree)."""
        return funded(self.mix) or self.candidates

    def name(self, channel: str, lang: str) -> str:
        return self.labels[channel][lang]


def candidates(selection: pd.DataFrame, section: Platforms) -> list[str]:
    """The ``section.shortlist`` highest-ranked channels among ``section.mix_channels`` (the channels the team
    can put money on): the budget mix is optimised over these."""
    ranked = list(selection.sort_values("rank").index)
    return [c for c in ranked if c in section.mix_channels][: section.shortlist]


def funded(mix: pd.DataFrame) -> list[str]:
    """Channels of the mix that get money (over half a dollar), the largest spend first (ties: mix order)."""
    m = mix[mix["spend"] > 0.5]
    return list(m.sort_values("spend", ascending=False, kind="stable").index)


def focus_of(a: Analysis, channel: str, where: str = "focus_channel") -> str:
    """The channel to look at closely: ``channel`` if given (checked), else the top-ranked one."""
    if not channel:
        return a.shortlist[0]
    if channel not in a.inputs.index:
        raise InputError(f"{where}: expected one of the compared channels ({', '.join(a.inputs.index)}), found {channel!r}")
    return channel


def analyse_market(market: str, section: Platforms, table: pd.DataFrame, *, where: str = "scenario",
                   memo: dict | None = None) -> Analysis:
    """Run the whole chapter's model for one market's section on the channel data ``table``.

    ``where`` names the scenario in error messages. ``memo`` (a dict kept by the caller, e.g. the control
    panel) reuses the last Monte Carlo when its inputs are unchanged: the draws depend only on conversion,
    order value, the baseline, the draws and the seed.
    """
    inputs = market_inputs(table, section, where)
    months, cum_cost, cum_gp = timeline(inputs, section.gross_margin, section.horizon_months)
    economics = channel_economics(inputs, section.gross_margin, section.horizon_months, (months, cum_cost, cum_gp))
    selection = selection_scores(inputs, economics, section.weights)
    mc = section.monte_carlo
    key = (section.baseline, mc.draws, mc.seed, tuple(inputs.index),
           inputs[list(_RANGED)].to_numpy(float).tobytes(), inputs[list(_TORNADO_FIELDS)].to_numpy(float).tobytes())
    if memo is not None and memo.get("beat", (None,))[0] == key:
        p_beat = memo["beat"][1]
    else:
        p_beat = beat_probability(inputs, section.baseline, mc.draws, mc.seed)
        if memo is not None:
            memo["beat"] = (key, p_beat)
    selection["p_beat"] = p_beat
    mix, totals = optimise_mix(inputs, economics, candidates(selection, section), section.budget, section.objective)
    labels = {c: {"en": en, "zh-TW": zh} for c, en, zh in zip(inputs.index, inputs["name_en"], inputs["name_zh_TW"])}
    return Analysis(market, section, inputs, economics, selection, months, cum_cost, cum_gp, mix, totals, labels)


def budget_for_return(a: Analysis, hurdle: float = 1.0, step: float = 1000.0) -> BudgetReturn:
    """The yearly budget up to which one more ``step`` (USD 1,000) spent on the mix channels still brings at
    least ``hurdle`` x ``step`` of gross profit in a year, the mix re-optimised for profit at every budget
    (:func:`optimise_mix`). Gross profit is concave in the budget (each channel saturates), so the extra
    profit of one more step falls as the budget grows; the crossing is found with Brent's method between
    the sum of the channels' minimum and maximum spends."""
    if not hurdle > 0 or not step > 0:
        raise InputError(f"hurdle, step: expected numbers > 0, found {hurdle!r}, {step!r}")
    chans = a.candidates
    sub = a.inputs.loc[chans]
    low, high = float(sub["spend_min"].sum()), float(sub["spend_max"].sum())

    def profit(budget: float) -> float:
        return optimise_mix(a.inputs, a.economics, chans, budget, "profit")[1]["gross_profit"]

    def extra(budget: float) -> float:
        return profit(budget + step) - profit(budget) - hurdle * step

    current = float(a.section.budget)
    marginal_now = profit(min(current, high) + step) - profit(min(current, high)) if current >= low else float("nan")
    top = max(high - step, low)
    if extra(low) <= 0:
        status, budget = "below_minimum", low
    elif extra(top) > 0:
        status, budget = "at_maximum", high
    else:
        status, budget = "interior", float(brentq(extra, low, top, xtol=1.0))
    return BudgetReturn(budget, status, low, high, current, marginal_now, profit(budget))
