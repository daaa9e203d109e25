"""The team's working-day calendar.

Working days
    Plan day N is the N-th working day counted from the plan's start date (day 1 is the start date if it is
    a working day, else the next working day). A working day is a weekday that is not a public holiday of the
    team's country, or a weekend day the government declared a make-up working day (Taiwan's 補班 Saturdays).
    The calendar comes from the ``holidays`` package (the same rule as its ``is_working_day``), vectorized.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

import holidays as holidays_pkg
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from crossborder.core.errors import InputError
from crossborder.core.i18n import catalogue, t

DATE_DTYPE = "datetime64[ns]"


def as_dates(values: Any) -> pd.Series | pd.DatetimeIndex:
    """Dates as pandas datetimes with one resolution everywhere (ISO text, dates, numpy days; None -> NaT)."""
    out = pd.to_datetime(values)
    return out.astype(DATE_DTYPE)


def _to_day(value: Any) -> np.ndarray:
    """Dates (date, str, Timestamp, arrays of them) as numpy datetime64[D]."""
    if isinstance(value, (pd.Series, pd.Index)):
        return value.to_numpy(dtype="datetime64[D]") if value.dtype.kind == "M" else np.asarray(value, dtype="datetime64[D]")
    return np.asarray(value, dtype="datetime64[D]")


@lru_cache(maxsize=32)
def _workdays(country: str, first_year: int, last_year: int) -> np.ndarray:
    """Every working day of ``country`` in the given years, sorted (datetime64[D])."""
    cal = holidays_pkg.country_holidays(country, years=range(first_year, last_year + 1))
    days = np.arange(np.datetime64(f"{first_year}-01-01"), np.datetime64(f"{last_year + 1}-01-01"), dtype="datetime64[D]")
    weekday = (days.astype("int64") + 3) % 7                       # 1970-01-01 was a Thursday; Monday = 0
    off = np.array(sorted(cal.keys()), dtype="datetime64[D]")
    makeup = np.array(sorted(cal.weekend_workdays), dtype="datetime64[D]")
    weekend = np.isin(weekday, sorted(cal.weekend))
    working = np.where(weekend, np.isin(days, makeup), ~np.isin(days, off))
    return days[working]


class WorkCalendar:
    """Working days of one country (public holidays and make-up working days from ``holidays``)."""

    def __init__(self, country: str) -> None:
        if country not in holidays_pkg.list_supported_countries():
            raise InputError(f"team country: expected a country the holidays package knows, found {country!r}")
        self.country = country

    def _days(self, lo: np.datetime64, hi: np.datetime64) -> np.ndarray:
        y0 = int(str(lo)[:4]) - 1
        y1 = int(str(hi)[:4]) + 1
        return _workdays(self.country, y0, y1)

    def nth(self, start: date, n: ArrayLike) -> np.ndarray:
        """Plan day ``n`` (1-based, array-like) from ``start``: the n-th working day on or after ``start``."""
        n = np.asarray(n, dtype="int64")
        if np.any(n < 1):
            raise InputError(f"plan day: expected whole numbers >= 1, found {n.min()}")
        s = np.datetime64(start, "D")
        # 2x the calendar span of n weekdays is plenty even with a week of holidays per month
        hi = s + np.timedelta64(int(n.max()) * 2 + 30, "D")
        days = self._days(s, hi)
        first = np.searchsorted(days, s, side="left")
        return days[first + n - 1]

    def count(self, first: Any, last: Any) -> np.ndarray:
        """Working days in ``[first, last]`` (both included), elementwise; 0 where ``last < first``."""
        a, b = _to_day(first), _to_day(last)
        a, b = np.broadcast_arrays(a, b)
        valid = ~(np.isnat(a) | np.isnat(b))
        if not valid.any():
            return np.zeros(a.shape, dtype="int64")
        days = self._days(min(a[valid].min(), b[valid].min()), max(a[valid].max(), b[valid].max()))
        out = np.searchsorted(days, np.where(valid, b, days[0]), side="right") - np.searchsorted(days, np.where(valid, a, days[0]), side="left")
        return np.where(valid, np.clip(out, 0, None), 0).astype("int64")

    def day_of(self, start: date, when: Any) -> np.ndarray:
        """Which plan day ``when`` is (working days from ``start`` through ``when``); 0 before day 1."""
        return self.count(np.datetime64(start, "D"), when)

    def is_working(self, when: Any) -> np.ndarray:
        d = _to_day(when)
        days = self._days(d.min(), d.max())
        return np.isin(d, days)

    def holidays_between(self, first: date, last: date, lang: str) -> pd.DataFrame:
        """Public holidays on weekdays and make-up working days in ``[first, last]``, named in ``lang``."""
        years = range(first.year, last.year + 1)
        probe = holidays_pkg.country_holidays(self.country)
        wanted = "zh_TW" if lang == "zh-TW" else "en_US"
        language = wanted if wanted in (probe.supported_languages or ()) else None
        if language is None and lang == "zh-TW" and "en_US" in (probe.supported_languages or ()):
            language = "en_US"                                    # named in English, then translated below
        cal = holidays_pkg.country_holidays(self.country, years=years, language=language)
        translate = lang == "zh-TW" and language == "en_US"
        rows = [(d, _zh_holiday(name) if translate else name, "holiday")
                for d, name in cal.items() if first <= d <= last and d.weekday() not in cal.weekend]
        rows += [(d, "", "makeup") for d in cal.weekend_workdays if first <= d <= last]
        return pd.DataFrame(sorted(rows), columns=["date", "name", "kind"])


def _zh_holiday(names: str) -> str:
    """The Chinese name of a holiday the holidays package names only in English (plan.holiday_* strings), e.g.
    "International Labor Day (observed)" -> 國際勞動節（補假）; a name without a translation stays as it is."""
    out = []
    for name in names.split("; "):
        observed = name.endswith(" (observed)")
        base = name.removesuffix(" (observed)")
        swap = re.fullmatch(r"Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)", base)
        key = "plan.holiday_" + re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
        if swap:
            zh = t("plan.holiday_day_off", "zh-TW", date=f"{swap[3]}-{swap[1]}-{swap[2]}")
        else:
            zh = t(key, "zh-TW") if key in catalogue() else base
        out.append(t("plan.holiday_observed", "zh-TW", name=zh) if observed else zh)
    return "、".join(out)
