"""The risk map chapter: a living risk register per market, its 5 x 5 heat map, and quantified loss.

The register
    ``data/risks.csv`` (or ``<user folder>/data/risks.csv`` when a team keeps its own): one row per risk, for one
    market or for ``all`` markets, in one of the outline's four families (section 9: demand and price swings;
    regulation and geopolitics; payment and fraud; data and privacy) or ``other``. Each row rates the risk
    before its mitigation (*inherent*) and after it (*residual*) on 1-5 likelihood and impact scales, names
    the treatment (the "4 Ts": treat, tolerate, transfer, terminate; ISO 31000:2018 §6.5 lists the same
    options in longer form), an owner role and the next review date, and may carry a yearly frequency and a
    low / most likely / high loss per event, before and after mitigation, in the exporter's home currency.

Scoring (a qualitative risk matrix, as in ISO/IEC 31010:2019 B.10.3)
    score = likelihood x impact (1..25), banded by ``BANDS`` (the one place the bands are set):
    low 1-4, medium 5-9, high 10-16, critical 20-25.

Quantification (frequency x severity, the collective risk model; Klugman, Panjer & Willmot, *Loss Models*,
5th ed., ch. 9)
    Each year a risk strikes N ~ Poisson(frequency) times; each strike costs X ~ PERT(low, most likely, high),
    the beta-PERT of Malcolm et al. (1959) in its modified form with shape lambda (Vose, *Risk Analysis*,
    3rd ed., 2008, §14.3): X = low + (high - low) B, B ~ Beta(1 + lambda (m - a) / (b - a),
    1 + lambda (b - m) / (b - a)), mean (a + lambda m + b) / (lambda + 2). A year's loss is the sum over risks
    of sum_{i<=N} X_i. The expected yearly loss is the Monte Carlo mean (exactly frequency x mean severity
    in expectation); the loss-exceedance curve is P(yearly loss > x) (Hubbard & Seiersen, *How to Measure
    Anything in Cybersecurity Risk*, 2016, ch. 4), read against a tolerance point "at most p chance of
    losing more than L in a year".

Rating scales
    ``LIKELIHOOD_SCALE`` and ``IMPACT_SCALE`` give every rating a range in numbers (events per year; loss per
    event in the home currency) and an anchor inside it. When a rating is moved (in the scenario's ``adjust``
    or with the notebook's sliders) the frequency or the loss range is multiplied by the ratio of the anchors,
    so the money moves with the map.

Shared (``all``) rows are written for a market of ``reference_revenue`` yearly sales; in a market with
``revenue`` their losses are scaled by revenue / reference_revenue. Market-specific rows are written for
their market and used as they are. All loss figures shipped with the workbook are illustrative.

Modules: ``section`` (the scenario section), ``data`` (the register), ``model`` (scoring, re-rating, Monte
Carlo, key figures), ``present`` (tables), ``texts`` (summary, headline, talking points), ``charts``
(figures), ``panel`` (JupyterLab controls), ``exercises`` (workshop helpers).
"""

from __future__ import annotations

from crossborder.core.lazy import exports

# The public face, by module. Imported on first use: ``scenario.load`` imports ``risk.section`` (and so this
# package) for every scenario, and must not pull in pandas, plotly or ipywidgets.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "section": ("Adjustment", "RiskSection", "Tolerance"),
    "data": ("FAMILIES", "LOSS", "OWNERS", "RESIDUAL_LOSS", "RISKS_FILE", "TREATMENTS", "USER_RISKS_NAME",
             "load_register", "market_register", "register_path", "text"),
    "model": ("BANDS", "HIGH_BANDS", "IMPACT_SCALE", "LIKELIHOOD_SCALE", "RATINGS", "STAGES", "Assessment", "Figures",
              "Simulation", "apply_adjustments", "assess", "band", "band_index", "cell_counts", "exceedance",
              "expected_loss", "family_loss", "key_figures", "overdue", "pert_mean", "pert_sample", "prepare",
              "rating_columns", "return_period", "scale_rating", "scored", "simulate", "top_risks"),
    "present": ("band_table", "families_table", "family_label", "loss_summary", "overdue_table", "overdue_text",
                "register_table", "scale_table", "score_text", "top_risks_table"),
    "texts": ("headline", "method_note", "summary_text", "talking_points"),
    "charts": ("BAND_COLOURS", "exceedance_figure", "family_figure", "heatmap_figure"),
    "control_panel": ("panel",),
    "exercises": ("family_mitigations_table", "mitigation_table", "mitigation_value", "rerated", "scenario_adjust",
                  "unmoved", "unmoved_table"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = list(_MODULE_OF)

__getattr__, __dir__ = exports(__name__, _MODULE_OF)
