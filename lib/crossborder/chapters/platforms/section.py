"""The platform chapter's scenario section ``platforms`` (pydantic only: the scenario loader imports it)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from crossborder.core import schema

CRITERIA = ("fit", "cost", "quality", "tools")   # the outline's four selection criteria, in weight order


class Weights(schema.Model):
    """Weights of the outline's four selection criteria (any scale; they are normalised to sum to 1)."""

    fit: float = Field(ge=0, le=1)       # customer fit and order size
    cost: float = Field(ge=0, le=1)      # cost per PO
    quality: float = Field(ge=0, le=1)   # traffic quality and fraud protection
    tools: float = Field(ge=0, le=1)     # quote templates, data insight, API/ERP

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if self.fit + self.cost + self.quality + self.tools <= 0:
            raise ValueError("at least one weight above 0")
        return self

    def normalised(self) -> tuple[float, float, float, float]:
        """The weights in CRITERIA order, scaled to sum to 1."""
        w = (self.fit, self.cost, self.quality, self.tools)
        total = sum(w)
        return tuple(x / total for x in w)  # type: ignore[return-value]


class MonteCarlo(schema.Model):
    draws: int = Field(ge=200, le=200_000)
    seed: int = Field(ge=0)


class Platforms(schema.Model):
    """Scenario section ``platforms``: what differs by market in the platform comparison."""

    channels: list[str] = Field(min_length=2)            # ids from data/platforms.csv compared in this market
    baseline: str                                         # the exporter's own channel every other is compared with
    mix_channels: list[str] = Field(min_length=1)        # channels the yearly budget is split across
    reach: dict[str, Annotated[float, Field(ge=0, le=10)]]  # market multiplier on inquiries (default 1)
    conversion_factor: float = Field(gt=0, le=5)         # market multiplier on every inquiry -> PO conversion
    order_value_factor: float = Field(gt=0, le=10)       # market multiplier on every order value
    gross_margin: float = Field(gt=0, lt=1)              # exporter's gross margin on orders in this market
    horizon_months: int = Field(ge=12, le=60)            # cumulative cost vs gross profit chart
    weights: Weights
    budget: float = Field(ge=0)                          # yearly budget for the channel mix, USD
    objective: Literal["leads", "profit"]                # what the mix maximises
    monte_carlo: MonteCarlo
    tornado_swing: float = Field(gt=0, lt=1)             # +/- share for inputs with no range in the data
    shortlist: int = Field(ge=1, le=6)                   # top-scoring mix channels the budget is split over (funded = recommended)

    @model_validator(mode="after")
    def _consistent(self) -> Platforms:
        for name in ("channels", "mix_channels"):
            ids = getattr(self, name)
            dup = sorted({c for c in ids if ids.count(c) > 1})
            if dup:
                raise ValueError(f"{name} without repeats (found {', '.join(dup)} twice)")
        if self.baseline not in self.channels:
            raise ValueError(f"baseline to be one of the compared channels ({', '.join(self.channels)})")
        outside = [c for c in self.mix_channels if c not in self.channels]
        if outside:
            raise ValueError(f"mix_channels among the compared channels; {', '.join(outside)} are not")
        return self
