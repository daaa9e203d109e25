"""The ``pricing`` section of a market scenario: price rules, guardrails, win curve, FX and Monte Carlo settings.

Pydantic only (``scenario.load()`` imports every section module). The Incoterm constants live here because the
section's validators and properties use them; the model imports them from here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from crossborder.core.schema import Model, Text, _currency

SELLER_PAYS_CARRIAGE = frozenset({"CPT", "CIP", "CFR", "CIF", "DAP", "DPU"})   # Incoterms 2020, A4
SELLER_INSURES = frozenset({"CIP", "CIF"})                                    # Incoterms 2020, A5
INSURED_SHARE = 1.10                          # minimum cover: the contract price plus 10 %
DAYS_PER_YEAR = 365.0
_ID_RE = r"^[a-z][a-z0-9_]*$"


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
    def _ordered(self) -> Guardrails:
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
    def _triangle(self) -> MonteCarlo:
        if not self.cost_low <= self.cost_mode <= self.cost_high:
            raise ValueError(f"cost_low <= cost_mode <= cost_high (found {self.cost_low}, {self.cost_mode}, {self.cost_high})")
        return self


class Stress(Model):
    """What-if shifts the notebook's sliders set (saved with the scenario; defaults.yaml sets them to 0)."""

    cost_shift: float = Field(ge=-0.5, le=1)          # unit cost change, fraction
    fx_shift: float = Field(ge=-0.5, le=0.5)          # quote currency vs cost currency, + = stronger
    competitor_shift: float = Field(ge=-0.5, le=0.5)  # competitor reference price change


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
    stress: Stress
    source: str

    _check_currency = field_validator("quote_currency")(_currency)

    @model_validator(mode="after")
    def _consistent(self) -> Pricing:
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
