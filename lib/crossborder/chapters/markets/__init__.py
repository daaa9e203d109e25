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

from typing import TYPE_CHECKING

from crossborder.core.lazy import exports

if TYPE_CHECKING:  # for readers and type checkers; at run time names load on first use
    from .charts import acceptability_figure, funnel_figure, radar_figure, ranking_figure, tornado_figure
    from .control_panel import panel
    from .data import (
        CRITERIA_FILE,
        MARKETS_FILE,
        REGIONS,
        Data,
        decision_matrix,
        duties_on,
        load_criteria,
        load_data,
        load_markets,
        markets_file,
        pilot_inputs,
        pilot_results,
        tariff_for_origin,
    )
    from .exercises import origin_comparison, origin_note, origin_table, reweighting_note, reweighting_table
    from .model import (
        Acceptability,
        Analysis,
        Settings,
        analyse,
        chosen_weights,
        judge_pilots,
        pick_pilot,
        pmf_scorecard,
        rank_acceptability,
        sample_weights,
        settings_of,
        weight_sensitivity,
    )
    from .model_mcda import (
        CR_LIMIT,
        RANDOM_INDEX,
        AhpResult,
        Prepared,
        ahp,
        ahp_matrix,
        contributions,
        critic_weights,
        entropy_weights,
        normalize,
        rank,
        topsis,
        weighted_sum,
    )
    from .model_reweight import Reweighting, reweight_for_rank
    from .present import (
        ahp_check,
        ahp_note,
        criteria_table,
        headline,
        headline_points,
        join,
        market_chapter,
        pilot_table,
        ranking_table,
        scorecard,
        scorecard_table,
        tariff_table,
        weightings_table,
        weights_table,
    )
    from .section import (
        METHODS,
        NORMALIZATIONS,
        PMF_RATE_STAGES,
        SMAA_MODES,
        STAGES,
        WEIGHTINGS,
        MarketSelection,
        parse_judgement,
    )

_EXPORTS = {
    'acceptability_figure': 'charts',
    'funnel_figure': 'charts',
    'radar_figure': 'charts',
    'ranking_figure': 'charts',
    'tornado_figure': 'charts',
    'CRITERIA_FILE': 'data',
    'MARKETS_FILE': 'data',
    'REGIONS': 'data',
    'Data': 'data',
    'decision_matrix': 'data',
    'load_criteria': 'data',
    'load_data': 'data',
    'load_markets': 'data',
    'markets_file': 'data',
    'duties_on': 'data',
    'pilot_inputs': 'data',
    'pilot_results': 'data',
    'tariff_for_origin': 'data',
    'origin_comparison': 'exercises',
    'origin_note': 'exercises',
    'origin_table': 'exercises',
    'reweighting_note': 'exercises',
    'reweighting_table': 'exercises',
    'Acceptability': 'model',
    'Analysis': 'model',
    'Settings': 'model',
    'analyse': 'model',
    'chosen_weights': 'model',
    'judge_pilots': 'model',
    'pick_pilot': 'model',
    'pmf_scorecard': 'model',
    'rank_acceptability': 'model',
    'sample_weights': 'model',
    'settings_of': 'model',
    'weight_sensitivity': 'model',
    'CR_LIMIT': 'model_mcda',
    'RANDOM_INDEX': 'model_mcda',
    'AhpResult': 'model_mcda',
    'Prepared': 'model_mcda',
    'ahp': 'model_mcda',
    'ahp_matrix': 'model_mcda',
    'contributions': 'model_mcda',
    'critic_weights': 'model_mcda',
    'entropy_weights': 'model_mcda',
    'normalize': 'model_mcda',
    'rank': 'model_mcda',
    'topsis': 'model_mcda',
    'weighted_sum': 'model_mcda',
    'Reweighting': 'model_reweight',
    'reweight_for_rank': 'model_reweight',
    'panel': 'control_panel',
    'ahp_check': 'present',
    'ahp_note': 'present',
    'criteria_table': 'present',
    'headline': 'present',
    'headline_points': 'present',
    'join': 'present',
    'market_chapter': 'present',
    'pilot_table': 'present',
    'ranking_table': 'present',
    'scorecard': 'present',
    'scorecard_table': 'present',
    'tariff_table': 'present',
    'weightings_table': 'present',
    'weights_table': 'present',
    'METHODS': 'section',
    'NORMALIZATIONS': 'section',
    'PMF_RATE_STAGES': 'section',
    'SMAA_MODES': 'section',
    'STAGES': 'section',
    'WEIGHTINGS': 'section',
    'MarketSelection': 'section',
    'parse_judgement': 'section',
}
__getattr__, __dir__ = exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)
