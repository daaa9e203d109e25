"""Market selection and product-market fit: where to sell first, and whether the pilot markets bought.

The chapter ranks candidate markets on several criteria, checks how robust the ranking is to the weights,
picks three pilot markets and scores the pilot's funnel for product-market fit (PMF).

Modules: ``section`` (the scenario section ``markets``), ``data`` (criteria, markets and tariffs from
``data/``; pilot results from the markets' scenarios), ``model_mcda`` (normalization, weighted sum, TOPSIS,
entropy, CRITIC and AHP weights, with references), ``model`` (robustness, pilot pick, PMF scorecard,
``analyse``), ``model_reweight`` (the smallest re-weighting that lifts a market), ``present`` (tables, report
text, headline, talking points), ``charts`` (figures), ``panel`` (JupyterLab controls), ``exercises``
(workshop helpers).
"""

from __future__ import annotations

from .charts import acceptability_figure, funnel_figure, radar_figure, ranking_figure, tornado_figure
from .data import (CRITERIA_FILE, MARKETS_FILE, REGIONS, TARIFFS_FILE, Data, decision_matrix, load_criteria,
                   load_data, load_markets, load_tariffs, pilot_inputs, pilot_results, tariff_for_origin)
from .exercises import origin_comparison, origin_note, origin_table, reweighting_note, reweighting_table
from .model import (Acceptability, Analysis, Settings, analyse, chosen_weights, judge_pilots, pick_pilot,
                    pmf_scorecard, rank_acceptability, sample_weights, settings_of, weight_sensitivity)
from .model_mcda import (CR_LIMIT, RANDOM_INDEX, AhpResult, Prepared, ahp, ahp_matrix, contributions,
                         critic_weights, entropy_weights, normalize, rank, topsis, weighted_sum)
from .model_reweight import Reweighting, reweight_for_rank
from .panel import panel
from .present import (ahp_check, ahp_note, criteria_table, headline, headline_points, join, market_chapter,
                      pilot_table, ranking_table, scorecard, scorecard_table, tariff_table, weightings_table,
                      weights_table)
from .section import (METHODS, NORMALIZATIONS, PMF_RATE_STAGES, SMAA_MODES, STAGES, WEIGHTINGS, MarketSelection,
                      parse_judgement)

__all__ = [
    # section
    "METHODS", "NORMALIZATIONS", "PMF_RATE_STAGES", "SMAA_MODES", "STAGES", "WEIGHTINGS", "MarketSelection",
    "parse_judgement",
    # data
    "CRITERIA_FILE", "MARKETS_FILE", "REGIONS", "TARIFFS_FILE", "Data", "decision_matrix", "load_criteria",
    "load_data", "load_markets", "load_tariffs", "pilot_inputs", "pilot_results", "tariff_for_origin",
    # model
    "CR_LIMIT", "RANDOM_INDEX", "AhpResult", "Prepared", "ahp", "ahp_matrix", "contributions", "critic_weights",
    "entropy_weights", "normalize", "rank", "topsis", "weighted_sum",
    "Acceptability", "Analysis", "Settings", "analyse", "chosen_weights", "judge_pilots", "pick_pilot",
    "pmf_scorecard", "rank_acceptability", "sample_weights", "settings_of", "weight_sensitivity",
    "Reweighting", "reweight_for_rank",
    # present, charts, panel
    "ahp_check", "ahp_note", "criteria_table", "headline", "headline_points", "join", "market_chapter",
    "pilot_table", "ranking_table", "scorecard", "scorecard_table", "tariff_table", "weightings_table",
    "weights_table",
    "acceptability_figure", "funnel_figure", "radar_figure", "ranking_figure", "tornado_figure", "panel",
    # workshop
    "origin_comparison", "origin_note", "origin_table", "reweighting_note", "reweighting_table",
]
