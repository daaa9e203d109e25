"""Receivables as of the report date: the ledger in the reporting currency, aging, days sales outstanding
(count-back and standard methods, best possible DSO), the collection effectiveness index and short payments.
Pure functions over the prepared ledger (``prepare_ledger``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from .data import REASON_CODES
from .section import Receivables

BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "d91_plus")


def prepare_ledger(ledger: pd.DataFrame, as_of: date, fx: pd.DataFrame) -> pd.DataFrame:
    """The ledger with ``amount_rc`` and ``short_rc`` (short-paid amount) in the reporting currency at as-of rates.

    One rate per currency (the as-of rate) for every date, so trends show collections, not currency moves.
    Invoices dated after ``as_of`` are dropped. ``fx``: the rate (reporting currency per unit) per currency
    of the invoices, indexed by currency (``data.fx_to`` looks it up in the ECB history).
    """
    as_of_ts = pd.Timestamp(as_of)
    led = ledger[ledger["invoice_date"] <= as_of_ts].copy()
    rate = led["currency"].map(fx["rate"]).to_numpy(dtype=float)
    led["amount_rc"] = led["amount"].to_numpy(float) * rate
    short = np.where(led["paid_date"].notna(), led["amount"].to_numpy(float) - led["paid_amount"].fillna(0).to_numpy(float), 0.0)
    led["short_rc"] = np.maximum(short, 0.0) * rate
    return led


def open_matrix(led: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """(dates x invoices) True where an invoice was issued and not yet paid at the date."""
    d = dates.to_numpy()[:, None]
    inv = led["invoice_date"].to_numpy()[None, :]
    paid = led["paid_date"].to_numpy()[None, :]
    return (inv <= d) & (pd.isna(paid) | (paid > d))


def _bucket_index(days_past_due: np.ndarray) -> np.ndarray:
    """0 current (not yet due), 1: 1-30, 2: 31-60, 3: 61-90, 4: 91+ days past due."""
    return np.digitize(days_past_due, [0.5, 30.5, 60.5, 90.5])


def aging_history(led: pd.DataFrame, dates: Iterable[date | pd.Timestamp]) -> pd.DataFrame:
    """Open receivables by aging bucket at each date (rows), in the reporting currency."""
    dates = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    open_ = open_matrix(led, dates)
    dpd = (dates.to_numpy()[:, None] - led["due_date"].to_numpy()[None, :]) / np.timedelta64(1, "D")
    bucket = _bucket_index(dpd)
    amt = led["amount_rc"].to_numpy(float)[None, :]
    out = pd.DataFrame({b: ((bucket == k) & open_) @ amt[0] for k, b in enumerate(BUCKETS)}, index=dates)
    out.index.name = "date"
    return out


def aging(led: pd.DataFrame, as_of: date, by: str | None = None) -> pd.DataFrame:
    """Aging table as of ``as_of``: bucket amounts, total and overdue share; per ``by`` group if given."""
    ts = pd.Timestamp(as_of)
    open_ = open_matrix(led, pd.DatetimeIndex([ts]))[0]
    dpd = ((ts - led["due_date"]) / pd.Timedelta(days=1)).to_numpy()
    frame = pd.DataFrame({"bucket": np.array(BUCKETS)[_bucket_index(dpd)], "amount": led["amount_rc"].to_numpy(float),
                          "group": led[by].to_numpy() if by else "all"})[open_]
    table = frame.pivot_table(index="group", columns="bucket", values="amount", aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=list(BUCKETS), fill_value=0.0)
    if by:
        table = table.reindex(sorted(set(led[by])), fill_value=0.0)
    elif table.empty:
        table = pd.DataFrame([[0.0] * len(BUCKETS)], index=["all"], columns=list(BUCKETS))
    table["total"] = table[list(BUCKETS)].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["overdue_share"] = np.where(table["total"] > 0, 1 - table["current"] / table["total"], np.nan)
    table.index.name = by or None
    table.columns.name = None
    return table


def _ar(led: pd.DataFrame, ts: pd.Timestamp, current_only: bool = False) -> float:
    open_ = open_matrix(led, pd.DatetimeIndex([ts]))[0]
    if current_only:
        open_ &= led["due_date"].to_numpy() >= np.datetime64(pd.Timestamp(ts))
    return float(led["amount_rc"].to_numpy(float)[open_].sum())


def _sales_windows(led: pd.DataFrame, starts, ends) -> np.ndarray:
    """Credit sales invoiced in each window (start, end], vectorized over windows."""
    inv = led["invoice_date"].to_numpy()[None, :]
    s = pd.DatetimeIndex(starts).to_numpy()[:, None]
    e = pd.DatetimeIndex(ends).to_numpy()[:, None]
    return ((inv > s) & (inv <= e)) @ led["amount_rc"].to_numpy(float)


def _sales(led: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Credit sales invoiced in (start, end]."""
    return float(_sales_windows(led, [start], [end])[0])


def dso_countback(led: pd.DataFrame, as_of: date, max_months: int = 24) -> float:
    """Days sales outstanding by the count-back (exhaustion) method.

    Walk back from ``as_of`` one month at a time: while the receivables left exceed a month's sales, that
    month's days count in full and its sales are subtracted; the last month counts in proportion
    (receivables left / that month's sales x its days). NaN when receivables exceed ``max_months`` of sales.
    """
    ts = pd.Timestamp(as_of)
    ar = _ar(led, ts)
    if ar <= 0:
        return 0.0
    ends = [ts - pd.DateOffset(months=k) for k in range(max_months + 1)]
    days = np.array([(ends[k] - ends[k + 1]).days for k in range(max_months)], dtype=float)
    sales = _sales_windows(led, ends[1:], ends[:-1])
    cum = np.cumsum(sales)
    k = int(np.searchsorted(cum, ar - 1e-9, side="left"))
    if k >= max_months:
        return float("nan")
    before = cum[k - 1] if k > 0 else 0.0
    return float(days[:k].sum() + (ar - before) / sales[k] * days[k])


def dso_standard(led: pd.DataFrame, as_of: date, days: int = 90, current_only: bool = False) -> float:
    """DSO by the standard (average) method: receivables / credit sales of the last ``days`` x ``days``.

    With ``current_only`` the receivables are the not-yet-due ones: the best possible DSO (BPDSO).
    NaN when there were no sales in the period.
    """
    ts = pd.Timestamp(as_of)
    sales = _sales(led, ts - pd.Timedelta(days=days), ts)
    if sales <= 0:
        return float("nan")
    return _ar(led, ts, current_only) / sales * days


def cei(led: pd.DataFrame, start: date, end: date) -> float:
    """Collection effectiveness index over (start, end], in percent (Credit Research Foundation):

    (opening AR + credit sales - closing AR) / (opening AR + credit sales - closing current AR) x 100.
    100 means everything collectable in the period was collected. NaN when nothing was collectable.
    """
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    opening, sales = _ar(led, s), _sales(led, s, e)
    closing, current = _ar(led, e), _ar(led, e, current_only=True)
    denom = opening + sales - current
    return float((opening + sales - closing) / denom * 100) if denom > 0 else float("nan")


def snapshot_dates(as_of: date, months: int) -> pd.DatetimeIndex:
    """Monthly snapshot dates ending at the report date (same day of month, oldest first)."""
    ts = pd.Timestamp(as_of)
    return pd.DatetimeIndex([ts - pd.DateOffset(months=k) for k in range(months, -1, -1)])


def dso_trend(led: pd.DataFrame, as_of: date, rec: Receivables) -> pd.DataFrame:
    """DSO (count-back and standard), best possible DSO, overdue share and CEI at each monthly snapshot."""
    dates = snapshot_dates(as_of, rec.months)
    hist = aging_history(led, dates)
    rows = []
    for k, d in enumerate(dates):
        rows.append({
            "dso_countback": dso_countback(led, d), "dso_standard": dso_standard(led, d, rec.standard_days),
            "bpdso": dso_standard(led, d, rec.standard_days, current_only=True),
            "cei": cei(led, d - pd.DateOffset(months=1), d),
        })
    out = pd.DataFrame(rows, index=dates)
    total = hist.sum(axis=1)
    out["ar"] = total
    out["overdue_share"] = np.where(total > 0, 1 - hist["current"] / total.where(total > 0, 1), np.nan)
    out["dso"] = out["dso_countback" if rec.dso_method == "countback" else "dso_standard"]
    return out


def short_payments(led: pd.DataFrame, as_of: date, months: int = 12) -> pd.DataFrame:
    """Short-paid amounts by reason code over the last ``months`` (by payment date) and open disputes."""
    ts = pd.Timestamp(as_of)
    start = ts - pd.DateOffset(months=months)
    paid = led["paid_date"].notna() & (led["paid_date"] > start) & (led["paid_date"] <= ts) & (led["short_rc"] > 0)
    open_ = open_matrix(led, pd.DatetimeIndex([ts]))[0] & led["reason_code"].notna().to_numpy()
    rows = []
    for code in REASON_CODES:
        sel = paid & (led["reason_code"] == code)
        dis = open_ & (led["reason_code"] == code).to_numpy()
        rows.append({"reason_code": code, "count": int(sel.sum()), "amount": float(led.loc[sel, "short_rc"].sum()),
                     "disputed_open": float(led.loc[dis, "amount_rc"].sum())})
    out = pd.DataFrame(rows).set_index("reason_code")
    invoiced = _sales(led, start, ts)
    out["share_of_sales"] = out["amount"] / invoiced if invoiced > 0 else np.nan
    return out


def receivables_kpis(led: pd.DataFrame, as_of: date, rec: Receivables) -> dict[str, float]:
    """The receivables picture as of the report date in one mapping."""
    ts = pd.Timestamp(as_of)
    age = aging(led, as_of).iloc[0]
    cb = dso_countback(led, ts)
    st = dso_standard(led, ts, rec.standard_days)
    bp = dso_standard(led, ts, rec.standard_days, current_only=True)
    short = short_payments(led, as_of, rec.months)
    return {
        "ar": float(age["total"]), "overdue": float(age["total"] - age["current"]),
        "overdue_share": float(age["overdue_share"]), "over_90": float(age["d91_plus"]),
        "dso_countback": cb, "dso_standard": st, "dso": cb if rec.dso_method == "countback" else st,
        "bpdso": bp, "add": (st - bp) if np.isfinite(st) and np.isfinite(bp) else float("nan"),
        "cei": cei(led, ts - pd.DateOffset(months=3), ts), "short_paid": float(short["amount"].sum()),
        "top_reason": short["amount"].idxmax() if short["amount"].sum() > 0 else "",
        "invoices_open": int(open_matrix(led, pd.DatetimeIndex([ts]))[0].sum()),
    }
