"""The chapter's data: the product table (a small PIM) and the FX inputs of a currency pair.

``load_products`` reads and validates ``data/products.csv``; the field lists say which PIM fields each use
of the data needs. ``fx_inputs`` reads rate history (``crossborder.core.rates``) or the scenario's stated
figure for one pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pycountry

from crossborder.core import rates
from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, data_file, relative
from crossborder.core.rates import RatesSection
from crossborder.core.tables import Column, read_table

from .section import FxSettings

PRODUCTS_FILE = DATA_DIR / "products.csv"
FAMILIES = ("ball_screw", "linear_guide", "support_unit")
LIFECYCLES = ("prototype", "active", "nrnd", "eol")
QUOTABLE_LIFECYCLES = ("active", "nrnd")     # nrnd: not recommended for new designs, still sold
STEEL_DENSITY_KG_L = 7.85                     # no packed part can be denser than the steel it is made of

# Which PIM fields each use of the data needs. A quote needs cost, currency, plant (origin), MOQ, HS code,
# weight and volume (freight), and the ECO revision the quote refers to.
QUOTE_FIELDS = ("unit_cost", "cost_currency", "plant", "moq", "hs_code", "unit_weight_kg", "unit_volume_l",
                "eco_revision")
SPEC_FIELDS = {
    "ball_screw": ("size_mm", "lead_mm", "length_mm", "accuracy_grade", "material", "dynamic_load_kn",
                   "static_load_kn", "lead_error_test_um", "lead_error_tol_um", "drawing_ref", "step_ref"),
    "linear_guide": ("size_mm", "length_mm", "accuracy_grade", "material", "dynamic_load_kn", "static_load_kn",
                     "drawing_ref", "step_ref"),
    "support_unit": ("size_mm", "material", "dynamic_load_kn", "static_load_kn", "drawing_ref", "step_ref"),
}
COMPLIANCE_FIELDS = ("hs_code", "plant", "material", "certifications", "manual_ref", "msds_ref")
PURPOSES = {"quote": QUOTE_FIELDS, "compliance": COMPLIANCE_FIELDS}


# ============================================================================================ products

_TEXT = Column(required=False)


def _num(min: float | None = None, max: float | None = None, required: bool = False) -> Column:
    return Column("float", required=required, min=min, max=max)


PRODUCT_COLUMNS: dict[str, Column] = {
    "model": Column(unique=True), "family": Column("choice", choices=FAMILIES),
    "name_en": Column(), "name_zh_TW": Column(),
    "size_mm": _num(1, 500), "lead_mm": _num(0.5, 200), "length_mm": _num(10, 20000),
    "accuracy_grade": _TEXT, "material": _TEXT, "hardness_hrc": _num(20, 70),
    "dynamic_load_kn": _num(0.01), "static_load_kn": _num(0.01),
    "lead_error_test_um": _num(0), "lead_error_tol_um": _num(0.1),
    "certifications": _TEXT, "application_en": _TEXT, "application_zh_TW": _TEXT,
    "unit_cost": _num(0.0001), "cost_currency": _TEXT, "plant": _TEXT, "moq": Column("int", min=1),
    "hs_code": _TEXT, "unit_weight_kg": _num(0.001), "unit_volume_l": _num(0.001),
    "drawing_ref": _TEXT, "step_ref": _TEXT, "manual_ref": _TEXT, "msds_ref": _TEXT,
    "lifecycle": Column("choice", choices=LIFECYCLES), "eco_revision": _TEXT, "eco_number": _TEXT,
    "eco_date": Column("date", required=False), "source": Column(),
}


def load_products(path: Path | None = None) -> pd.DataFrame:
    """Read and validate the product table (a small PIM), indexed by model: ``path``, else the user's own
    ``<user folder>/data/products.csv`` or ``products.xlsx`` when there is one (``core.paths.data_file``), else the
    shipped ``data/products.csv``.

    Beyond each column's type and range (``tables.read_table``), rows are checked for values that cannot be
    true: a lead longer than the screw, a packed density above steel's, a lead on a part that has none, a
    cost without its currency, an unknown currency or plant, a malformed HS code. Errors name the file, the
    line, the product and the field.
    """
    path = Path(path) if path is not None else data_file("products.csv")
    table = read_table(path, PRODUCT_COLUMNS, key="model")
    where = relative(path)

    def fail(i: int, col: str, expected: str, found: object) -> InputError:
        return InputError(f"{where}: line {i + 2} (model {table.at[i, 'model']!r}), column '{col}': "
                          f"expected {expected}, found {found!r}")

    for i, row in table.iterrows():
        if pd.notna(row.lead_mm) and row.family != "ball_screw":
            raise fail(i, "lead_mm", f"an empty cell for a {row.family} (only ball screws have a lead)", row.lead_mm)
        if pd.notna(row.lead_mm) and pd.notna(row.length_mm) and row.lead_mm >= row.length_mm:
            raise fail(i, "lead_mm", f"a lead shorter than the length ({row.length_mm:g} mm)", row.lead_mm)
        if pd.notna(row.unit_weight_kg) and pd.notna(row.unit_volume_l):
            density = row.unit_weight_kg / row.unit_volume_l
            if density > STEEL_DENSITY_KG_L:
                raise fail(i, "unit_volume_l", f"a packed volume of at least {row.unit_weight_kg / STEEL_DENSITY_KG_L:.3g} l "
                           f"(no packed part is denser than steel, {STEEL_DENSITY_KG_L} kg/l)", row.unit_volume_l)
        if pd.notna(row.unit_cost) != pd.notna(row.cost_currency):
            raise fail(i, "cost_currency", "a currency exactly when unit_cost is given", row.cost_currency)
        if pd.notna(row.cost_currency) and pycountry.currencies.get(alpha_3=row.cost_currency) is None:
            raise fail(i, "cost_currency", "an ISO 4217 code such as TWD or USD", row.cost_currency)
        if pd.notna(row.plant) and pycountry.countries.get(alpha_2=row.plant) is None:
            raise fail(i, "plant", "an ISO 3166-1 alpha-2 country code such as TW", row.plant)
        if pd.notna(row.hs_code) and not re.fullmatch(r"\d{4}\.\d{2}(\.\d{2,4})?", row.hs_code):
            raise fail(i, "hs_code", "an HS code like 8483.40", row.hs_code)
        if pd.notna(row.lead_error_test_um) and pd.isna(row.lead_error_tol_um):
            raise fail(i, "lead_error_tol_um", "the tolerance the test value is judged against", None)
    return table.set_index("model", drop=False)


# ============================================================================================ FX inputs

@dataclass(frozen=True)
class FxInputs:
    """The FX figures a product's pricing uses: rate, volatility and where each comes from."""

    pair: str                   # "COST/QUOTE"
    planning_rate: float        # cost-currency units per 1 quote-currency unit
    volatility_annual: float
    from_history: bool          # volatility estimated from dated rates (ECB or the user's CSV)
    basis: str                  # "history", "source", "assumption" or "same currency"
    source: str
    as_of: date | None          # last date of history used, or the stated figure's as-of date


def fx_inputs(cost: str, quote: str, fx: FxSettings, as_of: date | None = None, *,
              stated: RatesSection | None = None) -> FxInputs:
    """Planning rate and annualized volatility for ``cost/quote``.

    Volatility: ``rates.history(cost, quote)`` (the user's CSV if present, else the ECB reference rates,
    cut at ``as_of``) and ``rates.annualized_volatility`` over ``fx.window_days`` returns: the same function
    as the FX chapter. When no history exists (the ECB publishes no TWD), the scenario's shared section
    ``rates.pairs['COST/QUOTE']`` (or the inverse pair, inverted; pass ``scn.rates`` as ``stated``) must
    state the rate and volatility with a source or as an assumption. Planning rate: the stated one if any,
    else the last rate in the history.
    """
    pair = f"{cost}/{quote}"
    if cost == quote:
        return FxInputs(pair, 1.0, 0.0, False, "same currency", "", None)
    entry = stated.stated(cost, quote) if stated is not None else None
    try:
        history = rates.history(cost, quote)
    except InputError as exc:
        if entry is None:
            raise InputError(
                f"{exc}\nscenario key 'rates.pairs.{pair}': expected rate, volatility_annual, basis (source or "
                f"assumption), source and as_of for this pair (or its inverse {quote}/{cost}), found no entry"
            ) from None
        return FxInputs(pair, entry.rate, entry.volatility_annual, False, entry.basis, entry.source, entry.as_of)
    if as_of is not None:
        history = history[history.index <= pd.Timestamp(as_of)]
    vol = rates.annualized_volatility(history.to_numpy(), window=fx.window_days)
    last = history.index[-1].date()
    rate = entry.rate if entry is not None else float(history.iloc[-1])
    return FxInputs(pair, rate, vol, True, "history", history.attrs.get("source", ""), last)


def market_fx(cost_currencies: list[str] | set[str], section_fx: FxSettings, quote: str, as_of: date | None = None, *,
              stated: RatesSection | None = None) -> dict[str, FxInputs]:
    """:func:`fx_inputs` for every cost currency against the quote currency, keyed ``"COST/QUOTE"``."""
    return {f"{ccy}/{quote}": fx_inputs(ccy, quote, section_fx, as_of, stated=stated)
            for ccy in sorted(set(cost_currencies))}
