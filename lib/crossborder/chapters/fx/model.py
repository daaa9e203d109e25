"""The hedge strategies on simulated paths, their risk metrics and one full analysis (pure: no file I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from crossborder.core import rates
from crossborder.core.errors import InputError

from .data import Inputs, Policy
from .model_rates import _array, forward_rate, garman_kohlhagen, match_mean, simulate_bootstrap, simulate_gbm, zero_cost_cap

ASC_815_BAND = (0.80, 1.25)
STRATEGIES = ("unhedged", "forward", "layered", "put", "collar", "natural", "natural_layered", "forward_put")
NATURAL = ("natural", "natural_layered")   # only shown when there are payables in the invoice currency
BASE_LEVEL = 0.95                          # the CFaR level the issue fixes; a second, chosen level is reported too
NEAR_ZERO = 1e-3                           # |item change| below this share of budget receipts: ratio undefined


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


def run_strategies(paths: np.ndarray, spot: float, years: np.ndarray, r_domestic: float, r_foreign: float,
                   vol: float, receivables: ArrayLike, payables: ArrayLike, policy: Policy,
                   strategies: tuple[str, ...] = STRATEGIES) -> tuple[dict[str, Outcome], dict[str, np.ndarray]]:
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

def cash_flow_at_risk(totals: ArrayLike, budget_total: float, level: float = BASE_LEVEL) -> float:
    """CFaR at ``level``: receipts at the budget rate minus the (1 - level) quantile of simulated receipts.

    The workbook's one definition (the glossary's too): the shortfall against the *budget*. Against the
    expected receipts instead (mean minus the same quantile, ``cfar95_mean`` in :func:`summarize`) it shows
    the spread alone, without the gap between the forward and the budget rate."""
    if not 0 < level < 1:
        raise InputError(f"level: expected a confidence level between 0 and 1 (e.g. 0.95), found {level!r}")
    return float(budget_total - np.quantile(np.asarray(totals, dtype=float), 1 - level))


def dollar_offset(hedge_change: ArrayLike, item_change: ArrayLike, threshold: float) -> np.ndarray:
    """Dollar-offset ratio -hedge / item per path; NaN where |item change| <= ``threshold`` (undefined)."""
    hedge = np.asarray(hedge_change, dtype=float)
    item = np.asarray(item_change, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(item) > threshold, -hedge / item, np.nan)


def min_forward_cover(unhedged_totals: ArrayLike, fully_hedged_total: float, budget_total: float, tolerance: float,
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
    """Per strategy: receipts distribution, CFaR at 95 % and at ``level`` (against the budget: budget receipts
    minus the percentile), the 95 % shortfall against the expected receipts (``cfar95_mean``: mean minus the
    5th percentile), expected cost, worst month, and dollar-offset effectiveness. Index: strategy keys;
    amounts in home currency."""
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
            "cfar95": budget_total - q[1], "cfar_level": budget_total - q[0], "cfar95_mean": totals.mean() - q[1],
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
        if inp.history is None or inp.history_is_proxy:
            raise InputError(f"drift 'historical': {inp.history_error}; or choose drift risk_neutral or zero")
        own = inp.history  # the pair's own history, as read by data.inputs
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
