"""The business case's scenario section ``business_case`` (pydantic models only; imported by ``scenario.load``).

Every value is set in ``data/scenarios/defaults.yaml`` and may be overridden per market; none is defaulted here.
All money is in the exporter's home currency. Every figure shipped with the workbook is ILLUSTRATIVE.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from crossborder.core import schema

HEDGES = ("recommended", "none", "forward_50", "forward_100")
SEGMENTS = ("strategic", "key", "standard")
CREDIT_TIERS = ("A", "B", "C", "D")


class Rule(schema.Model):
    """Go / iterate / stop: go if the PMF verdict is go, P(NPV > 0) >= ``go_p_npv`` and the peak cash need fits
    the launch budget; stop if P(NPV > 0) < ``stop_p_npv`` or the PMF verdict is stop; iterate otherwise."""

    go_p_npv: float = Field(gt=0, lt=1)
    stop_p_npv: float = Field(ge=0, lt=1)
    peak_within_budget: bool

    @model_validator(mode="after")
    def _ordered(self) -> Rule:
        if self.stop_p_npv > self.go_p_npv:
            raise ValueError(f"stop_p_npv ({self.stop_p_npv}) at most go_p_npv ({self.go_p_npv})")
        return self


class BusinessCase(schema.Model):
    """Scenario section ``business_case``: the simulation, the money the launch may use and the decision rule."""

    horizon_months: int = Field(ge=12, le=60)          # months from launch (plan day 1)
    draws: int = Field(ge=200, le=20000)               # Monte Carlo draws, shared by every driver
    seed: int = Field(ge=0)                            # one seed: common random numbers for every driver
    hurdle_rate: float = Field(ge=0, lt=1)             # yearly, the NPV's discount rate
    cost_of_funds: float = Field(ge=0, lt=1)           # yearly, finances the receivables
    launch_budget: float = Field(gt=0)                 # home currency: the deepest cumulative cash the launch may need
    channel_budget: float | None = Field(default=None, ge=0)  # home currency a month; None: the platform chapter's yearly budget / 12
    ramp_months: int = Field(ge=0, le=24)              # months from the first orders to the full lead flow
    marketing_start_day: int = Field(ge=1, le=90)      # plan day the paid channels start (the plan's phase 2)
    fixed_monthly: float = Field(ge=0)                 # home currency a month: the market team, travel, tools
    hedge: Literal["recommended", "none", "forward_50", "forward_100"]
    segment_credit_tier: dict[str, str]                # funnel account tier -> payment credit tier (chapter 04)
    vat_refund_months: int = Field(ge=0, le=12)        # months until import VAT paid by the seller is recovered
    rule: Rule
    source: str

    @model_validator(mode="after")
    def _tiers(self) -> BusinessCase:
        for seg, tier in self.segment_credit_tier.items():
            if seg not in SEGMENTS:
                raise ValueError(f"segment_credit_tier: unknown segment {seg!r}; expected {', '.join(SEGMENTS)}")
            if tier not in CREDIT_TIERS:
                raise ValueError(f"segment_credit_tier.{seg}: expected one of {', '.join(CREDIT_TIERS)}, found {tier!r}")
        missing = [s for s in SEGMENTS if s not in self.segment_credit_tier]
        if missing:
            raise ValueError(f"segment_credit_tier: missing {', '.join(missing)}")
        return self
