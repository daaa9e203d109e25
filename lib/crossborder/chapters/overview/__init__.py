"""The overview chapter: the outline's ten sections, the market's key assumptions, the glossary of the trade's
terms and a glossary quiz drawn per market.

Modules: ``data`` (glossary and syllabus; each section's chapter from the registry), ``model`` (glossary search,
the quiz), ``present`` (tables, headline, talking points), ``charts`` (terms per section), ``panel`` (the
searchable glossary), ``exercises`` (the quiz table and its answer key). The key-assumptions table is shared
with the report's cover: ``crossborder.scenario.facts_table``.
"""

from __future__ import annotations

from crossborder.scenario.facts_table import market_facts

from .charts import terms_per_section_figure
from .data import GLOSSARY_FILE, SECTIONS, SYLLABUS_FILE, load_glossary, load_syllabus
from .exercises import quiz_key, quiz_key_table, quiz_table
from .model import QUIZ_SIZE, Quiz, glossary_quiz, quiz_meaning, quiz_seed, quiz_term, search_glossary
from .panel import panel
from .present import glossary_table, headline, headline_points, syllabus_table

__all__ = [
    "market_facts", "terms_per_section_figure", "GLOSSARY_FILE", "SECTIONS", "SYLLABUS_FILE", "load_glossary",
    "load_syllabus", "quiz_key", "quiz_key_table", "quiz_table", "QUIZ_SIZE", "Quiz", "glossary_quiz",
    "quiz_meaning", "quiz_seed", "quiz_term", "search_glossary", "panel", "glossary_table", "headline",
    "headline_points", "syllabus_table",
]
