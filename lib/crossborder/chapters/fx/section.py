"""The FX chapter's scenario section ``fx`` (pydantic only: the scenario loader imports it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from crossborder.core.schema import Model, Text, _currency


class Volatility(Model):
    """How the home/invoice volatility is found: the figure stated in ``rates.pairs`` (with its source), or
    calibrated from the pair's own history."""

    from_history: bool                # true: sample std of daily log returns of rates.history(home, invoice)
    window_days: int = Field(ge=20, le=10000)  # returns in the calibration window


class Layer(Model):
    through_month: int = Field(ge=1, le=24)   # flows up to this many months ahead ...
    ratio: float = Field(ge=0, le=1)          # ... are covered to this ratio


class PolicySection(Model):
    """Hedge policy (illustrative defaults: a treasury committee sets its own)."""

    forward_cover: float = Field(ge=0, le=1)
    layers: list[Layer] = Field(min_length=1)
    option_cover: float = Field(ge=0, le=1)
    put_strike: float = Field(ge=0.8, le=1.2)     # bought put strike, fraction of the forward
    collar_floor: float = Field(ge=0.8, le=1.0)   # collar floor, fraction of the forward; the cap is solved
    forward_margin: float = Field(ge=0, le=0.05)  # bank's spread on forwards, fraction of the rate
    option_margin: float = Field(ge=0, le=1)      # bank's margin on option premiums, fraction of premium
    cfar_level: float = Field(gt=0.5, lt=1)       # the second CFaR level reported next to 95 %
    cfar_tolerance: float = Field(gt=0, le=1)     # acceptable 95 % CFaR, fraction of budget receipts

    @field_validator("layers")
    @classmethod
    def _increasing(cls, layers: list[Layer]) -> list[Layer]:
        months = [layer.through_month for layer in layers]
        if months != sorted(set(months)):
            raise ValueError(f"layers with strictly increasing through_month (found {months})")
        return layers


class SimulationSection(Model):
    method: Literal["gbm", "bootstrap"]
    drift: Literal["risk_neutral", "zero", "historical"]
    paths: int = Field(ge=1000, le=1_000_000)
    seed: int = Field(ge=0)
    block_days: int = Field(ge=1, le=63)        # bootstrap block length, business days
    pool_days: int = Field(ge=250, le=20000)  # bootstrap: the last N daily returns
    horizon_months: int = Field(ge=1, le=24)


class FxSection(Model):
    """Scenario section ``fx``: the exposure, market inputs with sources, and the hedge policy."""

    invoice_currency: str
    invoice_note: Text                    # why the market is invoiced in this currency
    terms: Text                           # payment terms and when the exposure is born (LC / OA timing)
    budget_rate: float = Field(gt=0)      # the rate the budget converts at (home per invoice unit)
    # The home and invoice currencies' interest rates are not kept here: they come from the dated fact store
    # (crossborder.core.facts, data/facts/interest_rates.yaml) in force on the report date.
    volatility: Volatility                # stated in rates.pairs unless from_history
    history_proxy: list[str] | None = Field(default=None, min_length=2, max_length=2)  # [domestic, foreign]
    receivables: list[float] = Field(min_length=1, max_length=24)  # invoice currency, per month from next
    payables: list[float]                 # invoice-currency payables, same months (natural hedge)
    exposure_source: str
    simulation: SimulationSection
    policy: PolicySection

    _check_currency = field_validator("invoice_currency")(_currency)

    @field_validator("history_proxy")
    @classmethod
    def _proxy(cls, pair: list[str] | None) -> list[str] | None:
        if pair is not None:
            for code in pair:
                _currency(code)
            if pair[0] == pair[1]:
                raise ValueError("two different currencies [domestic, foreign]")
        return pair

    @field_validator("receivables")
    @classmethod
    def _receivables(cls, values: list[float]) -> list[float]:
        if any(v < 0 for v in values) or not any(v > 0 for v in values):
            raise ValueError("amounts >= 0 with at least one month > 0")
        return values

    @field_validator("payables")
    @classmethod
    def _payables(cls, values: list[float], info) -> list[float]:
        n = len(info.data.get("receivables") or [])
        if n and len(values) != n:
            raise ValueError(f"as many months as fx.receivables ({n})")
        if any(v < 0 for v in values):
            raise ValueError("amounts >= 0")
        return values
