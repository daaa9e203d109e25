"""The overview chapter: the outline's ten sections, the market's key assumptions, the glossary of the trade's
terms and a glossary quiz drawn per market.

Modules: ``data`` (glossary and syllabus; each section's chapter from the registry), ``model`` (glossary search,
the quiz), ``present`` (tables, headline, talking points), ``charts`` (terms per section), ``panel`` (the
searchable glossary), ``exercises`` (the quiz table and its answer key). The key-assumptions table is shared
with the report's cover: ``crossborder.scenario.facts_table``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crossborder.core.lazy import exports
from crossborder.scenario.facts_table import market_facts  # the cover's key assumptions, shown in chapter 00

if TYPE_CHECKING:  # for readers and type checkers; at run time names load on first use
    from .charts import terms_per_section_figure
    from .control_panel import panel
    from .data import GLOSSARY_FILE, SECTIONS, SYLLABUS_FILE, load_glossary, load_syllabus
    from .exercises import quiz_key, quiz_key_table, quiz_table
    from .model import QUIZ_SIZE, Quiz, glossary_quiz, quiz_meaning, quiz_seed, quiz_term, search_glossary
    from .present import glossary_table, headline, headline_points, syllabus_table

_EXPORTS = {
    'terms_per_section_figure': 'charts',
    'GLOSSARY_FILE': 'data',
    'SECTIONS': 'data',
    'SYLLABUS_FILE': 'data',
    'load_glossary': 'data',
    'load_syllabus': 'data',
    'quiz_key': 'exercises',
    'quiz_key_table': 'exercises',
    'quiz_table': 'exercises',
    'QUIZ_SIZE': 'model',
    'Quiz': 'model',
    'glossary_quiz': 'model',
    'quiz_meaning': 'model',
    'quiz_seed': 'model',
    'quiz_term': 'model',
    'search_glossary': 'model',
    'panel': 'control_panel',
    'glossary_table': 'present',
    'headline': 'present',
    'headline_points': 'present',
    'syllabus_table': 'present',
}
__getattr__, __dir__ = exports(__name__, _EXPORTS)


__all__ = [*_EXPORTS, "market_facts"]
