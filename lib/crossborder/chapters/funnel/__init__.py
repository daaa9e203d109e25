"""The funnel, retention, unit economics and KPI dashboard chapter.

Data (``data/``; a team's own files in ``<user folder>/data/<name>.csv`` take precedence). All shipped
figures are ILLUSTRATIVE example data for a maker of precision ball screws, not anyone's history.

``funnel.csv``
    One row per month, market and channel: impressions and the counts of a *stage-reached* funnel. Each count
    is the number who reached *at least* that stage in the month, so each stage is a subset of the one before
    (a buyer who sends an inquiry without downloading anything is counted at the download step too). Two
    chains are checked: the website funnel of the outline (section 8) ``visitors >= spec_views >= downloads >=
    inquiries >= samples >= new_customers`` (``downloads``: visitors who left their contact through a gated
    download or a form, i.e. leads) and the sales stages ``mqls >= sqls >= quotes >= samples >=
    samples_passed >= new_customers`` (``mqls <= downloads``). Beside them: acquisition spend, the revenue and
    gross margin of the new customers' first orders, and speed: mean hours to the first reply to an inquiry,
    mean days to send a quote, mean days in each sales stage and from inquiry to purchase order (PO). Money is
    in the exporter's home currency.
``leads.csv``
    A sample of leads with firmographic and behaviour features and their outcome (``open``, ``disqualified``,
    ``quoted``, ``won``). It feeds lead scoring and the re-activation list.
``customers.csv`` and ``orders.csv``
    Accounts (market, acquisition channel, tier, the date they were won, service requests and how many were
    answered within the tier's SLA over the 12 months to the extract, last quarterly business review, joint
    development) and their orders (date, product line, revenue, gross margin, promised and delivered dates).
``kpis.csv``
    The KPI definitions in one place: layer, name and formula in words (both languages), unit and the
    direction that is good. Targets per market come from the scenario section ``funnel.targets``; every KPI
    listed is computed by the function of the same name in ``KPI_FUNCTIONS`` (the names: ``section.KPI_NAMES``).

Models
    *Conversions* use ``stats.stage_conversions`` (the PMF scorecard uses the same) with Wilson score intervals
    (Wilson 1927; Brown, Cai & DasGupta, Statistical Science 16(2), 2001) so a pilot of 12 leads is not read
    like one of 1,200. *Velocity* is the count-weighted mean of the monthly mean days in each stage.
    *Lead scoring*: an explainable rule-based score (points per feature, MQL and SQL thresholds in the
    scenario) and a logistic regression P(lead reaches a quote) = 1 / (1 + exp(-x'b)) fitted by iteratively
    reweighted least squares, i.e. Newton-Raphson on the log-likelihood (McCullagh & Nelder, Generalized
    Linear Models, 2nd ed., 1989, §2.5; binary data in ch. 4), with an optional ridge penalty on the slopes
    (le Cessie & van Houwelingen, Applied Statistics 41(1), 1992). It is judged out of sample (k-fold
    cross-validation) by its
    calibration (observed rate per bin of predicted probability, with Wilson intervals), the Brier score
    (Brier 1950) and the area under the ROC curve (AUC = P(score of a random positive > score of a random
    negative), the Mann-Whitney statistic; Hanley & McNeil, Radiology 143, 1982), the same AUC as the rules.
    *Unit economics* calls ``unit_economics.unit_economics`` (CAC, payback; the platform chapter uses the same)
    and ``unit_economics.ltv`` / ``ltv_to_cac``. Payback is read off what a newly won customer earns
    (``new_customer_margin``): C(k), the average cumulative gross margin of the channel's accounts won inside
    the order history by the end of month k = 1..36 since ``since``, each month averaged over the accounts
    observed that long (life-table handling of censoring); payback = the first month with C(k) >= CAC,
    interpolated linearly, else "not within" the months observed. LTV = sum over t = 0..T-1 of
    m_t r^t / (1 + d)^t with m_0 = C(12), a new customer's first 12 months (first order included), and m_t = m
    the yearly gross margin of a retained customer for t >= 1, r the yearly retention and d the yearly
    discount rate; t = 0 counts in full and undiscounted.
    *KPI status* (RAG): attainment a = value / target when higher is better, target / value when lower is
    better; green when a >= 1, amber when a >= 1 - ``amber_band``, red otherwise, grey when there is no data.

Modules
    ``section`` (the scenario section, pydantic only), ``data`` (reading and validating the five tables),
    ``model_funnel`` (windows, stage counts, conversions, velocity), ``model_leads`` (scoring and the logistic
    model), ``model_customers`` (activity, unit economics, tiers), ``model_kpis`` (the KPI board),
    ``model_dashboard`` (``assess``: everything for one market), ``present`` and ``texts`` (tables, notes,
    headline), ``charts`` (figures), ``control_panel`` (JupyterLab controls), ``exercises`` (the workshop's worked
    answers). The names below are imported from them on first use, so that importing the scenario section
    (every ``scenario.load``) does not pull in pandas, scipy, plotly or ipywidgets.
"""

from __future__ import annotations

from crossborder.core.lazy import exports

# The public face: each name and the module that defines it.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "section": ("DECISION_STAGES", "INDUSTRIES", "KPI_NAMES", "REGIONS", "ROLES", "SIZES", "TIERS", "FunnelSection",
        "Lifetime", "ModelSettings", "Scoring", "TierPolicy"),
    "data": ("BETTER", "COUNT_COLUMNS", "JOINT_DEVELOPMENT", "LAYERS", "OFFLINE_SOURCES", "OUTCOMES",
        "PRODUCT_LINES", "TIME_COLUMNS", "UNITS", "Data", "data_path", "known_channels", "load_customers",
        "load_data", "load_funnel", "load_kpis", "load_leads", "load_orders"),
    "model_funnel": ("PERIODS", "SALES_STAGES", "TTM", "VELOCITY", "WEB_STAGES", "Selection", "Window",
        "conversions", "funnel_rows", "stage_counts", "velocity", "window"),
    "model_leads": ("BANDS", "FEATURES", "POSITIVE", "LeadModel", "Logit", "auc", "band", "brier", "calibration",
        "cross_validated", "design_matrix", "fit_logistic", "folds", "lead_model", "reactivation", "roc_curve",
        "rule_points", "rule_score", "scored_leads", "volumes"),
    "model_customers": ("PAYBACK_MONTHS", "activity", "channel_economics", "cross_sell", "margin_per_customer",
        "new_customer_margin", "qbrs_due", "tier_summary"),
    "model_kpis": ("KPI_FUNCTIONS", "NO_TREND", "STATUSES", "Context", "KpiValue", "attainment", "board_what_if",
        "kpi_board", "kpi_headroom", "kpi_values", "rag", "red_line", "trend"),
    "model_dashboard": ("Comparison", "Dashboard", "assess", "compare", "markets_board"),
    "present": ("board_table", "channel_label", "coefficient_table", "comparison_table", "cross_sell_table",
        "economics_table", "feature_label", "funnel_table", "kpi_definitions_table", "kpi_name", "kpi_text",
        "payback_text", "qbr_table", "reactivation_table", "scoring_table", "speed_table", "stage_label", "tier_table",
        "volumes_table"),
    "texts": ("headline", "headline_points", "ltv_note", "method_note", "period_text", "qbr_text", "rag_note",
        "reactivation_text", "summary_text"),
    "charts": ("STATUS_COLOURS", "STATUS_TINTS", "board_figure", "calibration_figure", "conversion_figure",
        "funnel_figure", "ltv_cac_figure", "markets_board_figure", "markets_conversion_figure", "retention_figure",
        "roc_figure", "score_figure", "velocity_figure"),
    "control_panel": ("panel",),
    "exercises": ("QUOTE_PATH", "VolumeMatch", "breakeven_retention", "headroom_note", "headroom_table",
        "months_to_separate", "quote_slip", "quote_slip_table", "retention_stress", "retention_stress_note",
        "retention_stress_table", "separation", "separation_note", "separation_table", "volume_match",
        "volume_match_note", "with_mql_threshold"),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__getattr__, __dir__ = exports(__name__, _HOME)

__all__ = [name for names in _EXPORTS.values() for name in names]
