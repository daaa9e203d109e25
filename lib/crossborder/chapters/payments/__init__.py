"""Payment terms, credit risk, fraud signals and receivables: the outline's section 6 in money.

Four parts, each a set of pure functions over DataFrames and numpy arrays:

1. **Instrument costs** (``instrument_costs``, ``cost_grid``, ``recommend_terms``, ``break_even_pd``).
   For one deal (amount ``A`` in USD, tenor ``T`` days, customer tier) every payment instrument in
   ``data/payment_instruments.csv`` is costed from the seller's side as

       total = bank fees + insurance premium + financing + expected credit loss + expected discrepancy cost

   - financing = r x A x d / 365 (simple interest, actual/365), ``r`` the exporter's annual cost of capital,
     ``d`` the days from shipment to cash (negative when the buyer pays before shipment);
   - the probability of default over a horizon of ``d`` days from an annual PD ``p`` is
     PD_d = 1 - (1 - p)^(d / 365) (constant hazard; Basel / IFRS 9 practice for scaling a one-year PD);
   - expected loss = PD x LGD x exposure (the Basel II IRB decomposition, BCBS 2006), with the risk carried where the
     instrument puts it: a confirmed LC carries the confirming bank's default (ICC UCP 600 Art. 8); an
     unconfirmed LC the issuing bank's and the buyer's country's (transfer) risk (UCP 600 Art. 7); D/P the
     risk that the buyer refuses the documents and the goods are stranded at the port (ICC URC 522 Art. 7:
     the seller keeps control of the goods, so the loss is the return or resale loss, not LGD); D/A and
     open account the buyer's default over the tenor, less the insured share when insured; escrow the
     platform's dispute risk;
   - discrepancy cost (LCs) = P(discrepant) x (discrepancy fee + financing of the delay
     + P(applicant refuses to waive) x stranded-goods loss): a refused waiver turns the LC into a collection.

   The buyer's side is the buyer's fees, the buyer's financing r_b x A x (arrival day - payment day)/365
   (negative when the term gives the buyer credit) and the buyer's own risk of paying before seeing the goods
   (P(seller fails) x loss x A; in full when paying in advance, in part when paying against documents). A term is *acceptable* when the seller can carry its
   unsecured exposure (the tier's own and insured limits), the insurer covers it (when insured) and the buyer's
   extra cost over the market's customary term is within the buyer's tolerance.

2. **Credit limits** (``credit_limits``): from tier, expected orders and insurer cover; exposure vs limit.
3. **KYB and fraud signals** (``kyb_check``, ``fraud_signals``, ``fraud_scores``): offline VAT/company-number
   validation with python-stdnum; a weighted checklist gives a hold / verify / proceed call.
4. **Receivables** (``prepare_ledger``, ``aging``, ``aging_history``, ``dso_countback``, ``dso_standard``,
   ``cei``, ``dso_trend``, ``short_payments``), always as of the report's date.

All money in the deal model is in USD (the workbook's invoicing currency; fee minimums are in USD). The
ledger is converted to USD at ECB reference rates as of the report date (``crossborder.core.rates``).
Commercial figures in the data and scenarios are illustrative.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import ipywidgets as widgets
import numpy as np
import pandas as pd
import pandas.io.formats.style  # noqa: F401  interactive._as_html checks for a Styler on text panes; load it
import plotly.graph_objects as go
from pydantic import Field, ValidationInfo, field_validator

from crossborder.core import rates, theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import country_name, t
from crossborder.notebook.panel import ControlPanel
from crossborder.core.paths import DATA_DIR, relative, user_home
from crossborder.core.schema import Model, Text
from crossborder.scenario import save_overlay
from crossborder.core.tables import Column, read_table, require_known

CURRENCY = "USD"
INSTRUMENTS_FILE = DATA_DIR / "payment_instruments.csv"
INVOICES_FILE = DATA_DIR / "invoices.csv"
CUSTOMERS_FILE = DATA_DIR / "credit_customers.csv"
ORDERS_FILE = DATA_DIR / "orders_to_screen.csv"

RULES = ("UCP600", "URC522", "contract", "platform")
ADDS = ("none", "transit", "tenor", "transit+tenor")
SELLER_RISKS = ("none", "confirming_bank", "issuing_bank_country", "goods_refused", "buyer_default", "platform_dispute")
BUYER_RISKS = ("seller_performance", "documents_not_goods", "platform_dispute", "none")
DOC_RISK = ("seller", "buyer", "none")
BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "d91_plus")
REASON_CODES = ("PRICE", "QTY", "QUALITY", "BANK_FEES", "FX", "LATE_PENALTY", "DISCOUNT", "DOCS", "OTHER")
SIGNALS = ("large_first_order", "rush_new_address", "bank_account_change", "third_party_payer", "free_mail",
           "lookalike_domain", "registry_mismatch")
DECISIONS = ("proceed", "verify", "hold")
REGISTRY_CHECKS = ("match", "mismatch", "not_checked")
EU_VAT_COUNTRIES = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
                    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
# Offline validators per country (python-stdnum module names); EU members use stdnum.eu.vat.
KYB_VALIDATORS = {"TW": "stdnum.tw.ubn", "JP": "stdnum.jp.cn", "VN": "stdnum.vn.mst", "MX": "stdnum.mx.rfc",
                  "IN": "stdnum.in_.gstin", "US": "stdnum.us.ein", "GB": "stdnum.gb.vat", "CN": "stdnum.cn.uscc",
                  "KR": "stdnum.kr.brn", "TH": "stdnum.th.tin", "MY": "stdnum.my.nric", "ID": "stdnum.id.npwp",
                  "CH": "stdnum.ch.vat", "BR": "stdnum.br.cnpj", "AU": "stdnum.au.abn", "CA": "stdnum.ca.bn"}


# ------------------------------------------------------------------------------------------ scenario

class Tier(Model):
    """A customer tier: its credit risk, the insurer's terms for it and how much the exporter will carry."""

    label: Text
    annual_pd: float = Field(ge=0, lt=1)        # probability of default within a year
    lgd: float = Field(ge=0, le=1)              # loss given default, share of the exposure
    premium_pct: float = Field(ge=0, le=0.2)    # credit-insurance premium, share of the insured invoice value
    cover: float = Field(ge=0, le=1)            # insured share of a loss; 0 = the insurer declines the tier
    insurer_limit: float = Field(ge=0)          # buyer limit an insurer typically grants (USD)
    own_limit: float = Field(ge=0)              # uninsured exposure the exporter accepts per customer (USD)


class Deal(Model):
    """The deal the chapter prices: amount (USD), tenor (days of credit), the customer's tier."""

    amount: float = Field(gt=0)
    tenor_days: int = Field(ge=0, le=360)
    tier: str


class LetterOfCredit(Model):
    confirmation_fee_pct: float = Field(ge=0, le=0.1)   # confirming bank's fee, share of the LC amount
    confirming_bank_pd: float = Field(ge=0, lt=1)       # annual PD of the confirming bank
    issuing_bank_pd: float = Field(ge=0, lt=1)          # annual PD of a typical issuing bank in the market
    country_pd: float = Field(ge=0, lt=1)               # annual probability of a transfer / convertibility event
    bank_lgd: float = Field(ge=0, le=1)
    waiver_refusal: float = Field(ge=0, le=1)           # P(applicant refuses to waive discrepancies)


class Collection(Model):
    non_credit_refusal: float = Field(ge=0, le=1)   # P(buyer refuses documents for other reasons: price fell, ...)
    return_cost_pct: float = Field(ge=0, le=1)      # ship back: freight, handling, share of invoice value
    resale_loss_pct: float = Field(ge=0, le=1)      # sell locally at a discount instead
    storage_pct: float = Field(ge=0, le=1)          # demurrage and storage while it is sorted out


class Escrow(Model):
    dispute_rate: float = Field(ge=0, le=1)     # share of escrow deals that end in a dispute
    dispute_loss: float = Field(ge=0, le=1)     # loss in a dispute, share of the deal


class BuyerSide(Model):
    """What a term costs the buyer beyond fees and financing: the risk of paying before seeing the goods."""

    seller_failure: float = Field(ge=0, le=1)       # P(the goods do not arrive as ordered), as the buyer sees a new supplier
    loss_if_failure: float = Field(ge=0, le=1)      # buyer's loss then, share of what it paid
    documents_share: float = Field(ge=0, le=1)      # share of that risk left when paying against shipping documents


class Insurance(Model):
    max_tenor_days: int = Field(ge=0, le=720)   # longest credit period the policy covers


class Fraud(Model):
    """Fraud-signal checklist: points per signal (0-100 scale), thresholds and lists."""

    weights: dict[str, float]
    verify_at: float = Field(gt=0)
    hold_at: float = Field(gt=0)
    always_verify: list[str] = []
    large_first_order: float = Field(gt=0)          # a first order above this (USD) is a signal
    lookalike_distance: int = Field(ge=1, le=4)     # edit distance at which a domain is a look-alike
    free_mail_domains: list[str]
    local_free_mail_domains: list[str] = []

    @field_validator("weights")
    @classmethod
    def _known_weights(cls, weights: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(weights) - set(SIGNALS))
        if unknown:
            raise ValueError(f"signal names from {', '.join(SIGNALS)} (unknown: {', '.join(unknown)})")
        bad = {k: v for k, v in weights.items() if not 0 <= v <= 100}
        if bad:
            raise ValueError(f"points from 0 to 100 per signal (out of range: {bad})")
        return weights

    @field_validator("always_verify")
    @classmethod
    def _known_always(cls, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - set(SIGNALS))
        if unknown:
            raise ValueError(f"signal names from {', '.join(SIGNALS)} (unknown: {', '.join(unknown)})")
        return names

    @field_validator("hold_at")
    @classmethod
    def _above_verify(cls, hold: float, info: ValidationInfo) -> float:
        verify = info.data.get("verify_at")
        if verify is not None and hold <= verify:
            raise ValueError(f"a hold threshold above verify_at ({verify:g})")
        return hold


class Receivables(Model):
    dso_method: Literal["countback", "standard"] = "countback"
    standard_days: int = Field(default=90, ge=28, le=365)    # period of the standard (average) method
    months: int = Field(default=12, ge=3, le=36)             # history shown in trends


class Payments(Model):
    """The ``payments`` section of a market scenario (see data/scenarios/defaults.yaml)."""

    tiers: dict[str, Tier] = Field(min_length=1)
    deal: Deal
    transit_days: int = Field(ge=0, le=90)          # port-to-port sea transit from Taiwan (illustrative)
    cost_of_capital: float = Field(ge=0, le=0.5)     # the exporter's, annual
    buyer_cost_of_capital: float = Field(ge=0, le=1)  # a typical buyer's in this market, annual
    market_norm: str                                 # the term buyers in this market expect (instrument id)
    buyer_tolerance_pct: float = Field(ge=0, le=0.2)  # extra cost over the norm a buyer accepts, share of deal
    lc: LetterOfCredit
    collection: Collection
    escrow: Escrow
    buyer_side: BuyerSide
    insurance: Insurance
    fraud: Fraud
    receivables: Receivables = Receivables()

    @field_validator("deal")
    @classmethod
    def _tier_known(cls, deal: Deal, info: ValidationInfo) -> Deal:
        tiers = info.data.get("tiers")
        if tiers is not None and deal.tier not in tiers:
            raise ValueError(f"deal.tier to name one of the tiers {', '.join(tiers)} (found {deal.tier!r})")
        return deal


# ------------------------------------------------------------------------------------------ loading

def _check_extra(path: Path, columns: dict[str, Column], allowed_extra: tuple[str, ...] = ("source",)) -> None:
    header = pd.read_csv(path, nrows=0, dtype=str).columns if Path(path).exists() else []
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
    """The ledger the chapter reads: ``<user folder>/invoices.csv`` if the user put one there, else the example."""
    own = user_home() / "invoices.csv"
    return own if own.exists() else INVOICES_FILE


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


def load_customers(path: Path = CUSTOMERS_FILE, tiers: dict[str, Tier] | None = None,
                   instruments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Customers with tier, agreed terms, expected orders and registry data (indexed by customer)."""
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


def load_orders(path: Path = ORDERS_FILE) -> pd.DataFrame:
    """Incoming orders to screen for fraud signals (indexed by order_id)."""
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


# ------------------------------------------------------------------------------------ instrument costs

def horizon_pd(annual_pd, days) -> np.ndarray:
    """Probability of default within ``days`` from an annual PD: 1 - (1 - p)^(days/365); 0 for days <= 0."""
    p = np.asarray(annual_pd, dtype=float)
    d = np.maximum(np.asarray(days, dtype=float), 0.0)
    if np.any((p < 0) | (p >= 1)):
        raise InputError(f"annual_pd: expected a probability from 0 to below 1, found {p}")
    return 1.0 - (1.0 - p) ** (d / 365.0)


def _tier(pay: Payments, tier: str) -> Tier:
    if tier not in pay.tiers:
        raise InputError(f"tier: expected one of {', '.join(pay.tiers)}, found {tier!r}")
    return pay.tiers[tier]


def _check_deal(amount: float, tenor_days: int) -> None:
    if not (isinstance(amount, (int, float, np.number)) and math.isfinite(amount) and amount > 0):
        raise InputError(f"amount: expected a deal amount in USD > 0, found {amount!r}")
    if not (isinstance(tenor_days, (int, np.integer)) or (isinstance(tenor_days, float) and tenor_days.is_integer())) \
            or not 0 <= tenor_days <= 720:
        raise InputError(f"tenor_days: expected whole days of credit from 0 to 720, found {tenor_days!r}")


def _check_norm(pay: Payments, instruments: pd.DataFrame) -> None:
    if pay.market_norm not in instruments.index:
        raise InputError(f"payments.market_norm: expected an instrument id from {relative(INSTRUMENTS_FILE)} "
                         f"({', '.join(instruments.index)}), found {pay.market_norm!r}")


def _days(base: np.ndarray, adds: np.ndarray, transit: float, tenor: float) -> np.ndarray:
    adds = np.asarray(adds)
    with_transit = np.char.find(adds.astype(str), "transit") >= 0
    with_tenor = np.char.find(adds.astype(str), "tenor") >= 0
    return base + transit * with_transit + tenor * with_tenor


def stranded_loss(pay: Payments) -> float:
    """Loss share when goods are refused at the port: the cheaper of return and local resale, plus storage."""
    c = pay.collection
    return min(c.return_cost_pct, c.resale_loss_pct) + c.storage_pct


def _cost_core(inst: pd.DataFrame, pay: Payments, amount, tenor, pd_, lgd, premium, cover) -> dict[str, np.ndarray]:
    """Seller's and buyer's cost per instrument; tier parameters broadcast as arrays of shape (m, 1)."""
    A = np.asarray(amount, dtype=float)
    r, rb, transit = pay.cost_of_capital, pay.buyer_cost_of_capital, float(pay.transit_days)
    risk = inst["seller_risk"].to_numpy()
    insured = inst["insured"].to_numpy(dtype=bool)
    cash_day = _days(inst["cash_days"].to_numpy(float), inst["cash_adds"].to_numpy(), transit, tenor)
    buyer_day = _days(inst["buyer_pays_days"].to_numpy(float), inst["buyer_pays_adds"].to_numpy(), transit, tenor)

    fees = np.maximum(inst["seller_fee_pct"].to_numpy(float) * A, inst["seller_fee_min"].to_numpy(float)) \
        + inst["seller_fee_fixed"].to_numpy(float) + (risk == "confirming_bank") * pay.lc.confirmation_fee_pct * A
    insurance = insured * np.asarray(premium, dtype=float) * A
    financing = r * A * cash_day / 365.0

    lc = pay.lc
    stranded = stranded_loss(pay)
    bank_country_pd = 1 - (1 - lc.issuing_bank_pd) * (1 - lc.country_pd)
    p_refuse = 1 - (1 - horizon_pd(pd_, cash_day)) * (1 - pay.collection.non_credit_refusal)
    credit = np.select(
        [risk == "confirming_bank", risk == "issuing_bank_country", risk == "goods_refused",
         risk == "buyer_default", risk == "platform_dispute"],
        [horizon_pd(lc.confirming_bank_pd, cash_day) * lc.bank_lgd * A,
         horizon_pd(bank_country_pd, cash_day) * lc.bank_lgd * A,
         p_refuse * stranded * A,
         horizon_pd(pd_, tenor) * np.asarray(lgd, dtype=float) * A * (1 - insured * np.asarray(cover, dtype=float)),
         np.full(cash_day.shape, pay.escrow.dispute_rate * pay.escrow.dispute_loss) * A],
        default=0.0)
    discrepancy = inst["discrepancy_rate"].to_numpy(float) * (
        inst["discrepancy_fee"].to_numpy(float)
        + r * A * inst["discrepancy_delay_days"].to_numpy(float) / 365.0
        + lc.waiver_refusal * stranded * A)

    buyer_fees = np.maximum(inst["buyer_fee_pct"].to_numpy(float) * A, inst["buyer_fee_min"].to_numpy(float)) \
        + inst["buyer_fee_fixed"].to_numpy(float)
    buyer_financing = rb * A * (transit - buyer_day) / 365.0
    bs = pay.buyer_side
    brisk = inst["buyer_risk"].to_numpy()
    buyer_risk = bs.seller_failure * bs.loss_if_failure * A * np.select(
        [brisk == "seller_performance", brisk == "documents_not_goods"], [1.0, bs.documents_share], default=0.0)
    shape = np.broadcast_shapes(np.shape(credit), np.shape(fees), np.shape(insurance))
    b = lambda x: np.broadcast_to(np.asarray(x, dtype=float), shape)  # noqa: E731
    total = b(fees) + b(insurance) + b(financing) + b(credit) + b(discrepancy)
    return {"fees": b(fees), "insurance": b(insurance), "financing": b(financing), "credit_loss": b(credit),
            "discrepancy": b(discrepancy), "total": total, "cash_day": b(cash_day),
            "buyer_fees": b(buyer_fees), "buyer_financing": b(buyer_financing), "buyer_risk": b(buyer_risk),
            "buyer_cost": b(buyer_fees) + b(buyer_financing) + b(buyer_risk)}


def instrument_costs(instruments: pd.DataFrame, pay: Payments, *, amount: float | None = None,
                     tenor_days: int | None = None, tier: str | None = None,
                     annual_pd: float | None = None) -> pd.DataFrame:
    """Every instrument costed for one deal (defaults: the scenario's deal), one row per instrument.

    Money columns in USD: ``fees, insurance, financing, credit_loss, discrepancy, total`` (seller) and
    ``buyer_fees, buyer_financing, buyer_risk, buyer_cost``; shares of the deal ``total_pct, expected_loss_pct,
    buyer_pct, buyer_extra_pct`` (buyer's cost over the market norm's); ``cash_day``; ``available`` (the
    insurer covers it), ``seller_ok``, ``buyer_ok``, ``acceptable`` and ``reason`` (why not, or "").
    ``annual_pd`` overrides the tier's PD (the notebook's slider).
    """
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tier = pay.deal.tier if tier is None else tier
    _check_deal(amount, tenor_days)
    _check_norm(pay, instruments)
    tr = _tier(pay, tier)
    p = tr.annual_pd if annual_pd is None else annual_pd
    if not (isinstance(p, (int, float, np.number)) and 0 <= p < 1):
        raise InputError(f"annual_pd: expected a probability from 0 to below 1, found {p!r}")
    grid = _tier_grid(instruments, pay, amount, tenor_days, {tier: tr}, {tier: p})
    return grid.loc[tier]


def _tier_grid(instruments: pd.DataFrame, pay: Payments, amount: float, tenor: int,
               tiers: dict[str, Tier], pds: dict[str, float]) -> pd.DataFrame:
    names = list(tiers)
    col = lambda values: np.asarray(values, dtype=float)[:, None]  # noqa: E731 (m, 1)
    core = _cost_core(instruments, pay, amount, tenor,
                      col([pds[n] for n in names]), col([tiers[n].lgd for n in names]),
                      col([tiers[n].premium_pct for n in names]), col([tiers[n].cover for n in names]))
    m, n = len(names), len(instruments)
    out = pd.DataFrame({k: np.asarray(v).reshape(m * n) for k, v in core.items()},
                       index=pd.MultiIndex.from_product([names, instruments.index], names=["tier", "instrument"]))
    A = float(amount)
    out["total_pct"] = out["total"] / A
    out["expected_loss_pct"] = (out["credit_loss"] + out["discrepancy"]) / A
    out["buyer_pct"] = out["buyer_cost"] / A
    norm_cost = out.xs(pay.market_norm, level="instrument")["buyer_cost"]
    out["buyer_extra_pct"] = (out["buyer_cost"] - norm_cost.reindex(out.index.get_level_values("tier")).to_numpy()) / A

    risk = np.tile(instruments["seller_risk"].to_numpy(), m)
    insured = np.tile(instruments["insured"].to_numpy(dtype=bool), m)
    cover = np.repeat([tiers[t_].cover for t_ in names], n)
    own = np.repeat([tiers[t_].own_limit for t_ in names], n)
    ins_limit = np.repeat([tiers[t_].insurer_limit for t_ in names], n)
    available = ~insured | ((cover > 0) & (tenor <= pay.insurance.max_tenor_days))
    unsecured = risk == "buyer_default"
    limit = np.where(insured, own + np.where(cover > 0, ins_limit, 0.0), own)
    seller_ok = ~unsecured | (A <= limit + 1e-9)
    buyer_ok = out["buyer_extra_pct"].to_numpy() <= pay.buyer_tolerance_pct + 1e-12
    out["available"] = available
    out["seller_ok"] = seller_ok
    out["buyer_ok"] = buyer_ok
    out["acceptable"] = available & seller_ok & buyer_ok
    reason = np.where(~available, "insurer_declines", np.where(~seller_ok, "over_limit", np.where(~buyer_ok, "buyer_walks", "")))
    out["reason"] = reason
    return out


def cost_grid(instruments: pd.DataFrame, pay: Payments, *, amount: float | None = None,
              tenor_days: int | None = None, pd_override: dict[str, float] | None = None) -> pd.DataFrame:
    """``instrument_costs`` for every tier at once: a (tier, instrument) MultiIndex frame."""
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    _check_deal(amount, tenor_days)
    _check_norm(pay, instruments)
    pds = {name: tier.annual_pd for name, tier in pay.tiers.items()}
    for name, p in (pd_override or {}).items():
        _tier(pay, name)
        if not 0 <= p < 1:
            raise InputError(f"annual_pd for tier {name}: expected a probability from 0 to below 1, found {p!r}")
        pds[name] = p
    return _tier_grid(instruments, pay, amount, tenor_days, dict(pay.tiers), pds)


def recommend_terms(grid: pd.DataFrame) -> pd.DataFrame:
    """Per tier: the cheapest acceptable instrument (seller's total cost) and the runner-up.

    When no instrument is acceptable for a tier (the buyer walks away from every term the seller can carry),
    the term the seller can carry with the lowest joint cost (seller's total + buyer's extra cost) is named:
    the natural starting point of a negotiation, ``negotiate`` is True.
    """
    rows = []
    for tier, g in grid.groupby(level="tier", sort=False):
        g = g.droplevel("tier")
        ok = g[g["acceptable"]].sort_values("total")
        negotiate = ok.empty
        if negotiate:
            carry = g[g["available"] & g["seller_ok"]]
            joint = carry["total_pct"] + carry["buyer_extra_pct"]
            ok = carry.loc[joint.sort_values().index]
        best = ok.iloc[0]
        rows.append({
            "tier": tier, "instrument": ok.index[0], "total": best["total"], "total_pct": best["total_pct"],
            "expected_loss_pct": best["expected_loss_pct"], "buyer_extra_pct": best["buyer_extra_pct"],
            "runner_up": ok.index[1] if len(ok) > 1 else None,
            "runner_up_pct": ok["total_pct"].iloc[1] if len(ok) > 1 else np.nan,
            "cheapest_overall": g["total"].idxmin(), "negotiate": negotiate,
        })
    return pd.DataFrame(rows).set_index("tier")


@dataclass(frozen=True)
class BreakEven:
    """Where open account stops being cheaper than the cheaper letter of credit, for one tier.

    ``status``: ``crosses`` (``pd`` is the break-even annual PD), ``never_cheaper`` (OA costs more even
    at PD 0; ``pd`` is 0) or ``always_cheaper`` (OA stays cheaper for any PD below 1; ``pd`` is NaN).
    """

    pd: float
    status: Literal["crosses", "never_cheaper", "always_cheaper"]
    instrument: str
    reference: str
    reference_cost: float


def break_even_pd(instruments: pd.DataFrame, pay: Payments, *, tier: str | None = None,
                  amount: float | None = None, tenor_days: int | None = None,
                  instrument: str = "oa", against: tuple[str, ...] | None = None) -> BreakEven:
    """The annual PD at which ``instrument`` (open account) costs the seller as much as the cheaper LC.

    Like is compared with like: by default the LCs that give the buyer the same credit period (a usance LC
    when ``tenor_days`` > 0, sight LCs at tenor 0), so that financing cancels and the comparison isolates
    fees and risk. Pass ``against`` to compare with other instruments. OA's cost is C0 + PD_T x LGD x A x (1 - cover x insured) with PD_T = 1 - (1 - p)^(T/365); the LCs' costs
    do not depend on the buyer's PD. Solving C0 + q x L = C_LC for q and inverting PD_T gives
    p* = 1 - (1 - q)^(365 / T).
    """
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tier = pay.deal.tier if tier is None else tier
    if against is None:
        lcs = [i for i in instruments.index if instruments.at[i, "rules"] == "UCP600"]
        usance = [i for i in lcs if "tenor" in instruments.at[i, "cash_adds"]]
        against = tuple(usance if tenor_days > 0 and usance else [i for i in lcs if i not in usance] or lcs)
        if not against:
            raise InputError(f"{relative(INSTRUMENTS_FILE)}: expected at least one letter of credit (rules UCP600) to compare with, found none")
    for name in (instrument, *against):
        if name not in instruments.index:
            raise InputError(f"instrument: expected an id from {relative(INSTRUMENTS_FILE)} ({', '.join(instruments.index)}), found {name!r}")
    if instruments.at[instrument, "seller_risk"] != "buyer_default":
        raise InputError(f"instrument: expected a term that carries the buyer's default (seller_risk buyer_default), "
                         f"found {instrument!r} with {instruments.at[instrument, 'seller_risk']!r}")
    costs = instrument_costs(instruments, pay, amount=amount, tenor_days=tenor_days, tier=tier, annual_pd=0.0)
    ref = costs.loc[list(against), "total"].idxmin()
    c_ref = float(costs.at[ref, "total"])
    c0 = float(costs.at[instrument, "total"])
    tr = pay.tiers[tier]
    cover = tr.cover if bool(instruments.at[instrument, "insured"]) else 0.0
    loss = tr.lgd * amount * (1 - cover)
    if c0 >= c_ref:
        return BreakEven(0.0, "never_cheaper", instrument, ref, c_ref)
    if loss <= 0 or tenor_days == 0:
        return BreakEven(float("nan"), "always_cheaper", instrument, ref, c_ref)
    q = (c_ref - c0) / loss
    if q >= 1:
        return BreakEven(float("nan"), "always_cheaper", instrument, ref, c_ref)
    return BreakEven(float(1 - (1 - q) ** (365.0 / tenor_days)), "crosses", instrument, ref, c_ref)


def cost_curve(instruments: pd.DataFrame, pay: Payments, pds: np.ndarray, *, tier: str | None = None,
               amount: float | None = None, tenor_days: int | None = None) -> pd.DataFrame:
    """Seller's total cost share per instrument (columns) along a grid of annual PDs (index)."""
    amount = pay.deal.amount if amount is None else amount
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tr = _tier(pay, pay.deal.tier if tier is None else tier)
    _check_deal(amount, tenor_days)
    pds = np.asarray(pds, dtype=float)
    k = len(pds)
    core = _cost_core(instruments, pay, amount, tenor_days, pds[:, None], np.full((k, 1), tr.lgd),
                      np.full((k, 1), tr.premium_pct), np.full((k, 1), tr.cover))
    return pd.DataFrame(core["total"] / amount, index=pd.Index(pds, name="annual_pd"), columns=instruments.index)


# ------------------------------------------------------------------------------------------ credit limits

def credit_limits(customers: pd.DataFrame, pay: Payments, instruments: pd.DataFrame,
                  exposure: pd.Series | None = None) -> pd.DataFrame:
    """Credit limit per customer from its tier, expected orders and the insurer's cover.

    need = average order x (ceil(orders per year x terms days / 365) + 1): the orders outstanding during the
    credit period plus the one being shipped; insured part = min(need, insurer limit) when the customer's
    terms are insured and the tier is insurable (cover > 0); own part = min(need - insured part, own limit);
    limit = insured part + own part; retained exposure = own part + insured part x (1 - cover); shortfall =
    need - limit (ask for security: LC, part advance). Customers on secured terms (LC, advance, D/P, escrow)
    need no credit limit. ``exposure`` is the open receivable per customer (USD); utilisation = exposure /
    limit, status ok / watch (>= 80 %) / over (> 100 %) / secured.
    """
    unknown = sorted(set(customers["tier"]) - set(pay.tiers))
    if unknown:
        raise InputError(f"customers: column 'tier': expected one of {', '.join(pay.tiers)}, found {', '.join(unknown)}")
    tiers = pd.DataFrame([t_.model_dump(exclude={"label"}) for t_ in pay.tiers.values()], index=list(pay.tiers))
    tr = tiers.loc[customers["tier"]].set_axis(customers.index)
    terms = instruments.reindex(customers["terms"])
    unknown_terms = sorted(set(customers.loc[terms["seller_risk"].isna().to_numpy(), "terms"]))
    if unknown_terms:
        raise InputError(f"customers: column 'terms': expected an instrument id ({', '.join(instruments.index)}), "
                         f"found {', '.join(unknown_terms)}")
    unsecured = terms["seller_risk"].to_numpy() == "buyer_default"
    outstanding = np.ceil(customers["orders_per_year"].to_numpy() * customers["terms_days"].to_numpy() / 365) + 1
    need = np.where(unsecured, customers["avg_order"].to_numpy() * outstanding, 0.0)
    insurable = (tr["cover"].to_numpy() > 0) & terms["insured"].to_numpy(dtype=bool)
    insured = np.where(insurable, np.minimum(need, tr["insurer_limit"].to_numpy()), 0.0)
    own = np.minimum(need - insured, tr["own_limit"].to_numpy())
    limit = insured + own
    exp = np.zeros(len(customers)) if exposure is None else exposure.reindex(customers.index).fillna(0.0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(~unsecured, np.nan, np.where(limit > 0, exp / limit, np.where(exp > 0, np.inf, np.nan)))
    status = np.where(~unsecured, "secured", np.where(util > 1, "over", np.where(util >= 0.8, "watch", "ok")))
    return pd.DataFrame({
        "market": customers["market"], "tier": customers["tier"], "terms": customers["terms"],
        "terms_days": customers["terms_days"], "need": need, "insured_part": insured, "own_part": own,
        "limit": limit, "retained": own + insured * (1 - np.where(insurable, tr["cover"].to_numpy(), 0.0)),
        "shortfall": need - limit,
        "exposure": exp, "utilisation": util, "status": status,
    }, index=customers.index)


# ------------------------------------------------------------------------------------------ KYB

@dataclass(frozen=True)
class KybResult:
    country: str
    number: str
    valid: bool | None          # None: no offline validator for this country
    compact: str
    validator: str              # the python-stdnum module used ("" if none)
    reason: str                 # "", or missing / length / format / checksum / component / country / no_validator


def _validator(country: str):
    import importlib

    if country in EU_VAT_COUNTRIES:
        return importlib.import_module("stdnum.eu.vat")
    name = KYB_VALIDATORS.get(country)
    if name is None:
        from stdnum.util import get_cc_module

        return get_cc_module(country.lower(), "vat")
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def validate_company_id(number: str | None, country: str) -> KybResult:
    """Check a VAT or company number offline (format and check digit) with python-stdnum.

    EU members: EU VAT numbers (a country prefix is added when missing; a prefix of another member state is
    reported as ``country``); Taiwan: 統一編號 UBN; Japan: 法人番号 corporate number; Viet Nam: MST; Mexico: RFC;
    India: GSTIN; the United States: EIN. This proves the number *could* exist, not that it belongs to the
    company: the online registry check (VIES for EU VAT, national registries) needs the network.
    """
    from stdnum import exceptions as ex

    country = (country or "").strip().upper()
    raw = "" if number is None or (isinstance(number, float) and math.isnan(number)) else str(number).strip()
    if not raw:
        return KybResult(country, raw, False, "", "", "missing")
    module = _validator(country)
    if module is None:
        return KybResult(country, raw, None, raw, "", "no_validator")
    name = module.__name__
    candidate = raw
    if name == "stdnum.eu.vat":
        from stdnum.util import clean

        compact = clean(raw, " -./,").upper().strip()
        prefix = compact[:2].upper()
        if not prefix.isalpha():
            candidate = ("EL" if country == "GR" else country) + compact
        elif prefix != ("EL" if country == "GR" else country):
            try:
                module.validate(compact)
                return KybResult(country, raw, False, compact, name, "country")
            except ex.ValidationError:
                pass
    try:
        compact = module.validate(candidate)
    except ex.InvalidLength:
        return KybResult(country, raw, False, "", name, "length")
    except ex.InvalidChecksum:
        return KybResult(country, raw, False, "", name, "checksum")
    except ex.InvalidComponent:
        return KybResult(country, raw, False, "", name, "component")
    except ex.InvalidFormat:
        return KybResult(country, raw, False, "", name, "format")
    except ex.ValidationError:
        return KybResult(country, raw, False, "", name, "format")
    return KybResult(country, raw, True, compact, name, "")


def kyb_check(numbers, countries) -> pd.DataFrame:
    """``validate_company_id`` over aligned sequences; returns a frame with one row per number."""
    numbers, countries = list(numbers), list(countries)
    if len(numbers) != len(countries):
        raise InputError(f"kyb_check: expected as many countries as numbers, found {len(countries)} and {len(numbers)}")
    rows = [validate_company_id(n, c).__dict__ for n, c in zip(numbers, countries)]
    return pd.DataFrame(rows, columns=["country", "number", "valid", "compact", "validator", "reason"])


# ------------------------------------------------------------------------------------------ fraud signals

_HOMOGLYPHS = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("5", "s"))


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def site_domain(url: str | None) -> str:
    if not isinstance(url, str) or not url.strip():
        return ""
    host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/")[0]
    return host[4:] if host.startswith("www.") else host


def osa_distance(a: str, b: str) -> int:
    """Optimal-string-alignment edit distance (Damerau-Levenshtein without repeated edits of a substring):
    insertions, deletions, substitutions and transpositions of adjacent characters each cost 1."""
    n, m = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        for j in range(1, m + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
        prev2, prev = prev, cur
    return prev[m]


def _skeleton(domain: str) -> str:
    s = domain.lower()
    for old, new in _HOMOGLYPHS:
        s = s.replace(old, new)
    return s


def lookalike_of(domain: str, known: list[str], max_distance: int = 2) -> str | None:
    """The known domain that ``domain`` imitates (close but not equal, or equal once homoglyphs are folded)."""
    return _lookalike(domain.lower(), tuple(k.lower() for k in known if k), max_distance)


@lru_cache(maxsize=4096)
def _lookalike(domain: str, known: tuple[str, ...], max_distance: int) -> str | None:
    skeleton = _skeleton(domain)
    for k in known:
        if k == domain:
            continue
        if _skeleton(k) == skeleton:
            return k
        # the length difference is a lower bound of the edit distance: skip the full computation when too far
        if abs(len(k) - len(domain)) <= max_distance and osa_distance(k, domain) <= max_distance:
            return k
    return None


def fraud_signals(orders: pd.DataFrame, pay: Payments, known_domains: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """The checklist's signals per order (bool columns ``SIGNALS``) plus what triggered them
    (``lookalike_of``: the imitated domain; ``kyb_reason``: the offline check's finding).

    - large_first_order: a first order above ``fraud.large_first_order`` USD;
    - rush_new_address: rush shipping to an address not on file;
    - bank_account_change: the order thread changes bank details (ours or the payer's);
    - third_party_payer: someone other than the buyer pays;
    - free_mail: the e-mail domain is a free-mail provider;
    - lookalike_domain: the e-mail domain imitates a known customer's domain (``known_domains``, from the
      customer master) or the order's own website;
    - registry_mismatch: the company number is missing or invalid offline (python-stdnum), belongs to another
      country, or the online registry check recorded a mismatch.
    """
    f = pay.fraud
    free = {d.lower() for d in (*f.free_mail_domains, *f.local_free_mail_domains)}
    mail = orders["email"].map(email_domain)
    site = orders["website"].map(site_domain)
    trusted = sorted({d.lower() for d in known_domains if d})
    # an e-mail domain is compared with the customer master's domains (trusted) and with the order's own
    # website; a domain that is itself in the master data is never a look-alike
    look = [None if m in trusted else lookalike_of(m, [*trusted, s] if s else trusted, f.lookalike_distance)
            for m, s in zip(mail, site)]
    kyb = kyb_check(orders["registry_id"], orders["country"])
    out = pd.DataFrame(index=orders.index)
    out["large_first_order"] = orders["first_order"].astype(bool) & (orders["amount"] > f.large_first_order)
    out["rush_new_address"] = orders["rush"].astype(bool) & ~orders["ship_to_on_file"].astype(bool)
    out["bank_account_change"] = orders["bank_details_changed"].astype(bool)
    out["third_party_payer"] = ~orders["payer_is_buyer"].astype(bool)
    out["free_mail"] = mail.isin(free).to_numpy()
    out["lookalike_domain"] = np.array([x is not None for x in look])
    offline_bad = (kyb["valid"] == False).to_numpy()  # noqa: E712 - None (no validator) is not a failure
    out["registry_mismatch"] = offline_bad | (orders["registry_check"] == "mismatch").to_numpy()
    out["lookalike_of"] = look                     # what triggered the signals (not scored)
    out["kyb_reason"] = kyb["reason"].to_numpy()
    return out


def fraud_scores(signals: pd.DataFrame, pay: Payments) -> pd.DataFrame:
    """Score = sum of the points of the signals present (0-100 scale, capped at 100) and the call:
    hold at ``hold_at`` or more; verify at ``verify_at`` or more, or whenever an ``always_verify`` signal is
    present (e.g. a bank-account change is always confirmed by a call-back to a number on file); else proceed.
    Returns the per-signal points (columns ``SIGNALS``), ``score`` and ``decision``.
    """
    f = pay.fraud
    missing = [s for s in SIGNALS if s not in signals.columns]
    if missing:
        raise InputError(f"fraud_scores: missing signal column(s) {', '.join(missing)}")
    flags = signals[list(SIGNALS)].to_numpy(dtype=bool)
    weights = np.array([f.weights.get(s, 0.0) for s in SIGNALS])
    points = flags * weights
    score = np.minimum(points.sum(axis=1), 100.0)
    forced = flags[:, [SIGNALS.index(s) for s in f.always_verify]].any(axis=1) if f.always_verify else np.zeros(len(flags), bool)
    decision = np.where(score >= f.hold_at, "hold", np.where((score >= f.verify_at) | forced, "verify", "proceed"))
    out = pd.DataFrame(points, index=signals.index, columns=list(SIGNALS))
    out["score"] = score
    out["decision"] = decision
    return out


# ------------------------------------------------------------------------------------------ receivables

def fx_to(currencies, as_of: date, currency: str = CURRENCY) -> pd.DataFrame:
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


def prepare_ledger(ledger: pd.DataFrame, as_of: date, currency: str = CURRENCY,
                   fx: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ledger with ``amount_rc`` and ``short_rc`` (short-paid amount) in ``currency`` at as-of rates.

    One rate per currency (the as-of rate) for every date, so trends show collections, not currency moves.
    Invoices dated after ``as_of`` are dropped. ``fx`` (from ``fx_to``) is looked up when not given.
    """
    as_of_ts = pd.Timestamp(as_of)
    led = ledger[ledger["invoice_date"] <= as_of_ts].copy()
    if fx is None:
        try:
            fx = fx_to(led["currency"].unique(), as_of, currency)
        except InputError as exc:
            raise InputError(f"invoices: column 'currency': {exc}") from None
    rate = led["currency"].map(fx["rate"]).to_numpy(dtype=float)
    led["amount_rc"] = led["amount"].to_numpy(float) * rate
    short = np.where(led["paid_date"].notna(), led["amount"].to_numpy(float) - led["paid_amount"].fillna(0).to_numpy(float), 0.0)
    led["short_rc"] = np.maximum(short, 0.0) * rate
    return led


def _open_matrix(led: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """(dates x invoices) True where an invoice was issued and not yet paid at the date."""
    d = dates.to_numpy()[:, None]
    inv = led["invoice_date"].to_numpy()[None, :]
    paid = led["paid_date"].to_numpy()[None, :]
    return (inv <= d) & (pd.isna(paid) | (paid > d))


def _bucket_index(days_past_due: np.ndarray) -> np.ndarray:
    """0 current (not yet due), 1: 1-30, 2: 31-60, 3: 61-90, 4: 91+ days past due."""
    return np.digitize(days_past_due, [0.5, 30.5, 60.5, 90.5])


def aging_history(led: pd.DataFrame, dates) -> pd.DataFrame:
    """Open receivables by aging bucket at each date (rows), in the reporting currency."""
    dates = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    open_ = _open_matrix(led, dates)
    dpd = (dates.to_numpy()[:, None] - led["due_date"].to_numpy()[None, :]) / np.timedelta64(1, "D")
    bucket = _bucket_index(dpd)
    amt = led["amount_rc"].to_numpy(float)[None, :]
    out = pd.DataFrame({b: ((bucket == k) & open_) @ amt[0] for k, b in enumerate(BUCKETS)}, index=dates)
    out.index.name = "date"
    return out


def aging(led: pd.DataFrame, as_of: date, by: str | None = None) -> pd.DataFrame:
    """Aging table as of ``as_of``: bucket amounts, total and overdue share; per ``by`` group if given."""
    ts = pd.Timestamp(as_of)
    open_ = _open_matrix(led, pd.DatetimeIndex([ts]))[0]
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
    open_ = _open_matrix(led, pd.DatetimeIndex([ts]))[0]
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
    open_ = _open_matrix(led, pd.DatetimeIndex([ts]))[0] & led["reason_code"].notna().to_numpy()
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
        "invoices_open": int(_open_matrix(led, pd.DatetimeIndex([ts]))[0].sum()),
    }


# ------------------------------------------------------------------------------------------ labels

def inst_label(instrument: str, lang: str) -> str:
    """An instrument's display name; ids without a string (user-added rows) show as they are."""
    try:
        return t(f"payments.inst_{instrument}", lang)
    except KeyError:
        return instrument


def tier_label(pay: Payments, tier: str, lang: str) -> str:
    return pay.tiers[tier].label(lang)


def _pct(x: float, digits: int = 2) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x * 100:.{digits}f}\u00a0%"


def _paren(text: str, lang: str) -> str:
    """A parenthetical after a name: full-width brackets in Chinese."""
    return f"（{text}）" if lang == "zh-TW" else f" ({text})"


def _usd(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{CURRENCY}\u00a0{x:,.0f}"


def _days_text(base: int, adds: str, lang: str) -> str:
    parts = [t(f"payments.adds_{a}", lang) for a in adds.split("+") if a != "none"]
    if not parts:
        return f"{base:+d}".replace("+", "") if base >= 0 else f"{base}"
    return " + ".join(parts) + (f" {'+' if base >= 0 else '−'} {abs(base)}" if base else "")


# ------------------------------------------------------------------------------------------ tables

def instruments_table(instruments: pd.DataFrame, pay: Payments, lang: str) -> pd.DataFrame:
    """The instruments as a teaching table: rules, seller's fees, days to cash and who carries which risk."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    rows = []
    for name, r in instruments.iterrows():
        fee = t("payments.fee_text", lang, pct=_pct(r["seller_fee_pct"]), min=f"{r['seller_fee_min']:,.0f}",
                fixed=f"{r['seller_fee_fixed']:,.0f}")
        if r["seller_risk"] == "confirming_bank":
            fee += t("payments.fee_plus", lang, what=f"{c('col_confirmation')} {_pct(pay.lc.confirmation_fee_pct)}")
        if r["insured"]:
            fee += t("payments.fee_plus", lang, what=c("col_premium"))
        rows.append({
            c("col_instrument"): inst_label(name, lang), c("col_rules"): c(f"rules_{r['rules']}"),
            c("col_seller_fees"): fee,
            c("col_days_to_cash"): _days_text(int(r["cash_days"]), r["cash_adds"], lang),
            c("col_seller_risk"): c(f"risk_{r['seller_risk']}"), c("col_buyer_risk"): c(f"brisk_{r['buyer_risk']}"),
            c("col_doc_risk"): c(f"doc_{r['doc_risk_on']}"),
        })
    return pd.DataFrame(rows)


def costs_table(costs: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One deal's costs per instrument, as shares of the deal, with the acceptability verdict."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    rows = []
    for name, r in costs.sort_values("total").iterrows():
        A = r["total"] / r["total_pct"] if r["total_pct"] else np.nan
        rows.append({
            c("col_instrument"): inst_label(name, lang),
            c("col_fees"): _pct((r["fees"] + r["insurance"]) / A), c("col_financing"): _pct(r["financing"] / A),
            c("col_expected_loss"): _pct(r["expected_loss_pct"]), c("col_total"): _pct(r["total_pct"]),
            c("col_buyer_extra"): _pct(r["buyer_extra_pct"]),
            c("col_verdict"): c("ok") if r["acceptable"] else c(f"why_{r['reason']}"),
        })
    return pd.DataFrame(rows)


def terms_table(rec: pd.DataFrame, pay: Payments, lang: str, breakevens: dict[str, BreakEven] | None = None) -> pd.DataFrame:
    """Recommended terms per customer tier (the report chapter's first table)."""
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    rows = []
    for tier, r in rec.iterrows():
        name = inst_label(r["instrument"], lang) + (_paren(c("negotiate"), lang) if r["negotiate"] else "")
        row = {
            c("col_tier"): tier_label(pay, tier, lang), c("col_pd"): _pct(pay.tiers[tier].annual_pd, 1),
            c("col_recommended"): name, c("col_total"): _pct(r["total_pct"]),
            c("col_expected_loss"): _pct(r["expected_loss_pct"]), c("col_buyer_extra"): _pct(r["buyer_extra_pct"]),
            c("col_runner_up"): (inst_label(r["runner_up"], lang) + _paren(_pct(r["runner_up_pct"]), lang)
                                 if isinstance(r["runner_up"], str) else "–"),
        }
        if breakevens is not None:
            row[c("col_breakeven")] = breakeven_text(breakevens[tier], lang)
        rows.append(row)
    return pd.DataFrame(rows)


def breakeven_text(be: BreakEven, lang: str) -> str:
    if be.status == "crosses":
        return _pct(be.pd)
    return t(f"payments.be_{be.status}", lang)


def limits_table(limits: pd.DataFrame, pay: Payments, lang: str) -> pd.DataFrame:
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    util = limits["utilisation"].map(lambda u: "–" if not np.isfinite(u) and not np.isinf(u) else ("∞" if np.isinf(u) else f"{u * 100:.0f} %"))
    return pd.DataFrame({
        c("col_customer"): limits.index, c("col_tier"): [tier_label(pay, x, lang) for x in limits["tier"]],
        c("col_terms"): [f"{inst_label(i, lang)} {d} {c('days')}" if d else inst_label(i, lang)
                         for i, d in zip(limits["terms"], limits["terms_days"])],
        c("col_need"): limits["need"].map(_usd).to_numpy(), c("col_limit"): limits["limit"].map(_usd).to_numpy(),
        c("col_insured_part"): limits["insured_part"].map(_usd).to_numpy(),
        c("col_exposure"): limits["exposure"].map(_usd).to_numpy(), c("col_utilisation"): util.to_numpy(),
        c("col_status"): [c(f"status_{s}") for s in limits["status"]],
    })


def kyb_table(names, kyb: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    verdict = [c("kyb_valid") if v is True else (c("kyb_unknown") if v is None else c("kyb_invalid")) for v in kyb["valid"]]
    return pd.DataFrame({
        c("col_company"): list(names), c("col_country"): [country_name(x, lang) for x in kyb["country"]],
        c("col_number"): kyb["number"].replace("", "–").to_numpy(), c("col_kyb"): verdict,
        c("col_reason"): [c(f"kyb_reason_{r}") if r else "–" for r in kyb["reason"]],
        c("col_validator"): kyb["validator"].replace("", "–").to_numpy(),
    })


def screening_table(orders: pd.DataFrame, scores: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    sep = "、" if lang == "zh-TW" else ", "
    present = [sep.join(c(f"sig_{s}") for s in SIGNALS if scores.at[o, s] > 0) or "–" for o in scores.index]
    return pd.DataFrame({
        c("col_order"): scores.index, c("col_company"): orders.loc[scores.index, "customer"].to_numpy(),
        c("col_amount"): orders.loc[scores.index, "amount"].map(_usd).to_numpy(),
        c("col_signals"): present, c("col_score"): scores["score"].map(lambda x: f"{x:.0f}").to_numpy(),
        c("col_decision"): [c(f"decision_{d}") for d in scores["decision"]],
    })


def aging_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    table = table.sort_values("total", ascending=False)
    out = pd.DataFrame({c("col_customer") if table.index.name == "customer" else "": table.index})
    for b in BUCKETS:
        out[c(f"bucket_{b}")] = table[b].map(_usd).to_numpy()
    out[c("col_ar_total")] = table["total"].map(_usd).to_numpy()
    out[c("col_overdue_share")] = table["overdue_share"].map(lambda x: _pct(x, 0)).to_numpy()
    return out


def receivables_summary(k: dict[str, Any], rec: Receivables, lang: str) -> pd.DataFrame:
    c = lambda key, **kw: t(f"payments.{key}", lang, **kw)  # noqa: E731
    days = lambda x: "–" if not np.isfinite(x) else f"{x:.0f} {c('days')}"  # noqa: E731
    rows = [
        (c("kpi_ar"), _usd(k["ar"])), (c("kpi_overdue"), f"{_usd(k['overdue'])} ({_pct(k['overdue_share'], 0)})"),
        (c("kpi_over_90"), _usd(k["over_90"])),
        (c("kpi_dso", method=c(f"method_{rec.dso_method}")), days(k["dso"])),
        (c("kpi_dso_other", method=c("method_standard" if rec.dso_method == "countback" else "method_countback")),
         days(k["dso_standard"] if rec.dso_method == "countback" else k["dso_countback"])),
        (c("kpi_bpdso"), days(k["bpdso"])), (c("kpi_add"), days(k["add"])),
        (c("kpi_cei"), "–" if not np.isfinite(k["cei"]) else f"{k['cei']:.0f} %"),
        (c("kpi_short", months=rec.months), _usd(k["short_paid"]) + (f" · {c('reason_' + k['top_reason'])}" if k["top_reason"] else "")),
    ]
    return pd.DataFrame(rows, columns=[c("col_kpi"), c("col_value")])


# ------------------------------------------------------------------------------------------ charts

_PART_COLORS = {"fees": theme.COLORWAY[0], "financing": theme.COLORWAY[4], "expected_loss": theme.COLORWAY[3]}
_FADED = 0.3


def _legend_below(fig: go.Figure, bottom: int) -> None:
    """Legend in the bottom margin (anchored to the figure, so it never collides with the title)."""
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", x=0.0, xanchor="left",
                                  font=dict(size=11)),
                      margin=dict(b=bottom))


def _labels_with_verdict(names, acceptable, lang: str) -> list[str]:
    return [inst_label(n, lang) if ok else f"× {inst_label(n, lang)}" for n, ok in zip(names, acceptable)]


def cost_figure(costs: pd.DataFrame, pay: Payments, lang: str, *, tier: str, amount: float, tenor_days: int,
                annual_pd: float) -> go.Figure:
    """Stacked bars per instrument: fees (incl. premium), financing and expected loss, as % of the deal;
    a black tick marks the seller's total, a diamond the buyer's cost of the same term. Terms that are not
    acceptable are faded and marked ×."""
    order = costs.sort_values("total", ascending=False)
    labels = _labels_with_verdict(order.index, order["acceptable"], lang)
    A = float(amount)
    fig = theme.figure(t("payments.chart_costs_title", lang), height=480)
    fig.update_layout(title_subtitle_text=t("payments.chart_costs_sub", lang, tier=tier_label(pay, tier, lang),
                                            amount=_usd(A), tenor=tenor_days, pd=_pct(annual_pd, 1))
                      + "<br>" + t("payments.faded_note", lang))
    opacity = np.where(order["acceptable"], 1.0, _FADED)
    parts = {"fees": (order["fees"] + order["insurance"]) / A, "financing": order["financing"] / A,
             "expected_loss": (order["credit_loss"] + order["discrepancy"]) / A}
    for key, values in parts.items():
        fig.add_bar(y=labels, x=values * 100, orientation="h", name=t(f"payments.part_{key}", lang),
                    marker=dict(color=_PART_COLORS[key], opacity=opacity))
    fig.add_scatter(y=labels, x=order["total_pct"] * 100, mode="markers", name=t("payments.part_total", lang),
                    marker=dict(symbol="line-ns-open", size=16, color="#000", line=dict(width=2)))
    fig.add_scatter(y=labels, x=order["buyer_pct"] * 100, mode="markers", name=t("payments.part_buyer", lang),
                    marker=dict(symbol="diamond", size=9, color=theme.COLORWAY[1], line=dict(width=1, color="#333")))
    fig.update_layout(barmode="relative", xaxis_title=t("payments.axis_cost_pct", lang),
                      yaxis=dict(automargin=True), margin=dict(l=10, t=95))
    _legend_below(fig, 100)
    fig.add_vline(x=0, line_width=1, line_color="#888")
    return fig


def tier_figure(grid: pd.DataFrame, pay: Payments, lang: str, *, amount: float, tenor_days: int) -> go.Figure:
    """Expected total cost per instrument by tier (grouped bars); faded = not acceptable for that tier."""
    insts = list(grid.index.get_level_values("instrument").unique())
    labels = [inst_label(i, lang) for i in insts]
    fig = theme.figure(t("payments.chart_tiers_title", lang), height=550)
    fig.update_layout(title_subtitle_text=t("payments.chart_tiers_sub", lang, amount=_usd(amount), tenor=tenor_days)
                      + "<br>" + t("payments.faded_tier_note", lang))
    for k, (tier, g) in enumerate(grid.groupby(level="tier", sort=False)):
        g = g.droplevel("tier").reindex(insts)
        fig.add_bar(y=labels, x=g["total_pct"] * 100, orientation="h", name=tier_label(pay, tier, lang),
                    marker=dict(color=theme.COLORWAY[k % len(theme.COLORWAY)],
                                opacity=np.where(g["acceptable"], 1.0, _FADED)))
    fig.update_layout(barmode="group", xaxis_title=t("payments.axis_cost_pct", lang),
                      yaxis=dict(automargin=True, autorange="reversed"), margin=dict(l=10, t=95), bargap=0.2)
    _legend_below(fig, 115)
    return fig


def breakeven_figure(instruments: pd.DataFrame, pay: Payments, lang: str, *, tier: str, amount: float,
                     tenor_days: int, annual_pd: float, max_pd: float = 0.2) -> go.Figure:
    """Seller's cost vs the buyer's annual PD: O/A (uninsured and insured), D/A and D/P rise, the LCs stay
    flat; the break-even PD of open account against the LC with the same credit period is marked."""
    pds = np.linspace(0, max(max_pd, annual_pd * 1.2), 161)
    curve = cost_curve(instruments, pay, pds, tier=tier, amount=amount, tenor_days=tenor_days) * 100
    be = break_even_pd(instruments, pay, tier=tier, amount=amount, tenor_days=tenor_days)
    fig = theme.figure(t("payments.chart_be_title", lang), height=500)
    fig.update_layout(title_subtitle_text=t("payments.chart_be_sub", lang, tier=tier_label(pay, tier, lang),
                                            amount=_usd(amount), tenor=tenor_days))
    show = [i for i in instruments.index if instruments.at[i, "seller_risk"] in
            ("buyer_default", "goods_refused", "confirming_bank", "issuing_bank_country")]
    dash = {"confirming_bank": "dash", "issuing_bank_country": "dot"}
    for k, name in enumerate(show):
        fig.add_scatter(x=pds * 100, y=curve[name], mode="lines", name=inst_label(name, lang),
                        line=dict(dash=dash.get(instruments.at[name, "seller_risk"], "solid"), width=2.5,
                                  color=theme.COLORWAY[k % len(theme.COLORWAY)]))
    if be.status == "crosses":
        fig.add_scatter(x=[be.pd * 100], y=[be.reference_cost / amount * 100], mode="markers+text",
                        marker=dict(size=12, color="#000", symbol="x"), name=t("payments.be_marker", lang),
                        text=[t("payments.be_label", lang, pd=_pct(be.pd))],
                        textposition="top right" if be.pd < pds[-1] / 2 else "top left")
    fig.add_vline(x=annual_pd * 100, line_dash="dot", line_color="#888",
                  annotation_text=t("payments.pd_marker", lang, pd=_pct(annual_pd, 1)), annotation_position="top right")
    fig.update_layout(xaxis_title=t("payments.axis_pd", lang), yaxis_title=t("payments.axis_cost_pct", lang),
                      margin=dict(t=80))
    _legend_below(fig, 140)
    return fig


def fraud_figure(points: pd.Series, pay: Payments, lang: str, order_id: str) -> go.Figure:
    """Fraud-score breakdown for one order: each signal's points (grey when absent) against the thresholds."""
    f = pay.fraud
    labels = [t(f"payments.sig_{s}", lang) for s in SIGNALS]
    present = points[list(SIGNALS)].to_numpy(float) > 0
    weights = np.array([f.weights.get(s, 0.0) for s in SIGNALS])
    decision = points["decision"]
    fig = theme.figure(t("payments.chart_fraud_title", lang, order=order_id, score=f"{points['score']:.0f}",
                         decision=t(f"payments.decision_{decision}", lang)), height=400)
    colors = [theme.RAG["red"] if p else theme.RAG["grey"] for p in present]
    fig.add_bar(y=labels, x=weights, orientation="h", marker_color=colors, opacity=0.9, showlegend=False,
                text=[t("payments.present", lang) if p else "" for p in present], textposition="inside")
    fig.add_vline(x=f.verify_at, line_dash="dash", line_color=theme.RAG["amber"],
                  annotation_text=t("payments.verify_line", lang, x=f"{f.verify_at:g}"), annotation_position="top")
    fig.add_vline(x=f.hold_at, line_dash="dash", line_color=theme.RAG["red"],
                  annotation_text=t("payments.hold_line", lang, x=f"{f.hold_at:g}"), annotation_position="top")
    fig.update_layout(xaxis=dict(title=t("payments.axis_points", lang), range=[0, 100]),
                      yaxis=dict(automargin=True, autorange="reversed"), margin=dict(l=10, t=80))
    return fig


def aging_figure(hist: pd.DataFrame, lang: str, market: str) -> go.Figure:
    """Aging stacked bars at monthly snapshots with the overdue share as a line (the overdue curve)."""
    fig = theme.figure(t("payments.chart_aging_title", lang, market=market), height=480)
    x = [d.strftime("%Y-%m-%d") for d in hist.index]
    colors = [theme.RAG["green"], "#F2C14E", theme.COLORWAY[1], theme.COLORWAY[3], theme.RAG["red"]]
    for b, col in zip(BUCKETS, colors):
        fig.add_bar(x=x, y=hist[b] / 1000, name=t(f"payments.bucket_{b}", lang), marker_color=col)
    total = hist[list(BUCKETS)].sum(axis=1)
    share = np.where(total > 0, 1 - hist["current"] / total.where(total > 0, 1), np.nan) * 100
    fig.add_scatter(x=x, y=share, mode="lines+markers", name=t("payments.overdue_share", lang), yaxis="y2",
                    line=dict(color="#000", width=2))
    fig.update_layout(barmode="stack", yaxis=dict(title=t("payments.axis_ar_k", lang)),
                      yaxis2=dict(title=t("payments.axis_overdue_pct", lang), overlaying="y", side="right",
                                  range=[0, 100], tickmode="linear", tick0=0, dtick=20, showgrid=False),
                      xaxis=dict(type="category", tickangle=-45), margin=dict(t=60, r=60))
    _legend_below(fig, 150)
    return fig


def dso_figure(trend: pd.DataFrame, rec: Receivables, lang: str, market: str, terms_days: float | None = None) -> go.Figure:
    """DSO trend (both methods), best possible DSO and the average agreed terms."""
    fig = theme.figure(t("payments.chart_dso_title", lang, market=market), height=430)
    x = [d.strftime("%Y-%m-%d") for d in trend.index]
    fig.add_scatter(x=x, y=trend["dso_countback"], mode="lines+markers", name=t("payments.method_countback", lang),
                    line=dict(width=3 if rec.dso_method == "countback" else 1.5, color=theme.COLORWAY[0]))
    fig.add_scatter(x=x, y=trend["dso_standard"], mode="lines+markers",
                    name=t("payments.method_standard_n", lang, n=rec.standard_days),
                    line=dict(width=3 if rec.dso_method == "standard" else 1.5, color=theme.COLORWAY[4]))
    fig.add_scatter(x=x, y=trend["bpdso"], mode="lines", name=t("payments.kpi_bpdso", lang),
                    line=dict(dash="dash", color=theme.RAG["green"]))
    if terms_days is not None and np.isfinite(terms_days):
        fig.add_hline(y=terms_days, line_dash="dot", line_color="#888",
                      annotation_text=t("payments.terms_line", lang, d=f"{terms_days:.0f}"), annotation_position="bottom right")
    fig.update_layout(yaxis=dict(title=t("payments.axis_days", lang), rangemode="tozero"),
                      xaxis=dict(type="category", tickangle=-45), margin=dict(t=60))
    _legend_below(fig, 130)
    return fig


def reasons_figure(short: pd.DataFrame, lang: str, market: str, months: int) -> go.Figure:
    """Short-paid amounts by reason code over the period, with counts."""
    data = short[(short["amount"] > 0) | (short["disputed_open"] > 0)].sort_values("amount")
    fig = theme.figure(t("payments.chart_reasons_title", lang, market=market, months=months), height=360)
    labels = [t(f"payments.reason_{c}", lang) for c in data.index]
    fig.add_bar(y=labels, x=data["amount"], orientation="h", name=t("payments.short_paid", lang),
                marker_color=theme.COLORWAY[3], text=[f"n={n}" for n in data["count"]], textposition="auto")
    fig.add_bar(y=labels, x=data["disputed_open"], orientation="h", name=t("payments.disputed_open", lang),
                marker_color=theme.COLORWAY[5])
    fig.update_layout(barmode="group", xaxis_title=t("payments.axis_usd", lang), yaxis=dict(automargin=True),
                      margin=dict(l=10, t=60))
    _legend_below(fig, 100)
    return fig


# ------------------------------------------------------------------------------------------ panels

def panel(scn, lang: str, instruments: pd.DataFrame | None = None) -> ControlPanel:
    """JupyterLab controls: deal amount, tenor, tier and PD drive the cost, tier and break-even charts."""
    pay: Payments = scn.payments
    inst = load_instruments() if instruments is None else instruments
    deal = pay.deal
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    style = {"description_width": "initial"}
    controls = {
        "amount": widgets.IntSlider(value=int(deal.amount), min=5_000, max=max(1_000_000, int(deal.amount)),
                                    step=5_000, description=c("ctl_amount"), style=style, continuous_update=False),
        "tenor_days": widgets.IntSlider(value=deal.tenor_days, min=0, max=180, step=15, description=c("ctl_tenor"),
                                        style=style, continuous_update=False),
        "tier": widgets.Dropdown(options=[(tier_label(pay, k, lang), k) for k in pay.tiers], value=deal.tier,
                                 description=c("ctl_tier"), style=style),
        "annual_pd": widgets.FloatSlider(value=pay.tiers[deal.tier].annual_pd, min=0.0, max=0.25, step=0.0025,
                                         readout_format=".2%", description=c("ctl_pd"), style=style,
                                         continuous_update=False),
    }

    def render(amount: int, tenor_days: int, tier: str, annual_pd: float) -> dict[str, Any]:
        grid = cost_grid(inst, pay, amount=float(amount), tenor_days=int(tenor_days), pd_override={tier: annual_pd})
        costs = grid.loc[tier]
        rec = recommend_terms(grid).loc[tier]
        be = break_even_pd(inst, pay, tier=tier, amount=float(amount), tenor_days=int(tenor_days))
        summary = t("payments.panel_summary", lang, tier=tier_label(pay, tier, lang),
                    instrument=inst_label(rec["instrument"], lang), cost=_pct(rec["total_pct"]),
                    be=breakeven_text(be, lang), ref=inst_label(be.reference, lang))
        return {
            "summary": summary,
            "costs": cost_figure(costs, pay, lang, tier=tier, amount=float(amount), tenor_days=int(tenor_days), annual_pd=annual_pd),
            "tiers": tier_figure(grid, pay, lang, amount=float(amount), tenor_days=int(tenor_days)),
            "breakeven": breakeven_figure(inst, pay, lang, tier=tier, amount=float(amount), tenor_days=int(tenor_days),
                                          annual_pd=annual_pd),
        }

    def save(values: dict[str, Any]) -> Path:
        return save_overlay(scn.code, "payments", {
            "deal": {"amount": float(values["amount"]), "tenor_days": int(values["tenor_days"]), "tier": values["tier"]},
            "tiers": {values["tier"]: {"annual_pd": round(float(values["annual_pd"]), 6)}},
        })

    cp = ControlPanel(controls, render, lang=lang, save=save)

    def on_tier(change: dict) -> None:  # choosing a tier loads its PD into the slider
        controls["annual_pd"].value = pay.tiers[change["new"]].annual_pd

    controls["tier"].observe(on_tier, names="value")
    return cp


def fraud_panel(scn, lang: str, orders: pd.DataFrame | None = None, order_id: str | None = None,
                known_domains: list[str] | tuple[str, ...] = ()) -> ControlPanel:
    """A checklist for one order: one checkbox per signal (preset from the order's data); the score chart and
    the hold / verify / proceed call follow the boxes. With no ``order_id``, the market's riskiest order."""
    pay: Payments = scn.payments
    orders = load_orders() if orders is None else orders
    sig = fraud_signals(orders, pay, known_domains)
    scores = fraud_scores(sig, pay)
    if order_id is None or order_id == "":
        local = scores[orders.loc[scores.index, "country"] == scn.code]
        pool = local if not local.empty else scores
        order_id = pool["score"].idxmax()
    if order_id not in sig.index:
        raise InputError(f"sample_order: expected an order_id from {relative(ORDERS_FILE)}, found {order_id!r}")
    controls = {s: widgets.Checkbox(value=bool(sig.at[order_id, s]), description=t(f"payments.sig_{s}", lang),
                                    indent=False) for s in SIGNALS}

    def render(**flags: bool) -> dict[str, Any]:
        row = pd.DataFrame([flags], index=[order_id])
        sc = fraud_scores(row, pay).iloc[0]
        return {"breakdown": fraud_figure(sc, pay, lang, order_id),
                "call": t(f"payments.call_{sc['decision']}", lang, order=order_id, score=f"{sc['score']:.0f}")}

    return ControlPanel(controls, render, lang=lang, columns=2)


# ------------------------------------------------------------------------------------------ headline

def headline(pay: Payments, rec: pd.DataFrame, be: BreakEven, kpis: dict[str, Any] | None, lang: str,
             market: str) -> tuple[str, str, float]:
    """The chapter's headline: the recommended term for the deal's tier, the break-even PD and the DSO."""
    tier = pay.deal.tier
    r = rec.loc[tier]
    fields = dict(market=market, tier=tier_label(pay, tier, lang), instrument=inst_label(r["instrument"], lang),
                  cost=_pct(r["total_pct"]), be=breakeven_text(be, lang), ref=inst_label(be.reference, lang))
    if kpis is not None and kpis["ar"] > 0:
        text = t("payments.headline", lang, dso=f"{kpis['dso']:.0f}" if np.isfinite(kpis["dso"]) else "–",
                 overdue=_pct(kpis["overdue_share"], 0), **fields)
    else:
        text = t("payments.headline_no_ledger", lang, **fields)
    key = t("payments.headline_figure", lang, instrument=inst_label(r["instrument"], lang), cost=_pct(r["total_pct"]))
    return text, key, float(r["total_pct"])


# ------------------------------------------------------------------------------------------ workshop

def recommended_term(instruments: pd.DataFrame, pay: Payments, tier: str, amount: float, tenor: int) -> str:
    """The recommended term for one tier and deal (:func:`recommend_terms`); a trailing "*" marks a
    negotiation starting point (no term acceptable to both sides)."""
    grid = _tier_grid(instruments, pay, float(amount), tenor, {tier: pay.tiers[tier]}, {tier: pay.tiers[tier].annual_pd})
    r = recommend_terms(grid).loc[tier]
    return str(r["instrument"]) + ("*" if r["negotiate"] else "")


def terms_by_amount(instruments: pd.DataFrame, pay: Payments, *, tier: str | None = None,
                    tenor_days: int | None = None, max_amount: float = 1_000_000.0, step: float = 5_000.0) -> pd.DataFrame:
    """How the recommended term for one tier changes with the deal amount (tenor fixed).

    The amount is scanned from ``step`` to ``max_amount`` in ``step``s and every change of the recommendation
    (:func:`recommend_terms`) is located to the dollar by bisection. Changes come from the limits (open account
    up to the tier's own limit, insured open account up to own + insurer limit) and from fee minimums. One row
    per amount band: ``from``, ``to`` (USD, inclusive), ``instrument``, ``negotiate`` (no term is acceptable to
    both sides; the one named has the lowest joint cost).
    """
    tenor_days = pay.deal.tenor_days if tenor_days is None else tenor_days
    tier = pay.deal.tier if tier is None else tier
    _check_deal(max_amount, tenor_days)
    _check_norm(pay, instruments)
    _tier(pay, tier)
    if not 0 < step < max_amount:
        raise InputError(f"step: expected an amount in USD between 0 and max_amount ({max_amount:,.0f}), found {step!r}")
    rec = lambda a: recommended_term(instruments, pay, tier, a, tenor_days)  # noqa: E731
    amounts = np.arange(step, max_amount + step / 2, step)
    names = [rec(a) for a in amounts]
    starts, current = [float(amounts[0])], names[0]
    for a_prev, a, name in zip(amounts, amounts[1:], names[1:]):
        if name == current:
            continue
        lo, hi = float(a_prev), float(a)                    # rec(lo) == current, rec(hi) == name
        while hi - lo > 1.0:
            mid = math.floor((lo + hi) / 2)
            if rec(mid) == current:
                lo = mid
            else:
                hi = mid
        starts.append(hi)
        current = name
    bands = []
    for i, a in enumerate(starts):
        name = rec(a)
        end = starts[i + 1] - 1 if i + 1 < len(starts) else float(amounts[-1])
        bands.append({"from": a, "to": end, "instrument": name.rstrip("*"), "negotiate": name.endswith("*")})
    return pd.DataFrame(bands)


def amount_table(bands: pd.DataFrame, pay: Payments, lang: str, amount: float | None = None) -> pd.DataFrame:
    """``terms_by_amount`` for display, marking the band that holds the scenario's deal."""
    amount = pay.deal.amount if amount is None else amount
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("col_amount_band"): [f"{_usd(a)} – {_usd(b)}" for a, b in zip(bands["from"], bands["to"])],
        c("col_recommended"): [inst_label(i, lang) + (_paren(c("negotiate"), lang) if n else "")
                               for i, n in zip(bands["instrument"], bands["negotiate"])],
        c("col_this_deal"): ["◀ " + _usd(amount) if a <= amount <= b else "" for a, b in zip(bands["from"], bands["to"])],
    })


def amount_note(bands: pd.DataFrame, pay: Payments, lang: str) -> str:
    """Where the scenario's deal sits among the bands, and what happens at the next bigger one."""
    amount, tier = pay.deal.amount, pay.deal.tier
    i = int(np.flatnonzero((bands["from"] <= amount) & (amount <= bands["to"]))[0])
    r = bands.iloc[i]
    f = dict(tier=tier_label(pay, tier, lang), amount=_usd(amount), instrument=inst_label(r["instrument"], lang),
             to=_usd(r["to"]), own=_usd(pay.tiers[tier].own_limit), insurer=_usd(pay.tiers[tier].insurer_limit))
    parts = [t("payments.amount_here" if i + 1 < len(bands) else "payments.amount_here_last", lang, **f)]
    if i + 1 < len(bands):
        nxt = bands.iloc[i + 1]
        parts.append(t("payments.amount_next", lang, other=inst_label(nxt["instrument"], lang), **f))
    parts.append(t("payments.amount_limits", lang, **f))
    return ("" if lang == "zh-TW" else " ").join(parts)


def breakeven_by_tenor(instruments: pd.DataFrame, pay: Payments, tenors, *, tier: str | None = None,
                       amount: float | None = None) -> pd.DataFrame:
    """:func:`break_even_pd` of open account against the like-for-like LC for each tenor (days), with the
    horizon PD it implies (the chance of default over the tenor at that annual PD)."""
    rows = []
    for tenor in tenors:
        be = break_even_pd(instruments, pay, tier=tier, amount=amount, tenor_days=int(tenor))
        horizon = float(horizon_pd(be.pd, tenor)) if be.status == "crosses" else float("nan")
        rows.append({"tenor_days": int(tenor), "pd": be.pd, "status": be.status, "reference": be.reference,
                     "reference_cost": be.reference_cost, "horizon_pd": horizon})
    return pd.DataFrame(rows).set_index("tenor_days")


def tenor_note(table: pd.DataFrame, pay: Payments, lang: str, tier: str | None = None) -> str:
    """How the break-even moves with the tenor, and from which tenor the tier's own PD is above it."""
    tier = pay.deal.tier if tier is None else tier
    x = table[table["status"] == "crosses"]
    if x.empty:
        return t("payments.tenor_none", lang)
    p = pay.tiers[tier].annual_pd
    over = x.index[x["pd"] < p]
    f = dict(t0=int(x.index[0]), t1=int(x.index[-1]), p0=_pct(x["pd"].iloc[0]), p1=_pct(x["pd"].iloc[-1]),
             h0=_pct(x["horizon_pd"].min()), h1=_pct(x["horizon_pd"].max()), tier=tier_label(pay, tier, lang), pd=_pct(p))
    tail = (t("payments.tenor_tier_over", lang, tenor=int(over[0]), **f) if len(over)
            else t("payments.tenor_tier_under", lang, **f))
    why = t("payments.tenor_why", lang) if x["horizon_pd"].max() < 1.5 * x["horizon_pd"].min() else ""
    return ("" if lang == "zh-TW" else " ").join(p for p in (t("payments.tenor_moves", lang, **f), why, tail) if p)


def tenor_table(table: pd.DataFrame, pay: Payments, lang: str, tier: str | None = None) -> pd.DataFrame:
    """``breakeven_by_tenor`` for display."""
    tier = pay.deal.tier if tier is None else tier
    c = lambda k: t(f"payments.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("col_tenor"): [f"{d} {c('days')}" for d in table.index],
        c("col_reference"): [inst_label(r, lang) for r in table["reference"]],
        c("col_breakeven"): [breakeven_text(BreakEven(p, s, "oa", r, 0.0), lang)
                             for p, s, r in zip(table["pd"], table["status"], table["reference"])],
        c("col_horizon_pd"): [_pct(x) if np.isfinite(x) else "–" for x in table["horizon_pd"]],
        c("col_tier_pd"): [_pct(pay.tiers[tier].annual_pd)] * len(table),
    })


def headline_points(book: Book, scn, lang: str) -> list[str]:
    """Talking points for the workshop deck with the market's numbers, adding to the headline: the deal amounts
    at which the tier's recommended term changes, the tenor from which an LC is cheaper than open account for
    the tier, and the receivables that need chasing (over 90 days, collection effectiveness)."""
    pay = scn.payments
    tier = pay.deal.tier
    sep = t("payments.list_sep", lang)
    bands = terms_by_amount(book.instruments, pay, step=10_000.0)
    steps = [t("payments.point_band", lang, instrument=inst_label(r["instrument"], lang), to=_usd(r["to"]))
             for _, r in bands.iloc[:-1].iterrows()]
    last = inst_label(bands["instrument"].iloc[-1], lang)
    points = [t("payments.point_amounts", lang, tier=tier_label(pay, tier, lang), steps=sep.join(steps), last=last)
              if steps else t("payments.point_amounts_one", lang, tier=tier_label(pay, tier, lang), last=last,
                              to=_usd(bands["to"].iloc[-1]))]
    table = breakeven_by_tenor(book.instruments, pay, [30, 60, 90, 120, 150, 180])
    x = table[table["status"] == "crosses"]
    p = pay.tiers[tier].annual_pd
    over = x.index[x["pd"] < p]
    points.append(t("payments.point_tenor_over" if len(over) else "payments.point_tenor_under", lang,
                    tier=tier_label(pay, tier, lang), pd=_pct(p), tenor=int(over[0]) if len(over) else 180))
    led = _local(book, scn.code)
    kpis = receivables_kpis(led, book.as_of, pay.receivables) if len(led) else None
    if kpis is not None and kpis["ar"] > 0:
        points.append(t("payments.point_ar", lang, ar=_usd(kpis["ar"]), over90=_usd(kpis["over_90"]),
                        cei="–" if not np.isfinite(kpis["cei"]) else f"{kpis['cei']:.0f} %"))
    return points


# ------------------------------------------------------------------------------------------ chapter views

@dataclass(frozen=True)
class Book:
    """Everything the chapter reads, loaded and validated once: instruments, customers, ledger, orders."""

    instruments: pd.DataFrame
    customers: pd.DataFrame
    ledger: pd.DataFrame            # prepared: amounts in USD at as-of rates, invoices up to as_of
    ledger_file: Path
    fx: pd.DataFrame                # the as-of rates used for the ledger (``fx_to``)
    orders: pd.DataFrame
    as_of: date


def load_book(pay: Payments, as_of: date) -> Book:
    """Load the chapter's tables (the ledger from the user folder if present) as of the report date."""
    instruments = load_instruments()
    _check_norm(pay, instruments)
    path = invoices_file()
    invoices = load_invoices(path)
    try:
        fx = fx_to(invoices.loc[invoices["invoice_date"] <= pd.Timestamp(as_of), "currency"].unique(), as_of)
    except InputError as exc:
        raise InputError(f"{relative(path)}: column 'currency': {exc}") from None
    return Book(instruments=instruments, customers=load_customers(tiers=pay.tiers, instruments=instruments),
                ledger=prepare_ledger(invoices, as_of, fx=fx), ledger_file=path, fx=fx, orders=load_orders(), as_of=as_of)


def terms_view(book: Book, pay: Payments, lang: str) -> pd.DataFrame:
    """Recommended terms per tier for the scenario's deal, with the O/A vs LC break-even PD per tier."""
    grid = cost_grid(book.instruments, pay)
    rec = recommend_terms(grid)
    bes = {tier: break_even_pd(book.instruments, pay, tier=tier) for tier in pay.tiers}
    return terms_table(rec, pay, lang, bes)


def deal_view(book: Book, pay: Payments, lang: str) -> pd.DataFrame:
    """Every instrument for the scenario's deal and tier, cheapest first, with the verdict."""
    return costs_table(instrument_costs(book.instruments, pay), lang)


def _local(book: Book, code: str) -> pd.DataFrame:
    return book.ledger[book.ledger["market"] == code]


def limits_view(book: Book, scn, lang: str) -> pd.DataFrame | str:
    """Credit limits and exposure for the market's customers (text when the market has none)."""
    local = book.customers[book.customers["market"] == scn.code]
    if local.empty:
        return t("payments.no_customers", lang)
    exposure = aging(book.ledger, book.as_of, by="customer")["total"]
    return limits_table(credit_limits(local, scn.payments, book.instruments, exposure), scn.payments, lang)


def kyb_view(book: Book, scn, lang: str) -> pd.DataFrame | str:
    """Offline VAT / company-number checks for the market's customers and incoming orders."""
    cust = book.customers[book.customers["market"] == scn.code]
    orders = book.orders[(book.orders["country"] == scn.code) & book.orders["first_order"]]
    names = list(cust.index) + [c + _paren(o, lang) for o, c in zip(orders.index, orders["customer"])]
    if not names:
        return t("payments.no_customers", lang)
    kyb = kyb_check(list(cust["registry_id"]) + list(orders["registry_id"]), [scn.code] * len(cust) + list(orders["country"]))
    return kyb_table(names, kyb, lang)


def _known_domains(book: Book) -> list[str]:
    return [d for d in (site_domain(w) for w in book.customers["website"]) if d]


def screening_view(book: Book, scn, lang: str) -> pd.DataFrame | str:
    """Fraud-signal screening of the market's incoming orders."""
    orders = book.orders[book.orders["country"] == scn.code]
    if orders.empty:
        return t("payments.no_orders", lang)
    scores = fraud_scores(fraud_signals(orders, scn.payments, _known_domains(book)), scn.payments)
    return screening_table(orders, scores, lang)


def sample_fraud_panel(book: Book, scn, lang: str, order_id: str = "") -> ControlPanel:
    """The checklist panel for ``order_id`` (empty: the market's highest-scoring order)."""
    return fraud_panel(scn, lang, orders=book.orders, order_id=order_id or None, known_domains=_known_domains(book))


def receivables_view(book: Book, scn, lang: str) -> dict[str, Any]:
    """The market's receivables picture as of the report date: summary, charts, aging per customer, note."""
    pay = scn.payments
    rec = pay.receivables
    led = _local(book, scn.code)
    name = country_name(scn.code, lang)
    open_now = _open_matrix(led, pd.DatetimeIndex([pd.Timestamp(book.as_of)]))[0].any() if len(led) else False
    if led.empty:
        return {"summary": t("payments.no_ledger", lang)}
    used = book.fx.loc[sorted(set(led["currency"]))]
    dates = ", ".join(f"{c} {d.date()}" for c, d in used["rate_date"].items() if c != CURRENCY)
    cust = book.customers
    terms = cust.loc[cust.index.intersection(led["customer"].unique()), "terms_days"]
    weights = led.groupby("customer")["amount_rc"].sum().reindex(terms.index)
    avg_terms = float(np.average(terms, weights=weights)) if len(terms) and weights.sum() > 0 else None
    out: dict[str, Any] = {
        "summary": receivables_summary(receivables_kpis(led, book.as_of, rec), rec, lang),
        "aging_chart": aging_figure(aging_history(led, snapshot_dates(book.as_of, rec.months)), lang, name),
        "dso_chart": dso_figure(dso_trend(led, book.as_of, rec), rec, lang, name, avg_terms),
        "reasons_chart": reasons_figure(short_payments(led, book.as_of, rec.months), lang, name, rec.months),
    }
    if open_now:
        out["by_customer"] = aging_table(aging(led, book.as_of, by="customer").query("total > 0"), lang)
    out["note"] = (t("payments.fx_note", lang, dates=dates, file=relative(book.ledger_file)) if dates
                   else t("payments.usd_note", lang, file=relative(book.ledger_file)))
    return out


def chapter_headline(book: Book, scn, lang: str) -> tuple[str, str, float]:
    """Headline sentence, key figure and its value for the report's executive summary."""
    pay = scn.payments
    rec = recommend_terms(cost_grid(book.instruments, pay))
    be = break_even_pd(book.instruments, pay)
    led = _local(book, scn.code)
    kpis = receivables_kpis(led, book.as_of, pay.receivables) if len(led) else None
    return headline(pay, rec, be, kpis, lang, country_name(scn.code, lang))
