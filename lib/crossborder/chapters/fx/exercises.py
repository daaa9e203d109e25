"""Worked answers of the workshop exercises: the cover curve and its search, the carry of a forward, and
orders that never come."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from crossborder.core.errors import InputError

from .data import Inputs
from .model import BASE_LEVEL, Analysis, analyse
from .model_rates import _array

COVER_OF = {"forward": "forward_cover", "forward_put": "forward_cover", "put": "option_cover",
            "collar": "option_cover"}   # which cover ratio drives each strategy


def _cover_key(strategy: str) -> str:
    try:
        return COVER_OF[strategy]
    except KeyError:
        raise InputError(f"strategy: expected one whose cover ratio can be set ({', '.join(COVER_OF)}), "
                         f"found {strategy!r}") from None


def cover_curve(inp: Inputs, covers: ArrayLike, strategy: str = "forward", **overrides: Any) -> pd.DataFrame:
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


def min_cover_search(inp: Inputs, strategy: str = "forward", *, step: float = 1e-3, **overrides: Any) -> float | None:
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
