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

Modules: ``section`` (the scenario section), ``data`` (the CSV files and ECB rates), ``model`` (instrument
costs, terms, break-even, credit limits, the amount and tenor scans, ``Book``), ``model_screening`` (KYB and
fraud signals), ``model_receivables`` (aging, DSO, CEI, short payments), ``present`` (tables, texts, headline),
``charts`` (figures), ``views`` (the notebook's views over a ``Book``), ``panel`` (JupyterLab controls),
``exercises`` (the workshop's worked answers).
"""


from __future__ import annotations

from typing import TYPE_CHECKING

from crossborder.core.lazy import exports

if TYPE_CHECKING:  # for readers and type checkers; at run time names load on first use
    from .data import (
        CURRENCY,
        CUSTOMERS_FILE,
        INSTRUMENTS_FILE,
        INVOICES_FILE,
        ORDERS_FILE,
        REASON_CODES,
        customers_file,
        fx_to,
        invoices_file,
        load_customers,
        load_instruments,
        load_invoices,
        load_orders,
        orders_file,
    )
    from .exercises import amount_note, amount_table, tenor_note, tenor_table
    from .model import (
        Book,
        BreakEven,
        break_even_pd,
        breakeven_by_tenor,
        cost_curve,
        cost_grid,
        credit_limits,
        horizon_pd,
        instrument_costs,
        recommend_terms,
        recommended_term,
        stranded_loss,
        terms_by_amount,
    )
    from .model_receivables import (
        BUCKETS,
        aging,
        aging_history,
        cei,
        dso_countback,
        dso_standard,
        dso_trend,
        prepare_ledger,
        receivables_kpis,
        short_payments,
        snapshot_dates,
    )
    from .model_screening import (
        KybResult,
        email_domain,
        fraud_scores,
        fraud_signals,
        kyb_check,
        lookalike_of,
        osa_distance,
        site_domain,
        validate_company_id,
    )
    from .present import (
        aging_table,
        breakeven_text,
        costs_table,
        headline,
        inst_label,
        instruments_table,
        kyb_table,
        limits_table,
        receivables_summary,
        screening_table,
        terms_table,
        tier_label,
    )
    from .section import SIGNALS, Payments

_EXPORTS = {
    'CURRENCY': 'data',
    'CUSTOMERS_FILE': 'data',
    'INSTRUMENTS_FILE': 'data',
    'INVOICES_FILE': 'data',
    'ORDERS_FILE': 'data',
    'REASON_CODES': 'data',
    'customers_file': 'data',
    'fx_to': 'data',
    'invoices_file': 'data',
    'load_customers': 'data',
    'load_instruments': 'data',
    'load_invoices': 'data',
    'load_orders': 'data',
    'orders_file': 'data',
    'amount_note': 'exercises',
    'amount_table': 'exercises',
    'tenor_note': 'exercises',
    'tenor_table': 'exercises',
    'Book': 'model',
    'BreakEven': 'model',
    'break_even_pd': 'model',
    'breakeven_by_tenor': 'model',
    'cost_curve': 'model',
    'cost_grid': 'model',
    'credit_limits': 'model',
    'horizon_pd': 'model',
    'instrument_costs': 'model',
    'recommend_terms': 'model',
    'recommended_term': 'model',
    'stranded_loss': 'model',
    'terms_by_amount': 'model',
    'BUCKETS': 'model_receivables',
    'aging': 'model_receivables',
    'aging_history': 'model_receivables',
    'cei': 'model_receivables',
    'dso_countback': 'model_receivables',
    'dso_standard': 'model_receivables',
    'dso_trend': 'model_receivables',
    'prepare_ledger': 'model_receivables',
    'receivables_kpis': 'model_receivables',
    'short_payments': 'model_receivables',
    'snapshot_dates': 'model_receivables',
    'KybResult': 'model_screening',
    'email_domain': 'model_screening',
    'fraud_scores': 'model_screening',
    'fraud_signals': 'model_screening',
    'kyb_check': 'model_screening',
    'lookalike_of': 'model_screening',
    'osa_distance': 'model_screening',
    'site_domain': 'model_screening',
    'validate_company_id': 'model_screening',
    'aging_table': 'present',
    'breakeven_text': 'present',
    'costs_table': 'present',
    'headline': 'present',
    'inst_label': 'present',
    'instruments_table': 'present',
    'kyb_table': 'present',
    'limits_table': 'present',
    'receivables_summary': 'present',
    'screening_table': 'present',
    'terms_table': 'present',
    'tier_label': 'present',
    'SIGNALS': 'section',
    'Payments': 'section',
    'aging_figure': 'charts',
    'breakeven_figure': 'charts',
    'cost_figure': 'charts',
    'dso_figure': 'charts',
    'fraud_figure': 'charts',
    'reasons_figure': 'charts',
    'tier_figure': 'charts',
    'chapter_headline': 'views',
    'deal_view': 'views',
    'headline_points': 'views',
    'kyb_view': 'views',
    'limits_view': 'views',
    'load_book': 'views',
    'receivables_view': 'views',
    'screening_view': 'views',
    'terms_view': 'views',
    'fraud_panel': 'control_panel',
    'panel': 'control_panel',
    'sample_fraud_panel': 'control_panel',
}
__getattr__, __dir__ = exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)
