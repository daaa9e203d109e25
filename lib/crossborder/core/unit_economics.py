"""Unit economics shared by the platform and funnel chapters: CAC, payback, LTV.

One implementation, so that "CAC" on a platform comparison and on the KPI board are the same number.

- CAC = acquisition spend / new customers won with it.
- Payback (months) = CAC / gross margin per customer per month. A channel that wins no customers, or whose
  customers earn no margin, *never pays back*: the value is NaN and ``pays_back`` is False, so a display says
  so in words instead of showing infinity.
- LTV = sum over t = 0 .. T-1 of m * r^t / (1 + d)^t: ``m`` the gross margin per period, ``r`` the retention
  probability per period, ``d`` the discount rate per period. t = 0 is the first period's (first order's)
  margin, counted in full, undiscounted and certain; with ``periods=None`` the sum runs forever and has the
  closed form m * (1 + d) / (1 + d - r) (for r < 1 + d).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossborder.core.errors import InputError


@dataclass(frozen=True)
class UnitEconomics:
    cac: np.ndarray              # home currency per new customer; NaN where no customer was won
    payback_months: np.ndarray   # NaN where it never pays back
    pays_back: np.ndarray        # bool


def unit_economics(acquisition_spend, new_customers, monthly_margin_per_customer) -> UnitEconomics:
    """CAC and payback, vectorized over channels (arrays broadcast)."""
    spend = np.asarray(acquisition_spend, dtype=float)
    won = np.asarray(new_customers, dtype=float)
    margin = np.asarray(monthly_margin_per_customer, dtype=float)
    if np.any(spend < 0):
        raise InputError(f"acquisition_spend: expected amounts >= 0, found {spend}")
    if np.any(won < 0):
        raise InputError(f"new_customers: expected counts >= 0, found {won}")
    with np.errstate(divide="ignore", invalid="ignore"):
        cac = np.where(won > 0, spend / won, np.nan)
        payback = np.where((margin > 0) & np.isfinite(cac), cac / margin, np.nan)
    return UnitEconomics(cac=cac, payback_months=payback, pays_back=np.isfinite(payback))


def ltv(margin_per_period, retention, discount_rate, periods: int | None = None) -> np.ndarray:
    """Customer lifetime value (see the module docstring for the formula and the first-order convention)."""
    m = np.asarray(margin_per_period, dtype=float)
    r = np.asarray(retention, dtype=float)
    d = np.asarray(discount_rate, dtype=float)
    if np.any((r < 0) | (r > 1)):
        raise InputError(f"retention: expected a probability per period from 0 to 1, found {r}")
    if np.any(d <= -1):
        raise InputError(f"discount_rate: expected a rate per period > -1, found {d}")
    q = r / (1 + d)
    if periods is None:
        if np.any(q >= 1):
            raise InputError("ltv: with no horizon, retention must be below 1 + discount rate (else LTV is unbounded)")
        return m / (1 - q)
    if periods < 1:
        raise InputError(f"periods: expected a whole number >= 1 or None, found {periods!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = np.where(np.isclose(q, 1), periods, (1 - q**periods) / (1 - q))
    return m * geometric


def ltv_to_cac(ltv_value, cac) -> np.ndarray:
    """LTV / CAC; NaN where CAC is undefined (no customers won)."""
    cac = np.asarray(cac, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cac > 0, np.asarray(ltv_value, dtype=float) / cac, np.nan)
