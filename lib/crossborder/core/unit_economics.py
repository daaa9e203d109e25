"""Unit economics shared by the platform and funnel chapters: CAC, payback, LTV.

One implementation, so that "CAC" on a platform comparison and on the KPI board are the same number.

- CAC = acquisition spend / new customers won with it.
- Payback (months) is read off what a *newly won* customer earns, not what a mature account earns: given
  C(k), the average cumulative gross margin of a new customer by the end of month k since acquisition
  (k = 1 .. H, C(0) = 0), payback is the first month in which C(k) >= CAC, interpolated linearly inside that
  month: (k - 1) + (CAC - C(k-1)) / (C(k) - C(k-1)). Not reached within the H months of the curve (NaN
  beyond what was observed): NaN and ``pays_back`` False, with ``horizon`` saying how far the curve went
  ("not within H months"). A channel that wins no customers never pays back either: NaN, so a display says
  so in words instead of showing infinity. ``margin_curve`` builds C(k) for a customer who earns nothing for
  ``lag`` months and then a steady margin a month (the platform chapter's funnel assumptions).
- LTV = sum over t = 0 .. T-1 of m_t * r^t / (1 + d)^t: ``m`` the gross margin per period, ``r`` the
  retention probability per period, ``d`` the discount rate per period. t = 0 is the first period's margin,
  counted in full, undiscounted and certain; with ``periods=None`` the sum runs forever and has the closed
  form m * (1 + d) / (1 + d - r) (for r < 1 + d). ``first_period_margin`` replaces m_0 (a new customer's
  first year earns less than a mature account's year: m_t = m for t >= 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossborder.core.errors import InputError


@dataclass(frozen=True)
class UnitEconomics:
    cac: np.ndarray              # home currency per new customer; NaN where no customer was won
    payback_months: np.ndarray   # NaN where it does not pay back within ``horizon`` months
    pays_back: np.ndarray        # bool
    horizon: np.ndarray          # months of margin curve looked at (observed months, at most the curve's length)


def margin_curve(monthly_margin, lag, months: int) -> np.ndarray:
    """C(k), k = 1 .. ``months``: cumulative margin of a customer who earns nothing in the first ``lag``
    months and ``monthly_margin`` in every month after (shape (..., months))."""
    m = np.asarray(monthly_margin, dtype=float)[..., None]
    lag = np.asarray(lag, dtype=float)[..., None]
    k = np.arange(1, months + 1, dtype=float)
    return m * np.clip(k - lag, 0.0, None)


def payback_from_curve(cac, cumulative_margin) -> tuple[np.ndarray, np.ndarray]:
    """First month where the cumulative margin C(k) (last axis: k = 1 .. H) reaches ``cac``, linearly
    interpolated within the month; NaN where not reached within the observed months (NaN in C ends the
    curve). Returns (payback months, months observed)."""
    cac = np.asarray(cac, dtype=float)
    c = np.asarray(cumulative_margin, dtype=float)
    if c.ndim == 0:
        raise InputError("cumulative_margin: expected a curve over months 1 .. H (an array)")
    c, cac = np.broadcast_arrays(c, cac[..., None])
    cac = cac[..., 0]
    observed = np.isfinite(c)
    # the curve stops at its first unobserved month
    seen = np.cumprod(observed, axis=-1).astype(bool)
    horizon = seen.sum(axis=-1)
    prev = np.concatenate([np.zeros(c.shape[:-1] + (1,)), c[..., :-1]], axis=-1)
    hit = seen & (c >= cac[..., None])
    reached = hit.any(axis=-1) & np.isfinite(cac)
    k = np.argmax(hit, axis=-1)                     # index of the first month reaching CAC (month k + 1)
    ck = np.take_along_axis(c, k[..., None], axis=-1)[..., 0]
    pk = np.take_along_axis(prev, k[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(ck > pk, (cac - pk) / (ck - pk), 1.0)
    payback = np.where(cac <= 0, 0.0, np.where(reached, k + np.clip(frac, 0.0, 1.0), np.nan))
    return payback, horizon.astype(float)


def unit_economics(acquisition_spend, new_customers, cumulative_margin_per_customer) -> UnitEconomics:
    """CAC and payback, vectorized over channels: ``cumulative_margin_per_customer`` is C(k) of a newly won
    customer over months 1 .. H on the last axis (see the module docstring)."""
    spend = np.asarray(acquisition_spend, dtype=float)
    won = np.asarray(new_customers, dtype=float)
    if np.any(spend < 0):
        raise InputError(f"acquisition_spend: expected amounts >= 0, found {spend}")
    if np.any(won < 0):
        raise InputError(f"new_customers: expected counts >= 0, found {won}")
    with np.errstate(divide="ignore", invalid="ignore"):
        cac = np.where(won > 0, spend / won, np.nan)
    payback, horizon = payback_from_curve(cac, cumulative_margin_per_customer)
    return UnitEconomics(cac=cac, payback_months=payback, pays_back=np.isfinite(payback), horizon=horizon)


def ltv(margin_per_period, retention, discount_rate, periods: int | None = None,
        first_period_margin=None) -> np.ndarray:
    """Customer lifetime value (see the module docstring for the formula and the first-period convention)."""
    m = np.asarray(margin_per_period, dtype=float)
    if first_period_margin is not None:     # m_0 replaced: the sum with m everywhere, less m, plus m_0
        return ltv(m, retention, discount_rate, periods) - m + np.asarray(first_period_margin, dtype=float)
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
