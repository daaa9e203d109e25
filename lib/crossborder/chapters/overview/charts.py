"""The overview chapter's figure: how many terms of art each section of the outline introduces."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from crossborder.core import theme
from crossborder.core.i18n import t

from .data import SECTIONS, text_column


def terms_per_section_figure(glossary: pd.DataFrame, syllabus: pd.DataFrame, lang: str,
                             matches: pd.DataFrame | None = None) -> go.Figure:
    """Bar chart: how many terms of art each section introduces (and, with a search, how many match)."""
    counts = glossary.groupby("section").size().reindex(SECTIONS, fill_value=0)
    labels = [f"{s}. {syllabus.at[s, f'title_{text_column(lang)}']}" for s in SECTIONS]
    fig = theme.figure(t("overview.chart_terms_title", lang), height=460)
    fig.add_bar(y=labels, x=counts.values, orientation="h", name=t("overview.all_terms", lang),
                marker_color=theme.SEQUENTIAL[2])
    if matches is not None:
        hits = matches.groupby("section").size().reindex(SECTIONS, fill_value=0)
        fig.add_bar(y=labels, x=hits.values, orientation="h", name=t("overview.matching_terms", lang),
                    marker_color=theme.COLORWAY[1])
    fig.update_layout(barmode="overlay", yaxis=dict(autorange="reversed", automargin=True),
                      xaxis_title=t("overview.axis_terms", lang), margin=dict(l=10))
    return fig
