"""The overview chapter's JupyterLab controls: a searchable glossary (search box and section filter)."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from crossborder.core.i18n import t
from crossborder.notebook.panel import ControlPanel

from .charts import terms_per_section_figure
from .data import SECTIONS, load_glossary, load_syllabus, text_column
from .model import search_glossary
from .present import glossary_table


def panel(lang: str, glossary: pd.DataFrame | None = None, syllabus: pd.DataFrame | None = None) -> ControlPanel:
    """Searchable glossary for JupyterLab: a search box and a section filter drive the table and chart."""
    glossary = load_glossary() if glossary is None else glossary
    syllabus = load_syllabus() if syllabus is None else syllabus
    options = [(t("overview.all_sections", lang), 0)] + [
        (f"{s}. {syllabus.at[s, f'title_{text_column(lang)}']}", s) for s in SECTIONS
    ]
    controls = {
        "query": widgets.Text(description=t("overview.search", lang), placeholder="LC, MOQ, 信用狀 ..."),
        "section": widgets.Dropdown(description=t("overview.col_section", lang), options=options, value=0),
    }

    def render(query: str, section: int) -> dict:
        hits = search_glossary(glossary, query, section)
        filtered = bool(query.strip()) or bool(section)
        return {
            "chart": terms_per_section_figure(glossary, syllabus, lang, matches=hits if filtered else None),
            "table": glossary_table(hits, lang),
        }

    return ControlPanel(controls, render, lang=lang)
