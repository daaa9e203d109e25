"""The risk register: reading and validating ``data/risks.csv`` (or the user's own ``risks.csv``), its
vocabularies, and the rows that bear on one market."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, data_file, relative
from crossborder.core.tables import Column, read_table

RISKS_FILE = DATA_DIR / "risks.csv"       # the shipped register; the one in use: register_path()
USER_RISKS_NAME = "risks.csv"

FAMILIES: tuple[str, ...] = ("demand_price", "regulation_geopolitics", "payment_fraud", "data_privacy", "other")
TREATMENTS: tuple[str, ...] = ("treat", "tolerate", "transfer", "terminate")
OWNERS: tuple[str, ...] = ("gm", "finance", "sales", "supply", "logistics", "compliance", "quality", "it", "legal")

LOSS = ("loss_low", "loss_likely", "loss_high")
RESIDUAL_LOSS = ("residual_loss_low", "residual_loss_likely", "residual_loss_high")
_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9-]{0,5}$"


def _columns() -> dict[str, Column]:
    text, rating = Column(), Column("int", min=1, max=5)
    amount = Column("float", required=False, min=0)
    cols: dict[str, Column] = {"id": Column(unique=True), "market": Column(),
                               "family": Column("choice", choices=FAMILIES)}
    for field in ("risk", "cause", "consequence", "controls"):
        cols[f"{field}_en"] = text
        cols[f"{field}_zh_TW"] = text
    cols.update(likelihood=rating, impact=rating, treatment=Column("choice", choices=TREATMENTS),
                mitigation_en=text, mitigation_zh_TW=text, residual_likelihood=rating, residual_impact=rating,
                owner=Column("choice", choices=OWNERS), next_review=Column("date"), frequency=amount)
    cols.update({c: amount for c in LOSS})
    cols["residual_frequency"] = amount
    cols.update({c: amount for c in RESIDUAL_LOSS})
    cols["source"] = text
    return cols


def register_path() -> Path:
    """The register in use: the user's own ``<user folder>/data/risks.csv`` (or, as before, ``<user
    folder>/risks.csv``) if there is one, else the shipped one (``crossborder.core.paths.data_file``)."""
    return data_file(USER_RISKS_NAME)


def _bad_row(where: str, reg: pd.DataFrame, mask, column: str, expected: str) -> InputError:
    """The error for the first row in ``mask``: file, line, risk id, column, expected and found."""
    i = int(np.flatnonzero(np.asarray(mask))[0])
    value = reg[column].iloc[i]
    found = "an empty cell" if value is None or (isinstance(value, float) and np.isnan(value)) else repr(value)
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        found = f"{value:g}"
    return InputError(f"{where}: line {i + 2} (id {reg['id'].iloc[i]!r}), column '{column}': "
                      f"expected {expected}, found {found}")


def load_register(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate a risk register; every error names the file, line, risk id and column.

    Beyond the per-column checks of ``tables.read_table``: ids are short codes (they are printed inside the
    heat map's cells); ``market`` is ``all`` or an ISO 3166-1 alpha-2 code; a mitigation never raises a
    rating (residual <= inherent); a quantified row has a frequency, a complete low <= most likely <= high
    loss range and a residual frequency <= frequency; the residual loss range is complete or empty (empty:
    the mitigation acts on frequency only and the loss range is the inherent one).
    """
    path = Path(path) if path is not None else register_path()
    where = relative(path)
    reg = read_table(path, _columns(), key="id")
    if reg.empty:
        raise InputError(f"{where}: expected at least one risk, found an empty register")
    bad = ~reg["id"].str.match(_ID_RE)
    if bad.any():
        raise _bad_row(where, reg, bad, "id", "a short code of letters, digits and '-' (at most 6 characters, "
                                                "it is printed inside the heat map)")
    market = reg["market"].str.strip()
    known = market.map(lambda m: m == "all" or (len(m) == 2 and m.isupper() and
                                                 pycountry.countries.get(alpha_2=m) is not None))
    if not known.all():
        raise _bad_row(where, reg, ~known, "market", "'all' or an upper-case ISO 3166-1 alpha-2 code such as DE")
    for stage, base in (("residual_likelihood", "likelihood"), ("residual_impact", "impact")):
        worse = reg[stage] > reg[base]
        if worse.any():
            i = int(np.flatnonzero(worse)[0])
            raise _bad_row(where, reg, worse, stage,
                           f"at most the inherent {base} ({reg[base].iloc[i]}); a mitigation cannot raise a "
                           "rating (record a new risk instead)")
    group = ["frequency", *LOSS, "residual_frequency"]
    present = reg[group].notna()
    partial = present.any(axis=1) & ~present.all(axis=1)
    if partial.any():
        i = int(np.flatnonzero(partial)[0])
        column = next(c for c in group if not present[c].iloc[i])
        raise _bad_row(where, reg, partial, column,
                       "a value: a quantified risk needs frequency, loss_low, loss_likely, loss_high and "
                       "residual_frequency (or leave all of them empty)")
    rpresent = reg[list(RESIDUAL_LOSS)].notna()
    rpartial = rpresent.any(axis=1) & ~rpresent.all(axis=1)
    if rpartial.any():
        i = int(np.flatnonzero(rpartial)[0])
        column = next(c for c in RESIDUAL_LOSS if not rpresent[c].iloc[i])
        raise _bad_row(where, reg, rpartial, column, "a value: fill all three residual losses or none")
    orphan = rpresent.all(axis=1) & ~present.all(axis=1)
    if orphan.any():
        raise _bad_row(where, reg, orphan, "frequency", "a value when residual losses are given")
    for cols in (LOSS, RESIDUAL_LOSS):
        lo, mid, hi = (reg[c] for c in cols)
        if ((lo > mid) | (mid > hi)).any():
            bad = (lo > mid) | (mid > hi)
            i = int(np.flatnonzero(bad)[0])
            column = cols[1] if lo.iloc[i] > mid.iloc[i] else cols[2]
            raise _bad_row(where, reg, bad, column,
                           f"{cols[0]} <= {cols[1]} <= {cols[2]} (the row has {lo.iloc[i]:g}, {mid.iloc[i]:g}, "
                           f"{hi.iloc[i]:g})")
    more = reg["residual_frequency"] > reg["frequency"]
    if more.any():
        i = int(np.flatnonzero(more)[0])
        raise _bad_row(where, reg, more, "residual_frequency",
                       f"at most frequency ({reg['frequency'].iloc[i]:g}); a mitigation cannot make a risk more frequent")
    fill = ~rpresent.all(axis=1)
    for r, c in zip(RESIDUAL_LOSS, LOSS):
        reg.loc[fill, r] = reg.loc[fill, c]
    reg["market"] = market
    return reg


def text(reg: pd.DataFrame, field: str, lang: str) -> pd.Series:
    """A text column of the register in the report's language."""
    return reg[f"{field}_{'zh_TW' if lang == 'zh-TW' else 'en'}"]


def market_register(reg: pd.DataFrame, code: str) -> pd.DataFrame:
    """The risks that bear on market ``code``: its own rows and the rows for ``all``, indexed by id."""
    out = reg[(reg["market"] == code) | (reg["market"] == "all")].set_index("id", drop=False)
    out.index.name = None
    if out.empty:
        raise InputError(f"{relative(register_path())}: expected risks for market {code} or 'all', found none")
    return out
