"""The chapter registry: the one place that names a chapter.

Each chapter has an id (the notebook's stem, ``NN_name``), the package holding its code and strings
(``crossborder.chapters.<package>``, strings in ``chapters/<package>/strings.yaml``), the scenario section it
owns (a pydantic model in ``chapters/<package>/section.py``, imported only when a scenario is validated), and
the sections of the teaching outline it answers (1-10), and the data files it reads that hold rows per market
(``market_data``, names relative to ``data/``: ``crossborder market new`` copies a market's rows in each). The report, the syllabus, the slides, the workshop,
the tests and the README's chapter table read this list; nothing else spells a chapter's id.

Plain data: importing this module imports no chapter.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossborder.core.errors import InputError


@dataclass(frozen=True)
class Chapter:
    id: str                          # notebook stem, e.g. "07_funnel_kpi"
    package: str                     # crossborder.chapters.<package>; also the strings namespace
    section: str | None              # the scenario section it owns (top-level key), if any
    model: str | None                # the section's pydantic model, in chapters/<package>/section.py
    outline: tuple[int, ...]         # sections of the teaching outline it answers, the first is its home
    market_data: tuple[str, ...] = ()  # data files with rows per market that it reads (relative to data/)
    appendix: bool = False           # printed after the other chapters in a report (the workshop's opening, 00)

    @property
    def number(self) -> str:
        return self.id[:2]

    @property
    def notebook(self) -> str:
        return f"{self.id}.ipynb"

    @property
    def module(self) -> str:
        return f"crossborder.chapters.{self.package}"

    @property
    def section_path(self) -> str | None:
        """``module:Model`` of the scenario section, for the scenario layer's lazy import."""
        return f"{self.module}.section:{self.model}" if self.model else None


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("00_overview", "overview", None, None, (), appendix=True),   # the workshop's opening; a report's appendix
    Chapter("01_market_selection", "markets", "markets", "MarketSelection", (1, 9), ("markets.csv",)),
    Chapter("02_platform_costs", "platforms", "platforms", "Platforms", (3, 2)),
    Chapter("03_pricing", "pricing", "pricing", "Pricing", (5,)),
    Chapter("04_payments_credit", "payments", "payments", "Payments", (6,),
            ("credit_customers.csv", "invoices.csv", "orders_to_screen.csv")),
    Chapter("05_fx_hedging", "fx", "fx", "FxSection", (6,)),
    Chapter("06_landed_cost_compliance", "landed", "landed", "Landed", (7,), ("compliance.csv",)),
    Chapter("07_funnel_kpi", "funnel", "funnel", "FunnelSection", (8, 2, 4, 9),
            ("customers.csv", "orders.csv", "funnel.csv", "leads.csv")),
    Chapter("08_risk_map", "risk", "risk", "RiskSection", (6, 9), ("risks.csv",)),
    Chapter("09_plan_90d", "plan", "plan", "PlanSettings", (9,)),
    Chapter("10_business_case", "business_case", "business_case", "BusinessCase", (10,)),
)

# Scenario sections that belong to no chapter (the scenario layer's and the core's own).
CORE_SECTIONS: dict[str, str] = {
    "meta": "crossborder.scenario.market:Meta",
    "market": "crossborder.scenario.market:MarketInfo",
    "exporter": "crossborder.scenario.market:Exporter",
    "rates": "crossborder.core.stated_rates:RatesSection",
    "facts": "crossborder.core.facts:FactsSettings",
}


def chapters() -> tuple[Chapter, ...]:
    return CHAPTERS


def ids() -> list[str]:
    return [c.id for c in CHAPTERS]


def by_id(chapter_id: str) -> Chapter:
    for c in CHAPTERS:
        if c.id == chapter_id:
            return c
    raise InputError(f"chapter: expected one of {', '.join(ids())}, found {chapter_id!r}")


def by_package(package: str) -> Chapter:
    for c in CHAPTERS:
        if c.package == package:
            return c
    raise InputError(f"chapter package: expected one of {', '.join(c.package for c in CHAPTERS)}, found {package!r}")


def select(names: list[str] | None, where: str = "--only") -> list[Chapter]:
    """Chapters named by id or number (``07`` or ``07_funnel_kpi``), in order; all when ``names`` is None.

    An empty list or an unknown name is refused with the valid choices."""
    if names is None:
        return list(CHAPTERS)
    if not names or any(not str(n).strip() for n in names):
        raise InputError(f"{where}: expected chapter numbers or ids such as 01,07, found {','.join(map(str, names))!r}")
    unknown = [n for n in names if not any(n in (c.id, c.number) for c in CHAPTERS)]
    if unknown:
        raise InputError(f"{where}: unknown chapter {', '.join(map(repr, unknown))}; "
                         f"expected numbers or ids of: {', '.join(ids())}")
    return [c for c in CHAPTERS if any(n in (c.id, c.number) for n in names)]


def market_data_files() -> tuple[str, ...]:
    """Every data file with rows per market that some chapter reads, in chapter order, each once."""
    return tuple(dict.fromkeys(name for c in CHAPTERS for name in c.market_data))


def section_models() -> dict[str, str]:
    """Every scenario section, name -> ``module:Model`` (imported lazily by the scenario layer)."""
    out = dict(CORE_SECTIONS)
    for c in CHAPTERS:
        if c.section and c.section_path:
            out[c.section] = c.section_path
    return out


def chapter_for_outline(section: int) -> Chapter:
    """The chapter whose home is outline section ``section`` (the first of its outline sections)."""
    homes = [c for c in CHAPTERS if c.outline and c.outline[0] == section]
    if homes:
        return homes[0]
    # no chapter has it as its home: the one that lists it earliest among its sections
    return min((c for c in CHAPTERS if section in c.outline), key=lambda c: c.outline.index(section))
