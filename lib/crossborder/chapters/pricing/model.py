"""The price book, the price ladder and the optimum per tier: pure functions (no file I/O, no scenario loading).

Conventions (all prices and costs per unit, in the market's quote currency unless a name says otherwise):

- FX rate ``S``: cost-currency units per 1 quote-currency unit (``rates.history(cost, quote)``), so a cost
  ``c`` in the cost currency is ``c / S`` in the quote currency.
- List price (the price book): ``list = (c / S_plan + f) / (1 - list_margin - v)`` where ``f`` is main
  carriage per unit when the Incoterm makes the seller pay it and ``v`` the insurance share of the price.
  At the list price the gross margin equals ``list_margin``.
- Ladder price: ``list x (1 - tier discount) x region factor x lead-time factor`` (Nagle & Müller, *The
  Strategy and Tactics of Pricing*, 6th ed., ch. 6 on price structures: quantity, region and service terms).
- Gross margin of a quote: ``m = (P - c/S - f - B_c - v p) / P`` with ``p`` the product price, ``P = p + B_p``
  the unit price including service bundles (``B_p`` bundle price, ``B_c`` bundle cost per unit; order-based
  bundles are spread over the quantity). Guardrails: ``floor < target < stretch`` margins; a quote whose
  margin is below the floor is refused and the lowest acceptable product price is
  ``p_min = (C - B_p (1 - floor)) / (1 - v - floor)`` with ``C = c/S + f + B_c`` (``model_quote``).
- Insurance: under CIP and CIF the seller insures at least 110 % of the contract price (ICC Incoterms 2020,
  A5), so ``v = 1.1 x insurance_rate``; the seller pays main carriage under CPT, CIP, CFR, CIF, DAP, DPU
  (ICC Incoterms 2020, A4). DDP (duties and import taxes) belongs to the landed-cost chapter.
- Win probability against the competitor's reference price ``R``: a logistic curve in the relative price
  ``r = p / R``: ``P(win) = p_max / (1 + exp(k (r - r_0)))`` (Phillips, *Pricing and Revenue Optimization*,
  2nd ed., ch. 11, bid-response curves). Expected contribution per order: ``P(win) x (p (1 - v) - c/S - f) x q``.
  It is the product of two log-concave functions of ``p`` (for ``p`` above cost), hence unimodal; its
  maximiser has a closed form in the Lambert W function (``scipy.special.lambertw``, see
  :func:`optimal_price`), clipped to the guardrail band ``[p_floor, p_stretch]``.
- Margin risk: see ``model_risk``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import lambertw

from crossborder.core.errors import InputError
from crossborder.core.fmt import minor_units
from crossborder.core.paths import relative

from .data import PRODUCTS_FILE, PURPOSES, QUOTABLE_LIFECYCLES, SPEC_FIELDS, FxInputs
from .section import Guardrails, Pricing, Stress, WinCurve

# The shifts a price book starts from before the scenario's own are applied.
NO_STRESS = Stress(cost_shift=0.0, fx_shift=0.0, competitor_shift=0.0)


# ============================================================================================ completeness

def completeness(products: pd.DataFrame) -> pd.DataFrame:
    """Can our product data support automatic quotes, spec comparison and a compliance check?

    Per product and purpose: the share of the fields that purpose needs which are filled in, and the list of
    missing ones (spec fields depend on the family). A product is *quote-ready* when every quote field is
    present, its lifecycle is quotable (active or not-recommended-for-new-designs) and its latest test value
    is within tolerance.
    """
    present = products.notna()
    out = pd.DataFrame(index=products.index)
    for purpose, fields in PURPOSES.items():
        out[f"{purpose}_score"] = present[list(fields)].mean(axis=1)
        out[f"{purpose}_missing"] = [tuple(f for f in fields if not present.at[m, f]) for m in products.index]
    spec_missing, spec_score = [], []
    for model, family in products["family"].items():
        fields = SPEC_FIELDS[family]
        missing = tuple(f for f in fields if not present.at[model, f])
        spec_missing.append(missing)
        spec_score.append(1 - len(missing) / len(fields))
    out["spec_score"] = spec_score
    out["spec_missing"] = spec_missing
    test, tol = products["lead_error_test_um"], products["lead_error_tol_um"]
    out["within_tolerance"] = pd.Series([bool(a <= b) if pd.notna(a) else None for a, b in zip(test, tol)],
                                        index=products.index, dtype=object)  # None: no test value recorded
    out["lifecycle"] = products["lifecycle"]
    out["quote_ready"] = ((out["quote_score"] == 1) & products["lifecycle"].isin(QUOTABLE_LIFECYCLES)
                          & (out["within_tolerance"] != False))  # noqa: E712 - unknown (NA) counts as within
    return out[["quote_score", "spec_score", "compliance_score", "within_tolerance", "lifecycle", "quote_ready",
                "quote_missing", "spec_missing", "compliance_missing"]]


def check_competitor_models(section: Pricing, products: pd.DataFrame) -> None:
    """Every model with a competitor reference price must be in the product table."""
    unknown = sorted(set(section.competitor.prices) - set(products.index))
    if unknown:
        raise InputError(f"scenario key 'pricing.competitor.prices': expected models from {relative(PRODUCTS_FILE)}, "
                         f"found {', '.join(unknown)}")


# ============================================================================================ price book

@dataclass(frozen=True)
class PriceBook:
    """A market's pricing: the scenario section, quote-ready products with their costs in the quote
    currency, and the what-if shifts applied. Build it with ``price_book`` or ``book_for``."""

    market: str
    section: Pricing
    products: pd.DataFrame        # index model; cost_quote, freight_unit, list_price, competitor_price, ...
    completeness: pd.DataFrame
    fx: dict[str, FxInputs]
    stress: Stress

    @property
    def currency(self) -> str:
        return self.section.quote_currency

    def product(self, model: str) -> pd.Series:
        if model not in self.products.index:
            known = ", ".join(self.products.index)
            raise InputError(f"product: expected a quote-ready model in this market ({known}), found {model!r}")
        return self.products.loc[model]


def build_price_book(market: str, section: Pricing, products: pd.DataFrame, fx: dict[str, FxInputs],
                     stress: Stress | None = None) -> PriceBook:
    """Cost, freight and list price in the quote currency for every quote-ready product (vectorized), from
    ready-made FX inputs (one per ``COST/QUOTE`` pair).

    ``stress`` shifts cost, FX and competitor prices from the scenario's planning values (the list price
    stays at planning values: a price book does not move with every cost change, margins do).
    """
    comp = completeness(products)
    ready = products[comp["quote_ready"]].copy()
    check_competitor_models(section, products)
    pairs = ready["cost_currency"] + "/" + section.quote_currency
    missing = sorted(set(pairs) - set(fx))
    if missing:
        raise InputError(f"fx: expected FX inputs for {', '.join(missing)}, found only {', '.join(fx) or 'none'}")
    s_plan = pairs.map(lambda p: fx[p].planning_rate).astype(float)
    v = section.insurance_share
    freight = ready["unit_weight_kg"] * (section.freight_per_kg if section.seller_pays_carriage else 0.0)
    ready["pair"] = pairs
    ready["fx_planning"] = s_plan
    ready["fx_volatility"] = pairs.map(lambda p: fx[p].volatility_annual).astype(float)
    ready["freight_unit"] = freight
    ready["list_price"] = (ready["unit_cost"] / s_plan + freight) / (1 - section.list_margin - v)
    ready["competitor_base"] = ready.index.map(lambda m: section.competitor.prices.get(m, np.nan)).astype(float)
    book = PriceBook(market, section, ready, comp, fx, NO_STRESS)
    return restress(book, section.stress if stress is None else stress)


def restress(book: PriceBook, stress: Stress) -> PriceBook:
    """The same price book under other what-if shifts (only the shifted columns are recomputed):
    ``cost = unit cost x (1 + cost shift) / (S_plan x (1 + FX shift))``, competitor ``x (1 + shift)``."""
    ready = book.products.copy()
    ready["cost_quote"] = ready["unit_cost"] * (1 + stress.cost_shift) / (ready["fx_planning"] * (1 + stress.fx_shift))
    ready["competitor_price"] = ready["competitor_base"] * (1 + stress.competitor_shift)
    return replace(book, products=ready, stress=stress)


def quotable_models(book: PriceBook) -> list[str]:
    """Quote-ready products that have a competitor reference in this market (the optimizer needs one)."""
    return [m for m in book.products.index if not math.isnan(book.products.at[m, "competitor_base"])]


def focus_model(book: PriceBook, requested: str) -> str:
    """The product a chapter analyses: ``requested`` if given, else the scenario's sample quote's."""
    model = requested or book.section.sample_quote.product
    models = quotable_models(book)
    if model not in models:
        raise InputError(f"product: expected a quote-ready model with a competitor reference in market "
                         f"{book.market} ({', '.join(models)}), found {model!r}")
    return model


# ============================================================================================ price arithmetic

def round_price(value: float, currency: str, up: bool = False) -> float:
    """Round to the currency's minor unit (half up; ``up=True`` rounds any fraction up, for floor prices)."""
    scale = 10.0 ** minor_units(currency)
    if up:
        return math.ceil(value * scale - 1e-9) / scale
    return math.floor(value * scale + 0.5) / scale


def price_at_margin(margin: float | np.ndarray, unit_cost: float | np.ndarray, insurance_share: float) -> np.ndarray:
    """The product price at which gross margin equals ``margin``: ``C / (1 - m - v)`` (no bundles)."""
    m = np.asarray(margin, dtype=float)
    return np.asarray(unit_cost, dtype=float) / (1 - m - insurance_share)


def margin_at(price: float | np.ndarray, unit_cost: float | np.ndarray, insurance_share: float) -> np.ndarray:
    """Gross margin of a product price: ``1 - C / p - v`` (vectorized)."""
    p = np.asarray(price, dtype=float)
    return 1 - np.asarray(unit_cost, dtype=float) / p - insurance_share


def win_probability(price: float | np.ndarray, reference: float | np.ndarray, curve: WinCurve) -> np.ndarray:
    """Logistic bid-response: ``p_max / (1 + exp(k (p / R - r0)))`` (vectorized over price and reference)."""
    r = np.asarray(price, dtype=float) / np.asarray(reference, dtype=float)
    z = np.clip(curve.steepness * (r - curve.midpoint), -700, 700)
    return curve.max_probability / (1 + np.exp(z))


def band_of(margin: float, guardrails: Guardrails) -> str:
    """Which guardrail band a margin falls in: below_floor, floor_target, target_stretch, above_stretch."""
    if margin < guardrails.floor:
        return "below_floor"
    if margin < guardrails.target:
        return "floor_target"
    if margin < guardrails.stretch:
        return "target_stretch"
    return "above_stretch"


# ============================================================================================ tiers

def optimal_price(unit_cost: float | np.ndarray, reference: float | np.ndarray, curve: WinCurve,
                  insurance_share: float, low: float | np.ndarray, high: float | np.ndarray) -> np.ndarray:
    """The product price that maximises expected contribution ``P(win) x (p (1 - v) - C)``, within [low, high].

    Closed form (vectorized): with the unit contribution ``u = p (1 - v) - C``, ``a = k / (R (1 - v))`` and
    ``z0 = k (C / ((1 - v) R) - r0)``, the first-order condition ``1 / u = a / (1 + exp(-(a u + z0)))`` has
    the solution ``u* = (1 + W0(exp(-1 - z0))) / a`` with ``W0`` the principal branch of the Lambert W
    function (``scipy.special.lambertw``); the logit pricing result, e.g. Li & Huh (2011), *Manufacturing
    & Service Operations Management* 13(4). The objective is log-concave in ``p`` above cost, hence
    unimodal, so the optimum within the guardrail band is ``p*`` clipped to it. ``z0`` is bounded by the
    scenario's limits on the curve (``exp`` cannot overflow).
    """
    cost = np.asarray(unit_cost, dtype=float)
    ref = np.asarray(reference, dtype=float)
    one_v = 1 - insurance_share
    a = curve.steepness / (ref * one_v)
    z0 = curve.steepness * (cost / (one_v * ref) - curve.midpoint)
    u = (1 + lambertw(np.exp(-1 - z0)).real) / a
    return np.clip((u + cost) / one_v, low, high)


def tier_frame(book: PriceBook, model: str) -> pd.DataFrame:
    """The product's price ladder and the price per tier that maximises expected contribution.

    One row per tier that the product's MOQ leaves open: quantity range and label, typical order, ladder
    price (at the standard lead time), competitor reference, guardrail prices, and for the ladder and the
    recommended price their margin, win probability and expected contribution per order
    ``P(win) x (p (1 - v) - C) x q``. The recommended price is :func:`optimal_price` within
    ``[p_floor, p_stretch]``.
    """
    sec = book.section
    row = book.product(model)
    if math.isnan(row["competitor_price"]):
        raise InputError(f"scenario key 'pricing.competitor.prices.{model}': expected a reference price in "
                         f"{book.currency} for market {book.market}, found none")
    moq = int(row["moq"])
    mins = np.array([tier.min_qty for tier in sec.tiers])
    maxs = np.append(mins[1:] - 1, -1)              # -1: open-ended top tier
    idx = np.flatnonzero((maxs < 0) | (maxs >= moq))
    lo, hi = np.maximum(mins[idx], moq), maxs[idx]
    typical = np.clip([sec.tiers[i].typical_qty for i in idx], lo, np.where(hi > 0, hi, np.iinfo(np.int64).max))
    disc = np.array([sec.tiers[i].discount for i in idx])
    comp = row["competitor_price"] * (1 - np.array(sec.competitor.tier_discounts)[idx])
    v = sec.insurance_share
    cost = row["cost_quote"] + row["freight_unit"]
    g = sec.guardrails
    ladder = np.array([round_price(x, book.currency) for x in row["list_price"] * (1 - disc) * sec.region_factor])
    p_floor, p_target, p_stretch = (float(price_at_margin(m, cost, v)) for m in (g.floor, g.target, g.stretch))
    rec = optimal_price(cost, comp, sec.win_curve, v, p_floor, p_stretch)
    curve = sec.win_curve
    labels = [f"{a:,}+" if b < 0 else f"{a:,}–{b:,}" for a, b in zip(lo.tolist(), hi.tolist())]
    out = pd.DataFrame({
        "tier": idx + 1, "label": labels, "min_qty": lo, "max_qty": hi, "typical_qty": typical, "discount": disc,
        "ladder_price": ladder, "competitor_price": comp, "floor_price": p_floor, "target_price": p_target,
        "stretch_price": p_stretch, "ladder_margin": margin_at(ladder, cost, v),
        "ladder_win": win_probability(ladder, comp, curve), "recommended_price": rec,
        "recommended_margin": margin_at(rec, cost, v), "recommended_win": win_probability(rec, comp, curve),
    })
    out["ladder_contribution"] = out["ladder_win"] * (ladder * (1 - v) - cost) * typical
    out["expected_contribution"] = out["recommended_win"] * (rec * (1 - v) - cost) * typical
    out.attrs.update(unit_cost=cost, insurance_share=v)
    return out


def contribution_curves(book: PriceBook, tiers: pd.DataFrame, points: int = 81) -> tuple[np.ndarray, np.ndarray]:
    """Expected contribution per unit ``P(win) x (p (1 - v) - C)`` on a price grid (rows: tiers)."""
    v, cost = tiers.attrs["insurance_share"], tiers.attrs["unit_cost"]
    p_lo = 0.9 * float(tiers["floor_price"].iloc[0])
    p_hi = 1.08 * max(float(tiers["stretch_price"].iloc[0]), float(tiers["ladder_price"].max()))
    grid = np.linspace(p_lo, p_hi, points)
    comp = tiers["competitor_price"].to_numpy()[:, None]
    return grid, win_probability(grid[None, :], comp, book.section.win_curve) * (grid[None, :] * (1 - v) - cost)


def contribution_uplift(tiers: pd.DataFrame) -> float:
    """Expected contribution at the recommended prices over that at the ladder prices, minus 1 (all tiers,
    typical orders): what re-pricing within the guardrails is worth."""
    return float(tiers["expected_contribution"].sum() / tiers["ladder_contribution"].sum() - 1)
