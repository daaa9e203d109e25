"""The risk chapter's scenario section ``risk`` (pydantic models only; imported by ``scenario.load``).

Every value is set in ``data/scenarios/defaults.yaml`` and overridden per market; none is defaulted here.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from crossborder.core import schema


class Tolerance(schema.Model):
    """The risk appetite as one point: at most ``probability`` chance of losing more than ``loss`` a year."""

    loss: float = Field(gt=0)                     # home currency per year
    probability: float = Field(gt=0, lt=1)


class Adjustment(schema.Model):
    """A market's (or a user's) re-rating of one risk; unset ratings keep the register's value."""

    likelihood: int | None = Field(default=None, ge=1, le=5)
    impact: int | None = Field(default=None, ge=1, le=5)
    residual_likelihood: int | None = Field(default=None, ge=1, le=5)
    residual_impact: int | None = Field(default=None, ge=1, le=5)


class RiskSection(schema.Model):
    """Scenario section ``risk``: Monte Carlo settings, the market's size and risk tolerance, re-ratings."""

    seed: int = Field(ge=0)                       # seeds every draw: same seed, same losses
    trials: int = Field(ge=1000, le=1_000_000)    # simulated years
    pert_shape: float = Field(gt=0, le=20)        # PERT lambda; 4 is the classic PERT
    tail_quantile: float = Field(gt=0.5, lt=1)    # the "1-in-N-year" loss shown (0.95: 1 in 20)
    top_n: int = Field(ge=1, le=50)               # rows in the top-risks table
    reference_revenue: float = Field(gt=0)        # yearly sales the shared rows' losses are written for
    revenue: float = Field(gt=0)                  # planned yearly sales in this market (illustrative)
    tolerance: Tolerance
    adjust: dict[str, Adjustment]                 # risk id -> re-rating

    @model_validator(mode="after")
    def _tolerance_in_reach(self) -> RiskSection:
        if self.tolerance.loss > 100 * self.revenue:
            raise ValueError(f"a tolerance loss at most 100 x revenue ({self.revenue:g}), found {self.tolerance.loss:g}")
        return self
