"""Compliance and landed cost: Incoterms 2020, customs value, duty, import VAT / GST, FTAs, readiness.

The buyer asks "what does this cost landed at my door?"; the exporter asks "what must we have done before it
ships?". This module answers both from the market's scenario (sections ``market`` and ``landed``) and two
tables, ``data/incoterms.csv`` (the eleven ICC Incoterms 2020 rules) and ``data/compliance.csv`` (per market,
the checks and documents the product needs).

Landed cost (``compute``), per shipment, in the market's currency; every step is a formula on arrays, so a
whole grid of quantities and rules is computed at once:

- goods          = quantity x ex-works unit price
- cost items     = fixed + per-unit x quantity (export clearance, pre-carriage to the export terminal, origin
  handling, main carriage, destination handling, on-carriage to the buyer's door, unloading, import clearance)
- main carriage  is split at the customs border: ``share_beyond_border`` of it runs inside the customs territory
- insurance      = r k (C + F) / (1 - r k): premium on an insured value of k (at least 110 %) of the CIF value,
  which itself contains the premium (standard marine-insurance pricing); r is the Institute Cargo Clauses (C)
  premium rate under CIF, the (A) rate under CIP and, where no party is obliged to insure, the (A) rate paid by
  the party that bears the risk during the main carriage (Incoterms 2020 A5/B5)
- customs value  CIF basis (EU UCC Art. 70-71, Japan, Mexico, Viet Nam, India): goods + costs up to the border
  (export clearance, pre-carriage, origin handling, main carriage to the border, insurance); carriage after
  the goods enter the customs territory is excluded (UCC Art. 72(a)).
  FOB basis (US transaction value, 19 U.S.C. 1401a): goods loaded at the port of export; international freight
  and insurance excluded. Simplification: foreign inland freight is kept in the value (it can be excluded
  under a through bill of lading, 19 CFR 152.103(a)(5)).
  The customs value does not depend on the Incoterms rule: the rule decides who pays, not what is dutiable.
- duty           = customs value x (MFN or, where the rule of origin is met, preferential rate + additional ad
  valorem duties in force on the date) + surcharges levied on the duty (India's social welfare surcharge);
  nil below a de minimis threshold
- fees           = clip(rate x customs value, minimum, maximum) (US MPF, HMF on sea cargo, Mexico's DTA)
- import VAT/GST = rate x (customs value + duty + fees in the VAT base [+ incidental costs after the border to
  the first place of destination, EU Directive 2006/112/EC Art. 86(1)(b)])
- VAT paid by a party registered for VAT in the market is recoverable input tax: a cash-flow cost, not a landed
  cost. Under DDP the seller pays it and recovers it only if it is VAT-registered there.

Who pays each item follows ``data/incoterms.csv`` with stated conventions for what the ICC leaves to the named
place: F and C rules name the export terminal as place of shipment, D rules the buyer's premises.

Readiness (``readiness``): share of required checks done, remaining lead time to "ready to ship" as the
longest path through the checks' dependencies (critical-path method, Kelley and Walker 1959), and that path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field, ValidationInfo, field_validator, model_validator

from crossborder.core import schema
from crossborder import scenario as scenario_mod
from crossborder.core import theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import check_lang, country_name, t
from crossborder.notebook.panel import ControlPanel
from crossborder.core.paths import DATA_DIR, relative
from crossborder.core.schema import Model, Text
from crossborder.core.tables import Column, read_table

INCOTERMS_FILE = DATA_DIR / "incoterms.csv"
COMPLIANCE_FILE = DATA_DIR / "compliance.csv"

RULES: tuple[str, ...] = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")
SEA_RULES = ("FAS", "FOB", "CFR", "CIF")
D_RULES = ("DAP", "DPU", "DDP")
COMPARE_RULES = ("EXW", "FOB", "CIF", "DAP", "DDP")  # the chapter's comparison (FOB/CIF only by sea)
MODES: tuple[str, ...] = ("sea", "air")
PARTIES = ("seller", "buyer")
RISK_POINTS = (
    "at_disposal_seller_premises", "delivered_to_carrier", "delivered_to_first_carrier", "alongside_ship",
    "on_board_vessel", "destination_ready_for_unloading", "destination_unloaded",
)
INSURANCE_MINIMUMS = ("none", "ICC (C) 110%", "ICC (A) 110%")
STATUSES = ("done", "in_progress", "not_started", "blocked", "not_applicable")
CATEGORIES = ("customs", "tax", "product", "origin", "screening", "documents", "logistics")
OWNERS = ("exporter_quality", "exporter_logistics", "exporter_sales", "exporter_legal", "importer", "broker",
          "forwarder")

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
POST_BORDER = ("main_beyond_border", "destination_handling", "on_carriage", "unloading")
# Responsibilities shown in the Incoterms matrix, in the order of the journey.
MATRIX_COLUMNS = ("export_clearance", "pre_carriage", "origin_handling", "main_carriage", "insurance",
                  "destination_handling", "on_carriage", "unloading", "import_clearance", "import_duty_vat")
# Where risk passes, as a position between matrix columns (column i spans i-0.5 .. i+0.5).
RISK_POSITION = {
    "at_disposal_seller_premises": -0.5, "delivered_to_carrier": 1.5, "delivered_to_first_carrier": 1.5,
    "alongside_ship": 1.5, "on_board_vessel": 2.5, "destination_ready_for_unloading": 6.5,
    "destination_unloaded": 7.5,
}


# ------------------------------------------------------------------------------------- scenario section

class Cost(Model):
    """An illustrative commercial cost: a fixed amount per shipment plus an amount per unit (market currency)."""

    fixed: float = Field(ge=0)
    per_unit: float = Field(default=0.0, ge=0)


class ModeCost(Model):
    """A cost that depends on the transport mode of the main carriage."""

    sea: Cost
    air: Cost


class ModeShare(Model):
    sea: float = Field(default=0.0, ge=0, le=1)
    air: float = Field(default=0.0, ge=0, le=1)


class Costs(Model):
    """Commercial figures for one shipment (ILLUSTRATIVE unless the user replaces them)."""

    export_clearance: Cost
    pre_carriage: Cost                      # plant to the export terminal (port or airport)
    origin_handling: ModeCost               # terminal handling and loading at the place of export
    main_carriage: ModeCost                 # the international carriage, terminal to terminal
    share_beyond_border: ModeShare = ModeShare()  # part of the main carriage inside the customs territory
    destination_handling: ModeCost          # terminal handling on arrival
    on_carriage: Cost                       # from the arrival terminal to the buyer's door
    unloading: Cost                         # unloading at the buyer's door
    import_clearance: Cost                  # customs broker
    insurance_rate_icc_a: float = Field(ge=0, le=0.1)  # premium / insured value, all risks
    insurance_rate_icc_c: float = Field(ge=0, le=0.1)  # premium / insured value, minimum cover
    insured_share: float = Field(default=1.10, ge=1.10, le=2.0)  # ICC minimum: 110 % of the contract price
    source: str = "illustrative"
    note: Text | None = None


class Tariff(Model):
    """The market's MFN duty on the product's national tariff line (a legal fact)."""

    schedule: str
    line: str
    mfn_rate: float = Field(ge=0, le=5)
    source: str
    as_of: date
    verified: bool
    note: Text | None = None


class Measure(Model):
    """An additional duty on goods of one origin (a legal fact), in force from ``valid_from`` to ``valid_until``."""

    name: Text
    kind: Literal["ad_valorem", "on_duty"] = "ad_valorem"   # on_duty: a share of the duty (a surcharge)
    rate: float = Field(ge=0, le=5)
    legal_basis: str
    valid_from: date | None = None
    valid_until: date | None = None                        # last day in force
    source: str
    as_of: date
    verified: bool
    note: Text | None = None


class Preference(Model):
    """A preferential rate under an agreement, for goods whose origin meets the named rule (a legal fact)."""

    agreement: str
    rate: float = Field(ge=0, le=5)
    rule_of_origin: Text
    proof: Text
    source: str
    as_of: date
    verified: bool
    note: Text | None = None


class OriginTreatment(Model):
    """How the market treats goods made in one country."""

    domestic: bool = False                  # made in the market itself: no import at all
    additional: list[Measure] = []
    preference: Preference | None = None
    note: Text | None = None


class Fee(Model):
    """An import fee levied on the customs value (a legal fact)."""

    code: str
    name: Text
    rate: float = Field(ge=0, le=1)
    minimum: float | None = Field(default=None, ge=0)
    maximum: float | None = Field(default=None, ge=0)
    modes: list[Literal["sea", "air"]] = ["sea", "air"]
    in_vat_base: bool = False
    legal_basis: str
    source: str
    as_of: date
    review_by: date | None = None           # the figure is revised by this date (e.g. US fiscal year)
    verified: bool
    note: Text | None = None

    @model_validator(mode="after")
    def _bounds(self) -> "Fee":
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum <= maximum, found minimum {self.minimum} > maximum {self.maximum}")
        return self


class DeMinimis(Model):
    """Value below which no duty (or no import VAT) is collected (a legal fact; market currency)."""

    duty_threshold: float | None = Field(default=None, ge=0)
    vat_threshold: float | None = Field(default=None, ge=0)
    description: Text
    source: str
    as_of: date
    verified: bool


class Shipment(Model):
    """The market's default shipment (commercial figures illustrative)."""

    rule: Literal["EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"] = "FCA"
    mode: Literal["sea", "air"] = "sea"
    origin: str = "TW"
    quantity: int = Field(default=200, ge=1, le=1_000_000)
    unit_price: float = Field(gt=0)          # ex-works price per unit, market currency
    fta_origin_met: bool = False             # the agreement's rule of origin is marked as met (and documented)
    shipments_per_year: int = Field(default=12, ge=0, le=1000)
    stress_extra_duty: float = Field(default=0.0, ge=0, le=2)  # what-if: extra ad valorem duty

    _check_origin = field_validator("origin")(schema._country)


class Landed(Model):
    """Scenario section ``landed``: duties by origin, fees, de minimis, default shipment and costs.

    The customs-value basis, import VAT and trade agreements live in the ``market`` section and are reused.
    """

    tariff: Tariff
    origins: dict[str, OriginTreatment]
    fees: list[Fee] = []
    de_minimis: DeMinimis
    vat_base_includes_post_border_costs: bool = False
    seller_registered_for_vat: bool = False  # matters under DDP only
    insure_when_not_obliged: bool = True     # the party at risk insures even where no rule obliges it
    stale_after_days: int = Field(default=365, ge=1)
    shipment: Shipment
    costs: Costs
    compliance_status: dict[str, Literal["done", "in_progress", "not_started", "blocked", "not_applicable"]] = {}

    @field_validator("origins")
    @classmethod
    def _origins(cls, origins: dict[str, OriginTreatment]) -> dict[str, OriginTreatment]:
        for code in origins:
            schema._country(code)
        if not origins:
            raise ValueError("at least one origin")
        return origins

    @field_validator("shipment")
    @classmethod
    def _shipment_origin(cls, shipment: Shipment, info: ValidationInfo) -> Shipment:
        origins = info.data.get("origins") or {}
        if origins and shipment.origin not in origins:
            raise ValueError(f"an origin among the origins listed ({', '.join(origins)}); found origin "
                             f"{shipment.origin!r} in")
        return shipment


# ------------------------------------------------------------------------------------------- tables

@lru_cache(maxsize=4)
def _incoterms_cached(path: str, mtime: int) -> pd.DataFrame:
    party = Column("choice", choices=PARTIES)
    table = read_table(Path(path), {
        "rule": Column("choice", choices=RULES, unique=True),
        "name_en": Column(), "name_zh_TW": Column(),
        "mode": Column("choice", choices=("any", "sea")),
        "risk_transfer": Column("choice", choices=RISK_POINTS),
        "main_carriage_paid_by": party,
        "insurance_by": Column("choice", choices=("seller", "none")),
        "insurance_minimum": Column("choice", choices=INSURANCE_MINIMUMS),
        "export_clearance_by": party, "import_clearance_by": party, "import_duty_vat_by": party,
        "description_en": Column(), "description_zh_TW": Column(),
        "source": Column(), "as_of": Column("date"),
    }, key="rule")
    missing = sorted(set(RULES) - set(table["rule"]))
    if missing:
        raise InputError(f"{relative(Path(path))}: expected all 11 Incoterms 2020 rules, missing {', '.join(missing)}")
    bad = table[(table["insurance_by"] == "none") != (table["insurance_minimum"] == "none")]
    if len(bad):
        rule = bad["rule"].iloc[0]
        raise InputError(f"{relative(Path(path))}: rule {rule!r}: expected an insurance minimum exactly when a "
                         f"party is obliged to insure, found insurance_by={bad['insurance_by'].iloc[0]!r}, "
                         f"insurance_minimum={bad['insurance_minimum'].iloc[0]!r}")
    return table.set_index("rule").loc[list(RULES)]


def load_incoterms(path: Path = INCOTERMS_FILE) -> pd.DataFrame:
    """The 11 ICC Incoterms 2020 rules, indexed by rule (validated: choices, completeness, insurance)."""
    path = Path(path)
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return _incoterms_cached(str(path), mtime).copy()


def load_compliance(path: Path = COMPLIANCE_FILE) -> pd.DataFrame:
    """Per market the checks and documents the product needs (legal basis, status, owner, lead time, cost)."""
    path = Path(path)
    table = read_table(path, {
        "market": Column(), "item": Column(), "origin": Column(),
        "category": Column("choice", choices=CATEGORIES),
        "label_en": Column(), "label_zh_TW": Column(),
        "required": Column("bool"),
        "status": Column("choice", choices=STATUSES),
        "progress": Column("float", min=0, max=1),
        "owner": Column("choice", choices=OWNERS),
        "lead_time_days": Column("float", min=0),
        "cost_twd": Column("float", min=0),
        "depends_on": Column(required=False),
        "basis": Column(), "as_of": Column("date"), "verified": Column("bool"),
    }, key="item")
    dup = table.duplicated(["market", "item"])
    if dup.any():
        row = table[dup].iloc[0]
        raise InputError(f"{relative(path)}: item {row['item']!r} listed twice for market {row['market']}; "
                         f"expected one row per market and item")
    table["depends_on"] = table["depends_on"].fillna("")
    return table


# ---------------------------------------------------------------------------------------- resolving

@dataclass(frozen=True)
class DutyLine:
    """One duty component in force for a shipment."""

    label: Text
    kind: str             # "mfn", "preference", "ad_valorem", "on_duty", "stress"
    rate: float
    legal_basis: str
    verified: bool


@dataclass(frozen=True)
class Resolved:
    """Everything the arithmetic needs for one market, origin and date (a plain, validated bundle)."""

    market: str
    currency: str
    basis: str
    origin: str
    domestic: bool
    base_rate: float                       # MFN, or the preferential rate when applied
    mfn_rate: float
    preference_applied: bool
    preference_available: bool
    ad_valorem_extra: float                 # additional ad valorem duties in force + stress
    on_duty_rate: float                     # surcharges as a share of the duty
    duty_lines: tuple[DutyLine, ...]
    fees: tuple[Fee, ...]
    vat_rate: float
    vat_recoverable_by_buyer: bool
    vat_recoverable_by_seller: bool
    vat_post_border: bool
    de_minimis_duty: float | None
    de_minimis_vat: float | None
    costs: Costs
    insure_when_not_obliged: bool
    expired: tuple[Measure, ...] = field(default=())


def _in_force(m: Measure, on: date) -> bool:
    return (m.valid_from is None or m.valid_from <= on) and (m.valid_until is None or on <= m.valid_until)


def resolve(scn: Any, *, origin: str | None = None, fta: bool | None = None, as_of: date | None = None,
            extra_duty: float | None = None, section: Landed | None = None) -> Resolved:
    """Bundle the market facts (``market`` section) and the ``landed`` section for one origin and date.

    ``fta`` claims the preference: it applies only when the origin has one (origin rule marked as met).
    """
    sec = section or scn.landed
    market = scn.market
    origin = (origin or sec.shipment.origin).upper()
    if origin not in sec.origins:
        raise InputError(f"origin: expected one of {', '.join(sec.origins)} (landed.origins of {scn.code}), found {origin!r}")
    plants = getattr(getattr(scn, "exporter", None), "origin_plants", None)
    if plants is not None and origin not in plants:
        raise InputError(f"origin: expected one of the exporter's plants {', '.join(plants)}, found {origin!r}")
    on = as_of or date.today()
    fta = sec.shipment.fta_origin_met if fta is None else bool(fta)
    extra = sec.shipment.stress_extra_duty if extra_duty is None else float(extra_duty)
    if not 0 <= extra <= 2:
        raise InputError(f"extra_duty: expected a rate from 0 to 2 (0-200 %), found {extra!r}")
    treat = sec.origins[origin]
    pref = treat.preference
    use_pref = bool(fta and pref is not None and not treat.domestic)
    base = pref.rate if use_pref else sec.tariff.mfn_rate
    lines = [DutyLine(Text(en=f"{pref.agreement} preferential rate", **{"zh-TW": f"{pref.agreement} 優惠稅率"}),
                      "preference", pref.rate, pref.source, pref.verified)] if use_pref else [
        DutyLine(Text(en=f"MFN rate ({sec.tariff.schedule} {sec.tariff.line})",
                      **{"zh-TW": f"最惠國稅率（{sec.tariff.schedule} {sec.tariff.line}）"}),
                 "mfn", sec.tariff.mfn_rate, sec.tariff.source, sec.tariff.verified)]
    ad_valorem = 0.0
    on_duty = 0.0
    expired = []
    for m in treat.additional:
        if _in_force(m, on):
            lines.append(DutyLine(m.name, m.kind, m.rate, m.legal_basis, m.verified))
            if m.kind == "ad_valorem":
                ad_valorem += m.rate
            else:
                on_duty += m.rate
        elif m.valid_until is not None and m.valid_until < on:
            expired.append(m)
    if extra:
        lines.append(DutyLine(Text(en="Stress test: extra duty", **{"zh-TW": "壓力測試：額外關稅"}), "stress",
                              extra, "what-if", False))
        ad_valorem += extra
    vat = market.import_vat
    return Resolved(
        market=scn.code, currency=market.currency, basis=market.customs_value_basis, origin=origin,
        domestic=treat.domestic, base_rate=base, mfn_rate=sec.tariff.mfn_rate, preference_applied=use_pref,
        preference_available=pref is not None and not treat.domestic, ad_valorem_extra=ad_valorem,
        on_duty_rate=on_duty, duty_lines=tuple(lines), fees=tuple(sec.fees), vat_rate=vat.rate,
        vat_recoverable_by_buyer=vat.b2b_recoverable,
        vat_recoverable_by_seller=vat.b2b_recoverable and sec.seller_registered_for_vat,
        vat_post_border=sec.vat_base_includes_post_border_costs,
        de_minimis_duty=sec.de_minimis.duty_threshold, de_minimis_vat=sec.de_minimis.vat_threshold,
        costs=sec.costs, insure_when_not_obliged=sec.insure_when_not_obliged, expired=tuple(expired),
    )


# ------------------------------------------------------------------------------------------- payers

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


def _arrays(res: Resolved, rules: Sequence[str] | str, quantity, unit_price: float, mode: str,
            incoterms: pd.DataFrame | None = None):
    """The arithmetic on arrays: amounts[rule, quantity, item], payers[rule, item], recoverable VAT[rule]."""
    incoterms = load_incoterms() if incoterms is None else incoterms
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
    basis_items = [col[i] for i in IN_CUSTOMS_VALUE[res.basis]]
    customs_value = amounts[:, :, basis_items].sum(axis=2)
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
    payers = payer_matrix(incoterms, rules).to_numpy()
    vat_payer = payers[:, col["import_vat"]]
    recover = np.where(vat_payer == "buyer", res.vat_recoverable_by_buyer, res.vat_recoverable_by_seller)
    return rules, q, amounts, payers, recover


def compute(res: Resolved, rules: Sequence[str] | str, quantity, unit_price: float, mode: str,
            incoterms: pd.DataFrame | None = None) -> pd.DataFrame:
    """Landed-cost lines for every rule x quantity: a long table (one row per rule, quantity and item).

    Columns: ``rule, quantity, item, amount, payer, in_customs_value, recoverable``; :func:`summarize` turns
    it into one row per rule and quantity (and :func:`grid` goes there directly, for large grids).
    Amounts in the market's currency.
    """
    rules, q, amounts, payers, recover = _arrays(res, rules, quantity, unit_price, mode, incoterms)
    n_r, n_q = len(rules), len(q)
    in_cv = np.isin(np.array(ITEMS), IN_CUSTOMS_VALUE[res.basis])
    frame = pd.DataFrame({
        "rule": np.repeat(np.array(rules), n_q * len(ITEMS)),
        "quantity": np.tile(np.repeat(q, len(ITEMS)), n_r).astype(int),
        "item": np.tile(np.array(ITEMS), n_r * n_q),
        "amount": amounts.ravel(),
        "payer": np.repeat(payers, n_q, axis=0).ravel(),
        "in_customs_value": np.tile(in_cv, n_r * n_q),
    })
    frame["recoverable"] = (frame["item"] == "import_vat") & np.repeat(recover, n_q * len(ITEMS))
    frame.attrs.update(currency=res.currency, basis=res.basis, market=res.market, origin=res.origin,
                       domestic=res.domestic, mode=mode)
    return frame


def _summary(rules, q, amounts, payers, recover, basis: str) -> pd.DataFrame:
    col = {name: i for i, name in enumerate(ITEMS)}
    n_r, n_q = len(rules), len(q)
    vat = amounts[:, :, col["import_vat"]]
    recoverable = vat * recover[:, None]
    seller_mask = (payers == "seller")[:, None, :]
    seller = (amounts * seller_mask).sum(axis=2) - recoverable * seller_mask[:, :, col["import_vat"]]
    buyer = (amounts * ~seller_mask).sum(axis=2) - recoverable * ~seller_mask[:, :, col["import_vat"]]
    cash_out = amounts.sum(axis=2)
    goods = amounts[:, :, col["goods"]]
    cv = amounts[:, :, [col[i] for i in IN_CUSTOMS_VALUE[basis]]].sum(axis=2)
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


def grid(res: Resolved, rules: Sequence[str] | str, quantity, unit_price: float, mode: str,
         incoterms: pd.DataFrame | None = None) -> pd.DataFrame:
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


def quote(scn: Any, *, rule: str | None = None, mode: str | None = None, quantity: int | None = None,
          origin: str | None = None, fta: bool | None = None, as_of: date | None = None,
          extra_duty: float | None = None, section: Landed | None = None,
          incoterms: pd.DataFrame | None = None) -> Quote:
    """Landed cost of one shipment (defaults: the scenario's default shipment)."""
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


def fta_saving(scn: Any, *, rule: str | None = None, mode: str | None = None, quantity: int | None = None,
               origin: str | None = None, fta: bool | None = None, as_of: date | None = None,
               section: Landed | None = None, incoterms: pd.DataFrame | None = None) -> dict[str, Any]:
    """Landed-cost saving per shipment and per year from the preference, only where the origin rule is met.

    Saving = landed cost at MFN - landed cost at the preferential rate (recoverable VAT excluded, so a
    recoverable VAT on the duty saves cash flow, not cost). Returns ``per_shipment``, ``per_year``,
    ``applies`` and ``reason`` (``"no_preference"``, ``"rule_not_met"``, ``"domestic"`` or ``"applied"``).
    """
    sec = section or scn.landed
    origin = (origin or sec.shipment.origin).upper()
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


def _potential(scn, kwargs, base: Quote) -> float:
    """The saving the preference would give if the origin rule were met (0 without a preference)."""
    if not base.resolved.preference_available:
        return 0.0
    pref = quote(scn, fta=True, **kwargs)
    return float(base.summary["landed"] - pref.summary["landed"])


def alternatives(scn: Any, *, as_of: date | None = None, section: Landed | None = None) -> pd.DataFrame:
    """For each origin plant with a preference: the yearly saving if its goods met the rule of origin and
    were shipped instead (default shipment otherwise). Sorted, largest saving first."""
    sec = section or scn.landed
    plants = getattr(getattr(scn, "exporter", None), "origin_plants", list(sec.origins))
    rows = []
    for origin, treat in sec.origins.items():
        if origin not in plants or treat.preference is None or treat.domestic:
            continue
        sav = fta_saving(scn, origin=origin, fta=True, as_of=as_of, section=sec)
        rows.append({"origin": origin, "agreement": treat.preference.agreement,
                     "per_shipment": sav["per_shipment"], "per_year": sav["per_year"]})
    df = pd.DataFrame(rows, columns=["origin", "agreement", "per_shipment", "per_year"]).set_index("origin")
    return df.sort_values("per_year", ascending=False)


def duty_rates(scn: Any, *, as_of: date | None = None, section: Landed | None = None) -> pd.DataFrame:
    """Per origin: MFN, additional duties in force, preferential rate, and the total with and without it."""
    sec = section or scn.landed
    rows = []
    for origin, treat in sec.origins.items():
        res = resolve(scn, origin=origin, fta=False, as_of=as_of, extra_duty=0.0, section=sec)
        mult = 1 + res.on_duty_rate
        mfn_total = 0.0 if treat.domestic else (res.mfn_rate + res.ad_valorem_extra) * mult
        pref = treat.preference
        pref_total = None if pref is None or treat.domestic else (pref.rate + res.ad_valorem_extra) * mult
        rows.append({"origin": origin, "domestic": treat.domestic, "mfn": 0.0 if treat.domestic else res.mfn_rate,
                     "additional": 0.0 if treat.domestic else res.ad_valorem_extra + res.on_duty_rate * (res.mfn_rate + res.ad_valorem_extra),
                     "total_mfn": mfn_total,
                     "agreement": pref.agreement if pref is not None else None,
                     "preferential": pref.rate if pref is not None else None, "total_preferential": pref_total})
    return pd.DataFrame(rows).set_index("origin")


# ------------------------------------------------------------------------------------------- workshop

# The any-mode rule closest to each sea-only rule (Incoterms 2020 introduction: FCA, CPT and CIP are the
# container and air counterparts of FOB, CFR and CIF).
ANY_MODE_RULE = {"FAS": "FCA", "FOB": "FCA", "CFR": "CPT", "CIF": "CIP"}


def any_mode_rule(rule: str) -> str:
    """``rule`` if it serves every transport mode, else its any-mode counterpart (FOB -> FCA, CIF -> CIP)."""
    rule = check_rules(rule)[0]
    return ANY_MODE_RULE.get(rule, rule)


def compare_modes(scn: Any, *, rule: str | None = None, quantity: int | None = None, origin: str | None = None,
                  fta: bool | None = None, as_of: date | None = None, section: Landed | None = None,
                  incoterms: pd.DataFrame | None = None) -> pd.DataFrame:
    """The same shipment by sea and by air, item by item (market currency), under one rule that serves both
    (the default rule, or its any-mode counterpart if it is a sea-only rule).

    Index: ``ITEMS``; columns ``sea``, ``air``, ``change`` (air - sea), ``in_customs_value``, ``payer``.
    ``attrs``: ``rule``, ``currency``, ``basis`` and per mode ``customs_value``, ``duty``, ``landed``.
    """
    sec = section or scn.landed
    rule = any_mode_rule(rule or sec.shipment.rule)
    quotes = {m: quote(scn, rule=rule, mode=m, quantity=quantity, origin=origin, fta=fta, as_of=as_of,
                       section=sec, incoterms=incoterms) for m in MODES}
    lines = {m: q.lines.set_index("item") for m, q in quotes.items()}
    out = pd.DataFrame({"sea": lines["sea"]["amount"], "air": lines["air"]["amount"]})
    out["change"] = out["air"] - out["sea"]
    out["in_customs_value"] = lines["sea"]["in_customs_value"]
    out["payer"] = lines["sea"]["payer"]
    res = quotes["sea"].resolved
    out.attrs.update(rule=rule, currency=res.currency, basis=res.basis,
                     customs_value={m: float(q.summary["customs_value"]) for m, q in quotes.items()},
                     duty={m: float(q.summary["duty"]) for m, q in quotes.items()},
                     landed={m: float(q.summary["landed"]) for m, q in quotes.items()})
    return out


def fta_by_market(origin: str, *, as_of: date | None = None, markets: Sequence[str] | None = None) -> pd.DataFrame:
    """For goods made in ``origin`` and meeting the agreement's rule of origin: per market (the example
    markets unless ``markets`` is given), the agreement, MFN and preferential duty (additional duties
    included) and the saving of the market's default shipment, per shipment and per year (market currency).
    Markets whose scenario does not list ``origin`` as a plant are left out."""
    from crossborder import scenario as scenario_mod

    origin = schema._country(str(origin).upper())
    rows = []
    for code in markets or scenario_mod.example_markets():
        scn = scenario_mod.load(code)
        plants = getattr(scn.exporter, "origin_plants", list(scn.landed.origins))
        if origin not in scn.landed.origins or origin not in plants:
            continue
        rates = duty_rates(scn, as_of=as_of).loc[origin]
        sav = fta_saving(scn, origin=origin, fta=True, as_of=as_of)
        rows.append({"market": scn.code, "currency": sav["currency"], "agreement": rates["agreement"],
                     "domestic": bool(rates["domestic"]), "total_mfn": float(rates["total_mfn"]),
                     "total_preferential": (float(rates["total_preferential"])
                                            if pd.notna(rates["total_preferential"]) else np.nan),
                     "per_shipment": sav["per_shipment"], "per_year": sav["per_year"], "reason": sav["reason"]})
    if not rows:
        raise InputError(f"origin: no market lists {origin!r} among its origin plants")
    return pd.DataFrame(rows).set_index("market")


def ddp_vat(scn: Any, *, as_of: date | None = None, section: Landed | None = None,
            incoterms: pd.DataFrame | None = None) -> pd.Series:
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


# ------------------------------------------------------------------------------------------ readiness

@dataclass(frozen=True)
class Readiness:
    table: pd.DataFrame          # items with remaining_days, earliest_start, earliest_finish, critical
    share_done: float            # done / required (not-applicable items excluded)
    days_to_ready: float         # remaining lead time to ready-to-ship (critical path length)
    critical_path: tuple[str, ...]
    cost_remaining: float        # TWD, cost of the items not done (illustrative)


def checklist(compliance: pd.DataFrame, market: str, origin: str = "any",
              overrides: dict[str, str] | None = None) -> pd.DataFrame:
    """The market's items that apply to goods of ``origin`` (rows with origin ``any`` or that origin),
    with status overrides (e.g. saved in the scenario) applied. Unknown items or statuses are rejected."""
    rows = compliance[(compliance["market"] == market) & compliance["origin"].isin(("any", origin))].copy()
    if rows.empty:
        raise InputError(f"market: no compliance items for {market!r} in {relative(COMPLIANCE_FILE)}; "
                         f"markets listed: {', '.join(sorted(compliance['market'].unique()))}")
    for item, status in (overrides or {}).items():
        if item not in set(rows["item"]):
            raise InputError(f"landed.compliance_status: unknown item {item!r} for {market}; expected one of "
                             f"{', '.join(rows['item'])}")
        if status not in STATUSES:
            raise InputError(f"landed.compliance_status.{item}: expected one of {', '.join(STATUSES)}, found {status!r}")
        rows.loc[rows["item"] == item, "status"] = status
        if status == "done":
            rows.loc[rows["item"] == item, "progress"] = 1.0
        elif status == "not_started":
            rows.loc[rows["item"] == item, "progress"] = 0.0
    return rows.reset_index(drop=True)


def readiness(items: pd.DataFrame) -> Readiness:
    """Share done, days to ready-to-ship and the critical path of a checklist (CPM on remaining lead times).

    ``items`` has columns ``item, required, status, progress, lead_time_days, depends_on`` (``;``-separated
    item ids), ``cost_twd``. Remaining time of an item = lead time x (1 - progress); done and not-applicable
    items take none. Earliest finish EF(i) = remaining(i) + max EF over its dependencies; ready-to-ship =
    max EF over required items. Statuses must agree with progress (done: 1; not started: 0).
    """
    df = items.copy().reset_index(drop=True)
    need = {"item", "required", "status", "progress", "lead_time_days", "depends_on"}
    missing = need - set(df.columns)
    if missing:
        raise InputError(f"readiness: missing column(s) {', '.join(sorted(missing))}")
    bad = ~df["status"].isin(STATUSES)
    if bad.any():
        raise InputError(f"readiness: item {df.loc[bad, 'item'].iloc[0]!r}: expected a status among "
                         f"{', '.join(STATUSES)}, found {df.loc[bad, 'status'].iloc[0]!r}")
    dup = df["item"].duplicated()
    if dup.any():
        raise InputError(f"readiness: item {df.loc[dup, 'item'].iloc[0]!r} listed twice")
    prog = pd.to_numeric(df["progress"], errors="coerce")
    lead = pd.to_numeric(df["lead_time_days"], errors="coerce")
    if prog.isna().any() or ((prog < 0) | (prog > 1)).any():
        i = int((prog.isna() | (prog < 0) | (prog > 1)).idxmax())
        raise InputError(f"readiness: item {df.at[i, 'item']!r}: expected progress from 0 to 1, found {df.at[i, 'progress']!r}")
    if lead.isna().any() or (lead < 0).any():
        i = int((lead.isna() | (lead < 0)).idxmax())
        raise InputError(f"readiness: item {df.at[i, 'item']!r}: expected lead_time_days >= 0, found {df.at[i, 'lead_time_days']!r}")
    incoherent = ((df["status"] == "done") & (prog < 1)) | ((df["status"] == "not_started") & (prog > 0)) | \
        ((df["status"] != "done") & (df["status"] != "not_applicable") & (prog >= 1))
    if incoherent.any():
        i = int(incoherent.idxmax())
        raise InputError(f"readiness: item {df.at[i, 'item']!r}: status {df.at[i, 'status']!r} disagrees with "
                         f"progress {prog[i]:g} (done means 1, not started means 0, anything else below 1)")
    ids = list(df["item"])
    index = {item: i for i, item in enumerate(ids)}
    deps = []
    for i, text in enumerate(df["depends_on"].fillna("").astype(str)):
        parts = [p.strip() for p in text.split(";") if p.strip()]
        unknown = [p for p in parts if p not in index]
        if unknown:
            raise InputError(f"readiness: item {ids[i]!r} depends on unknown item(s) {', '.join(map(repr, unknown))}; "
                             f"expected ids among {', '.join(ids)}")
        deps.append([index[p] for p in parts])
    active = ~df["status"].isin(("done", "not_applicable"))
    remaining = np.where(active, lead.to_numpy() * (1 - prog.to_numpy()), 0.0)
    # Topological order (Kahn); a cycle is an error.
    n = len(ids)
    indeg = np.array([len(d) for d in deps])
    children: list[list[int]] = [[] for _ in range(n)]
    for i, d in enumerate(deps):
        for j in d:
            children[j].append(i)
    order, stack = [], [i for i in range(n) if indeg[i] == 0]
    while stack:
        j = stack.pop()
        order.append(j)
        for i in children[j]:
            indeg[i] -= 1
            if indeg[i] == 0:
                stack.append(i)
    if len(order) < n:
        cyc = [ids[i] for i in range(n) if indeg[i] > 0]
        raise InputError(f"readiness: dependency cycle among {', '.join(cyc)}; expected an acyclic checklist")
    ef = np.zeros(n)
    es = np.zeros(n)
    pred = np.full(n, -1)
    for i in order:
        if deps[i]:
            k = max(deps[i], key=lambda j: ef[j])
            es[i], pred[i] = ef[k], k
        ef[i] = es[i] + remaining[i]
    required = df["required"].astype(bool).to_numpy() & (df["status"] != "not_applicable").to_numpy()
    days = float(ef[required].max()) if required.any() else 0.0
    path: list[int] = []
    if days > 0:
        i = int(np.flatnonzero(required)[np.argmax(ef[required])])
        while i >= 0:
            if remaining[i] > 0:
                path.append(i)
            i = int(pred[i])
    path.reverse()
    done = (df["status"] == "done").to_numpy()
    share = float(done[required].mean()) if required.any() else 1.0
    out = df.assign(remaining_days=remaining, earliest_start=es, earliest_finish=ef,
                    critical=np.isin(np.arange(n), path))
    cost_col = pd.to_numeric(out["cost_twd"], errors="coerce") if "cost_twd" in out else pd.Series(0.0, index=out.index)
    cost = float(cost_col.where(active & required, 0.0).fillna(0).sum())
    return Readiness(out, share, days, tuple(ids[i] for i in path), cost)


def market_readiness(scn: Any, compliance: pd.DataFrame | None = None, origin: str | None = None) -> Readiness:
    compliance = load_compliance() if compliance is None else compliance
    origin = origin or scn.landed.shipment.origin
    return readiness(checklist(compliance, scn.code, origin, dict(scn.landed.compliance_status)))


# --------------------------------------------------------------------------------------- data honesty

def facts_to_verify(scn: Any, on: date, *, section: Landed | None = None) -> pd.DataFrame:
    """Legal facts of the market's landed section to check before quoting: unverified, older than
    ``stale_after_days``, past their review date, or measures that expired before ``on``."""
    sec = section or scn.landed
    rows: list[dict[str, Any]] = []

    def add(fact: Text, as_of: date, verified: bool, review_by: date | None = None, expired: date | None = None):
        reasons = []
        if not verified:
            reasons.append("unverified")
        if (on - as_of).days > sec.stale_after_days:
            reasons.append("old")
        if review_by is not None and on >= review_by:
            reasons.append("review_due")
        if expired is not None and expired < on:
            reasons.append("expired")
        if reasons:
            rows.append({"fact": fact.en, "fact_zh_TW": fact.zh_TW, "as_of": as_of, "reasons": tuple(reasons)})

    def both(en: str, zh: str) -> Text:
        return Text(en=en, **{"zh-TW": zh})

    tar = sec.tariff
    add(both(f"MFN rate, {tar.schedule} {tar.line}: {tar.mfn_rate:.1%}",
             f"最惠國稅率，{tar.schedule} {tar.line}：{tar.mfn_rate:.1%}"), tar.as_of, tar.verified)
    for origin, treat in sec.origins.items():
        # A lapsed measure needs checking only if nothing recorded replaces it: flag the last one to lapse
        # when no measure is in force on the date.
        lapsed = [m for m in treat.additional if m.valid_until is not None and m.valid_until < on]
        current = [m for m in treat.additional if _in_force(m, on)]
        last = max(lapsed, key=lambda m: m.valid_until) if lapsed and not current else None
        for m in treat.additional:
            add(both(f"{origin}: {m.name.en}", f"{origin}：{m.name.zh_TW}"), m.as_of, m.verified,
                expired=m.valid_until if m is last else None)
        if treat.preference is not None:
            p = treat.preference
            add(both(f"{origin}: {p.agreement} preferential rate {p.rate:.1%}", f"{origin}：{p.agreement} 優惠稅率 {p.rate:.1%}"),
                p.as_of, p.verified)
    for fee in sec.fees:
        add(both(f"{fee.name.en}: {fee.rate:.4%}", f"{fee.name.zh_TW}：{fee.rate:.4%}"), fee.as_of, fee.verified,
            review_by=fee.review_by)
    add(both("De minimis thresholds", "免稅門檻"), sec.de_minimis.as_of, sec.de_minimis.verified)
    return pd.DataFrame(rows, columns=["fact", "fact_zh_TW", "as_of", "reasons"])


# ------------------------------------------------------------------------------------------- display

def nobreak(text: str) -> str:
    """Keep a short CJK label on one line in a printed table (word joiners between the characters)."""
    return "\u2060".join(text) if any("\u4e00" <= ch <= "\u9fff" for ch in text) else text


def short_amount(x: float) -> str:
    """A chart label: full digits below a million, then M (millions) or B (billions) with two decimals."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:,.2f}B"
    if a >= 1e6:
        return f"{x / 1e6:,.2f}M"
    return f"{x:,.0f}"


def money(x: float, currency: str) -> str:
    return f"{currency} {x:,.0f}"


def _party(p: str, lang: str) -> str:
    return t(f"landed.party_{p}", lang)


def lines_table(q: Quote, lang: str) -> pd.DataFrame:
    """The waterfall as a table: item, amount, who pays, in the customs value, recoverable."""
    check_lang(lang)
    cur = q.resolved.currency
    df = q.lines[q.lines["amount"].abs() > 1e-9]
    yes, no = t("landed.answer_yes", lang), ""
    return pd.DataFrame({
        t("landed.col_item", lang): [t(f"landed.item_{i}", lang) for i in df["item"]],
        t("landed.col_amount", lang, currency=cur): [f"{a:,.0f}" for a in df["amount"]],
        t("landed.col_payer", lang): [_party(p, lang) for p in df["payer"]],
        t("landed.col_in_cv", lang): [yes if v else no for v in df["in_customs_value"]],
        t("landed.col_recoverable", lang): [yes if v else no for v in df["recoverable"]],
    })


def summary_table(q: Quote, lang: str) -> pd.DataFrame:
    s, cur = q.summary, q.resolved.currency
    rows = [
        ("sum_rule", f"{q.rule} · {t('landed.mode_' + q.mode, lang)} · {q.quantity:,} {t('landed.units', lang)}"),
        ("sum_origin", country_name(q.resolved.origin, lang) + (f" ({t('landed.domestic', lang)})" if q.resolved.domestic else "")),
        ("sum_basis", t(f"landed.basis_{q.resolved.basis}", lang)),
        ("sum_goods", money(s["goods"], cur)),
        ("sum_customs_value", money(s["customs_value"], cur)),
        ("sum_duty", f"{money(s['duty'], cur)} ({s['duty'] / s['customs_value']:.2%})" if s["customs_value"] else money(0, cur)),
        ("sum_fees", money(s["fees"], cur)),
        ("sum_vat", money(s["import_vat"], cur) + (f" · {t('landed.recoverable_note', lang)}" if s["vat_recoverable"] > 0 else "")),
        ("sum_seller", money(s["seller_costs"], cur)),
        ("sum_buyer", money(s["buyer_costs"], cur)),
        ("sum_landed", f"{money(s['landed'], cur)} (+{s['uplift']:.1%})"),
        ("sum_cash_out", money(s["cash_out"], cur)),
    ]
    return pd.DataFrame({t("landed.col_item", lang): [t(f"landed.{k}", lang) for k, _ in rows],
                         t("landed.col_value", lang): [v for _, v in rows]})


def duty_table(scn: Any, lang: str, as_of: date | None = None) -> pd.DataFrame:
    """Duty measures by origin with legal basis, dates and verification, for the report."""
    sec = scn.landed
    on = as_of or date.today()
    rows = []
    tar = sec.tariff
    for origin, treat in sec.origins.items():
        name = nobreak(country_name(origin, lang))
        if treat.domestic:
            rows.append((name, t("landed.domestic_sale", lang), "–", "–", "–"))
            continue
        rows.append((name, t("landed.mfn", lang) + f" ({tar.schedule} {tar.line})", f"{tar.mfn_rate:.1%}",
                     tar.source, _fact_state(tar.as_of, tar.verified, lang)))
        for m in treat.additional:
            state = _fact_state(m.as_of, m.verified, lang)
            if m.valid_from or m.valid_until:
                period = f"{m.valid_from or '…'} – {m.valid_until or '…'}"
                flag = t("landed.in_force", lang) if _in_force(m, on) else t("landed.not_in_force", lang)
                state = f"{period} ({flag}); {state}"
            rate = f"{m.rate:.1%}" + (f" {t('landed.of_duty', lang)}" if m.kind == "on_duty" else "")
            rows.append((name, m.name(lang), rate, m.legal_basis, state))
        if treat.preference is not None:
            p = treat.preference
            rows.append((name, f"{p.agreement}: {p.rule_of_origin(lang)}", f"{p.rate:.1%}", p.source,
                         _fact_state(p.as_of, p.verified, lang)))
    return pd.DataFrame(rows, columns=[t("landed.col_origin", lang), t("landed.col_measure", lang),
                                       t("landed.col_rate", lang), t("landed.col_basis", lang),
                                       t("landed.col_state", lang)])


def _fact_state(as_of: date, verified: bool, lang: str) -> str:
    return f"{t('common.as_of', lang)} {as_of}" + ("" if verified else f" · {t('landed.unverified', lang)}")


def verify_table(scn: Any, on: date, lang: str) -> pd.DataFrame:
    df = facts_to_verify(scn, on)
    sep = "；" if lang == "zh-TW" else "; "
    facts = df["fact_zh_TW" if lang == "zh-TW" else "fact"]
    return pd.DataFrame({
        t("landed.col_fact", lang): [f"{f} ({t('common.as_of', lang)} {d})" if lang == "en" else f"{f}（{t('common.as_of', lang)} {d}）"
                                     for f, d in zip(facts, df["as_of"])],
        t("landed.col_why", lang): [sep.join(t(f"landed.why_{r}", lang) for r in rs) for rs in df["reasons"]],
    })


def incoterms_table(incoterms: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = "zh_TW" if lang == "zh-TW" else "en"
    return pd.DataFrame({
        t("landed.col_rule", lang): incoterms.index,
        t("landed.col_name", lang): [nobreak(n) for n in incoterms[f"name_{c}"]],
        t("landed.col_mode", lang): [t(f"landed.rule_mode_{m}", lang) for m in incoterms["mode"]],
        t("landed.col_risk", lang): [t(f"landed.risk_{r}", lang) for r in incoterms["risk_transfer"]],
        t("landed.col_insurance", lang): [t("landed.ins_" + m.replace(" ", "_").replace("(", "").replace(")", "").replace("%", ""), lang)
                                          for m in incoterms["insurance_minimum"]],
        t("landed.col_description", lang): incoterms[f"description_{c}"].to_numpy(),
    })


def checklist_table(r: Readiness, lang: str) -> pd.DataFrame:
    df = r.table[r.table["status"] != "not_applicable"] if len(r.table) else r.table
    c = "zh_TW" if lang == "zh-TW" else "en"
    return pd.DataFrame({
        t("landed.col_check", lang): df[f"label_{c}"] + np.where(df["critical"], " ★", ""),
        t("landed.col_status", lang): [nobreak(t(f"landed.status_{s}", lang)) for s in df["status"]],
        t("landed.col_owner", lang): [nobreak(t(f"landed.owner_{o}", lang)) for o in df["owner"]],
        t("landed.col_days_left", lang): [f"{d:.0f}" for d in df["remaining_days"]],
        t("landed.col_cost", lang): [f"{c_:,.0f}" for c_ in df["cost_twd"]],
        t("landed.col_basis", lang): df["basis"] + np.where(df["verified"], "", f" ({t('landed.unverified', lang)})"),
    })


def modes_table(cmp: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`compare_modes` as a table: each item by sea and by air, the change, and whether it is dutiable."""
    check_lang(lang)
    rows = cmp[(cmp["sea"].abs() > 1e-9) | (cmp["air"].abs() > 1e-9)]
    cur, yes = cmp.attrs["currency"], t("landed.answer_yes", lang)
    return pd.DataFrame({
        t("landed.col_item", lang): [t(f"landed.item_{i}", lang) for i in rows.index],
        t("landed.col_sea", lang, currency=cur): [f"{v:,.0f}" for v in rows["sea"]],
        t("landed.col_air", lang, currency=cur): [f"{v:,.0f}" for v in rows["air"]],
        t("landed.col_change", lang): [f"{v:+,.0f}" if abs(v) >= 0.5 else "0" for v in rows["change"]],
        t("landed.col_in_cv", lang): [yes if v else "" for v in rows["in_customs_value"]],
    })


def fta_markets_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`fta_by_market` as a table: agreement, duty with and without it, the saving (market currency)."""
    check_lang(lang)

    def pct(v: float) -> str:
        return "–" if pd.isna(v) else f"{v:.1%}"

    return pd.DataFrame({
        t("landed.col_market", lang): [nobreak(country_name(c, lang)) for c in df.index],
        t("landed.col_agreement", lang): [a if isinstance(a, str) else
                                          t("landed.domestic" if d else "landed.no_agreement", lang)
                                          for a, d in zip(df["agreement"], df["domestic"])],
        t("landed.col_mfn_total", lang): [pct(v) for v in df["total_mfn"]],
        t("landed.col_pref_total", lang): [pct(v) for v in df["total_preferential"]],
        t("landed.col_saving_shipment", lang): [money(v, c) for v, c in zip(df["per_shipment"], df["currency"])],
        t("landed.col_saving_year", lang): [money(v, c) for v, c in zip(df["per_year"], df["currency"])],
    })


# --------------------------------------------------------------------------------------------- charts

PAYER_COLOR = {"seller": theme.COLORWAY[0], "buyer": theme.COLORWAY[1]}


def matrix_figure(incoterms: pd.DataFrame, lang: str, highlight: str | None = None) -> go.Figure:
    """Incoterms responsibility matrix: rules x responsibilities (seller / buyer / no obligation), with a
    diamond where risk passes from seller to buyer."""
    check_lang(lang)
    pay = payer_matrix(incoterms, RULES)
    cols = {
        "export_clearance": pay["export_clearance"], "pre_carriage": pay["pre_carriage"],
        "origin_handling": pay["origin_handling"], "main_carriage": pay["main_to_border"],
        "insurance": np.where(incoterms["insurance_by"] == "seller", "seller", "none"),
        "destination_handling": pay["destination_handling"], "on_carriage": pay["on_carriage"],
        "unloading": pay["unloading"], "import_clearance": pay["import_clearance"], "import_duty_vat": pay["duty"],
    }
    grid = pd.DataFrame(cols, index=list(RULES))[list(MATRIX_COLUMNS)]
    code = grid.replace({"seller": 1.0, "buyer": 0.0, "none": 0.5}).astype(float)
    text = grid.replace({"seller": t("landed.party_seller_short", lang), "buyer": t("landed.party_buyer_short", lang),
                         "none": "–"})
    ylabels = [f"<b>{r}</b>" if r == highlight else r for r in RULES]
    xlabels = [t(f"landed.mx_{c}", lang) for c in MATRIX_COLUMNS]
    fig = theme.figure(t("landed.matrix_title", lang), height=470)
    fig.add_heatmap(z=code.to_numpy(), x=list(range(len(MATRIX_COLUMNS))), y=ylabels, text=text.to_numpy(),
                    texttemplate="%{text}", showscale=False, xgap=2, ygap=2, hoverinfo="skip",
                    colorscale=[[0, theme.COLORWAY[1]], [0.5, "#E0E0E0"], [1, theme.COLORWAY[0]]], zmin=0, zmax=1)
    fig.add_scatter(x=[RISK_POSITION[r] for r in incoterms["risk_transfer"]], y=ylabels, mode="markers",
                    marker=dict(symbol="diamond", size=11, color="#D55E00", line=dict(color="white", width=1)),
                    name=t("landed.risk_passes", lang))
    if highlight in RULES:
        i = RULES.index(highlight)
        fig.add_shape(type="rect", x0=-0.5, x1=len(MATRIX_COLUMNS) - 0.5, y0=i - 0.5, y1=i + 0.5,
                      line=dict(color="#000000", width=2))
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(MATRIX_COLUMNS))), ticktext=xlabels,
                     tickangle=-35, side="bottom", range=[-0.8, len(MATRIX_COLUMNS) - 0.5])
    fig.update_yaxes(autorange="reversed", title_text=t("landed.axis_rule", lang))
    fig.update_layout(margin=dict(l=60, r=20, t=80, b=120), showlegend=True,
                      legend=dict(orientation="h", y=1.02, x=0, yanchor="bottom"))
    return fig


def waterfall_figure(q: Quote, lang: str) -> go.Figure:
    """Landed-cost waterfall of one shipment: each item with who pays it, the customs value as a subtotal,
    the landed cost as the total, recoverable VAT shown after it as a step back to the net landed cost."""
    check_lang(lang)
    cur = q.resolved.currency
    df = q.lines.set_index("item")
    cv_items = IN_CUSTOMS_VALUE[q.resolved.basis]
    x, y, measure, text = [], [], [], []
    for item in ITEMS:
        amt = float(df.at[item, "amount"])
        if abs(amt) < 1e-9:
            continue
        x.append(f"{t('landed.item_' + item, lang)} ({t('landed.party_' + df.at[item, 'payer'] + '_short', lang)})")
        y.append(amt)
        measure.append("relative")
        text.append(short_amount(amt))
        if item == _last_present(df, cv_items) and not q.resolved.domestic:
            x.append(t("landed.customs_value", lang))
            y.append(0)
            measure.append("total")
            text.append(short_amount(q.summary["customs_value"]))
    recoverable = float(q.summary["vat_recoverable"])
    x.append(t("landed.cash_out", lang) if recoverable > 0 else t("landed.landed_cost", lang))
    y.append(0)
    measure.append("total")
    text.append(short_amount(q.summary["cash_out"]))
    if recoverable > 0:
        x.append(t("landed.vat_recovered", lang))
        y.append(-recoverable)
        measure.append("relative")
        text.append(short_amount(-recoverable))
        x.append(t("landed.landed_cost", lang))
        y.append(0)
        measure.append("total")
        text.append(short_amount(q.summary["landed"]))
    title = t("landed.waterfall_title", lang, rule=q.rule, market=country_name(q.resolved.market, lang),
              origin=country_name(q.resolved.origin, lang))
    fig = theme.figure(title, height=470)
    fig.add_waterfall(x=x, y=y, measure=measure, text=text, textposition="outside", cliponaxis=False,
                      connector=dict(line=dict(color="#999", width=1)),
                      increasing=dict(marker=dict(color=theme.COLORWAY[1])),
                      decreasing=dict(marker=dict(color=theme.COLORWAY[2])),
                      totals=dict(marker=dict(color=theme.COLORWAY[0])), textfont=dict(size=9))
    goods = float(q.summary["goods"])
    top = float(q.summary["cash_out"])
    fig.update_yaxes(title_text=t("landed.axis_amount", lang, currency=cur), range=[goods * 0.9, top * 1.04])
    fig.update_xaxes(tickangle=-40, tickfont=dict(size=9))
    fig.update_layout(margin=dict(l=70, r=20, t=60, b=150), showlegend=False)
    return fig


def _last_present(df: pd.DataFrame, items: Sequence[str]) -> str | None:
    present = [i for i in items if abs(float(df.at[i, "amount"])) > 1e-9]
    return present[-1] if present else None


def rules_figure(summary: pd.DataFrame, lang: str, currency: str) -> go.Figure:
    """Per rule, the costs on top of the ex-works value: what the seller pays (and puts in its price), what
    the buyer pays on top, and recoverable import VAT (cash flow). The total hardly moves; the split does."""
    check_lang(lang)
    rules = [r for r, _ in summary.index]
    seller_extra = summary["seller_costs"] - summary["goods"]
    fig = theme.figure(t("landed.rules_title", lang), height=420)
    fig.add_bar(x=rules, y=seller_extra, name=t("landed.seller_part", lang),
                marker_color=PAYER_COLOR["seller"], text=[short_amount(v) for v in seller_extra],
                textposition="inside", textfont=dict(size=9))
    fig.add_bar(x=rules, y=summary["buyer_costs"], name=t("landed.buyer_part", lang),
                marker_color=PAYER_COLOR["buyer"], text=[short_amount(v) for v in summary["buyer_costs"]],
                textposition="inside", textfont=dict(size=9))
    if (summary["vat_recoverable"] > 0).any():
        fig.add_bar(x=rules, y=summary["vat_recoverable"], name=t("landed.vat_cashflow", lang),
                    marker=dict(color="white", line=dict(color=theme.COLORWAY[2], width=1.5),
                                pattern=dict(shape="/", fgcolor=theme.COLORWAY[2])))
    fig.update_layout(barmode="stack", yaxis_title=t("landed.axis_on_top", lang, currency=currency),
                      xaxis_title=t("landed.axis_rule", lang), margin=dict(l=70, r=20, t=80, b=50))
    return fig


def duty_figure(rates: pd.DataFrame, lang: str, market: str, selected: str | None = None) -> go.Figure:
    """MFN (with additional duties) versus preferential duty by origin of the goods."""
    check_lang(lang)
    labels = [country_name(o, lang) + (f" ({t('landed.domestic', lang)})" if d else "")
              for o, d in zip(rates.index, rates["domestic"])]
    fig = theme.figure(t("landed.duty_title", lang, market=country_name(market, lang)), height=380)
    opacity = [1.0 if (selected is None or o == selected) else 0.45 for o in rates.index]
    fig.add_bar(x=labels, y=rates["mfn"] * 100, name=t("landed.mfn", lang), marker_color=theme.COLORWAY[1],
                marker_opacity=opacity, offsetgroup="mfn", text=[f"{v:.1%}" for v in rates["mfn"]],
                textposition="inside")
    fig.add_bar(x=labels, y=rates["additional"] * 100, name=t("landed.additional", lang),
                marker_color=theme.COLORWAY[3], marker_opacity=opacity, offsetgroup="mfn", base=rates["mfn"] * 100,
                text=[f"+{v:.1%}" if v else "" for v in rates["additional"]], textposition="inside")
    pref = rates["total_preferential"].astype(float)
    fig.add_bar(x=labels, y=pref.fillna(0) * 100, name=t("landed.preferential", lang), marker_color=theme.COLORWAY[2],
                marker_opacity=opacity, offsetgroup="pref",
                text=[f"{a}: {v:.1%}" if isinstance(a, str) else t("landed.no_agreement", lang)
                      for a, v in zip(rates["agreement"], pref.fillna(0))],
                textposition="outside", textfont=dict(size=9), cliponaxis=False)
    top = max(float((rates["total_mfn"]).max()), float(pref.fillna(0).max()), 0.01) * 100
    fig.update_layout(barmode="group", yaxis_title=t("landed.axis_duty", lang),
                      yaxis_range=[0, top * 1.3], xaxis_title=t("landed.axis_origin", lang))
    return fig


def readiness_figure(r: Readiness, lang: str, market: str) -> go.Figure:
    """Compliance readiness timeline: remaining work per check from the report date (critical path in red)."""
    check_lang(lang)
    df = r.table[(r.table["status"] != "not_applicable")]
    c = "zh_TW" if lang == "zh-TW" else "en"
    order = df.sort_values(["earliest_start", "earliest_finish"])
    labels = [_short(s) for s in order[f"label_{c}"]]
    colors = {"done": theme.RAG["green"], "in_progress": theme.RAG["amber"], "not_started": theme.RAG["grey"],
              "blocked": theme.RAG["red"]}
    height = max(320, 60 + 24 * len(order))
    fig = theme.figure(t("landed.readiness_title", lang, market=country_name(market, lang), share=r.share_done,
                         days=r.days_to_ready), height=height)
    for status in ("done", "in_progress", "not_started", "blocked"):
        part = order[order["status"] == status]
        if part.empty:
            continue
        width = np.maximum(part["remaining_days"].to_numpy(), 0.6)
        fig.add_bar(y=[labels[list(order.index).index(i)] for i in part.index], x=width,
                    base=part["earliest_start"].to_numpy(), orientation="h", name=t(f"landed.status_{status}", lang),
                    marker=dict(color=colors[status], line=dict(color=np.where(part["critical"], "#C0392B", "rgba(0,0,0,0)"),
                                                                width=np.where(part["critical"], 2.5, 0))))
    fig.add_vline(x=r.days_to_ready, line=dict(color="#C0392B", dash="dash"))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels, tickfont=dict(size=9),
                     automargin=True)
    fig.update_layout(barmode="overlay", xaxis_title=t("landed.axis_days", lang), margin=dict(l=10, r=20, t=80, b=50))
    return fig


def _short(text: str, n: int = 34) -> str:
    text = text.split("：")[0].split(":")[0].split("（")[0].split("(")[0].strip()
    return text if len(text) <= n else text[: n - 1] + "…"


# ----------------------------------------------------------------------------------------- headline

def headline(scn: Any, lang: str, as_of: date | None = None) -> tuple[str, str, float]:
    """The chapter's headline sentence, key figure (landed cost over ex-works) and its number."""
    q = quote(scn, as_of=as_of)
    sav = fta_saving(scn, as_of=as_of)
    r = market_readiness(scn)
    cur = q.resolved.currency
    s = q.summary
    if sav["applies"]:
        saving = t("landed.headline_saving", lang, amount=money(sav["per_year"], cur))
    else:
        alt = alternatives(scn, as_of=as_of)
        alt = alt[alt["per_year"] > 0]
        saving = t("landed.headline_no_saving_" + sav["reason"], lang)
        if len(alt):
            best = alt.iloc[0]
            saving += t("landed.headline_alternative", lang, origin=country_name(best.name, lang),
                        agreement=best["agreement"], amount=money(best["per_year"], cur))
    text = t("landed.headline", lang, rule=q.rule, landed=money(s["landed"], cur), uplift=s["uplift"],
             saving=saving, share=r.share_done, days=r.days_to_ready)
    if q.resolved.expired:
        last = max(m.valid_until for m in q.resolved.expired)
        text += t("landed.headline_lapsed", lang, date=last)
    return text, t("landed.headline_figure", lang, uplift=s["uplift"]), float(s["uplift"])


def _brief(text: str, lang: str) -> str:
    """A checklist label short enough for a slide: no parentheses, the part before a colon, and at most
    about 45 characters (28 in Chinese), cut at a comma or a word boundary."""
    import re

    limit = 28 if lang == "zh-TW" else 45
    text = re.sub(r"\s*[（(][^）)]*[）)]", "", text)
    text = re.split(r"：|: ", text, maxsplit=1)[0].strip()
    if len(text) > limit:
        text = re.split(r"，|, ", text, maxsplit=1)[0].strip()
    if len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] and lang == "en" else text[:limit]
        text = cut.rstrip(" ,，") + "…"
    return text


def talking_points(scn: Any, lang: str, as_of: date | None = None) -> list[str]:
    """Three sentences for the workshop slide, with this market's numbers, in the report's language (the
    headline already gives the landed cost and the FTA saving): what customs taxes and on what value, what
    quoting DDP would do, and the compliance critical path."""
    check_lang(lang)
    q = quote(scn, as_of=as_of)
    s, cur, res = q.summary, q.resolved.currency, q.resolved
    market = country_name(scn.code, lang)
    if res.domestic:
        points = [t("landed.pt_domestic", lang, market=market)]
    else:
        points = [t("landed.pt_customs", lang, cv=money(s["customs_value"], cur), basis=res.basis,
                    duty=money(s["duty"], cur), rate=f"{s['duty'] / s['customs_value']:.1%}" if s["customs_value"] else "0%",
                    fees=money(s["fees"], cur), vat=money(s["import_vat"], cur))]
        trap = ddp_vat(scn, as_of=as_of)
        extra = trap["ddp_unregistered"] - trap["ddp_registered"]
        if extra > 0:
            points.append(t("landed.pt_ddp", lang, market=market, vat=money(extra, cur), share=f"{extra / s['goods']:.1%}"))
        else:
            points.append(t("landed.pt_ddp_no_vat", lang, market=market, duty=money(s["duty"] + s["fees"], cur)))
    r = market_readiness(scn)
    c = "zh_TW" if lang == "zh-TW" else "en"
    labels = r.table.set_index("item")[f"label_{c}"]
    path = " → ".join(_brief(labels[i], lang) for i in r.critical_path)
    points.append(t("landed.pt_ready", lang, share=f"{r.share_done:.0%}", days=f"{r.days_to_ready:.0f}", path=path)
                  if r.critical_path else t("landed.pt_ready_now", lang, share=f"{r.share_done:.0%}"))
    return points

# --------------------------------------------------------------------------------------------- panel

def panel(scn: Any, lang: str, as_of: date | None = None, incoterms: pd.DataFrame | None = None) -> ControlPanel:
    """JupyterLab controls: rule, mode, quantity, origin plant and FTA on/off recompute the summary, the
    waterfall and its lines, the rule comparison and the duty chart in place; "save" writes the shipment.

    In a report (``display(False)``) the same outputs appear, static, for the scenario's default shipment."""
    check_lang(lang)
    incoterms = load_incoterms() if incoterms is None else incoterms
    sec = scn.landed
    sh = sec.shipment
    plants = [o for o in sec.origins if o in getattr(scn.exporter, "origin_plants", list(sec.origins))]
    controls = {
        "rule": widgets.Dropdown(description=t("landed.ctl_rule", lang), value=sh.rule,
                                 options=[(f"{r} · {incoterms.at[r, 'name_zh_TW' if lang == 'zh-TW' else 'name_en']}", r) for r in RULES]),
        "mode": widgets.ToggleButtons(description=t("landed.ctl_mode", lang), value=sh.mode,
                                      options=[(t(f"landed.mode_{m}", lang), m) for m in MODES]),
        "quantity": widgets.BoundedIntText(description=t("landed.ctl_quantity", lang), value=sh.quantity, min=1,
                                           max=1_000_000, step=10),
        "origin": widgets.Dropdown(description=t("landed.ctl_origin", lang), value=sh.origin,
                                   options=[(country_name(o, lang), o) for o in plants]),
        "fta": widgets.Checkbox(description=t("landed.ctl_fta", lang), value=sh.fta_origin_met, indent=False),
    }
    rates = duty_rates(scn, as_of=as_of)

    def render(rule: str, mode: str, quantity: int, origin: str, fta: bool) -> dict[str, Any]:
        q = quote(scn, rule=rule, mode=mode, quantity=int(quantity), origin=origin, fta=fta, as_of=as_of,
                  incoterms=incoterms)
        compare = list(COMPARE_RULES) if mode == "sea" else ["EXW", "FCA", "CIP", "DAP", "DDP"]
        compared = grid(q.resolved, compare, [int(quantity)], sh.unit_price, mode, incoterms)
        return {
            "summary": summary_table(q, lang),
            "waterfall": waterfall_figure(q, lang),
            "lines": lines_table(q, lang),
            "rules": rules_figure(compared, lang, q.resolved.currency),
            "duty": duty_figure(rates, lang, scn.code, selected=origin),
        }

    def save(values: dict[str, Any]) -> Path:
        return scenario_mod.save_overlay(scn.code, "landed", {"shipment": {
            "rule": values["rule"], "mode": values["mode"], "quantity": int(values["quantity"]),
            "origin": values["origin"], "fta_origin_met": bool(values["fta"])}})

    return ControlPanel(controls, render, lang=lang, save=save)


# ------------------------------------------------------------------------------------ chapter texts

def vat_facts(scn: Any, lang: str) -> pd.DataFrame:
    """The market's import VAT / GST facts (from the ``market`` section) as a two-column table."""
    check_lang(lang)
    vat = scn.market.import_vat
    yes, no = t("overview.answer_yes", lang), t("overview.answer_no", lang)
    rows = [
        ("vat_name", vat.name), ("vat_rate", f"{vat.rate:.0%}"), ("vat_base", vat.base(lang)),
        ("vat_recoverable", yes if vat.b2b_recoverable else no),
        ("vat_postponed", yes if vat.postponed_accounting else no),
        ("vat_post_border", yes if scn.landed.vat_base_includes_post_border_costs else no),
        ("vat_source", f"{vat.source} ({t('common.as_of', lang)} {vat.as_of})"),
        ("vat_customs_basis", f"{scn.market.customs_value_basis}: {scn.market.customs_value_source}"),
    ]
    return pd.DataFrame({t("landed.col_item", lang): [t(f"landed.{k}", lang) for k, _ in rows],
                         t("landed.col_value", lang): [v for _, v in rows]})


def saving_text(scn: Any, lang: str, as_of: date | None = None) -> str:
    """One paragraph on the FTA saving of the default shipment (or why there is none, and the potential)."""
    sav = fta_saving(scn, as_of=as_of)
    cur = sav["currency"]
    if sav["applies"]:
        agreement = scn.landed.origins[scn.landed.shipment.origin.upper()].preference.agreement
        return t("landed.saving_text", lang, per_shipment=money(sav["per_shipment"], cur),
                 per_year=money(sav["per_year"], cur), agreement=agreement)
    reason = t("landed.headline_no_saving_" + sav["reason"], lang)
    alt = alternatives(scn, as_of=as_of)
    alt = alt[alt["per_year"] > 0]
    if len(alt):
        best = alt.iloc[0]
        return t("landed.saving_alternative", lang, reason=reason, origin=country_name(best.name, lang),
                 agreement=best["agreement"], per_shipment=money(best["per_shipment"], cur),
                 per_year=money(best["per_year"], cur))
    return t("landed.saving_none", lang, reason=reason)


def expired_text(scn: Any, lang: str, as_of: date | None = None) -> str | None:
    """A warning when measures recorded for the shipment's origin expired before the report date."""
    res = resolve(scn, as_of=as_of)
    if not res.expired:
        return None
    latest = max(res.expired, key=lambda m: m.valid_until)
    return t("landed.expired_warning", lang, origin=country_name(res.origin, lang),
             measures=f"{latest.name(lang)}, {t('landed.until', lang)} {latest.valid_until}")


def verify_text(scn: Any, on: date, lang: str) -> str:
    return t("landed.verify_callout", lang, n=len(facts_to_verify(scn, on)))
