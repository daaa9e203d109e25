"""Landed cost of a shipment under each Incoterms 2020 rule: who pays what, customs value, duty, fees, import
VAT, and the FTA saving (formulas in the package docstring).

Pure: the market's scenario, the Incoterms table (``data.load_incoterms``) and parameters in, tables out.
Every step is a formula on arrays, so a grid of rules and quantities is computed at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.scenario import Scenario

from .model_duty import Resolved, origins, resolve
from .section import MODES, RULES, Cost, Landed

SEA_RULES = ("FAS", "FOB", "CFR", "CIF")
D_RULES = ("DAP", "DPU", "DDP")
COMPARE_RULES = ("EXW", "FOB", "CIF", "DAP", "DDP")  # the chapter's comparison (FOB/CIF only by sea)

# Cost items in the order goods travel; the waterfall and the tables use this order.
ITEMS: tuple[str, ...] = (
    "goods", "export_clearance", "pre_carriage", "origin_handling", "main_to_border", "insurance",
    "main_beyond_border", "destination_handling", "on_carriage", "unloading", "import_clearance",
    "duty", "fees", "import_vat",
)
IN_CUSTOMS_VALUE = {
    "CIF": ("goods", "export_clearance", "pre_carriage", "origin_handling", "main_to_border", "insurance"),
    "FOB": ("goods", "export_clearance", "pre_carriage", "origin_handling"),
}
# US transaction value (19 U.S.C. 1401a; 19 CFR 152.103(a)(5)): besides the goods, only the costs before the
# international shipment that the seller bears, i.e. that are in the price, count; the buyer's own foreign inland
# freight under an ex-factory (EXW) sale is not added, and international freight and insurance never count.
IN_PRICE_ONLY = {"FOB": ("export_clearance", "pre_carriage", "origin_handling")}


def customs_value_mask(basis: str, payers: np.ndarray) -> np.ndarray:
    """Which cost items are in the customs value under each rule: bool (rules x ITEMS).

    CIF basis (UCC Art. 70-71 and the like): every cost up to the border, whoever pays it (what the buyer pays
    itself is added to the price). FOB basis (US): the goods, and the pre-shipment costs only where the seller
    pays them (they are then in the price paid); the rule therefore moves the US value, not the EU one (which
    moves only through the insurance actually bought)."""
    items = np.array(ITEMS)
    mask = np.broadcast_to(np.isin(items, IN_CUSTOMS_VALUE[basis]), payers.shape).copy()
    for item in IN_PRICE_ONLY.get(basis, ()):
        j = ITEMS.index(item)
        mask[:, j] &= payers[:, j] == "seller"
    return mask
POST_BORDER = ("main_beyond_border", "destination_handling", "on_carriage", "unloading")

Quantities = int | Sequence[int] | np.ndarray


def payer_matrix(incoterms: pd.DataFrame, rules: Sequence[str]) -> pd.DataFrame:
    """Who pays each cost item under each rule: a DataFrame (rules x ITEMS) of "seller" / "buyer".

    From the ICC columns of ``incoterms.csv`` plus the conventions for the named place (module docstring):
    pre-carriage to the export terminal is the buyer's only under EXW; origin terminal handling and loading is
    the buyer's under EXW, FCA (delivered to the carrier at the terminal, B9) and FAS (delivered alongside the
    ship, before loading), the seller's under FOB (delivered on board) and the C and D rules (part of the
    carriage the seller contracts, A9); destination handling and
    on-carriage to the door are the seller's under D rules; unloading at the door is the seller's only under
    DPU; insurance is paid by the party obliged (CIF, CIP: seller) or else by the party at risk during the main
    carriage (seller under D rules, buyer otherwise).
    """
    rules = check_rules(rules)
    t_ = incoterms.loc[list(rules)]
    is_d = t_.index.isin(D_RULES)
    out = pd.DataFrame(index=t_.index, columns=list(ITEMS), dtype=object)
    out["goods"] = "seller"
    out["export_clearance"] = t_["export_clearance_by"]
    out["pre_carriage"] = np.where(t_.index == "EXW", "buyer", "seller")
    out["origin_handling"] = np.where(t_.index.isin(("EXW", "FCA", "FAS")), "buyer", "seller")
    out["main_to_border"] = t_["main_carriage_paid_by"]
    out["main_beyond_border"] = t_["main_carriage_paid_by"]
    out["insurance"] = np.where(t_["insurance_by"] == "seller", "seller", np.where(is_d, "seller", "buyer"))
    out["destination_handling"] = np.where(is_d, "seller", "buyer")
    out["on_carriage"] = np.where(is_d, "seller", "buyer")
    out["unloading"] = np.where(t_.index == "DPU", "seller", "buyer")
    out["import_clearance"] = t_["import_clearance_by"]
    out["duty"] = t_["import_duty_vat_by"]
    out["fees"] = t_["import_duty_vat_by"]
    out["import_vat"] = t_["import_duty_vat_by"]
    out.index.name = "rule"
    return out


def check_rules(rules: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(rules, str):
        rules = (rules,)
    rules = tuple(str(r).upper() for r in rules)
    bad = [r for r in rules if r not in RULES]
    if bad or not rules:
        raise InputError(f"rule: expected Incoterms 2020 rules among {', '.join(RULES)}, found {', '.join(map(repr, bad)) or 'none'}")
    return rules


def check_mode(rule: str, mode: str, incoterms: pd.DataFrame) -> None:
    """A sea-only rule (FAS, FOB, CFR, CIF) with air transport is an error: use FCA, CPT or CIP."""
    if mode not in MODES:
        raise InputError(f"mode: expected one of {', '.join(MODES)}, found {mode!r}")
    if mode != "sea" and incoterms.at[rule, "mode"] == "sea":
        raise InputError(f"rule {rule}: Incoterms 2020 reserve it for sea and inland waterway transport, found "
                         f"mode {mode!r}; use FCA, CPT or CIP for {mode} freight")


# ---------------------------------------------------------------------------------------- computing

def _cost(c: Cost, q: np.ndarray) -> np.ndarray:
    return c.fixed + c.per_unit * q


def _arrays(res: Resolved, rules: Sequence[str] | str, quantity: Quantities, unit_price: float, mode: str,
            incoterms: pd.DataFrame) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The arithmetic on arrays: amounts[rule, quantity, item], payers[rule, item], recoverable VAT[rule]."""
    rules = check_rules(rules)
    for rule in rules:
        check_mode(rule, mode, incoterms)
    q = np.atleast_1d(np.asarray(quantity, dtype=float))
    if q.ndim != 1 or np.any(~np.isfinite(q)) or np.any(q <= 0):
        raise InputError(f"quantity: expected whole numbers of units >= 1, found {quantity!r}")
    if not np.isfinite(unit_price) or unit_price <= 0:
        raise InputError(f"unit_price: expected an ex-works price per unit > 0, found {unit_price!r}")
    c = res.costs
    n_r, n_q = len(rules), len(q)
    amounts = np.zeros((n_r, n_q, len(ITEMS)))
    col = {name: i for i, name in enumerate(ITEMS)}
    dom = res.domestic
    goods = q * unit_price
    freight = 0.0 if dom else _cost(getattr(c.main_carriage, mode), q)
    beyond = getattr(c.share_beyond_border, mode)
    base_items = {
        "goods": goods,
        "export_clearance": 0.0 if dom else _cost(c.export_clearance, q),
        "pre_carriage": _cost(c.pre_carriage, q),
        "origin_handling": 0.0 if dom else _cost(getattr(c.origin_handling, mode), q),
        "main_to_border": freight * (1 - beyond),
        "main_beyond_border": freight * beyond,
        "destination_handling": 0.0 if dom else _cost(getattr(c.destination_handling, mode), q),
        "on_carriage": _cost(c.on_carriage, q),
        "unloading": _cost(c.unloading, q),
        "import_clearance": 0.0 if dom else _cost(c.import_clearance, q),
    }
    for name, value in base_items.items():
        amounts[:, :, col[name]] = np.broadcast_to(value, (n_q,))
    # Insurance: rate by rule (CIF: ICC (C); CIP and uninsured-by-rule with insure_when_not_obliged: ICC (A)).
    obliged = incoterms.loc[list(rules), "insurance_by"].to_numpy() == "seller"
    rate = np.where(np.array(rules) == "CIF", c.insurance_rate_icc_c, c.insurance_rate_icc_a)
    rate = np.where(obliged | res.insure_when_not_obliged, rate, 0.0) * (0.0 if dom else 1.0)
    rk = (rate * c.insured_share)[:, None]
    cost_freight = goods + base_items["export_clearance"] + base_items["pre_carriage"] + \
        base_items["origin_handling"] + freight
    amounts[:, :, col["insurance"]] = rk * cost_freight / (1 - rk)
    payers = payer_matrix(incoterms, rules).to_numpy()
    in_cv = customs_value_mask(res.basis, payers)
    customs_value = (amounts * in_cv[:, None, :]).sum(axis=2)
    if not dom:
        duty_free = (customs_value <= res.de_minimis_duty) if res.de_minimis_duty is not None else False
        duty_main = customs_value * (res.base_rate + res.ad_valorem_extra)
        duty = duty_main * (1 + res.on_duty_rate)
        duty = np.where(duty_free, 0.0, duty)
        fees = np.zeros_like(customs_value)
        fees_vat = np.zeros_like(customs_value)
        for fee in res.fees:
            if mode not in fee.modes:
                continue
            amount = np.clip(customs_value * fee.rate,
                             fee.minimum if fee.minimum is not None else -np.inf,
                             fee.maximum if fee.maximum is not None else np.inf)
            fees += amount
            if fee.in_vat_base:
                fees_vat += amount
        vat_base = customs_value + duty + fees_vat
        if res.vat_post_border:
            vat_base = vat_base + amounts[:, :, [col[i] for i in POST_BORDER]].sum(axis=2)
        vat = res.vat_rate * vat_base
        if res.de_minimis_vat is not None:
            vat = np.where(customs_value <= res.de_minimis_vat, 0.0, vat)
        amounts[:, :, col["duty"]] = duty
        amounts[:, :, col["fees"]] = fees
        amounts[:, :, col["import_vat"]] = vat
    vat_payer = payers[:, col["import_vat"]]
    recover = np.where(vat_payer == "buyer", res.vat_recoverable_by_buyer, res.vat_recoverable_by_seller)
    return rules, q, amounts, payers, recover


def compute(res: Resolved, rules: Sequence[str] | str, quantity: Quantities, unit_price: float, mode: str,
            incoterms: pd.DataFrame) -> pd.DataFrame:
    """Landed-cost lines for every rule x quantity: a long table (one row per rule, quantity and item).

    Columns: ``rule, quantity, item, amount, payer, in_customs_value, recoverable``; :func:`summarize` turns
    it into one row per rule and quantity (and :func:`grid` goes there directly, for large grids).
    Amounts in the market's currency.
    """
    rules, q, amounts, payers, recover = _arrays(res, rules, quantity, unit_price, mode, incoterms)
    n_r, n_q = len(rules), len(q)
    in_cv = customs_value_mask(res.basis, payers)
    frame = pd.DataFrame({
        "rule": np.repeat(np.array(rules), n_q * len(ITEMS)),
        "quantity": np.tile(np.repeat(q, len(ITEMS)), n_r).astype(int),
        "item": np.tile(np.array(ITEMS), n_r * n_q),
        "amount": amounts.ravel(),
        "payer": np.repeat(payers, n_q, axis=0).ravel(),
        "in_customs_value": np.repeat(in_cv, n_q, axis=0).ravel(),
    })
    frame["recoverable"] = (frame["item"] == "import_vat") & np.repeat(recover, n_q * len(ITEMS))
    frame.attrs.update(currency=res.currency, basis=res.basis, market=res.market, origin=res.origin,
                       domestic=res.domestic, mode=mode)
    return frame


def _summary(rules: Sequence[str], q: np.ndarray, amounts: np.ndarray, payers: np.ndarray, recover: np.ndarray,
             basis: str) -> pd.DataFrame:
    col = {name: i for i, name in enumerate(ITEMS)}
    n_r, n_q = len(rules), len(q)
    vat = amounts[:, :, col["import_vat"]]
    recoverable = vat * recover[:, None]
    seller_mask = (payers == "seller")[:, None, :]
    seller = (amounts * seller_mask).sum(axis=2) - recoverable * seller_mask[:, :, col["import_vat"]]
    buyer = (amounts * ~seller_mask).sum(axis=2) - recoverable * ~seller_mask[:, :, col["import_vat"]]
    cash_out = amounts.sum(axis=2)
    goods = amounts[:, :, col["goods"]]
    cv = (amounts * customs_value_mask(basis, payers)[:, None, :]).sum(axis=2)
    index = pd.MultiIndex.from_arrays([np.repeat(np.array(rules), n_q), np.tile(q.astype(int), n_r)],
                                      names=["rule", "quantity"])
    out = pd.DataFrame({
        "goods": goods.ravel(), "customs_value": cv.ravel(), "duty": amounts[:, :, col["duty"]].ravel(),
        "fees": amounts[:, :, col["fees"]].ravel(), "import_vat": vat.ravel(),
        "vat_recoverable": recoverable.ravel(), "seller_costs": seller.ravel(), "buyer_costs": buyer.ravel(),
        "cash_out": cash_out.ravel(),
    }, index=index)
    out["landed"] = out["cash_out"] - out["vat_recoverable"]
    out["uplift"] = out["landed"] / out["goods"] - 1
    return out


def grid(res: Resolved, rules: Sequence[str] | str, quantity: Quantities, unit_price: float, mode: str,
         incoterms: pd.DataFrame) -> pd.DataFrame:
    """:func:`summarize` of :func:`compute` without the long table in between (for large grids)."""
    rules, q, amounts, payers, recover = _arrays(res, rules, quantity, unit_price, mode, incoterms)
    out = _summary(rules, q, amounts, payers, recover, res.basis)
    out.attrs.update(currency=res.currency, basis=res.basis, market=res.market, origin=res.origin,
                     domestic=res.domestic, mode=mode)
    return out


def summarize(lines: pd.DataFrame) -> pd.DataFrame:
    """Per rule and quantity: customs value, duty, fees, import VAT, who pays what, landed cost.

    ``landed`` excludes recoverable VAT (a cash-flow cost); ``cash_out`` includes it. ``seller_costs`` is what
    the seller pays (goods at ex-works plus the items the rule gives it): its price at cost. ``buyer_costs``
    is what the buyer pays to third parties, excluding recoverable VAT. ``lines`` is a table from
    :func:`compute` (rows in its order: rule, then quantity, then ``ITEMS``).
    """
    n_items = len(ITEMS)
    if len(lines) % n_items or not (lines["item"].to_numpy().reshape(-1, n_items) == np.array(ITEMS)).all():
        raise InputError("summarize: expected the table compute() returns (one row per item, in ITEMS order)")
    rows = lines.iloc[::n_items]
    keys = list(dict.fromkeys(zip(rows["rule"], rows["quantity"])))
    rules = list(dict.fromkeys(r for r, _ in keys))
    q = np.array(list(dict.fromkeys(n for _, n in keys)), dtype=float)
    amounts = lines["amount"].to_numpy(dtype=float).reshape(len(rules), len(q), n_items)
    payers = lines["payer"].to_numpy().reshape(len(rules), len(q), n_items)[:, 0, :]
    recover = lines["recoverable"].to_numpy().reshape(len(rules), len(q), n_items).any(axis=(1, 2))
    basis = lines.attrs.get("basis") or ("CIF" if lines.loc[lines["item"] == "insurance", "in_customs_value"].any() else "FOB")
    out = _summary(rules, q, amounts, payers, recover, basis)
    out.attrs.update(lines.attrs)
    return out


@dataclass(frozen=True)
class Quote:
    """One shipment's landed cost under one rule, ready for the chapter."""

    lines: pd.DataFrame          # ITEMS rows: amount, payer, in_customs_value, recoverable
    summary: pd.Series           # see summarize()
    resolved: Resolved
    rule: str
    mode: str
    quantity: int


def quote(scn: Scenario, *, rule: str | None = None, mode: str | None = None, quantity: int | None = None,
          origin: str | None = None, fta: bool | None = None, as_of: date | None = None,
          extra_duty: float | None = None, section: Landed | None = None,
          incoterms: pd.DataFrame) -> Quote:
    """Landed cost of one shipment (defaults: the scenario's default shipment); ``incoterms`` is the table
    ``data.load_incoterms`` reads."""
    sec = section or scn.landed
    sh = sec.shipment
    rule = check_rules(rule or sh.rule)[0]
    mode = mode or sh.mode
    quantity = sh.quantity if quantity is None else quantity
    if not isinstance(quantity, (int, np.integer)) or quantity < 1:
        raise InputError(f"quantity: expected a whole number of units >= 1, found {quantity!r}")
    res = resolve(scn, origin=origin, fta=fta, as_of=as_of, extra_duty=extra_duty, section=sec)
    lines = compute(res, [rule], [quantity], sh.unit_price, mode, incoterms)
    summary = summarize(lines).iloc[0]
    return Quote(lines.reset_index(drop=True), summary, res, rule, mode, int(quantity))


def fta_saving(scn: Scenario, *, rule: str | None = None, mode: str | None = None, quantity: int | None = None,
               origin: str | None = None, fta: bool | None = None, as_of: date | None = None,
               section: Landed | None = None, incoterms: pd.DataFrame) -> dict[str, Any]:
    """Landed-cost saving per shipment and per year from the preference, only where the origin rule is met.

    Saving = landed cost at MFN - landed cost at the preferential rate (recoverable VAT excluded, so a
    recoverable VAT on the duty saves cash flow, not cost). Returns ``per_shipment``, ``per_year``,
    ``applies`` and ``reason`` (``"no_preference"``, ``"rule_not_met"``, ``"domestic"`` or ``"applied"``).
    """
    sec = section or scn.landed
    origin = (origin or scn.exporter.origin).upper()
    fta = sec.shipment.fta_origin_met if fta is None else fta
    kwargs = dict(rule=rule, mode=mode, quantity=quantity, origin=origin, as_of=as_of, section=sec,
                  incoterms=incoterms)
    base = quote(scn, fta=False, **kwargs)
    res = base.resolved
    if res.domestic:
        reason = "domestic"
    elif not res.preference_available:
        reason = "no_preference"
    elif not fta:
        reason = "rule_not_met"
    else:
        reason = "applied"
    if reason != "applied":
        return {"per_shipment": 0.0, "per_year": 0.0, "applies": False, "reason": reason,
                "currency": res.currency, "potential_per_shipment": _potential(scn, kwargs, base)}
    pref = quote(scn, fta=True, **kwargs)
    saving = float(base.summary["landed"] - pref.summary["landed"])
    return {"per_shipment": saving, "per_year": saving * sec.shipment.shipments_per_year, "applies": True,
            "reason": reason, "currency": res.currency, "potential_per_shipment": saving}


def _potential(scn: Scenario, kwargs: dict[str, Any], base: Quote) -> float:
    """The saving the preference would give if the origin rule were met (0 without a preference)."""
    if not base.resolved.preference_available:
        return 0.0
    pref = quote(scn, fta=True, **kwargs)
    return float(base.summary["landed"] - pref.summary["landed"])


def alternatives(scn: Scenario, *, as_of: date | None = None, section: Landed | None = None,
                 incoterms: pd.DataFrame) -> pd.DataFrame:
    """For each origin plant with a preference: the yearly saving if its goods met the rule of origin and
    were shipped instead (default shipment otherwise). Sorted, largest saving first."""
    sec = section or scn.landed
    rows = []
    for origin, treat in origins(scn).items():
        if treat.preference is None or treat.domestic:
            continue
        sav = fta_saving(scn, origin=origin, fta=True, as_of=as_of, section=sec, incoterms=incoterms)
        rows.append({"origin": origin, "agreement": treat.preference.agreement,
                     "per_shipment": sav["per_shipment"], "per_year": sav["per_year"]})
    df = pd.DataFrame(rows, columns=["origin", "agreement", "per_shipment", "per_year"]).set_index("origin")
    return df.sort_values("per_year", ascending=False)


def ddp_vat(scn: Scenario, *, as_of: date | None = None, section: Landed | None = None,
            incoterms: pd.DataFrame) -> pd.Series:
    """The DDP trap for the default shipment: landed cost under DAP (the buyer imports), and under DDP with
    the seller VAT-registered in the market or not, plus the import VAT at stake (market currency) and
    whether a registered importer can deduct it."""
    sec = section or scn.landed
    kw = dict(as_of=as_of, incoterms=incoterms)
    registered = sec.model_copy(update={"seller_registered_for_vat": True})
    unregistered = sec.model_copy(update={"seller_registered_for_vat": False})
    dap = quote(scn, rule="DAP", section=sec, **kw)
    ddp_reg = quote(scn, rule="DDP", section=registered, **kw)
    ddp_unreg = quote(scn, rule="DDP", section=unregistered, **kw)
    return pd.Series({
        "dap": float(dap.summary["landed"]), "ddp_registered": float(ddp_reg.summary["landed"]),
        "ddp_unregistered": float(ddp_unreg.summary["landed"]), "import_vat": float(ddp_unreg.summary["import_vat"]),
        "recoverable": bool(dap.resolved.vat_recoverable_by_buyer),
    }, dtype=object)
