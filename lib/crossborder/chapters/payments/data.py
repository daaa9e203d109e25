"""The payments chapter's data files, read and validated: payment instruments, the receivables ledger (the
user's own if present), the credit customers, the orders to screen, and the ECB rates the ledger is
converted at. Every error names the file, line, column, what was expected and what was found."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from crossborder.core import rates, tables
from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, data_file, relative
from crossborder.core.tables import Column, read_table, require_known

from .section import Tier

CURRENCY = "USD"   # the deal model's and the receivables' reporting currency (fee minimums are in USD)
INSTRUMENTS_FILE = DATA_DIR / "payment_instruments.csv"
# The shipped per-market files; the ones in use (a user's copy in <user folder>/data/ first) are resolved at
# each read: invoices_file(), customers_file(), orders_file().
INVOICES_FILE = DATA_DIR / "invoices.csv"
CUSTOMERS_FILE = DATA_DIR / "credit_customers.csv"
ORDERS_FILE = DATA_DIR / "orders_to_screen.csv"

RULES = ("UCP600", "URC522", "contract", "platform")
ADDS = ("none", "transit", "tenor", "transit+tenor")
SELLER_RISKS = ("none", "confirming_bank", "issuing_bank_country", "goods_refused", "buyer_default", "platform_dispute")
BUYER_RISKS = ("seller_performance", "documents_not_goods", "platform_dispute", "none")
DOC_RISK = ("seller", "buyer", "none")
REASON_CODES = ("PRICE", "QTY", "QUALITY", "BANK_FEES", "FX", "LATE_PENALTY", "DISCOUNT", "DOCS", "OTHER")
REGISTRY_CHECKS = ("match", "mismatch", "not_checked")


def _check_extra(path: Path, columns: dict[str, Column], allowed_extra: tuple[str, ...] = ("source",)) -> None:
    header = tables.header(path)
    unknown = [c for c in header if c not in columns and c not in allowed_extra]
    if unknown:
        raise InputError(f"{relative(path)}: unknown column(s) {', '.join(unknown)}; expected "
                         f"{', '.join(columns)} (and optionally {', '.join(allowed_extra)})")


def load_instruments(path: Path = INSTRUMENTS_FILE) -> pd.DataFrame:
    """The payment instruments with their fees, timing and who carries which risk (indexed by id)."""
    pct = Column("float", min=0, max=0.2)
    money = Column("float", min=0)
    cols = {
        "instrument": Column(unique=True), "rules": Column("choice", choices=RULES),
        "seller_fee_pct": pct, "seller_fee_min": money, "seller_fee_fixed": money,
        "buyer_fee_pct": pct, "buyer_fee_min": money, "buyer_fee_fixed": money,
        "cash_days": Column("int", min=-365, max=365), "cash_adds": Column("choice", choices=ADDS),
        "buyer_pays_days": Column("int", min=-365, max=365), "buyer_pays_adds": Column("choice", choices=ADDS),
        "seller_risk": Column("choice", choices=SELLER_RISKS), "buyer_risk": Column("choice", choices=BUYER_RISKS),
        "doc_risk_on": Column("choice", choices=DOC_RISK),
        "discrepancy_rate": Column("float", min=0, max=1), "discrepancy_fee": money,
        "discrepancy_delay_days": Column("int", min=0, max=365), "insured": Column("bool"), "source": Column(),
    }
    table = read_table(path, cols, key="instrument")
    bad = table["insured"] & (table["seller_risk"] != "buyer_default")
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(f"{relative(path)}: line {i + 2} (instrument {table.at[i, 'instrument']!r}), column 'insured': "
                         f"expected false unless seller_risk is buyer_default (only the buyer's default is insured), found true")
    return table.set_index("instrument")


def invoices_file() -> Path:
    """The ledger the chapter reads: the user's ``<user folder>/data/invoices.csv`` (or, as before,
    ``<user folder>/invoices.csv``) if there is one, else the example."""
    return data_file("invoices.csv")


def customers_file() -> Path:
    """The credit customers in use: the user's ``<user folder>/data/credit_customers.csv`` if any, else the example."""
    return data_file("credit_customers.csv")


def orders_file() -> Path:
    """The orders to screen in use: the user's ``<user folder>/data/orders_to_screen.csv`` if any, else the example."""
    return data_file("orders_to_screen.csv")


def load_invoices(path: Path | None = None) -> pd.DataFrame:
    """Read and validate a receivables ledger (one row per invoice).

    Columns: ``invoice_id, customer, market, invoice_date, due_date, amount, currency, paid_date, paid_amount,
    reason_code`` (optional ``source``). An empty ``paid_date`` means open. ``paid_amount`` below ``amount``
    is a short payment and needs a ``reason_code`` (one of ``REASON_CODES``); an open invoice may carry a
    code too (a dispute). Every error names the file, line, column, what was expected and what was found.
    """
    path = invoices_file() if path is None else Path(path)
    where = relative(path)
    cols = {
        "invoice_id": Column(unique=True), "customer": Column(), "market": Column(),
        "invoice_date": Column("date"), "due_date": Column("date"), "amount": Column("float", min=0.01),
        "currency": Column(), "paid_date": Column("date", required=False),
        "paid_amount": Column("float", required=False, min=0), "reason_code": Column("choice", required=False, choices=REASON_CODES),
    }
    _check_extra(path, cols)
    table = read_table(path, cols, key="invoice_id", extra_ok=True)[list(cols)]

    def fail(mask: pd.Series, column: str, expected: str, found) -> None:
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            value = found(i) if callable(found) else found
            raise InputError(f"{where}: line {i + 2} (invoice_id {table.at[i, 'invoice_id']!r}), column '{column}': "
                             f"expected {expected}, found {value!r}")

    import pycountry
    fail(~table["market"].map(lambda c: isinstance(c, str) and len(c) == 2 and pycountry.countries.get(alpha_2=c) is not None),
         "market", "an ISO 3166-1 alpha-2 code such as DE", lambda i: table.at[i, "market"])
    fail(~table["currency"].map(lambda c: isinstance(c, str) and len(c) == 3 and pycountry.currencies.get(alpha_3=c) is not None),
         "currency", "an ISO 4217 code such as USD", lambda i: table.at[i, "currency"])
    fail(table["due_date"] < table["invoice_date"], "due_date", "a date on or after invoice_date",
         lambda i: str(table.at[i, "due_date"].date()))
    paid = table["paid_date"].notna()
    fail(paid & (table["paid_date"] < table["invoice_date"]), "paid_date", "a date on or after invoice_date",
         lambda i: str(table.at[i, "paid_date"].date()))
    fail(paid & table["paid_amount"].isna(), "paid_amount", "the amount received (paid_date is set)", "an empty cell")
    fail(~paid & table["paid_amount"].notna(), "paid_date", "the date the payment arrived (paid_amount is set)", "an empty cell")
    fail(paid & (table["paid_amount"] > table["amount"] + 0.005), "paid_amount",
         "at most the invoice amount (book an overpayment as a credit, not on the invoice)", lambda i: table.at[i, "paid_amount"])
    short = paid & (table["paid_amount"] < table["amount"] - 0.005)
    fail(short & table["reason_code"].isna(), "reason_code",
         f"a short-payment reason code ({', '.join(REASON_CODES)}) because paid_amount is below amount", "an empty cell")
    fail(paid & ~short & table["reason_code"].notna(), "reason_code",
         "an empty cell on a fully paid invoice", lambda i: table.at[i, "reason_code"])
    return table


def load_customers(path: Path | None = None, tiers: dict[str, Tier] | None = None,
                   instruments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Customers with tier, agreed terms, expected orders and registry data (indexed by customer)."""
    path = customers_file() if path is None else Path(path)
    cols = {
        "customer": Column(unique=True), "market": Column(), "tier": Column(),
        "terms": Column(), "terms_days": Column("int", min=0, max=360),
        "orders_per_year": Column("float", min=0), "avg_order": Column("float", min=0),
        "registry_id": Column(required=False), "website": Column(required=False),
    }
    _check_extra(path, cols)
    table = read_table(path, cols, key="customer", extra_ok=True)[list(cols)]
    where = relative(path)
    if tiers is not None:
        require_known(table["tier"], list(tiers), f"{where}: column 'tier'")
    if instruments is not None:
        require_known(table["terms"], list(instruments.index), f"{where}: column 'terms'")
    return table.set_index("customer")


def load_orders(path: Path | None = None) -> pd.DataFrame:
    """Incoming orders to screen for fraud signals (indexed by order_id)."""
    path = orders_file() if path is None else Path(path)
    flag = Column("bool")
    cols = {
        "order_id": Column(unique=True), "customer": Column(), "country": Column(), "email": Column(),
        "website": Column(required=False), "amount": Column("float", min=0), "first_order": flag,
        "rush": flag, "ship_to_on_file": flag, "bank_details_changed": flag, "payer_is_buyer": flag,
        "registry_id": Column(required=False), "registry_check": Column("choice", choices=REGISTRY_CHECKS),
    }
    _check_extra(path, cols)
    table = read_table(path, cols, key="order_id", extra_ok=True)[list(cols)]
    bad = ~table["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{relative(path)}: line {i + 2} (order_id {table.at[i, 'order_id']!r}), column 'email': "
                         f"expected an e-mail address name@domain, found {table.at[i, 'email']!r}")
    return table.set_index("order_id")


def fx_to(currencies: Iterable[str], as_of: date, currency: str = CURRENCY) -> pd.DataFrame:
    """Rate (``currency`` per 1 unit) for each currency, the last ECB quote on or before ``as_of``."""
    rows = []
    for ccy in sorted(set(currencies)):
        if ccy == currency:
            rows.append((ccy, 1.0, pd.Timestamp(as_of)))
            continue
        series = rates.history(currency, ccy)
        upto = series[series.index <= pd.Timestamp(as_of)]
        if upto.empty:
            raise InputError(f"fx {currency}/{ccy}: expected a rate on or before {as_of}, found none "
                             f"(history starts {series.index[0].date()})")
        rows.append((ccy, float(upto.iloc[-1]), upto.index[-1]))
    return pd.DataFrame(rows, columns=["currency", "rate", "rate_date"]).set_index("currency")
