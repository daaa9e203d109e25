"""Helpers for the chapter's workshop exercises and their solutions: the re-weighting that lifts a market
(shown as a table and in words) and the same market under each production plant.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.fmt import DASH, percent
from crossborder.core.i18n import country_name, t
from crossborder.core.paths import relative

from .data import Data, markets_file
from .model import Settings, analyse
from .model_reweight import Reweighting
from .present import _in_text, _label, _names, _pp, _sentences, join


def reweighting_table(rw: Reweighting, data: Data, lang: str) -> pd.DataFrame:
    """The weights before and after a re-weighting, per criterion, largest change first."""
    tab = rw.table
    return pd.DataFrame({
        t("markets.col_criterion", lang): [_label(data, c, lang) for c in tab.index],
        t("markets.col_weight_before", lang): [percent(x, lang, 1) for x in tab["before"]],
        t("markets.col_weight_after", lang): [percent(x, lang, 1) for x in tab["after"]],
        t("markets.col_weight_change", lang): [DASH if abs(x) < 0.0005 else _pp(x, lang) for x in tab["change"]],
    })


def reweighting_note(rw: Reweighting, data: Data, lang: str) -> str:
    """The re-weighting in one or two sentences, in the report's language."""
    name = _in_text(rw.market, lang)
    if rw.rank_before <= rw.target:
        return _sentences([t("markets.rw_already", lang, market=name, rank=rw.rank_before, target=rw.target)], lang)
    if not rw.found:
        return _sentences([t("markets.rw_not_found", lang, market=name, target=rw.target, rank=rw.rank)], lang)
    moves = rw.table[rw.table["change"].abs() >= 0.005].head(4)
    changes = join((f"{_label(data, c, lang)} {_pp(x, lang)}" for c, x in moves["change"].items()), lang)
    return _sentences([t("markets.rw_found", lang, market=name, before=rw.rank_before, rank=rw.rank, moved=rw.moved,
                         changes=changes)], lang)


def origin_comparison(data: Data, settings: Settings, plants: list[str], market: str, lang: str = "en") -> pd.DataFrame:
    """The market under each production plant and under "best plant per market": the duty its goods pay
    there, the market's rank and P(top 3), and the leader; one full analysis per option."""
    rows = []
    for origin in [*plants, "best"]:
        a = analyse(data, replace(settings, origin=origin), plants, lang)
        if market not in a.table.index:
            raise InputError(f"market: expected a candidate market of {relative(markets_file())}, found {market!r}")
        tr, r = a.tariffs.loc[market], a.table.loc[market]
        rows.append({"origin": origin, "plant": tr["origin"], "regime": tr["regime"], "duty": float(tr["duty"]),
                     "rank": int(r["rank"]), "p_top3": float(r["p_top3"]), "leader": a.table.index[0]})
    return pd.DataFrame(rows).set_index("origin")


def origin_table(comp: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``origin_comparison`` for display."""
    def option(o: str) -> str:
        return t("markets.origin_best", lang) if o == "best" else country_name(o, lang)
    return pd.DataFrame({
        t("markets.ctl_origin", lang): [option(o) for o in comp.index],
        t("markets.col_plant_used", lang): [country_name(p, lang) for p in comp["plant"]],
        t("markets.col_regime", lang): comp["regime"].to_list(),
        t("markets.col_duty", lang): [percent(d / 100, lang, 1) for d in comp["duty"]],
        t("markets.col_rank", lang): comp["rank"].to_list(),
        t("markets.col_p_top3", lang): [percent(p, lang, 0) for p in comp["p_top3"]],
        t("markets.col_leader", lang): _names(comp["leader"], lang),
    })


def origin_note(comp: pd.DataFrame, market: str, lang: str) -> str:
    """What ``origin_comparison`` says, in words: the lowest-duty plant, the option that ranks the market best,
    and, when "best plant per market" ranks it lower although its own duty does not rise, why."""
    def option(o: str) -> str:
        return t("markets.origin_best", lang) if o == "best" else country_name(o, lang)
    name = _in_text(market, lang)
    plants = comp.drop(index="best")
    cheapest = plants["duty"].idxmin()
    top = comp.index[np.lexsort((-comp["p_top3"].to_numpy(), comp["rank"].to_numpy()))[0]]
    lines = [t("markets.origin_cheapest", lang, market=name, plant=country_name(cheapest, lang),
               duty=comp.at[cheapest, "duty"], regime=comp.at[cheapest, "regime"]),
             t("markets.origin_top", lang, market=name, option=option(top), rank=int(comp.at[top, "rank"]),
               p=comp.at[top, "p_top3"])]
    b = comp.loc["best"]
    if b["rank"] > comp.at[top, "rank"] and b["duty"] <= comp.at[top, "duty"]:
        lines.append(t("markets.origin_relative", lang, market=name, duty=b["duty"], top=int(comp.at[top, "rank"]),
                       rank=int(b["rank"]), option=option(top)))
    return _sentences(lines, lang)
