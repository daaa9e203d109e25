"""Cross-border B2B strategy workbook: the model package behind the notebooks.

One module per topic of the teaching outline (markets, platforms, pricing, fx, payments, landed cost,
funnel, risk, plan) plus small shared modules: paths, scenario loading and validation, i18n, chart theme,
the interactive control pattern, chapter publishing and report rendering.
"""

__version__ = "0.1.0"
