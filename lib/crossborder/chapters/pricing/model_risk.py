"""Margin risk: a seeded Monte Carlo of the gross margin at each tier's price (pure).

Glasserman, *Monte Carlo Methods in Financial Engineering*, ch. 3: unit cost ``c (1 + e)``,
``e ~ triangular(low, mode, high)``; FX rate at payment ``S_T = S_plan exp((mu - s^2/2) T + s sqrt(T) Z)``
(geometric Brownian motion, ``T`` = lead time + payment days in years); freight ``f exp(s_f Z_f - s_f^2 / 2)``
(lognormal with mean ``f``). The FX volatility ``s`` is the price book's (``data.fx_inputs``: rate history
and ``rates.annualized_volatility``, the FX chapter's function, or for a pair the ECB does not publish (TWD)
the figure the scenario states under ``rates.pairs`` with its source, or marked as an assumption).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossborder.core import stats
from crossborder.core.errors import InputError

from .model import PriceBook, tier_frame
from .section import MonteCarlo


@dataclass(frozen=True)
class Shocks:
    """Seeded random draws of the margin-risk simulation, shared by every tier and every recompute
    (common random numbers: a slider moves the distribution, not the noise)."""

    cost: np.ndarray             # relative change of unit cost, triangular
    fx: np.ndarray               # standard normal driving the FX rate at payment
    freight: np.ndarray          # standard normal driving the freight rate


def draw_shocks(mc: MonteCarlo, draws: int | None = None, seed: int | None = None) -> Shocks:
    """Draw the simulation's random numbers (``stats.rng`` with the scenario's seed unless given)."""
    n = mc.draws if draws is None else int(draws)
    if n < 100:
        raise InputError(f"draws: expected at least 100 Monte Carlo draws, found {n}")
    gen = stats.rng(mc.seed if seed is None else seed)
    if mc.cost_high > mc.cost_low:
        e = gen.triangular(mc.cost_low, mc.cost_mode, mc.cost_high, n)
    else:
        e = np.full(n, mc.cost_low)
    z = gen.standard_normal((2, n))
    return Shocks(e, z[0], z[1])


@dataclass(frozen=True)
class MarginRisk:
    """Simulated unit costs at payment and the gross margin they leave at each tier's price.

    The margin ``1 - c / p - v`` falls as the simulated cost ``c`` rises, so every statistic per tier comes
    from the one sorted cost vector: ``P(m < floor) = P(c > (1 - v - floor) p)``, margin quantile ``q`` =
    ``1 - v - c_(1-q) / p``, histograms by ``searchsorted``.
    """

    costs: np.ndarray            # sorted simulated unit cost (quote currency), shape (draws,)
    prices: np.ndarray           # one price per tier
    insurance_share: float
    floor: float
    below_floor: np.ndarray      # probability that the margin ends below the floor, per tier
    p05: np.ndarray
    p50: np.ndarray
    p95: np.ndarray

    @property
    def margins(self) -> np.ndarray:
        """All simulated margins, draws x tiers (materialised on request)."""
        return 1 - self.costs[:, None] / self.prices[None, :] - self.insurance_share

    def histogram(self, edges: np.ndarray) -> np.ndarray:
        """Share of draws per margin bin (``edges`` ascending), tiers x bins."""
        e = np.asarray(edges, dtype=float)
        cost_edges = (1 - self.insurance_share - e)[None, :] * self.prices[:, None]   # descending per tier
        below = np.searchsorted(self.costs, cost_edges, side="right")                 # draws with c <= edge
        return (below[:, :-1] - below[:, 1:]) / len(self.costs)


def margin_risk(book: PriceBook, model: str, prices: np.ndarray, shocks: Shocks | None = None) -> MarginRisk:
    """Monte Carlo of the gross margin at ``prices`` (one per tier) over unit cost, FX rate and freight.

    Cost ``c (1 + e)``, ``e`` triangular; FX rate at payment ``S (1 + shift) exp((mu - s^2/2) T + s sqrt(T) Z)``
    (GBM over quote-to-cash, ``s`` from ``fx_inputs``); freight ``f exp(s_f Z_f - s_f^2 / 2)`` (zero
    when the buyer pays carriage). ``shocks`` defaults to the scenario's seeded draws.
    """
    sec = book.section
    row = book.product(model)
    p = np.asarray(prices, dtype=float)
    if p.ndim != 1 or not len(p) or np.any(~np.isfinite(p)) or np.any(p <= 0):
        raise InputError(f"prices: expected one positive unit price per tier, found {prices!r}")
    shocks = draw_shocks(sec.monte_carlo) if shocks is None else shocks
    sigma, years, s_f = float(row["fx_volatility"]), sec.horizon_years, sec.monte_carlo.freight_sigma
    fx_factor = np.exp((sec.fx.drift_annual - 0.5 * sigma**2) * years + sigma * math.sqrt(years) * shocks.fx)
    cost = row["cost_quote"] * (1 + shocks.cost) / fx_factor
    if row["freight_unit"] > 0:
        cost += row["freight_unit"] * np.exp(s_f * shocks.freight - 0.5 * s_f**2)
    cost.sort()
    v, floor = sec.insurance_share, sec.guardrails.floor
    n = len(cost)
    below = 1 - np.searchsorted(cost, (1 - v - floor) * p, side="right") / n
    q = np.quantile(cost, [0.95, 0.5, 0.05])                   # cost quantiles, high to low
    m = 1 - v - q[:, None] / p[None, :]                        # margin quantiles 5 %, 50 %, 95 %
    return MarginRisk(cost, p, v, floor, below, m[0], m[1], m[2])


def analyse(book: PriceBook, model: str, shocks: Shocks | None = None) -> tuple[pd.DataFrame, MarginRisk]:
    """Ladder with recommended prices, and the margin risk at those prices."""
    tiers = tier_frame(book, model)
    return tiers, margin_risk(book, model, tiers["recommended_price"].to_numpy(), shocks)
