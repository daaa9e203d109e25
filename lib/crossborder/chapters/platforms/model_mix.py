"""The budget mix (pure): saturating response curves, the optimal split of a yearly budget, and the budget up
to which one more USD 1,000 still pays for itself."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from crossborder.core.errors import InputError

YEAR = 12


@dataclass(frozen=True)
class Response:
    """Saturating response of qualified inquiries to yearly spend, per channel (arrays)."""

    ref_spend: np.ndarray   # A: the data's first-year spend
    ref_leads: np.ndarray   # Q1: qualified inquiries at that spend
    k: np.ndarray           # curvature
    value: np.ndarray       # objective units per qualified inquiry (1, or expected gross profit)

    def leads(self, x: ArrayLike) -> np.ndarray:
        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            curve = self.ref_leads * -np.expm1(-self.k * x / self.ref_spend) / -np.expm1(-self.k)
        return np.where(self.ref_spend > 0, curve, self.ref_leads)

    def marginal(self, x: ArrayLike) -> np.ndarray:
        """d value / d spend (objective units per extra dollar)."""
        x = np.asarray(x, float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            slope = (self.value * self.ref_leads * self.k / self.ref_spend / -np.expm1(-self.k)
                     * np.exp(-self.k * x / self.ref_spend))
        return np.where(self.ref_spend > 0, slope, 0.0)

    def objective(self, x: ArrayLike) -> float:
        return float(np.sum(self.value * self.leads(x)))


def allocate(response: Response, budget: float, low: ArrayLike, high: ArrayLike) -> np.ndarray:
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


def equal_split(budget: float, low: ArrayLike, high: ArrayLike) -> np.ndarray:
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
