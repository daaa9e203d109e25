"""Scenario section ``rates``: the exchange rates and volatilities the scenario states (pydantic only).

The one home of stated rates and volatilities; ``crossborder.core.rates`` reads history and re-exports these.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from crossborder.core.schema import Model, _currency

_PAIR_RE = re.compile(r"^([A-Z]{3})/([A-Z]{3})$")


class StatedPair(Model):
    """A rate and annual volatility the scenario states for one pair, with where they come from.

    Needed for pairs without dated history (the ECB publishes no TWD or VND); for a pair with history the
    stated ``rate`` is a planning (budget) rate and the volatility may still be estimated from history.
    """

    rate: float = Field(gt=0)                              # domestic units per 1 foreign unit
    volatility_annual: float = Field(ge=0, le=2)           # annualized std of log changes of the rate
    basis: Literal["source", "assumption"]                 # sourced figures, or an assumption (say so)
    source: str = Field(min_length=3)                      # where the rate (and, unless below, the volatility) comes from
    as_of: date
    volatility_source: str | None = Field(default=None, min_length=3)  # the volatility's own source, if different

    @property
    def volatility_note(self) -> str:
        """Where the volatility comes from: its own source if stated, else the pair's source."""
        return self.volatility_source or self.source

    def inverse(self) -> StatedPair:
        """The same figures for the inverse pair: rate 1 / rate; volatility of a log rate is unchanged."""
        return self.model_copy(update={"rate": 1.0 / self.rate})


class RatesSection(Model):
    """Scenario section ``rates``: the exchange rates and volatilities the scenario states, one entry per pair.

    Keys are ``DOM/FOR`` (ISO 4217 codes), the :func:`history` convention: ``TWD/USD`` is TWD per 1 USD.
    Shared defaults in ``defaults.yaml``; a market overrides a pair (or one field of it) in its own file.
    """

    pairs: dict[str, StatedPair] = {}

    @field_validator("pairs")
    @classmethod
    def _pair_keys(cls, pairs: dict[str, StatedPair]) -> dict[str, StatedPair]:
        for key in pairs:
            m = _PAIR_RE.match(key)
            if not m:
                raise ValueError(f"pair keys like TWD/USD (domestic/foreign ISO 4217 codes), found {key!r}")
            for code in m.groups():
                try:
                    _currency(code)
                except ValueError:
                    raise ValueError(f"pair keys of two ISO 4217 codes, found {key!r} ({code} is not one)") from None
            if m.group(1) == m.group(2):
                raise ValueError(f"pair keys of two different currencies, found {key!r}")
        return pairs

    def cross_check(self, sections: dict) -> list[tuple[str, str, object]]:
        """Checked when a scenario is loaded: a stated volatility of 0 makes the FX chapter's option prices and
        ranges meaningless (a model may still be run without uncertainty on purpose, in code)."""
        return [(f"pairs.{key}.volatility_annual", "a volatility above 0 (annualized, e.g. 0.06)", p.volatility_annual)
                for key, p in self.pairs.items() if not p.volatility_annual > 0]

    def stated(self, domestic: str, foreign: str) -> StatedPair | None:
        """The entry for ``domestic/foreign``, else the inverse pair's inverted (same volatility), else None."""
        own = self.pairs.get(f"{domestic}/{foreign}")
        if own is not None:
            return own
        inverse = self.pairs.get(f"{foreign}/{domestic}")
        return None if inverse is None else inverse.inverse()
