"""The scenario's own sections: what the scenario is, the market's shared facts, the exporting company."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from crossborder.core.schema import Model, Text, _country, _currency


class MarketInfo(Model):
    """Facts about the market that several chapters use. Legal facts carry a source and an as-of date."""

    code: str
    region: Text
    currency: str
    languages: list[str] = Field(min_length=1)  # ISO 639-1 business languages, most important first
    customs_value_basis: Literal["CIF", "FOB"]  # CIF: freight and insurance to the border are dutiable
    customs_value_source: str
    trade_agreements: list[str]                 # agreements in force for the market that matter here
    fta_with_taiwan: bool                       # does any agreement give Taiwan-made goods a preference?
    agreements_source: str
    agreements_as_of: date

    _check_code = field_validator("code")(_country)
    _check_currency = field_validator("currency")(_currency)


class Exporter(Model):
    """The exporting company the workbook plans for (shared defaults; a market may override)."""

    name: Text
    country: str
    home_currency: str
    product: Text                               # the product family being exported
    hs_code: str = Field(pattern=r"^\d{4}\.\d{2}(\.\d{2,4})?$")  # HS 6-digit (national digits optional)
    origin_plants: list[str] = Field(min_length=1)  # where the goods can be made (origin follows the plant)
    origin: str                                 # the plant this market is supplied from: the one origin of its goods
    holiday_country: str                        # whose public holidays count for working days

    _check_country = field_validator("country", "holiday_country")(_country)
    _check_currency = field_validator("home_currency")(_currency)

    @model_validator(mode="after")
    def _origin_is_a_plant(self) -> Exporter:
        if self.origin not in self.origin_plants:
            raise ValueError(f"origin: expected one of the origin plants ({', '.join(self.origin_plants)}), found {self.origin!r}")
        return self

    @field_validator("origin_plants")
    @classmethod
    def _plants(cls, plants: list[str]) -> list[str]:
        return [_country(p) for p in plants]


class Meta(Model):
    """What the scenario is: an example shipped with the workbook, or the user's own."""

    example: bool
    note: Text | None = None
