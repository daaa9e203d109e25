"""What the payments notebook shows, one call per view: the chapter's tables loaded once as of the report date
(``load_book``), the recommended terms, the deal's costs, credit limits, KYB, fraud screening, the
receivables picture, the headline and the talking points for the workshop deck."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.fmt import money, percent
from crossborder.core.i18n import country_in_text, country_name, in_sentence, t
from crossborder.core.paths import relative
from crossborder.scenario import Scenario

from .charts import aging_figure, dso_figure, reasons_figure
from .data import CURRENCY, fx_to, invoices_file, load_customers, load_instruments, load_invoices, load_orders
from .model import (
    Book,
    break_even_pd,
    breakeven_by_tenor,
    check_norm,
    cost_grid,
    credit_limits,
    instrument_costs,
    known_domains,
    local_ledger,
    recommend_terms,
    terms_by_amount,
)
from .model_receivables import (
    aging,
    aging_history,
    dso_trend,
    open_matrix,
    prepare_ledger,
    receivables_kpis,
    short_payments,
    snapshot_dates,
)
from .model_screening import fraud_scores, fraud_signals, kyb_check
from .present import (
    aging_table,
    cei_text,
    costs_table,
    headline,
    inst_label,
    kyb_table,
    limits_table,
    paren,
    receivables_summary,
    screening_table,
    terms_table,
    tier_label,
)
from .section import Payments


def load_book(pay: Payments, as_of: date) -> Book:
    """Load the chapter's tables (the ledger from the user folder if present) as of the report date."""
    instruments = load_instruments()
    check_norm(pay, instruments)
    path = invoices_file()
    invoices = load_invoices(path)
    try:
        fx = fx_to(invoices.loc[invoices["invoice_date"] <= pd.Timestamp(as_of), "currency"].unique(), as_of)
    except InputError as exc:
        raise InputError(f"{relative(path)}: column 'currency': {exc}") from None
    return Book(instruments=instruments, customers=load_customers(tiers=pay.tiers, instruments=instruments),
                ledger=prepare_ledger(invoices, as_of, fx), ledger_file=path, fx=fx, orders=load_orders(), as_of=as_of)


def terms_view(book: Book, pay: Payments, lang: str) -> pd.DataFrame:
    """Recommended terms per tier for the scenario's deal, with the O/A vs LC break-even PD per tier."""
    grid = cost_grid(book.instruments, pay)
    rec = recommend_terms(grid)
    bes = {tier: break_even_pd(book.instruments, pay, tier=tier) for tier in pay.tiers}
    return terms_table(rec, pay, lang, bes)


def deal_view(book: Book, pay: Payments, lang: str) -> pd.DataFrame:
    """Every instrument for the scenario's deal and tier, cheapest first, with the verdict."""
    return costs_table(instrument_costs(book.instruments, pay), lang)


def limits_view(book: Book, scn: Scenario, lang: str) -> pd.DataFrame | str:
    """Credit limits and exposure for the market's customers (text when the market has none)."""
    local = book.customers[book.customers["market"] == scn.code]
    if local.empty:
        return t("payments.no_customers", lang)
    exposure = aging(book.ledger, book.as_of, by="customer")["total"]
    return limits_table(credit_limits(local, scn.payments, book.instruments, exposure), scn.payments, lang)


def kyb_view(book: Book, scn: Scenario, lang: str) -> pd.DataFrame | str:
    """Offline VAT / company-number checks for the market's customers and incoming orders."""
    cust = book.customers[book.customers["market"] == scn.code]
    orders = book.orders[(book.orders["country"] == scn.code) & book.orders["first_order"]]
    names = list(cust.index) + [c + paren(o, lang) for o, c in zip(orders.index, orders["customer"])]
    if not names:
        return t("payments.no_customers", lang)
    kyb = kyb_check(list(cust["registry_id"]) + list(orders["registry_id"]), [scn.code] * len(cust) + list(orders["country"]))
    return kyb_table(names, kyb, lang)


def screening_view(book: Book, scn: Scenario, lang: str) -> pd.DataFrame | str:
    """Fraud-signal screening of the market's incoming orders."""
    orders = book.orders[book.orders["country"] == scn.code]
    if orders.empty:
        return t("payments.no_orders", lang)
    scores = fraud_scores(fraud_signals(orders, scn.payments, known_domains(book)), scn.payments)
    return screening_table(orders, scores, lang)


def receivables_view(book: Book, scn: Scenario, lang: str) -> dict[str, Any]:
    """The market's receivables picture as of the report date: summary, charts, aging per customer, note."""
    pay = scn.payments
    rec = pay.receivables
    led = local_ledger(book, scn.code)
    name = country_name(scn.code, lang)
    open_now = open_matrix(led, pd.DatetimeIndex([pd.Timestamp(book.as_of)]))[0].any() if len(led) else False
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


def chapter_headline(book: Book, scn: Scenario, lang: str) -> tuple[str, str, float]:
    """Headline sentence, key figure and its value for the report's executive summary."""
    pay = scn.payments
    rec = recommend_terms(cost_grid(book.instruments, pay))
    be = break_even_pd(book.instruments, pay)
    led = local_ledger(book, scn.code)
    kpis = receivables_kpis(led, book.as_of, pay.receivables) if len(led) else None
    return headline(pay, rec, be, kpis, lang, country_in_text(scn.code, lang, start=True))


def headline_points(book: Book, scn: Scenario, lang: str) -> list[str]:
    """Talking points for the workshop deck with the market's numbers, adding to the headline: the deal amounts
    at which the tier's recommended term changes, the tenor from which an LC is cheaper than open account for
    the tier, and the receivables that need chasing (over 90 days, collection effectiveness)."""
    pay = scn.payments
    tier = pay.deal.tier
    usd = lambda x: money(x, CURRENCY, lang)  # noqa: E731
    sep = t("payments.list_sep", lang)
    bands = terms_by_amount(book.instruments, pay, step=10_000.0)
    steps = [t("payments.point_band", lang, instrument=in_sentence(inst_label(r["instrument"], lang), lang), to=usd(r["to"]))
             for _, r in bands.iloc[:-1].iterrows()]
    last = in_sentence(inst_label(bands["instrument"].iloc[-1], lang), lang)
    points = [t("payments.point_amounts", lang, tier=tier_label(pay, tier, lang), steps=sep.join(steps), last=last)
              if steps else t("payments.point_amounts_one", lang, tier=tier_label(pay, tier, lang), last=last,
                              to=usd(bands["to"].iloc[-1]))]
    table = breakeven_by_tenor(book.instruments, pay, [30, 60, 90, 120, 150, 180])
    x = table[table["status"] == "crosses"]
    p = pay.tiers[tier].annual_pd
    over = x.index[x["pd"] < p]
    points.append(t("payments.point_tenor_over" if len(over) else "payments.point_tenor_under", lang,
                    tier=tier_label(pay, tier, lang), pd=percent(p, lang, 2), tenor=int(over[0]) if len(over) else 180))
    led = local_ledger(book, scn.code)
    kpis = receivables_kpis(led, book.as_of, pay.receivables) if len(led) else None
    if kpis is not None and kpis["ar"] > 0:
        points.append(t("payments.point_ar", lang, ar=usd(kpis["ar"]), over90=usd(kpis["over_90"]),
                        cei=cei_text(kpis["cei"], lang)))
    return points
