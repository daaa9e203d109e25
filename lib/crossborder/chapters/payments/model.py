"""The payments chapter's deal model and credit limits: pure functions over DataFrames and numpy arrays.

For one deal (amount ``A`` in USD, tenor ``T`` days, customer tier) every payment instrument is costed from the
seller's side as

    total = bank fees + insurance premium + financing + expected credit loss + expected discrepancy cost

and from the buyer's side (fees, financing, the risk of paying before seeing the goods); see the package's
docstring for the formulas and their sources. Also here: the workshop's scans over the deal amount and the
tenor, credit limits per customer, and ``Book``, everything the chapter reads for one report date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.paths import relative

from .data import INSTRUMENTS_FILE
from .model_screening import site_domain
from .section import Payments, Tier

# ------------------------------------------------------------------------------------ instrument costs

def horizon_pd(annual_pd: float | np.ndarray, days: float | np.ndarray) -> np.ndarray:
    """Probability of default within ``days`` from an annual PD: 1 - (1 - p)^(days/365); 0 for days <= 0."""
    p = np.asarray(annual_pd, dtype=float)
    d = np.maximum(np.asarray(days, dtype=float), 0.0)
    if np.any((p < 0) | (p >= 1)):
        raise InputError(f"annual_pd: expected a probability from 0 to below 1, found {p}")
    return 1.0 - (1.0 - p) ** (d / 365.0)


def _tier(pay: Payments, tier: str) -> Tier:
    if tier not in pay.tiers:
        raise InputError(f"tier: expected one of {', '.join(pay.tiers)}, found {tier!r}")
    return pay.tiers[tier]


def _check_deal(amount: float, tenor_days: int) -> None:
    if not (isinstance(amount, (int, float, np.number)) and math.isfinite(amount) and amount > 0):
        raise InputError(f"amount: expected a deal amount in USD > 0, found {amount!r}")
    if not (isinstance(tenor_days, (int, np.integer)) or (isinstance(tenor_days, float) and tenor_days.is_integer())) \
            or not 0 <= tenor_days <= 720:
        raise InputError(f"tenor_days: expected whole days of credit from 0 to 720, found {tenor_days!r}")


def check_norm(pay: Payments, instruments: pd.DataFrame) -> None:
    """Refuse a scenario whose market norm (``payments.market_norm``) is not an instrument in the table."""
    if pay.market_norm not in instruments.index:
        raise InputError(f"payments.market_norm: expected an instrument id from {relative(INSTRUMENTS_FILE)} "
                         f"({', '.join(instruments.index)}), found {pay.market_norm!r}")


def _days(base: np.ndarray, adds: np.ndarray, transit: float, tenor: float) -> np.ndarray:
    adds = np.asarray(adds)
    with_transit = np.char.find(adds.astype(str), "transit") >= 0
    with_tenor = np.char.find(adds.astype(str), "tenor") >= 0
    return base + transit * with_transit + tenor * with_tenor


def stranded_loss(pay: Payments) -> float:
    """Loss share when goods are refused at the port: the cheaper of return and local resale, plus storage."""
    c = pay.collection
    return min(c.return_cost_pct, c.resale_loss_pct) + c.storage_pct


def _cost_core(inst: pd.DataFrame, pay: Payments, amount, tenor, pd_, lgd, premium, cover) -> dict[str, np.ndarray]:
    """Seller's and buyer's cost per instrument; tier parameters broadcast as arrays of shape (m, 1)."""
    A = np.asarray(amount, dtype=float)
    r, rb, transit = pay.cost_of_capital, pay.buyer_cost_of_capital, float(pay.transit_days)
    risk = inst["seller_risk"].to_numpy()
    insured = inst["insured"].to_numpy(dtype=bool)
    cash_day = _days(inst["cash_days"].to_numpy(float), inst["cash_adds"].to_numpy(), transit, tenor)
    buyer_day = _days(inst["buyer_pays_days"].to_numpy(float), inst["buyer_pays_adds"].to_numpy(), transit, tenor)

    fees = np.maximum(inst["seller_fee_pct"].to_numpy(float) * A, inst["seller_fee_min"].to_numpy(float)) \
        + inst["seller_fee_fixed"].to_numpy(float) + (risk == "confirming_bank") * pay.lc.confirmation_fee_pct * A
    insurance = insured * np.asarray(premium, dtype=float) * A
    financing = r * A * cash_day / 365.0

    lc = pay.lc
    stranded = stranded_loss(pay)
    bank_country_pd = 1 - (1 - lc.issuing_bank_pd) * (1 - lc.country_pd)
    p_refuse = 1 - (1 - horizon_pd(pd_, cash_day)) * (1 - pay.collection.non_credit_refusal)
    credit = np.select(
        [risk == "confirming_bank", risk == "issuing_bank_country", risk == "goods_refused",
         risk == "buyer_default", risk == "platform_dispute"],
        [horizon_pd(lc.confirming_bank_pd, cash_day) * lc.bank_lgd * A,
         horizon_pd(bank_country_pd, cash_day) * lc.bank_lgd * A,
         p_refuse * stranded * A,
         horizon_pd(pd_, tenor) * np.asarray(lgd, dtype=float) * A * (1 - insured * np.asarray(cover, dtype=float)),
         np.full(cash_day.shape, pay.escrow.dispute_rate * pay.escrow.dispute_loss) * A],
        default=0.0)
    discrepancy = inst["discrepancy_rate"].to_numpy(float) * (
        inst["discrepancy_fee"].to_numpy(float)
        + r * A * inst["discrepancy_delay_days"].to_numpy(float) / 365.0
        + lc.waiver_refusal * stranded * A)

    buyer_fees = np.maximum(inst["buyer_fee_pct"].to_numpy(float) * A, inst["buyer_fee_min"].to_numpy(float)) \
        + inst["buyer_fee_fixed"].to_numpy(float)
    buyer_financing = rb * A * (transit - buyer_day) / 365.0
    bs = pay.buyer_side
    brisk = inst["buyer_risk"].to_numpy()
    buyer_risk = bs.seller_failure * bs.loss_if_failure * A * np.select(
        [brisk == "seller_performance", brisk == "documents_not_goods"], [1.0, bs.documents_share], default=0.0)
    shape = np.broadcast_shapes(np.shape(credit), np.shape(fees), np.shape(insurance))
    b = lambda x: np.broadcast_to(np.asarray(x, dtype=float), shape)  # noqa: E731
    total = b(fees) + b(insurance) + b(financing) + b(credit) + b(discrepancy)
    return {"fees": b(fees), "insurance": b(insurance), "financing": b(financing), "credit_loss": b(credit),
            "discrepancy": b(discrepancy), "total": total, "cash_day": b(cash_day),
            "buyer_fees": b(buyer_fees), "buyer_financing": b(buyer_financing), "buyer_risk": b(buyer_risk),
            "buyer_cost": b(buyer_fees) + b(buyer_financing) + b(buyer_risk)}


def instrument_costs(instruments: pd.DataFrame, pay: Payments, *, amount: float | None = None,
                     tenor_days: int | None = None, tier: str | None = None,
                     annual_pd: float | None = None) -> pd.DataFrame:
    """Every instrument costed for one deal (defaults: the scenario's deal), one row per instrument.

    Money columns in USD: ``fees, insurance, financing, credit_loss, discrepancy, total`` (seller) and
    ``buyer_fees, buyer_financing, buyer_risk, buyer_cost``; shares of the deal ``total_pct, expected_loss_pct,
    buyer_pct, buyer_extra_pct`` (buyer's cost over the market norm's); ``cash_day``; ``available`` (the
    insurer covers it), ``seller_ok``, ``buyer_ok``, ``acceptable`` and ``reason`` (why not, or "").
    ``annual_pd`` overrides the tier's PD (the notebook's slider).
    """
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tier = pay.deal.tier if tier is None else tier
    _check_deal(amount, tenor_days)
    check_norm(pay, instruments)
    tr = _tier(pay, tier)
    p = tr.annual_pd if annual_pd is None else annual_pd
    if not (isinstance(p, (int, float, np.number)) and 0 <= p < 1):
        raise InputError(f"annual_pd: expected a probability from 0 to below 1, found {p!r}")
    grid = _tier_grid(instruments, pay, amount, tenor_days, {tier: tr}, {tier: p})
    return grid.loc[tier]


def _tier_grid(instruments: pd.DataFrame, pay: Payments, amount: float, tenor: int,
               tiers: dict[str, Tier], pds: dict[str, float]) -> pd.DataFrame:
    names = list(tiers)
    col = lambda values: np.asarray(values, dtype=float)[:, None]  # noqa: E731 (m, 1)
    core = _cost_core(instruments, pay, amount, tenor,
                      col([pds[n] for n in names]), col([tiers[n].lgd for n in names]),
                      col([tiers[n].premium_pct for n in names]), col([tiers[n].cover for n in names]))
    m, n = len(names), len(instruments)
    out = pd.DataFrame({k: np.asarray(v).reshape(m * n) for k, v in core.items()},
                       index=pd.MultiIndex.from_product([names, instruments.index], names=["tier", "instrument"]))
    A = float(amount)
    out["total_pct"] = out["total"] / A
    out["expected_loss_pct"] = (out["credit_loss"] + out["discrepancy"]) / A
    out["buyer_pct"] = out["buyer_cost"] / A
    norm_cost = out.xs(pay.market_norm, level="instrument")["buyer_cost"]
    out["buyer_extra_pct"] = (out["buyer_cost"] - norm_cost.reindex(out.index.get_level_values("tier")).to_numpy()) / A

    risk = np.tile(instruments["seller_risk"].to_numpy(), m)
    insured = np.tile(instruments["insured"].to_numpy(dtype=bool), m)
    cover = np.repeat([tiers[t_].cover for t_ in names], n)
    own = np.repeat([tiers[t_].own_limit for t_ in names], n)
    ins_limit = np.repeat([tiers[t_].insurer_limit for t_ in names], n)
    available = ~insured | ((cover > 0) & (tenor <= pay.insurance.max_tenor_days))
    unsecured = risk == "buyer_default"
    limit = np.where(insured, own + np.where(cover > 0, ins_limit, 0.0), own)
    seller_ok = ~unsecured | (A <= limit + 1e-9)
    buyer_ok = out["buyer_extra_pct"].to_numpy() <= pay.buyer_tolerance_pct + 1e-12
    out["available"] = available
    out["seller_ok"] = seller_ok
    out["buyer_ok"] = buyer_ok
    out["acceptable"] = available & seller_ok & buyer_ok
    reason = np.where(~available, "insurer_declines", np.where(~seller_ok, "over_limit", np.where(~buyer_ok, "buyer_walks", "")))
    out["reason"] = reason
    return out


def cost_grid(instruments: pd.DataFrame, pay: Payments, *, amount: float | None = None,
              tenor_days: int | None = None, pd_override: dict[str, float] | None = None) -> pd.DataFrame:
    """``instrument_costs`` for every tier at once: a (tier, instrument) MultiIndex frame."""
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    _check_deal(amount, tenor_days)
    check_norm(pay, instruments)
    pds = {name: tier.annual_pd for name, tier in pay.tiers.items()}
    for name, p in (pd_override or {}).items():
        _tier(pay, name)
        if not 0 <= p < 1:
            raise InputError(f"annual_pd for tier {name}: expected a probability from 0 to below 1, found {p!r}")
        pds[name] = p
    return _tier_grid(instruments, pay, amount, tenor_days, dict(pay.tiers), pds)


def recommend_terms(grid: pd.DataFrame) -> pd.DataFrame:
    """Per tier: the cheapest acceptable instrument (seller's total cost) and the runner-up.

    When no instrument is acceptable for a tier (the buyer walks away from every term the seller can carry),
    the term the seller can carry with the lowest joint cost (seller's total + buyer's extra cost) is named:
    the natural starting point of a negotiation, ``negotiate`` is True.
    """
    rows = []
    for tier, g in grid.groupby(level="tier", sort=False):
        g = g.droplevel("tier")
        ok = g[g["acceptable"]].sort_values("total")
        negotiate = ok.empty
        if negotiate:
            carry = g[g["available"] & g["seller_ok"]]
            joint = carry["total_pct"] + carry["buyer_extra_pct"]
            ok = carry.loc[joint.sort_values().index]
        best = ok.iloc[0]
        rows.append({
            "tier": tier, "instrument": ok.index[0], "total": best["total"], "total_pct": best["total_pct"],
            "expected_loss_pct": best["expected_loss_pct"], "buyer_extra_pct": best["buyer_extra_pct"],
            "runner_up": ok.index[1] if len(ok) > 1 else None,
            "runner_up_pct": ok["total_pct"].iloc[1] if len(ok) > 1 else np.nan,
            "cheapest_overall": g["total"].idxmin(), "negotiate": negotiate,
        })
    return pd.DataFrame(rows).set_index("tier")


@dataclass(frozen=True)
class BreakEven:
    """Where open account stops being cheaper than the cheaper letter of credit, for one tier.

    ``status``: ``crosses`` (``pd`` is the break-even annual PD), ``never_cheaper`` (OA costs more even
    at PD 0; ``pd`` is 0) or ``always_cheaper`` (OA stays cheaper for any PD below 1; ``pd`` is NaN).
    """

    pd: float
    status: Literal["crosses", "never_cheaper", "always_cheaper"]
    instrument: str
    reference: str
    reference_cost: float


def break_even_pd(instruments: pd.DataFrame, pay: Payments, *, tier: str | None = None,
                  amount: float | None = None, tenor_days: int | None = None,
                  instrument: str = "oa", against: tuple[str, ...] | None = None) -> BreakEven:
    """The annual PD at which ``instrument`` (open account) costs the seller as much as the cheaper LC.

    Like is compared with like: by default the LCs that give the buyer the same credit period (a usance LC
    when ``tenor_days`` > 0, sight LCs at tenor 0), so that financing cancels and the comparison isolates
    fees and risk. Pass ``against`` to compare with other instruments. OA's cost is C0 + PD_T x LGD x A x (1 - cover x insured) with PD_T = 1 - (1 - p)^(T/365); the LCs' costs
    do not depend on the buyer's PD. Solving C0 + q x L = C_LC for q and inverting PD_T gives
    p* = 1 - (1 - q)^(365 / T).
    """
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tier = pay.deal.tier if tier is None else tier
    if against is None:
        lcs = [i for i in instruments.index if instruments.at[i, "rules"] == "UCP600"]
        usance = [i for i in lcs if "tenor" in instruments.at[i, "cash_adds"]]
        against = tuple(usance if tenor_days > 0 and usance else [i for i in lcs if i not in usance] or lcs)
        if not against:
            raise InputError(f"{relative(INSTRUMENTS_FILE)}: expected at least one letter of credit (rules UCP600) to compare with, found none")
    for name in (instrument, *against):
        if name not in instruments.index:
            raise InputError(f"instrument: expected an id from {relative(INSTRUMENTS_FILE)} ({', '.join(instruments.index)}), found {name!r}")
    if instruments.at[instrument, "seller_risk"] != "buyer_default":
        raise InputError(f"instrument: expected a term that carries the buyer's default (seller_risk buyer_default), "
                         f"found {instrument!r} with {instruments.at[instrument, 'seller_risk']!r}")
    costs = instrument_costs(instruments, pay, amount=amount, tenor_days=tenor_days, tier=tier, annual_pd=0.0)
    ref = costs.loc[list(against), "total"].idxmin()
    c_ref = float(costs.at[ref, "total"])
    c0 = float(costs.at[instrument, "total"])
    tr = pay.tiers[tier]
    cover = tr.cover if bool(instruments.at[instrument, "insured"]) else 0.0
    loss = tr.lgd * amount * (1 - cover)
    if c0 >= c_ref:
        return BreakEven(0.0, "never_cheaper", instrument, ref, c_ref)
    if loss <= 0 or tenor_days == 0:
        return BreakEven(float("nan"), "always_cheaper", instrument, ref, c_ref)
    q = (c_ref - c0) / loss
    if q >= 1:
        return BreakEven(float("nan"), "always_cheaper", instrument, ref, c_ref)
    return BreakEven(float(1 - (1 - q) ** (365.0 / tenor_days)), "crosses", instrument, ref, c_ref)


def cost_curve(instruments: pd.DataFrame, pay: Payments, pds: np.ndarray, *, tier: str | None = None,
               amount: float | None = None, tenor_days: int | None = None) -> pd.DataFrame:
    """Seller's total cost share per instrument (columns) along a grid of annual PDs (index)."""
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tr = _tier(pay, pay.deal.tier if tier is None else tier)
    _check_deal(amount, tenor_days)
    pds = np.asarray(pds, dtype=float)
    k = len(pds)
    core = _cost_core(instruments, pay, amount, tenor_days, pds[:, None], np.full((k, 1), tr.lgd),
                      np.full((k, 1), tr.premium_pct), np.full((k, 1), tr.cover))
    return pd.DataFrame(core["total"] / amount, index=pd.Index(pds, name="annual_pd"), columns=instruments.index)


# ------------------------------------------------------------------------------------------ amount and tenor scans

def recommended_term(instruments: pd.DataFrame, pay: Payments, tier: str, amount: float, tenor: int) -> str:
    """The recommended term for one tier and deal (:func:`recommend_terms`); a trailing "*" marks a
    negotiation starting point (no term acceptable to both sides)."""
    grid = _tier_grid(instruments, pay, float(amount), tenor, {tier: pay.tiers[tier]}, {tier: pay.tiers[tier].annual_pd})
    r = recommend_terms(grid).loc[tier]
    return str(r["instrument"]) + ("*" if r["negotiate"] else "")


def terms_by_amount(instruments: pd.DataFrame, pay: Payments, *, tier: str | None = None,
                    tenor_days: int | None = None, max_amount: float = 1_000_000.0, step: float = 5_000.0) -> pd.DataFrame:
    """How the recommended term for one tier changes with the deal amount (tenor fixed).

    The amount is scanned from ``step`` to ``max_amount`` in ``step``s and every change of the recommendation
    (:func:`recommend_terms`) is located to the dollar by bisection. Changes come from the limits (open account
    up to the tier's own limit, insured open account up to own + insurer limit) and from fee minimums. One row
    per amount band: ``from``, ``to`` (USD, inclusive), ``instrument``, ``negotiate`` (no term is acceptable to
    both sides; the one named has the lowest joint cost).
    """
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tier = pay.deal.tier if tier is None else tier
    _check_deal(max_amount, tenor_days)
    check_norm(pay, instruments)
    _tier(pay, tier)
    if not 0 < step < max_amount:
        raise InputError(f"step: expected an amount in USD between 0 and max_amount ({max_amount:,.0f}), found {step!r}")
    rec = lambda a: recommended_term(instruments, pay, tier, a, tenor_days)  # noqa: E731
    amounts = np.arange(step, max_amount + step / 2, step)
    names = [rec(a) for a in amounts]
    starts, current = [float(amounts[0])], names[0]
    for a_prev, a, name in zip(amounts, amounts[1:], names[1:]):
        if name == current:
            continue
        lo, hi = float(a_prev), float(a)                    # rec(lo) == current, rec(hi) == name
        while hi - lo > 1.0:
            mid = math.floor((lo + hi) / 2)
            if rec(mid) == current:
                lo = mid
            else:
                hi = mid
        starts.append(hi)
        current = name
    bands = []
    for i, a in enumerate(starts):
        name = rec(a)
        end = starts[i + 1] - 1 if i + 1 < len(starts) else float(amounts[-1])
        bands.append({"from": a, "to": end, "instrument": name.rstrip("*"), "negotiate": name.endswith("*")})
    return pd.DataFrame(bands)


def breakeven_by_tenor(instruments: pd.DataFrame, pay: Payments, tenors: Iterable[int], *, tier: str | None = None,
                       amount: float | None = None) -> pd.DataFrame:
    """:func:`break_even_pd` of open account against the like-for-like LC for each tenor (days), with the
    horizon PD it implies (the chance of default over the tenor at that annual PD)."""
    rows = []
    for tenor in tenors:
        be = break_even_pd(instruments, pay, tier=tier, amount=amount, tenor_days=int(tenor))
        horizon = float(horizon_pd(be.pd, tenor)) if be.status == "crosses" else float("nan")
        rows.append({"tenor_days": int(tenor), "pd": be.pd, "status": be.status, "reference": be.reference,
                     "reference_cost": be.reference_cost, "horizon_pd": horizon})
    return pd.DataFrame(rows).set_index("tenor_days")


# ------------------------------------------------------------------------------------------ credit limits

def credit_limits(customers: pd.DataFrame, pay: Payments, instruments: pd.DataFrame,
                  exposure: pd.Series | None = None) -> pd.DataFrame:
    """Credit limit per customer from its tier, expected orders and the insurer's cover.

    need = average order x (ceil(orders per year x terms days / 365) + 1): the orders outstanding during the
    credit period plus the one being shipped; insured part = min(need, insurer limit) when the customer's
    terms are insured and the tier is insurable (cover > 0); own part = min(need - insured part, own limit);
    limit = insured part + own part; retained exposure = own part + insured part x (1 - cover); shortfall =
    need - limit (ask for security: LC, part advance). Customers on secured terms (LC, advance, D/P, escrow)
    need no credit limit. ``exposure`` is the open receivable per customer (USD); utilisation = exposure /
    limit, status ok / watch (>= 80 %) / over (> 100 %) / secured.
    """
    unknown = sorted(set(customers["tier"]) - set(pay.tiers))
    if unknown:
        raise InputError(f"customers: column 'tier': expected one of {', '.join(pay.tiers)}, found {', '.join(unknown)}")
    tiers = pd.DataFrame([t_.model_dump(exclude={"label"}) for t_ in pay.tiers.values()], index=list(pay.tiers))
    tr = tiers.loc[customers["tier"]].set_axis(customers.index)
    terms = instruments.reindex(customers["terms"])
    unknown_terms = sorted(set(customers.loc[terms["seller_risk"].isna().to_numpy(), "terms"]))
    if unknown_terms:
        raise InputError(f"customers: column 'terms': expected an instrument id ({', '.join(instruments.index)}), "
                         f"found {', '.join(unknown_terms)}")
    unsecured = terms["seller_risk"].to_numpy() == "buyer_default"
    outstanding = np.ceil(customers["orders_per_year"].to_numpy() * customers["terms_days"].to_numpy() / 365) + 1
    need = np.where(unsecured, customers["avg_order"].to_numpy() * outstanding, 0.0)
    insurable = (tr["cover"].to_numpy() > 0) & terms["insured"].to_numpy(dtype=bool)
    insured = np.where(insurable, np.minimum(need, tr["insurer_limit"].to_numpy()), 0.0)
    own = np.minimum(need - insured, tr["own_limit"].to_numpy())
    limit = insured + own
    exp = np.zeros(len(customers)) if exposure is None else exposure.reindex(customers.index).fillna(0.0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(~unsecured, np.nan, np.where(limit > 0, exp / limit, np.where(exp > 0, np.inf, np.nan)))
    status = np.where(~unsecured, "secured", np.where(util > 1, "over", np.where(util >= 0.8, "watch", "ok")))
    return pd.DataFrame({
        "market": customers["market"], "tier": customers["tier"], "terms": customers["terms"],
        "terms_days": customers["terms_days"], "need": need, "insured_part": insured, "own_part": own,
        "limit": limit, "retained": own + insured * (1 - np.where(insurable, tr["cover"].to_numpy(), 0.0)),
        "shortfall": need - limit,
        "exposure": exp, "utilisation": util, "status": status,
    }, index=customers.index)


# ------------------------------------------------------------------------------------------ the chapter's tables

@dataclass(frozen=True)
class Book:
    """Everything the chapter reads, loaded and validated once: instruments, customers, ledger, orders."""

    instruments: pd.DataFrame
    customers: pd.DataFrame
    ledger: pd.DataFrame            # prepared: amounts in USD at as-of rates, invoices up to as_of
    ledger_file: Path
    fx: pd.DataFrame                # the as-of rates used for the ledger (``fx_to``)
    orders: pd.DataFrame
    as_of: date


def local_ledger(book: Book, code: str) -> pd.DataFrame:
    """The ledger's invoices to customers in market ``code``."""
    return book.ledger[book.ledger["market"] == code]


def known_domains(book: Book) -> list[str]:
    """The customer master's web domains: an order's e-mail domain imitating one of them is a look-alike."""
    return [d for d in (site_domain(w) for w in book.customers["website"]) if d]
