"""A run's inputs from one market's scenario: the rate, its volatility and history (ECB, a user CSV or a proxy
pair), the two currencies' interest rates (the dated fact store, in force on the report date), the exposure
and the settlement calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from crossborder.core import facts, rates
from crossborder.core.errors import InputError
from crossborder.core.facts import InterestRate
from crossborder.scenario import Scenario

from .section import FxSection

DAYS_PER_YEAR = 365


def settlement_dates(as_of: date, months: int) -> tuple[list[date], np.ndarray]:
    """Settlement dates ``as_of`` + 1..months calendar months and their times in years (days / 365)."""
    if months < 1:
        raise InputError(f"months: expected at least 1, found {months}")
    start = pd.Timestamp(as_of)
    dates = [(start + pd.DateOffset(months=m)).date() for m in range(1, months + 1)]
    years = np.array([(d - as_of).days for d in dates], dtype=float) / DAYS_PER_YEAR
    return dates, years


@dataclass(frozen=True)
class Policy:
    """Hedge-policy parameters for one run (the scenario's ``fx.policy`` with any control overrides)."""

    forward_cover: float
    layers: tuple[tuple[int, float], ...]
    option_cover: float
    put_strike: float        # fraction of the forward
    collar_floor: float      # fraction of the forward
    forward_margin: float    # bank spread, fraction of the forward rate
    option_margin: float     # bank margin, fraction of the option premium


@dataclass(frozen=True)
class Inputs:
    """Everything a run needs, taken from one market's scenario on one report date."""

    code: str
    home: str
    invoice: str
    as_of: date
    dates: list[date]
    years: np.ndarray
    section: FxSection
    spot: float                        # home units per 1 invoice unit: rates.pairs, or the last history rate
    spot_source: str
    spot_as_of: date
    vol: float                         # the scenario's volatility (stated or calibrated)
    vol_note: str
    history: pd.Series | None          # the pair's history, or the proxy pair's, or None
    history_is_proxy: bool
    rate_domestic: InterestRate        # home-currency policy rate in force on as_of (fact store)
    rate_foreign: InterestRate         # invoice-currency policy rate in force on as_of (fact store)
    stale_after_days: int              # scenario facts.stale_after_days: older facts are flagged
    history_error: str = ""            # why the pair has no history of its own (empty when it has one)

    @property
    def receivables(self) -> np.ndarray:
        return np.asarray(self.section.receivables, dtype=float)

    @property
    def payables(self) -> np.ndarray:
        return np.asarray(self.section.payables, dtype=float)

    @property
    def budget(self) -> float:
        return self.section.budget_rate

    @property
    def r_domestic(self) -> float:
        return self.rate_domestic.value

    @property
    def r_foreign(self) -> float:
        return self.rate_foreign.value

    @property
    def stale_rates(self) -> list[tuple[str, InterestRate]]:
        """(currency, fact) for each of the two interest rates whose as-of date is older than the threshold."""
        pairs = [(self.home, self.rate_domestic), (self.invoice, self.rate_foreign)]
        return [(cur, r) for cur, r in pairs if r.stale(self.as_of, self.stale_after_days)]

    @property
    def policy(self) -> Policy:
        p = self.section.policy
        return Policy(p.forward_cover, tuple((la.through_month, la.ratio) for la in p.layers), p.option_cover,
                      p.put_strike, p.collar_floor, p.forward_margin, p.option_margin)


def pair_history(home: str, invoice: str, proxy: list[str] | None) -> tuple[pd.Series | None, bool]:
    """History of the home/invoice pair if the user supplied it or the ECB quotes both; else the proxy
    pair from the ECB (flagged) if the scenario names one; else None. A malformed user CSV still fails."""
    if rates.user_history_file(home, invoice).exists() or {home, invoice} <= set(rates.ecb_currencies()):
        return rates.history(home, invoice), False
    if proxy:
        return rates.history(proxy[0], proxy[1]), True
    return None, False


def inputs(scn: Scenario, as_of: date) -> Inputs:
    """Build a run's inputs from a loaded scenario; volatility calibrated from history if the scenario says so."""
    fx = scn.fx
    home, invoice = scn.exporter.home_currency, fx.invoice_currency
    where = f"scenario {scn.code} ({', '.join(str(p.name) for p in scn.files)})"
    if home == invoice:
        raise InputError(f"{where}: key 'fx.invoice_currency': expected a currency other than the home currency "
                         f"{home}, found {invoice!r}")
    n = len(fx.receivables)
    if fx.simulation.horizon_months > n:
        raise InputError(f"{where}: key 'fx.simulation.horizon_months': expected at most {n} (the months in "
                         f"fx.receivables), found {fx.simulation.horizon_months}")
    history, is_proxy = pair_history(home, invoice, fx.history_proxy)
    key = f"rates.pairs.{home}/{invoice}"
    stated = scn.rates.stated(home, invoice)
    own = None if is_proxy else history     # the pair's own dated history (user CSV or ECB), if any
    if own is not None:
        own = own[own.index <= pd.Timestamp(as_of)]
        if len(own) < 2:
            own = None
    if stated is not None:
        spot, spot_source, spot_as_of = stated.rate, stated.source, stated.as_of
        vol, note = stated.volatility_annual, stated.volatility_note
    elif own is not None:
        spot, spot_as_of = float(own.iloc[-1]), own.index[-1].date()
        spot_source = f"last rate on or before {as_of} in {own.attrs.get('source', 'the pair history')} (no {key})"
        vol, note = None, ""
    else:
        raise InputError(f"{where}: key '{key}': expected a stated rate and volatility for {home}/{invoice} "
                         f"(rate, volatility_annual, basis, source, as_of; or the inverse pair {invoice}/{home}) "
                         f"because the pair has no history (ECB or {rates.user_history_file(home, invoice).name} "
                         f"in the user folder), found no entry")
    if fx.volatility.from_history:
        own = rates.history(home, invoice)  # raises, naming the CSV to supply, when there is no such history
        own = own[own.index <= pd.Timestamp(as_of)]
        vol = rates.annualized_volatility(own, window=fx.volatility.window_days)
        note = f"{own.attrs['source']}, last {fx.volatility.window_days} daily returns"
    elif vol is None:
        raise InputError(f"{where}: key '{key}': expected a stated volatility_annual for {home}/{invoice}, or "
                         f"fx.volatility.from_history: true, found neither")
    history_error = ""
    if history is None or is_proxy:  # what rates.history says when asked for the pair itself (drift "historical")
        try:
            rates.history(home, invoice)
        except InputError as exc:
            history_error = str(exc)
    facts.check_date(as_of)
    rate_domestic, rate_foreign = facts.interest_rate(home, as_of), facts.interest_rate(invoice, as_of)
    dates, years = settlement_dates(as_of, n)
    return Inputs(scn.code, home, invoice, as_of, dates, years, fx, spot, spot_source, spot_as_of, vol, note,
                  history, is_proxy, rate_domestic, rate_foreign, scn.facts.stale_after_days, history_error)
