"""The funnel, retention, unit economics and KPI dashboard chapter.

Data (``data/``; a team's own files in ``<user folder>/funnel/<name>.csv`` take precedence). All shipped
figures are ILLUSTRATIVE example data for a maker of precision ball screws, not anyone's history.

``funnel.csv``
    One row per month, market and channel: impressions and the counts of a *stage-reached* funnel. Each count
    is the number who reached *at least* that stage in the month, so each stage is a subset of the one before
    (a buyer who sends an inquiry without downloading anything is counted at the download step too). Two
    chains are checked: the website funnel of the outline (section 8) ``visitors >= spec_views >= downloads >=
    inquiries >= samples >= new_customers`` (``downloads``: visitors who left their contact through a gated
    download or a form, i.e. leads) and the sales stages ``mqls >= sqls >= quotes >= samples >=
    samples_passed >= new_customers`` (``mqls <= downloads``). Beside them: acquisition spend, the revenue and
    gross margin of the new customers' first orders, and speed: mean hours to the first reply to an inquiry,
    mean days to send a quote, mean days in each sales stage and from inquiry to purchase order (PO). Money is
    in the exporter's home currency.
``leads.csv``
    A sample of leads with firmographic and behaviour features and their outcome (``open``, ``disqualified``,
    ``quoted``, ``won``). It feeds lead scoring and the re-activation list.
``customers.csv`` and ``orders.csv``
    Accounts (market, acquisition channel, tier, the date they were won, service requests and how many were
    answered within the tier's SLA over the 12 months to the extract, last quarterly business review, joint
    development) and their orders (date, product line, revenue, gross margin, promised and delivered dates).
``kpis.csv``
    The KPI definitions in one place: layer, name and formula in words (both languages), unit and the
    direction that is good. Targets per market come from the scenario section ``funnel.targets``; every KPI
    listed is computed by the function of the same name in ``KPI_FUNCTIONS``.

Models
    *Conversions* use ``stats.stage_conversions`` (the PMF scorecard uses the same) with Wilson score intervals
    (Wilson 1927; Brown, Cai & DasGupta, Statistical Science 16(2), 2001) so a pilot of 12 leads is not read
    like one of 1,200. *Velocity* is the count-weighted mean of the monthly mean days in each stage.
    *Lead scoring*: an explainable rule-based score (points per feature, MQL and SQL thresholds in the
    scenario) and a logistic regression P(lead reaches a quote) = 1 / (1 + exp(-x'b)) fitted by iteratively
    reweighted least squares, i.e. Newton-Raphson on the log-likelihood (McCullagh & Nelder, Generalized
    Linear Models, 2nd ed., 1989, §2.5; binary data in ch. 4), with an optional ridge penalty on the slopes
    (le Cessie & van Houwelingen, Applied Statistics 41(1), 1992). It is judged out of sample (k-fold
    cross-validation) by its
    calibration (observed rate per bin of predicted probability, with Wilson intervals), the Brier score
    (Brier 1950) and the area under the ROC curve (AUC = P(score of a random positive > score of a random
    negative), the Mann-Whitney statistic; Hanley & McNeil, Radiology 143, 1982), the same AUC as the rules.
    *Unit economics* calls ``unit_economics.unit_economics`` (CAC, payback; the platform chapter uses the same)
    and ``unit_economics.ltv`` / ``ltv_to_cac``: LTV = sum over t = 0..T-1 of m r^t / (1 + d)^t with m the
    yearly gross margin of a retained customer, r the yearly retention and d the yearly discount rate; t = 0 is
    the first year's margin, first order included, counted in full and undiscounted.
    *KPI status* (RAG): attainment a = value / target when higher is better, target / value when lower is
    better; green when a >= 1, amber when a >= 1 - ``amber_band``, red otherwise, grey when there is no data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pycountry
from pydantic import Field, ValidationInfo, field_validator, model_validator
from scipy.special import expit
from scipy.stats import rankdata

from crossborder import scenario
from crossborder.chapters import platforms
from crossborder.core import schema, stats, theme
from crossborder.core import unit_economics as ue
from crossborder.core.errors import InputError
from crossborder.core.i18n import country_name, t
from crossborder.core.paths import DATA_DIR, relative, user_home
from crossborder.core.tables import Column, read_table
from crossborder.notebook.panel import ControlPanel

# --------------------------------------------------------------------------------------------- constants

# Where accounts won before the digital channels came from (outline section 2: trade shows and networks).
OFFLINE_SOURCES: tuple[str, ...] = ("trade_show", "referral")

WEB_STAGES: tuple[str, ...] = ("visitors", "spec_views", "downloads", "inquiries", "samples", "new_customers")
SALES_STAGES: tuple[str, ...] = ("mqls", "sqls", "quotes", "samples", "new_customers", "repeat")
COUNT_COLUMNS: tuple[str, ...] = ("impressions", "visitors", "spec_views", "downloads", "inquiries", "mqls",
                                  "sqls", "quotes", "samples", "samples_passed", "new_customers")
# (stage a customer leaves, stage it enters, the column of mean days spent in between)
VELOCITY: tuple[tuple[str, str, str], ...] = (
    ("mqls", "sqls", "days_mql_sql"), ("sqls", "quotes", "days_sql_quote"),
    ("quotes", "samples", "days_quote_sample"), ("samples", "new_customers", "days_sample_po"),
)
# mean-time columns and the count they are a mean over (required when that count is above zero)
TIME_COLUMNS: dict[str, str] = {
    "hours_first_response": "inquiries", "days_quote_turnaround": "quotes", "days_mql_sql": "sqls",
    "days_sql_quote": "quotes", "days_quote_sample": "samples", "days_sample_po": "new_customers",
    "days_inquiry_to_po": "new_customers",
}
# every stage is at most the one it is listed after
_CHAINS: tuple[tuple[str, str], ...] = (
    ("visitors", "impressions"), ("spec_views", "visitors"), ("downloads", "spec_views"),
    ("inquiries", "downloads"), ("mqls", "downloads"), ("sqls", "mqls"), ("quotes", "sqls"),
    ("samples", "quotes"), ("samples", "inquiries"), ("samples_passed", "samples"),
    ("new_customers", "samples_passed"),
)

TIERS: tuple[str, ...] = ("strategic", "key", "standard")
PRODUCT_LINES: tuple[str, ...] = ("ball_screws", "support_units", "linear_guides", "lubrication", "maintenance")
JOINT_DEVELOPMENT: tuple[str, ...] = ("none", "jdm", "odm")
INDUSTRIES: tuple[str, ...] = ("machine_tools", "semiconductor", "automation_robotics", "medical", "packaging", "other")
ROLES: tuple[str, ...] = ("engineer", "purchasing", "management", "maintenance", "other")
SIZES: tuple[str, ...] = ("small", "medium", "large", "enterprise")
REGIONS: tuple[str, ...] = ("core", "other")
DECISION_STAGES: tuple[str, ...] = ("research", "evaluation", "purchase")
OUTCOMES: tuple[str, ...] = ("open", "disqualified", "quoted", "won")
POSITIVE: tuple[str, ...] = ("quoted", "won")          # the lead reached a quote: what the scores predict
BANDS: tuple[str, ...] = ("below", "mql", "sql")

LAYERS: tuple[str, ...] = ("acquisition", "conversion", "growth")
UNITS: tuple[str, ...] = ("per_month", "share", "money", "months", "hours", "days", "lines", "ratio")
BETTER: tuple[str, ...] = ("higher", "lower")
STATUSES: tuple[str, ...] = ("green", "amber", "red", "grey")
PERIODS: tuple[int, ...] = (3, 6, 12)
TTM = 12                                               # trailing months of the customer KPIs

_FILES = ("funnel", "leads", "customers", "orders", "kpis")


@lru_cache(maxsize=1)
def known_channels() -> tuple[str, ...]:
    """The channel ids the data may use: the platform chapter's, from ``data/platforms.csv`` (their one home).
    Every channel in funnel.csv, leads.csv and customers.csv is checked against them."""
    return tuple(platforms.load_channels().index)


# ------------------------------------------------------------------------------------------- scenario

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
    horizon_years: int | None = Field(default=None, ge=1, le=50)
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
        unknown = sorted(set(v) - set(KPI_FUNCTIONS))
        if unknown:
            raise ValueError(f"KPI names ({', '.join(KPI_FUNCTIONS)}); unknown: {', '.join(unknown)}")
        bad = [k for k, x in v.items() if not (math.isfinite(x) and x >= 0)]
        if bad:
            raise ValueError(f"targets >= 0; found {', '.join(f'{k}={v[k]}' for k in bad)}")
        return v


# ----------------------------------------------------------------------------------------------- data

def data_path(name: str) -> Path:
    """``<user folder>/funnel/<name>.csv`` when a team keeps its own, else the shipped ``data/<name>.csv``."""
    if name not in _FILES:
        raise InputError(f"name: expected one of {', '.join(_FILES)}, found {name!r}")
    own = user_home() / "funnel" / f"{name}.csv"
    return own if own.is_file() else DATA_DIR / f"{name}.csv"


def _fail(where: str, df: pd.DataFrame, mask, column: str, expected: str, label: Callable[[int], str]) -> InputError:
    i = int(np.flatnonzero(np.asarray(mask))[0])
    value = df[column].iloc[i]
    if isinstance(value, pd.Timestamp):
        found = value.date().isoformat()
    elif isinstance(value, (float, np.floating)):
        found = "an empty cell" if np.isnan(value) else f"{value:g}"
    elif isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        found = str(int(value))
    elif value is None:
        found = "an empty cell"
    else:
        found = repr(value)
    return InputError(f"{where}: line {i + 2} ({label(i)}), column '{column}': expected {expected}, found {found}")


def _check_market_codes(where: str, df: pd.DataFrame, label) -> None:
    ok = df["market"].map(lambda m: isinstance(m, str) and len(m) == 2 and m.isupper()
                          and pycountry.countries.get(alpha_2=m) is not None)
    if not ok.all():
        raise _fail(where, df, ~ok, "market", "an upper-case ISO 3166-1 alpha-2 code such as DE", label)


def _check_choice(where: str, df: pd.DataFrame, column: str, allowed: tuple[str, ...], label) -> None:
    bad = ~df[column].isin(allowed)
    if bad.any():
        raise _fail(where, df, bad, column, "one of " + ", ".join(allowed), label)


def load_funnel(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the monthly funnel; errors name the file, line, row and column."""
    path = Path(path) if path is not None else data_path("funnel")
    where = relative(path)
    count = Column("int", min=0)
    cols: dict[str, Column] = {"month": Column("date"), "market": Column(), "channel": Column()}
    cols.update({c: count for c in COUNT_COLUMNS})
    money = Column("float", min=0)
    cols.update(spend=money, revenue=money, gross_margin=Column("float"))
    cols.update({c: Column("float", required=False, min=0) for c in TIME_COLUMNS})
    cols["source"] = Column()
    df = read_table(path, cols, key="month")
    if df.empty:
        raise InputError(f"{where}: expected monthly rows, found an empty table")

    def label(i: int) -> str:
        return f"{df['month'].iloc[i].date().isoformat()} {df['market'].iloc[i]} {df['channel'].iloc[i]}"

    _check_market_codes(where, df, label)
    _check_choice(where, df, "channel", known_channels(), label)
    first = df["month"].dt.day == 1
    if not first.all():
        raise _fail(where, df, ~first, "month", "the first day of a month (YYYY-MM-01)", label)
    dup = df.duplicated(["month", "market", "channel"])
    if dup.any():
        raise _fail(where, df, dup, "channel", "one row per month, market and channel (this one repeats)", label)
    for col, upper in _CHAINS:
        more = df[col] > df[upper]
        if more.any():
            i = int(np.flatnonzero(more)[0])
            raise _fail(where, df, more, col, f"at most {upper} ({df[upper].iloc[i]}): each stage counts those "
                        "who reached at least that stage, a subset of the stage before", label)
    for col, base in TIME_COLUMNS.items():
        missing = df[col].isna() & (df[base] > 0)
        if missing.any():
            raise _fail(where, df, missing, col, f"a mean time when {base} is above zero", label)
    stray = (df["new_customers"] == 0) & ((df["revenue"] != 0) | (df["gross_margin"] != 0))
    if stray.any():
        raise _fail(where, df, stray, "revenue", "0 when no new customer was won (first-order revenue)", label)
    over = df["gross_margin"] > df["revenue"]
    if over.any():
        raise _fail(where, df, over, "gross_margin", "at most the revenue", label)
    return df.sort_values(["market", "channel", "month"], kind="stable").reset_index(drop=True)


def load_leads(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the lead sample (features and outcome)."""
    path = Path(path) if path is not None else data_path("leads")
    where = relative(path)
    cols = {
        "lead_id": Column(unique=True), "market": Column(), "channel": Column(), "created": Column("date"),
        "industry": Column("choice", choices=INDUSTRIES), "region": Column("choice", choices=REGIONS),
        "role": Column("choice", choices=ROLES), "company_size": Column("choice", choices=SIZES),
        "pages_viewed": Column("int", min=0), "downloads": Column("int", min=0), "inquiry": Column("bool"),
        "budget_stated": Column("bool"), "decision_stage": Column("choice", choices=DECISION_STAGES),
        "last_interaction": Column("date"), "outcome": Column("choice", choices=OUTCOMES), "source": Column(),
    }
    df = read_table(path, cols, key="lead_id")
    if df.empty:
        raise InputError(f"{where}: expected leads, found an empty table")

    def label(i: int) -> str:
        return f"lead_id {df['lead_id'].iloc[i]!r}"

    _check_market_codes(where, df, label)
    _check_choice(where, df, "channel", known_channels(), label)
    early = df["last_interaction"] < df["created"]
    if early.any():
        i = int(np.flatnonzero(early)[0])
        raise _fail(where, df, early, "last_interaction",
                    f"a date on or after the lead was created ({df['created'].iloc[i].date().isoformat()})", label)
    df["inquiry"] = df["inquiry"].astype(bool)
    df["budget_stated"] = df["budget_stated"].astype(bool)
    return df.reset_index(drop=True)


def load_customers(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the accounts."""
    path = Path(path) if path is not None else data_path("customers")
    where = relative(path)
    cols = {
        "account_id": Column(unique=True), "market": Column(), "channel": Column(),
        "tier": Column("choice", choices=TIERS), "industry": Column("choice", choices=INDUSTRIES),
        "since": Column("date"), "requests_12m": Column("int", min=0), "within_sla_12m": Column("int", min=0),
        "median_response_hours": Column("float", required=False, min=0), "last_qbr": Column("date", required=False),
        "joint_development": Column("choice", choices=JOINT_DEVELOPMENT), "source": Column(),
    }
    df = read_table(path, cols, key="account_id")
    if df.empty:
        raise InputError(f"{where}: expected accounts, found an empty table")

    def label(i: int) -> str:
        return f"account_id {df['account_id'].iloc[i]!r}"

    _check_market_codes(where, df, label)
    _check_choice(where, df, "channel", known_channels() + OFFLINE_SOURCES, label)
    over = df["within_sla_12m"] > df["requests_12m"]
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise _fail(where, df, over, "within_sla_12m", f"at most requests_12m ({df['requests_12m'].iloc[i]})", label)
    missing = df["median_response_hours"].isna() & (df["requests_12m"] > 0)
    if missing.any():
        raise _fail(where, df, missing, "median_response_hours", "hours when requests_12m is above zero", label)
    return df.reset_index(drop=True)


def load_orders(path: Path | str | None = None, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate the orders (one product line each); with ``customers``, check the account ids and
    add each order's market, channel and tier."""
    path = Path(path) if path is not None else data_path("orders")
    where = relative(path)
    cols = {
        "order_id": Column(unique=True), "account_id": Column(), "date": Column("date"),
        "product_line": Column("choice", choices=PRODUCT_LINES), "revenue": Column("float", min=0),
        "gross_margin": Column("float"), "promised": Column("date"), "delivered": Column("date", required=False),
        "source": Column(),
    }
    df = read_table(path, cols, key="order_id")

    def label(i: int) -> str:
        return f"order_id {df['order_id'].iloc[i]!r}"

    over = df["gross_margin"] > df["revenue"]
    if over.any():
        raise _fail(where, df, over, "gross_margin", "at most the revenue", label)
    for col in ("promised", "delivered"):
        early = df[col].notna() & (df[col] < df["date"])
        if early.any():
            raise _fail(where, df, early, col, "a date on or after the order date", label)
    if customers is not None:
        known = df["account_id"].isin(customers["account_id"])
        if not known.all():
            raise _fail(where, df, ~known, "account_id", "an account_id listed in customers.csv", label)
        info = customers.set_index("account_id")[["market", "channel", "tier", "since"]]
        df = df.join(info, on="account_id")
        before = df["date"] < df["since"]
        if before.any():
            i = int(np.flatnonzero(before)[0])
            raise _fail(where, df, before, "date",
                        f"a date on or after the account was won ({df['since'].iloc[i].date().isoformat()})", label)
    return df.sort_values(["date", "order_id"], kind="stable").reset_index(drop=True)


def load_kpis(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate the KPI definitions; each must have a computation in ``KPI_FUNCTIONS``."""
    path = Path(path) if path is not None else data_path("kpis")
    where = relative(path)
    text = Column()
    cols = {"kpi": Column(unique=True), "layer": Column("choice", choices=LAYERS), "name_en": text,
            "name_zh_TW": text, "formula_en": text, "formula_zh_TW": text, "unit": Column("choice", choices=UNITS),
            "better": Column("choice", choices=BETTER), "data": text, "outline": text}
    df = read_table(path, cols, key="kpi")
    if df.empty:
        raise InputError(f"{where}: expected KPI definitions, found an empty table")
    known = df["kpi"].isin(list(KPI_FUNCTIONS))
    if not known.all():
        raise _fail(where, df, ~known, "kpi", "a KPI the workbook computes (" + ", ".join(KPI_FUNCTIONS) + ")",
                    lambda i: f"kpi {df['kpi'].iloc[i]!r}")
    df["order"] = df["layer"].map(LAYERS.index)
    return df.sort_values(["order"], kind="stable").drop(columns="order").set_index("kpi", drop=False)


@dataclass(frozen=True)
class Data:
    """The chapter's five tables, validated and cross-checked."""

    funnel: pd.DataFrame
    leads: pd.DataFrame
    customers: pd.DataFrame
    orders: pd.DataFrame
    kpis: pd.DataFrame
    cache: dict = field(default_factory=dict, compare=False, repr=False)   # derived tables, per window

    def markets(self) -> list[str]:
        return sorted(self.funnel["market"].unique())

    def channels(self, market: str) -> list[str]:
        present = set(self.funnel.loc[self.funnel["market"] == market, "channel"])
        return [c for c in known_channels() if c in present]


def load_data(folder: Path | str | None = None) -> Data:
    """Load the five tables (from ``folder`` if given, else each from ``data_path``)."""
    def p(name: str) -> Path:
        return Path(folder) / f"{name}.csv" if folder is not None else data_path(name)

    customers = load_customers(p("customers"))
    return Data(funnel=load_funnel(p("funnel")), leads=load_leads(p("leads")), customers=customers,
                orders=load_orders(p("orders"), customers), kpis=load_kpis(p("kpis")))


# ---------------------------------------------------------------------------------------------- windows

@dataclass(frozen=True)
class Window:
    """``months`` complete calendar months: from ``start`` (first day) up to ``end`` (exclusive)."""

    start: pd.Timestamp
    end: pd.Timestamp
    months: int

    def previous(self, months: int | None = None) -> Window:
        """The window of the same length ending ``months`` (default: its own length) earlier."""
        shift = self.months if months is None else months
        return Window(self.start - pd.DateOffset(months=shift), self.end - pd.DateOffset(months=shift), self.months)

    def trailing(self, months: int = TTM) -> Window:
        """The ``months`` ending where this window ends."""
        return Window(self.end - pd.DateOffset(months=months), self.end, months)

    def label(self) -> str:
        last = self.end - pd.DateOffset(months=1)
        return f"{self.start:%Y-%m} – {last:%Y-%m}"


def window(as_of: date, months: int) -> Window:
    """The last ``months`` complete months before the month of ``as_of``."""
    if months not in PERIODS:
        raise InputError(f"period: expected one of {', '.join(map(str, PERIODS))} months, found {months!r}")
    end = pd.Timestamp(as_of).normalize().replace(day=1)
    return Window(end - pd.DateOffset(months=months), end, months)


@dataclass(frozen=True)
class Selection:
    """What the dashboard looks at: a market, a channel (or ``all``) and a window."""

    market: str
    channel: str
    window: Window

    def previous(self) -> Selection:
        return replace(self, window=self.window.previous())


def _check_selection(data: Data, market: str, channel: str) -> None:
    if market not in data.markets():
        raise InputError(f"market: expected one with funnel data ({', '.join(data.markets())}), found {market!r}")
    if channel != "all" and channel not in data.channels(market):
        raise InputError(f"channel: expected all or a channel with data in {market} "
                         f"({', '.join(data.channels(market))}), found {channel!r}")


def _rows(df: pd.DataFrame, market: str | None, channel: str) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    if market is not None and market != "all":
        mask &= df["market"] == market
    if channel != "all":
        mask &= df["channel"] == channel
    return mask


def funnel_rows(data: Data, sel: Selection) -> pd.DataFrame:
    """The funnel's rows for the selection's market, channel and window."""
    f = data.funnel
    m = _rows(f, sel.market, sel.channel) & (f["month"] >= sel.window.start) & (f["month"] < sel.window.end)
    return f[m]


# ------------------------------------------------------------------------------------- stage counts

def _repeat_counts(data: Data, w: Window, by: str | None, market: str | None, channel: str) -> pd.Series:
    """Accounts won in ``w`` (per ``by`` group, or in total as ``all``) with a second order before its end."""
    c = data.customers
    won = c[_rows(c, market, channel) & (c["since"] >= w.start) & (c["since"] < w.end)]
    o = data.orders
    orders_before = o[o["date"] < w.end].groupby("account_id").size()
    again = (won["account_id"].map(orders_before).fillna(0) >= 2).astype(int)
    if by is None:
        return pd.Series({"all": int(again.sum())})
    return again.groupby(won[by]).sum()


def stage_counts(data: Data, sel: Selection, by: str | None = None) -> pd.DataFrame:
    """Counts per stage over the window, one row per ``by`` group (``market`` or ``channel``) or one row
    ``all``: the stage counts, spend and first-order money summed; each mean-time column averaged over the
    months weighted by the count it is a mean over (``TIME_COLUMNS``); ``repeat`` (accounts won in the window
    that ordered again before its end); and the number of months with data."""
    rows = funnel_rows(data, sel).copy()
    key = by or "_all"
    rows["_all"] = "all"
    sums = [*COUNT_COLUMNS, "spend", "revenue", "gross_margin"]
    for col, base in TIME_COLUMNS.items():
        rows[f"_w_{col}"] = rows[col].fillna(0.0) * rows[base]
    g = rows.groupby(key)
    counts = g[sums + [f"_w_{c}" for c in TIME_COLUMNS]].sum()
    if by is None and counts.empty:
        counts = pd.DataFrame(0.0, index=pd.Index(["all"]), columns=counts.columns)
    for col, base in TIME_COLUMNS.items():
        weighted = counts.pop(f"_w_{col}")
        counts[col] = (weighted / counts[base].where(counts[base] > 0)).astype(float)
    counts["repeat"] = _repeat_counts(data, sel.window, by, sel.market, sel.channel).reindex(counts.index).fillna(0).astype(int)
    counts["months"] = g["month"].nunique().reindex(counts.index).fillna(0).astype(int)
    counts.index.name = by or "group"
    return counts


def conversions(counts: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Stage-to-stage conversion with Wilson intervals for both chains (``stats.stage_conversions``), long
    format with a ``chain`` column (``web`` / ``sales``)."""
    parts = []
    for chain, stages in (("web", WEB_STAGES), ("sales", SALES_STAGES)):
        out = stats.stage_conversions(counts, list(stages), confidence)
        out.insert(0, "chain", chain)
        parts.append(out)
    return pd.concat(parts)


def velocity(counts: pd.DataFrame) -> pd.DataFrame:
    """Mean days in each sales stage (rows as ``counts``, one column per stage transition) and their sum."""
    out = pd.DataFrame({f"{a}_{b}": counts[col] for a, b, col in VELOCITY}, index=counts.index)
    out["total"] = out.sum(axis=1, min_count=len(VELOCITY))
    return out


# ------------------------------------------------------------------------------------------ lead scoring

def rule_points(leads: pd.DataFrame, s: Scoring) -> pd.DataFrame:
    """Points per feature for each lead (one column per feature); their sum is the rule score."""
    return pd.DataFrame({
        "industry": leads["industry"].map(s.industry).astype(float),
        "role": leads["role"].map(s.role).astype(float),
        "company_size": leads["company_size"].map(s.company_size).astype(float),
        "region": leads["region"].map(s.region).astype(float),
        "decision_stage": leads["decision_stage"].map(s.decision_stage).astype(float),
        "pages_viewed": np.minimum(s.per_page * leads["pages_viewed"].to_numpy(float), s.page_cap),
        "downloads": np.minimum(s.per_download * leads["downloads"].to_numpy(float), s.download_cap),
        "inquiry": s.inquiry * leads["inquiry"].to_numpy(float),
        "budget_stated": s.budget_stated * leads["budget_stated"].to_numpy(float),
    }, index=leads.index)


def rule_score(leads: pd.DataFrame, s: Scoring) -> pd.Series:
    """The rule-based score: the sum of the feature points."""
    return rule_points(leads, s).sum(axis=1)


def band(score, mql: float, sql: float) -> np.ndarray:
    """``below`` / ``mql`` / ``sql`` for each score (``sql`` at or above the SQL threshold)."""
    if sql < mql:
        raise InputError(f"sql_threshold: expected at least the MQL threshold ({mql:g}), found {sql:g}")
    s = np.asarray(score, dtype=float)
    return np.asarray(BANDS, dtype=object)[(s >= mql).astype(int) + (s >= sql).astype(int)]


FEATURES: tuple[str, ...] = (
    "intercept", *(f"industry_{x}" for x in INDUSTRIES[:-1]), *(f"role_{x}" for x in ROLES[:-1]),
    *(f"company_size_{x}" for x in SIZES[1:]), "region_core", *(f"decision_stage_{x}" for x in DECISION_STAGES[1:]),
    "log_pages", "downloads", "inquiry", "budget_stated",
)


def design_matrix(leads: pd.DataFrame) -> np.ndarray:
    """The logistic model's inputs, columns as ``FEATURES``: an intercept; one indicator per category level
    against a reference level (industry other, role other, size small, region other, stage research);
    log(1 + pages viewed); downloads; inquiry and stated budget as 0/1."""
    n = len(leads)
    cols = [np.ones(n)]
    for name, levels in (("industry", INDUSTRIES[:-1]), ("role", ROLES[:-1])):
        values = leads[name].to_numpy()
        cols += [(values == x).astype(float) for x in levels]
    size = leads["company_size"].to_numpy()
    cols += [(size == x).astype(float) for x in SIZES[1:]]
    cols.append((leads["region"].to_numpy() == "core").astype(float))
    stage = leads["decision_stage"].to_numpy()
    cols += [(stage == x).astype(float) for x in DECISION_STAGES[1:]]
    cols += [np.log1p(leads["pages_viewed"].to_numpy(float)), leads["downloads"].to_numpy(float),
             leads["inquiry"].to_numpy(float), leads["budget_stated"].to_numpy(float)]
    return np.column_stack(cols)


@dataclass(frozen=True)
class Logit:
    """A fitted logistic regression: coefficients, standard errors, and how the fit went."""

    coef: np.ndarray
    se: np.ndarray
    names: tuple[str, ...]
    iterations: int
    loglik: float
    l2: float

    def predict(self, X) -> np.ndarray:
        return expit(np.asarray(X, dtype=float) @ self.coef)


def fit_logistic(X, y, l2: float = 0.0, max_iter: int = 100, tol: float = 1e-9,
                 names: tuple[str, ...] | None = None) -> Logit:
    """Maximum-likelihood logistic regression by IRLS / Newton-Raphson (McCullagh & Nelder 1989, §2.5).

    Column 0 of ``X`` is the intercept and is not penalised; ``l2`` adds (l2 / 2) * sum(b_j^2) over the
    slopes (ridge). Each step solves (X'WX + L) delta = X'(y - p) - L b with W = diag(p (1 - p)).
    Standard errors are the square roots of the diagonal of (X'WX + L)^-1 at the optimum. Raises
    ``InputError`` when the fit does not converge (e.g. a feature separates the outcomes perfectly and
    ``l2`` is 0).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or len(y) != X.shape[0]:
        raise InputError(f"fit_logistic: expected X (n, k) and y (n,), found {X.shape} and {y.shape}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise InputError("fit_logistic: expected outcomes y of 0 or 1")
    if y.min() == y.max():
        raise InputError(f"fit_logistic: expected both outcomes among the {len(y)} leads, found only {int(y[0])}")
    if l2 < 0:
        raise InputError(f"l2: expected a penalty >= 0, found {l2!r}")
    k = X.shape[1]
    penalty = np.full(k, float(l2))
    penalty[0] = 0.0
    beta = np.zeros(k)
    for it in range(1, max_iter + 1):
        p = expit(X @ beta)
        w = p * (1 - p)
        hess = (X * w[:, None]).T @ X + np.diag(penalty)
        grad = X.T @ (y - p) - penalty * beta
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            raise InputError("fit_logistic: the features are collinear (a singular information matrix); "
                             "add a ridge penalty (model.l2 > 0) or drop a feature") from None
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 50:
            it = max_iter + 1
            break
    if it > max_iter or np.max(np.abs(step)) >= tol:
        raise InputError(f"fit_logistic: no convergence in {max_iter} iterations (perfect separation by a "
                         "feature?); set model.l2 > 0 in the scenario")
    p = expit(X @ beta)
    hess = (X * (p * (1 - p))[:, None]).T @ X + np.diag(penalty)
    cov = np.linalg.inv(hess)
    with np.errstate(divide="ignore"):
        loglik = float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
    return Logit(beta, np.sqrt(np.diag(cov)), names or tuple(f"x{j}" for j in range(k)), it, loglik, float(l2))


def folds(n: int, k: int, seed: int) -> np.ndarray:
    """Fold number (0..k-1) for each of ``n`` rows: a seeded shuffle dealt round-robin."""
    out = np.empty(n, dtype=int)
    out[stats.rng(seed).permutation(n)] = np.arange(n) % k
    return out


def cross_validated(X, y, k: int, seed: int, l2: float) -> np.ndarray:
    """Out-of-fold predicted probabilities: each row predicted by the model fitted without its fold."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    fold = folds(len(y), k, seed)
    p = np.empty(len(y))
    for j in range(k):
        test = fold == j
        p[test] = fit_logistic(X[~test], y[~test], l2).predict(X[test])
    return p


def auc(score, y) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative), ties counting half
    (the Mann-Whitney U statistic divided by n1 * n0). NaN without both outcomes."""
    s = np.asarray(score, dtype=float)
    y = np.asarray(y, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def roc_curve(score, y) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates at every distinct threshold (highest first), from (0, 0) to (1, 1)."""
    s = np.asarray(score, dtype=float)
    y = np.asarray(y, dtype=bool)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]     # the last row of each tied group
    tp = np.cumsum(y)[last]
    fp = np.cumsum(~y)[last]
    return np.r_[0, fp / max(fp[-1], 1)], np.r_[0, tp / max(tp[-1], 1)]


def brier(p, y) -> float:
    """Brier score: mean squared difference between predicted probability and outcome (0 is perfect)."""
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def calibration(p, y, bins: int = 10, confidence: float = 0.95) -> pd.DataFrame:
    """Observed rate against mean predicted probability in ``bins`` groups of (nearly) equal size, sorted by
    prediction, with the Wilson interval of each observed rate."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(p) == 0:
        return pd.DataFrame(columns=["n", "predicted", "observed", "low", "high"])
    order = np.argsort(p, kind="stable")
    group = np.empty(len(p), dtype=int)
    group[order] = np.arange(len(p)) * min(bins, len(p)) // len(p)
    df = pd.DataFrame({"g": group, "p": p, "y": y}).groupby("g").agg(n=("y", "size"), predicted=("p", "mean"),
                                                                        hits=("y", "sum"))
    low, high = stats.wilson_interval(df["hits"], df["n"], confidence)
    return pd.DataFrame({"n": df["n"], "predicted": df["predicted"], "observed": df["hits"] / df["n"],
                         "low": low, "high": high})


@dataclass(frozen=True)
class LeadModel:
    """The logistic lead model fitted on every resolved lead, with its out-of-fold predictions."""

    logit: Logit
    oof: pd.Series           # out-of-fold P(quote) for resolved leads, indexed like the leads
    fitted: pd.Series        # P(quote) from the full model, every lead
    resolved: pd.Series      # bool per lead
    positive: pd.Series      # bool per lead: reached a quote


def lead_model(leads: pd.DataFrame, settings: ModelSettings) -> LeadModel:
    """Fit the logistic model on every resolved lead (all markets pooled: more leads, steadier coefficients)
    and predict each resolved lead out of fold. Open leads are not used for fitting."""
    resolved = leads["outcome"] != "open"
    positive = leads["outcome"].isin(POSITIVE)
    X = design_matrix(leads)
    y = positive[resolved].to_numpy(float)
    logit = fit_logistic(X[resolved.to_numpy()], y, settings.l2, names=FEATURES)
    oof = cross_validated(X[resolved.to_numpy()], y, settings.folds, settings.seed, settings.l2)
    return LeadModel(logit, pd.Series(oof, index=leads.index[resolved.to_numpy()]),
                      pd.Series(logit.predict(X), index=leads.index), resolved, positive)


def scored_leads(data: Data, sel: Selection, s: Scoring, model: LeadModel | None = None) -> pd.DataFrame:
    """The selection's leads (created in the window) with rule score, band and (with ``model``) the logistic
    probabilities."""
    l = data.leads
    m = _rows(l, sel.market, sel.channel) & (l["created"] >= sel.window.start) & (l["created"] < sel.window.end)
    out = l[m].copy()
    out["score"] = rule_score(out, s)
    out["band"] = band(out["score"], s.mql_threshold, s.sql_threshold)
    out["resolved"] = out["outcome"] != "open"
    out["positive"] = out["outcome"].isin(POSITIVE)
    if model is not None:
        out["p_fitted"] = model.fitted.reindex(out.index)
        out["p_oof"] = model.oof.reindex(out.index)
    return out


def volumes(data: Data, sel: Selection, s: Scoring, confidence: float = 0.95) -> pd.DataFrame:
    """MQL and SQL volumes per month at the thresholds, estimated as the sample's share of leads at or above
    each threshold times the funnel's leads (downloads) per month, with how often such leads reached a quote
    (resolved leads, Wilson interval); beside the MQLs and SQLs the funnel recorded."""
    leads = scored_leads(data, sel, s)
    counts = stage_counts(data, sel)
    months = max(int(counts["months"].iloc[0]) if len(counts) else 0, 1)
    per_month = float(counts["downloads"].sum()) / months if len(counts) else 0.0
    rows = []
    for name, threshold, recorded in (("lead", -np.inf, "downloads"), ("mql", s.mql_threshold, "mqls"),
                                      ("sql", s.sql_threshold, "sqls")):
        above = leads["score"] >= threshold
        share = float(above.mean()) if len(leads) else float("nan")
        res = leads[above & leads["resolved"]]
        k, n = int(res["positive"].sum()), len(res)
        low, high = stats.wilson_interval(k, n, confidence)
        rows.append(dict(level=name, threshold=threshold if np.isfinite(threshold) else np.nan, sample=int(above.sum()),
                         share=share, per_month=share * per_month,
                         recorded=float(counts[recorded].sum()) / months if len(counts) else np.nan,
                         resolved=n, quoted=k, quote_rate=k / n if n else np.nan, low=float(low), high=float(high)))
    return pd.DataFrame(rows).set_index("level")


def reactivation(data: Data, market: str, channel: str, as_of: date, s: Scoring, days: int) -> pd.DataFrame:
    """Open leads with no interaction for ``days`` or more before ``as_of``, highest rule score first."""
    l = data.leads
    when = pd.Timestamp(as_of)
    idle = (when - l["last_interaction"]).dt.days
    m = _rows(l, market, channel) & (l["outcome"] == "open") & (idle >= days) & (l["created"] <= when)
    out = l[m].copy()
    out["days_idle"] = idle[m]
    out["score"] = rule_score(out, s)
    out["band"] = band(out["score"], s.mql_threshold, s.sql_threshold)
    return out.sort_values(["score", "days_idle", "lead_id"], ascending=[False, False, True])


# ------------------------------------------------------------------------------------- customers

def activity(data: Data, w: Window) -> pd.DataFrame:
    """Per account, over window ``w``: orders, revenue, gross margin, product lines bought; orders before the
    window and in the same length of time before it; and orders up to the window's end. Cached on ``data``
    per window (the tables are read-only once loaded)."""
    key = ("activity", w.start, w.end)
    if key not in data.cache:
        data.cache[key] = _activity(data, w)
    return data.cache[key]


def _activity(data: Data, w: Window) -> pd.DataFrame:
    o = data.orders
    acc = data.customers.set_index("account_id")
    inside = o[(o["date"] >= w.start) & (o["date"] < w.end)]
    prior = o[(o["date"] >= w.start - pd.DateOffset(months=w.months)) & (o["date"] < w.start)]
    g = inside.groupby("account_id")
    out = pd.DataFrame(index=acc.index)
    out["orders"] = g.size().reindex(acc.index, fill_value=0)
    out["revenue"] = g["revenue"].sum().reindex(acc.index, fill_value=0.0)
    out["gross_margin"] = g["gross_margin"].sum().reindex(acc.index, fill_value=0.0)
    out["lines"] = g["product_line"].nunique().reindex(acc.index, fill_value=0)
    out["orders_prior"] = prior.groupby("account_id").size().reindex(acc.index, fill_value=0)
    out["orders_to_end"] = o[o["date"] < w.end].groupby("account_id").size().reindex(acc.index, fill_value=0)
    out["new"] = (acc["since"] >= w.start) & (acc["since"] < w.end)
    out["tenure_start"] = acc["since"] <= w.start
    for c in ("market", "channel", "tier"):
        out[c] = acc[c]
    return out


def margin_per_customer(data: Data, market: str, w_end: pd.Timestamp, min_accounts: int) -> pd.DataFrame:
    """Yearly gross margin of a retained customer per acquisition channel of ``market`` (and ``all``).

    The margin over the 12 months to ``w_end`` of accounts won through the channel at least a year before
    (so a full year is counted) that ordered in that year, averaged. A channel with fewer than
    ``min_accounts`` such accounts takes the average over the market's accounts won through any online
    channel (``pooled`` True); ``all`` is that online average. Accounts won at trade shows or by referral are
    left out: they are not what the online spend buys. With too few online accounts in the market the
    average runs over every market's online accounts.
    """
    year = Window(w_end - pd.DateOffset(months=TTM), w_end, TTM)
    a = activity(data, year)
    base = a[a["tenure_start"] & (a["orders"] > 0) & a["channel"].isin(known_channels())]
    mk = base[base["market"] == market]
    online = mk["gross_margin"].mean() if len(mk) >= min_accounts else base["gross_margin"].mean()
    by = mk.groupby("channel")["gross_margin"].agg(["mean", "size"])
    rows = {}
    for ch in known_channels():
        n = int(by["size"].get(ch, 0))
        pooled = n < min_accounts
        rows[ch] = dict(accounts=n, margin_year=online if pooled else float(by["mean"][ch]), pooled=pooled)
    rows["all"] = dict(accounts=len(mk), margin_year=online, pooled=len(mk) < min_accounts)
    return pd.DataFrame(rows).T.astype({"accounts": int, "margin_year": float, "pooled": bool})


def channel_economics(data: Data, sel: Selection, lifetime: Lifetime) -> pd.DataFrame:
    """CAC, payback, LTV and LTV / CAC per channel of the market over the window, and for ``all`` channels.

    CAC and payback come from ``unit_economics.unit_economics`` (spend / new customers; CAC / monthly margin
    per customer), LTV from ``unit_economics.ltv`` with the yearly margin of a retained customer
    (``margin_per_customer``), the scenario's yearly retention and discount rate and horizon.
    """
    counts = stage_counts(data, replace(sel, channel="all"), by="channel")
    total = stage_counts(data, replace(sel, channel="all"))
    total.index = pd.Index(["all"], name="channel")
    counts = pd.concat([counts, total])
    if sel.channel != "all":
        counts = counts.loc[[sel.channel, "all"]]
    margin = margin_per_customer(data, sel.market, sel.window.end, lifetime.min_accounts).reindex(counts.index)
    u = ue.unit_economics(counts["spend"], counts["new_customers"], margin["margin_year"] / 12)
    ltv = ue.ltv(margin["margin_year"].to_numpy(), lifetime.retention, lifetime.discount_rate, lifetime.horizon_years)
    out = pd.DataFrame({
        "spend": counts["spend"], "new_customers": counts["new_customers"], "cac": u.cac,
        "first_order_revenue": counts["revenue"], "first_order_margin": counts["gross_margin"],
        "margin_year": margin["margin_year"], "pooled": margin["pooled"], "accounts": margin["accounts"],
        "payback_months": u.payback_months, "pays_back": u.pays_back, "ltv": ltv,
        "ltv_to_cac": ue.ltv_to_cac(ltv, u.cac),
    }, index=counts.index)
    return out


def tier_summary(data: Data, market: str, w_end: pd.Timestamp, tiers: Mapping[str, TierPolicy],
                 confidence: float = 0.95) -> pd.DataFrame:
    """Per tier of ``market`` over the 12 months to ``w_end``: active accounts, revenue, gross margin and its
    rate, product lines per account, SLA attainment (requests answered within the tier's SLA over the 12
    months of the service extract, Wilson interval) against its target, and joint-development projects."""
    year = Window(w_end - pd.DateOffset(months=TTM), w_end, TTM)
    a = activity(data, year)
    a = a[(a["market"] == market)]
    c = data.customers.set_index("account_id").loc[a.index]
    active = a["orders"] > 0
    rows = {}
    for tier in TIERS:
        sel = (a["tier"] == tier)
        act = sel & active
        req = int(c.loc[sel, "requests_12m"].sum())
        within = int(c.loc[sel, "within_sla_12m"].sum())
        low, high = stats.wilson_interval(within, req, confidence)
        rev, mar = float(a.loc[act, "revenue"].sum()), float(a.loc[act, "gross_margin"].sum())
        rows[tier] = dict(accounts=int(sel.sum()), active=int(act.sum()), revenue=rev, gross_margin=mar,
                          margin_rate=mar / rev if rev else np.nan,
                          lines=float(a.loc[act, "lines"].mean()) if act.any() else np.nan,
                          requests=req, within=within, attainment=within / req if req else np.nan,
                          low=float(low), high=float(high), sla_hours=tiers[tier].sla_hours,
                          sla_target=tiers[tier].sla_target, qbr_every_months=tiers[tier].qbr_every_months,
                          joint=int((c.loc[sel, "joint_development"] != "none").sum()))
    out = pd.DataFrame(rows).T
    total = out["revenue"].sum()
    out["revenue_share"] = out["revenue"] / total if total else np.nan
    return out


def cross_sell(data: Data, market: str, w_end: pd.Timestamp) -> pd.DataFrame:
    """Share of the market's active accounts (ordered in the 12 months to ``w_end``) buying each product line,
    by tier and for all tiers."""
    year = Window(w_end - pd.DateOffset(months=TTM), w_end, TTM)
    o = data.orders
    o = o[(o["market"] == market) & (o["date"] >= year.start) & (o["date"] < year.end)]
    bought = pd.crosstab(o["account_id"], o["product_line"]).reindex(columns=list(PRODUCT_LINES), fill_value=0) > 0
    tier = data.customers.set_index("account_id").loc[bought.index, "tier"]
    by = bought.groupby(tier).mean().reindex(list(TIERS))
    by.loc["all"] = bought.mean()
    by["accounts"] = pd.concat([tier.value_counts().reindex(list(TIERS)), pd.Series({"all": len(bought)})])
    return by


def qbrs_due(data: Data, market: str, as_of: date, tiers: Mapping[str, TierPolicy], lookahead_days: int) -> pd.DataFrame:
    """Active accounts of tiers with business reviews whose next review (last review + the tier's interval;
    never held: due now) falls before ``as_of`` + ``lookahead_days``, the most overdue first."""
    when = pd.Timestamp(as_of)
    c = data.customers
    c = c[(c["market"] == market)].copy()
    every = c["tier"].map({k: v.qbr_every_months for k, v in tiers.items()})
    c = c[every > 0]
    every = every[c.index]
    o = data.orders
    last_order = o[o["date"] <= when].groupby("account_id")["date"].max()
    c["last_order"] = c["account_id"].map(last_order)
    c = c[c["last_order"] >= when - pd.DateOffset(months=TTM)]
    every = every[c.index]
    due = [lq + pd.DateOffset(months=int(m)) if pd.notna(lq) else when for lq, m in zip(c["last_qbr"], every)]
    c["due"] = pd.to_datetime(pd.Series(due, index=c.index))
    c["days"] = (c["due"] - when).dt.days
    c = c[c["due"] <= when + pd.Timedelta(days=lookahead_days)]
    c["status"] = np.where(c["last_qbr"].isna(), "never",
                           np.where(c["days"] < 0, "overdue", np.where(c["days"] == 0, "today", "due")))
    return c.sort_values(["days", "account_id"])


# -------------------------------------------------------------------------------------------- KPIs

@dataclass(frozen=True)
class KpiValue:
    """A KPI's value over a selection, with its base count and (for shares) Wilson interval; ``never`` marks a
    cost that can never be earned back (spend without a customer won)."""

    value: float
    n: float = float("nan")
    low: float = float("nan")
    high: float = float("nan")
    never: bool = False


@dataclass
class Context:
    """What KPI functions read: the data, the selection, the section, and cached aggregates."""

    data: Data
    sel: Selection
    section: FunnelSection
    _cache: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> pd.Series:
        if "counts" not in self._cache:
            c = stage_counts(self.data, self.sel)
            self._cache["counts"] = c.iloc[0] if len(c) else pd.Series(0.0, index=[*COUNT_COLUMNS, "spend", "months"])
        return self._cache["counts"]

    def year(self) -> pd.DataFrame:
        """Account activity over the 12 months to the window's end, in the selection."""
        if "year" not in self._cache:
            a = activity(self.data, self.sel.window.trailing())
            self._cache["year"] = a[_rows(a, self.sel.market, self.sel.channel)]
        return self._cache["year"]

    def economics(self) -> pd.Series:
        if "econ" not in self._cache:
            self._cache["econ"] = channel_economics(self.data, self.sel, self.section.ltv).loc[self.sel.channel]
        return self._cache["econ"]

    def confidence(self) -> float:
        return self.section.confidence


def _share(k: float, n: float, confidence: float) -> KpiValue:
    low, high = stats.wilson_interval(k, n, confidence)
    return KpiValue(k / n if n else float("nan"), n, float(low), float(high))


def _per_month(col: str) -> Callable[[Context], KpiValue]:
    def f(ctx: Context) -> KpiValue:
        c = ctx.counts()
        months = ctx.sel.window.months
        return KpiValue(float(c[col]) / months, float(c[col]))
    f.__doc__ = f"{col} per month over the window"
    return f


def _rate(k: str, n: str) -> Callable[[Context], KpiValue]:
    def f(ctx: Context) -> KpiValue:
        c = ctx.counts()
        return _share(float(c[k]), float(c[n]), ctx.confidence())
    f.__doc__ = f"{k} / {n} over the window, Wilson interval"
    return f


def _mean_time(col: str) -> Callable[[Context], KpiValue]:
    def f(ctx: Context) -> KpiValue:
        c = ctx.counts()
        return KpiValue(float(c[col]), float(c[TIME_COLUMNS[col]]))
    f.__doc__ = f"{col}, weighted by {TIME_COLUMNS[col]}"
    return f


def _cac(ctx: Context) -> KpiValue:
    e = ctx.economics()
    return KpiValue(float(e["cac"]), float(e["new_customers"]), never=bool(e["spend"] > 0 and e["new_customers"] == 0))


def _payback(ctx: Context) -> KpiValue:
    e = ctx.economics()
    return KpiValue(float(e["payback_months"]), float(e["new_customers"]), never=not bool(e["pays_back"]) and e["spend"] > 0)


def _ltv_to_cac(ctx: Context) -> KpiValue:
    e = ctx.economics()
    return KpiValue(float(e["ltv_to_cac"]), float(e["new_customers"]), never=bool(e["spend"] > 0 and e["new_customers"] == 0))


def _on_time(ctx: Context) -> KpiValue:
    o = ctx.data.orders
    w = ctx.sel.window
    o = o[_rows(o, ctx.sel.market, ctx.sel.channel) & (o["promised"] >= w.start) & (o["promised"] < w.end)]
    due = o["delivered"].notna() | (o["promised"] < w.end)
    late = o["delivered"].isna() | (o["delivered"] > o["promised"])
    return _share(float((due & ~late).sum()), float(due.sum()), ctx.confidence())


def _new_share(ctx: Context) -> KpiValue:
    a = ctx.year()
    act = a["orders"] > 0
    return _share(float((act & a["new"]).sum()), float(act.sum()), ctx.confidence())


def _repeat(ctx: Context) -> KpiValue:
    a = ctx.year()
    act = a["orders"] > 0
    return _share(float((act & (a["orders_to_end"] >= 2)).sum()), float(act.sum()), ctx.confidence())


def _cross_sell(ctx: Context) -> KpiValue:
    a = ctx.year()
    act = a[a["orders"] > 0]
    return KpiValue(float(act["lines"].mean()) if len(act) else float("nan"), float(len(act)))


def _churn(ctx: Context) -> KpiValue:
    a = ctx.year()
    before = a["orders_prior"] > 0
    return _share(float((before & (a["orders"] == 0)).sum()), float(before.sum()), ctx.confidence())


def _sla(ctx: Context) -> KpiValue:
    c = ctx.data.customers
    c = c[_rows(c, ctx.sel.market, ctx.sel.channel)]
    return _share(float(c["within_sla_12m"].sum()), float(c["requests_12m"].sum()), ctx.confidence())


def _market_share(ctx: Context) -> KpiValue:
    total = float(activity(ctx.data, ctx.sel.window.trailing())["revenue"].sum())     # every market, every channel
    return KpiValue(float(ctx.year()["revenue"].sum()) / total if total else float("nan"), total)


def _margin_rate(ctx: Context) -> KpiValue:
    a = ctx.year()
    rev = float(a["revenue"].sum())
    return KpiValue(float(a["gross_margin"].sum()) / rev if rev else float("nan"), rev)


# KPI id -> its computation. kpis.csv lists which are shown, with names, formulas in words, units, direction.
KPI_FUNCTIONS: dict[str, Callable[[Context], KpiValue]] = {
    "impressions": _per_month("impressions"),
    "visitors": _per_month("visitors"),
    "form_conversion": _rate("downloads", "visitors"),
    "mqls": _per_month("mqls"),
    "cac": _cac,
    "payback_months": _payback,
    "inquiry_response_hours": _mean_time("hours_first_response"),
    "mql_to_sql": _rate("sqls", "mqls"),
    "quote_turnaround_days": _mean_time("days_quote_turnaround"),
    "quote_hit_rate": _rate("new_customers", "quotes"),
    "sample_pass_rate": _rate("samples_passed", "samples"),
    "inquiry_to_po_days": _mean_time("days_inquiry_to_po"),
    "on_time_delivery": _on_time,
    "new_customer_share": _new_share,
    "repeat_rate": _repeat,
    "cross_sell": _cross_sell,
    "churn_rate": _churn,
    "sla_attainment": _sla,
    "ltv_to_cac": _ltv_to_cac,
    "market_share_of_sales": _market_share,
    "gross_margin_rate": _margin_rate,
}
# KPIs whose data do not move with the window (the service extract covers one fixed year): no trend.
NO_TREND: frozenset[str] = frozenset({"sla_attainment"})


def kpi_values(data: Data, sel: Selection, section: FunnelSection, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every KPI of the definitions over the selection: value, base count, interval, and ``never``."""
    kpis = data.kpis if kpis is None else kpis
    ctx = Context(data, sel, section)
    rows = {k: KPI_FUNCTIONS[k](ctx).__dict__ for k in kpis.index}
    return pd.DataFrame(rows).T.astype({"value": float, "n": float, "low": float, "high": float, "never": bool})


def attainment(value, target, better) -> np.ndarray:
    """value / target where higher is better, target / value where lower is better (vectorized)."""
    v = np.asarray(value, dtype=float)
    tg = np.asarray(target, dtype=float)
    hi = np.asarray(better) == "higher"
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(hi, v / tg, tg / v)
        a = np.where(hi & (tg == 0), np.where(v >= 0, np.inf, 0.0), a)
        a = np.where(~hi & (v == 0), np.inf, a)
    return np.where(np.isnan(v), np.nan, a)


def rag(value, target, better, amber_band: float, never=None) -> np.ndarray:
    """green (attainment >= 1), amber (>= 1 - amber_band), red, or grey (no value); ``never`` is red."""
    a = attainment(value, target, better)
    out = np.where(a >= 1, "green", np.where(a >= 1 - amber_band, "amber", "red")).astype(object)
    out[np.isnan(a)] = "grey"
    if never is not None:
        out[np.asarray(never, dtype=bool)] = "red"
    return out


def trend(now, before, better, flat: float) -> np.ndarray:
    """``better`` / ``worse`` / ``flat`` (relative change below ``flat``) / ``none`` (no earlier value)."""
    n = np.asarray(now, dtype=float)
    b = np.asarray(before, dtype=float)
    up = np.asarray(better) == "higher"
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(b != 0, (n - b) / np.abs(b), np.where(n == b, 0.0, np.sign(n - b) * np.inf))
    good = np.where(up, change > 0, change < 0)
    out = np.where(np.abs(change) < flat, "flat", np.where(good, "better", "worse")).astype(object)
    out[np.isnan(n) | np.isnan(b)] = "none"
    return out


def kpi_board(data: Data, sel: Selection, section: FunnelSection, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every KPI against its target with RAG status and its trend against the previous window."""
    kpis = data.kpis if kpis is None else kpis
    missing = [k for k in kpis.index if k not in section.targets]
    if missing:
        raise InputError(f"scenario key 'funnel.targets': expected a target for every KPI in "
                         f"{relative(data_path('kpis'))}, missing: {', '.join(missing)}")
    now = kpi_values(data, sel, section, kpis)
    before = kpi_values(data, sel.previous(), section, kpis)
    before.loc[before.index.isin(NO_TREND), "value"] = np.nan
    out = kpis[["layer", "unit", "better"]].copy()
    out[["value", "n", "low", "high", "never"]] = now[["value", "n", "low", "high", "never"]]
    out["target"] = [section.targets[k] for k in out.index]
    out["attainment"] = attainment(out["value"], out["target"], out["better"])
    out["status"] = rag(out["value"], out["target"], out["better"], section.amber_band, out["never"])
    out["previous"] = before["value"]
    out["trend"] = trend(out["value"], out["previous"], out["better"], section.trend_flat)
    return out


# ------------------------------------------------------------------------------------------ assessment

@dataclass(frozen=True)
class Dashboard:
    """Everything the chapter shows for one market and selection."""

    code: str
    currency: str
    sel: Selection
    section: FunnelSection
    data: Data
    as_of: date
    model: LeadModel
    counts: pd.DataFrame            # by channel
    total: pd.Series                # all channels
    economics: pd.DataFrame
    board: pd.DataFrame
    tiers: pd.DataFrame


def assess(scn, data: Data | None = None, as_of: date | None = None, channel: str = "all",
           period: int | None = None, model: LeadModel | None = None, section: FunnelSection | None = None) -> Dashboard:
    """Compute the chapter's tables for market ``scn.code`` (optionally one channel and another period)."""
    data = load_data() if data is None else data
    sec: FunnelSection = scn.funnel if section is None else section
    as_of = as_of or date.today()
    _check_selection(data, scn.code, channel)
    sel = Selection(scn.code, channel, window(as_of, period or sec.period_months))
    model = lead_model(data.leads, sec.model) if model is None else model
    counts = stage_counts(data, replace(sel, channel="all"), by="channel")
    if channel != "all":
        counts = counts.loc[[channel]]
    total = stage_counts(data, sel).iloc[0]
    return Dashboard(scn.code, scn.exporter.home_currency, sel, sec, data, as_of, model, counts, total,
                     channel_economics(data, sel, sec.ltv), kpi_board(data, sel, sec),
                     tier_summary(data, scn.code, sel.window.end, sec.tiers, sec.confidence))


# --------------------------------------------------------------------------------------------- formats

def money(amount: float, currency: str, lang: str) -> str:
    """An amount in the home currency: 'TWD 1.2 M' / 'TWD 350 k' in English, 'TWD 35 萬' / 'TWD 1.2 億' in Chinese
    (non-breaking spaces: a table cell never splits it)."""
    return _money(amount, currency, lang).replace(" ", "\u00a0")


def _money(amount: float, currency: str, lang: str) -> str:
    x = float(amount)
    if not math.isfinite(x):
        return "–"
    if lang == "zh-TW":
        if abs(x) >= 1e8:
            return t("funnel.money_yi", lang, cur=currency, x=f"{x / 1e8:,.2f}".rstrip("0").rstrip("."))
        if abs(x) >= 1e4:
            wan = x / 1e4
            return t("funnel.money_wan", lang, cur=currency, x=f"{wan:,.0f}" if abs(wan) >= 10 else f"{wan:.1f}")
        return f"{currency} {x:,.0f}"
    if abs(x) >= 1e6:
        return t("funnel.money_m", lang, cur=currency, x=f"{x / 1e6:,.1f}")
    if abs(x) >= 1e3:
        return t("funnel.money_k", lang, cur=currency, x=f"{x / 1e3:,.0f}")
    return f"{currency} {x:,.0f}"


def _compact_money(x: float, lang: str) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x / 1e4:,.0f}萬" if lang == "zh-TW" else f"{x / 1e3:,.0f}k"


def fmt(value: float, unit: str, lang: str, currency: str = "TWD", never: bool = False, compact: bool = False) -> str:
    """A KPI value in its unit for display ('–' when there is no value)."""
    if never:
        return t("funnel.never", lang)
    v = float(value)
    if not math.isfinite(v):
        return "–"
    if unit == "share":
        return f"{v:.1%}"
    if unit == "per_month":
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"
    if unit == "money":
        return _compact_money(v, lang) if compact else money(v, currency, lang)
    if unit in ("months", "hours", "days"):
        x = f"{v:,.0f}" if unit == "days" and abs(v) >= 10 else f"{v:,.1f}"
        return t(f"funnel.unit_{unit}", lang, x=x).replace(" ", "\u00a0")
    if unit == "lines":
        return f"{v:.2f}"
    if unit == "ratio":
        return f"{v:.1f}×"
    raise InputError(f"unit: expected one of {', '.join(UNITS)}, found {unit!r}")


def _pct(x: float, digits: int = 1) -> str:
    return "–" if not math.isfinite(float(x)) else f"{x:.{digits}%}"


def _interval(low: float, high: float) -> str:
    if not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return "–"
    return f"{low:.1%} – {high:.1%}"


def _short_interval(low: float, high: float) -> str:
    """An interval in whole percent, with a decimal when it is narrow (e.g. 3.0% – 3.4%)."""
    if not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return "–"
    digits = 1 if high - low < 0.05 else 0
    return f"{low:.{digits}%} – {high:.{digits}%}"


def stage_label(stage: str, lang: str) -> str:
    return t(f"funnel.stage_{stage}", lang)


def channel_label(channel: str, lang: str) -> str:
    return t(f"funnel.channel_{channel}", lang)


def kpi_name(kpis: pd.DataFrame, kpi: str, lang: str) -> str:
    return str(kpis.at[kpi, "name_zh_TW" if lang == "zh-TW" else "name_en"])


def _col(kpis: pd.DataFrame, field_: str, lang: str) -> pd.Series:
    return kpis[f"{field_}_{'zh_TW' if lang == 'zh-TW' else 'en'}"]


def _nowrap(text: str) -> str:
    """A short label that must not wrap in a narrow column: word joiners between its characters, no-break spaces."""
    return "\u2060".join(str(text).replace(" ", "\u00a0"))


def _id_text(value: str) -> str:
    """An id such as L-DE-0022 with non-breaking hyphens."""
    return str(value).replace("-", "\u2011")


def _date_text(day: pd.Timestamp) -> str:
    """ISO date with non-breaking hyphens, so a narrow column never splits it."""
    return pd.Timestamp(day).date().isoformat().replace("-", "\u2011")


# ---------------------------------------------------------------------------------------------- tables

def funnel_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Both chains for the selection: count, per month, conversion from the stage before with its interval."""
    total = db.total.to_frame().T
    conv = conversions(total, db.section.confidence)
    months = max(db.sel.window.months, 1)
    rows = []
    for chain, stages in (("web", WEB_STAGES), ("sales", SALES_STAGES)):
        c = conv[conv["chain"] == chain]
        for k, stage in enumerate(stages):
            n = float(db.total[stage])
            r = c.iloc[k - 1] if k else None
            rows.append((t(f"funnel.chain_{chain}", lang), stage_label(stage, lang), f"{n:,.0f}",
                         f"{n / months:,.1f}", "" if r is None else _pct(r["rate"]),
                         "" if r is None else _interval(r["low"], r["high"])))
    return pd.DataFrame(rows, columns=[t("funnel.col_chain", lang), t("funnel.col_stage", lang),
                                       t("funnel.col_count", lang, months=months), t("funnel.col_per_month", lang),
                                       t("funnel.col_conversion", lang), t("funnel.col_interval", lang,
                                                                           p=db.section.confidence)])


def speed_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Speed per channel and in total: first reply, quote turnaround, days in each sales stage, inquiry to PO."""
    counts = pd.concat([db.counts, db.total.to_frame("all").T])
    label = [channel_label(c, lang) if c != "all" else t("funnel.all_channels", lang) for c in counts.index]
    out = pd.DataFrame({t("funnel.col_channel", lang): label})
    out[t("funnel.col_response", lang)] = [fmt(v, "hours", lang) for v in counts["hours_first_response"]]
    out[t("funnel.col_quote_days", lang)] = [fmt(v, "days", lang) for v in counts["days_quote_turnaround"]]
    for a, b, col in VELOCITY:
        out[t("funnel.col_stage_days", lang, a=stage_label(a, lang), b=stage_label(b, lang))] = [
            fmt(v, "days", lang) for v in counts[col]]
    out[t("funnel.col_inquiry_po", lang)] = [fmt(v, "days", lang) for v in counts["days_inquiry_to_po"]]
    return out


def scoring_table(s: Scoring, lang: str) -> pd.DataFrame:
    """The rule-based score's points, feature by feature."""
    rows = []
    for feature, levels in (("industry", INDUSTRIES), ("role", ROLES), ("company_size", SIZES), ("region", REGIONS),
                            ("decision_stage", DECISION_STAGES)):
        points = getattr(s, feature)
        rows.append((t(f"funnel.feature_{feature}", lang),
                     "；".join(f"{t(f'funnel.{feature}_{x}', lang)} {points[x]:g}" for x in levels) if lang == "zh-TW"
                     else "; ".join(f"{t(f'funnel.{feature}_{x}', lang)} {points[x]:g}" for x in levels)))
    rows += [
        (t("funnel.feature_pages_viewed", lang), t("funnel.points_per", lang, per=f"{s.per_page:g}", cap=f"{s.page_cap:g}")),
        (t("funnel.feature_downloads", lang), t("funnel.points_per", lang, per=f"{s.per_download:g}", cap=f"{s.download_cap:g}")),
        (t("funnel.feature_inquiry", lang), f"{s.inquiry:g}"),
        (t("funnel.feature_budget_stated", lang), f"{s.budget_stated:g}"),
        (t("funnel.thresholds", lang), t("funnel.thresholds_text", lang, mql=f"{s.mql_threshold:g}",
                                          sql=f"{s.sql_threshold:g}", top=f"{s.max_score():g}")),
    ]
    return pd.DataFrame(rows, columns=[t("funnel.col_feature", lang), t("funnel.col_points", lang)])


def _reference(feature: str) -> str:
    """The level each category is compared with in the logistic model (see ``design_matrix``)."""
    return {"industry": INDUSTRIES[-1], "role": ROLES[-1], "company_size": SIZES[0], "region": "other",
            "decision_stage": DECISION_STAGES[0]}[feature]


def feature_label(name: str, lang: str) -> str:
    """A logistic model column as words: 'industry: semiconductor (vs other)'."""
    if name in ("intercept", "log_pages", "downloads", "inquiry", "budget_stated"):
        return t(f"funnel.coef_{name}", lang)
    for feature, levels in (("industry", INDUSTRIES), ("role", ROLES), ("company_size", SIZES),
                            ("decision_stage", DECISION_STAGES), ("region", REGIONS)):
        prefix = feature + "_"
        if name.startswith(prefix):
            return t("funnel.coef_level", lang, feature=t(f"funnel.feature_{feature}", lang),
                     level=t(f"funnel.{feature}_{name[len(prefix):]}", lang),
                     ref=t(f"funnel.{feature}_{_reference(feature)}", lang))
    return name


def coefficient_table(model: LeadModel, lang: str, confidence: float = 0.95) -> pd.DataFrame:
    """The logistic model's coefficients as odds ratios with their confidence intervals."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + confidence / 2)
    lg = model.logit
    keep = [i for i, n in enumerate(lg.names) if n != "intercept"]
    return pd.DataFrame({
        t("funnel.col_feature", lang): [feature_label(lg.names[i], lang) for i in keep],
        t("funnel.col_coef", lang): [f"{lg.coef[i]:+.2f}" for i in keep],
        t("funnel.col_odds", lang): [f"{math.exp(lg.coef[i]):.2f}" for i in keep],
        t("funnel.col_odds_interval", lang, p=confidence): [
            f"{math.exp(lg.coef[i] - z * lg.se[i]):.2f} – {math.exp(lg.coef[i] + z * lg.se[i]):.2f}" for i in keep],
    })


@dataclass(frozen=True)
class Comparison:
    """How the two scores rank the selection's resolved leads."""

    n: int
    positives: int
    auc_rule: float
    auc_model: float
    brier_model: float
    flagged: int                 # resolved leads at or above the SQL threshold
    rate_rule: tuple[float, float, float]     # quote rate among them (rate, low, high)
    rate_model: tuple[float, float, float]    # among as many leads ranked highest by the model


def compare(db: Dashboard, scoring: Scoring | None = None) -> Comparison:
    """Rule score vs the logistic model (out-of-fold) on the selection's resolved leads: AUC of each, the
    model's Brier score, and the quote rate among the leads the rules flag as SQL against as many leads
    picked by the model (same volume, so the comparison is fair)."""
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s, db.model)
    res = leads[leads["resolved"]]
    y = res["positive"].to_numpy()
    conf = db.section.confidence
    flagged = int((res["score"] >= s.sql_threshold).sum())

    def rate(mask: np.ndarray) -> tuple[float, float, float]:
        k, n = int(y[mask].sum()), int(mask.sum())
        lo, hi = stats.wilson_interval(k, n, conf)
        return (k / n if n else float("nan"), float(lo), float(hi))

    top = np.zeros(len(res), dtype=bool)
    if flagged:
        top[np.argsort(-res["p_oof"].to_numpy(), kind="stable")[:flagged]] = True
    return Comparison(len(res), int(y.sum()), auc(res["score"], y), auc(res["p_oof"], y),
                      brier(res["p_oof"], y) if len(res) else float("nan"), flagged,
                      rate(res["score"].to_numpy() >= s.sql_threshold), rate(top))


def comparison_table(db: Dashboard, lang: str, scoring: Scoring | None = None) -> pd.DataFrame:
    c = compare(db, scoring)
    s = db.section.scoring if scoring is None else scoring

    def r(x: tuple[float, float, float]) -> str:
        return "–" if not math.isfinite(x[0]) else f"{x[0]:.0%} ({x[1]:.0%} – {x[2]:.0%})"
    return pd.DataFrame({
        t("funnel.col_measure", lang): [t("funnel.cmp_auc", lang), t("funnel.cmp_brier", lang),
                                        t("funnel.cmp_top", lang, n=c.flagged, sql=f"{s.sql_threshold:g}")],
        t("funnel.rule_score", lang): [f"{c.auc_rule:.2f}", "–", r(c.rate_rule)],
        t("funnel.model_score", lang): [f"{c.auc_model:.2f}", f"{c.brier_model:.3f}", r(c.rate_model)],
    })


def volumes_table(db: Dashboard, lang: str, scoring: Scoring | None = None) -> pd.DataFrame:
    """MQL and SQL volumes per month at the thresholds against those recorded, and their quote rates."""
    s = db.section.scoring if scoring is None else scoring
    v = volumes(db.data, db.sel, s, db.section.confidence)
    rows = []
    for level in v.index:
        r = v.loc[level]
        rows.append((t(f"funnel.level_{level}", lang),
                     "–" if not math.isfinite(r["threshold"]) else f"≥ {r['threshold']:g}",
                     f"{r['share']:.0%}" if math.isfinite(r["share"]) else "–", f"{r['per_month']:,.1f}",
                     f"{r['recorded']:,.1f}",
                     "–" if not r["resolved"] else
                     f"{r['quote_rate']:.0%} ({r['low']:.0%} – {r['high']:.0%}; n = {int(r['resolved'])})"))
    return pd.DataFrame(rows, columns=[t("funnel.col_level", lang), t("funnel.col_threshold", lang),
                                       t("funnel.col_share_sample", lang), t("funnel.col_est_month", lang),
                                       t("funnel.col_recorded_month", lang), t("funnel.col_quote_rate", lang)])


def reactivation_table(db: Dashboard, lang: str, limit: int = 12) -> pd.DataFrame | str:
    """Open leads idle for the re-activation period, highest score first, with the suggested next step."""
    sec = db.section
    r = reactivation(db.data, db.code, db.sel.channel, db.as_of, sec.scoring, sec.reactivation_days).head(limit)
    if r.empty:
        return ""
    return pd.DataFrame({
        t("funnel.col_lead", lang): [_id_text(x) for x in r["lead_id"]],
        t("funnel.col_channel", lang): [channel_label(c, lang) for c in r["channel"]],
        t("funnel.feature_industry", lang): [t(f"funnel.industry_{x}", lang) for x in r["industry"]],
        t("funnel.feature_role", lang): [_nowrap(t(f"funnel.role_{x}", lang)) for x in r["role"]],
        _nowrap(t("funnel.col_score", lang)): [f"{x:g}" for x in r["score"]],
        t("funnel.col_last", lang): [_date_text(d) for d in r["last_interaction"]],
        _nowrap(t("funnel.col_idle", lang)): r["days_idle"].to_numpy(),
        t("funnel.col_action", lang): [t(f"funnel.action_{b}", lang) for b in r["band"]],
    })


def reactivation_text(db: Dashboard, lang: str) -> str:
    sec = db.section
    r = reactivation(db.data, db.code, db.sel.channel, db.as_of, sec.scoring, sec.reactivation_days)
    if r.empty:
        return t("funnel.no_reactivation", lang, days=sec.reactivation_days, date=db.as_of.isoformat())
    return t("funnel.reactivation_count", lang, n=len(r), days=sec.reactivation_days, date=db.as_of.isoformat(),
             sql=int((r["band"] == "sql").sum()), mql=int((r["band"] == "mql").sum()))


def economics_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Per channel: spend, customers won, CAC, first-order margin, yearly margin, payback, LTV, LTV / CAC."""
    e = db.economics
    cur = db.currency
    label = [channel_label(c, lang) if c != "all" else t("funnel.all_channels", lang) for c in e.index]
    margin = [money(m, cur, lang) + (" *" if p else "") for m, p in zip(e["margin_year"], e["pooled"])]
    return pd.DataFrame({
        t("funnel.col_channel", lang): label,
        t("funnel.col_spend", lang): [money(x, cur, lang) for x in e["spend"]],
        t("funnel.col_new", lang): e["new_customers"].astype(int).to_numpy(),
        t("funnel.col_cac", lang): [money(x, cur, lang) if math.isfinite(x) else t("funnel.no_customer", lang) for x in e["cac"]],
        t("funnel.col_first_margin", lang): [money(x, cur, lang) for x in e["first_order_margin"]],
        t("funnel.col_margin_year", lang): margin,
        t("funnel.col_payback", lang): [fmt(x, "months", lang) if ok else t("funnel.never", lang)
                                        for x, ok in zip(e["payback_months"], e["pays_back"])],
        t("funnel.col_ltv", lang): [money(x, cur, lang) for x in e["ltv"]],
        t("funnel.col_ltv_cac", lang): [fmt(x, "ratio", lang) for x in e["ltv_to_cac"]],
    })


def ltv_note(db: Dashboard, lang: str, retention: float | None = None) -> str:
    lt = db.section.ltv
    r = lt.retention if retention is None else retention
    horizon = t("funnel.horizon_years", lang, n=lt.horizon_years) if lt.horizon_years else t("funnel.horizon_forever", lang)
    measured = db.board.at["churn_rate", "value"] if "churn_rate" in db.board.index else float("nan")
    return t("funnel.ltv_note", lang, r=r, d=lt.discount_rate, horizon=horizon, min=lt.min_accounts,
             measured=_pct(1 - measured, 0) if math.isfinite(measured) else "–")


def tier_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Per tier: the SLA promised, active accounts, revenue and margin, product lines, SLA attainment."""
    tr = db.tiers
    cur = db.currency
    return pd.DataFrame({
        _nowrap(t("funnel.col_tier", lang)): [_nowrap(t(f"funnel.tier_{x}", lang)) for x in tr.index],
        t("funnel.col_sla", lang): [t("funnel.sla_policy", lang, h=f"{r['sla_hours']:g}", p=r["sla_target"],
                                      qbr=(t("funnel.qbr_every", lang, m=int(r["qbr_every_months"]))
                                           if r["qbr_every_months"] else t("funnel.qbr_none", lang)))
                                    for _, r in tr.iterrows()],
        t("funnel.col_active", lang): [f"{int(r['active'])} / {int(r['accounts'])}" for _, r in tr.iterrows()],
        t("funnel.col_revenue", lang): [money(x, cur, lang) for x in tr["revenue"]],
        _nowrap(t("funnel.col_revenue_share", lang)): [_pct(x, 0) for x in tr["revenue_share"]],
        t("funnel.col_margin_rate", lang): [_pct(x) for x in tr["margin_rate"]],
        t("funnel.col_lines", lang): ["–" if not math.isfinite(x) else f"{x:.2f}" for x in tr["lines"]],
        t("funnel.col_attainment", lang): [
            "–" if not r["requests"] else f"{r['attainment']:.0%} ({r['low']:.0%}\u00a0–\u00a0{r['high']:.0%})"
            for _, r in tr.iterrows()],
        t("funnel.col_joint", lang): tr["joint"].astype(int).to_numpy(),
    })


def cross_sell_table(db: Dashboard, lang: str) -> pd.DataFrame:
    cs = cross_sell(db.data, db.code, db.sel.window.end)
    out = pd.DataFrame({t("funnel.col_tier", lang): [_nowrap(t(f"funnel.tier_{x}", lang)) for x in cs.index]})
    out[t("funnel.col_accounts", lang)] = cs["accounts"].fillna(0).astype(int).to_numpy()
    for line in PRODUCT_LINES:
        out[t(f"funnel.line_{line}", lang)] = [_pct(x, 0) for x in cs[line]]
    return out


def qbr_table(db: Dashboard, lang: str) -> pd.DataFrame | str:
    sec = db.section
    q = qbrs_due(db.data, db.code, db.as_of, sec.tiers, sec.qbr_lookahead_days)
    if q.empty:
        return ""
    return pd.DataFrame({
        t("funnel.col_account", lang): [_id_text(x) for x in q["account_id"]],
        _nowrap(t("funnel.col_tier", lang)): [_nowrap(t(f"funnel.tier_{x}", lang)) for x in q["tier"]],
        t("funnel.feature_industry", lang): [t(f"funnel.industry_{x}", lang) for x in q["industry"]],
        t("funnel.col_last_qbr", lang): [_date_text(d) if pd.notna(d) else t("funnel.never_held", lang) for d in q["last_qbr"]],
        t("funnel.col_due", lang): [_date_text(d) for d in q["due"]],
        t("funnel.col_status", lang): [t(f"funnel.qbr_{s}", lang, days=abs(int(d))) for s, d in zip(q["status"], q["days"])],
        t("funnel.col_joint", lang): [t(f"funnel.joint_{x}", lang) for x in q["joint_development"]],
    })


def qbr_text(db: Dashboard, lang: str) -> str:
    sec = db.section
    q = qbrs_due(db.data, db.code, db.as_of, sec.tiers, sec.qbr_lookahead_days)
    if q.empty:
        return t("funnel.no_qbr", lang, date=db.as_of.isoformat(), days=sec.qbr_lookahead_days)
    return t("funnel.qbr_count", lang, n=len(q), date=db.as_of.isoformat(), days=sec.qbr_lookahead_days,
             late=int((q["status"] != "due").sum()))


def kpi_definitions_table(kpis: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The KPI definitions of ``kpis.csv`` in one language."""
    return pd.DataFrame({
        _nowrap(t("funnel.col_layer", lang)): [_nowrap(t(f"funnel.layer_{x}", lang)) for x in kpis["layer"]],
        t("funnel.col_kpi", lang): _col(kpis, "name", lang).to_numpy(),
        t("funnel.col_formula", lang): _col(kpis, "formula", lang).to_numpy(),
        _nowrap(t("funnel.col_better", lang)): [_nowrap(t(f"funnel.better_{x}", lang)) for x in kpis["better"]],
    })


def board_table(db: Dashboard, lang: str) -> pd.DataFrame:
    """Every KPI: value with its interval, target, status, the previous window's value and the trend."""
    b = db.board
    kpis = db.data.kpis
    cur = db.currency

    def value(k: str) -> str:
        r = b.loc[k]
        text_ = fmt(r["value"], r["unit"], lang, cur, r["never"])
        if r["unit"] == "share" and math.isfinite(r["low"]):
            text_ += f" ({_short_interval(r['low'], r['high'])})"
        return text_

    return pd.DataFrame({
        _nowrap(t("funnel.col_layer", lang)): [_nowrap(t(f"funnel.layer_{x}", lang)) for x in b["layer"]],
        t("funnel.col_kpi", lang): [kpi_name(kpis, k, lang) for k in b.index],
        t("funnel.col_value", lang, period=db.sel.window.label()): [value(k) for k in b.index],
        t("funnel.col_target", lang): [fmt(x, u, lang, cur) for x, u in zip(b["target"], b["unit"])],
        t("funnel.col_status", lang): [_nowrap(t(f"funnel.status_{s}", lang)) for s in b["status"]],
        t("funnel.col_previous", lang): [fmt(x, u, lang, cur) for x, u in zip(b["previous"], b["unit"])],
        _nowrap(t("funnel.col_trend", lang)): [_nowrap(t(f"funnel.trend_{x}", lang)) for x in b["trend"]],
    })


# ---------------------------------------------------------------------------------------------- texts

def period_text(db: Dashboard, lang: str) -> str:
    return t("funnel.period", lang, months=db.sel.window.months, label=db.sel.window.label())


def rag_note(db: Dashboard, lang: str) -> str:
    """The status and trend rules of this scenario in words."""
    return t("funnel.rag_note", lang, band=db.section.amber_band, flat=db.section.trend_flat,
             previous=db.sel.previous().window.label())


def method_note(db: Dashboard, lang: str) -> str:
    return t("funnel.method_note", lang, period=period_text(db, lang), p=db.section.confidence,
             date=db.as_of.isoformat())


def summary_text(db: Dashboard, lang: str) -> str:
    """The chapter's findings for the market in one paragraph (Markdown)."""
    b = db.board
    e = db.economics.loc["all"]
    counts = b["status"].value_counts()
    red = [kpi_name(db.data.kpis, k, lang) for k in b.index[b["status"] == "red"]]
    sep = "、" if lang == "zh-TW" else ", "
    q = qbrs_due(db.data, db.code, db.as_of, db.section.tiers, db.section.qbr_lookahead_days)
    r = reactivation(db.data, db.code, db.sel.channel, db.as_of, db.section.scoring, db.section.reactivation_days)
    return t("funnel.summary", lang, market=country_name(db.code, lang), period=period_text(db, lang),
             visitors=f"{db.total['visitors']:,.0f}", leads=f"{db.total['downloads']:,.0f}",
             won=int(db.total["new_customers"]),
             cac=money(e["cac"], db.currency, lang) if math.isfinite(e["cac"]) else t("funnel.no_customer", lang),
             ltv_cac=fmt(e["ltv_to_cac"], "ratio", lang), payback=fmt(e["payback_months"], "months", lang),
             green=int(counts.get("green", 0)), amber=int(counts.get("amber", 0)), red_n=int(counts.get("red", 0)),
             total=len(b), red=sep.join(red) if red else t("funnel.none", lang), qbr=len(q), idle=len(r),
             days=db.section.reactivation_days)


def headline(db: Dashboard, lang: str) -> tuple[str, str, float | None]:
    """The headline sentence, its key figure (LTV / CAC over all channels) and that number."""
    b = db.board
    e = db.economics.loc["all"]
    ratio = float(e["ltv_to_cac"])
    worst = b[b["status"] == "red"].sort_values("attainment", na_position="first")
    red = [kpi_name(db.data.kpis, k, lang) for k in worst.index[:3]]
    sep = "、" if lang == "zh-TW" else ", "
    q = qbrs_due(db.data, db.code, db.as_of, db.section.tiers, db.section.qbr_lookahead_days)
    text_ = t("funnel.headline", lang, market=country_name(db.code, lang), green=int((b["status"] == "green").sum()),
              total=len(b), red=sep.join(red) if red else t("funnel.none", lang), qbr=len(q),
              ltv_cac=fmt(ratio, "ratio", lang))
    value = round(ratio, 2) if math.isfinite(ratio) else None
    return text_, t("funnel.headline_figure", lang, x=fmt(ratio, "ratio", lang)), value



# ------------------------------------------------------------------------------------ workshop helpers
# The chapter's exercises (cells tagged ``exercise`` / ``solution``) compute their answers with these.

def months_to_separate(converted_a: float, entered_a: float, converted_b: float, entered_b: float, months: int,
                       confidence: float = 0.95, cap: int = 600) -> float:
    """Whole months of data after which the Wilson intervals of two conversion rates stop overlapping, if both
    keep their current rates and monthly volumes (every count scales by M / ``months``).

    The upper Wilson bound of a rate falls and the lower bound rises as its base grows with the rate fixed, so
    the overlap shrinks monotonically and a bisection over whole months finds the first M that separates.
    Returns ``months`` when the intervals are separate already and ``inf`` for equal rates or beyond ``cap``.
    """
    if months < 1 or min(entered_a, entered_b) <= 0:
        raise InputError(f"months_to_separate: expected months >= 1 and both bases > 0, found months={months}, "
                         f"bases {entered_a:g} and {entered_b:g}")

    def apart(m: int) -> bool:
        f = m / months
        lo, hi = stats.wilson_interval(np.array([converted_a, converted_b]) * f,
                                       np.array([entered_a, entered_b]) * f, confidence)
        return bool(lo[0] > hi[1] or lo[1] > hi[0])

    if apart(months):
        return float(months)
    if converted_a * entered_b == converted_b * entered_a or not apart(cap):
        return float("inf")
    lo, hi = months, cap                      # lo overlaps, hi is apart
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if apart(mid) else (mid, hi)
    return float(hi)


def separation(counts: pd.DataFrame, months: int, confidence: float = 0.95) -> pd.DataFrame:
    """Every pair of rows of ``counts`` (channels) on every step of both chains whose conversion rates differ
    while their Wilson intervals overlap, with the months of data it would take to tell them apart
    (``months_to_separate``); the widest gap between the point estimates first (then the larger bases)."""
    conv = conversions(counts, confidence).rename_axis("group").reset_index()
    conv = conv[conv["entered"] > 0]
    keys = ["chain", "from_stage", "to_stage"]
    pairs = conv.merge(conv, on=keys, suffixes=("_a", "_b"))
    pairs = pairs[pairs["group_a"].astype(str) < pairs["group_b"].astype(str)]
    swap = pairs["rate_a"] < pairs["rate_b"]                 # a: the higher rate
    for col in ("group", "entered", "converted", "rate", "low", "high"):
        a, b = pairs[f"{col}_a"].copy(), pairs[f"{col}_b"].copy()
        pairs.loc[swap, f"{col}_a"], pairs.loc[swap, f"{col}_b"] = b[swap], a[swap]
    pairs["gap"] = pairs["rate_a"] - pairs["rate_b"]
    pairs = pairs[(pairs["gap"] > 0) & (pairs["low_a"] <= pairs["high_b"])]
    # samples -> first PO belongs to both chains: one row per step and pair
    pairs = pairs.drop_duplicates(["from_stage", "to_stage", "group_a", "group_b"]).copy()
    pairs["bases"] = pairs["entered_a"] + pairs["entered_b"]
    pairs["months_needed"] = [months_to_separate(ka, na, kb, nb, months, confidence) for ka, na, kb, nb in
                              zip(pairs["converted_a"], pairs["entered_a"], pairs["converted_b"], pairs["entered_b"])]
    pairs = pairs.sort_values(["gap", "bases"], ascending=[False, False], kind="stable")
    cols = [*keys, "group_a", "converted_a", "entered_a", "rate_a", "low_a", "high_a",
            "group_b", "converted_b", "entered_b", "rate_b", "low_b", "high_b", "gap", "months_needed"]
    return pairs[cols].reset_index(drop=True)


@dataclass(frozen=True)
class VolumeMatch:
    """The MQL threshold at which the rules pass as many MQLs a month as the logistic model expects quotes."""

    leads_per_month: float     # the funnel's leads (downloads) per month in the window
    expected: float            # quotes a month the model expects: mean P(quote) of the window's leads x leads a month
    threshold: float           # the highest threshold passing at least ``expected`` MQLs a month
    per_month: float           # MQLs a month at ``threshold``
    next_threshold: float      # the next higher score (NaN when there is none)
    next_per_month: float      # MQLs a month there: fewer than ``expected``
    current: float             # MQLs a month at the scenario's threshold
    resolved: int              # resolved leads at or above ``threshold`` ...
    quoted: int                # ... and how many of them reached a quote
    base_rate: float           # share of all resolved leads of the window that reached a quote


def volume_match(db: Dashboard, scoring: Scoring | None = None) -> VolumeMatch:
    """Match the rule score's MQL volume to the model's expected quotes.

    The logistic model gives each lead of the window its probability p_i of reaching a quote, so the expected
    number of quotes among them is sum p_i (the mean of p_i times the leads a month, as ``volumes`` scales the
    sample). The MQL volume only changes at the leads' distinct scores; the answer is the highest of them at
    which MQLs a month (``volumes``' estimate) are still at least the expected quotes.
    """
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s, db.model)
    if leads.empty:
        raise InputError(f"volume_match: no leads of {db.code} ({db.sel.channel}) were created in "
                         f"{db.sel.window.label()}")
    v = volumes(db.data, db.sel, s, db.section.confidence)
    lpm = float(v.at["lead", "per_month"])
    expected = float(leads["p_fitted"].mean()) * lpm
    score = leads["score"].to_numpy(float)
    cands = np.unique(score)                                    # ascending
    per_month = (score[None, :] >= cands[:, None]).mean(axis=1) * lpm
    i = int(np.flatnonzero(per_month >= expected - 1e-9).max())
    above = leads[(leads["score"] >= cands[i]) & leads["resolved"]]
    res = leads[leads["resolved"]]
    return VolumeMatch(lpm, expected, float(cands[i]), float(per_month[i]),
                       float(cands[i + 1]) if i + 1 < len(cands) else float("nan"),
                       float(per_month[i + 1]) if i + 1 < len(cands) else 0.0, float(v.at["mql", "per_month"]),
                       len(above), int(above["positive"].sum()),
                       float(res["positive"].mean()) if len(res) else float("nan"))


def with_mql_threshold(s: Scoring, threshold: float) -> Scoring:
    """The scoring with another MQL threshold (the SQL threshold raised to it when it was lower)."""
    x = float(threshold)
    return s.model_copy(update={"mql_threshold": x, "sql_threshold": max(s.sql_threshold, x)})


def breakeven_retention(margin_year, cac, target: float, discount_rate: float,
                        horizon_years: int | None = None) -> np.ndarray:
    """The yearly retention r* at which LTV / CAC equals ``target`` (vectorized over channels).

    LTV(r) = sum_t m r^t / (1 + d)^t (``unit_economics.ltv``) rises with r, so LTV(r*) = target x CAC is
    solved by bisection (60 halvings). 0 where the first year's margin alone reaches the target; NaN where
    no retention does (up to 1, or up to just below 1 + d without a horizon) or there is no CAC.
    """
    m = np.asarray(margin_year, dtype=float)
    need = target * np.asarray(cac, dtype=float)
    m, need = np.broadcast_arrays(m, need)
    top = 1.0 if horizon_years else min(1.0, 1.0 + discount_rate) - 1e-9
    lo, hi = np.zeros(m.shape), np.full(m.shape, top)
    for _ in range(60):
        mid = (lo + hi) / 2
        short = ue.ltv(m, mid, discount_rate, horizon_years) < need
        lo, hi = np.where(short, mid, lo), np.where(short, hi, mid)
    out = hi.copy()
    out[ue.ltv(m, 0.0, discount_rate, horizon_years) >= need] = 0.0
    out[(ue.ltv(m, top, discount_rate, horizon_years) < need) | ~np.isfinite(need) | ~np.isfinite(m)] = np.nan
    return out


def retention_stress(db: Dashboard, drop: float = 0.10) -> pd.DataFrame:
    """Per channel (and ``all``): LTV / CAC now and with the yearly retention ``drop`` lower (recomputed with
    ``channel_economics``), the break-even retention for the market's LTV / CAC target
    (``breakeven_retention``) and the headroom r - r*; ``falls_below`` marks a channel at or above the
    target now and below it after the drop. Beside them each channel's CAC and yearly margin relative to all
    channels: which of the two makes a weak channel weak."""
    if not 0 <= drop <= 1:
        raise InputError(f"drop: expected a fall in retention from 0 to 1 (e.g. 0.10 for 10 points), found {drop!r}")
    lt = db.section.ltv
    target = float(db.section.targets.get("ltv_to_cac", 3.0))
    e = db.economics
    low = lt.model_copy(update={"retention": max(lt.retention - drop, 0.0)})
    after = channel_economics(db.data, db.sel, low)["ltv_to_cac"].reindex(e.index)
    r_star = breakeven_retention(e["margin_year"], e["cac"], target, lt.discount_rate, lt.horizon_years)
    out = pd.DataFrame({
        "cac": e["cac"], "margin_year": e["margin_year"], "ltv_to_cac": e["ltv_to_cac"], "after": after,
        "breakeven": r_star, "headroom": lt.retention - r_star,
        "cac_vs_all": e["cac"] / e.at["all", "cac"], "margin_vs_all": e["margin_year"] / e.at["all", "margin_year"],
    }, index=e.index)
    out["falls_below"] = (out["ltv_to_cac"] >= target) & (out["after"] < target)
    return out


def red_line(target, better, amber_band: float) -> np.ndarray:
    """The value at which a KPI turns red under ``rag``: below target x (1 - band) where higher is better,
    above target / (1 - band) where lower is better (the line itself is still amber)."""
    tg = np.asarray(target, dtype=float)
    hi = np.asarray(better) == "higher"
    return np.where(hi, tg * (1 - amber_band), tg / (1 - amber_band))


def kpi_headroom(board: pd.DataFrame, amber_band: float) -> pd.DataFrame:
    """How far each KPI of the board can worsen before it turns red: ``room`` in its own unit and ``room_rel``
    relative to its value (the share it may fall, or rise where lower is better); 0 for a KPI that is red
    already, inf when it cannot turn red, NaN without a value. The smallest relative room first: if every
    KPI worsened by the same percentage, the first row turns red first."""
    v = board["value"].to_numpy(float)
    line = red_line(board["target"], board["better"], amber_band)
    hi = board["better"].to_numpy() == "higher"
    room = np.where(hi, v - line, line - v)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(hi, np.where(line > 0, 1 - line / v, np.inf), line / v - 1)
    red = board["status"].to_numpy() == "red"
    room = np.where(red, 0.0, room)
    rel = np.where(red, 0.0, np.where(hi & (v <= 0) & (line > 0), 0.0, rel))
    out = board[["layer", "unit", "better", "value", "target", "status", "attainment"]].copy()
    out["red_at"], out["room"], out["room_rel"] = line, room, rel
    out.loc[np.isnan(v), ["room", "room_rel"]] = np.nan
    return out.sort_values(["room_rel", "attainment"], kind="stable", na_position="last")


def board_what_if(board: pd.DataFrame, values: Mapping[str, float], amber_band: float) -> pd.DataFrame:
    """The board with some KPI values replaced; attainment and status recomputed with ``attainment``/``rag``."""
    unknown = sorted(set(values) - set(board.index))
    if unknown:
        raise InputError(f"values: expected KPIs of the board ({', '.join(board.index)}); "
                         f"unknown: {', '.join(unknown)}")
    out = board.copy()
    for k, x in values.items():
        out.at[k, "value"] = float(x)
        out.at[k, "never"] = False if math.isfinite(float(x)) else out.at[k, "never"]
    out["attainment"] = attainment(out["value"], out["target"], out["better"])
    out["status"] = rag(out["value"], out["target"], out["better"], amber_band, out["never"])
    return out


# The quote lies on every path from inquiry to purchase order: a quote that goes out later delays the PO too.
QUOTE_PATH: tuple[str, ...] = ("quote_turnaround_days", "inquiry_to_po_days")


def quote_slip(db: Dashboard, days: float) -> pd.DataFrame:
    """What a slip of ``days`` in quote turnaround does to the KPIs on the quote's path (``QUOTE_PATH``): each
    adds the days (win rates held as they are). Value and status before and after, the red line, and the
    days of slip that turn each red (0: red already); the first to turn red first."""
    b = db.board
    kpis = [k for k in QUOTE_PATH if k in b.index and math.isfinite(float(b.at[k, "value"]))]
    after = board_what_if(b, {k: float(b.at[k, "value"]) + days for k in kpis}, db.section.amber_band)
    room = kpi_headroom(b, db.section.amber_band)
    out = pd.DataFrame({"value": b.loc[kpis, "value"], "target": b.loc[kpis, "target"], "status": b.loc[kpis, "status"],
                        "slipped": after.loc[kpis, "value"], "status_after": after.loc[kpis, "status"],
                        "red_at": room.loc[kpis, "red_at"], "days_to_red": room.loc[kpis, "room"]}, index=kpis)
    return out.sort_values("days_to_red", kind="stable")


def _step(row: pd.Series, lang: str) -> str:
    return _transition(row["from_stage"], row["to_stage"], lang)


def _group_label(group: str, lang: str) -> str:
    return t("funnel.all_channels", lang) if group == "all" else channel_label(group, lang)


def _months_text(m: float, lang: str) -> str:
    return t("funnel.months_beyond", lang) if not math.isfinite(m) else t("funnel.unit_months", lang, x=f"{m:.0f}")


def separation_table(sep: pd.DataFrame, lang: str, limit: int = 6) -> pd.DataFrame | str:
    """The pairs of ``separation`` (widest gap first): step, the two channels with k / n and rate, months needed."""
    if sep.empty:
        return ""
    s = sep.head(limit)

    def rate(g: str, k: float, n: float, r: float) -> str:
        return t("funnel.pair_rate", lang, name=_group_label(g, lang), rate=f"{r:.0%}", k=f"{k:,.0f}", n=f"{n:,.0f}")
    return pd.DataFrame({
        t("funnel.col_step", lang): [_step(r, lang) for _, r in s.iterrows()],
        t("funnel.col_higher", lang): [rate(g, k, n, r) for g, k, n, r in
                                       zip(s["group_a"], s["converted_a"], s["entered_a"], s["rate_a"])],
        t("funnel.col_lower", lang): [rate(g, k, n, r) for g, k, n, r in
                                      zip(s["group_b"], s["converted_b"], s["entered_b"], s["rate_b"])],
        t("funnel.col_months_needed", lang): [_months_text(m, lang) for m in s["months_needed"]],
    })


def separation_note(sep: pd.DataFrame, months: int, lang: str) -> str:
    """The answer in words: the widest gap whose intervals still overlap, and when it would be clear."""
    if sep.empty:
        return t("funnel.separation_none", lang, months=months)
    r = sep.iloc[0]
    m = float(r["months_needed"])
    return t("funnel.separation_note", lang, step=_step(r, lang), a=_group_label(r["group_a"], lang),
             b=_group_label(r["group_b"], lang), ra=_pct(r["rate_a"], 0), rb=_pct(r["rate_b"], 0),
             ka=f"{r['converted_a']:,.0f}", na=f"{r['entered_a']:,.0f}", kb=f"{r['converted_b']:,.0f}",
             nb=f"{r['entered_b']:,.0f}", months=months, needed=_months_text(m, lang),
             extra=_months_text(m - months, lang))


def volume_match_note(vm: VolumeMatch, s: Scoring, lang: str, confidence: float = 0.95) -> str:
    low, high = stats.wilson_interval(vm.quoted, vm.resolved, confidence)
    rate = (t("funnel.rate_with_interval", lang, rate=_pct(vm.quoted / vm.resolved, 0),
              interval=_short_interval(float(low), float(high)), n=vm.resolved) if vm.resolved else "–")
    nxt = (t("funnel.match_next", lang, x=f"{vm.next_threshold:g}", n=f"{vm.next_per_month:,.1f}")
           if math.isfinite(vm.next_threshold) else "")
    return t("funnel.match_note", lang, leads=f"{vm.leads_per_month:,.1f}", expected=f"{vm.expected:,.1f}",
             x=f"{vm.threshold:g}", n=f"{vm.per_month:,.1f}", next=nxt, current=f"{s.mql_threshold:g}",
             current_n=f"{vm.current:,.1f}", rate=rate, base=_pct(vm.base_rate, 0))


def retention_stress_table(st: pd.DataFrame, db: Dashboard, lang: str, drop: float = 0.10) -> pd.DataFrame:
    """Per channel: LTV / CAC now and after the drop, break-even retention and headroom, and CAC and yearly
    margin against all channels (``retention_stress``)."""
    r = db.section.ltv.retention

    def r_star(x: float) -> str:
        if not math.isfinite(x):
            return t("funnel.unreachable", lang)
        return _pct(x, 1 if 0.99 < x < 1 else 0)         # just under 100 % is not 100 %

    def room(x: float) -> str:
        return "–" if not math.isfinite(x) else t("funnel.points", lang, x=f"{100 * x:+.0f}")

    def ratio(x: float) -> str:
        return fmt(x, "ratio", lang) if math.isfinite(x) else t("funnel.no_customer", lang)
    return pd.DataFrame({
        t("funnel.col_channel", lang): _series_labels(st.index, lang),
        t("funnel.col_ltv_cac_at", lang, r=_pct(r, 0)): [ratio(x) for x in st["ltv_to_cac"]],
        t("funnel.col_ltv_cac_at", lang, r=_pct(max(r - drop, 0.0), 0)): [ratio(x) for x in st["after"]],
        t("funnel.col_breakeven", lang): [r_star(x) for x in st["breakeven"]],
        t("funnel.col_headroom", lang): [room(x) for x in st["headroom"]],
        t("funnel.col_cac_vs_all", lang): [_pct(x, 0) for x in st["cac_vs_all"]],
        t("funnel.col_margin_vs_all", lang): [_pct(x, 0) for x in st["margin_vs_all"]],
    })


def retention_stress_note(st: pd.DataFrame, db: Dashboard, lang: str, drop: float = 0.10) -> str:
    """The answer in words: which channels fall below the target, which were below it already, and where the
    weakest channel's problem lies (CAC or margin)."""
    target = float(db.section.targets.get("ltv_to_cac", 3.0))
    sep = "、" if lang == "zh-TW" else ", "
    ch = st.drop(index="all", errors="ignore")
    ch = ch[np.isfinite(ch["ltv_to_cac"].to_numpy(float))]
    names = lambda idx: sep.join(channel_label(c, lang) for c in idx) or t("funnel.none", lang)  # noqa: E731
    falls = ch.index[ch["falls_below"]]
    below = ch.index[ch["ltv_to_cac"] < target]
    parts = [t("funnel.stress_falls", lang, points=f"{100 * drop:.0f}", r=_pct(db.section.ltv.retention, 0),
               target=fmt(target, "ratio", lang), falls=names(falls), below=names(below))]
    if len(ch):
        w = ch["ltv_to_cac"].astype(float).idxmin()
        cause = "cac" if ch.at[w, "cac_vs_all"] - 1 >= 1 - ch.at[w, "margin_vs_all"] else "margin"
        parts.append(t(f"funnel.stress_weakest_{cause}", lang, channel=channel_label(w, lang),
                       ratio=fmt(ch.at[w, "ltv_to_cac"], "ratio", lang), cac=_pct(ch.at[w, "cac_vs_all"], 0),
                       margin=_pct(ch.at[w, "margin_vs_all"], 0)))
    return " ".join(parts) if lang == "en" else "".join(parts)


def headroom_table(hr: pd.DataFrame, db: Dashboard, lang: str, limit: int = 8) -> pd.DataFrame:
    """The KPIs not red yet, closest to red first (``kpi_headroom``): value, target, status, the red line and
    the room before it, in the KPI's unit (shares in percentage points) and relative to the value."""
    h = hr[~hr["status"].isin(["red", "grey"])].head(limit)
    cur = db.currency

    def room(x: float, rel: float, unit: str) -> str:
        if not math.isfinite(rel):
            return t("funnel.cannot_turn_red", lang)
        if unit == "share":                                  # a share moves in percentage points
            shown = t("funnel.points", lang, x=f"{100 * x:.2f}" if 100 * x < 1 else f"{100 * x:.1f}")
        else:
            shown = fmt(x, unit, lang, cur) if unit != "lines" else f"{x:.2f}"
        return t("funnel.room_text", lang, room=shown, rel=_pct(rel, 1 if rel < 0.1 else 0))

    def value(x: float, unit: str) -> str:                   # shares to 0.01 %: the red line can be that close
        return _pct(x, 2) if unit == "share" else fmt(x, unit, lang, cur)
    return pd.DataFrame({
        t("funnel.col_kpi", lang): [kpi_name(db.data.kpis, k, lang) for k in h.index],
        t("funnel.col_value", lang, period=db.sel.window.label()): [value(v, u) for v, u in zip(h["value"], h["unit"])],
        t("funnel.col_target", lang): [value(x, u) for x, u in zip(h["target"], h["unit"])],
        t("funnel.col_status", lang): [_nowrap(t(f"funnel.status_{s}", lang)) for s in h["status"]],
        t("funnel.col_red_at", lang): [value(x, u) for x, u in zip(h["red_at"], h["unit"])],
        t("funnel.col_room", lang): [room(x, r, u) for x, r, u in zip(h["room"], h["room_rel"], h["unit"])],
    })


def quote_slip_table(qs: pd.DataFrame, db: Dashboard, lang: str) -> pd.DataFrame:
    """The KPIs on the quote's path before and after the slip, and the days of slip that turn each red."""
    kpis = db.data.kpis
    return pd.DataFrame({
        t("funnel.col_kpi", lang): [kpi_name(kpis, k, lang) for k in qs.index],
        t("funnel.col_target", lang): [fmt(x, "days", lang) for x in qs["target"]],
        t("funnel.col_now", lang): [f"{fmt(v, 'days', lang)} · {t(f'funnel.status_{s}', lang)}"
                                    for v, s in zip(qs["value"], qs["status"])],
        t("funnel.col_slipped", lang): [f"{fmt(v, 'days', lang)} · {t(f'funnel.status_{s}', lang)}"
                                        for v, s in zip(qs["slipped"], qs["status_after"])],
        t("funnel.col_days_to_red", lang): [t("funnel.status_red", lang) if x <= 0 else fmt(x, "days", lang)
                                            for x in qs["days_to_red"]],
    })


def headroom_note(hr: pd.DataFrame, qs: pd.DataFrame, db: Dashboard, days: float, lang: str) -> str:
    """The answer in words: which KPI on the quote's path turns red first as the slip grows, which lights the
    slip changes, and which KPI of the whole board is closest to red."""
    kpis = db.data.kpis
    sep = "、" if lang == "zh-TW" else ", "
    changed = [kpi_name(kpis, k, lang) for k in qs.index[qs["status"] != qs["status_after"]]]
    first = qs.index[0] if len(qs) else None
    parts = []
    if first is not None:
        key = "slip_red_already" if qs.at[first, "days_to_red"] <= 0 else "slip_first"
        parts.append(t(f"funnel.{key}", lang, kpi=kpi_name(kpis, first, lang),
                       days=fmt(qs.at[first, "days_to_red"], "days", lang), slip=f"{days:g}",
                       changed=sep.join(changed) if changed else t("funnel.none", lang)))
    open_ = hr[(hr["status"] != "red") & np.isfinite(hr["room_rel"].to_numpy(float))]
    if len(open_):
        k = open_.index[0]
        parts.append(t("funnel.closest_red", lang, kpi=kpi_name(kpis, k, lang), rel=_pct(open_.at[k, "room_rel"], 1),
                       status=t(f"funnel.status_{open_.at[k, 'status']}", lang)))
    else:
        parts.append(t("funnel.no_open_kpi", lang))
    return " ".join(parts) if lang == "en" else "".join(parts)


def headline_points(db: Dashboard, lang: str) -> list[str]:
    """Two or three talking points for the slide deck, with the market's numbers: LTV / CAC by channel, what
    the MQL threshold passes on and how good it is, and the KPIs that are red or closest to red."""
    e = db.economics
    target = float(db.section.targets.get("ltv_to_cac", 3.0))
    ch = e.drop(index="all", errors="ignore")
    ch = ch[np.isfinite(ch["ltv_to_cac"].to_numpy(float))]["ltv_to_cac"].astype(float)
    points = []
    if len(ch) >= 2:
        points.append(t("funnel.point_ltv", lang, x=fmt(e.at["all", "ltv_to_cac"], "ratio", lang),
                        target=fmt(target, "ratio", lang), best=channel_label(ch.idxmax(), lang),
                        bx=fmt(ch.max(), "ratio", lang), worst=channel_label(ch.idxmin(), lang),
                        wx=fmt(ch.min(), "ratio", lang)))
    else:
        points.append(t("funnel.point_ltv_all", lang, x=fmt(e.at["all", "ltv_to_cac"], "ratio", lang),
                        target=fmt(target, "ratio", lang)))
    s = db.section.scoring
    v = volumes(db.data, db.sel, s, db.section.confidence)
    points.append(t("funnel.point_mql", lang, x=f"{s.mql_threshold:g}", n=f"{v.at['mql', 'per_month']:,.1f}",
                    rate=_pct(v.at["mql", "quote_rate"], 0), base=_pct(v.at["lead", "quote_rate"], 0)))
    b = db.board
    hr = kpi_headroom(b, db.section.amber_band)
    open_ = hr[(hr["status"] != "red") & np.isfinite(hr["room_rel"].to_numpy(float))]
    red = int((b["status"] == "red").sum())
    if len(open_):
        k = open_.index[0]
        points.append(t("funnel.point_kpi", lang, red=red, total=len(b), kpi=kpi_name(db.data.kpis, k, lang),
                        rel=_pct(open_.at[k, "room_rel"], 1)))
    else:
        points.append(t("funnel.point_kpi_all_red", lang, red=red, total=len(b)))
    return points


# --------------------------------------------------------------------------------------------- charts

STATUS_COLOURS = {"green": theme.RAG["green"], "amber": theme.RAG["amber"], "red": theme.RAG["red"], "grey": theme.RAG["grey"]}
# lighter tints of the same colours for cells that carry dark text
STATUS_TINTS = {"green": "#A8D5B5", "amber": "#F5D77A", "red": "#EDA79F", "grey": "#D5D5D5"}


def _series_labels(index: pd.Index, lang: str) -> list[str]:
    return [t("funnel.all_channels", lang) if c == "all" else channel_label(c, lang) for c in index]


def funnel_figure(db: Dashboard, lang: str) -> go.Figure:
    """The website funnel and the sales stages for the selection, as bars on a log scale."""
    fig = theme.figure(t("funnel.chart_funnel_title", lang, market=country_name(db.code, lang),
                         channel=(t("funnel.all_channels", lang) if db.sel.channel == "all"
                                  else channel_label(db.sel.channel, lang)),
                         period=db.sel.window.label()), height=520)
    domains = {"web": [0.56, 1.0], "sales": [0.0, 0.44]}
    for k, (chain, stages) in enumerate((("web", WEB_STAGES), ("sales", SALES_STAGES))):
        values = np.array([float(db.total[s]) for s in stages])
        prev = np.r_[np.nan, values[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = values / prev
        text = [f"{v:,.0f}" if i == 0 else f"{v:,.0f} · {_pct(s, 1)}" for i, (v, s) in enumerate(zip(values, share))]
        suffix = "" if k == 0 else "2"
        fig.add_bar(y=[stage_label(s, lang) for s in stages], x=np.where(values > 0, values, np.nan), orientation="h",
                    text=text, textposition="outside", cliponaxis=False, name=t(f"funnel.chain_{chain}", lang),
                    marker_color=theme.COLORWAY[0] if k == 0 else theme.COLORWAY[2], xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                    hovertemplate="%{y}: %{x:,.0f}<extra></extra>")
    top = max(float(db.total["visitors"]), float(db.total["mqls"]), 10.0)
    xr = [-0.1, math.log10(top) + 0.9]
    fig.update_layout(
        xaxis=dict(type="log", range=xr, domain=[0, 1], anchor="y", showticklabels=False),
        yaxis=dict(domain=domains["web"], autorange="reversed", automargin=True, anchor="x",
                   title_text=t("funnel.chain_web", lang)),
        xaxis2=dict(type="log", range=xr, domain=[0, 1], anchor="y2",
                    title_text=t("funnel.axis_count_log", lang, months=db.sel.window.months)),
        yaxis2=dict(domain=domains["sales"], autorange="reversed", automargin=True, anchor="x2",
                    title_text=t("funnel.chain_sales", lang)),
        showlegend=False, margin=dict(l=10, r=30, t=60, b=50),
    )
    return fig


def _transition(a: str, b: str, lang: str, br: bool = False) -> str:
    return f"{stage_label(a, lang)} →{'<br>' if br else ' '}{stage_label(b, lang)}"


def conversion_figure(db: Dashboard, lang: str) -> go.Figure:
    """Stage conversion per channel and for all channels, with Wilson intervals, both chains."""
    # the selected channel(s) and, as the reference, every channel of the market together
    everything = db.total.to_frame("all").T if db.sel.channel == "all" else stage_counts(db.data, replace(db.sel, channel="all"))
    counts = pd.concat([db.counts, everything])
    conv = conversions(counts, db.section.confidence)
    fig = theme.figure(t("funnel.chart_conversion_title", lang, p=db.section.confidence), height=560)
    domains = {"web": [0.58, 1.0], "sales": [0.0, 0.40]}
    labels = _series_labels(counts.index, lang)
    for j, (group, label) in enumerate(zip(counts.index, labels)):
        colour = "#111111" if group == "all" else theme.COLORWAY[j % len(theme.COLORWAY)]
        for k, chain in enumerate(("web", "sales")):
            c = conv[(conv["chain"] == chain) & (conv.index == group)]
            suffix = "" if k == 0 else "2"
            fig.add_scatter(
                x=[_transition(a, b, lang, br=True) for a, b in zip(c["from_stage"], c["to_stage"])], y=100 * c["rate"],
                error_y=dict(type="data", symmetric=False, array=100 * (c["high"] - c["rate"]),
                             arrayminus=100 * (c["rate"] - c["low"]), thickness=1.2, width=3),
                mode="markers", name=label, legendgroup=str(group), showlegend=k == 0,
                marker=dict(color=colour, size=9 if group == "all" else 7, symbol="diamond" if group == "all" else "circle"),
                customdata=np.c_[c["converted"], c["entered"]], xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                hovertemplate=f"{label}: %{{y:.1f}}% (%{{customdata[0]:,.0f}} / %{{customdata[1]:,.0f}})<extra></extra>")
    fig.update_layout(
        scattermode="group",
        xaxis=dict(domain=[0, 1], anchor="y", tickfont=dict(size=10), tickangle=0),
        yaxis=dict(domain=domains["web"], anchor="x", range=[0, 100], title_text=t("funnel.axis_rate_web", lang)),
        xaxis2=dict(domain=[0, 1], anchor="y2", tickfont=dict(size=10), tickangle=0),
        yaxis2=dict(domain=domains["sales"], anchor="x2", range=[0, 100], title_text=t("funnel.axis_rate_sales", lang)),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10)), margin=dict(t=100, b=40),
    )
    return fig


def velocity_figure(db: Dashboard, lang: str) -> go.Figure:
    """Mean days in each sales stage per channel, stacked: where deals wait."""
    counts = pd.concat([db.counts, db.total.to_frame("all").T])
    v = velocity(counts)
    labels = _series_labels(v.index, lang)
    fig = theme.figure(t("funnel.chart_velocity_title", lang), height=340)
    for k, (a, b, _) in enumerate(VELOCITY):
        col = f"{a}_{b}"
        fig.add_bar(y=labels, x=v[col], orientation="h", name=_transition(a, b, lang),
                    marker_color=theme.COLORWAY[k], hovertemplate="%{y}: %{x:.0f}<extra></extra>")
    fig.update_layout(barmode="stack", xaxis_title=t("funnel.axis_days", lang),
                      yaxis=dict(autorange="reversed", automargin=True),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10), traceorder="normal"),
                      margin=dict(l=10, t=90))
    return fig


def score_figure(db: Dashboard, lang: str, scoring: Scoring | None = None, width: float = 5.0) -> go.Figure:
    """How the selection's leads spread over the rule score, coloured by band, with the thresholds."""
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s)
    top = max(s.max_score(), float(leads["score"].max()) if len(leads) else 0.0)
    edges = np.arange(0.0, top + width, width)
    fig = theme.figure(t("funnel.chart_scores_title", lang, n=len(leads)), height=380)
    colours = {"below": theme.RAG["grey"], "mql": theme.COLORWAY[1], "sql": theme.COLORWAY[0]}
    bands = band(leads["score"], s.mql_threshold, s.sql_threshold) if len(leads) else np.array([], dtype=object)
    for b in BANDS:
        x = leads["score"].to_numpy()[bands == b]
        counts, _ = np.histogram(x, bins=edges)
        fig.add_bar(x=edges[:-1] + width / 2, y=counts, width=width * 0.95, name=t(f"funnel.band_{b}", lang, n=len(x)),
                    marker_color=colours[b], hovertemplate="%{x}: %{y}<extra></extra>")
    for thr, key in ((s.mql_threshold, "mql"), (s.sql_threshold, "sql")):
        fig.add_vline(x=thr, line=dict(color="#333", dash="dash", width=1.2),
                      annotation=dict(text=t(f"funnel.threshold_{key}", lang, x=f"{thr:g}"), font_size=10),
                      annotation_position="top")
    fig.update_layout(barmode="stack", xaxis_title=t("funnel.axis_score", lang), yaxis_title=t("funnel.axis_leads", lang),
                      legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0, traceorder="normal"), margin=dict(t=100))
    return fig


def calibration_figure(db: Dashboard, lang: str) -> go.Figure:
    """Observed quote rate against the model's out-of-fold probability: all markets and the selection."""
    m = db.model
    bins = db.section.model.bins
    conf = db.section.confidence
    fig = theme.figure(t("funnel.chart_calibration_title", lang), height=420)
    fig.add_scatter(x=[0, 100], y=[0, 100], mode="lines", line=dict(color="#999", dash="dot"),
                    name=t("funnel.perfect_calibration", lang), hoverinfo="skip")
    y_all = m.positive[m.oof.index].to_numpy(float)
    leads = scored_leads(db.data, db.sel, db.section.scoring, m)
    res = leads[leads["resolved"]]
    series = [(t("funnel.all_markets_leads", lang, n=len(y_all)), m.oof.to_numpy(), y_all, bins, theme.COLORWAY[0])]
    if len(res):
        series.append((t("funnel.selection_leads", lang, market=country_name(db.code, lang), n=len(res)),
                       res["p_oof"].to_numpy(), res["positive"].to_numpy(float), max(2, bins // 2), theme.COLORWAY[3]))
    for name, p, y, nb, colour in series:
        cal = calibration(p, y, nb, conf)
        fig.add_scatter(x=100 * cal["predicted"], y=100 * cal["observed"], mode="markers+lines", name=name,
                        line=dict(color=colour, width=1), marker=dict(color=colour, size=8),
                        error_y=dict(type="data", symmetric=False, array=100 * (cal["high"] - cal["observed"]),
                                     arrayminus=100 * (cal["observed"] - cal["low"]), thickness=1, width=3),
                        customdata=cal["n"], hovertemplate="%{x:.0f}% → %{y:.0f}% (n = %{customdata})<extra></extra>")
    fig.update_layout(xaxis=dict(title_text=t("funnel.axis_predicted", lang), range=[0, 100]),
                      yaxis=dict(title_text=t("funnel.axis_observed", lang), range=[0, 100]),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10)), margin=dict(t=90))
    return fig


def roc_figure(db: Dashboard, lang: str, scoring: Scoring | None = None) -> go.Figure:
    """ROC curves of the rule score and the logistic model (out of fold) on the selection's resolved leads."""
    s = db.section.scoring if scoring is None else scoring
    leads = scored_leads(db.data, db.sel, s, db.model)
    res = leads[leads["resolved"]]
    y = res["positive"].to_numpy()
    fig = theme.figure(t("funnel.chart_roc_title", lang, n=len(res)), height=420)
    fig.add_scatter(x=[0, 100], y=[0, 100], mode="lines", line=dict(color="#999", dash="dot"),
                    name=t("funnel.chance", lang), hoverinfo="skip")
    for key, score, colour in (("rule_score", res["score"], theme.COLORWAY[1]), ("model_score", res["p_oof"], theme.COLORWAY[0])):
        fpr, tpr = roc_curve(score, y) if len(res) else (np.array([0.0]), np.array([0.0]))
        fig.add_scatter(x=100 * fpr, y=100 * tpr, mode="lines", line=dict(color=colour, width=2.5, shape="hv"),
                        name=t("funnel.roc_legend", lang, name=t(f"funnel.{key}", lang), auc=auc(score, y)))
    fig.update_layout(xaxis=dict(title_text=t("funnel.axis_fpr", lang), range=[0, 100]),
                      yaxis=dict(title_text=t("funnel.axis_tpr", lang), range=[0, 100]),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), margin=dict(t=90))
    return fig


def ltv_cac_figure(db: Dashboard, lang: str) -> go.Figure:
    """LTV / CAC per channel and for all channels, against the target; channels that won nobody say so."""
    e = db.economics
    target = db.section.targets.get("ltv_to_cac", float("nan"))
    labels = _series_labels(e.index, lang)
    ratio = e["ltv_to_cac"].to_numpy(float)
    colours = [STATUS_COLOURS[s] for s in rag(ratio, target, "higher", db.section.amber_band)]
    text = [fmt(r, "ratio", lang) if math.isfinite(r) else t("funnel.no_customer", lang) for r in ratio]
    fig = theme.figure(t("funnel.chart_ltv_cac_title", lang), height=380)
    fig.add_bar(x=labels, y=np.where(np.isfinite(ratio), ratio, 0.0), marker_color=colours, text=text,
                textposition="outside", cliponaxis=False, name=t("funnel.col_ltv_cac", lang),
                customdata=np.c_[[money(x, db.currency, lang) for x in e["cac"]],
                                 [money(x, db.currency, lang) for x in e["ltv"]]],
                hovertemplate="%{x}: %{text}<br>CAC %{customdata[0]} · LTV %{customdata[1]}<extra></extra>")
    if math.isfinite(target):
        fig.add_hline(y=target, line=dict(color="#333", dash="dash"),
                      annotation=dict(text=t("funnel.target_line", lang, x=fmt(target, "ratio", lang)), font_size=10),
                      annotation_position="top right")
    top = np.nanmax(np.r_[ratio[np.isfinite(ratio)], target, 1.0])
    fig.update_layout(yaxis=dict(title_text=t("funnel.axis_ltv_cac", lang), range=[0, top * 1.18]),
                      xaxis=dict(tickfont=dict(size=10)), showlegend=False)
    return fig


def retention_figure(db: Dashboard, lang: str) -> go.Figure:
    """Revenue and gross margin by tier (12 months) beside SLA attainment by tier against its target."""
    tr = db.tiers
    tiers = [t(f"funnel.tier_{x}", lang) for x in tr.index]
    fig = theme.figure(t("funnel.chart_retention_title", lang), height=400)
    fig.add_bar(x=tiers, y=tr["revenue"] / 1e6, name=t("funnel.revenue", lang), marker_color=theme.COLORWAY[0],
                hovertemplate="%{x}: %{y:,.1f} M<extra></extra>")
    fig.add_bar(x=tiers, y=tr["gross_margin"] / 1e6, name=t("funnel.gross_margin", lang), marker_color=theme.COLORWAY[2],
                hovertemplate="%{x}: %{y:,.1f} M<extra></extra>")
    att = tr["attainment"].astype(float)
    fig.add_scatter(x=tiers, y=100 * att, mode="markers", name=t("funnel.sla_attained", lang),
                    marker=dict(color=theme.COLORWAY[3], size=10),
                    error_y=dict(type="data", symmetric=False, array=100 * (tr["high"].astype(float) - att),
                                 arrayminus=100 * (att - tr["low"].astype(float)), thickness=1.2),
                    xaxis="x2", yaxis="y2", hovertemplate="%{x}: %{y:.1f}%<extra></extra>")
    fig.add_scatter(x=tiers, y=100 * tr["sla_target"].astype(float), mode="markers", name=t("funnel.sla_target", lang),
                    marker=dict(symbol="line-ew-open", size=26, color="#111", line=dict(width=2.5)),
                    xaxis="x2", yaxis="y2", hovertemplate="%{x}: %{y:.0f}%<extra></extra>")
    low = float(np.nanmin(np.r_[tr["low"].astype(float).to_numpy(), tr["sla_target"].astype(float).to_numpy()]))
    fig.update_layout(
        barmode="group",
        xaxis=dict(domain=[0, 0.55], anchor="y"),
        yaxis=dict(anchor="x", title_text=t("funnel.axis_money_m", lang, cur=db.currency)),
        xaxis2=dict(domain=[0.68, 1.0], anchor="y2"),
        yaxis2=dict(anchor="x2", title_text=t("funnel.axis_sla", lang), range=[max(0, 100 * low - 5), 100.5]),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=10)), margin=dict(t=90),
    )
    return fig


def _arrow(now: float, before: float, flat: float) -> str:
    if not (math.isfinite(now) and math.isfinite(before)):
        return ""
    if before == now or (before != 0 and abs(now - before) / abs(before) < flat):
        return "→"
    return "↑" if now > before else "↓"


def board_figure(db: Dashboard, lang: str) -> go.Figure:
    """The three-layer KPI board: attainment of each KPI against its target (100 % = on target), coloured by
    status, with the value and the direction of change since the previous window."""
    b = db.board
    kpis = db.data.kpis
    sizes = [int((b["layer"] == layer).sum()) for layer in LAYERS]
    gap = 0.05
    usable = 1 - gap * (len(LAYERS) - 1)
    fig = theme.figure(t("funnel.chart_board_title", lang, period=db.sel.window.label()), height=150 + 25 * len(b))
    top = 1.0
    layout: dict[str, Any] = {}
    for k, (layer, n) in enumerate(zip(LAYERS, sizes)):
        rows = b[b["layer"] == layer]
        span = usable * n / max(sum(sizes), 1)
        domain = [max(top - span, 0.0), top]
        top = domain[0] - gap
        suffix = "" if k == 0 else str(k + 1)
        a = rows["attainment"].to_numpy(float)
        shown = np.clip(np.where(np.isfinite(a), a, 0.0), 0, 1.5) * 100
        text = [f"{fmt(v, u, lang, db.currency, nv)} {_arrow(v, p, db.section.trend_flat)}".strip()
                for v, u, nv, p in zip(rows["value"], rows["unit"], rows["never"], rows["previous"])]
        names = [kpi_name(kpis, x, lang) for x in rows.index]
        fig.add_bar(y=names, x=shown, orientation="h",
                    marker_color=[STATUS_COLOURS[s] for s in rows["status"]], name=t(f"funnel.layer_{layer}", lang),
                    customdata=np.c_[text, [fmt(x, u, lang, db.currency) for x, u in zip(rows["target"], rows["unit"])]],
                    hovertemplate="%{y}: %{customdata[0]} / %{customdata[1]}<extra></extra>",
                    xaxis=f"x{suffix}", yaxis=f"y{suffix}", showlegend=False)
        fig.add_scatter(y=names, x=[158] * len(names), mode="text", text=text, textposition="middle right",
                        textfont=dict(size=10), hoverinfo="skip", showlegend=False, xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        last = k == len(LAYERS) - 1
        layout[f"xaxis{suffix}"] = dict(domain=[0, 1], anchor=f"y{suffix}", range=[0, 215], showticklabels=last,
                                        ticksuffix="%", tickvals=[0, 50, 90, 100, 150],
                                        title_text=t("funnel.axis_attainment", lang) if last else None)
        layout[f"yaxis{suffix}"] = dict(domain=domain, anchor=f"x{suffix}", autorange="reversed", automargin=True,
                                        tickfont=dict(size=10), title_text=t(f"funnel.layer_{layer}", lang),
                                        title_font=dict(size=11))
    fig.update_layout(**layout, margin=dict(l=10, r=20, t=70, b=50))
    fig.add_annotation(text=t("funnel.board_values", lang), x=158, xref="x", xanchor="left", y=1.0, yref="y domain",
                       yanchor="bottom", showarrow=False, font=dict(size=10, color="#555"))
    for k in range(len(LAYERS)):
        suffix = "" if k == 0 else str(k + 1)
        fig.add_shape(type="line", x0=100, x1=100, y0=0, y1=1, xref=f"x{suffix}", yref=f"y{suffix} domain",
                      line=dict(color="#333", width=1))
    return fig


def markets_conversion_figure(data: Data, as_of: date, months: int, lang: str) -> go.Figure:
    """Every market's stage conversion (all channels) as one heat table: where each market's funnel leaks."""
    w = window(as_of, months)
    counts = stage_counts(data, Selection("all", "all", w), by="market")
    rows = []
    for chain, stages in (("web", WEB_STAGES), ("sales", SALES_STAGES)):
        c = stats.stage_conversions(counts, list(stages))
        rows.append(c.assign(label=[_transition(a, b, lang) for a, b in zip(c["from_stage"], c["to_stage"])]))
    conv = pd.concat(rows)
    labels = list(dict.fromkeys(conv["label"]))
    z = conv.reset_index().pivot_table(index="label", columns="market", values="rate", sort=False).reindex(labels)
    z = z[[m for m in data.markets()]]
    # colour by how each market compares with the median market on the step (log ratio), text the rate
    rel = np.log(z.div(z.median(axis=1), axis=0))
    fig = theme.figure(t("funnel.chart_markets_title", lang, period=w.label()), height=480)
    fig.add_heatmap(z=rel.to_numpy(), x=[country_name(m, lang) for m in z.columns], y=labels,
                    text=[[_pct(v, 1) for v in row] for row in z.to_numpy()], texttemplate="%{text}",
                    textfont=dict(size=10, color="#111"), showscale=False, zmid=0, zmin=-1, zmax=1,
                    colorscale=[[0, "#E58A73"], [0.5, "#F7F7F7"], [1, "#6FA8DC"]],
                    hovertemplate="%{y} · %{x}: %{text}<extra></extra>", xgap=1, ygap=1)
    fig.update_layout(yaxis=dict(autorange="reversed", automargin=True, tickfont=dict(size=10)),
                      xaxis=dict(side="top"), margin=dict(l=10, t=90))
    return fig


def markets_board(data: Data, scenarios: Mapping[str, Any], as_of: date, months: int | None = None) -> pd.DataFrame:
    """Every market's KPI board (one row per KPI and market)."""
    parts = []
    for code, scn in scenarios.items():
        sec: FunnelSection = scn.funnel
        sel = Selection(code, "all", window(as_of, months or sec.period_months))
        parts.append(kpi_board(data, sel, sec).assign(market=code))
    return pd.concat(parts)


def markets_board_figure(data: Data, scenarios: Mapping[str, Any], as_of: date, lang: str,
                         months: int | None = None, currency: str = "TWD") -> go.Figure:
    """Every KPI in every market, coloured by its status against that market's own target."""
    board = markets_board(data, scenarios, as_of, months)
    kpis = data.kpis
    codes = list(scenarios)
    idx = {s: i for i, s in enumerate(STATUSES)}
    z, text = [], []
    for k in kpis.index:
        rows = board.loc[[k]].set_index("market").reindex(codes)
        z.append([idx[s] for s in rows["status"]])
        text.append([fmt(v, u, lang, currency, nv, compact=True) for v, u, nv in zip(rows["value"], rows["unit"], rows["never"])])
    scale = []
    for i, s in enumerate(STATUSES):
        scale += [[i / len(STATUSES), STATUS_TINTS[s]], [(i + 1) / len(STATUSES), STATUS_TINTS[s]]]
    fig = theme.figure(t("funnel.chart_markets_board_title", lang), height=130 + 24 * len(kpis))
    fig.add_heatmap(z=np.asarray(z, dtype=float) + 0.5, x=[country_name(c, lang) for c in codes],
                    y=[kpi_name(kpis, k, lang) for k in kpis.index], text=text, texttemplate="%{text}",
                    textfont=dict(size=9, color="#111"), colorscale=scale, zmin=0, zmax=len(STATUSES), showscale=False,
                    xgap=1, ygap=1, hovertemplate="%{y} · %{x}: %{text}<extra></extra>")
    for s in STATUSES:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=t(f"funnel.status_{s}", lang),
                        marker=dict(symbol="square", size=12, color=STATUS_TINTS[s]))
    fig.update_layout(yaxis=dict(autorange="reversed", automargin=True, tickfont=dict(size=10)),
                      xaxis=dict(side="top"), legend=dict(orientation="h", yanchor="top", y=-0.02, x=0),
                      margin=dict(l=10, t=90, b=40), plot_bgcolor="white")
    return fig


# ---------------------------------------------------------------------------------------------- panel

def panel(scn, lang: str, data: Data | None = None, as_of: date | None = None,
          model: LeadModel | None = None) -> ControlPanel:
    """JupyterLab controls: market, channel, period, the MQL and SQL thresholds, and the yearly retention.

    Moving a threshold re-scores the leads (score distribution, MQL / SQL volumes and their quote rates);
    market, channel and period recompute the funnel, conversions, LTV / CAC and the KPI board; retention moves
    LTV / CAC. Picking another market sets the thresholds and retention to that market's scenario. ``save``
    writes the thresholds, retention and period into the selected market's scenario overlay.
    """
    data = load_data() if data is None else data
    as_of = as_of or date.today()
    model = lead_model(data.leads, scn.funnel.model) if model is None else model
    markets = [m for m in data.markets() if m in scenario.available_markets()]
    state: dict[str, Any] = {"scn": {scn.code: scn}, "syncing": False}

    def scn_of(code: str):
        if code not in state["scn"]:
            state["scn"][code] = scenario.load(code)
        return state["scn"][code]

    def channel_options(code: str) -> list[tuple[str, str]]:
        return [(t("funnel.all_channels", lang), "all")] + [(channel_label(c, lang), c) for c in data.channels(code)]

    sec = scn.funnel
    top = float(math.ceil(sec.scoring.max_score() / 5) * 5)
    style = {"description_width": "initial"}
    controls = {
        "market": widgets.Dropdown(description=t("funnel.control_market", lang), value=scn.code,
                                   options=[(f"{country_name(m, lang)} ({m})", m) for m in markets], style=style),
        "channel": widgets.Dropdown(description=t("funnel.control_channel", lang), value="all",
                                    options=channel_options(scn.code), style=style),
        "period": widgets.Dropdown(description=t("funnel.control_period", lang), value=sec.period_months,
                                   options=[(t("funnel.period_option", lang, n=n), n) for n in PERIODS], style=style),
        "mql_threshold": widgets.FloatSlider(description=t("funnel.control_mql", lang), value=sec.scoring.mql_threshold,
                                             min=0, max=top, step=1, continuous_update=False, style=style),
        "sql_threshold": widgets.FloatSlider(description=t("funnel.control_sql", lang), value=sec.scoring.sql_threshold,
                                             min=0, max=top, step=1, continuous_update=False, style=style),
        "retention": widgets.FloatSlider(description=t("funnel.control_retention", lang), value=sec.ltv.retention,
                                         min=0.3, max=0.98, step=0.01, continuous_update=False, readout_format=".0%",
                                         style=style),
    }

    def on_market(change: dict) -> None:
        # Runs before the panel's own observer: the dependent controls take the new market's values without
        # recomputing; the panel's observer on "market" then recomputes once.
        new = scn_of(change["new"]).funnel
        state["syncing"] = True
        try:
            options = channel_options(change["new"])
            keep = controls["channel"].value if controls["channel"].value in [v for _, v in options] else "all"
            controls["channel"].options = options
            controls["channel"].value = keep
            controls["mql_threshold"].value = new.scoring.mql_threshold
            controls["sql_threshold"].value = new.scoring.sql_threshold
            controls["retention"].value = new.ltv.retention
        finally:
            state["syncing"] = False

    controls["market"].observe(on_market, names="value")

    def render(market: str, channel: str, period: int, mql_threshold: float, sql_threshold: float,
               retention: float) -> dict[str, Any]:
        base = scn_of(market)
        if channel not in ["all", *data.channels(market)]:
            channel = "all"
        s = base.funnel.scoring.model_copy(update={"mql_threshold": float(mql_threshold),
                                                   "sql_threshold": float(sql_threshold)})
        band([0.0], s.mql_threshold, s.sql_threshold)            # raises on SQL below MQL
        # The thresholds move only the scores and volumes: the dashboard and its charts are reused.
        key = (market, channel, int(period), float(retention))
        if state.get("key") != key:
            section = base.funnel.model_copy(update={
                "ltv": base.funnel.ltv.model_copy(update={"retention": float(retention)})})
            db = assess(base, data, as_of, channel=channel, period=int(period), model=model, section=section)
            state["key"], state["db"] = key, db
            state["charts"] = {"funnel": funnel_figure(db, lang), "conversion": conversion_figure(db, lang),
                               "ltv_cac": ltv_cac_figure(db, lang), "board": board_figure(db, lang)}
        db = state["db"]
        return {"volumes": volumes_table(db, lang, s), **state["charts"], "scores": score_figure(db, lang, s)}

    def save(values: dict[str, Any]) -> Path:
        return scenario.save_overlay(values["market"], "funnel", {
            "period_months": int(values["period"]),
            "scoring": {"mql_threshold": float(values["mql_threshold"]), "sql_threshold": float(values["sql_threshold"])},
            "ltv": {"retention": round(float(values["retention"]), 4)},
        })

    panel_ = ControlPanel(controls, render, lang=lang, save=save, columns=3)

    def on_dependent(_change: dict) -> None:
        if not state["syncing"]:
            panel_.refresh()

    for name in ("channel", "mql_threshold", "sql_threshold", "retention"):
        controls[name].unobserve(panel_._on_change, names="value")
        controls[name].observe(on_dependent, names="value")
    return panel_
