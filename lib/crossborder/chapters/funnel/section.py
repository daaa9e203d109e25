"""The funnel chapter's scenario section ``funnel``: dashboard period, statistics, tiers, lead scoring, LTV and
KPI targets (pydantic only; the scenario loader imports this module for every scenario, so it stays light)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from crossborder.core import schema

TIERS: tuple[str, ...] = ("strategic", "key", "standard")
INDUSTRIES: tuple[str, ...] = ("machine_tools", "semiconductor", "automation_robotics", "medical", "packaging", "other")
ROLES: tuple[str, ...] = ("engineer", "purchasing", "management", "maintenance", "other")
SIZES: tuple[str, ...] = ("small", "medium", "large", "enterprise")
REGIONS: tuple[str, ...] = ("core", "other")
DECISION_STAGES: tuple[str, ...] = ("research", "evaluation", "purchase")

# The KPIs the workbook computes (``model_kpis.KPI_FUNCTIONS`` has one computation per name, in this order);
# ``data/kpis.csv`` and the scenario's ``funnel.targets`` may name only these.
KPI_NAMES: tuple[str, ...] = (
    "impressions", "visitors", "form_conversion", "mqls", "cac", "payback_months", "inquiry_response_hours",
    "mql_to_sql", "quote_turnaround_days", "quote_hit_rate", "sample_pass_rate", "inquiry_to_po_days",
    "on_time_delivery", "new_customer_share", "repeat_rate", "cross_sell", "churn_rate", "sla_attainment",
    "ltv_to_cac", "market_share_of_sales", "gross_margin_rate",
)


class TierPolicy(schema.Model):
    """What a customer tier is promised: first reply to a service request within ``sla_hours`` for at least
    ``sla_target`` of requests, and a business review every ``qbr_every_months`` (0: none)."""

    sla_hours: float = Field(gt=0, le=24 * 14)
    sla_target: float = Field(gt=0, le=1)
    qbr_every_months: int = Field(ge=0, le=24)


def _complete(points: dict[str, float], allowed: tuple[str, ...], name: str) -> dict[str, float]:
    """Check that a points table scores exactly the allowed values of a lead feature."""
    unknown = sorted(set(points) - set(allowed))
    if unknown:
        raise ValueError(f"points for {name} values {', '.join(allowed)}; unknown: {', '.join(unknown)}")
    missing = [a for a in allowed if a not in points]
    if missing:
        raise ValueError(f"points for every {name} value; missing: {', '.join(missing)}")
    return points


# The values each scored lead feature can take (the points table must score every one of them).
_SCORED_FEATURES: dict[str, tuple[str, ...]] = {
    "industry": INDUSTRIES, "role": ROLES, "company_size": SIZES, "region": REGIONS, "decision_stage": DECISION_STAGES,
}


class Scoring(schema.Model):
    """Rule-based lead score: points per feature value, per page viewed and per download (each capped), for an
    inquiry and for a stated budget; a lead at or above ``mql_threshold`` is an MQL, at or above
    ``sql_threshold`` an SQL candidate."""

    industry: dict[str, float]
    role: dict[str, float]
    company_size: dict[str, float]
    region: dict[str, float]
    decision_stage: dict[str, float]
    per_page: float = Field(ge=0)
    page_cap: float = Field(ge=0)
    per_download: float = Field(ge=0)
    download_cap: float = Field(ge=0)
    inquiry: float = Field(ge=0)
    budget_stated: float = Field(ge=0)
    mql_threshold: float = Field(ge=0)
    sql_threshold: float = Field(ge=0)

    @field_validator("industry", "role", "company_size", "region", "decision_stage")
    @classmethod
    def _every_value_scored(cls, v: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        return _complete(v, _SCORED_FEATURES[info.field_name], info.field_name)

    @model_validator(mode="after")
    def _thresholds(self) -> Scoring:
        if self.sql_threshold < self.mql_threshold:
            raise ValueError(f"sql_threshold at least mql_threshold ({self.mql_threshold:g}), found {self.sql_threshold:g}")
        return self

    def max_score(self) -> float:
        return (max(self.industry.values()) + max(self.role.values()) + max(self.company_size.values())
                + max(self.region.values()) + max(self.decision_stage.values()) + self.page_cap
                + self.download_cap + self.inquiry + self.budget_stated)


class ModelSettings(schema.Model):
    """Settings of the logistic lead model: k-fold cross-validation, its seed, the ridge penalty, bins."""

    folds: int = Field(ge=2, le=20)
    seed: int = Field(ge=0)
    l2: float = Field(ge=0)             # ridge penalty on the slopes (0: plain maximum likelihood)
    bins: int = Field(ge=2, le=20)      # calibration bins (equal counts)


class Lifetime(schema.Model):
    """LTV assumptions: yearly retention and discount rate, horizon in years (null: forever)."""

    retention: float = Field(ge=0, le=1)
    discount_rate: float = Field(gt=-1, le=1)
    horizon_years: int | None = Field(ge=1, le=50)
    min_accounts: int = Field(ge=1)     # fewer retained accounts of a channel than this: use the market's average


class FunnelSection(schema.Model):
    """Scenario section ``funnel``: dashboard period, statistics, tiers, lead scoring, LTV and KPI targets."""

    period_months: Literal[3, 6, 12]
    confidence: float = Field(gt=0.5, lt=1)
    amber_band: float = Field(gt=0, lt=1)        # attainment from 1 - amber_band up to 1 is amber
    trend_flat: float = Field(ge=0, lt=1)        # a relative change smaller than this is "flat"
    reactivation_days: int = Field(ge=1, le=730)
    qbr_lookahead_days: int = Field(ge=0, le=180)
    core_region: schema.Text                   # what "core" means for the lead's region in this market
    tiers: dict[str, TierPolicy]
    scoring: Scoring
    model: ModelSettings
    ltv: Lifetime
    targets: dict[str, float]

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, TierPolicy]) -> dict[str, TierPolicy]:
        missing = [k for k in TIERS if k not in v]
        unknown = sorted(set(v) - set(TIERS))
        if missing or unknown:
            raise ValueError(f"exactly the tiers {', '.join(TIERS)} (missing: {', '.join(missing) or '-'}; "
                             f"unknown: {', '.join(unknown) or '-'})")
        return v

    @field_validator("targets")
    @classmethod
    def _targets(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(KPI_NAMES))
        if unknown:
            raise ValueError(f"KPI names ({', '.join(KPI_NAMES)}); unknown: {', '.join(unknown)}")
        bad = [k for k, x in v.items() if not (math.isfinite(x) and x >= 0)]
        if bad:
            raise ValueError(f"targets >= 0; found {', '.join(f'{k}={v[k]}' for k in bad)}")
        return v
