"""The landed-cost chapter's data: the ICC Incoterms 2020 table, the compliance checklists, and the example
markets' scenarios (for the one comparison across markets)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from crossborder import scenario as scenario_mod
from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, data_file, relative
from crossborder.core.tables import Column, read_table
from crossborder.scenario import Scenario

from .section import RULES, STATUSES

INCOTERMS_FILE = DATA_DIR / "incoterms.csv"
COMPLIANCE_FILE = DATA_DIR / "compliance.csv"   # the shipped file; the one in use: compliance_file()

PARTIES = ("seller", "buyer")
RISK_POINTS = (
    "at_disposal_seller_premises", "delivered_to_carrier", "delivered_to_first_carrier", "alongside_ship",
    "on_board_vessel", "destination_ready_for_unloading", "destination_unloaded",
)
INSURANCE_MINIMUMS = ("none", "ICC (C) 110%", "ICC (A) 110%")
CATEGORIES = ("customs", "tax", "product", "origin", "screening", "documents", "logistics")
OWNERS = ("exporter_quality", "exporter_logistics", "exporter_sales", "exporter_legal", "importer", "broker",
          "forwarder")


@lru_cache(maxsize=4)
def _incoterms_cached(path: str, mtime: int) -> pd.DataFrame:
    party = Column("choice", choices=PARTIES)
    table = read_table(Path(path), {
        "rule": Column("choice", choices=RULES, unique=True),
        "name_en": Column(), "name_zh_TW": Column(),
        "mode": Column("choice", choices=("any", "sea")),
        "risk_transfer": Column("choice", choices=RISK_POINTS),
        "main_carriage_paid_by": party,
        "insurance_by": Column("choice", choices=("seller", "none")),
        "insurance_minimum": Column("choice", choices=INSURANCE_MINIMUMS),
        "export_clearance_by": party, "import_clearance_by": party, "import_duty_vat_by": party,
        "description_en": Column(), "description_zh_TW": Column(),
        "source": Column(), "as_of": Column("date"),
    }, key="rule")
    missing = sorted(set(RULES) - set(table["rule"]))
    if missing:
        raise InputError(f"{relative(Path(path))}: expected all 11 Incoterms 2020 rules, missing {', '.join(missing)}")
    bad = table[(table["insurance_by"] == "none") != (table["insurance_minimum"] == "none")]
    if len(bad):
        rule = bad["rule"].iloc[0]
        raise InputError(f"{relative(Path(path))}: rule {rule!r}: expected an insurance minimum exactly when a "
                         f"party is obliged to insure, found insurance_by={bad['insurance_by'].iloc[0]!r}, "
                         f"insurance_minimum={bad['insurance_minimum'].iloc[0]!r}")
    return table.set_index("rule").loc[list(RULES)]


def load_incoterms(path: Path = INCOTERMS_FILE) -> pd.DataFrame:
    """The 11 ICC Incoterms 2020 rules, indexed by rule (validated: choices, completeness, insurance)."""
    path = Path(path)
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return _incoterms_cached(str(path), mtime).copy()


def compliance_file() -> Path:
    """The compliance checklists in use: the user's ``<user folder>/data/compliance.csv`` if any, else the shipped."""
    return data_file("compliance.csv")


def load_compliance(path: Path | None = None) -> pd.DataFrame:
    """Per market the checks and documents the product needs (legal basis, status, owner, lead time, cost)."""
    path = compliance_file() if path is None else Path(path)
    table = read_table(path, {
        "market": Column(), "item": Column(), "origin": Column(),
        "category": Column("choice", choices=CATEGORIES),
        "label_en": Column(), "label_zh_TW": Column(),
        "required": Column("bool"),
        "status": Column("choice", choices=STATUSES),
        "progress": Column("float", min=0, max=1),
        "owner": Column("choice", choices=OWNERS),
        "lead_time_days": Column("float", min=0),
        "cost_twd": Column("float", min=0),
        "depends_on": Column(required=False),
        "basis": Column(), "as_of": Column("date"), "verified": Column("bool"),
    }, key="item")
    dup = table.duplicated(["market", "item"])
    if dup.any():
        row = table[dup].iloc[0]
        raise InputError(f"{relative(path)}: item {row['item']!r} listed twice for market {row['market']}; "
                         f"expected one row per market and item")
    table["depends_on"] = table["depends_on"].fillna("")
    return table


def market_scenarios(markets: Sequence[str] | None = None) -> list[Scenario]:
    """The scenarios of ``markets`` (default: the example markets), for comparisons across markets."""
    return [scenario_mod.load(code) for code in (markets or scenario_mod.example_markets())]
