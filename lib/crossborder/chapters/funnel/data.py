"""The funnel chapter's data files: reading and validating them, with errors that name the file, line, row and
column. A team's own files in ``<user folder>/data/<name>.csv`` (or, as before, ``<user folder>/funnel/``) take
precedence over the shipped ``data/`` (``crossborder.core.paths.data_file``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from crossborder.core.errors import InputError
from crossborder.core.paths import data_file, relative
from crossborder.core.reference import channel_ids
from crossborder.core.tables import Column, read_table

from .section import DECISION_STAGES, INDUSTRIES, KPI_NAMES, REGIONS, ROLES, SIZES, TIERS

# Where accounts won before the digital channels came from (outline section 2: trade shows and networks).
OFFLINE_SOURCES: tuple[str, ...] = ("trade_show", "referral")

COUNT_COLUMNS: tuple[str, ...] = ("impressions", "visitors", "spec_views", "downloads", "inquiries", "mqls",
                                  "sqls", "quotes", "samples", "samples_passed", "new_customers")
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

PRODUCT_LINES: tuple[str, ...] = ("ball_screws", "support_units", "linear_guides", "lubrication", "maintenance")
JOINT_DEVELOPMENT: tuple[str, ...] = ("none", "jdm", "odm")
OUTCOMES: tuple[str, ...] = ("open", "disqualified", "quoted", "won")

LAYERS: tuple[str, ...] = ("acquisition", "conversion", "growth")
UNITS: tuple[str, ...] = ("per_month", "share", "money", "months", "hours", "days", "lines", "ratio")
BETTER: tuple[str, ...] = ("higher", "lower")

_FILES = ("funnel", "leads", "customers", "orders", "kpis")


def known_channels() -> tuple[str, ...]:
    """The channel ids the data may use: those of ``data/platforms.csv`` (their one home, ``core.reference``).
    Every channel in funnel.csv, leads.csv and customers.csv is checked against them."""
    return channel_ids()


def data_path(name: str) -> Path:
    """``<user folder>/data/<name>.csv`` (or ``<user folder>/funnel/<name>.csv``) when a team keeps its own, else
    the shipped ``data/<name>.csv``: ``crossborder.core.paths.data_file``, asked at each read."""
    if name not in _FILES:
        raise InputError(f"name: expected one of {', '.join(_FILES)}, found {name!r}")
    return data_file(f"{name}.csv")


def _fail(where: str, df: pd.DataFrame, mask: pd.Series | np.ndarray, column: str, expected: str, label: Callable[[int], str]) -> InputError:
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


def _check_market_codes(where: str, df: pd.DataFrame, label: Callable[[int], str]) -> None:
    ok = df["market"].map(lambda m: isinstance(m, str) and len(m) == 2 and m.isupper()
                          and pycountry.countries.get(alpha_2=m) is not None)
    if not ok.all():
        raise _fail(where, df, ~ok, "market", "an upper-case ISO 3166-1 alpha-2 code such as DE", label)


def _check_choice(where: str, df: pd.DataFrame, column: str, allowed: tuple[str, ...],
                  label: Callable[[int], str]) -> None:
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
    """Read and validate the KPI definitions; each must be one the workbook computes (``KPI_NAMES``)."""
    path = Path(path) if path is not None else data_path("kpis")
    where = relative(path)
    text = Column()
    cols = {"kpi": Column(unique=True), "layer": Column("choice", choices=LAYERS), "name_en": text,
            "name_zh_TW": text, "formula_en": text, "formula_zh_TW": text, "unit": Column("choice", choices=UNITS),
            "better": Column("choice", choices=BETTER), "data": text, "outline": text}
    df = read_table(path, cols, key="kpi")
    if df.empty:
        raise InputError(f"{where}: expected KPI definitions, found an empty table")
    known = df["kpi"].isin(list(KPI_NAMES))
    if not known.all():
        raise _fail(where, df, ~known, "kpi", "a KPI the workbook computes (" + ", ".join(KPI_NAMES) + ")",
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
