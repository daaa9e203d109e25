"""The ``payments`` scenario section: customer tiers, the deal priced, instrument risk parameters, the
fraud checklist and the receivables settings (pydantic only; values in data/scenarios/defaults.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from crossborder.core.schema import Model, Text

# The fraud checklist's signals, in display order (the validators below and the screening model use them).
SIGNALS = ("large_first_order", "rush_new_address", "bank_account_change", "third_party_payer", "free_mail",
           "lookalike_domain", "registry_mismatch")


class Tier(Model):
    """A customer tier: its credit risk, the insurer's terms for it and how much the exporter will carry."""

    label: Text
    annual_pd: float = Field(ge=0, lt=1)        # probability of default within a year
    lgd: float = Field(ge=0, le=1)              # loss given default, share of the exposure
    premium_pct: float = Field(ge=0, le=0.2)    # credit-insurance premium, share of the insured invoice value
    cover: float = Field(ge=0, le=1)            # insured share of a loss; 0 = the insurer declines the tier
    insurer_limit: float = Field(ge=0)          # buyer limit an insurer typically grants (USD)
    own_limit: float = Field(ge=0)              # uninsured exposure the exporter accepts per customer (USD)


class Deal(Model):
    """The deal the chapter prices: amount (USD), tenor (days of credit), the customer's tier."""

    amount: float = Field(gt=0)
    tenor_days: int = Field(ge=0, le=360)
    tier: str


class LetterOfCredit(Model):
    confirmation_fee_pct: float = Field(ge=0, le=0.1)   # confirming bank's fee, share of the LC amount
    confirming_bank_pd: float = Field(ge=0, lt=1)       # annual PD of the confirming bank
    issuing_bank_pd: float = Field(ge=0, lt=1)          # annual PD of a typical issuing bank in the market
    country_pd: float = Field(ge=0, lt=1)               # annual probability of a transfer / convertibility event
    bank_lgd: float = Field(ge=0, le=1)
    waiver_refusal: float = Field(ge=0, le=1)           # P(applicant refuses to waive discrepancies)


class Collection(Model):
    non_credit_refusal: float = Field(ge=0, le=1)   # P(buyer refuses documents for other reasons: price fell, ...)
    return_cost_pct: float = Field(ge=0, le=1)      # ship back: freight, handling, share of invoice value
    resale_loss_pct: float = Field(ge=0, le=1)      # sell locally at a discount instead
    storage_pct: float = Field(ge=0, le=1)          # demurrage and storage while it is sorted out


class Escrow(Model):
    dispute_rate: float = Field(ge=0, le=1)     # share of escrow deals that end in a dispute
    dispute_loss: float = Field(ge=0, le=1)     # loss in a dispute, share of the deal


class BuyerSide(Model):
    """What a term costs the buyer beyond fees and financing: the risk of paying before seeing the goods."""

    seller_failure: float = Field(ge=0, le=1)       # P(the goods do not arrive as ordered), as the buyer sees a new supplier
    loss_if_failure: float = Field(ge=0, le=1)      # buyer's loss then, share of what it paid
    documents_share: float = Field(ge=0, le=1)      # share of that risk left when paying against shipping documents


class Insurance(Model):
    max_tenor_days: int = Field(ge=0, le=720)   # longest credit period the policy covers


class Fraud(Model):
    """Fraud-signal checklist: points per signal (0-100 scale), thresholds and lists."""

    weights: dict[str, float]
    verify_at: float = Field(gt=0)
    hold_at: float = Field(gt=0)
    always_verify: list[str]
    large_first_order: float = Field(gt=0)          # a first order above this (USD) is a signal
    lookalike_distance: int = Field(ge=1, le=4)     # edit distance at which a domain is a look-alike
    free_mail_domains: list[str]
    local_free_mail_domains: list[str] = []

    @field_validator("weights")
    @classmethod
    def _known_weights(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(SIGNALS))
        if unknown:
            raise ValueError(f"signal names from {', '.join(SIGNALS)} (unknown: {', '.join(unknown)})")
        bad = {k: v for k, v in weights.items() if not 0 <= v <= 100}
        if bad:
            raise ValueError(f"points from 0 to 100 per signal (out of range: {bad})")
        return weights

    @field_validator("always_verify")
    @classmethod
    def _known_always(cls, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - set(SIGNALS))
        if unknown:
            raise ValueError(f"signal names from {', '.join(SIGNALS)} (unknown: {', '.join(unknown)})")
        return names

    @field_validator("hold_at")
    @classmethod
    def _above_verify(cls, hold: float, info: ValidationInfo) -> float:
        verify = info.data.get("verify_at")
        if verify is not None and hold <= verify:
            raise ValueError(f"a hold threshold above verify_at ({verify:g})")
        return hold


class Receivables(Model):
    dso_method: Literal["countback", "standard"]
    standard_days: int = Field(ge=28, le=365)    # period of the standard (average) method
    months: int = Field(ge=3, le=36)             # history shown in trends


class Payments(Model):
    """The ``payments`` section of a market scenario (see data/scenarios/defaults.yaml)."""

    tiers: dict[str, Tier] = Field(min_length=1)
    deal: Deal
    transit_days: int = Field(ge=0, le=90)          # port-to-port sea transit from Taiwan (illustrative)
    cost_of_capital: float = Field(ge=0, le=0.5)     # the exporter's, annual
    buyer_cost_of_capital: float = Field(ge=0, le=1)  # a typical buyer's in this market, annual
    market_norm: str                                 # the term buyers in this market expect (instrument id)
    buyer_tolerance_pct: float = Field(ge=0, le=0.2)  # extra cost over the norm a buyer accepts, share of deal
    lc: LetterOfCredit
    collection: Collection
    escrow: Escrow
    buyer_side: BuyerSide
    insurance: Insurance
    fraud: Fraud
    receivables: Receivables

    @field_validator("deal")
    @classmethod
    def _tier_known(cls, deal: Deal, info: ValidationInfo) -> Deal:
        tiers = info.data.get("tiers")
        if tiers is not None and deal.tier not in tiers:
            raise ValueError(f"deal.tier to name one of the tiers {', '.join(tiers)} (found {deal.tier!r})")
        return deal
