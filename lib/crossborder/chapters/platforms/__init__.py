"""The platform chapter: what each export channel costs per qualified inquiry and per order, which to choose,
and how to split a yearly budget across the chosen ones.

Channels are B2B platforms (general: Alibaba.com, Made-in-China, Global Sources, TradeWheel; vertical:
Thomasnet, EUROPAGES, ChemNet/LookChem, Tridge, G2), the exporter's own website (SEO, SEM) and LinkedIn. Their
cost structure and funnel assumptions are in ``data/platforms.csv`` (illustrative, one row per channel; the
ids are shared with the funnel chapter); what differs by market (reach, order size, conversion, margin,
criteria weights, budget) is in the scenario section ``platforms``. All amounts are in US dollars, the
currency platforms quote.

First-year figures, per channel (arrays over channels; ``t`` = month 1..12):

- spend A = set-up + membership + 12 x ads per month + other per year (acquisition spend, year 1).
- qualified inquiries per month q = inquiries per month x market reach x (1 - spam share) x qualified share;
  in month t the channel delivers q x w(t), w(t) = min(1, t / ramp months) (w = 1 without a ramp), so the
  year's qualified inquiries are Q1 = q x sum_t w(t).
- new customers N1 = Q1 x conversion (qualified inquiry -> first PO): the customers that year-1 inquiries win,
  whenever their first order lands.
- cost per qualified inquiry = A / Q1.
- CAC and payback come from :func:`crossborder.core.unit_economics.unit_economics` (the same function the funnel
  chapter uses): CAC = A / N1; payback months = CAC / monthly margin per customer, with monthly margin
  m = order value x (gross margin - commission) x orders per year / 12. No customer, or no margin: it never
  pays back (NaN, said in words).
- cost per PO (first orders) = CAC + commission x order value: what the channel costs for each first order,
  including the platform's cut of it.
- break-even orders = ceil(A / (order value x (gross margin - commission))).
- Timeline over the horizon (expected values, month by month): customers won from month-s inquiries start
  ordering in month s + months to first order and then order at ``orders_per_year / 12`` a month; cost =
  set-up (month 1) + membership (months 1, 13, ...) + ads + other / 12 + commission on revenue; gross profit
  = revenue x gross margin. Break-even month: the first month the cumulative gross profit covers the
  cumulative cost. First-year ROI = (gross profit - cost) / cost over months 1..12.

Selection (simple additive weighting, MacCrimmon 1968): four criteria from the teaching outline scored 0-100,
combined with the scenario's weights (normalised to sum to 1):

- customer fit and order size = 100 x min(reach, 1) x buyer fit / 5 x (1/2 + 1/2 x order value / largest
  order value): no buyers of the product on the channel, or none in this market, means no fit
- cost = 100 x lowest cost per PO / the channel's cost per PO (0 for a channel that wins no order)
- traffic quality and fraud protection = 100 x genuine qualified share / best share x (1/2 + fraud protection / 4),
  genuine qualified share = (1 - spam share) x qualified share, fraud protection 0 none, 1 verification,
  2 escrow or trade assurance: traffic without protection counts half
- tools = 100 x (quote templates + data insight + API/ERP link) / 3

Uncertainty: conversion and order value are drawn from triangular distributions (low, point, high from the
data; e.g. Vose, *Risk Analysis*, 2008, ch. 9) with the scenario's seed, giving the probability that each
channel's cost per PO is below the baseline's (the exporter's own site). The tornado (Howard 1988) swings one
input at a time between its low and high value and sorts the inputs by how far cost per PO moves.

Budget mix: each channel's qualified inquiries respond to spend x with diminishing returns along a negative
exponential saturation curve (Hanssens, Parsons and Schultz, *Market Response Models*, 2001, ch. 3)
L(x) = Q1 x (1 - exp(-k x / A)) / (1 - exp(-k)), which passes through the data's point (A, Q1); k (column
``saturation``) sets how fast returns fall. The split maximises the sum of L (qualified inquiries) or of
L x conversion x 12 m (a year of gross profit from the customers won) subject to spend_min <= x <= spend_max
and sum x <= budget. The problem is concave and separable, so the optimum equalises marginal returns across
channels not at a bound (Karush-Kuhn-Tucker conditions); the multiplier is found with scipy's Brent root
finder and every spend follows in closed form.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field, ValidationError, model_validator
from scipy.optimize import brentq

from crossborder import scenario as scenario_mod
from crossborder.core import schema, stats, theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import country_name, t
from crossborder.core.paths import DATA_DIR, relative
from crossborder.core.tables import Column, read_table
from crossborder.core.unit_economics import unit_economics
from crossborder.notebook.panel import ControlPanel

CURRENCY = "USD"
CHANNELS_FILE = DATA_DIR / "platforms.csv"
KINDS = ("general", "vertical", "own", "social")
FOCUSES = ("all", "industrial", "chemicals", "agrifood", "software")
CRITERIA = ("fit", "cost", "quality", "tools")
KIND_COLOURS = dict(zip(KINDS, (theme.COLORWAY[0], theme.COLORWAY[1], theme.COLORWAY[2], theme.COLORWAY[5])))
YEAR = 12
PAYBACK_SHOWN = 120  # months; a longer payback is shown as "over 10 years" (a number that size means nothing)

# --------------------------------------------------------------------------------------------- data

_MONEY = Column("float", min=0)
_SHARE = Column("float", min=0, max=1)
_FLAG = Column("bool")
COLUMNS: dict[str, Column] = {
    "channel": Column(unique=True),
    "name_en": Column(),
    "name_zh_TW": Column(),
    "kind": Column("choice", choices=KINDS),
    "focus": Column("choice", choices=FOCUSES),
    "website": Column(required=False),
    "setup": _MONEY,
    "membership_per_year": _MONEY,
    "ads_per_month": _MONEY,
    "commission": Column("float", min=0, max=0.5),
    "other_per_year": _MONEY,
    "inquiries_per_month": Column("float", min=0),
    "spam_share": _SHARE,
    "qualified_share": _SHARE,
    "conversion": _SHARE,
    "conversion_low": _SHARE,
    "conversion_high": _SHARE,
    "order_value": Column("float", min=0),
    "order_value_low": Column("float", min=0),
    "order_value_high": Column("float", min=0),
    "orders_per_year": Column("float", min=0, max=365),
    "months_to_first_order": Column("int", min=0, max=36),
    "ramp_months": Column("float", min=0, max=36),
    "buyer_fit": Column("float", min=0, max=5),
    "fraud_protection": Column("int", min=0, max=2),
    "tool_quote": _FLAG,
    "tool_insight": _FLAG,
    "tool_api": _FLAG,
    "saturation": Column("float", min=0.05, max=10),
    "spend_min": _MONEY,
    "spend_max": _MONEY,
    "source": Column(),
    "note": Column(required=False),
}
_ID = r"[a-z][a-z0-9_]*"


def load_channels(path: Path = CHANNELS_FILE) -> pd.DataFrame:
    """Read ``data/platforms.csv`` (one row per channel, index ``channel``) and check it row by row.

    Besides each column's own range, a row must have low <= point <= high for conversion and order value,
    spend_min <= spend_max, and a snake_case channel id (the funnel chapter joins on it).
    """
    table = read_table(path, COLUMNS, key="channel")
    where = relative(Path(path))

    def fail(i: int, cols: str, expected: str, found: str) -> InputError:
        return InputError(f"{where}: line {i + 2} (channel {table.at[i, 'channel']!r}), {cols}: expected {expected}, found {found}")

    bad_id = ~table["channel"].str.fullmatch(_ID)
    if bad_id.any():
        i = int(bad_id.idxmax())
        raise fail(i, "column 'channel'", "a snake_case id such as own_site_seo", repr(table.at[i, "channel"]))
    for name in ("conversion", "order_value"):
        low, mid, high = (table[f"{name}_low"], table[name], table[f"{name}_high"])
        bad = (low > mid) | (mid > high)
        if bad.any():
            i = int(bad.idxmax())
            raise fail(i, f"columns '{name}_low', '{name}', '{name}_high'", "low <= value <= high",
                       f"{low[i]:g}, {mid[i]:g}, {high[i]:g}")
    bad = table["spend_min"] > table["spend_max"]
    if bad.any():
        i = int(bad.idxmax())
        raise fail(i, "columns 'spend_min', 'spend_max'", "spend_min <= spend_max",
                   f"{table.at[i, 'spend_min']:g} > {table.at[i, 'spend_max']:g}")
    return table.set_index("channel")


# ------------------------------------------------------------------------------------------ scenario

class Weights(schema.Model):
    """Weights of the outline's four selection criteria (any scale; they are normalised to sum to 1)."""

    fit: float = Field(ge=0, le=1)       # customer fit and order size
    cost: float = Field(ge=0, le=1)      # cost per PO
    quality: float = Field(ge=0, le=1)   # traffic quality and fraud protection
    tools: float = Field(ge=0, le=1)     # quote templates, data insight, API/ERP

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if self.fit + self.cost + self.quality + self.tools <= 0:
            raise ValueError("at least one weight above 0")
        return self

    def normalised(self) -> np.ndarray:
        w = np.array([self.fit, self.cost, self.quality, self.tools], dtype=float)
        return w / w.sum()


class MonteCarlo(schema.Model):
    draws: int = Field(ge=200, le=200_000)
    seed: int = Field(ge=0)


class Platforms(schema.Model):
    """Scenario section ``platforms``: what differs by market in the platform comparison."""

    channels: list[str] = Field(min_length=2)            # ids from data/platforms.csv compared in this market
    baseline: str                                         # the exporter's own channel every other is compared with
    mix_channels: list[str] = Field(min_length=1)        # channels the yearly budget is split across
    reach: dict[str, Annotated[float, Field(ge=0, le=10)]] = {}  # market multiplier on inquiries (default 1)
    conversion_factor: float = Field(gt=0, le=5)         # market multiplier on every inquiry -> PO conversion
    order_value_factor: float = Field(gt=0, le=10)       # market multiplier on every order value
    gross_margin: float = Field(gt=0, lt=1)              # exporter's gross margin on orders in this market
    horizon_months: int = Field(ge=12, le=60)            # cumulative cost vs gross profit chart
    weights: Weights
    budget: float = Field(ge=0)                          # yearly budget for the channel mix, USD
    objective: Literal["leads", "profit"]                # what the mix maximises
    monte_carlo: MonteCarlo
    tornado_swing: float = Field(gt=0, lt=1)             # +/- share for inputs with no range in the data
    shortlist: int = Field(ge=1, le=6)                   # how many top-scoring channels are recommended

    @model_validator(mode="after")
    def _consistent(self) -> Platforms:
        for name in ("channels", "mix_channels"):
            ids = getattr(self, name)
            dup = sorted({c for c in ids if ids.count(c) > 1})
            if dup:
                raise ValueError(f"{name} without repeats (found {', '.join(dup)} twice)")
        if self.baseline not in self.channels:
            raise ValueError(f"baseline to be one of the compared channels ({', '.join(self.channels)})")
        outside = [c for c in self.mix_channels if c not in self.channels]
        if outside:
            raise ValueError(f"mix_channels among the compared channels; {', '.join(outside)} are not")
        return self


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

def acquisition_spend(setup, membership_per_year, ads_per_month, other_per_year) -> np.ndarray:
    """First-year spend to stay on a channel: set-up + membership + 12 x ads + other."""
    return (np.asarray(setup, float) + np.asarray(membership_per_year, float)
            + YEAR * np.asarray(ads_per_month, float) + np.asarray(other_per_year, float))


def qualified_per_month(inquiries_per_month, reach, spam_share, qualified_share) -> np.ndarray:
    """Qualified inquiries a month at full run rate: inquiries x reach x (1 - spam) x qualified share."""
    return (np.asarray(inquiries_per_month, float) * np.asarray(reach, float)
            * (1 - np.asarray(spam_share, float)) * np.asarray(qualified_share, float))


def ramp_weights(ramp_months, months) -> np.ndarray:
    """Share of the full run rate reached in month t: min(1, t / ramp) for t >= 1, 0 before month 1.

    Element-wise with numpy broadcasting (callers arrange the axes); a ramp of 0 means full rate from month 1.
    """
    r = np.asarray(ramp_months, float)
    m = np.asarray(months, float)
    safe = np.where(r > 0, r, 1.0)
    w = np.where(r > 0, np.minimum(1.0, m / safe), 1.0)
    return np.where(m >= 1, w, 0.0)


def first_year_leads(qualified_pm, ramp_months) -> np.ndarray:
    """Qualified inquiries in months 1..12: q x sum of the ramp weights."""
    ramp = np.asarray(ramp_months, float)[..., None]
    return np.asarray(qualified_pm, float) * ramp_weights(ramp, np.arange(1, YEAR + 1)).sum(axis=-1)


def cost_per_po(spend, leads, conversion, commission, order_value) -> np.ndarray:
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
    ue = unit_economics(spend, won, monthly_margin)
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


def triangular(rng: np.random.Generator, low, mode, high, size: int) -> np.ndarray:
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


# ----------------------------------------------------------------------------------------- budget mix

@dataclass(frozen=True)
class Response:
    """Saturating response of qualified inquiries to yearly spend, per channel (arrays)."""

    ref_spend: np.ndarray   # A: the data's first-year spend
    ref_leads: np.ndarray   # Q1: qualified inquiries at that spend
    k: np.ndarray           # curvature
    value: np.ndarray       # objective units per qualified inquiry (1, or expected gross profit)

    def leads(self, x) -> np.ndarray:
        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            curve = self.ref_leads * -np.expm1(-self.k * x / self.ref_spend) / -np.expm1(-self.k)
        return np.where(self.ref_spend > 0, curve, self.ref_leads)

    def marginal(self, x) -> np.ndarray:
        """d value / d spend (objective units per extra dollar)."""
        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            slope = (self.value * self.ref_leads * self.k / self.ref_spend / -np.expm1(-self.k)
                     * np.exp(-self.k * x / self.ref_spend))
        return np.where(self.ref_spend > 0, slope, 0.0)

    def objective(self, x) -> float:
        return float(np.sum(self.value * self.leads(x)))


def allocate(response: Response, budget: float, low, high) -> np.ndarray:
    """Spend per channel maximising sum(value x leads) with low <= x <= high and sum(x) <= budget.

    Equal marginal returns (KKT): x_i(lam) = clip(ln(slope_i(0) / lam) / b_i, low_i, high_i), b_i = k_i / A_i;
    lam is the root of sum x_i(lam) = budget, found by Brent's method on log(lam). Channels with no return
    stay at their minimum. Raises InputError when the minimums exceed the budget.
    """
    lo, hi = np.asarray(low, float), np.asarray(high, float)
    if lo.sum() > budget + 1e-9:
        raise InputError(f"platforms.budget: expected at least USD {lo.sum():,.0f} (the channels' minimum spends), "
                         f"found USD {budget:,.0f}")
    s0 = response.marginal(np.zeros_like(lo))
    live = s0 > 0
    b = np.where(live, response.k / np.where(response.ref_spend > 0, response.ref_spend, 1.0), 1.0)

    def spend(log_lam: float) -> np.ndarray:
        with np.errstate(divide="ignore"):
            x = np.where(live, (np.log(np.where(live, s0, 1.0)) - log_lam) / b, -np.inf)
        return np.clip(x, lo, hi)

    if not live.any():
        return lo.copy()
    top = float(np.log(s0[live].max()))
    bottom = top - 60.0                                  # lam = slope * e^-60: every live channel at its max
    if spend(bottom).sum() <= budget:
        return spend(bottom)
    root = brentq(lambda v: spend(v).sum() - budget, bottom, top, xtol=1e-12, rtol=1e-12, maxiter=200)
    x = spend(root)
    return np.clip(x * min(1.0, budget / x.sum()) if x.sum() > budget else x, lo, hi)


def equal_split(budget: float, low, high) -> np.ndarray:
    """The naive split: every channel gets its minimum, the rest is shared equally (capped at the maximums)."""
    lo, hi = np.asarray(low, float), np.asarray(high, float)
    return np.minimum(lo + max(budget - lo.sum(), 0.0) / len(lo), hi)


def mix_response(inputs: pd.DataFrame, economics: pd.DataFrame, objective: str) -> Response:
    """The saturation curves of the given channels, valued per the objective."""
    if objective == "leads":
        value = np.ones(len(inputs))
    else:  # a year of gross profit (after commission) from the customers each qualified inquiry wins
        value = inputs["conversion"].to_numpy(float) * np.maximum(economics["monthly_margin"].to_numpy(float), 0) * YEAR
    return Response(economics["spend"].to_numpy(float), economics["leads"].to_numpy(float),
                    inputs["saturation"].to_numpy(float), value)


def optimise_mix(inputs: pd.DataFrame, economics: pd.DataFrame, channels: list[str], budget: float,
                 objective: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """Optimal and equal split of ``budget`` over ``channels``; per-channel table and totals."""
    sub, eco = inputs.loc[channels], economics.loc[channels]
    lo, hi = sub["spend_min"].to_numpy(float), sub["spend_max"].to_numpy(float)
    profit = mix_response(sub, eco, "profit")
    response = profit if objective == "profit" else mix_response(sub, eco, "leads")
    x = allocate(response, budget, lo, hi)
    x_eq = equal_split(budget, lo, hi)
    leads, leads_eq = response.leads(x), response.leads(x_eq)
    conv = sub["conversion"].to_numpy(float)
    table = pd.DataFrame({
        "spend": x, "share": x / x.sum() if x.sum() > 0 else 0 * x, "equal_spend": x_eq,
        "spend_min": lo, "spend_max": hi, "leads": leads, "customers": leads * conv,
        "gross_profit": profit.value * leads, "marginal_per_1000": response.marginal(x) * 1000,
    }, index=sub.index)
    totals = {
        "budget": float(budget), "spent": float(x.sum()), "unspent": float(budget - x.sum()),
        "leads": float(leads.sum()), "gross_profit": float((profit.value * leads).sum()),
        "equal_leads": float(leads_eq.sum()), "equal_gross_profit": float((profit.value * leads_eq).sum()),
        "objective_value": response.objective(x), "equal_objective_value": response.objective(x_eq),
    }
    return table, totals


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
    def shortlist(self) -> list[str]:
        return self.ranked[: self.section.shortlist]

    def name(self, channel: str, lang: str) -> str:
        return self.labels[channel][lang]


def focus_of(a: Analysis, channel: str = "", where: str = "focus_channel") -> str:
    """The channel to look at closely: ``channel`` if given (checked), else the top-ranked one."""
    if not channel:
        return a.shortlist[0]
    if channel not in a.inputs.index:
        raise InputError(f"{where}: expected one of the compared channels ({', '.join(a.inputs.index)}), found {channel!r}")
    return channel


def analyse(scn: scenario_mod.Scenario, table: pd.DataFrame | None = None, *, memo: dict | None = None,
            **changes: Any) -> Analysis:
    """Run the whole chapter's model for a market scenario, with optional changes to its section.

    ``table`` is the channel data (``load_channels()`` when not given).
    ``memo`` (a dict kept by the caller, e.g. the control panel) reuses the last Monte Carlo when its inputs
    are unchanged: the draws depend only on conversion, order value, the baseline, the draws and the seed.
    """
    section: Platforms = scn.platforms
    if changes:
        section = updated(section, **changes)
    table = load_channels() if table is None else table
    where = f"scenario {scn.code} (" + " + ".join(relative(f) for f in scn.files) + ")"
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
    mix, totals = optimise_mix(inputs, economics, section.mix_channels, section.budget, section.objective)
    labels = {c: {"en": en, "zh-TW": zh} for c, en, zh in zip(inputs.index, inputs["name_en"], inputs["name_zh_TW"])}
    return Analysis(scn.code, section, inputs, economics, selection, months, cum_cost, cum_gp, mix, totals, labels)


# ------------------------------------------------------------------------------------------ formatting

def money(value: float, lang: str, unit: bool = True) -> str:
    """US dollars with thousands separators: "USD 1,234" / "1,234 美元" (no "$": Markdown would read two of
    them as LaTeX); NaN or infinity as a dash."""
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:,.0f}"
    if not unit:
        return text
    return f"{text} 美元" if lang == "zh-TW" else f"USD {text}"


def _hover_money(lang: str, field: str) -> str:
    """A plotly hover format for an amount in ``field`` (e.g. "x")."""
    return f"%{{{field}:,.0f}} 美元" if lang == "zh-TW" else f"USD %{{{field}:,.0f}}"


def _pct(value: float, signed: bool = False) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:+.0%}" if signed else f"{value:.0%}"
    return text.replace("-", "−")


_CJK = "\u4e00-\u9fff"


def spaced(text: str, lang: str) -> str:
    """Taiwan typesetting for generated Chinese: a space where Chinese meets a Latin word or a number, none
    after full-width closing punctuation. English is returned as is."""
    if lang != "zh-TW":
        return text
    text = re.sub(f"([{_CJK}])([A-Za-z0-9])", r"\1 \2", text)
    text = re.sub(f"([A-Za-z0-9%])([{_CJK}])", r"\1 \2", text)
    return re.sub(r"([）」])[ ]+", r"\1", text)


_THE = {"US", "GB", "NL", "PH", "AE", "CZ", "DO", "BS", "GM", "KM", "MV", "MH", "SB", "SC", "CF", "VA"}


def market_in_text(code: str, lang: str) -> str:
    """The market's name as it reads inside a sentence ("the United States")."""
    name = country_name(code, lang)
    return f"the {name}" if lang == "en" and code in _THE else name


def payback_text(months: float, lang: str) -> str:
    """Payback in months, or 'never pays back' in words (never an infinity)."""
    if months is None or not np.isfinite(months):
        return t("platforms.never_pays_back", lang)
    if months > PAYBACK_SHOWN:
        return t("platforms.over_years", lang, n=PAYBACK_SHOWN // YEAR)
    return t("platforms.months_value", lang, n=f"{months:.1f}")


def _kind(kind: str, lang: str, short: bool = False) -> str:
    return t(f"platforms.kind_{kind}{'_short' if short else ''}", lang)


# --------------------------------------------------------------------------------------------- tables

def channel_table(channels: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The data's cost structure per channel, as a display table."""
    name = "name_zh_TW" if lang == "zh-TW" else "name_en"
    return pd.DataFrame({
        t("platforms.col_channel", lang): channels[name].to_numpy(),
        t("platforms.col_kind", lang): [_kind(k, lang, short=True) for k in channels["kind"]],
        t("platforms.col_focus", lang): [t(f"platforms.focus_{f}", lang) for f in channels["focus"]],
        t("platforms.col_setup", lang): [money(v, lang, False) for v in channels["setup"]],
        t("platforms.col_membership", lang): [money(v, lang, False) for v in channels["membership_per_year"]],
        t("platforms.col_ads", lang): [money(v, lang, False) for v in channels["ads_per_month"]],
        t("platforms.col_commission", lang): [f"{v:.0%}" for v in channels["commission"]],
        t("platforms.col_other", lang): [money(v, lang, False) for v in channels["other_per_year"]],
    })


def cost_table(a: Analysis, lang: str) -> pd.DataFrame:
    """First-year cost figures per channel, best cost per PO first."""
    e = a.economics.loc[_by_cost(a)]
    return pd.DataFrame({
        t("platforms.col_channel", lang): [a.name(c, lang) for c in e.index],
        t("platforms.col_spend_y1", lang): [money(v, lang, False) for v in e["cost_y1"]],
        t("platforms.col_cost_per_lead", lang): [money(v, lang, False) for v in e["cost_per_lead"]],
        t("platforms.col_cost_per_po", lang): [money(v, lang, False) for v in e["cost_per_po"]],
        t("platforms.col_cac", lang): [money(v, lang, False) for v in e["cac"]],
        t("platforms.col_payback", lang): [payback_text(v, lang) for v in e["payback_months"]],
        t("platforms.col_breakeven_orders", lang): [
            f"{v:,.0f}" if np.isfinite(v) else t("platforms.never", lang) for v in e["breakeven_orders"]],
        t("platforms.col_breakeven_month", lang): [
            f"{v:.0f}" if np.isfinite(v) else t("platforms.beyond_horizon", lang, n=a.section.horizon_months)
            for v in e["breakeven_month"]],
        t("platforms.col_roi", lang): [_pct(v, signed=True) for v in e["roi_y1"]],
    })


def selection_table(a: Analysis, lang: str) -> pd.DataFrame:
    """Criteria scores, weighted score, rank and the probability of beating the baseline, best first."""
    s = a.selection.sort_values("rank")
    w = a.section.weights.normalised()
    crit = {c: f"{t(f'platforms.crit_{c}', lang)} ({w[i]:.0%})" for i, c in enumerate(CRITERIA)}
    table = pd.DataFrame({
        t("platforms.col_rank", lang): s["rank"].to_numpy(),
        t("platforms.col_channel", lang): [a.name(c, lang) for c in s.index],
        **{crit[c]: [f"{v:.0f}" for v in s[c]] for c in CRITERIA},
        t("platforms.col_score", lang): [f"{v:.0f}" for v in s["score"]],
        spaced(t("platforms.col_p_beat", lang, baseline=a.name(a.section.baseline, lang)), lang): [
            t("platforms.is_baseline", lang) if c == a.section.baseline else _pct(v) for c, v in s["p_beat"].items()],
    })
    return table


def mix_table(a: Analysis, lang: str) -> pd.DataFrame:
    """The optimal split: spend, share, qualified inquiries, customers, gross profit, marginal return."""
    m = a.mix.sort_values("spend", ascending=False, kind="stable")
    marginal_key = "col_marginal_leads" if a.section.objective == "leads" else "col_marginal_profit"
    return pd.DataFrame({
        t("platforms.col_channel", lang): [a.name(c, lang) for c in m.index],
        t("platforms.col_mix_spend", lang): [money(v, lang, False) for v in m["spend"]],
        t("platforms.col_share", lang): [_pct(v) for v in m["share"]],
        t("platforms.col_equal_spend", lang): [money(v, lang, False) for v in m["equal_spend"]],
        t("platforms.col_bounds", lang): [f"{money(lo, lang, False)}–{money(hi, lang, False)}"
                                          for lo, hi in zip(m["spend_min"], m["spend_max"])],
        t("platforms.col_leads", lang): [f"{v:,.1f}" for v in m["leads"]],
        t("platforms.col_customers", lang): [f"{v:,.1f}" for v in m["customers"]],
        t("platforms.col_gross_profit", lang): [money(v, lang, False) for v in m["gross_profit"]],
        t(f"platforms.{marginal_key}", lang): [f"{v:,.2f}" if a.section.objective == "leads" else money(v, lang, False)
                                               for v in m["marginal_per_1000"]],
    })


def _by_cost(a: Analysis) -> list[str]:
    cpp = a.economics["cost_per_po"].to_numpy(float)
    key = np.where(np.isfinite(cpp), cpp, np.inf)
    lead = a.economics["cost_per_lead"].to_numpy(float)
    order = np.lexsort((np.where(np.isfinite(lead), lead, np.inf), key))
    return list(a.economics.index[order])


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
    ticks = dict(tickvals=decades, ticktext=[f"{v:,.0f}" for v in decades])
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
    labels = [f"{t(f'platforms.input_{r.input}', lang)} {_range(r.input, r.low, r.high)}" for r in table.itertuples()]
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
        xaxis=dict(title=dict(text=t("platforms.axis_cost_per_po_base", lang, base=money(base, lang))), tickformat=",.0f"),
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
                   name=f"{t(f'platforms.crit_{c}', lang)} ({w[i]:.0%})", customdata=sel[c].to_numpy(float),
                   hovertemplate="%{y}: %{x:.0f} (" + t("platforms.score_hover", lang) + ")<extra></extra>")
              for i, c in enumerate(CRITERIA)]
    fig = theme.figure(t("platforms.chart_score_title", lang), height=460, barmode="stack",
                       xaxis=dict(title=dict(text=t("platforms.axis_score", lang)), range=[0, 100]),
                       yaxis=dict(categoryorder="array", categoryarray=names[::-1], automargin=True),
                       legend=_LEGEND_BELOW, margin=dict(l=10, t=60, b=120))
    fig.add_traces(traces)
    return fig


def _range(name: str, low: float, high: float) -> str:
    if name in ("conversion", "spam_share", "qualified_share", "commission"):
        return f"{low:.1%}–{high:.1%}"
    if name == "reach":
        return f"{low:.2g}–{high:.2g}"
    if name in ("ramp_months", "inquiries_per_month"):
        return f"{low:.1f}–{high:.1f}"
    return f"{low:,.0f}–{high:,.0f}"


def mix_figure(a: Analysis, lang: str) -> go.Figure:
    """Optimal spend per channel next to the equal split, with the resulting qualified inquiries."""
    m = a.mix.sort_values("spend", ascending=True, kind="stable")
    names = [a.name(c, lang) for c in m.index]
    tot = a.mix_totals
    if a.section.objective == "leads":
        gain = t("platforms.mix_gain_leads", lang, opt=f"{tot['leads']:,.0f}", eq=f"{tot['equal_leads']:,.0f}")
    else:
        gain = t("platforms.mix_gain_profit", lang, opt=money(tot["gross_profit"], lang),
                 eq=money(tot["equal_gross_profit"], lang))
    hover = "%{y}: " + _hover_money(lang, "x") + "<extra></extra>"
    fig = theme.figure(
        t("platforms.chart_mix_title", lang, budget=money(tot["budget"], lang)) + "<br><sup>" + gain + "</sup>",
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
             text=[t("platforms.leads_label", lang, n=f"{v:,.0f}") for v in m["leads"]], hovertemplate=hover),
    ])
    return fig


# ------------------------------------------------------------------------------------------------ texts

def worked_example(a: Analysis, lang: str, channel: str | None = None) -> str:
    """The arithmetic behind one channel's first-year figures, step by step (Markdown)."""
    c = channel or a.shortlist[0]
    r, e = a.inputs.loc[c], a.economics.loc[c]
    f = dict(
        channel=a.name(c, lang), setup=money(r["setup"], lang), membership=money(r["membership_per_year"], lang),
        ads=money(r["ads_per_month"], lang), other=money(r["other_per_year"], lang), spend=money(e["spend"], lang),
        inquiries=f"{r['inquiries_per_month']:g}", reach=f"{r['reach']:g}", spam=_pct(r["spam_share"]),
        qualified=_pct(r["qualified_share"]), q=f"{e['qualified_per_month']:.2f}", ramp=f"{r['ramp_months']:g}",
        leads=f"{e['leads']:.1f}", per_lead=money(e["cost_per_lead"], lang), conversion=f"{r['conversion']:.1%}",
        customers=f"{e['customers']:.2f}", cac=money(e["cac"], lang), commission=_pct(r["commission"]),
        order_value=money(r["order_value"], lang), per_po=money(e["cost_per_po"], lang),
        margin=_pct(a.section.gross_margin), orders=f"{r['orders_per_year']:g}",
        monthly=money(e["monthly_margin"], lang), payback=payback_text(e["payback_months"], lang),
    )
    steps = ["we_spend", "we_leads", "we_cac", "we_per_po", "we_payback"]
    return spaced(t("platforms.we_intro", lang, **f) + "\n\n" + "\n".join(
        f"{i}. {t(f'platforms.{s}', lang, **f)}" for i, s in enumerate(steps, 1)), lang)


def recommendation(a: Analysis, lang: str) -> str:
    """The report chapter's conclusion for the market: shortlist, budget mix and what to avoid (Markdown)."""
    market = market_in_text(a.market, lang)
    base = a.name(a.section.baseline, lang)
    sel, eco = a.selection, a.economics
    lines = [t("platforms.rec_intro", lang, market=market, n=len(a.shortlist),
               channels="、".join(a.name(c, lang) for c in a.shortlist) if lang == "zh-TW"
               else ", ".join(a.name(c, lang) for c in a.shortlist)), ""]
    for c in a.shortlist:
        p = sel.at[c, "p_beat"]
        beat = (t("platforms.rec_is_baseline", lang) if c == a.section.baseline
                else t("platforms.rec_beat", lang, p=_pct(p), baseline=base, draws=f"{a.section.monte_carlo.draws:,}"))
        lines.append("- " + t("platforms.rec_channel", lang, channel=a.name(c, lang), score=f"{sel.at[c, 'score']:.0f}",
                              per_po=money(eco.at[c, "cost_per_po"], lang),
                              payback=payback_text(eco.at[c, "payback_months"], lang),
                              roi=_pct(eco.at[c, "roi_y1"], signed=True), beat=beat))
    tot, m = a.mix_totals, a.mix.sort_values("spend", ascending=False, kind="stable")
    parts = [f"{a.name(c, lang)} {money(v, lang)}（{_pct(s)}）" if lang == "zh-TW" else f"{a.name(c, lang)} {money(v, lang)} ({_pct(s)})"
             for c, v, s in zip(m.index, m["spend"], m["share"]) if v > 0.5]
    sep = "、" if lang == "zh-TW" else ", "
    gain_base = tot["equal_objective_value"]
    gain = (tot["objective_value"] / gain_base - 1) if gain_base > 0 else np.nan
    lines += ["", t("platforms.rec_mix", lang, budget=money(tot["budget"], lang),
                     objective=t(f"platforms.objective_{a.section.objective}", lang), parts=sep.join(parts),
                     leads=f"{tot['leads']:,.0f}", profit=money(tot["gross_profit"], lang),
                     gain=_pct(gain, signed=True))]
    if tot["unspent"] > 0.5:
        lines.append(t("platforms.rec_unspent", lang, unspent=money(tot["unspent"], lang)))
    if not np.isfinite(eco.loc[a.shortlist, "breakeven_month"].to_numpy(float)).any():
        lines += ["", t("platforms.rec_no_breakeven", lang, n=a.section.horizon_months)]
    never = [c for c in a.inputs.index if not eco.at[c, "pays_back"]]
    if never:
        lines += ["", t("platforms.rec_never", lang, channels=sep.join(a.name(c, lang) for c in never))]
    return spaced("\n".join(lines), lang)


def html_table(table: pd.DataFrame) -> str:
    """A display table as the HTML the panel shows (header row, escaped cells, the workbook's table class)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False, name=None))
    return f"<table class='cb-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def markdown_html(text: str) -> str:
    """The little Markdown the chapter's texts use (paragraphs, "- " lists, numbered lists, **bold**) as HTML,
    for the live panel (a report shows the Markdown itself)."""
    out, items, tag = [], [], ""

    def close() -> None:
        nonlocal items, tag
        if items:
            out.append(f"<{tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>")
        items, tag = [], ""

    for line in text.splitlines():
        body = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(line.strip()))
        numbered = re.match(r"\d+\.\s+(.*)", body)
        if body.startswith("- ") or numbered:
            kind = "ol" if numbered else "ul"
            if tag and tag != kind:
                close()
            tag = kind
            items.append(numbered.group(1) if numbered else body[2:])
        else:
            close()
            if body:
                out.append(f"<p>{body}</p>")
    close()
    return "".join(out)


def headline(a: Analysis, lang: str) -> tuple[str, str, float]:
    """The chapter's headline sentence, its key figure (lowest cost per PO) and that number."""
    best = _by_cost(a)[0]
    value = float(a.economics.at[best, "cost_per_po"])
    sep = "、" if lang == "zh-TW" else ", "
    text = t("platforms.headline", lang, market=market_in_text(a.market, lang),
             channels=sep.join(a.name(c, lang) for c in a.shortlist), best=a.name(best, lang),
             budget=money(a.mix_totals["budget"], lang), leads=f"{a.mix_totals['leads']:,.0f}")
    key = t("platforms.headline_figure", lang, value=money(value, lang))
    return spaced(text, lang), key, value


# ------------------------------------------------------------------------------------------ workshop

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
        show = (lambda v: f"{v:.1%}") if f == "conversion" else (lambda v: money(v, lang)) if f in (
            "membership_per_year", "ads_per_month") else (lambda v: f"{v:,.1f}")
        rows.append({
            t("platforms.col_assumption", lang): t(f"platforms.input_{f}", lang),
            t("platforms.col_now", lang): show(now),
            t("platforms.col_at_parity", lang, baseline=a.name(base, lang)): show(now * k) if np.isfinite(k) else "–",
            t("platforms.col_change", lang): _pct(k - 1, signed=True) if np.isfinite(k) else t("platforms.parity_none", lang),
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BudgetReturn:
    """Where an extra USD 1,000 on the mix stops earning ``hurdle`` x 1,000 of gross profit in a year."""

    budget: float               # the largest yearly budget that still clears the hurdle (within min..max)
    status: str                 # "interior", "below_minimum" (even the minimum spends fall short), "at_maximum"
    low: float                  # sum of the mix channels' minimum spends
    high: float                 # sum of their maximum spends
    current: float              # the scenario's budget
    marginal_now: float         # gross profit of an extra USD 1,000 at the scenario's budget
    gross_profit: float         # a year of gross profit at ``budget`` (profit-maximising mix)


def budget_for_return(a: Analysis, hurdle: float = 1.0, step: float = 1000.0) -> BudgetReturn:
    """The yearly budget up to which one more ``step`` (USD 1,000) spent on the mix channels still brings at
    least ``hurdle`` x ``step`` of gross profit in a year, the mix re-optimised for profit at every budget
    (:func:`optimise_mix`). Gross profit is concave in the budget (each channel saturates), so the extra
    profit of one more step falls as the budget grows; the crossing is found with Brent's method between
    the sum of the channels' minimum and maximum spends."""
    if not hurdle > 0 or not step > 0:
        raise InputError(f"hurdle, step: expected numbers > 0, found {hurdle!r}, {step!r}")
    chans = a.section.mix_channels
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


def budget_note(br: BudgetReturn, lang: str) -> str:
    """The budget answer in words: where the extra USD 1,000 stops paying, and what that says about the
    scenario's budget."""
    f = dict(budget=money(round(br.budget, -3), lang), low=money(br.low, lang), high=money(br.high, lang),
             current=money(br.current, lang), marginal=money(br.marginal_now, lang), profit=money(br.gross_profit, lang))
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
             cpp=money(float(a.economics.at[channel, "cost_per_po"]), lang),
             base_cpp=money(float(a.economics.at[base, "cost_per_po"]), lang))
    if not np.isfinite(k):
        return spaced(t("platforms.parity_note_none", lang, **f), lang)
    key = "parity_note_cut" if k < 1 else "parity_note_raise"
    return spaced(t(f"platforms.{key}", lang, share=_pct(abs(1 - k)), factor=f"{k:.2f}", **f), lang)


def headline_points(a: Analysis, lang: str) -> list[str]:
    """Talking points for the workshop deck with the market's numbers, adding to the headline: the cheapest
    order against the own site, the top channel's score and its chance to beat the own site, and the budget
    up to which USD 1,000 more still earns USD 1,000 of gross profit in a year (else the mix's totals)."""
    best = _by_cost(a)[0]
    base = a.section.baseline
    top = a.shortlist[0]
    tot = a.mix_totals
    gain = tot["objective_value"] / tot["equal_objective_value"] - 1 if tot["equal_objective_value"] > 0 else np.nan
    points = [
        t("platforms.point_cost", lang, market=market_in_text(a.market, lang), best=a.name(best, lang),
          cpp=money(float(a.economics.at[best, "cost_per_po"]), lang), baseline=a.name(base, lang),
          base_cpp=money(float(a.economics.at[base, "cost_per_po"]), lang)),
    ]
    if top != base:
        points.append(t("platforms.point_top", lang, channel=a.name(top, lang), score=f"{a.selection.at[top, 'score']:.0f}",
                        p=_pct(a.selection.at[top, "p_beat"]), baseline=a.name(base, lang),
                        draws=f"{a.section.monte_carlo.draws:,}"))
    br = budget_for_return(a)
    if br.status == "interior":
        points.append(t("platforms.point_budget", lang, budget=money(round(br.budget, -3), lang),
                        current=money(br.current, lang)))
    else:
        points.append(t("platforms.point_mix", lang, budget=money(tot["budget"], lang), leads=f"{tot['leads']:,.0f}",
                        profit=money(tot["gross_profit"], lang), gain=_pct(gain, signed=True)))
    return [spaced(p[:1].upper() + p[1:] if lang == "en" else p, lang) for p in points]


# -------------------------------------------------------------------------------------------- controls

def panel(scn: scenario_mod.Scenario, lang: str, channels: pd.DataFrame | None = None) -> ControlPanel:
    """JupyterLab controls: market adjustments, criteria weights, budget, objective, mix channels and the
    channel under the magnifier (tornado). Every change recomputes the model and patches the charts;
    "save scenario" writes the values into the user's overlay for this market."""
    channels = load_channels() if channels is None else channels
    base = analyse(scn, channels)
    s = base.section
    name = lambda c: base.name(c, lang)  # noqa: E731
    style = {"description_width": "initial"}
    slider = dict(style=style, continuous_update=False, layout=widgets.Layout(width="auto"))
    controls = {
        "conversion_factor": widgets.FloatSlider(value=s.conversion_factor, min=0.2, max=3.0, step=0.05,
                                                 description=t("platforms.ctl_conversion", lang), **slider),
        "order_value_factor": widgets.FloatSlider(value=s.order_value_factor, min=0.2, max=3.0, step=0.05,
                                                  description=t("platforms.ctl_order_value", lang), **slider),
        "gross_margin": widgets.FloatSlider(value=s.gross_margin, min=0.05, max=0.7, step=0.01, readout_format=".0%",
                                            description=t("platforms.ctl_margin", lang), **slider),
        "budget": widgets.FloatSlider(value=s.budget, min=0, max=max(250_000.0, 2 * s.budget), step=1000,
                                      readout_format=",.0f", description=t("platforms.ctl_budget", lang), **slider),
        **{f"w_{c}": widgets.FloatSlider(value=getattr(s.weights, c), min=0, max=1, step=0.05,
                                         description=t("platforms.ctl_weight", lang, criterion=t(f"platforms.crit_{c}", lang)),
                                         **slider) for c in CRITERIA},
        "objective": widgets.ToggleButtons(options=[(t(f"platforms.objective_{o}", lang), o) for o in ("leads", "profit")],
                                           value=s.objective, description=t("platforms.ctl_objective", lang), style=style),
        "mix_channels": widgets.SelectMultiple(options=[(name(c), c) for c in s.channels], value=tuple(s.mix_channels),
                                               rows=min(len(s.channels), 8), description=t("platforms.ctl_mix", lang),
                                               style=style),
        "focus": widgets.Dropdown(options=[(name(c), c) for c in s.channels], value=base.shortlist[0],
                                  description=t("platforms.ctl_focus", lang), style=style),
    }

    memo: dict[str, Any] = {}

    def once(name: str, key: tuple, build) -> Any:
        """Rebuild an output only when what it depends on changed (the panel then leaves it alone)."""
        if name not in memo or memo[name][0] != key:
            memo[name] = (key, build())
        return memo[name][1]

    def render(conversion_factor, order_value_factor, gross_margin, budget, w_fit, w_cost, w_quality, w_tools,
               objective, mix_channels, focus) -> dict:
        weights = {"fit": w_fit, "cost": w_cost, "quality": w_quality, "tools": w_tools}
        a = analyse(scn, channels, memo=memo, conversion_factor=conversion_factor,
                    order_value_factor=order_value_factor, gross_margin=gross_margin, budget=budget,
                    objective=objective, mix_channels=list(mix_channels), weights=weights)
        market = (conversion_factor, order_value_factor)
        economics = (*market, gross_margin)
        ranking = (*market, *weights.values())
        mix = (*economics, budget, objective, tuple(mix_channels))
        return {
            "cost_chart": once("cost_chart", market, lambda: cost_figure(a, lang)),
            "cost_table": once("cost_table", economics, lambda: html_table(cost_table(a, lang))),
            "cumulative_chart": once("cumulative_chart", (*economics, *ranking, focus),
                                     lambda: cumulative_figure(a, lang, focus)),
            "score_chart": once("score_chart", ranking, lambda: score_figure(a, lang)),
            "selection_table": once("selection_table", ranking, lambda: html_table(selection_table(a, lang))),
            "tornado_chart": once("tornado_chart", (*market, focus), lambda: tornado_figure(a, lang, focus)),
            "mix_chart": once("mix_chart", mix, lambda: mix_figure(a, lang)),
            "mix_table": once("mix_table", mix, lambda: html_table(mix_table(a, lang))),
            "recommendation": once("recommendation", (*mix, *ranking),
                                   lambda: markdown_html(recommendation(a, lang))),
        }

    def save(values: dict) -> Path:
        return scenario_mod.save_overlay(scn.code, "platforms", {
            "conversion_factor": float(values["conversion_factor"]),
            "order_value_factor": float(values["order_value_factor"]),
            "gross_margin": float(values["gross_margin"]),
            "budget": float(values["budget"]),
            "objective": values["objective"],
            "mix_channels": list(values["mix_channels"]),
            "weights": {c: float(values[f"w_{c}"]) for c in CRITERIA},
        })

    return ControlPanel(controls, render, lang=lang, save=save)
