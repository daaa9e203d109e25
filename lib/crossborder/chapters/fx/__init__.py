"""FX hedging: forwards, options, collars, natural and layered hedges, and cash-flow-at-risk.

An exporter that invoices in a foreign currency receives a stream of foreign receivables and converts them
into its home currency. This module answers the treasurer's question "with this hedge, how bad can next
year's home-currency receipts get, and what does the protection cost?".

Conventions
-----------
- Rates are quoted as **domestic (home) units per 1 foreign (invoice) unit**, e.g. TWD per USD; "domestic" is
  the exporter's home currency, "foreign" the invoice currency.
- Times are in years = days / 365 (Actual/365 Fixed); interest rates are continuously compounded.
- Receivable of month m settles m calendar months after the report date.

Formulas and references
-----------------------
- Forward (covered interest parity): F = S exp((r_d - r_f) T). (Hull, *Options, Futures, and Other
  Derivatives*, 11th ed., ch. 5.10.) r_d and r_f are the home and invoice currencies' policy rates in force
  on the report date in the dated fact store (``crossborder.core.facts``), standing in for 12-month rates
  (an assumption); one older than ``facts.stale_after_days`` is flagged in the chapter.
- Garman-Kohlhagen (1983) European FX options: d1 = (ln(S/K) + (r_d - r_f + sigma^2/2) T) / (sigma sqrt T),
  d2 = d1 - sigma sqrt T; call = S e^{-r_f T} N(d1) - K e^{-r_d T} N(d2); put = K e^{-r_d T} N(-d2) -
  S e^{-r_f T} N(-d1). (Garman & Kohlhagen, J. Int. Money and Finance 2(3), 1983; Hull ch. 17.)
- Simulation at monthly steps: geometric Brownian motion, log S_{m} - log S_{m-1} = (mu - sigma^2/2) dt +
  sigma sqrt(dt) Z; or a moving-block bootstrap of historical daily log returns (Kunsch, Ann. Stat. 17, 1989),
  demeaned, each month's sum of blocks rescaled to sigma sqrt(dt) exactly (by the pool's block-sum variance:
  returns autocorrelated within a block would otherwise miss the stated volatility), with an empirical
  martingale correction so that each
  month's mean gross return is exp(mu dt) (Duan & Simonato, Management Science 44, 1998).
  Drift mu: "risk_neutral" r_d - r_f (the simulated mean is the forward), "zero" (the expected rate is
  today's spot), "historical" (mean daily log return of the pair's history + sigma^2/2).
- Cash-flow-at-risk at level c: receipts at the budget rate minus the (1 - c) quantile of simulated
  receipts (RiskMetrics Group, *CorporateMetrics Technical Document*, 1999).
- Hedge effectiveness: cumulative dollar-offset ratio = -(change in hedge value) / (change in hedged item
  value), with the 80-125 % band long used for "highly effective" under US GAAP (ASC 815) shown for
  reference; undefined where the item's change is near zero. Each forward (each tranche of a layered
  programme) is measured against the forward rate at its own inception (hypothetical-derivative method), so
  only the bank's spread and the small-numbers problem move the ratio off 100 %; options with time value
  excluded, on intrinsic value and the one-sided risk they hedge (ASC 815-20-25-82).

Modules: ``section`` (the scenario section ``fx``), ``data`` (a run's inputs from the scenario and the rate
history), ``model_rates`` (pricing and simulation), ``model`` (strategies, metrics, the analysis),
``runner`` (scenario in, analysis out), ``present`` (tables and texts), ``charts`` (figures),
``control_panel`` (JupyterLab controls), ``exercises`` (the workshop's worked answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crossborder.core.lazy import exports

from .section import FxSection, Layer, PolicySection, SimulationSection, Volatility

if TYPE_CHECKING:
    from .charts import cfar_cost_figure, cover_figure, distribution_figure, fan_figure, history_figure, payoff_figure
    from .control_panel import panel, render
    from .data import DAYS_PER_YEAR, Inputs, Policy, inputs, pair_history, settlement_dates
    from .exercises import COVER_OF, carry_cost, cover_curve, min_cover_search, unconfirmed_orders
    from .model import (
        ASC_815_BAND,
        BASE_LEVEL,
        NATURAL,
        NEAR_ZERO,
        STRATEGIES,
        Analysis,
        Outcome,
        analyse,
        cash_flow_at_risk,
        dollar_offset,
        layer_increments,
        min_forward_cover,
        recommend,
        run_strategies,
        summarize,
    )
    from .model_rates import forward_rate, garman_kohlhagen, match_mean, simulate_bootstrap, simulate_gbm, zero_cost_cap
    from .present import (
        effectiveness_table,
        exposure_table,
        exposure_text,
        headline,
        market_table,
        pair_label,
        proxy_note,
        proxy_volatility,
        recommendation,
        stale_rates_note,
        strategy_label,
        summary_table,
        talking_points,
        unconfirmed_table,
    )
    from .runner import run

# Everything but the section is imported on first use: the scenario loader imports this package for its
# section, and the model, figures and controls pull in scipy, plotly and ipywidgets.
_MODULES: dict[str, tuple[str, ...]] = {
    "data": ("DAYS_PER_YEAR", "Inputs", "Policy", "inputs", "pair_history", "settlement_dates"),
    "model_rates": ("forward_rate", "garman_kohlhagen", "match_mean", "simulate_bootstrap", "simulate_gbm",
                    "zero_cost_cap"),
    "model": ("ASC_815_BAND", "BASE_LEVEL", "NATURAL", "NEAR_ZERO", "STRATEGIES", "Analysis", "Outcome", "analyse",
              "cash_flow_at_risk", "dollar_offset", "layer_increments", "min_forward_cover", "recommend",
              "run_strategies", "summarize"),
    "runner": ("run",),
    "present": ("effectiveness_table", "exposure_table", "exposure_text", "headline", "market_table", "pair_label",
                "proxy_note", "proxy_volatility", "recommendation", "stale_rates_note", "strategy_label",
                "summary_table", "talking_points", "unconfirmed_table"),
    "charts": ("cfar_cost_figure", "cover_figure", "distribution_figure", "fan_figure", "history_figure",
               "payoff_figure"),
    "control_panel": ("panel", "render"),
    "exercises": ("COVER_OF", "carry_cost", "cover_curve", "min_cover_search", "unconfirmed_orders"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

__getattr__, __dir__ = exports(__name__, _LAZY)

__all__ = ["FxSection", "Layer", "PolicySection", "SimulationSection", "Volatility", *_LAZY]
