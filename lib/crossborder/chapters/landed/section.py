"""The landed-cost chapter's scenario section ``landed`` (pydantic models only; imported by ``scenario.load``).

Legal facts (tariff, additional measures, preferences, fees, de minimis) carry ``source``, ``as_of`` and
``verified``; commercial figures (shipment, costs) are illustrative. Values every market shares are set in
``data/scenarios/defaults.yaml``, not here.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from crossborder.core.schema import Model, Text

# Vocabularies the section validates against (the other modules import them from here).
RULES: tuple[str, ...] = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")
MODES: tuple[str, ...] = ("sea", "air")
STATUSES: tuple[str, ...] = ("done", "in_progress", "not_started", "blocked", "not_applicable")


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
    insured_share: float = Field(ge=1.10, le=2.0)  # ICC minimum: 110 % of the contract price
    source: str
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
    def _bounds(self) -> Fee:
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
    mode: Literal["sea", "air"]
    quantity: int = Field(ge=1, le=1_000_000)
    unit_price: float = Field(gt=0)          # ex-works price per unit, market currency
    fta_origin_met: bool                     # the agreement's rule of origin is marked as met (and documented)
    shipments_per_year: int = Field(ge=0, le=1000)
    stress_extra_duty: float = Field(ge=0, le=2)  # what-if: extra ad valorem duty



class Landed(Model):
    """Scenario section ``landed``: fees, de minimis, default shipment and costs.

    Duties by origin (MFN, preferences, additional measures) and import VAT are dated facts in the fact store
    (``crossborder.core.facts``); the customs-value basis lives in the ``market`` section.
    """

    fees: list[Fee] = []
    de_minimis: DeMinimis
    vat_base_includes_post_border_costs: bool = False
    seller_registered_for_vat: bool          # matters under DDP only
    insure_when_not_obliged: bool            # the party at risk insures even where no rule obliges it
    shipment: Shipment
    costs: Costs
    compliance_status: dict[str, Literal["done", "in_progress", "not_started", "blocked", "not_applicable"]] = {}


