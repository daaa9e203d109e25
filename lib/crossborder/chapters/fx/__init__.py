"""FX hedging: forwards, options, collars, natural and layered hedges, and cash-flow-at-risk.

An exporter that invoices in a foreign currency receives a stream of foreign receivables and converts them
into its home currency. This module answers the treasurer's question "with this hedge, how bad can next
year's home-currency receipts get, and what does the protection cost?".

Conventions
-----------
- Rates are quoted as **domestic (home) units per 1 foreign (invoice) unit**, e.g. TWD per USD; "domestic" is
  the exporter's home currency, "foreign" the invoice currency.
- Times are in years = days / 365 (Actual/365 Fixed); interest rates are continuously compounded.
- Receivable of month m settles m calendar months after the report date.

Formulas and references
-----------------------
- Forward (covered interest parity): F = S exp((r_d - r_f) T). (Hull, *Options, Futures, and Other
  Derivatives*, 11th ed., ch. 5.10.)
- Garman-Kohlhagen (1983) European FX options: d1 = (ln(S/K) + (r_d - r_f + sigma^2/2) T) / (sigma sqrt T),
  d2 = d1 - sigma sqrt T; call = S e^{-r_f T} N(d1) - K e^{-r_d T} N(d2); put = K e^{-r_d T} N(-d2) -
  S e^{-r_f T} N(-d1). (Garman & Kohlhagen, J. Int. Money and Finance 2(3), 1983; Hull ch. 17.)
- Simulation at monthly steps: geometric Brownian motion, log S_{m} - log S_{m-1} = (mu - sigma^2/2) dt +
  sigma sqrt(dt) Z; or a moving-block bootstrap of historical daily log returns (Kunsch, Ann. Stat. 17, 1989),
  demeaned and rescaled to the chosen volatility, with an empirical martingale correction so that each
  month's mean gross return is exp(mu dt) (Duan & Simonato, Management Science 44, 1998).
  Drift mu: "risk_neutral" r_d - r_f (the simulated mean is the forward), "zero" (the expected rate is
  today's spot), "historical" (mean daily log return of the pair's history + sigma^2/2).
- Cash-flow-at-risk at level c: receipts at the budget rate minus the (1 - c) quantile of simulated
  receipts (RiskMetrics Group, *CorporateMetrics Technical Document*, 1999).
- Hedge effectiveness: cumulative dollar-offset ratio = -(change in hedge value) / (change in hedged item
  value), with the 80-125 % band long used for "highly effective" under US GAAP (ASC 815) shown for
  reference; undefined where the item's change is near zero. Each forward (each tranche of a layered
  programme) is measured against the forward rate at its own inception (hypothetical-derivative method), so
  only the bank's spread and the small-numbers problem move the ratio off 100 %; options with time value
  excluded, on intrinsic value and the one-sided risk they hedge (ASC 815-20-25-82).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field, field_validator
from scipy.special import ndtr

from crossborder.core import rates, theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import t
from crossborder.core.schema import Model, Text, _currency
from crossborder.core.stats import rng as make_rng
from crossborder.notebook.panel import ControlPanel
from crossborder.scenario import save_sections

DAYS_PER_YEAR = 365
ASC_815_BAND = (0.80, 1.25)
STRATEGIES = ("unhedged", "forward", "layered", "put", "collar", "natural", "natural_layered", "forward_put")
NATURAL = ("natural", "natural_layered")   # only shown when there are payables in the invoice currency
BASE_LEVEL = 0.95                          # the CFaR level the issue fixes; a second, chosen level is reported too
NEAR_ZERO = 1e-3                           # |item change| below this share of budget receipts: ratio undefined


# ============================================================================================ pricing

def _array(value, name: str) -> np.ndarray:
    try:
        out = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected a number or an array of numbers, found {value!r}") from None
    if np.isnan(out).any():
        raise InputError(f"{name}: expected numbers, found NaN")
    return out


def forward_rate(spot, years, r_domestic, r_foreign) -> np.ndarray:
    """Outright forward by covered interest parity: F = S exp((r_d - r_f) T), broadcasting over arrays."""
    s, tt = _array(spot, "spot"), _array(years, "years")
    rd, rf = _array(r_domestic, "r_domestic"), _array(r_foreign, "r_foreign")
    if np.any(s <= 0):
        raise InputError(f"spot: expected a rate > 0 (domestic units per foreign unit), found {s}")
    if np.any(tt < 0):
        raise InputError(f"years: expected a time >= 0 (days / 365), found {tt}")
    return s * np.exp((rd - rf) * tt)


def _gk(s, k, tt, rd, rf, v, sign: float) -> np.ndarray:
    """Garman-Kohlhagen without argument checks (sign +1 call, -1 put); the solver's inner loop."""
    df_d, df_f = np.exp(-rd * tt), np.exp(-rf * tt)
    sd = v * np.sqrt(tt)
    degenerate = sd <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(degenerate, 1.0, sd)
        d1 = (np.log(s / k) + (rd - rf) * tt) / safe + safe / 2
    price = sign * (s * df_f * ndtr(sign * d1) - k * df_d * ndtr(sign * (d1 - safe)))
    if not np.any(degenerate):
        return price
    intrinsic = df_d * np.maximum(sign * (s * df_f / df_d - k), 0.0)
    return np.where(degenerate, intrinsic, price)


def garman_kohlhagen(spot, strike, years, r_domestic, r_foreign, vol, kind: str = "call") -> np.ndarray:
    """Garman-Kohlhagen price of a European FX option, in domestic units per 1 foreign unit of notional.

    ``kind`` is "call" (right to buy the foreign currency at ``strike``) or "put" (right to sell it: an
    exporter's protection). Broadcasts over arrays. At expiry (T = 0) or zero volatility the price is the
    discounted intrinsic value against the forward.
    """
    if kind not in ("call", "put"):
        raise InputError(f"kind: expected 'call' or 'put', found {kind!r}")
    s, k, tt = _array(spot, "spot"), _array(strike, "strike"), _array(years, "years")
    rd, rf, v = _array(r_domestic, "r_domestic"), _array(r_foreign, "r_foreign"), _array(vol, "vol")
    if np.any(s <= 0):
        raise InputError(f"spot: expected a rate > 0, found {s}")
    if np.any(k <= 0):
        raise InputError(f"strike: expected a rate > 0, found {k}")
    if np.any(tt < 0):
        raise InputError(f"years: expected a time >= 0 (days / 365), found {tt}")
    if np.any(v < 0):
        raise InputError(f"vol: expected an annualized volatility >= 0 (e.g. 0.08), found {v}")
    return _gk(s, k, tt, rd, rf, v, 1.0 if kind == "call" else -1.0)


def zero_cost_cap(spot, floor, years, r_domestic, r_foreign, vol, margin: float = 0.0) -> np.ndarray:
    """The call strike of a zero-cost collar: sold call premium = bought put premium x (1 + bank margin).

    Solved by bisection on log-strike (the call price falls monotonically in the strike) to a relative
    strike precision of about 1e-13. A solution exists only while the call struck at the floor is worth at
    least the put: below about the forward (put-call parity: C(K) - P(K) = e^{-r_d T} (F - K)).
    """
    s, k, tt = np.broadcast_arrays(_array(spot, "spot"), _array(floor, "floor"), _array(years, "years"))
    rd, rf, v = float(r_domestic), float(r_foreign), float(vol)
    target = garman_kohlhagen(s, k, tt, rd, rf, v, "put") * (1 + margin)
    at_floor = _gk(s, k, tt, rd, rf, v, 1.0)
    short = at_floor < target * (1 - 1e-12)
    if np.any(short):
        fwd = forward_rate(s, tt, rd, rf)
        i = int(np.argmax(short))
        raise InputError(
            f"collar_floor: expected a floor whose put (plus the bank margin) a call can pay for, i.e. below "
            f"about the forward {float(np.ravel(fwd)[i]):.6g}; found a floor of {float(np.ravel(k)[i]):.6g}")
    sd = np.maximum(v * np.sqrt(tt), 1e-12)
    lo = np.log(k)
    hi = np.log(forward_rate(s, tt, rd, rf)) + 40 * sd
    while np.max(hi - lo) > 1e-13:
        mid = (lo + hi) / 2
        high_price = _gk(s, np.exp(mid), tt, rd, rf, v, 1.0) > target
        lo = np.where(high_price, mid, lo)
        hi = np.where(high_price, hi, mid)
    return np.exp((lo + hi) / 2)


# ========================================================================================= simulation

def settlement_dates(as_of: date, months: int) -> tuple[list[date], np.ndarray]:
    """Settlement dates ``as_of`` + 1..months calendar months and their times in years (days / 365)."""
    if months < 1:
        raise InputError(f"months: expected at least 1, found {months}")
    start = pd.Timestamp(as_of)
    dates = [(start + pd.DateOffset(months=m)).date() for m in range(1, months + 1)]
    years = np.array([(d - as_of).days for d in dates], dtype=float) / DAYS_PER_YEAR
    return dates, years


def _check_sim(spot: float, years: np.ndarray, vol: float, paths: int) -> np.ndarray:
    years = _array(years, "years")
    if spot <= 0:
        raise InputError(f"spot: expected a rate > 0, found {spot!r}")
    if years.ndim != 1 or len(years) == 0 or np.any(np.diff(np.r_[0.0, years]) <= 0):
        raise InputError(f"years: expected increasing settlement times > 0, found {years}")
    if not vol > 0:
        raise InputError(f"vol: expected an annualized volatility > 0, found {vol!r}")
    if paths < 1:
        raise InputError(f"paths: expected at least 1, found {paths!r}")
    return years


def simulate_gbm(spot: float, years, vol: float, drift: float, paths: int, seed: int | None) -> np.ndarray:
    """Rates at each settlement time under GBM with arithmetic drift ``drift``: array (months, paths)."""
    years = _check_sim(spot, years, vol, paths)
    dt = np.diff(np.r_[0.0, years])[:, None]
    z = make_rng(seed).standard_normal((len(years), paths))
    steps = (drift - vol**2 / 2) * dt + vol * np.sqrt(dt) * z
    return spot * np.exp(np.cumsum(steps, axis=0))


def simulate_bootstrap(spot: float, years, vol: float, drift: float, returns, block_days: int, paths: int,
                       seed: int | None, periods_per_year: int = rates.TRADING_DAYS) -> np.ndarray:
    """Rates at each settlement time from a moving-block bootstrap of daily log ``returns``.

    Each month draws ceil(days / block_days) blocks of consecutive historical days (days = month length x
    252 / 365, rounded); returns are demeaned and rescaled to ``vol`` first, so the history supplies the
    shape (fat tails, clustering inside a block) and the scenario supplies the level. An empirical
    martingale correction then sets every month's mean gross return to exp(drift x dt). Returns an array
    (months, paths).
    """
    years = _check_sim(spot, years, vol, paths)
    r = _array(returns, "returns")
    if block_days < 1:
        raise InputError(f"block_days: expected at least 1, found {block_days}")
    if len(r) < max(60, 2 * block_days):
        raise InputError(f"returns: expected at least {max(60, 2 * block_days)} daily returns to bootstrap, found {len(r)}")
    r = r - r.mean()
    sd = r.std(ddof=1)
    if sd <= 0:
        raise InputError("returns: expected a history that moves, found constant rates")
    r = r * (vol / np.sqrt(periods_per_year)) / sd
    cum = np.r_[0.0, np.cumsum(r)]
    dt = np.diff(np.r_[0.0, years])
    days = np.maximum(1, np.rint(dt * periods_per_year).astype(int))
    counts = -(-days // block_days)
    lengths = np.full(int(counts.sum()), block_days)
    ends = np.cumsum(counts) - 1
    lengths[ends] = days - (counts - 1) * block_days
    starts = make_rng(seed).integers(0, len(r) - block_days + 1, size=(len(lengths), paths))
    sums = cum[starts + lengths[:, None]] - cum[starts]
    steps = np.add.reduceat(sums, np.r_[0, np.cumsum(counts)[:-1]], axis=0)
    steps -= np.log(np.mean(np.exp(steps), axis=1, keepdims=True))
    steps += (drift * dt)[:, None]
    return spot * np.exp(np.cumsum(steps, axis=0))


def match_mean(paths: np.ndarray, spot: float, years, drift: float) -> np.ndarray:
    """Scale each settlement's simulated rates so their sample mean is exactly S0 exp(drift x t).

    Moment matching (Boyle, Broadie & Glasserman, J. Econ. Dyn. Control 21, 1997): strategies linear in the
    rate (forwards, natural hedges) then show their exact expected cost instead of Monte Carlo noise, so
    strategies can be ranked by cost with few paths.
    """
    target = spot * np.exp(drift * np.asarray(years, dtype=float))
    return paths * (target / paths.mean(axis=1))[:, None]


# ========================================================================================= strategies

def layer_increments(layers: list[tuple[int, float]], months: int) -> np.ndarray:
    """Cover added at each decision time j (rows 0..months-1) for the flow of month m (columns).

    A rolling layered programme: at every month-end the cover of each later flow is raised to the target for
    its distance (``layers``: (through_month, ratio), e.g. 75 % for flows 1-3 months ahead, 50 % for 4-6,
    25 % for 7-12); cover is never reduced. The column sums are each month's final cover ratio.
    """
    bounds = sorted(layers)
    if not bounds:
        raise InputError("layers: expected at least one (through_month, ratio) layer, found none")

    def target(ahead: int) -> float:
        return next((ratio for through, ratio in bounds if ahead <= through), 0.0)

    inc = np.zeros((months, months))
    for m in range(1, months + 1):
        held = 0.0
        for j in range(m):
            want = max(held, target(m - j))
            inc[j, m - 1] = want - held
            held = want
    return inc


@dataclass
class Outcome:
    """One strategy on the simulated paths."""

    flows: np.ndarray          # (months, paths) home-currency receipts per month, hedge included
    hedge_change: np.ndarray   # (paths,) cumulative change in the hedge's value (NaN: no derivative)
    item_change: np.ndarray    # (paths,) cumulative change in the designated hedged item's value
    premium: float = 0.0       # option premium paid today, home currency (margin included)

    @property
    def totals(self) -> np.ndarray:
        return self.flows.sum(axis=0)


@dataclass(frozen=True)
class Policy:
    """Hedge-policy parameters for one run (the scenario's ``fx.policy`` with any control overrides)."""

    forward_cover: float
    layers: tuple[tuple[int, float], ...]
    option_cover: float
    put_strike: float        # fraction of the forward
    collar_floor: float      # fraction of the forward
    forward_margin: float    # bank spread, fraction of the forward rate
    option_margin: float     # bank margin, fraction of the option premium


def run_strategies(paths: np.ndarray, spot: float, years: np.ndarray, r_domestic: float, r_foreign: float,
                   vol: float, receivables, payables, policy: Policy, strategies=STRATEGIES) -> tuple[dict[str, Outcome], dict[str, np.ndarray]]:
    """Every strategy on the same simulated ``paths`` (months, paths). Returns outcomes and the strikes.

    Home-currency receipts per month m (R receivables, P payables, N = R - P, S the simulated rate, F the
    forward today, Fc = F (1 - margin) the dealt forward, h a cover ratio):
    - unhedged R S; forward (1 - h) R S + h R Fc;
    - layered R [(1 - C) S + (1 - margin) sum_j dC_j F_j], F_j = S_j e^{(r_d - r_f)(t_m - t_j)} the forward
      dealt at month-end j on the path, C the final cover (``layer_increments``);
    - put R S + h R [max(K - S, 0) - premium e^{r_d t}], K = put_strike x F;
    - collar R S + h R [max(K_p - S, 0) - max(S - K_c, 0)], K_c from ``zero_cost_cap``;
    - natural N S + P F: payables settled from the invoice-currency receipts are credited at their
      home-currency equivalent at today's forward (a natural hedge works like a forward sale at the market
      forward with no bank spread); natural_layered the layered hedge on N;
    - forward_put: forward on h of R, puts on the remaining (1 - h).
    """
    s = np.asarray(paths, dtype=float)
    n, n_paths = s.shape
    rec, pay = _array(receivables, "receivables")[:n], _array(payables, "payables")[:n]
    if len(rec) != n or len(pay) != n:
        raise InputError(f"receivables, payables: expected {n} months (as simulated), found {len(rec)} and {len(pay)}")
    years = np.asarray(years, dtype=float)[:n]
    fwd = forward_rate(spot, years, r_domestic, r_foreign)
    dealt = fwd * (1 - policy.forward_margin)
    col = lambda v: np.asarray(v, dtype=float)[:, None]  # noqa: E731 - per-month vector against (months, paths)
    R, P, N, F, Fc = col(rec), col(pay), col(rec - pay), col(fwd), col(dealt)
    grow = col(np.exp(r_domestic * years))
    undefined = np.full(n_paths, np.nan)
    out: dict[str, Outcome] = {}

    k_put = policy.put_strike * fwd
    paid_put = garman_kohlhagen(spot, k_put, years, r_domestic, r_foreign, vol, "put") * (1 + policy.option_margin)
    k_floor = policy.collar_floor * fwd
    k_cap = (zero_cost_cap(spot, k_floor, years, r_domestic, r_foreign, vol, policy.option_margin)
             if "collar" in strategies else np.full(n, np.nan))
    K, Kp, Kc = col(k_put), col(k_floor), col(k_cap)
    put_payoff = np.maximum(K - s, 0.0) if {"put", "forward_put"} & set(strategies) else None
    put_item = np.minimum(s - K, 0.0) if put_payoff is not None else None
    cost_put = col(paid_put) * grow

    locked_cache: list = []

    def locked_rates() -> tuple[np.ndarray, np.ndarray]:
        """sum_j dC_j F_j per month and path, and the final cover C per month (computed once)."""
        if not locked_cache:
            inc = layer_increments(list(policy.layers), n)
            decision = np.r_[0.0, years[:-1]]
            locked = np.zeros_like(s)
            for j, m in zip(*np.nonzero(inc)):
                weight = inc[j, m] * np.exp((r_domestic - r_foreign) * (years[m] - decision[j]))
                locked[m] += weight * (spot if j == 0 else s[j - 1])
            locked_cache.append((locked, inc.sum(axis=0)[:, None]))
        return locked_cache[0]

    def layered(amount: np.ndarray) -> Outcome:
        locked, cover = locked_rates()
        hedge_flow = amount * ((1 - policy.forward_margin) * locked - cover * s)
        return Outcome(amount * s + hedge_flow, hedge_flow.sum(axis=0),
                       (amount * (cover * s - locked)).sum(axis=0))  # each tranche against its own inception forward

    for name in strategies:
        if name == "unhedged":
            out[name] = Outcome(R * s, undefined, undefined)
        elif name == "forward":
            h = policy.forward_cover
            out[name] = Outcome((1 - h) * R * s + h * R * Fc, (h * R * (Fc - s)).sum(axis=0),
                                (h * R * (s - F)).sum(axis=0))
        elif name == "layered":
            out[name] = layered(R)
        elif name == "put":
            h = policy.option_cover
            out[name] = Outcome(R * s + h * R * (put_payoff - cost_put), (h * R * put_payoff).sum(axis=0),
                                (h * R * put_item).sum(axis=0), premium=float((h * rec * paid_put).sum()))
        elif name == "collar":
            h = policy.option_cover
            payoff = np.maximum(Kp - s, 0.0) - np.maximum(s - Kc, 0.0)
            item = np.minimum(s - Kp, 0.0) + np.maximum(s - Kc, 0.0)
            out[name] = Outcome(R * s + h * R * payoff, (h * R * payoff).sum(axis=0), (h * R * item).sum(axis=0))
        elif name == "natural":
            out[name] = Outcome(N * s + P * F, undefined, undefined)
        elif name == "natural_layered":
            o = layered(N)
            o.flows += P * F
            out[name] = o
        elif name == "forward_put":
            h = policy.forward_cover
            flows = (1 - h) * R * s + h * R * Fc + (1 - h) * R * (put_payoff - cost_put)
            hedge = (h * R * (Fc - s) + (1 - h) * R * put_payoff).sum(axis=0)
            item = (h * R * (s - F) + (1 - h) * R * put_item).sum(axis=0)
            out[name] = Outcome(flows, hedge, item, premium=float(((1 - h) * rec * paid_put).sum()))
        else:
            raise InputError(f"strategies: expected names from {', '.join(STRATEGIES)}, found {name!r}")
    return out, {"put": k_put, "put_premium": paid_put, "floor": k_floor, "cap": k_cap, "forward": fwd}


# ============================================================================================ metrics

def cash_flow_at_risk(totals, budget_total: float, level: float = BASE_LEVEL) -> float:
    """CFaR at ``level``: receipts at the budget rate minus the (1 - level) quantile of simulated receipts."""
    if not 0 < level < 1:
        raise InputError(f"level: expected a confidence level between 0 and 1 (e.g. 0.95), found {level!r}")
    return float(budget_total - np.quantile(np.asarray(totals, dtype=float), 1 - level))


def dollar_offset(hedge_change, item_change, threshold: float) -> np.ndarray:
    """Dollar-offset ratio -hedge / item per path; NaN where |item change| <= ``threshold`` (undefined)."""
    hedge = np.asarray(hedge_change, dtype=float)
    item = np.asarray(item_change, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(item) > threshold, -hedge / item, np.nan)


def min_forward_cover(unhedged_totals, fully_hedged_total: float, budget_total: float, tolerance: float,
                      level: float = BASE_LEVEL) -> float | None:
    """Smallest forward cover ratio h whose CFaR at ``level`` is within ``tolerance`` x budget receipts.

    With a forward, receipts are (1 - h) U + h K on every path, K the fully hedged (certain) total. Quantiles
    are equivariant under positive affine maps, so CFaR(h) = B - (1 - h) q(U) - h K exactly: linear in h.
    Returns 0 when unhedged already fits, None when even full cover does not (K itself is too far below
    budget, e.g. when the forward stands at a deep discount to the budget rate).
    """
    limit = tolerance * budget_total
    c0 = cash_flow_at_risk(unhedged_totals, budget_total, level)
    c1 = budget_total - fully_hedged_total
    if c0 <= limit:
        return 0.0
    if c1 > limit:
        return None
    return float((c0 - limit) / (c0 - c1))


def summarize(outcomes: dict[str, Outcome], monthly_budget: np.ndarray, level: float) -> pd.DataFrame:
    """Per strategy: receipts distribution, CFaR at 95 % and at ``level``, expected cost, worst month,
    and dollar-offset effectiveness. Index: strategy keys; amounts in home currency."""
    budget_total = float(np.sum(monthly_budget))
    base = outcomes["unhedged"].totals.mean()
    lo_base, lo_level = 1 - BASE_LEVEL, 1 - level
    probs = [lo_level, lo_base, 0.25, 0.5, 0.75, BASE_LEVEL]
    rows = {}
    for name, o in outcomes.items():
        totals = o.totals
        q = np.quantile(totals, probs)
        monthly_low = np.quantile(o.flows, lo_base, axis=1)
        shortfall = monthly_budget - monthly_low
        worst = int(np.argmax(shortfall))
        ratio = dollar_offset(o.hedge_change, o.item_change, NEAR_ZERO * budget_total)
        defined = ~np.isnan(ratio)
        rows[name] = {
            "mean": totals.mean(), "std": totals.std(), "p_level": q[0], "p5": q[1], "p25": q[2], "p50": q[3],
            "p75": q[4], "p95": q[5],
            "cfar95": budget_total - q[1], "cfar_level": budget_total - q[0],
            "cfar95_share": (budget_total - q[1]) / budget_total,
            "cost": base - totals.mean(), "premium": o.premium,
            "worst_month": worst + 1, "worst_shortfall": shortfall[worst],
            "offset_median": float(np.median(ratio[defined])) if defined.any() else np.nan,
            "offset_in_band": (float(np.mean((ratio[defined] >= ASC_815_BAND[0]) & (ratio[defined] <= ASC_815_BAND[1])))
                               if defined.any() else np.nan),
            "offset_undefined": float(1 - defined.mean()) if not np.isnan(o.hedge_change).all() else np.nan,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "strategy"
    out.attrs.update(budget_total=budget_total, level=level)
    return out


def recommend(summary: pd.DataFrame, tolerance: float) -> str:
    """The cheapest strategy (expected cost) whose 95 % CFaR is within ``tolerance`` x budget receipts;
    ties go to the lower CFaR. If none fits, the one with the lowest 95 % CFaR."""
    fits = summary[summary["cfar95_share"] <= tolerance + 1e-12]
    if fits.empty:
        return str(summary["cfar95"].idxmin())
    return str(fits.sort_values(["cost", "cfar95"], kind="stable").index[0])


# =========================================================================================== scenario

class InterestRate(Model):
    """A continuously compounded annual rate (fraction) for the hedge horizon, with its source."""

    value: float = Field(ge=-0.05, le=1.0)
    source: str = Field(min_length=1)
    as_of: date


class Volatility(Model):
    """How the home/invoice volatility is found: the figure stated in ``rates.pairs`` (with its source), or
    calibrated from the pair's own history."""

    from_history: bool = False        # true: sample std of daily log returns of rates.history(home, invoice)
    window_days: int = Field(default=252, ge=20, le=10000)  # returns in the calibration window


class Layer(Model):
    through_month: int = Field(ge=1, le=24)   # flows up to this many months ahead ...
    ratio: float = Field(ge=0, le=1)          # ... are covered to this ratio


class PolicySection(Model):
    """Hedge policy (illustrative defaults: a treasury committee sets its own)."""

    forward_cover: float = Field(ge=0, le=1)
    layers: list[Layer] = Field(min_length=1)
    option_cover: float = Field(ge=0, le=1)
    put_strike: float = Field(ge=0.8, le=1.2)     # bought put strike, fraction of the forward
    collar_floor: float = Field(ge=0.8, le=1.0)   # collar floor, fraction of the forward; the cap is solved
    forward_margin: float = Field(ge=0, le=0.05)  # bank's spread on forwards, fraction of the rate
    option_margin: float = Field(ge=0, le=1)      # bank's margin on option premiums, fraction of premium
    cfar_level: float = Field(gt=0.5, lt=1)       # the second CFaR level reported next to 95 %
    cfar_tolerance: float = Field(gt=0, le=1)     # acceptable 95 % CFaR, fraction of budget receipts

    @field_validator("layers")
    @classmethod
    def _increasing(cls, layers: list[Layer]) -> list[Layer]:
        months = [layer.through_month for layer in layers]
        if months != sorted(set(months)):
            raise ValueError(f"layers with strictly increasing through_month (found {months})")
        return layers


class SimulationSection(Model):
    method: Literal["gbm", "bootstrap"] = "gbm"
    drift: Literal["risk_neutral", "zero", "historical"] = "risk_neutral"
    paths: int = Field(default=10000, ge=1000, le=1_000_000)
    seed: int = Field(default=2026, ge=0)
    block_days: int = Field(default=10, ge=1, le=63)        # bootstrap block length, business days
    pool_days: int = Field(default=1260, ge=250, le=20000)  # bootstrap: the last N daily returns
    horizon_months: int = Field(default=12, ge=1, le=24)


class FxSection(Model):
    """Scenario section ``fx``: the exposure, market inputs with sources, and the hedge policy."""

    invoice_currency: str
    invoice_note: Text                    # why the market is invoiced in this currency
    terms: Text                           # payment terms and when the exposure is born (LC / OA timing)
    budget_rate: float = Field(gt=0)      # the rate the budget converts at (home per invoice unit)
    r_domestic: InterestRate              # home-currency rate
    r_foreign: InterestRate               # invoice-currency rate
    volatility: Volatility = Volatility()  # stated in rates.pairs unless from_history
    history_proxy: list[str] | None = Field(default=None, min_length=2, max_length=2)  # [domestic, foreign]
    receivables: list[float] = Field(min_length=1, max_length=24)  # invoice currency, per month from next
    payables: list[float]                 # invoice-currency payables, same months (natural hedge)
    exposure_source: str = "illustrative"
    simulation: SimulationSection
    policy: PolicySection

    _check_currency = field_validator("invoice_currency")(_currency)

    @field_validator("history_proxy")
    @classmethod
    def _proxy(cls, pair: list[str] | None) -> list[str] | None:
        if pair is not None:
            for code in pair:
                _currency(code)
            if pair[0] == pair[1]:
                raise ValueError("two different currencies [domestic, foreign]")
        return pair

    @field_validator("receivables")
    @classmethod
    def _receivables(cls, values: list[float]) -> list[float]:
        if any(v < 0 for v in values) or not any(v > 0 for v in values):
            raise ValueError("amounts >= 0 with at least one month > 0")
        return values

    @field_validator("payables")
    @classmethod
    def _payables(cls, values: list[float], info) -> list[float]:
        n = len(info.data.get("receivables") or [])
        if n and len(values) != n:
            raise ValueError(f"as many months as fx.receivables ({n})")
        if any(v < 0 for v in values):
            raise ValueError("amounts >= 0")
        return values


# ============================================================================================ inputs

@dataclass(frozen=True)
class Inputs:
    """Everything a run needs, taken from one market's scenario on one report date."""

    code: str
    home: str
    invoice: str
    as_of: date
    dates: list[date]
    years: np.ndarray
    section: FxSection
    spot: float                        # home units per 1 invoice unit: rates.pairs, or the last history rate
    spot_source: str
    spot_as_of: date
    vol: float                         # the scenario's volatility (stated or calibrated)
    vol_note: str
    history: pd.Series | None          # the pair's history, or the proxy pair's, or None
    history_is_proxy: bool

    @property
    def receivables(self) -> np.ndarray:
        return np.asarray(self.section.receivables, dtype=float)

    @property
    def payables(self) -> np.ndarray:
        return np.asarray(self.section.payables, dtype=float)

    @property
    def budget(self) -> float:
        return self.section.budget_rate

    @property
    def r_domestic(self) -> float:
        return self.section.r_domestic.value

    @property
    def r_foreign(self) -> float:
        return self.section.r_foreign.value

    @property
    def policy(self) -> Policy:
        p = self.section.policy
        return Policy(p.forward_cover, tuple((la.through_month, la.ratio) for la in p.layers), p.option_cover,
                      p.put_strike, p.collar_floor, p.forward_margin, p.option_margin)


def pair_history(home: str, invoice: str, proxy: list[str] | None) -> tuple[pd.Series | None, bool]:
    """History of the home/invoice pair if the user supplied it or the ECB quotes both; else the proxy
    pair from the ECB (flagged) if the scenario names one; else None. A malformed user CSV still fails."""
    if rates.user_history_file(home, invoice).exists() or {home, invoice} <= set(rates.ecb_currencies()):
        return rates.history(home, invoice), False
    if proxy:
        return rates.history(proxy[0], proxy[1]), True
    return None, False


def inputs(scn, as_of: date) -> Inputs:
    """Build a run's inputs from a loaded scenario; volatility calibrated from history if the scenario says so."""
    fx = scn.fx
    home, invoice = scn.exporter.home_currency, fx.invoice_currency
    where = f"scenario {scn.code} ({', '.join(str(p.name) for p in scn.files)})"
    if home == invoice:
        raise InputError(f"{where}: key 'fx.invoice_currency': expected a currency other than the home currency "
                         f"{home}, found {invoice!r}")
    n = len(fx.receivables)
    if fx.simulation.horizon_months > n:
        raise InputError(f"{where}: key 'fx.simulation.horizon_months': expected at most {n} (the months in "
                         f"fx.receivables), found {fx.simulation.horizon_months}")
    history, is_proxy = pair_history(home, invoice, fx.history_proxy)
    key = f"rates.pairs.{home}/{invoice}"
    stated = scn.rates.stated(home, invoice)
    own = None if is_proxy else history     # the pair's own dated history (user CSV or ECB), if any
    if own is not None:
        own = own[own.index <= pd.Timestamp(as_of)]
        if len(own) < 2:
            own = None
    if stated is not None:
        spot, spot_source, spot_as_of = stated.rate, stated.source, stated.as_of
        vol, note = stated.volatility_annual, stated.volatility_note
    elif own is not None:
        spot, spot_as_of = float(own.iloc[-1]), own.index[-1].date()
        spot_source = f"last rate on or before {as_of} in {own.attrs.get('source', 'the pair history')} (no {key})"
        vol, note = None, ""
    else:
        raise InputError(f"{where}: key '{key}': expected a stated rate and volatility for {home}/{invoice} "
                         f"(rate, volatility_annual, basis, source, as_of; or the inverse pair {invoice}/{home}) "
                         f"because the pair has no history (ECB or {rates.user_history_file(home, invoice).name} "
                         f"in the user folder), found no entry")
    if fx.volatility.from_history:
        own = rates.history(home, invoice)  # raises, naming the CSV to supply, when there is no such history
        own = own[own.index <= pd.Timestamp(as_of)]
        vol = rates.annualized_volatility(own, window=fx.volatility.window_days)
        note = f"{own.attrs['source']}, last {fx.volatility.window_days} daily returns"
    elif vol is None:
        raise InputError(f"{where}: key '{key}': expected a stated volatility_annual for {home}/{invoice}, or "
                         f"fx.volatility.from_history: true, found neither")
    dates, years = settlement_dates(as_of, n)
    return Inputs(scn.code, home, invoice, as_of, dates, years, fx, spot, spot_source, spot_as_of, vol, note,
                  history, is_proxy)


# ========================================================================================== analysis

@dataclass
class Analysis:
    inputs: Inputs
    months: int
    vol: float
    method: str
    drift_kind: str
    drift: float
    policy: Policy
    paths: np.ndarray
    outcomes: dict[str, Outcome]
    strikes: dict[str, np.ndarray]
    summary: pd.DataFrame
    level: float
    tolerance: float
    min_cover: float | None
    min_cover_net: float | None
    recommended: str
    bootstrap_source: str | None = None
    monthly_budget: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def budget_total(self) -> float:
        return float(self.monthly_budget.sum())

    @property
    def forwards(self) -> np.ndarray:
        return self.strikes["forward"]


def _drift(inp: Inputs, kind: str, vol: float) -> float:
    if kind == "risk_neutral":
        return inp.r_domestic - inp.r_foreign
    if kind == "zero":
        return 0.0
    if kind == "historical":
        try:
            own = rates.history(inp.home, inp.invoice)
        except InputError as exc:
            raise InputError(f"drift 'historical': {exc}; or choose drift risk_neutral or zero") from None
        return rates.annualized_drift(own, window=inp.section.volatility.window_days) + vol**2 / 2
    raise InputError(f"drift: expected risk_neutral, zero or historical, found {kind!r}")


def analyse(inp: Inputs, *, forward_cover: float | None = None, option_cover: float | None = None,
            put_strike: float | None = None, collar_floor: float | None = None, vol: float | None = None,
            horizon: int | None = None, method: str | None = None, drift: str | None = None,
            paths: int | None = None, seed: int | None = None) -> Analysis:
    """Simulate the rate and run every strategy. Keyword arguments override the scenario (the controls)."""
    sim, pol = inp.section.simulation, inp.section.policy
    base = inp.policy
    policy = Policy(
        base.forward_cover if forward_cover is None else float(forward_cover), base.layers,
        base.option_cover if option_cover is None else float(option_cover),
        base.put_strike if put_strike is None else float(put_strike),
        base.collar_floor if collar_floor is None else float(collar_floor),
        base.forward_margin, base.option_margin)
    for name in ("forward_cover", "option_cover"):
        if not 0 <= getattr(policy, name) <= 1:
            raise InputError(f"{name}: expected a ratio from 0 to 1, found {getattr(policy, name)!r}")
    if not 0 < policy.put_strike or not 0 < policy.collar_floor:
        raise InputError("put_strike, collar_floor: expected fractions of the forward > 0")
    vol = inp.vol if vol is None else float(vol)
    months = sim.horizon_months if horizon is None else int(horizon)
    if not 1 <= months <= len(inp.receivables):
        raise InputError(f"horizon: expected 1 to {len(inp.receivables)} months, found {months}")
    method = sim.method if method is None else method
    drift_kind = sim.drift if drift is None else drift
    n_paths = sim.paths if paths is None else int(paths)
    seed = sim.seed if seed is None else seed
    mu = _drift(inp, drift_kind, vol)
    years = inp.years[:months]
    source = None
    if method == "gbm":
        sims = simulate_gbm(inp.spot, years, vol, mu, n_paths, seed)
    elif method == "bootstrap":
        if inp.history is None:
            raise InputError(
                f"method 'bootstrap': no history for {inp.home}/{inp.invoice} and no fx.history_proxy in the "
                f"scenario; put a CSV at {rates.user_history_file(inp.home, inp.invoice)} (columns date,rate) "
                f"or choose method gbm")
        hist = inp.history.iloc[-(sim.pool_days + 1):]
        sims = simulate_bootstrap(inp.spot, years, vol, mu, rates.log_returns(hist.to_numpy()), sim.block_days,
                                  n_paths, seed)
        source = str(hist.name)
    else:
        raise InputError(f"method: expected gbm or bootstrap, found {method!r}")
    rec, pay = inp.receivables[:months], inp.payables[:months]
    names = tuple(s for s in STRATEGIES if s not in NATURAL or pay.sum() > 0)
    sims = match_mean(sims, inp.spot, years, mu)
    outcomes, strikes = run_strategies(sims, inp.spot, years, inp.r_domestic, inp.r_foreign, vol, rec, pay,
                                       policy, names)
    monthly_budget = rec * inp.budget
    summary = summarize(outcomes, monthly_budget, pol.cfar_level)
    budget_total = float(monthly_budget.sum())
    dealt = strikes["forward"] * (1 - policy.forward_margin)
    min_cover = min_forward_cover(outcomes["unhedged"].totals, float((rec * dealt).sum()), budget_total,
                                  pol.cfar_tolerance)
    min_net = None
    if "natural" in outcomes:
        full_net = float(((rec - pay) * dealt + pay * strikes["forward"]).sum())
        min_net = min_forward_cover(outcomes["natural"].totals, full_net, budget_total, pol.cfar_tolerance)
    return Analysis(inp, months, vol, method, drift_kind, mu, policy, sims, outcomes, strikes, summary,
                    pol.cfar_level, pol.cfar_tolerance, min_cover, min_net, recommend(summary, pol.cfar_tolerance),
                    source, monthly_budget)


def run(scn, as_of: date, **overrides) -> Analysis:
    """``analyse(inputs(scn, as_of), **overrides)``: the notebook's one call."""
    return analyse(inputs(scn, as_of), **overrides)


# ============================================================================================ workshop

COVER_OF = {"forward": "forward_cover", "forward_put": "forward_cover", "put": "option_cover",
            "collar": "option_cover"}   # which cover ratio drives each strategy


def _cover_key(strategy: str) -> str:
    try:
        return COVER_OF[strategy]
    except KeyError:
        raise InputError(f"strategy: expected one whose cover ratio can be set ({', '.join(COVER_OF)}), "
                         f"found {strategy!r}") from None


def cover_curve(inp: Inputs, covers, strategy: str = "forward", **overrides) -> pd.DataFrame:
    """95 % CFaR and expected cost of ``strategy`` at each cover ratio in ``covers``: one full
    :func:`analyse` run per ratio on the same seeded paths (the curve a treasury committee reads to pick its
    hedge ratio). ``overrides`` are further :func:`analyse` arguments (volatility, method, drift, ...).

    Columns: ``cover, cfar95, cfar95_share, cfar_level, cost, within`` (95 % CFaR within the scenario's
    tolerance); ``attrs``: ``strategy, tolerance, budget_total``.
    """
    key = _cover_key(strategy)
    if key in overrides:
        raise InputError(f"overrides: {key} is what the curve varies; give the ratios as covers")
    ratios = _array(covers, "covers").ravel()
    if ratios.size == 0 or np.any((ratios < 0) | (ratios > 1)):
        raise InputError(f"covers: expected ratios from 0 to 1, found {ratios}")
    rows, a = [], None
    for h in ratios:
        a = analyse(inp, **{key: float(h)}, **overrides)
        r = a.summary.loc[strategy]
        rows.append({"cover": float(h), "cfar95": r["cfar95"], "cfar95_share": r["cfar95_share"],
                     "cfar_level": r["cfar_level"], "cost": r["cost"],
                     "within": bool(r["cfar95_share"] <= a.tolerance + 1e-12)})
    out = pd.DataFrame(rows)
    out.attrs.update(strategy=strategy, tolerance=a.tolerance, budget_total=a.budget_total, level=a.level)
    return out


def min_cover_search(inp: Inputs, strategy: str = "forward", *, step: float = 1e-3, **overrides) -> float | None:
    """The smallest cover ratio of ``strategy`` whose 95 % CFaR is within the scenario's tolerance, found by
    bisection over full model runs to within ``step``; 0 when no cover is needed, None when even full cover
    misses the tolerance.

    Bisection assumes the CFaR falls as cover rises: exactly so for the forward (CFaR is linear in the
    ratio, see :func:`min_forward_cover`, which solves the same question in closed form), and in practice
    for puts and collars, whose payoffs only add in the bad years.
    """
    key = _cover_key(strategy)
    if not 0 < step < 0.5:
        raise InputError(f"step: expected a precision between 0 and 0.5 (e.g. 0.001), found {step!r}")

    def fits(h: float) -> bool:
        a = analyse(inp, **{key: h}, **overrides)
        return bool(a.summary.at[strategy, "cfar95_share"] <= a.tolerance + 1e-12)

    if fits(0.0):
        return 0.0
    if not fits(1.0):
        return None
    lo, hi = 0.0, 1.0
    while hi - lo > step:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if fits(mid) else (mid, hi)
    return hi


def carry_cost(a: Analysis) -> pd.Series:
    """The forward's expected cost split into its two sources, home currency over the horizon, for the
    analysis' forward cover h: carry (the interest differential, h sum_m R_m (S0 - F_m)) and the bank's
    spread (h sum_m R_m F_m x margin). Measured against today's spot, which is the simulated mean under the
    "zero" drift; under the risk-neutral drift the simulated mean is the forward and only the spread is a
    cost. ``total`` is their sum."""
    inp, h = a.inputs, a.policy.forward_cover
    rec = inp.receivables[:a.months]
    carry = h * float((rec * (inp.spot - a.forwards)).sum())
    spread = h * float((rec * a.forwards * a.policy.forward_margin).sum())
    return pd.Series({"carry": carry, "spread": spread, "total": carry + spread})


def unconfirmed_orders(a: Analysis, share: float, level: float = BASE_LEVEL) -> pd.DataFrame:
    """What hedging orders that never come costs: ``share`` of each month's receivables is hedged, then the
    order is lost, on the analysis' simulated paths (home currency, summed over the horizon).

    - Forward: it must still be settled; the exporter buys the currency at spot S_m and delivers it at the
      dealt rate Fc_m: P&L = u R_m (Fc_m - S_m), a loss whenever the currency rose (a speculative position).
    - Bought put: it lapses or pays: P&L = u R_m (max(K_m - S_m, 0) - p_m e^{r_d t_m}) with p_m the premium
      paid today (bank margin included): never worse than the premium compounded.

    Rows ``forward`` and ``put``; columns ``mean``, ``bad`` (the P&L at the (1 - level) quantile: the bad
    year), ``worst`` (over all paths) and ``premium`` (compounded premium at stake; 0 for the forward).
    """
    u = float(share)
    if not 0 < u <= 1:
        raise InputError(f"share: expected the share of orders that may not come, above 0 and at most 1, found {share!r}")
    if not 0 < level < 1:
        raise InputError(f"level: expected a confidence level between 0 and 1 (e.g. 0.95), found {level!r}")
    inp = a.inputs
    n = a.months
    rec = (u * inp.receivables[:n])[:, None]
    s = a.paths
    dealt = (a.forwards * (1 - a.policy.forward_margin))[:, None]
    premium = (a.strikes["put_premium"] * np.exp(inp.r_domestic * inp.years[:n]))[:, None]
    pnl = {"forward": (rec * (dealt - s)).sum(axis=0),
           "put": (rec * (np.maximum(a.strikes["put"][:, None] - s, 0.0) - premium)).sum(axis=0)}
    at_stake = {"forward": 0.0, "put": float((rec * premium).sum())}
    out = pd.DataFrame({name: {"mean": float(x.mean()), "bad": float(np.quantile(x, 1 - level)),
                               "worst": float(x.min()), "premium": at_stake[name]} for name, x in pnl.items()}).T
    out.index.name = "instrument"
    return out


# ========================================================================================= formatting

def _cur(code: str, lang: str) -> str:
    key = f"fx.cur_{code}"
    try:
        return t(key, lang)
    except KeyError:
        return code


def pair_label(domestic: str, foreign: str, lang: str) -> str:
    """'TWD per USD' / '每 1 美元兌新臺幣': unambiguous, unlike 'USD/TWD' vs 'TWD/USD'."""
    return t("fx.pair", lang, dom=_cur(domestic, lang), for_=_cur(foreign, lang))


def money(amount: float, currency: str, lang: str) -> str:
    """An amount in prose: 'TWD 12.3 m' (below a million 'TWD 450 k') / '新臺幣 1,230 萬元' (億元 from 100
    million up)."""
    if lang == "zh-TW":
        if abs(amount) >= 1e8:
            return t("fx.money_yi", lang, cur=_cur(currency, lang), value=f"{amount / 1e8:,.2f}")
        return t("fx.money", lang, cur=_cur(currency, lang), value=f"{amount / 1e4:,.0f}")
    if 0 < abs(amount) < 0.95e6:
        return t("fx.money_k", lang, cur=currency, value=f"{amount / 1e3:,.0f}")
    return t("fx.money", lang, cur=currency, value=f"{amount / 1e6:,.1f}")


def strategy_label(name: str, policy: Policy, lang: str) -> str:
    return t(f"fx.s_{name}", lang, fwd=f"{policy.forward_cover:.0%}", opt=f"{policy.option_cover:.0%}",
             rest=f"{1 - policy.forward_cover:.0%}")


def _num(x: float, digits: int = 1, pct: bool = False) -> str:
    """A table number without a '-0.0' when rounding erases the sign."""
    value = round(float(x) * (100 if pct else 1), digits) + 0.0
    return f"{value:,.{digits}f}" + ("%" if pct else "")


def _rate_fmt(x: float) -> str:
    return f"{x:,.4f}" if x < 10 else f"{x:,.3f}"


def _millions(lang: str, currency: str) -> str:
    return t("fx.unit_millions", lang, cur=_cur(currency, lang) if lang == "zh-TW" else currency)


# ============================================================================================ figures

def history_figure(inp: Inputs, lang: str, *, years: int = 5, window: int = 63) -> go.Figure:
    """The pair's history (or the proxy pair's, labelled as such) with its rolling realised volatility and
    the scenario's volatility for reference."""
    if inp.history is None:
        raise InputError(f"history: no history for {inp.home}/{inp.invoice} and no fx.history_proxy; "
                         f"put a CSV at {rates.user_history_file(inp.home, inp.invoice)} (columns date,rate)")
    series = inp.history
    dom, fgn = str(series.name).split("/")
    realised = rates.rolling_volatility(series, window)
    start = series.index[-1] - pd.DateOffset(years=years)
    series, realised = series[series.index >= start], realised[realised.index >= start]
    label = pair_label(dom, fgn, lang)
    title = t("fx.history_title", lang, pair=label)
    lines = [t("fx.history_proxy_note", lang, home=_cur(inp.home, lang))] if inp.history_is_proxy else []
    lines.append(t("fx.history_source", lang, source=inp.history.attrs.get("source", ""),
                   end=series.index[-1].date().isoformat()))
    subtitle = "<br>".join(f"<sup>{line}</sup>" for line in lines)
    fig = theme.figure(f"{title}<br>{subtitle}", height=540, margin=dict(l=70, r=20, t=70 + 22 * len(lines), b=50))
    fig.set_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4])
    fig.add_scatter(x=series.index, y=series.values, mode="lines", name=label, line=dict(width=1.2),
                    row=1, col=1)
    fig.add_scatter(x=realised.index, y=realised.values * 100, mode="lines",
                    name=t("fx.realised_vol", lang, days=window), line=dict(width=1.2, color=theme.COLORWAY[1]),
                    row=2, col=1)
    scen_label = t("fx.scenario_vol", lang, pair=pair_label(inp.home, inp.invoice, lang), vol=f"{inp.vol:.1%}")
    fig.add_scatter(x=[realised.index[0], realised.index[-1]], y=[inp.vol * 100] * 2, mode="lines",
                    name=scen_label, line=dict(dash="dash", color=theme.COLORWAY[3]), row=2, col=1)
    fig.update_yaxes(title_text=label, row=1, col=1)
    fig.update_yaxes(title_text=t("fx.axis_vol", lang), row=2, col=1, rangemode="tozero")
    fig.update_layout(legend=dict(y=-0.12, yanchor="top"))
    return fig


def fan_figure(a: Analysis, lang: str) -> go.Figure:
    """Percentile bands of the simulated rate at each settlement date, with the forward curve and budget."""
    inp = a.inputs
    x = [inp.as_of, *inp.dates[:a.months]]
    q = np.quantile(a.paths, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    q = np.concatenate([np.full((5, 1), inp.spot), q], axis=1)
    pair = pair_label(inp.home, inp.invoice, lang)
    fig = theme.figure(t("fx.fan_title", lang, pair=pair, method=_method_label(a, lang)))
    band = theme.COLORWAY[0]
    around = x + x[::-1]  # each band is one closed polygon: upper edge out, lower edge back
    fig.add_scatter(x=around, y=np.r_[q[4], q[0][::-1]], mode="lines", line=dict(width=0), fill="toself",
                    fillcolor="rgba(0,114,178,0.15)", name=t("fx.band_90", lang), hoverinfo="skip")
    fig.add_scatter(x=around, y=np.r_[q[3], q[1][::-1]], mode="lines", line=dict(width=0), fill="toself",
                    fillcolor="rgba(0,114,178,0.30)", name=t("fx.band_50", lang), hoverinfo="skip")
    fig.add_scatter(x=x, y=q[2], mode="lines", line=dict(color=band, width=2), name=t("fx.median", lang))
    fig.add_scatter(x=x, y=np.r_[inp.spot, a.forwards], mode="lines+markers", marker=dict(size=4),
                    line=dict(color=theme.COLORWAY[1], dash="dot"), name=t("fx.forward_curve", lang))
    fig.add_scatter(x=[x[0], x[-1]], y=[inp.budget] * 2, mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.budget_rate", lang))
    fig.update_layout(yaxis_title=pair, xaxis_title=t("fx.axis_settlement", lang), height=460,
                      legend=dict(y=-0.2, yanchor="top"), margin=dict(b=110))
    return fig


def _method_label(a: Analysis, lang: str) -> str:
    if a.method == "gbm":
        return t("fx.method_gbm", lang)
    return t("fx.method_bootstrap_of", lang, source=a.bootstrap_source or "")


def distribution_figure(a: Analysis, lang: str) -> go.Figure:
    """Total home-currency receipts per strategy: box = 25th-75th percentile, whiskers 5th-95th."""
    s = a.summary
    unit = 1e6
    labels = [strategy_label(n, a.policy, lang) for n in s.index]
    fig = theme.figure(t("fx.dist_title", lang, months=a.months), height=430, margin=dict(l=10, r=20, t=60, b=50))
    fig.add_trace(go.Box(y=labels, q1=s["p25"] / unit, median=s["p50"] / unit, q3=s["p75"] / unit,
                         lowerfence=s["p5"] / unit, upperfence=s["p95"] / unit, orientation="h",
                         name=t("fx.box_legend", lang), marker_color=theme.COLORWAY[0], fillcolor="rgba(0,114,178,0.25)"))
    fig.add_scatter(x=s["mean"] / unit, y=labels, mode="markers", marker=dict(symbol="diamond", size=7,
                    color=theme.COLORWAY[1]), name=t("fx.mean", lang))
    budget_line = dict(type="line", xref="x", yref="paper", x0=a.budget_total / unit, x1=a.budget_total / unit,
                       y0=0, y1=1, line=dict(color=theme.COLORWAY[3], dash="dash"))
    fig.add_scatter(x=[None], y=[None], mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.budget_receipts", lang))
    fig.update_layout(xaxis_title=_millions(lang, a.inputs.home), yaxis=dict(autorange="reversed", automargin=True),
                      legend=dict(y=-0.16, yanchor="top"), height=470, margin=dict(b=110), shapes=[budget_line])
    return fig


def cfar_cost_figure(a: Analysis, lang: str) -> go.Figure:
    """CFaR (95 % and the chosen level) next to the expected cost of hedging, per strategy (two panels
    sharing the strategy axis; laid out by axis domains, which is much faster to update than subplots)."""
    s = a.summary
    unit = 1e6
    labels = [strategy_label(n, a.policy, lang) for n in s.index]
    fig = theme.figure(t("fx.cfar_title", lang), height=430, margin=dict(l=10, r=20, t=60, b=50))
    fig.add_bar(y=labels, x=s["cfar95"] / unit, orientation="h", name=t("fx.cfar_at", lang, level="95%"),
                marker_color=theme.COLORWAY[0])
    fig.add_bar(y=labels, x=s["cfar_level"] / unit, orientation="h",
                name=t("fx.cfar_at", lang, level=f"{a.level:.0%}"), marker_color=theme.COLORWAY[4])
    tol = a.tolerance * a.budget_total / unit
    fig.add_scatter(x=[tol, tol], y=[labels[0], labels[-1]], mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.tolerance", lang, tol=f"{a.tolerance:.0%}"))
    fig.add_bar(y=labels, x=s["cost"] / unit, orientation="h", name=t("fx.expected_cost", lang),
                marker_color=theme.COLORWAY[1], xaxis="x2", yaxis="y")
    fig.update_layout(
        barmode="group", legend=dict(y=-0.16, yanchor="top"),
        yaxis=dict(autorange="reversed", automargin=True),
        xaxis=dict(domain=[0, 0.6], title_text=t("fx.axis_cfar", lang, unit=_millions(lang, a.inputs.home))),
        xaxis2=dict(domain=[0.64, 1], anchor="y", title_text=t("fx.axis_cost", lang, unit=_millions(lang, a.inputs.home))))
    return fig


def payoff_figure(a: Analysis, lang: str) -> go.Figure:
    """Home currency received per 1 unit of invoice currency at the horizon's last settlement, fully covered."""
    inp = a.inputs
    m = a.months - 1
    fwd, t_m = a.forwards[m], inp.years[m]
    spread = a.vol * np.sqrt(t_m)
    x = np.linspace(fwd * np.exp(-3 * spread), fwd * np.exp(3 * spread), 121)
    dealt = fwd * (1 - a.policy.forward_margin)
    k_put, paid = a.strikes["put"][m], a.strikes["put_premium"][m] * np.exp(inp.r_domestic * t_m)
    k_floor, k_cap = a.strikes["floor"][m], a.strikes["cap"][m]
    pair = pair_label(inp.home, inp.invoice, lang)
    when = inp.dates[m].isoformat()
    fig = theme.figure(t("fx.payoff_title", lang, date=when))
    fig.add_scatter(x=x, y=x, mode="lines", name=t("fx.s_unhedged", lang), line=dict(color=theme.COLORWAY[7], width=1))
    fig.add_scatter(x=x, y=np.full_like(x, dealt), mode="lines", name=t("fx.p_forward", lang, rate=_rate_fmt(dealt)),
                    line=dict(color=theme.COLORWAY[0]))
    fig.add_scatter(x=x, y=np.maximum(x, k_put) - paid, mode="lines",
                    name=t("fx.p_put", lang, k=_rate_fmt(k_put), prem=_rate_fmt(paid)), line=dict(color=theme.COLORWAY[2]))
    if np.isfinite(k_cap):
        fig.add_scatter(x=x, y=np.clip(x, k_floor, k_cap), mode="lines",
                        name=t("fx.p_collar", lang, lo=_rate_fmt(k_floor), hi=_rate_fmt(k_cap)),
                        line=dict(color=theme.COLORWAY[3]))
    fig.add_scatter(x=[x[0], x[-1]], y=[inp.budget] * 2, mode="lines", name=t("fx.budget_rate", lang),
                    line=dict(color=theme.COLORWAY[5], dash="dot"))
    fig.update_layout(xaxis_title=t("fx.axis_rate_at", lang, pair=pair),
                      yaxis_title=t("fx.axis_received", lang, home=_cur(inp.home, lang), fgn=_cur(inp.invoice, lang)),
                      legend=dict(y=-0.18, yanchor="top"), margin=dict(b=120), height=460)
    return fig


def cover_figure(curve: pd.DataFrame, lang: str, found: float | None = None) -> go.Figure:
    """95 % CFaR (share of budget receipts) against the cover ratio, from :func:`cover_curve`, with the
    tolerance and, if given, the smallest ratio that meets it."""
    name = t(f"fx.sn_{curve.attrs['strategy']}", lang)
    tol = curve.attrs["tolerance"]
    fig = theme.figure(t("fx.cover_title", lang, strategy=name), height=400)
    fig.add_scatter(x=curve["cover"] * 100, y=curve["cfar95_share"] * 100, mode="lines+markers",
                    marker=dict(size=5), name=t("fx.cfar_at", lang, level="95%"), line=dict(color=theme.COLORWAY[0]))
    fig.add_scatter(x=[0, 100], y=[tol * 100] * 2, mode="lines", line=dict(color=theme.COLORWAY[3], dash="dash"),
                    name=t("fx.tolerance", lang, tol=f"{tol:.0%}"))
    if found is not None:
        fig.add_scatter(x=[found * 100], y=[tol * 100], mode="markers",
                        marker=dict(symbol="diamond", size=11, color=theme.COLORWAY[1]),
                        name=t("fx.cover_found", lang, ratio=f"{found:.1%}"))
    fig.update_layout(xaxis_title=t("fx.axis_cover", lang), yaxis_title=t("fx.axis_cfar_share", lang),
                      legend=dict(y=-0.2, yanchor="top"), margin=dict(b=110), height=440)
    return fig


# ============================================================================================= tables

def summary_table(a: Analysis, lang: str) -> pd.DataFrame:
    s = a.summary
    unit = 1e6
    months = [d.strftime("%Y-%m") for d in a.inputs.dates[:a.months]]
    rows = []
    for name, r in s.iterrows():
        rows.append({
            t("fx.col_strategy", lang): strategy_label(name, a.policy, lang),
            t("fx.col_mean", lang): _num(r["mean"] / unit),
            t("fx.col_cfar", lang, level="95%"): _num(r["cfar95"] / unit),
            t("fx.col_cfar_share", lang): _num(r["cfar95_share"], 1, pct=True),
            t("fx.col_cfar", lang, level=f"{a.level:.0%}"): _num(r["cfar_level"] / unit),
            t("fx.col_cost", lang): _num(r["cost"] / unit, 2),
            t("fx.col_premium", lang): _num(r["premium"] / unit, 2),
            t("fx.col_worst", lang): t("fx.worst_fmt", lang, month=months[int(r["worst_month"]) - 1],
                                       value=_num(r["worst_shortfall"] / unit)),
        })
    out = pd.DataFrame(rows)
    out.attrs["unit"] = _millions(lang, a.inputs.home)
    return out


def unconfirmed_table(lost: pd.DataFrame, a: Analysis, lang: str) -> pd.DataFrame:
    """:func:`unconfirmed_orders` as a readable table (home currency over the horizon)."""
    home = a.inputs.home
    return pd.DataFrame({
        t("fx.col_instrument", lang): [t(f"fx.ins_{name}", lang) for name in lost.index],
        t("fx.col_pnl_mean", lang): [money(v, home, lang) for v in lost["mean"]],
        t("fx.col_pnl_bad", lang): [money(v, home, lang) for v in lost["bad"]],
        t("fx.col_pnl_worst", lang): [money(v, home, lang) for v in lost["worst"]],
    })


def effectiveness_table(a: Analysis, lang: str) -> pd.DataFrame:
    """Dollar-offset effectiveness for the strategies that use derivatives."""
    rows = []
    for name, r in a.summary.iterrows():
        if np.isnan(r["offset_undefined"]):
            continue
        rows.append({
            t("fx.col_strategy", lang): strategy_label(name, a.policy, lang),
            t("fx.col_offset_median", lang): "–" if np.isnan(r["offset_median"]) else f"{r['offset_median']:.0%}",
            t("fx.col_in_band", lang): "–" if np.isnan(r["offset_in_band"]) else f"{r['offset_in_band']:.0%}",
            t("fx.col_undefined", lang): f"{r['offset_undefined']:.0%}",
        })
    return pd.DataFrame(rows)


def exposure_table(a: Analysis, lang: str) -> pd.DataFrame:
    """The exposure month by month: receivables, payables, net, today's forward, the budget rate."""
    inp = a.inputs
    n = a.months
    rec, pay = inp.receivables[:n], inp.payables[:n]
    k = t("fx.unit_thousands", lang, cur=_cur(inp.invoice, lang) if lang == "zh-TW" else inp.invoice)
    return pd.DataFrame({
        t("fx.col_settles", lang): [d.isoformat() for d in inp.dates[:n]],
        t("fx.col_receivables", lang, unit=k): [f"{v / 1e3:,.0f}" for v in rec],
        t("fx.col_payables", lang, unit=k): [f"{v / 1e3:,.0f}" for v in pay],
        t("fx.col_net", lang, unit=k): [f"{v / 1e3:,.0f}" for v in rec - pay],
        t("fx.col_forward", lang): [_rate_fmt(f) for f in a.forwards],
        t("fx.col_budget_value", lang, unit=_millions(lang, inp.home)): [f"{v / 1e6:,.2f}" for v in a.monthly_budget],
    })


def market_table(a: Analysis, lang: str) -> pd.DataFrame:
    """Market inputs with their sources: spot, budget, rates, volatility, forward, history used."""
    inp, fx = a.inputs, a.inputs.section
    pair = pair_label(inp.home, inp.invoice, lang)
    as_of = t("common.as_of", lang)
    hist = "–"
    if inp.history is not None:
        hist = f"{pair_label(*str(inp.history.name).split('/'), lang)}: {inp.history.attrs.get('source', '')}"
        if inp.history_is_proxy:
            hist += " " + t("fx.proxy_tag", lang)
    rows = [
        (t("fx.item_spot", lang, pair=pair), _rate_fmt(inp.spot), f"{inp.spot_source} ({as_of} {inp.spot_as_of})"),
        (t("fx.item_budget", lang), _rate_fmt(inp.budget), t("fx.budget_source", lang)),
        (t("fx.item_forward", lang, months=a.months), _rate_fmt(a.forwards[-1]), t("fx.forward_source", lang)),
        (t("fx.item_rate", lang, cur=_cur(inp.home, lang)), f"{inp.r_domestic:.2%}",
         f"{fx.r_domestic.source} ({as_of} {fx.r_domestic.as_of})"),
        (t("fx.item_rate", lang, cur=_cur(inp.invoice, lang)), f"{inp.r_foreign:.2%}",
         f"{fx.r_foreign.source} ({as_of} {fx.r_foreign.as_of})"),
        (t("fx.item_vol", lang), f"{a.vol:.1%}",
         inp.vol_note if a.vol == inp.vol else t("fx.vol_user", lang)),
        (t("fx.item_history", lang), hist, ""),
        (t("fx.item_exposure", lang), money(a.budget_total, inp.home, lang), t("fx.exposure_source", lang,
                                                                                source=fx.exposure_source)),
    ]
    return pd.DataFrame(rows, columns=[t("fx.col_item", lang), t("fx.col_value", lang), t("fx.col_source", lang)])


def proxy_volatility(inp: Inputs, window: int = 252) -> float | None:
    """Realised volatility of the charted (proxy) pair over ``window`` days, for comparison with a stated vol."""
    if inp.history is None:
        return None
    return rates.annualized_volatility(inp.history, window=window)


# ======================================================================================== conclusions

def exposure_text(a: Analysis, lang: str) -> str:
    """This market's exposure in words (Markdown): currency, why, payment terms, size, natural cover."""
    from crossborder.core.i18n import country_name

    inp, fx = a.inputs, a.inputs.section
    rec, pay = inp.receivables[:a.months], inp.payables[:a.months]
    matched = float(np.minimum(pay, rec).sum() / rec.sum())
    return t("fx.exposure_text", lang, market=country_name(inp.code, lang), cur=_cur(inp.invoice, lang),
             note=fx.invoice_note(lang), terms=fx.terms(lang), months=a.months,
             total=money(a.budget_total, inp.home, lang), budget=_rate_fmt(inp.budget),
             pair=pair_label(inp.home, inp.invoice, lang), matched=f"{matched:.0%}")


def proxy_note(a: Analysis, lang: str, window: int = 252) -> str:
    """For a proxy history: its realised volatility next to the scenario's stated one (Markdown)."""
    inp = a.inputs
    if inp.history is None or not inp.history_is_proxy:
        return ""
    dom, fgn = str(inp.history.name).split("/")
    return t("fx.proxy_vol_note", lang, pair=pair_label(dom, fgn, lang), home=_cur(inp.home, lang),
             vol=f"{rates.annualized_volatility(inp.history, window=window):.1%}", stated=f"{inp.vol:.1%}")



def recommendation(a: Analysis, lang: str) -> str:
    """The report's recommendation paragraph (Markdown) in the report's language."""
    s, inp = a.summary, a.inputs
    best = a.recommended
    r, u = s.loc[best], s.loc["unhedged"]
    fits = r["cfar95_share"] <= a.tolerance + 1e-12
    parts = [t("fx.rec_lead" if fits else "fx.rec_lead_none", lang,
               strategy=strategy_label(best, a.policy, lang), tol=f"{a.tolerance:.0%}",
               cfar=money(r["cfar95"], inp.home, lang), share=f"{r['cfar95_share']:.1%}",
               base=money(u["cfar95"], inp.home, lang), base_share=f"{u['cfar95_share']:.1%}",
               cost=money(r["cost"], inp.home, lang), months=a.months)]
    if a.min_cover is None:
        dealt = a.forwards * (1 - a.policy.forward_margin)
        locked_gap = a.budget_total - float((inp.receivables[:a.months] * dealt).sum())
        parts.append(t("fx.rec_cover_none", lang, tol=f"{a.tolerance:.0%}", full=money(locked_gap, inp.home, lang),
                       share=f"{locked_gap / a.budget_total:.1%}"))
    else:
        parts.append(t("fx.rec_cover", lang, ratio=f"{a.min_cover:.0%}", tol=f"{a.tolerance:.0%}"))
    if a.min_cover_net is not None:
        parts.append(t("fx.rec_cover_net", lang, ratio=f"{a.min_cover_net:.0%}"))
    return ("" if lang == "zh-TW" else " ").join(parts)


def headline(a: Analysis, lang: str) -> tuple[str, str, float]:
    """The chapter's headline sentence, its key figure and the number behind it (95 % CFaR, home currency)."""
    r, u = a.summary.loc[a.recommended], a.summary.loc["unhedged"]
    text = t("fx.headline", lang, strategy=strategy_label(a.recommended, a.policy, lang),
             cfar=money(r["cfar95"], a.inputs.home, lang), base=money(u["cfar95"], a.inputs.home, lang),
             cost=money(r["cost"], a.inputs.home, lang), inv=_cur(a.inputs.invoice, lang))
    key = t("fx.headline_figure", lang, cfar=money(r["cfar95"], a.inputs.home, lang))
    return text, key, float(r["cfar95"])


def talking_points(a: Analysis, lang: str) -> list[str]:
    """Two or three sentences for the workshop slide, with this market's numbers, in the report's language:
    the unhedged bad year, the cover that meets the tolerance, and the carry of the forward (or, with equal
    interest rates, the natural hedge)."""
    s, inp = a.summary, a.inputs
    u = s.loc["unhedged"]
    months = [d.strftime("%Y-%m") for d in inp.dates[:a.months]]
    points = [t("fx.pt_unhedged", lang, months=a.months, inv=_cur(inp.invoice, lang),
                cfar=money(u["cfar95"], inp.home, lang), share=f"{u['cfar95_share']:.1%}",
                worst=months[int(u["worst_month"]) - 1])]
    if a.min_cover is None:
        points.append(t("fx.pt_cover_none", lang, tol=f"{a.tolerance:.0%}",
                        strategy=strategy_label(a.recommended, a.policy, lang),
                        share=f"{s.at[a.recommended, 'cfar95_share']:.1%}"))
    else:
        points.append(t("fx.pt_cover", lang, ratio=f"{a.min_cover:.0%}", tol=f"{a.tolerance:.0%}",
                        strategy=strategy_label(a.recommended, a.policy, lang),
                        cost=money(s.at[a.recommended, "cost"], inp.home, lang)))
    differential = inp.r_domestic - inp.r_foreign
    if abs(differential) >= 0.0025 or "natural" not in s.index:
        carry = float((inp.receivables[:a.months] * (inp.spot - a.forwards)).sum())   # full cover, vs spot
        points.append(t("fx.pt_carry_discount" if differential < 0 else "fx.pt_carry_premium", lang,
                        fwd=_rate_fmt(a.forwards[-1]), spot=_rate_fmt(inp.spot), months=a.months,
                        pct=f"{abs(differential):.2%}", amount=money(abs(carry), inp.home, lang)))
    else:
        rec, pay = inp.receivables[:a.months], inp.payables[:a.months]
        points.append(t("fx.pt_natural", lang, cur=_cur(inp.invoice, lang),
                        matched=f"{float(np.minimum(pay, rec).sum() / rec.sum()):.0%}",
                        cfar=money(s.at["natural", "cfar95"], inp.home, lang)))
    return points


# ============================================================================================== panel

def render(inp: Inputs, lang: str, **values) -> dict:
    """Model and every output for one set of control values (the panel's ``render``)."""
    a = analyse(inp, **values)
    return {
        "units": t("fx.table_unit", lang, unit=_millions(lang, inp.home)),
        "summary": summary_table(a, lang),
        "distribution": distribution_figure(a, lang),
        "cfar_cost": cfar_cost_figure(a, lang),
        "fan": fan_figure(a, lang),
        "payoff": payoff_figure(a, lang),
        "effectiveness": effectiveness_table(a, lang),
    }


def panel(scn, lang: str, as_of: date | None = None, inp: Inputs | None = None) -> ControlPanel:
    """JupyterLab controls: cover ratios, strikes, volatility, horizon, simulation method and drift."""
    inp = inputs(scn, as_of or date.today()) if inp is None else inp
    sim, pol = inp.section.simulation, inp.section.policy
    style = {"description_width": "initial"}
    pct = dict(readout_format=".0%", style=style, continuous_update=False)
    controls = {
        "forward_cover": widgets.FloatSlider(value=pol.forward_cover, min=0, max=1, step=0.05,
                                             description=t("fx.c_forward_cover", lang), **pct),
        "option_cover": widgets.FloatSlider(value=pol.option_cover, min=0, max=1, step=0.05,
                                            description=t("fx.c_option_cover", lang), **pct),
        "put_strike": widgets.FloatSlider(value=pol.put_strike, min=0.90, max=1.05, step=0.005,
                                          description=t("fx.c_put_strike", lang), **{**pct, "readout_format": ".1%"}),
        "collar_floor": widgets.FloatSlider(value=pol.collar_floor, min=0.90, max=1.0, step=0.005,
                                            description=t("fx.c_collar_floor", lang), **{**pct, "readout_format": ".1%"}),
        "vol": widgets.FloatSlider(value=round(inp.vol, 4), min=0.01, max=0.30, step=0.005,
                                   description=t("fx.c_vol", lang), **{**pct, "readout_format": ".1%"}),
        "horizon": widgets.IntSlider(value=sim.horizon_months, min=1, max=len(inp.receivables),
                                     description=t("fx.c_horizon", lang), style=style, continuous_update=False),
        "method": widgets.Dropdown(options=[(t("fx.method_gbm", lang), "gbm"), (t("fx.method_bootstrap", lang), "bootstrap")],
                                   value=sim.method, description=t("fx.c_method", lang), style=style),
        "drift": widgets.Dropdown(options=[(t(f"fx.drift_{k}", lang), k) for k in ("risk_neutral", "zero", "historical")],
                                  value=sim.drift, description=t("fx.c_drift", lang), style=style),
    }
    start_vol = controls["vol"].value

    def save(values: dict):
        section: dict = {
            "policy": {k: float(values[k]) for k in ("forward_cover", "option_cover", "put_strike", "collar_floor")},
            "simulation": {"horizon_months": int(values["horizon"]), "method": values["method"],
                           "drift": values["drift"]},
        }
        changes: dict = {"fx": section}
        if abs(values["vol"] - start_vol) > 1e-12:
            # The stated volatility lives in the shared section rates (the pricing chapter reads it too).
            section["volatility"] = {"from_history": False}
            key = f"{inp.home}/{inp.invoice}"
            entry = {"volatility_annual": float(values["vol"]), "basis": "assumption",
                     "volatility_source": f"set in the workbook by the user on {date.today()} (assumption)"}
            if key not in scn.rates.pairs:   # stated only as the inverse pair, or spot from history: a full entry
                entry = {"rate": float(inp.spot), "source": inp.spot_source, "as_of": inp.spot_as_of, **entry}
            changes["rates"] = {"pairs": {key: entry}}
        return save_sections(scn.code, changes)  # one validated, atomic write for both sections

    return ControlPanel(controls, lambda **v: render(inp, lang, **v), lang=lang, save=save)
