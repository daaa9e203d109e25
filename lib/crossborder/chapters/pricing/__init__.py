"""Pricing simulations: product data (PIM), MOQ price ladders, margin guardrails, quotes, win probability
and margin risk.

Outline section 5: structured product data *is* capacity ("資料即產能"). A quote can only be automated when
the product record holds what a quote needs, so the chapter starts with a completeness score per product
and the list of quote-ready products, then builds prices on them.

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
  ``p_min = (C - B_p (1 - floor)) / (1 - v - floor)`` with ``C = c/S + f + B_c``.
- Insurance: under CIP and CIF the seller insures at least 110 % of the contract price (ICC Incoterms 2020,
  A5), so ``v = 1.1 x insurance_rate``; the seller pays main carriage under CPT, CIP, CFR, CIF, DAP, DPU
  (ICC Incoterms 2020, A4). DDP (duties and import taxes) belongs to the landed-cost chapter.
- Win probability against the competitor's reference price ``R``: a logistic curve in the relative price
  ``r = p / R``: ``P(win) = p_max / (1 + exp(k (r - r_0)))`` (Phillips, *Pricing and Revenue Optimization*,
  2nd ed., ch. 11, bid-response curves). Expected contribution per order: ``P(win) x (p (1 - v) - c/S - f) x q``.
  It is the product of two log-concave functions of ``p`` (for ``p`` above cost), hence unimodal; its
  maximiser has a closed form in the Lambert W function (``scipy.special.lambertw``, see
  :func:`optimal_price`), clipped to the guardrail band ``[p_floor, p_stretch]``.
- Margin risk (Monte Carlo, Glasserman, *Monte Carlo Methods in Financial Engineering*, ch. 3): unit cost
  ``c (1 + e)``, ``e ~ triangular(low, mode, high)``; FX rate at payment ``S_T = S_plan exp((mu - s^2/2) T
  + s sqrt(T) Z)`` (geometric Brownian motion, ``T`` = lead time + payment days in years); freight
  ``f exp(s_f Z_f - s_f^2 / 2)`` (lognormal with mean ``f``). The FX volatility ``s`` comes from
  ``rates.history`` + ``rates.annualized_volatility`` (the FX chapter's function); a pair the ECB does not
  publish (TWD) uses the figure the scenario states under ``rates.pairs`` (the shared
  :class:`~crossborder.core.rates.RatesSection`) with its source, or marked as an assumption.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pycountry
from pydantic import Field, field_validator, model_validator
from scipy.special import lambertw

from crossborder.core import rates, stats, theme
from crossborder import scenario
from crossborder.core.errors import InputError
from crossborder.core.i18n import country_name, t
from crossborder.notebook.panel import ControlPanel
from crossborder.core.paths import DATA_DIR, relative
from crossborder.core.rates import RatesSection
from crossborder.core.schema import Model, Text
from crossborder.core.tables import Column, read_table

PRODUCTS_FILE = DATA_DIR / "products.csv"
FAMILIES = ("ball_screw", "linear_guide", "support_unit")
LIFECYCLES = ("prototype", "active", "nrnd", "eol")
QUOTABLE_LIFECYCLES = ("active", "nrnd")     # nrnd: not recommended for new designs, still sold
STEEL_DENSITY_KG_L = 7.85                     # no packed part can be denser than the steel it is made of
SELLER_PAYS_CARRIAGE = frozenset({"CPT", "CIP", "CFR", "CIF", "DAP", "DPU"})   # Incoterms 2020, A4
SELLER_INSURES = frozenset({"CIP", "CIF"})                                    # Incoterms 2020, A5
INSURED_SHARE = 1.10                          # minimum cover: the contract price plus 10 %
MINOR_UNITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "IDR": 0}   # ISO 4217 exponents, default 2
DAYS_PER_YEAR = 365.0
_ID_RE = r"^[a-z][a-z0-9_]*$"

# Which PIM fields each use of the data needs. A quote needs cost, currency, plant (origin), MOQ, HS code,
# weight and volume (freight), and the ECO revision the quote refers to.
QUOTE_FIELDS = ("unit_cost", "cost_currency", "plant", "moq", "hs_code", "unit_weight_kg", "unit_volume_l",
                "eco_revision")
SPEC_FIELDS = {
    "ball_screw": ("size_mm", "lead_mm", "length_mm", "accuracy_grade", "material", "dynamic_load_kn",
                   "static_load_kn", "lead_error_test_um", "lead_error_tol_um", "drawing_ref", "step_ref"),
    "linear_guide": ("size_mm", "length_mm", "accuracy_grade", "material", "dynamic_load_kn", "static_load_kn",
                     "drawing_ref", "step_ref"),
    "support_unit": ("size_mm", "material", "dynamic_load_kn", "static_load_kn", "drawing_ref", "step_ref"),
}
COMPLIANCE_FIELDS = ("hs_code", "plant", "material", "certifications", "manual_ref", "msds_ref")
PURPOSES = {"quote": QUOTE_FIELDS, "compliance": COMPLIANCE_FIELDS}


# ============================================================================================ scenario

def _currency(code: str) -> str:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("an ISO 4217 currency code such as EUR, USD, JPY")
    return code


class Tier(Model):
    """One quantity tier of the price ladder."""

    min_qty: int = Field(ge=1)                 # first quantity of the tier (the next tier's min_qty ends it)
    discount: float = Field(ge=0, lt=0.9)      # off the list price
    typical_qty: int = Field(ge=1)             # a representative order size (expected contribution)


class LeadTimeOption(Model):
    """A production lead time we offer, with its price factor (rush premium or planned-order discount)."""

    days: int = Field(ge=1)                    # ex-works lead time, calendar days
    factor: float = Field(gt=0.5, lt=2)        # price multiplier; exactly one option (the standard) is 1
    label: Text


class SampleRule(Model):
    """What a quantity below the MOQ gets: refused, or priced as samples."""

    below_moq: Literal["sample", "refuse"]
    max_qty: int = Field(ge=1)                 # samples per request; between this and the MOQ is refused
    price_factor: float = Field(ge=1, le=10)   # sample unit price = list x region x lead time x factor


class Bundle(Model):
    """A service sold with the goods (compliance testing, local-language labels, local stock, spares)."""

    id: str = Field(pattern=_ID_RE)
    name: Text
    basis: Literal["unit", "order"]            # charged per unit, or once per order
    cost: float = Field(ge=0)                  # quote currency
    price: float = Field(ge=0)                 # quote currency


class Guardrails(Model):
    """Gross-margin guardrails for quoting, as fractions of the net unit price."""

    floor: float = Field(ge=0, lt=1)           # below: refused
    target: float = Field(gt=0, lt=1)          # the standard margin
    stretch: float = Field(gt=0, lt=1)         # sought where value or urgency is high

    @model_validator(mode="after")
    def _ordered(self) -> "Guardrails":
        if not self.floor < self.target < self.stretch:
            raise ValueError(f"floor < target < stretch (found {self.floor}, {self.target}, {self.stretch})")
        return self


class WinCurve(Model):
    """Logistic bid-response curve in the relative price (ours / competitor's reference)."""

    midpoint: float = Field(gt=0.3, lt=3)      # relative price at which we win half as often as at best
    steepness: float = Field(gt=0, le=100)     # how fast buyers walk away as the relative price rises
    max_probability: float = Field(gt=0, le=1)  # the win rate of a very low price (never certain in B2B)


class Competitor(Model):
    """Competitor reference prices (quote currency, at their first tier) and their quantity discounts."""

    source: str
    tier_discounts: list[float] = Field(min_length=1)   # one per tier of our ladder
    prices: dict[str, float]                            # product model -> reference unit price

    @field_validator("tier_discounts")
    @classmethod
    def _discounts(cls, values: list[float]) -> list[float]:
        if any(not 0 <= d < 0.9 for d in values):
            raise ValueError(f"discounts from 0 to 0.9 (found {values})")
        return values

    @field_validator("prices")
    @classmethod
    def _prices(cls, values: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in values.items() if not v > 0}
        if bad:
            raise ValueError(f"reference prices > 0 (found {bad})")
        return values


class FxSettings(Model):
    """How the Monte Carlo estimates FX volatility from history. Stated planning rates and the volatility of
    pairs without history (TWD) live in the shared scenario section ``rates.pairs``."""

    window_days: int = Field(ge=20, le=5000)   # daily returns in the volatility estimate (252 = one year)
    drift_annual: float = Field(ge=-1, le=1)   # expected log change of S per year; 0 = no view


class MonteCarlo(Model):
    """Distributions of the margin-risk simulation (seeded, so a report is reproducible)."""

    draws: int = Field(ge=100, le=2_000_000)
    seed: int = Field(ge=0)
    cost_low: float = Field(gt=-0.9, le=0)     # triangular relative change of unit cost: low, mode, high
    cost_mode: float = Field(gt=-0.9, lt=2)
    cost_high: float = Field(ge=0, lt=2)
    freight_sigma: float = Field(ge=0, le=2)   # lognormal sigma of the freight rate

    @model_validator(mode="after")
    def _triangle(self) -> "MonteCarlo":
        if not self.cost_low <= self.cost_mode <= self.cost_high:
            raise ValueError(f"cost_low <= cost_mode <= cost_high (found {self.cost_low}, {self.cost_mode}, {self.cost_high})")
        return self


class Stress(Model):
    """What-if shifts the notebook's sliders set (saved with the scenario)."""

    cost_shift: float = Field(default=0.0, ge=-0.5, le=1)        # unit cost change, fraction
    fx_shift: float = Field(default=0.0, ge=-0.5, le=0.5)        # quote currency vs cost currency, + = stronger
    competitor_shift: float = Field(default=0.0, ge=-0.5, le=0.5)  # competitor reference price change


class SampleQuote(Model):
    """The quote the chapter walks through (the quote form's starting values)."""

    product: str
    quantity: int = Field(ge=1)
    lead_time_days: int = Field(ge=1)
    bundles: list[str] = []
    requested_price: float | None = Field(default=None, gt=0)    # a buyer's target product price, if any


INCOTERMS = Literal["EXW", "FCA", "FAS", "FOB", "CPT", "CIP", "CFR", "CIF", "DAP", "DPU"]


class Pricing(Model):
    """The ``pricing`` section of a market scenario. Commercial figures are illustrative."""

    quote_currency: str
    incoterm: INCOTERMS                        # DDP is the landed-cost chapter's (duties and import taxes)
    named_place: str
    freight_per_kg: float = Field(ge=0)        # main carriage, quote currency per kg
    insurance_rate: float = Field(ge=0, le=0.05)  # premium as a share of the insured value
    payment_days: int = Field(ge=0, le=365)    # from shipment to cash
    list_margin: float = Field(gt=0, lt=1)     # the price book's margin at the planning cost and rate
    region_factor: float = Field(gt=0.5, lt=2)
    tiers: list[Tier] = Field(min_length=1, max_length=12)
    lead_times: list[LeadTimeOption] = Field(min_length=1)
    samples: SampleRule
    bundles: list[Bundle] = []
    guardrails: Guardrails
    win_curve: WinCurve
    competitor: Competitor
    fx: FxSettings
    monte_carlo: MonteCarlo
    sample_quote: SampleQuote
    stress: Stress = Stress()
    source: str = "illustrative"

    _check_currency = field_validator("quote_currency")(_currency)

    @model_validator(mode="after")
    def _consistent(self) -> "Pricing":
        mins = [tier.min_qty for tier in self.tiers]
        if mins[0] != 1 or any(b <= a for a, b in zip(mins, mins[1:])):
            raise ValueError(f"tiers whose min_qty starts at 1 and rises (found {mins})")
        discounts = [tier.discount for tier in self.tiers]
        if any(b < a for a, b in zip(discounts, discounts[1:])):
            raise ValueError(f"tier discounts that never fall as quantity rises (found {discounts})")
        if len(self.competitor.tier_discounts) != len(self.tiers):
            raise ValueError(f"competitor.tier_discounts with one value per tier ({len(self.tiers)}), "
                             f"found {len(self.competitor.tier_discounts)}")
        days = [o.days for o in self.lead_times]
        if len(set(days)) != len(days):
            raise ValueError(f"lead_times with distinct days (found {days})")
        if sum(1 for o in self.lead_times if o.factor == 1) != 1:
            raise ValueError("exactly one lead-time option with factor 1 (the standard lead time)")
        ids = [b.id for b in self.bundles]
        if len(set(ids)) != len(ids):
            raise ValueError(f"bundle ids that are unique (found {ids})")
        unknown = [b for b in self.sample_quote.bundles if b not in ids]
        if unknown:
            raise ValueError(f"sample_quote.bundles from the bundle ids {ids} (found {unknown})")
        if self.list_margin <= self.guardrails.stretch:
            raise ValueError(f"list_margin above guardrails.stretch ({self.guardrails.stretch}), found {self.list_margin}")
        if self.list_margin + self.insurance_share >= 1:
            raise ValueError("list_margin + insurance share below 1")
        return self

    @property
    def seller_pays_carriage(self) -> bool:
        return self.incoterm in SELLER_PAYS_CARRIAGE

    @property
    def insurance_share(self) -> float:
        """``v``: insurance premium as a share of the product price (0 unless the seller insures)."""
        return INSURED_SHARE * self.insurance_rate if self.incoterm in SELLER_INSURES else 0.0

    @property
    def standard_lead(self) -> LeadTimeOption:
        return next(o for o in self.lead_times if o.factor == 1)

    @property
    def horizon_years(self) -> float:
        """Quote to cash at the standard lead time: the FX exposure's length."""
        return (self.standard_lead.days + self.payment_days) / DAYS_PER_YEAR


# ============================================================================================ products

_TEXT = Column(required=False)


def _num(min=None, max=None, required=False) -> Column:  # noqa: A002 - mirrors Column's names
    return Column("float", required=required, min=min, max=max)


PRODUCT_COLUMNS: dict[str, Column] = {
    "model": Column(unique=True), "family": Column("choice", choices=FAMILIES),
    "name_en": Column(), "name_zh_TW": Column(),
    "size_mm": _num(1, 500), "lead_mm": _num(0.5, 200), "length_mm": _num(10, 20000),
    "accuracy_grade": _TEXT, "material": _TEXT, "hardness_hrc": _num(20, 70),
    "dynamic_load_kn": _num(0.01), "static_load_kn": _num(0.01),
    "lead_error_test_um": _num(0), "lead_error_tol_um": _num(0.1),
    "certifications": _TEXT, "application_en": _TEXT, "application_zh_TW": _TEXT,
    "unit_cost": _num(0.0001), "cost_currency": _TEXT, "plant": _TEXT, "moq": Column("int", min=1),
    "hs_code": _TEXT, "unit_weight_kg": _num(0.001), "unit_volume_l": _num(0.001),
    "drawing_ref": _TEXT, "step_ref": _TEXT, "manual_ref": _TEXT, "msds_ref": _TEXT,
    "lifecycle": Column("choice", choices=LIFECYCLES), "eco_revision": _TEXT, "eco_number": _TEXT,
    "eco_date": Column("date", required=False), "source": Column(),
}


def load_products(path=PRODUCTS_FILE) -> pd.DataFrame:
    """Read and validate the product table (a small PIM), indexed by model.

    Beyond each column's type and range (``tables.read_table``), rows are checked for values that cannot be
    true: a lead longer than the screw, a packed density above steel's, a lead on a part that has none, a
    cost without its currency, an unknown currency or plant, a malformed HS code. Errors name the file, the
    line, the product and the field.
    """
    table = read_table(path, PRODUCT_COLUMNS, key="model")
    where = relative(path)

    def fail(i: int, col: str, expected: str, found: object) -> InputError:
        return InputError(f"{where}: line {i + 2} (model {table.at[i, 'model']!r}), column '{col}': "
                          f"expected {expected}, found {found!r}")

    for i, row in table.iterrows():
        if pd.notna(row.lead_mm) and row.family != "ball_screw":
            raise fail(i, "lead_mm", f"an empty cell for a {row.family} (only ball screws have a lead)", row.lead_mm)
        if pd.notna(row.lead_mm) and pd.notna(row.length_mm) and row.lead_mm >= row.length_mm:
            raise fail(i, "lead_mm", f"a lead shorter than the length ({row.length_mm:g} mm)", row.lead_mm)
        if pd.notna(row.unit_weight_kg) and pd.notna(row.unit_volume_l):
            density = row.unit_weight_kg / row.unit_volume_l
            if density > STEEL_DENSITY_KG_L:
                raise fail(i, "unit_volume_l", f"a packed volume of at least {row.unit_weight_kg / STEEL_DENSITY_KG_L:.3g} l "
                           f"(no packed part is denser than steel, {STEEL_DENSITY_KG_L} kg/l)", row.unit_volume_l)
        if pd.notna(row.unit_cost) != pd.notna(row.cost_currency):
            raise fail(i, "cost_currency", "a currency exactly when unit_cost is given", row.cost_currency)
        if pd.notna(row.cost_currency) and pycountry.currencies.get(alpha_3=row.cost_currency) is None:
            raise fail(i, "cost_currency", "an ISO 4217 code such as TWD or USD", row.cost_currency)
        if pd.notna(row.plant) and pycountry.countries.get(alpha_2=row.plant) is None:
            raise fail(i, "plant", "an ISO 3166-1 alpha-2 country code such as TW", row.plant)
        if pd.notna(row.hs_code) and not re.fullmatch(r"\d{4}\.\d{2}(\.\d{2,4})?", row.hs_code):
            raise fail(i, "hs_code", "an HS code like 8483.40", row.hs_code)
        if pd.notna(row.lead_error_test_um) and pd.isna(row.lead_error_tol_um):
            raise fail(i, "lead_error_tol_um", "the tolerance the test value is judged against", None)
    return table.set_index("model", drop=False)


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
                          & (out["within_tolerance"] != False))  # noqa: E712 - NaN (no test) passes
    return out[["quote_score", "spec_score", "compliance_score", "within_tolerance", "lifecycle", "quote_ready",
                "quote_missing", "spec_missing", "compliance_missing"]]


# ============================================================================================ FX inputs

@dataclass(frozen=True)
class FxInputs:
    """The FX figures a product's pricing uses: rate, volatility and where each comes from."""

    pair: str                   # "COST/QUOTE"
    planning_rate: float        # cost-currency units per 1 quote-currency unit
    volatility_annual: float
    from_history: bool          # volatility estimated from dated rates (ECB or the user's CSV)
    basis: str                  # "history", "source", "assumption" or "same currency"
    source: str
    as_of: date | None          # last date of history used, or the stated figure's as-of date


def fx_inputs(cost: str, quote: str, fx: FxSettings, as_of: date | None = None, *,
              stated: RatesSection | None = None) -> FxInputs:
    """Planning rate and annualized volatility for ``cost/quote``.

    Volatility: ``rates.history(cost, quote)`` (the user's CSV if present, else the ECB reference rates,
    cut at ``as_of``) and ``rates.annualized_volatility`` over ``fx.window_days`` returns: the same function
    as the FX chapter. When no history exists (the ECB publishes no TWD), the scenario's shared section
    ``rates.pairs['COST/QUOTE']`` (or the inverse pair, inverted; pass ``scn.rates`` as ``stated``) must
    state the rate and volatility with a source or as an assumption. Planning rate: the stated one if any,
    else the last rate in the history.
    """
    pair = f"{cost}/{quote}"
    if cost == quote:
        return FxInputs(pair, 1.0, 0.0, False, "same currency", "", None)
    entry = stated.stated(cost, quote) if stated is not None else None
    try:
        history = rates.history(cost, quote)
    except InputError as exc:
        if entry is None:
            raise InputError(
                f"{exc}\nscenario key 'rates.pairs.{pair}': expected rate, volatility_annual, basis (source or "
                f"assumption), source and as_of for this pair (or its inverse {quote}/{cost}), found no entry"
            ) from None
        return FxInputs(pair, entry.rate, entry.volatility_annual, False, entry.basis, entry.source, entry.as_of)
    if as_of is not None:
        history = history[history.index <= pd.Timestamp(as_of)]
    vol = rates.annualized_volatility(history.to_numpy(), window=fx.window_days)
    last = history.index[-1].date()
    rate = entry.rate if entry is not None else float(history.iloc[-1])
    return FxInputs(pair, rate, vol, True, "history", history.attrs.get("source", ""), last)


# ============================================================================================ price book

@dataclass(frozen=True)
class PriceBook:
    """A market's pricing: the scenario section, quote-ready products with their costs in the quote
    currency, and the what-if shifts applied. Build it with :func:`price_book`."""

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


def price_book(market: str, section: Pricing, products: pd.DataFrame, *, as_of: date | None = None,
               stress: Stress | None = None, fx: dict[str, FxInputs] | None = None,
               stated: RatesSection | None = None) -> PriceBook:
    """Cost, freight and list price in the quote currency for every quote-ready product (vectorized).

    FX inputs come from :func:`fx_inputs` with the scenario's stated rates ``stated`` (``scn.rates``) unless
    ``fx`` gives them ready-made.

    ``stress`` shifts cost, FX and competitor prices from the scenario's planning values (the list price
    stays at planning values: a price book does not move with every cost change, margins do).
    """
    comp = completeness(products)
    ready = products[comp["quote_ready"]].copy()
    unknown = sorted(set(section.competitor.prices) - set(products.index))
    if unknown:
        raise InputError(f"scenario key 'pricing.competitor.prices': expected models from {relative(PRODUCTS_FILE)}, "
                         f"found {', '.join(unknown)}")
    if fx is None:
        fx = {}
        for ccy in sorted(set(ready["cost_currency"])):
            fx[f"{ccy}/{section.quote_currency}"] = fx_inputs(ccy, section.quote_currency, section.fx, as_of,
                                                                  stated=stated)
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
    book = PriceBook(market, section, ready, comp, fx, Stress())
    return restress(book, section.stress if stress is None else stress)


def restress(book: PriceBook, stress: Stress) -> PriceBook:
    """The same price book under other what-if shifts (only the shifted columns are recomputed):
    ``cost = unit cost x (1 + cost shift) / (S_plan x (1 + FX shift))``, competitor ``x (1 + shift)``."""
    ready = book.products.copy()
    ready["cost_quote"] = ready["unit_cost"] * (1 + stress.cost_shift) / (ready["fx_planning"] * (1 + stress.fx_shift))
    ready["competitor_price"] = ready["competitor_base"] * (1 + stress.competitor_shift)
    return replace(book, products=ready, stress=stress)


def book_for(scn: scenario.Scenario, products: pd.DataFrame | None = None, *, as_of: date | None = None,
             **shifts: float) -> PriceBook:
    """The price book of a loaded scenario; keyword shifts override the scenario's saved ``stress``."""
    section: Pricing = scn.pricing
    products = load_products() if products is None else products
    stress = section.stress.model_copy(update=shifts) if shifts else section.stress
    return price_book(scn.code, section, products, as_of=as_of, stress=stress, stated=scn.rates)


def round_price(value: float, currency: str, up: bool = False) -> float:
    """Round to the currency's minor unit (half up; ``up=True`` rounds any fraction up, for floor prices)."""
    digits = MINOR_UNITS.get(currency, 2)
    scale = 10.0 ** digits
    if up:
        return math.ceil(value * scale - 1e-9) / scale
    return math.floor(value * scale + 0.5) / scale


def price_at_margin(margin, unit_cost, insurance_share: float):
    """The product price at which gross margin equals ``margin``: ``C / (1 - m - v)`` (no bundles)."""
    m = np.asarray(margin, dtype=float)
    return np.asarray(unit_cost, dtype=float) / (1 - m - insurance_share)


def margin_at(price, unit_cost, insurance_share: float):
    """Gross margin of a product price: ``1 - C / p - v`` (vectorized)."""
    p = np.asarray(price, dtype=float)
    return 1 - np.asarray(unit_cost, dtype=float) / p - insurance_share


def win_probability(price, reference, curve: WinCurve):
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


# ============================================================================================ quotes

@dataclass(frozen=True)
class Quote:
    """The answer to a request: quoted or refused (with the reason), and the numbers behind it."""

    model: str
    quantity: int
    currency: str
    kind: Literal["order", "sample"]
    quoted: bool
    reason: str | None                       # a key in strings/pricing.yaml (reason_*), None when quoted
    reason_fields: dict = field(default_factory=dict)
    tier: int | None = None                  # index into the scenario's tiers (orders only)
    lead_time_days: int | None = None        # the production option used
    list_price: float = math.nan
    product_price: float = math.nan          # per unit, after tier/region/lead time or as requested
    bundle_price: float = 0.0                # per unit
    unit_price: float = math.nan             # product + bundles, what the buyer pays per unit
    total: float = math.nan
    unit_cost: float = math.nan              # goods + freight + insurance + bundle cost, per unit
    margin: float = math.nan
    band: str | None = None
    lowest_price: float = math.nan           # lowest acceptable product price (at the floor margin)
    steps: tuple[tuple[str, float], ...] = ()  # waterfall: (step key, amount) from list to margin
    bundles: tuple[str, ...] = ()            # the bundle ids quoted


def _tier_index(tiers: Sequence[Tier], quantity: int) -> int:
    mins = np.array([tier.min_qty for tier in tiers])
    return int(np.searchsorted(mins, quantity, side="right") - 1)


def _refused(model, quantity, currency, reason, kind="order", **fields) -> Quote:
    return Quote(model, quantity, currency, kind, False, reason, fields)


def quote(book: PriceBook, model: str, quantity: int, lead_time_days: int, bundles: Sequence[str] = (),
          requested_price: float | None = None) -> Quote:
    """Quote ``quantity`` units of ``model`` delivered (ex works) within ``lead_time_days``, with bundles.

    Steps: quote-readiness; the slowest lead-time option that still meets the requested days (none: refused);
    MOQ (below it: samples up to the sample limit if the scenario routes them, else refused); the ladder
    price ``list x (1 - tier discount) x region x lead time`` (samples: ``list x sample factor x region x
    lead time``) or the buyer's ``requested_price``; bundles; then the guardrail: a margin below the floor
    is refused with the lowest acceptable price. Prices are rounded to the currency's minor unit *before*
    the guardrail check, so a quoted price never falls below the floor.
    """
    sec, ccy = book.section, book.currency
    if model not in book.completeness.index:
        raise InputError(f"product: expected a model from {relative(PRODUCTS_FILE)}, found {model!r}")
    if isinstance(quantity, bool) or not isinstance(quantity, (int, np.integer)) or quantity < 1:
        raise InputError(f"quantity: expected a whole number of units >= 1, found {quantity!r}")
    if isinstance(lead_time_days, bool) or not isinstance(lead_time_days, (int, np.integer)) or lead_time_days < 1:
        raise InputError(f"lead_time_days: expected a whole number of days >= 1, found {lead_time_days!r}")
    known = {b.id: b for b in sec.bundles}
    unknown = [b for b in bundles if b not in known]
    if unknown:
        raise InputError(f"bundles: expected ids from pricing.bundles ({', '.join(known) or 'none defined'}), found {unknown}")
    if requested_price is not None and not (isinstance(requested_price, (int, float)) and requested_price > 0
                                            and math.isfinite(requested_price)):
        raise InputError(f"requested_price: expected a unit price > 0 in {ccy} (or none), found {requested_price!r}")
    quantity = int(quantity)
    if model not in book.products.index:
        row = book.completeness.loc[model]
        return _refused(model, quantity, ccy, "reason_not_ready", missing=row["quote_missing"],
                        lifecycle=row["lifecycle"], tolerance=row["within_tolerance"])
    row = book.products.loc[model]
    options = [o for o in sec.lead_times if o.days <= lead_time_days]
    if not options:
        fastest = min(sec.lead_times, key=lambda o: o.days)
        return _refused(model, quantity, ccy, "reason_lead_time", days=lead_time_days, fastest=fastest.days)
    option = max(options, key=lambda o: o.days)
    moq = int(row["moq"])
    kind: Literal["order", "sample"] = "order"
    if quantity < moq:
        if sec.samples.below_moq == "sample" and quantity <= sec.samples.max_qty:
            kind = "sample"
        else:
            return _refused(model, quantity, ccy, "reason_below_moq", moq=moq,
                            samples=sec.samples.max_qty if sec.samples.below_moq == "sample" else 0)

    lp = float(row["list_price"])
    steps: list[tuple[str, float]] = [("step_list", lp)]
    tier = None
    if kind == "order":
        tier = _tier_index(sec.tiers, quantity)
        after_tier = lp * (1 - sec.tiers[tier].discount)
        steps.append(("step_tier", after_tier - lp))
    else:
        after_tier = lp * sec.samples.price_factor
        steps.append(("step_sample", after_tier - lp))
    after_region = after_tier * sec.region_factor
    steps.append(("step_region", after_region - after_tier))
    ladder = round_price(after_region * option.factor, ccy)
    steps.append(("step_lead_time", ladder - after_region))
    product_price = ladder
    if requested_price is not None:
        product_price = round_price(float(requested_price), ccy)
        steps.append(("step_negotiated", product_price - ladder))

    chosen = [known[b] for b in bundles]
    per = [1.0 if b.basis == "unit" else 1.0 / quantity for b in chosen]
    bundle_price = round_price(sum(b.price * k for b, k in zip(chosen, per)), ccy)
    bundle_cost = sum(b.cost * k for b, k in zip(chosen, per))
    steps.append(("step_bundles", bundle_price))
    unit_price = product_price + bundle_price
    steps.append(("step_net", unit_price))
    v = sec.insurance_share
    goods = float(row["cost_quote"])
    freight = float(row["freight_unit"]) + v * product_price
    cost = goods + freight + bundle_cost
    margin = (unit_price - cost) / unit_price
    steps += [("step_cost", -goods), ("step_freight", -freight), ("step_bundle_cost", -bundle_cost),
              ("step_margin", unit_price - cost)]
    floor = sec.guardrails.floor
    lowest = max((goods + float(row["freight_unit"]) + bundle_cost - bundle_price * (1 - floor)) / (1 - v - floor), 0.0)
    lowest = round_price(lowest, ccy, up=True)
    common = dict(tier=tier, lead_time_days=option.days, list_price=lp, product_price=product_price,
                  bundle_price=bundle_price, unit_price=unit_price, total=unit_price * quantity, unit_cost=cost,
                  margin=margin, band=band_of(margin, sec.guardrails), lowest_price=lowest, steps=tuple(steps),
                  bundles=tuple(bundles))
    if margin < floor:
        return Quote(model, quantity, ccy, kind, False, "reason_below_floor",
                     {"margin": margin, "floor": floor, "lowest": lowest}, **common)
    return Quote(model, quantity, ccy, kind, True, None, {}, **common)


def sample_quote(book: PriceBook, model: str | None = None) -> Quote:
    """The scenario's sample quote (``pricing.sample_quote``), for ``model`` if given."""
    sq = book.section.sample_quote
    return quote(book, model or sq.product, sq.quantity, sq.lead_time_days, tuple(sq.bundles),
                 requested_price=sq.requested_price)


def below_floor_request(book: PriceBook, q: Quote, share: float = 0.95) -> Quote:
    """The same request with the buyer asking ``share`` of the lowest acceptable product price: a refusal
    to show how the guardrail answers (it names the lowest price it would accept)."""
    price = round_price(q.lowest_price * share, book.currency) if q.steps else math.nan
    if q.steps and not price > 0:
        raise InputError(f"share: expected a share that leaves a positive price, found {share!r}")
    if not q.steps:
        raise InputError(f"quote: expected a priced quote to undercut, found one refused before pricing ({q.reason})")
    return quote(book, q.model, q.quantity, q.lead_time_days, q.bundles, requested_price=price)


def quote_reason(q: Quote, lang: str) -> str:
    """The quote's outcome in one sentence."""
    if q.quoted:
        return t("pricing.quoted_ok", lang, band=t(f"pricing.band_{q.band}", lang), margin=pct(q.margin))
    f = q.reason_fields
    if q.reason == "reason_not_ready":
        bits = []
        if f.get("missing"):
            bits.append(t("pricing.reason_missing", lang, fields=field_list(f["missing"], lang)))
        if f.get("lifecycle") not in QUOTABLE_LIFECYCLES:
            bits.append(t("pricing.reason_lifecycle", lang, lifecycle=t(f"pricing.lifecycle_{f['lifecycle']}", lang)))
        if f.get("tolerance") is False:
            bits.append(t("pricing.reason_tolerance", lang))
        return t("pricing.refused_not_ready", lang, model=q.model, why=t("pricing.reason_sep", lang).join(bits))
    if q.reason == "reason_lead_time":
        return t("pricing.refused_lead_time", lang, days=f["days"], fastest=f["fastest"])
    if q.reason == "reason_below_moq":
        key = "pricing.refused_moq_samples" if f["samples"] else "pricing.refused_moq"
        return t(key, lang, qty=q.quantity, moq=f["moq"], samples=f["samples"])
    return t("pricing.refused_floor", lang, margin=pct(f["margin"]), floor=pct_setting(f["floor"]),
             lowest=money(f["lowest"], q.currency))


# ============================================================================================ tiers

def optimal_price(unit_cost, reference, curve: WinCurve, insurance_share: float, low, high) -> np.ndarray:
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


# ============================================================================================ risk

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

    def histogram(self, edges) -> np.ndarray:
        """Share of draws per margin bin (``edges`` ascending), tiers x bins."""
        e = np.asarray(edges, dtype=float)
        cost_edges = (1 - self.insurance_share - e)[None, :] * self.prices[:, None]   # descending per tier
        below = np.searchsorted(self.costs, cost_edges, side="right")                 # draws with c <= edge
        return (below[:, :-1] - below[:, 1:]) / len(self.costs)


def margin_risk(book: PriceBook, model: str, prices, shocks: Shocks | None = None) -> MarginRisk:
    """Monte Carlo of the gross margin at ``prices`` (one per tier) over unit cost, FX rate and freight.

    Cost ``c (1 + e)``, ``e`` triangular; FX rate at payment ``S (1 + shift) exp((mu - s^2/2) T + s sqrt(T) Z)``
    (GBM over quote-to-cash, ``s`` from :func:`fx_inputs`); freight ``f exp(s_f Z_f - s_f^2 / 2)`` (zero
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


# ============================================================================================ formatting

NBSP = "\u00a0"  # keeps "EUR 12.30" and "12 %" on one line in narrow table columns


def amount(value: float, currency: str) -> str:
    """A price without its currency code, to the currency's minor unit (for columns headed by the currency)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{MINOR_UNITS.get(currency, 2)}f}"


def money(value: float, currency: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{currency}{NBSP}{amount(value, currency)}"


def pct(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}{NBSP}%"


def pct_setting(value: float) -> str:
    """A set percentage (a guardrail, a discount): whole percent unless it has a fraction (22 %, 22.5 %)."""
    return pct(value, 0 if abs(value * 100 - round(value * 100)) < 1e-9 else 1)


def product_name(products: pd.DataFrame, model: str, lang: str) -> str:
    return products.at[model, "name_zh_TW" if lang == "zh-TW" else "name_en"]


def field_label(name: str, lang: str) -> str:
    """A PIM field's name for readers (``hs_code`` -> "HS code")."""
    return t(f"pricing.field_{name}", lang)


def field_list(names, lang: str) -> str:
    """PIM field names as a list in the reader's language (``、`` between items in Chinese)."""
    return t("pricing.list_sep", lang).join(field_label(f, lang) for f in names)


# ============================================================================================ figures
# Charts use traces rather than layout shapes and annotations: plotly validates each shape and annotation
# at some length, and these figures are rebuilt on every slider move.

def _price_axis(book: PriceBook, lang: str) -> str:
    return t("pricing.axis_unit_price", lang, currency=book.currency)


# Six legend entries can take two rows above the plot: a taller top margin keeps them clear of the title.
TWO_ROW_LEGEND = dict(height=440, margin=dict(t=110), title_yref="container", title_y=0.97, title_yanchor="top")
GUARD_COLOURS = {"floor": theme.RAG["red"], "target": theme.RAG["amber"], "stretch": theme.RAG["green"]}


def _figure(title: str, traces: list[dict], **layout) -> go.Figure:
    """A workbook figure from trace dicts, built in one pass (layout given to ``theme.figure`` at once)."""
    fig = theme.figure(title, **layout)
    fig.add_traces(traces)
    return fig


def ladder_figure(book: PriceBook, model: str, tiers: pd.DataFrame, lang: str) -> go.Figure:
    """Price ladder: ladder and recommended price per tier against the competitor and the guardrails."""
    labels = tiers["label"].tolist()
    g = book.section.guardrails
    traces = [
        dict(type="bar", x=labels, y=tiers["ladder_price"].to_numpy(), name=t("pricing.series_ladder", lang),
             marker_color=theme.COLORWAY[0]),
        dict(type="bar", x=labels, y=tiers["recommended_price"].to_numpy(), name=t("pricing.series_recommended", lang),
             marker_color=theme.COLORWAY[2]),
        dict(type="scatter", x=labels, y=tiers["competitor_price"].to_numpy(), mode="markers+lines",
             name=t("pricing.series_competitor", lang), line=dict(dash="dot", color=theme.COLORWAY[3]),
             marker=dict(symbol="diamond", size=9)),
    ] + [
        dict(type="scatter", x=labels, y=[float(tiers[f"{key}_price"].iloc[0])] * len(labels), mode="lines",
             name=f"{t('pricing.guard_' + key, lang)} {pct_setting(getattr(g, key))}",
             line=dict(color=GUARD_COLOURS[key], width=1.5, dash="dash"))
        for key in ("floor", "target", "stretch")
    ]
    return _figure(t("pricing.chart_ladder_title", lang, model=model, market=country_name(book.market, lang)), traces,
                   **TWO_ROW_LEGEND, barmode="group", xaxis_title_text=t("pricing.axis_tier", lang),
                   yaxis_title_text=_price_axis(book, lang))


STEP_MEASURE = {"step_list": "absolute", "step_net": "total", "step_margin": "total"}


def waterfall_figure(q: Quote, lang: str) -> go.Figure:
    """Price waterfall of a quote: list -> tier -> region -> lead time -> bundles -> net -> cost -> margin."""
    title = t("pricing.chart_waterfall_title", lang, model=q.model, qty=f"{q.quantity:,}")
    axis = t("pricing.axis_per_unit", lang, currency=q.currency)
    if not q.steps:  # refused before pricing (not quote-ready, lead time, MOQ): say why, show no bars
        return _figure(title, [dict(type="waterfall", x=[], y=[], measure=[])], yaxis_title_text=axis,
                       annotations=[dict(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                                         text=quote_reason(q, lang), font=dict(size=12))])
    # a step worth less than the currency's smallest unit (standard lead time, no bundles, the buyer pays freight,
    # rounding) is left out
    tiny = 0.5 * 10.0 ** -MINOR_UNITS.get(q.currency, 2)
    steps = [(k, v) for k, v in q.steps if STEP_MEASURE.get(k) or abs(v) >= tiny]
    values = [v for _, v in steps]
    digits = MINOR_UNITS.get(q.currency, 2)
    trace = dict(
        type="waterfall", x=[t(f"pricing.{k}", lang) for k, _ in steps], y=values,
        measure=[STEP_MEASURE.get(k, "relative") for k, _ in steps],
        text=[f"{v:,.{digits}f}" for v in values], textposition="outside", cliponaxis=False,
        connector=dict(line=dict(color="#999", width=1)), increasing=dict(marker_color=theme.COLORWAY[0]),
        decreasing=dict(marker_color=theme.COLORWAY[3]),
        totals=dict(marker_color=theme.RAG["green"] if q.quoted else theme.RAG["red"]))
    return _figure(title, [trace], showlegend=False, yaxis_title_text=axis, xaxis_tickangle=-30)


def contribution_figure(book: PriceBook, model: str, tiers: pd.DataFrame, lang: str) -> go.Figure:
    """Expected contribution per unit against price, per tier, with the optimum and the guardrail bands."""
    grid, curves = contribution_curves(book, tiers)
    y0, y1 = min(0.0, float(curves.min())), float(curves.max()) * 1.12
    p_f, p_t, p_s = (float(tiers[c].iloc[0]) for c in ("floor_price", "target_price", "stretch_price"))
    bands = [(grid[0], p_f, theme.RAG["red"], "band_below_floor_short"),
             (p_f, p_t, theme.RAG["amber"], "band_floor_target_short"),
             (p_t, p_s, theme.RAG["green"], "band_target_stretch_short"),
             (p_s, grid[-1], theme.RAG["grey"], "band_above_stretch_short")]
    colours = [c for _, _, c, _ in bands]
    # The four guardrail bands as one bar trace (a bar per band, spanning the plot's height).
    traces = [dict(type="bar", x=[(a + b) / 2 for a, b, _, _ in bands], width=[b - a for a, b, _, _ in bands],
                   base=y0, y=[y1 - y0] * 4, marker=dict(color=colours, opacity=0.13, line_width=0),
                   text=[t(f"pricing.{k}", lang) for *_, k in bands], textposition="inside", insidetextanchor="end",
                   textfont=dict(size=10, color=colours), textangle=0, hoverinfo="skip", showlegend=False)]
    traces += [dict(type="scatter", x=grid, y=curves[j], mode="lines", name=label,
                    line=dict(color=theme.COLORWAY[j % len(theme.COLORWAY)], width=2))
               for j, label in enumerate(tiers["label"])]
    v, cost = tiers.attrs["insurance_share"], tiers.attrs["unit_cost"]
    rec = tiers["recommended_price"].to_numpy()
    traces.append(dict(type="scatter", x=rec, y=tiers["recommended_win"].to_numpy() * (rec * (1 - v) - cost),
                       mode="markers", name=t("pricing.series_optimum", lang),
                       marker=dict(symbol="star", size=12, color="#000")))
    return _figure(t("pricing.chart_contribution_title", lang, model=model), traces, **TWO_ROW_LEGEND,
                   xaxis=dict(title_text=_price_axis(book, lang), range=[grid[0], grid[-1]]),
                   yaxis=dict(title_text=t("pricing.axis_expected_contribution", lang, currency=book.currency),
                              range=[y0, y1]))


def margin_figure(book: PriceBook, risk: MarginRisk, tiers: pd.DataFrame, lang: str, bins: int = 60) -> go.Figure:
    """Distribution of simulated gross margin per tier, with the floor and P(margin < floor)."""
    floor = risk.floor
    lo = min(float(risk.p05.min()) - 0.08, floor - 0.03)
    hi = max(float(risk.p95.max()) + 0.05, floor + 0.03)
    edges = np.linspace(lo, hi, bins + 1)
    share = risk.histogram(edges) * 100
    centres = (edges[:-1] + edges[1:]) / 2 * 100
    traces = [dict(type="scatter", x=centres, y=share[j], mode="lines",
                   line=dict(width=2, shape="hvh", color=theme.COLORWAY[j % len(theme.COLORWAY)]),
                   name=t("pricing.series_risk", lang, tier=label, p=pct(risk.below_floor[j])))
              for j, label in enumerate(tiers["label"])]
    traces.append(dict(type="scatter", x=[floor * 100, floor * 100], y=[0, float(share.max()) * 1.05], mode="lines",
                       name=f"{t('pricing.guard_floor', lang)} {pct_setting(floor)}",
                       line=dict(color=theme.RAG["red"], width=2, dash="dash")))
    return _figure(t("pricing.chart_margin_title", lang, draws=f"{len(risk.costs):,}"), traces,
                   xaxis_title_text=t("pricing.axis_margin", lang), yaxis_title_text=t("pricing.axis_share_draws", lang),
                   legend=dict(orientation="v", x=0.0, xanchor="left", y=1.0, yanchor="top",
                               bgcolor="rgba(255,255,255,0.75)"))


# ============================================================================================ tables

def _notes(row: pd.Series, lang: str) -> str:
    """Why a product is not quote-ready, then what the other uses miss."""
    sep = t("pricing.reason_sep", lang)
    parts = []
    why = not_ready_reason(row, lang)
    if why:
        parts.append(why)
    for purpose in ("spec", "compliance"):
        missing = [f for f in row[f"{purpose}_missing"] if f not in row["quote_missing"]]  # said once
        if missing:
            parts.append(t(f"pricing.note_{purpose}_missing", lang, fields=field_list(missing, lang)))
    return sep.join(parts) or "–"


def not_ready_reason(row: pd.Series, lang: str) -> str:
    """Why a product is not quote-ready, in words (empty when it is)."""
    reasons = []
    if row["quote_missing"]:
        reasons.append(t("pricing.reason_missing", lang, fields=field_list(row["quote_missing"], lang)))
    if row["lifecycle"] not in QUOTABLE_LIFECYCLES:
        reasons.append(t("pricing.reason_lifecycle", lang, lifecycle=t(f"pricing.lifecycle_{row['lifecycle']}", lang)))
    if row["within_tolerance"] is False:
        reasons.append(t("pricing.reason_tolerance", lang))
    return t("pricing.reason_sep", lang).join(reasons)


def completeness_table(products: pd.DataFrame, comp: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Completeness per product and purpose, whether it is quote-ready, and what is missing."""
    yes, no = t("pricing.answer_yes", lang), t("pricing.answer_no", lang)
    return pd.DataFrame({
        t("pricing.col_model", lang): products.index,
        t("pricing.col_lifecycle", lang): [t(f"pricing.lifecycle_{x}", lang) for x in comp["lifecycle"]],
        t("pricing.col_quote_data", lang): [pct(x, 0) for x in comp["quote_score"]],
        t("pricing.col_spec_data", lang): [pct(x, 0) for x in comp["spec_score"]],
        t("pricing.col_compliance_data", lang): [pct(x, 0) for x in comp["compliance_score"]],
        t("pricing.col_quote_ready", lang): [yes if x else no for x in comp["quote_ready"]],
        t("pricing.col_notes", lang): [_notes(r, lang) for _, r in comp.iterrows()],
    })


def fields_table(lang: str) -> pd.DataFrame:
    """Which PIM fields each use of the data needs (spec fields per product family)."""
    rows = [(t("pricing.purpose_quote", lang), QUOTE_FIELDS)]
    rows += [(t("pricing.purpose_spec", lang, family=t(f"pricing.family_{fam}", lang)), fields)
             for fam, fields in SPEC_FIELDS.items()]
    rows.append((t("pricing.purpose_compliance", lang), COMPLIANCE_FIELDS))
    return pd.DataFrame({t("pricing.col_purpose", lang): [r[0] for r in rows],
                         t("pricing.col_fields", lang): [field_list(r[1], lang) for r in rows]})


def tier_table(book: PriceBook, tiers: pd.DataFrame, risk: MarginRisk | None, lang: str) -> pd.DataFrame:
    """The ladder, the recommended prices and their margin risk, one row per tier (report table)."""
    ccy = book.currency
    col = lambda key: t("pricing.col_with_currency", lang, label=t(f"pricing.{key}", lang), currency=ccy)  # noqa: E731
    out = pd.DataFrame({
        t("pricing.col_tier", lang): tiers["label"].to_numpy(),
        col("col_ladder"): [amount(x, ccy) for x in tiers["ladder_price"]],
        col("col_competitor"): [amount(x, ccy) for x in tiers["competitor_price"]],
        col("col_recommended"): [amount(x, ccy) for x in tiers["recommended_price"]],
        t("pricing.col_margin", lang): [pct(x) for x in tiers["recommended_margin"]],
        t("pricing.col_win", lang): [f"{pct(a, 0)} → {pct(b, 0)}" for a, b in zip(tiers["ladder_win"], tiers["recommended_win"])],
        t("pricing.col_contribution", lang, currency=ccy): [
            f"{amount(x, ccy)} ({int(q):,})" for x, q in zip(tiers["expected_contribution"], tiers["typical_qty"])],
    })
    if risk is not None:
        out[t("pricing.col_below_floor", lang)] = [pct(x) for x in risk.below_floor]
        out[t("pricing.col_p05", lang)] = [pct(x) for x in risk.p05]
    return out


def quote_table(q: Quote, lang: str) -> pd.DataFrame:
    """A quote's key figures as a two-column table."""
    ccy = q.currency
    status = t("pricing.status_quoted" if q.quoted else "pricing.status_refused", lang)
    if q.kind == "sample":
        status += f" ({t('pricing.kind_sample', lang)})"
    rows = [
        ("q_status", status),
        ("q_unit_price", money(q.unit_price, ccy) if q.quoted else "–"),
        ("q_total", money(q.total, ccy) if q.quoted else "–"),
        ("q_margin", pct(q.margin)),
        ("q_band", t(f"pricing.band_{q.band}", lang) if q.band else "–"),
        ("q_lowest", money(q.lowest_price, ccy)),
        ("q_lead_time", t("pricing.days", lang, days=q.lead_time_days) if q.lead_time_days else "–"),
        ("q_reason", quote_reason(q, lang)),
    ]
    return pd.DataFrame({t("pricing.col_item", lang): [t(f"pricing.{k}", lang) for k, _ in rows],
                         t("pricing.col_value", lang): [v for _, v in rows]})


def fx_table(book: PriceBook, lang: str) -> pd.DataFrame:
    """The FX inputs of this market: pair, planning rate, volatility, and where each figure comes from."""
    rows = []
    for pair, fx in sorted(book.fx.items()):
        basis = t(f"pricing.fx_basis_{fx.basis.replace(' ', '_')}", lang)
        src = fx.source + (f" ({t('common.as_of', lang)} {fx.as_of})" if fx.as_of else "")
        rows.append((pair, f"{fx.planning_rate:,.4g}", pct(fx.volatility_annual), basis, src or "–"))
    return pd.DataFrame(rows, columns=[t(f"pricing.col_{c}", lang) for c in
                                       ("pair", "planning_rate", "volatility", "basis", "source")])


def settings_table(book: PriceBook, lang: str) -> pd.DataFrame:
    """The market's price rules in one table: currency, Incoterm, region, guardrails, lead times, samples."""
    s = book.section
    g = s.guardrails
    sep = t("pricing.reason_sep", lang)
    ccy = s.quote_currency
    lead = sep.join(t("pricing.lead_entry", lang, label=o.label(lang), days=o.days, factor=f"{o.factor:g}")
                    for o in s.lead_times)
    samples = (t("pricing.samples_rule", lang, n=s.samples.max_qty, factor=f"{s.samples.price_factor:g}")
               if s.samples.below_moq == "sample" else t("pricing.samples_refused", lang))
    bundles = sep.join(t("pricing.bundle_entry", lang, name=b.name(lang), price=money(b.price, ccy),
                         per=t("pricing.per_" + b.basis, lang), cost=money(b.cost, ccy)) for b in s.bundles) or "–"
    carriage = t("pricing.carriage_seller" if s.seller_pays_carriage else "pricing.carriage_buyer", lang)
    rows = [
        ("set_currency", s.quote_currency),
        ("set_incoterm", f"{s.incoterm} {s.named_place} · {carriage}"),
        ("set_region", f"× {s.region_factor:g}"),
        ("set_guardrails", f"{pct_setting(g.floor)} / {pct_setting(g.target)} / {pct_setting(g.stretch)}"),
        ("set_list_margin", pct_setting(s.list_margin)),
        ("set_tiers", sep.join(t("pricing.tier_entry", lang, qty=f"{tier.min_qty:,}", discount=pct_setting(tier.discount))
                               for tier in s.tiers)),
        ("set_lead_times", lead),
        ("set_samples", samples),
        ("set_bundles", bundles),
        ("set_payment", t("pricing.days", lang, days=s.payment_days)),
    ]
    return pd.DataFrame({t("pricing.col_item", lang): [t(f"pricing.{k}", lang) for k, _ in rows],
                         t("pricing.col_value", lang): [v for _, v in rows]})


# ============================================================================================ headline

def contribution_uplift(tiers: pd.DataFrame) -> float:
    """Expected contribution at the recommended prices over that at the ladder prices, minus 1 (all tiers,
    typical orders): what re-pricing within the guardrails is worth."""
    return float(tiers["expected_contribution"].sum() / tiers["ladder_contribution"].sum() - 1)


def headline(book: PriceBook, model: str, tiers: pd.DataFrame, risk: MarginRisk, lang: str) -> tuple[str, str, float]:
    """Headline sentence, key figure (the expected-contribution uplift of the recommended prices over the
    ladder) and its value; the sentence also names the worst tier's chance of ending below the floor."""
    worst = int(np.argmax(risk.below_floor))
    ccy = book.currency
    uplift = contribution_uplift(tiers)
    signed = ("+" if uplift >= 0 else "") + pct(uplift, 0)
    text = t("pricing.headline", lang, model=model, market=country_name(book.market, lang), uplift=signed,
             lo=money(float(tiers["recommended_price"].min()), ccy), hi=money(float(tiers["recommended_price"].max()), ccy),
             m_lo=pct(float(tiers["recommended_margin"].min())), m_hi=pct(float(tiers["recommended_margin"].max())),
             p=pct(float(risk.below_floor[worst])), tier=tiers["label"].iloc[worst],
             floor=pct_setting(book.section.guardrails.floor))
    return text, t("pricing.headline_figure", lang, uplift=signed), uplift


# ============================================================================================ workshop

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
    from scipy.optimize import brentq

    base = tier_frame(book, model)
    floor = book.section.guardrails.floor
    lo, hi = -0.5, 1.0

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


def absorb_table(book: PriceBook, absorb: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``absorbable_cost_shift`` for display."""
    ccy = book.currency
    return pd.DataFrame({
        t("pricing.col_tier", lang): absorb["label"].to_numpy(),
        t("pricing.col_with_currency", lang, label=t("pricing.col_ladder", lang), currency=ccy):
            [amount(x, ccy) for x in absorb["ladder_price"]],
        t("pricing.col_margin", lang): [pct(x) for x in absorb["ladder_margin"]],
        t("pricing.col_absorbs", lang, floor=pct_setting(book.section.guardrails.floor)):
            ["–" if math.isnan(x) else _signed(x, 1) for x in absorb["headroom"]],
    })


def absorb_note(book: PriceBook, absorb: pd.DataFrame, lang: str) -> str:
    """The answer in words: which tier reaches the floor first, at what cost rise."""
    head = absorb["headroom"]
    if head.isna().all():
        return t("pricing.absorb_none", lang, floor=pct_setting(book.section.guardrails.floor))
    i = int(head.idxmin())
    x = float(head.iloc[i])
    key = "pricing.absorb_first" if x > 0 else "pricing.absorb_already"
    return t(key, lang, tier=absorb.at[i, "label"], shift=pct(abs(x)), floor=pct_setting(book.section.guardrails.floor))


def _signed(x: float, digits: int = 0) -> str:
    """A change with its sign, the minus sign typographic: +6 %, −25 %."""
    return ("+" if x >= 0 else "−") + pct(abs(x), digits)


def competitor_cut(book: PriceBook, model: str, cut: float = 0.10) -> pd.DataFrame:
    """A competitor cuts its reference prices by ``cut``: expected contribution per order of each answer, by tier.

    - ``before``: the recommended price against today's competitor (the chapter's table);
    - ``hold``: keep that price against the cheaper competitor;
    - ``match``: cut our price by the same share, but never below the floor price;
    - ``reprice``: the recommended price re-optimised against the cheaper competitor (:func:`optimal_price`
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

    def contribution(price) -> np.ndarray:
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


def cut_table(book: PriceBook, cut_frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``competitor_cut`` for display: prices and expected contribution per order of each answer."""
    ccy = book.currency
    c = lambda key, **kw: t(f"pricing.{key}", lang, currency=ccy, **kw)  # noqa: E731
    f = cut_frame
    return pd.DataFrame({
        t("pricing.col_tier", lang): f["label"].to_numpy(),
        c("col_cut_competitor"): [f"{amount(a, ccy)} → {amount(b, ccy)}" for a, b in zip(f["competitor_before"], f["competitor_after"])],
        c("col_cut_reprice_price"): [f"{amount(a, ccy)} → {amount(b, ccy)}" for a, b in zip(f["price_before"], f["price_reprice"])],
        c("col_cut_before"): [amount(x, ccy) for x in f["before"]],
        c("col_cut_hold"): [amount(x, ccy) for x in f["hold"]],
        c("col_cut_match"): [amount(x, ccy) for x in f["match"]],
        c("col_cut_reprice"): [amount(x, ccy) for x in f["reprice"]],
    })


def cut_note(cut_frame: pd.DataFrame, cut: float, lang: str) -> str:
    """The answer in words: what the cut costs, and how much re-pricing saves over holding and matching."""
    f = cut_frame
    total = {k: float(f[k].sum()) for k in ("before", "hold", "match", "reprice")}
    rel = lambda a, b: _signed(a / b - 1) if b > 0 else "–"  # noqa: E731
    return t("pricing.cut_note", lang, cut=pct_setting(cut), loss=rel(total["reprice"], total["before"]),
             hold=rel(total["hold"], total["before"]), match=rel(total["match"], total["before"]))


def headline_points(book: PriceBook, model: str, tiers: pd.DataFrame, risk: MarginRisk, lang: str) -> list[str]:
    """Talking points for the workshop deck with the market's numbers, adding to the headline: how the first
    tier's win probability moves, the unit-cost rise the price list absorbs, and what a 10 % competitor cut
    costs when the prices are re-optimised or held."""
    ccy = book.currency
    first = tiers.iloc[0]
    points = [t("pricing.point_win", lang, tier=first["label"], ladder=money(float(first["ladder_price"]), ccy),
                w0=pct(float(first["ladder_win"]), 0), rec=money(float(first["recommended_price"]), ccy),
                w1=pct(float(first["recommended_win"]), 0))]
    absorb = absorbable_cost_shift(book, model)
    if absorb["headroom"].notna().any():
        i = int(absorb["headroom"].idxmin())
        x = float(absorb.at[i, "headroom"])
        key = "pricing.point_absorb" if x > 0 else "pricing.point_absorb_already"
        points.append(t(key, lang, shift=pct(abs(x)), tier=absorb.at[i, "label"],
                        floor=pct_setting(book.section.guardrails.floor)))
    cut = competitor_cut(book, model, 0.10)
    before = float(cut["before"].sum())
    if before > 0:
        points.append(t("pricing.point_cut", lang, reprice=_signed(float(cut["reprice"].sum()) / before - 1),
                        hold=_signed(float(cut["hold"].sum()) / before - 1)))
    return points


# ============================================================================================ panel

def analyse(book: PriceBook, model: str, shocks: Shocks | None = None) -> tuple[pd.DataFrame, MarginRisk]:
    """Ladder with recommended prices, and the margin risk at those prices."""
    tiers = tier_frame(book, model)
    return tiers, margin_risk(book, model, tiers["recommended_price"].to_numpy(), shocks)


def quotable_models(book: PriceBook) -> list[str]:
    """Quote-ready products that have a competitor reference in this market (the optimizer needs one)."""
    return [m for m in book.products.index if not math.isnan(book.products.at[m, "competitor_base"])]


def focus_model(book: PriceBook, requested: str = "") -> str:
    """The product a chapter analyses: ``requested`` if given, else the scenario's sample quote's."""
    model = requested or book.section.sample_quote.product
    models = quotable_models(book)
    if model not in models:
        raise InputError(f"product: expected a quote-ready model with a competitor reference in market "
                         f"{book.market} ({', '.join(models)}), found {model!r}")
    return model


def panel(scn: scenario.Scenario, lang: str, products: pd.DataFrame | None = None, *,
          as_of: date | None = None, draws: int | None = None, book: PriceBook | None = None) -> ControlPanel:
    """Quote form and what-if sliders for JupyterLab; every change recomputes the charts in place.

    Controls: product, quantity, requested lead time, bundles, a buyer's target price (0 = the ladder
    price), and shifts of unit cost, FX and the competitor's price. The price book, FX inputs and random
    draws are prepared once; a slider move recomputes the ladder, optimum, Monte Carlo and charts, a quote
    form change only the quote. "Save scenario" writes the quote and the shifts to the user's overlay
    (``pricing.sample_quote`` and ``pricing.stress``).
    """
    products = load_products() if products is None else products
    section: Pricing = scn.pricing
    base = price_book(scn.code, section, products, as_of=as_of, stated=scn.rates) if book is None else book
    shocks = draw_shocks(section.monte_carlo, draws)
    models = quotable_models(base)
    if not models:
        raise InputError(f"market {scn.code}: no quote-ready product has a competitor reference price "
                         "(scenario key 'pricing.competitor.prices')")
    sq, st = section.sample_quote, base.stress
    style = {"description_width": "initial"}
    slider = dict(step=0.01, readout_format=".0%", style=style, continuous_update=False)
    controls = {
        "model": widgets.Dropdown(options=[(f"{m} · {product_name(products, m, lang)}", m) for m in models],
                                  value=sq.product if sq.product in models else models[0],
                                  description=t("pricing.ctl_product", lang), style=style),
        "quantity": widgets.BoundedIntText(value=sq.quantity, min=1, max=1_000_000, step=1,
                                           description=t("pricing.ctl_quantity", lang), style=style),
        "lead_time_days": widgets.IntSlider(value=sq.lead_time_days, min=1, max=120, step=1, style=style,
                                            continuous_update=False, description=t("pricing.ctl_lead_time", lang)),
        "bundles": widgets.SelectMultiple(options=[(b.name(lang), b.id) for b in section.bundles],
                                          value=tuple(sq.bundles), description=t("pricing.ctl_bundles", lang),
                                          rows=max(2, len(section.bundles)), style=style),
        "requested_price": widgets.BoundedFloatText(value=sq.requested_price or 0.0, min=0, max=1e12, style=style,
                                                    description=t("pricing.ctl_requested", lang, currency=base.currency)),
        "cost_shift": widgets.FloatSlider(value=st.cost_shift, min=-0.3, max=0.5,
                                          description=t("pricing.ctl_cost_shift", lang), **slider),
        "fx_shift": widgets.FloatSlider(value=st.fx_shift, min=-0.2, max=0.2,
                                        description=t("pricing.ctl_fx_shift", lang), **slider),
        "competitor_shift": widgets.FloatSlider(value=st.competitor_shift, min=-0.3, max=0.3,
                                                description=t("pricing.ctl_competitor_shift", lang), **slider),
    }
    cache: dict[tuple, tuple] = {}

    def model_part(model: str, cost_shift: float, fx_shift: float, competitor_shift: float) -> tuple:
        key = (model, cost_shift, fx_shift, competitor_shift)
        if key not in cache:
            cache.clear()  # one entry: quote-form changes reuse it, a shift or product change recomputes
            book = restress(base, Stress(cost_shift=cost_shift, fx_shift=fx_shift, competitor_shift=competitor_shift))
            tiers, risk = analyse(book, model, shocks)
            cache[key] = (book, {"ladder": ladder_figure(book, model, tiers, lang),
                                 "contribution": contribution_figure(book, model, tiers, lang),
                                 "margin": margin_figure(book, risk, tiers, lang),
                                 "tiers": tier_table(book, tiers, risk, lang)})
        return cache[key]

    def render(model, quantity, lead_time_days, bundles, requested_price, cost_shift, fx_shift, competitor_shift):
        book, shown = model_part(model, cost_shift, fx_shift, competitor_shift)
        q = quote(book, model, int(quantity), int(lead_time_days), tuple(bundles),
                  requested_price=float(requested_price) if requested_price else None)
        return {"quote": quote_table(q, lang), "waterfall": waterfall_figure(q, lang), **shown}

    def save(values: dict) -> object:
        return scenario.save_overlay(scn.code, "pricing", {
            "sample_quote": {"product": values["model"], "quantity": int(values["quantity"]),
                             "lead_time_days": int(values["lead_time_days"]), "bundles": list(values["bundles"]),
                             "requested_price": float(values["requested_price"]) or None},
            "stress": {"cost_shift": round(float(values["cost_shift"]), 4), "fx_shift": round(float(values["fx_shift"]), 4),
                       "competitor_shift": round(float(values["competitor_shift"]), 4)},
        })

    return ControlPanel(controls, render, lang=lang, save=save)
