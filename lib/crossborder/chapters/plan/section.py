"""The plan chapter's scenario section ``plan`` (pydantic only)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from crossborder.core.schema import Model, Text, _country

__all__ = ["PlanSettings"]


class PlanSettings(Model):
    """Scenario section ``plan``: whose calendar the plan runs on, the pilots and PoC regions, RAG thresholds.

    ``team_country`` decides the working days. Empty means the exporter's ``holiday_country`` (one setting for
    the whole workbook, TW by default); set it where another team runs the launch (e.g. the Vietnam plant's
    sales team for the VN market). A plan in the database keeps the country it was started with.
    """

    team_country: str | None                 # ISO 3166-1 alpha-2; empty: exporter.holiday_country
    pilot_countries: list[str]               # the outline's "three-country pilot"
    poc_regions: list[Text]                  # the three regional distributor PoCs
    amber_days: float = Field(ge=0)          # amber when more than this many working days behind
    red_days: float = Field(ge=0)            # red when more than this many working days behind
    due_soon_days: int = Field(ge=1)         # a KPI checkpoint within this many working days is "due soon"

    @field_validator("team_country")
    @classmethod
    def _team(cls, code: str | None) -> str | None:
        if code is None:
            return None
        _country(code)
        import holidays  # only when a team country is set: scenario loading stays quick

        if code not in holidays.list_supported_countries():
            raise ValueError("a country the holidays package has a calendar for")
        return code

    @field_validator("pilot_countries")
    @classmethod
    def _pilots(cls, codes: list[str]) -> list[str]:
        if len(codes) not in (0, 3):
            raise ValueError("none (to be chosen) or exactly three ISO 3166-1 alpha-2 country codes")
        return [_country(c) for c in codes]

    @field_validator("poc_regions")
    @classmethod
    def _regions(cls, regions: list[Text]) -> list[Text]:
        if len(regions) not in (0, 3):
            raise ValueError("none (to be chosen) or exactly three regions, each with en and zh-TW names")
        return regions

    @model_validator(mode="after")
    def _thresholds(self) -> PlanSettings:
        if self.red_days <= self.amber_days:
            raise ValueError(f"red_days greater than amber_days ({self.amber_days:g})")
        return self
