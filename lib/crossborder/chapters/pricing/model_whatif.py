"""What-if searches on the price book (pure): the unit-cost rise the price list absorbs before a tier reaches
the margin floor, and a competitor's price cut answered by holding, matching or re-pricing.

The workshop's exercises ask these questions and the headline's talking points quote the answers, so they
live with the model; their display tables and sentences are in ``exercises`` and ``present``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from crossborder.core.errors import InputError

from .model import PriceBook, restress, tier_frame, win_probability

COST_SHIFT_RANGE = (-0.5, 1.0)   # the scenario's limits for ``stress.cost_shift``


def _shifted(book: PriceBook, **changes: float) -> PriceBook:
    """The book under its own what-if shifts with ``changes`` replacing some of them."""
    return restress(book, book.stress.model_copy(update=changes))


def absorbable_cost_shift(book: PriceBook, model: str) -> pd.DataFrame:
    """Per tier of the current ladder: the unit-cost change (``cost_shift``, on the planning cost) at which the
    ladder price's gross margin falls to the floor, so that the guardrail would start refusing the price list.

    Found with Brent's method on the model itself (:func:`restress` + :func:`tier_frame`), between the
    scenario's limits for the shift (-50 % .. +100 %); ``cost_shift`` is NaN when the margin stays on one
    side of the floor over that whole range. The list price does not move with cost (a price book is
    revised, not floated), so the ladder's margin falls as cost rises. Columns: label, ladder_price,
    ladder_margin (at the book's current shifts), cost_shift, headroom (cost_shift minus the current shift).
    """
    base = tier_frame(book, model)
    floor = book.section.guardrails.floor
    lo, hi = COST_SHIFT_RANGE

    def gap(x: float, i: int) -> float:
        return float(tier_frame(_shifted(book, cost_shift=x), model)["ladder_margin"].iloc[i]) - floor

    shifts = []
    for i in range(len(base)):
        g_lo, g_hi = gap(lo, i), gap(hi, i)
        shifts.append(brentq(gap, lo, hi, args=(i,), xtol=1e-10) if g_lo * g_hi < 0 else float("nan"))
    out = base[["label", "ladder_price", "ladder_margin"]].copy()
    out["cost_shift"] = shifts
    out["headroom"] = out["cost_shift"] - book.stress.cost_shift
    return out


def competitor_cut(book: PriceBook, model: str, cut: float = 0.10) -> pd.DataFrame:
    """A competitor cuts its reference prices by ``cut``: expected contribution per order of each answer, by tier.

    - ``before``: the recommended price against today's competitor (the chapter's table);
    - ``hold``: keep that price against the cheaper competitor;
    - ``match``: cut our price by the same share, but never below the floor price;
    - ``reprice``: the recommended price re-optimised against the cheaper competitor (``optimal_price``
      within the guardrails, which do not depend on the competitor).

    Re-pricing is never worse than holding or matching (both are prices inside the same band), and no answer
    beats ``before``: at every price the win probability falls when the competitor gets cheaper.
    """
    if not 0 < cut < 0.5:
        raise InputError(f"cut: expected a share of the competitor's price between 0 and 0.5, found {cut!r}")
    now = tier_frame(book, model)
    shift = (1 + book.stress.competitor_shift) * (1 - cut) - 1
    after = tier_frame(_shifted(book, competitor_shift=shift), model)
    v, cost = now.attrs["insurance_share"], now.attrs["unit_cost"]
    curve = book.section.win_curve
    q = now["typical_qty"].to_numpy(float)

    def contribution(price: np.ndarray | pd.Series) -> np.ndarray:
        price = np.asarray(price, float)
        return win_probability(price, after["competitor_price"].to_numpy(), curve) * (price * (1 - v) - cost) * q

    matched = np.maximum(now["recommended_price"].to_numpy() * (1 - cut), now["floor_price"].to_numpy())
    return pd.DataFrame({
        "label": now["label"], "typical_qty": now["typical_qty"],
        "competitor_before": now["competitor_price"], "competitor_after": after["competitor_price"],
        "price_before": now["recommended_price"], "price_reprice": after["recommended_price"], "price_match": matched,
        "before": now["expected_contribution"], "hold": contribution(now["recommended_price"]),
        "match": contribution(matched), "reprice": after["expected_contribution"],
    })
