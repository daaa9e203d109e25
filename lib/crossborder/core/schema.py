"""The building blocks of every scenario section: a strict, frozen pydantic model, bilingual text, ISO checks.

Core: chapters and the scenario layer both build their sections from these; nothing here knows a chapter.
"""

from __future__ import annotations

import pycountry
from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Base for every scenario section: unknown keys are errors, values are immutable once loaded."""

    # allow_inf_nan=False: "inf", ".inf" and "nan" are refused at load, naming the key, not met inside a chapter
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _currency(code: str) -> str:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("an ISO 4217 currency code such as EUR, USD, TWD")
    return code


def _country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError("an ISO 3166-1 alpha-2 country code such as DE")
    return code


class Text(Model):
    """A user-facing text in both languages."""

    en: str
    zh_TW: str = Field(alias="zh-TW")

    def __call__(self, lang: str) -> str:
        return self.zh_TW if lang == "zh-TW" else self.en
