"""Compliance and landed cost: Incoterms 2020, customs value, duty, import VAT / GST, FTAs, readiness.

The buyer asks "what does this cost landed at my door?"; the exporter asks "what must we have done before it
ships?". This module answers both from the market's scenario (sections ``market`` and ``landed``) and two
tables, ``data/incoterms.csv`` (the eleven ICC Incoterms 2020 rules) and ``data/compliance.csv`` (per market,
the checks and documents the product needs; a user's copy in ``<user folder>/data/`` replaces it).

Landed cost (``compute``), per shipment, in the market's currency; every step is a formula on arrays, so a
whole grid of quantities and rules is computed at once:

- goods          = quantity x ex-works unit price
- cost items     = fixed + per-unit x quantity (export clearance, pre-carriage to the export terminal, origin
  handling, main carriage, destination handling, on-carriage to the buyer's door, unloading, import clearance)
- main carriage  is split at the customs border: ``share_beyond_border`` of it runs inside the customs territory
- insurance      = r k (C + F) / (1 - r k): premium on an insured value of k (at least 110 %) of the CIF value,
  which itself contains the premium (standard marine-insurance pricing); r is the Institute Cargo Clauses (C)
  premium rate under CIF, the (A) rate under CIP and, where no party is obliged to insure, the (A) rate paid by
  the party that bears the risk during the main carriage (Incoterms 2020 A5/B5)
- customs value  CIF basis (EU UCC Art. 70-71, Japan, Mexico, Viet Nam, India): goods + costs up to the border
  (export clearance, pre-carriage, origin handling, main carriage to the border, insurance); carriage after
  the goods enter the customs territory is excluded (UCC Art. 72(a)).
  FOB basis (US transaction value, 19 U.S.C. 1401a): the price actually paid or payable for the goods; the
  costs before the international shipment (export clearance, foreign inland freight, loading) count only where
  the seller bears them, i.e. they are in the price (19 CFR 152.103(a)(5)(ii)); under an ex-factory (EXW) sale
  the buyer's own inland freight is not added (152.103(a)(5)(i)); international freight and insurance never
  count (1401a(b)(4)(A)).
  So the rule moves the US value (EXW: goods only; FCA: + export clearance and pre-carriage; FOB and later:
  + loading at the port); on a CIF basis it moves only through the insurance actually bought (ICC (C) under
  CIF, (A) otherwise), since costs up to the border count whoever pays them.
- duty           = customs value x (MFN or, where the rule of origin is met, preferential rate + additional ad
  valorem duties in force on the date) + surcharges levied on the duty (India's social welfare surcharge);
  nil below a de minimis threshold
- fees           = clip(rate x customs value, minimum, maximum) (US MPF, HMF on sea cargo, Mexico's DTA)
- import VAT/GST = rate x (customs value + duty + fees in the VAT base [+ incidental costs after the border to
  the first place of destination, EU Directive 2006/112/EC Art. 86(1)(b)])
- VAT paid by a party registered for VAT in the market is recoverable input tax: a cash-flow cost, not a landed
  cost. Under DDP the seller pays it and recovers it only if it is VAT-registered there.

Who pays each item follows ``data/incoterms.csv`` with stated conventions for what the ICC leaves to the named
place: F and C rules name the export terminal as place of shipment, D rules the buyer's premises.

Readiness (``readiness``): share of required checks done, remaining lead time to "ready to ship" as the
longest path through the checks' dependencies (critical-path method, Kelley and Walker 1959), and that path.

Modules: ``section`` (the scenario section), ``data`` (Incoterms and compliance tables, other markets'
scenarios), ``model_duty`` (duty, fee and VAT facts in force: every read of the legal facts), ``model``
(landed-cost arithmetic, FTA saving), ``model_readiness`` (checklist and critical path), ``present`` (tables),
``texts`` (headline, talking points, paragraphs), ``charts`` (figures), ``panel`` (JupyterLab controls),
``exercises`` (workshop helpers).
"""

from __future__ import annotations

from crossborder.core.lazy import exports

# The public face, by module. Imported on first use: ``scenario.load`` imports ``landed.section`` (and so this
# package) for every scenario, and must not pull in pandas, plotly or ipywidgets.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "section": ("MODES", "RULES", "STATUSES", "Cost", "Costs", "DeMinimis", "Fee", "Landed", "ModeCost",
                "ModeShare", "Shipment"),
    "data": ("CATEGORIES", "COMPLIANCE_FILE", "INCOTERMS_FILE", "INSURANCE_MINIMUMS", "OWNERS", "PARTIES",
             "RISK_POINTS", "compliance_file", "load_compliance", "load_incoterms", "market_scenarios"),
    "model_duty": ("DutyLine", "Resolved", "duty_rates", "facts_to_verify", "in_force", "origins", "resolve"),
    "model": ("COMPARE_RULES", "D_RULES", "IN_CUSTOMS_VALUE", "IN_PRICE_ONLY", "ITEMS", "customs_value_mask", "POST_BORDER", "SEA_RULES", "Quote",
              "alternatives", "check_mode", "check_rules", "compute", "ddp_vat", "fta_saving", "grid",
              "payer_matrix", "quote", "summarize"),
    "model_readiness": ("Readiness", "checklist", "market_readiness", "readiness"),
    "present": ("checklist_table", "customs_value_table", "duty_table", "incoterms_table", "lines_table", "nobreak", "summary_table",
                "vat_facts", "verify_table"),
    "texts": ("expired_text", "headline", "saving_text", "talking_points", "verify_text"),
    "charts": ("MATRIX_COLUMNS", "PAYER_COLOR", "RISK_POSITION", "duty_figure", "matrix_figure", "readiness_figure",
               "rules_figure", "short_amount", "waterfall_figure"),
    "control_panel": ("panel",),
    "exercises": ("ANY_MODE_RULE", "any_mode_rule", "compare_modes", "fta_by_market", "fta_markets_table",
                  "modes_table"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = list(_MODULE_OF)

__getattr__, __dir__ = exports(__name__, _MODULE_OF)
