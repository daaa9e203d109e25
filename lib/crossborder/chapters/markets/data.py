"""The market chapter's data: criteria and candidate markets from ``data/``, the duties in force on the report
date from the dated fact store, the decision matrix for an origin plant, and the pilot results and PMF rules
read from other markets' scenarios.

``data/criteria.csv`` describes each criterion (direction benefit/cost, unit, default weight, provenance,
source, labels); ``data/markets.csv`` holds one row per candidate market and one column per criterion. The
duty on HS 8483.40 per market *and origin* comes from ``crossborder.core.facts`` (``data/facts/markets/``),
the same records the landed-cost chapter reads: goods made in Taiwan pay MFN almost everywhere, goods made
in the Vietnamese plant may qualify for an agreement's preference (EVFTA, CPTPP, RCEP, ATIGA, ...), and
additional duties (the US measures of 2025-2026) count only inside their validity windows. The tariff
criterion is therefore built for an origin plant and a date, both parameters of the analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from crossborder.core import facts, tables
from crossborder.core.errors import InputError
from crossborder.core.paths import DATA_DIR, data_file, relative
from crossborder.core.tables import Column, read_table

from .section import CRITERIA_FILE, STAGES, PilotResults, PmfRules

MARKETS_FILE = DATA_DIR / "markets.csv"     # the shipped candidates; the ones in use: markets_file()
REGIONS = ("europe", "north_america", "east_asia", "southeast_asia", "south_asia", "latin_america",
           "middle_east", "africa", "oceania")


def _lang_col(lang: str) -> str:
    return "zh_TW" if lang == "zh-TW" else "en"


def load_criteria(path: Path = CRITERIA_FILE) -> pd.DataFrame:
    """The criteria table, indexed by criterion id (validated: direction, weight >= 0, provenance)."""
    table = read_table(path, {
        "criterion": Column(unique=True), "direction": Column("choice", choices=("benefit", "cost")),
        "unit": Column(), "weight": Column("float", min=0),
        "provenance": Column("choice", choices=("sourced", "illustrative", "derived")),
        "source": Column(), "as_of": Column("date"), "label_en": Column(), "label_zh_TW": Column(),
    }, key="criterion")
    bad = table["criterion"][~table["criterion"].str.fullmatch(r"[a-z][a-z0-9_]*")]
    if len(bad):
        i = int(bad.index[0])
        raise InputError(f"{relative(path)}: line {i + 2}, column 'criterion': expected an id in lower case "
                         f"letters, digits and _, found {bad.iloc[0]!r}")
    if table["weight"].sum() <= 0:
        raise InputError(f"{relative(path)}: column 'weight': expected at least one weight > 0, found all zero")
    return table.set_index("criterion")


def markets_file() -> Path:
    """The candidate markets in use: the user's ``<user folder>/data/markets.csv`` if any, else the shipped file."""
    return data_file("markets.csv")


def load_markets(path: Path | None = None, criteria: pd.DataFrame | None = None) -> pd.DataFrame:
    """The candidate markets: index market code, column ``region`` and one numeric column per criterion.

    Every criterion of ``criteria`` except the origin-dependent (derived) ones must be a column; a column
    that is no criterion is an error naming it, and so is an empty or non-numeric cell (file, line, column).
    """
    path = markets_file() if path is None else Path(path)
    criteria = load_criteria() if criteria is None else criteria
    where = relative(path)
    needed = [c for c in criteria.index if criteria.at[c, "provenance"] != "derived"]
    header = tables.header(path)                     # empty: read_table below names the problem
    unknown = [c for c in header if c not in ("market", "region") and c not in criteria.index]
    if unknown:
        raise InputError(f"{where}: column '{unknown[0]}': unknown criterion; expected one of "
                         f"{', '.join(needed)} (criteria are defined in {relative(CRITERIA_FILE)})")
    derived = [c for c in header if c in criteria.index and c not in needed]
    if derived:
        raise InputError(f"{where}: column '{derived[0]}': this criterion is derived (from "
                         "the dated duties in data/facts/markets/ for the origin plant), expected no column for it")
    spec = {"market": Column(unique=True), "region": Column("choice", choices=REGIONS)}
    spec |= {c: Column("float") for c in needed}
    table = read_table(path, spec, key="market")
    for i, code in table["market"].items():
        if not re.fullmatch(r"[A-Z]{2}", code) or not _is_country(code):
            raise InputError(f"{where}: line {i + 2}, column 'market': expected an ISO 3166-1 alpha-2 code "
                             f"such as DE, found {code!r}")
    if len(table) < 2:
        raise InputError(f"{where}: expected at least two candidate markets, found {len(table)}")
    return table.set_index("market")


def _is_country(code: str) -> bool:
    import pycountry

    return pycountry.countries.get(alpha_2=code) is not None


def duties_on(codes: list[str], plants: list[str], on: date) -> pd.DataFrame:
    """The duty on the product per candidate market and origin plant in force on ``on``, from the dated fact
    store (``crossborder.core.facts``; the same records chapter 06 reads), indexed (market, origin).

    ``rate`` is the conventional rate in % (MFN, or the agreement's where the rule of origin is met),
    ``additional`` the additional duties in force on the date in % of the customs value (a surcharge on the
    duty included), ``regime`` "MFN", the agreement or "domestic", and ``measures_en/zh_TW`` the additional
    measures in force by name and legal basis.
    """
    rows = []
    for code in codes:
        if not facts.has_market(code):
            raise InputError(f"{relative(facts.market_file(code))}: fact file not found; expected the duties of "
                             f"candidate market {code} (see {relative(markets_file())})")
        for plant in plants:
            d = facts.duty(code, plant, on)
            base = d.base_rate * 100
            source = d.preference if d.preference_applied and d.preference is not None else d.mfn
            note = d.preference.rule_of_origin if d.preference_applied and d.preference is not None else (
                facts.market(code).duties.origins[plant].note or d.mfn.note)
            rows.append({
                "market": code, "origin": plant, "regime": d.regime, "rate": base,
                "additional": d.total * 100 - base,
                "provenance": "sourced" if source.verified else "illustrative", "source": source.source,
                "as_of": source.as_of,
                "measures_en": "; ".join(f"{m.name.en} ({m.legal_basis})" for m in d.additional),
                "measures_zh_TW": "；".join(f"{m.name.zh_TW}（{m.legal_basis}）" for m in d.additional),
                "note_en": note.en if note else "", "note_zh_TW": note.zh_TW if note else "",
            })
    return pd.DataFrame(rows).set_index(["market", "origin"]).sort_index()


@dataclass(frozen=True)
class Data:
    """Everything the chapter reads from ``data/``."""

    criteria: pd.DataFrame
    markets: pd.DataFrame
    tariffs: pd.DataFrame
    _memo: dict = field(default_factory=dict, compare=False, repr=False)   # derived tables, per origin

    @property
    def regions(self) -> pd.Series:
        return self.markets["region"]


@lru_cache(maxsize=8)
def _load_cached(criteria_path: str, markets_path: str, plants: tuple[str, ...], on: date, stamp: tuple) -> Data:
    criteria = load_criteria(Path(criteria_path))
    markets = load_markets(Path(markets_path), criteria)
    return Data(criteria, markets, duties_on(list(markets.index), list(plants), on))


def load_data(*, as_of: date, plants: list[str], criteria_path: Path = CRITERIA_FILE,
              markets_path: Path | None = None) -> Data:
    """Read and validate the criteria and candidate markets, with the duties in force on ``as_of`` for goods
    from each of the exporter's ``plants`` (cached until a file changes)."""
    paths = [Path(criteria_path), markets_file() if markets_path is None else Path(markets_path)]
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in paths)
    fact_stamp = tuple(facts.market_file(c).stat().st_mtime_ns for c in facts.market_codes())
    return _load_cached(*(str(p) for p in paths), tuple(plants), as_of, stamp + fact_stamp)


def tariff_for_origin(data: Data, origin: str, plants: list[str], additional: bool = True) -> pd.DataFrame:
    """The duty each candidate market charges on goods from ``origin``.

    ``origin`` is a plant country (e.g. ``"TW"``) or ``"best"``: for each market, the plant in ``plants``
    whose goods pay the least duty (the first plant listed wins a tie). Returns per market: origin, regime,
    rate, additional, duty (the criterion value, % ad valorem: rate plus additional duties when
    ``additional``), provenance, source, as_of and notes.
    """
    if origin != "best" and origin not in plants:
        raise InputError(f"origin: expected one of the exporter's plants {', '.join(plants)} or 'best', found {origin!r}")
    key = ("tariff", origin, tuple(plants), bool(additional))
    if key in data._memo:
        return data._memo[key]
    candidates = list(plants) if origin == "best" else [origin]
    codes = list(data.markets.index)
    wanted = pd.MultiIndex.from_product([codes, candidates], names=["market", "origin"])
    absent = wanted.difference(data.tariffs.index)
    if len(absent):
        code, plant = absent[0]
        raise InputError(f"origin: expected one of the plants the duties were looked up for "
                         f"({', '.join(sorted(set(data.tariffs.index.get_level_values('origin'))))}), found {plant!r}")
    rows = data.tariffs.loc[wanted].reset_index()
    rows["additional"] = rows["additional"] if additional else 0.0
    rows["duty"] = rows["rate"] + rows["additional"]
    rows["_plant"] = rows["origin"].map({p: i for i, p in enumerate(candidates)})
    best = rows.sort_values(["market", "duty", "_plant"], kind="stable").drop_duplicates("market")
    out = best.set_index("market").loc[codes].drop(columns="_plant")
    out = out[["origin", "regime", "rate", "additional", "duty", "provenance", "source", "as_of", "measures_en",
               "measures_zh_TW", "note_en", "note_zh_TW"]]
    data._memo[key] = out
    return out


def decision_matrix(data: Data, origin: str, plants: list[str], additional: bool = True) -> pd.DataFrame:
    """Markets x criteria, in criteria.csv order, the tariff criterion built for ``origin``."""
    key = ("matrix", origin, tuple(plants), bool(additional))
    if key in data._memo:
        return data._memo[key]
    values = data.markets.drop(columns="region").copy()
    derived = [c for c in data.criteria.index if data.criteria.at[c, "provenance"] == "derived"]
    if derived:
        duty = tariff_for_origin(data, origin, plants, additional)["duty"]
        for c in derived:
            values[c] = duty
    out = values[list(data.criteria.index)].astype(float)
    data._memo[key] = out
    return out


def criterion_label(data: Data, criterion: str, lang: str) -> str:
    """A criterion's label in ``lang`` (from data/criteria.csv)."""
    return str(data.criteria.at[criterion, f"label_{_lang_col(lang)}"])


# ======================================================================= other markets' scenarios

def pilot_frame(pilots: dict[str, PilotResults]) -> pd.DataFrame:
    """Pilot results as a table: one row per market, the ``STAGES`` counts and ``very_disappointed`` (NaN if
    no survey)."""
    rows = {code: {s: getattr(res, s) for s in STAGES} | {
        "very_disappointed": np.nan if res.very_disappointed is None else res.very_disappointed}
        for code, res in pilots.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*STAGES, "very_disappointed"])


def _pilot_scenarios(codes: list[str]) -> dict[str, tuple[PilotResults, PmfRules]]:
    from crossborder import scenario

    out = {}
    available = set(scenario.available_markets())
    for code in codes:
        if code not in available:
            continue
        section = scenario.load(code).markets
        if section.pilot_results is not None:
            out[code] = (section.pilot_results, section.pmf)
    return out


def pilot_results(codes: list[str]) -> pd.DataFrame:
    """Pilot results of the markets that have a scenario with ``markets.pilot_results`` (others skipped)."""
    return pilot_frame({code: res for code, (res, _) in _pilot_scenarios(codes).items()})


def pilot_inputs(codes: list[str]) -> tuple[pd.DataFrame, dict[str, PmfRules]]:
    """(pilot results, each market's own PMF rules) for the markets among ``codes`` whose scenario has pilot
    results: what ``model.judge_pilots`` needs."""
    found = _pilot_scenarios(codes)
    return pilot_frame({c: res for c, (res, _) in found.items()}), {c: rules for c, (_, rules) in found.items()}
