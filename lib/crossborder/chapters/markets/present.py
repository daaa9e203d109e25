"""The market chapter in words and tables: display tables, the report's chapter text, the headline and the
workshop's talking points, in the report's language (numbers in ``crossborder.core.fmt``'s style).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from crossborder.core.fmt import number, percent, points
from crossborder.core.i18n import catalogue, country_in_text, country_name, in_sentence, t
from crossborder.scenario import Scenario

from .data import Data, _lang_col, criterion_label, pilot_frame, pilot_inputs, tariff_for_origin
from .model import Analysis, Settings, analyse, chosen_weights, judge_pilots
from .model_mcda import AhpResult, ahp
from .model_reweight import reweight_for_rank
from .section import PMF_RATE_STAGES, WEIGHTINGS


def _label(data: Data, criterion: str, lang: str) -> str:
    return criterion_label(data, criterion, lang)


def _label_in_text(data: Data, criterion: str, lang: str) -> str:
    """A criterion's label inside a sentence ("import duty paid")."""
    return in_sentence(criterion_label(data, criterion, lang), lang)


@lru_cache(maxsize=1024)
def _market_name(code: str, lang: str) -> str:
    return f"{country_name(code, lang)}（{code}）" if lang == "zh-TW" else f"{country_name(code, lang)} ({code})"


def _names(codes: Iterable[str], lang: str) -> list[str]:
    return [_market_name(c, lang) for c in codes]


def _pp(x: float, lang: str) -> str:
    """A weight change in percentage points: "+4.7 pp" / "+4.7 個百分點" (true minus when negative)."""
    return points(x, lang, 1)


def _in_text(code: str, lang: str) -> str:
    """The market's name inside a sentence ("the United States")."""
    return country_in_text(code, lang)


def _sentences(parts: list[str], lang: str) -> str:
    """Sentences joined in the language's way, each starting with a capital in English."""
    parts = [p[:1].upper() + p[1:] if lang == "en" else p for p in parts if p]
    return ("" if lang == "zh-TW" else " ").join(parts)


# ============================================================================================ tables

def _unit(criterion: str, unit: str, lang: str) -> str:
    """A criterion's unit in the report's language (the data file spells it in English)."""
    key = f"markets.unit_{criterion}"
    return t(key, lang) if key in catalogue() else unit


def criteria_table(data: Data, lang: str) -> pd.DataFrame:
    """The criteria with direction, unit, default weight and provenance, in the report's language."""
    c = data.criteria
    return pd.DataFrame({
        t("markets.col_criterion", lang): [_label(data, k, lang) for k in c.index],
        t("markets.col_direction", lang): [t(f"markets.direction_short_{d}", lang) for d in c["direction"]],
        t("markets.col_unit", lang): [_unit(k, u, lang) for k, u in zip(c.index, c["unit"])],
        t("markets.col_default_weight", lang): [percent(w / c["weight"].sum(), lang, 0) for w in c["weight"]],
        t("markets.col_provenance", lang): [t(f"markets.provenance_{p}", lang) for p in c["provenance"]],
        t("common.source", lang): [f"{s} ({t('common.as_of', lang)} {d:%Y-%m-%d})" for s, d in zip(c["source"], c["as_of"])],
    })


def tariff_table(data: Data, plants: list[str], lang: str, additional: bool = True) -> pd.DataFrame:
    """Duty per market for each plant's goods, and the best plant: why the origin matters."""
    rows = {}
    for p in plants:
        rows[p] = tariff_for_origin(data, p, plants, additional)
    best = tariff_for_origin(data, "best", plants, additional)
    out = pd.DataFrame({t("markets.col_market", lang): _names(best.index, lang)})
    for p in plants:
        tp = rows[p]
        out[t("markets.col_duty_from", lang, plant=country_name(p, lang))] = [
            f"{percent(d / 100, lang, 1)} ({r})" for d, r in zip(tp["duty"], tp["regime"])]
    out[t("markets.col_best_plant", lang)] = [country_name(o, lang) for o in best["origin"]]
    out[t("markets.col_provenance", lang)] = [t(f"markets.provenance_{p}", lang) for p in best["provenance"]]
    return out


def weights_table(a: Analysis, data: Data, lang: str, alternatives: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """The weights in use (and, optionally, other weightings side by side)."""
    cols = {t("markets.col_criterion", lang): [_label(data, c, lang) for c in a.weights.index],
            t(f"markets.weighting_{a.settings.weighting}", lang): [percent(v, lang, 0) for v in a.weights]}
    for name, w in (alternatives or {}).items():
        cols[t(f"markets.weighting_{name}", lang)] = [percent(w[c], lang, 0) for c in a.weights.index]
    return pd.DataFrame(cols)


def weightings_table(data: Data, settings: Settings, plants: list[str], lang: str) -> pd.DataFrame:
    """The weights in use beside the other weightings (entropy, CRITIC and, with judgements, AHP)."""
    current = analyse(data, settings, plants, lang)
    others = {}
    for w in WEIGHTINGS[1:]:
        if w != settings.weighting and (w != "ahp" or settings.ahp):
            others[w] = chosen_weights(data, current.matrix, current.benefit, replace(settings, weighting=w))[0]
    return weights_table(current, data, lang, others)


def ahp_check(data: Data, settings: Settings, lang: str) -> str:
    """The AHP consistency verdict for the scenario's judgements (empty text if there are none)."""
    if not settings.ahp:
        return ""
    return ahp_note(ahp(settings.ahp, list(data.criteria.index)), data, lang)


def ranking_table(a: Analysis, lang: str, top: int | None = None) -> pd.DataFrame:
    tab = a.table.iloc[: top or len(a.table)]
    return pd.DataFrame({
        t("markets.col_rank", lang): tab["rank"].to_list(),
        t("markets.col_market", lang): _names(tab.index, lang),
        t("markets.col_region", lang): [t(f"markets.region_{r}", lang) for r in tab["region"]],
        t("markets.col_score", lang): [number(s, lang, 3) for s in tab["score"]],
        t("markets.col_p_first", lang): [percent(p, lang, 0) for p in tab["p_first"]],
        t("markets.col_p_top3", lang): [percent(p, lang, 0) for p in tab["p_top3"]],
    })


def pilot_table(a: Analysis, lang: str) -> pd.DataFrame:
    p = a.pilot
    return pd.DataFrame({t("markets.col_market", lang): _names(p.index, lang),
                         t("markets.col_reason", lang): p["reason"].to_list()})


def scorecard_table(card: pd.DataFrame, conv: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per pilot market: each stage conversion (rate, and go target), the call and the reasons."""
    rows = []
    for code in card.index:
        c = conv.loc[[code]].set_index("to_stage")
        row = {t("markets.col_market", lang): f"{country_name(code, lang)} ({code})"}
        for s in PMF_RATE_STAGES:
            row[t(f"markets.stage_{s}", lang)] = f"{percent(c.at[s, 'rate'], lang, 0)} / {percent(c.at[s, 'go'], lang, 0)}"
        row[t("markets.col_call", lang)] = t(f"markets.call_{card.at[code, 'call']}", lang)
        row[t("markets.col_reason", lang)] = card.at[code, "reasons"]
        rows.append(row)
    return pd.DataFrame(rows)


def ahp_note(res: AhpResult | None, data: Data, lang: str) -> str:
    """The AHP consistency verdict in words, naming the most inconsistent judgements when CR > 0.1."""
    if res is None:
        return ""
    kind = (t("markets.ahp_complete", lang) if res.complete
            else t("markets.ahp_incomplete", lang, known=res.known, pairs=res.pairs))
    if res.consistent:
        return t("markets.ahp_ok", lang, cr=res.cr, lam=res.lambda_max, ri=res.ri, kind=kind)
    worst = res.inconsistent.head(3)
    items = t("markets.item_sep", lang).join(
        t("markets.ahp_pair", lang, a=_label(data, p.split("/")[0], lang), b=_label(data, p.split("/")[1], lang),
          given=_ratio(g), implied=i, suggested=_ratio(s))
        for p, g, i, s in zip(worst["pair"], worst["given"], worst["implied"], worst["suggested"]))
    return t("markets.ahp_flag", lang, cr=res.cr, lam=res.lambda_max, ri=res.ri, kind=kind, items=items)


def _ratio(v: float) -> str:
    return f"{v:g}" if v >= 1 else f"1/{1 / v:g}"



# ==================================================================================== pilots, report

def scorecard(codes: list[str], lang: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(results, scorecard, conversions) for the markets among ``codes`` that have pilot results, each
    judged by the PMF rules of its own scenario (a market may set stricter thresholds)."""
    results, rules = pilot_inputs(codes)
    return judge_pilots(results, rules, lang)


def own_scorecard(scn: Scenario, lang: str) -> pd.DataFrame:
    """The PMF scorecard of the scenario's own market (empty if its scenario has no pilot results)."""
    res = scn.markets.pilot_results
    pilots = {scn.code: res} if res is not None else {}
    return judge_pilots(pilot_frame(pilots), {scn.code: scn.markets.pmf}, lang)[1]


def join(items: Iterable[str], lang: str) -> str:
    """A list in the report's language: 德國、美國 / Germany, United States."""
    return t("markets.list_sep", lang).join(items)


def market_chapter(a: Analysis, scn: Scenario, lang: str) -> str:
    """The report's chapter for the market being rendered: rank, robustness, tariff, pilot and PMF call."""
    code = scn.code
    name = country_name(code, lang)
    lines = []
    if code in a.table.index:
        r = a.table.loc[code]
        lines.append(t("markets.report_rank", lang, market=name, rank=int(r["rank"]), n=len(a.table), score=r["score"],
                       method=t(f"markets.method_{a.settings.method}", lang)))
        lines.append(t("markets.report_robust", lang, p_first=r["p_first"], p_top3=r["p_top3"], n=a.acceptability.samples,
                       mode=t(f"markets.smaa_{a.acceptability.mode}", lang, k=a.acceptability.concentration)))
        tr = a.tariffs.loc[code]
        lines.append(t("markets.report_tariff", lang, origin=country_name(tr["origin"], lang), duty=tr["duty"],
                       regime=tr["regime"], note=tr[f"note_{_lang_col(lang)}"]))
        lines.append(t("markets.report_pilot_in" if code in a.pilot.index else "markets.report_pilot_out", lang,
                       market=name, pilot=join((country_name(c, lang) for c in a.pilot.index), lang)))
    else:
        lines.append(t("markets.report_not_candidate", lang, market=name))
    card = own_scorecard(scn, lang)
    if code in card.index:
        lines.append(t("markets.report_pmf", lang, call=t(f"markets.call_{card.at[code, 'call']}", lang),
                       reasons=card.at[code, "reasons"]))
    else:
        lines.append(t("markets.report_no_pmf", lang, market=name))
    return "\n\n".join(lines)


def headline(a: Analysis, scn: Scenario, lang: str) -> tuple[str, str, float]:
    """(sentence, key figure, value): the pilot, and where the report's market stands."""
    pilot = join((_in_text(c, lang) for c in a.pilot.index), lang)
    leader = a.table.index[0]
    code = scn.code
    if code in a.table.index:
        r = a.table.loc[code]
        text = t("markets.headline", lang, pilot=pilot, leader=_in_text(leader, lang),
                 p=a.table.at[leader, "p_first"], market=_in_text(code, lang), rank=int(r["rank"]), n=len(a.table))
        return text, t("markets.headline_figure", lang, rank=int(r["rank"]), n=len(a.table)), float(r["rank"])
    text = t("markets.headline_no_rank", lang, pilot=pilot, leader=_in_text(leader, lang), p=a.table.at[leader, "p_first"])
    return text, t("markets.headline_figure_pilot", lang, n=len(a.pilot)), float(len(a.pilot))


def headline_points(a: Analysis, data: Data, scn: Scenario, lang: str) -> list[str]:
    """Two or three talking points for the workshop deck, with the market's numbers, adding to the headline:
    how robust the market's rank is, the smallest re-weighting that would lift it (or, for the leader, the
    weight its first place depends on most), and the duty its goods pay with the pilot's PMF call."""
    code, name = scn.code, _in_text(scn.code, lang)
    leader = a.table.index[0]
    said = []
    if code in a.table.index:
        r = a.table.loc[code]
        rank_now = int(r["rank"])
        said.append(t("markets.point_rank", lang, method=t(f"markets.method_{a.settings.method}", lang), market=name,
                        rank=rank_now, n=len(a.table), p_first=r["p_first"], p_top3=r["p_top3"],
                        draws=a.acceptability.samples))
        rw = reweight_for_rank(a, code, 3 if rank_now > 3 else 1) if rank_now > 1 else None
        if rw is not None and rw.found:
            moves = rw.table[rw.table["change"].abs() >= 0.005].head(3)
            changes = join((f"{_label_in_text(data, c, lang)} {_pp(x, lang)}" for c, x in moves["change"].items()), lang)
            said.append(t("markets.point_reweight", lang, market=name, moved=rw.moved, changes=changes, rank=rw.rank))
    else:
        said.append(t("markets.point_leader", lang, leader=_in_text(leader, lang), p=a.table.at[leader, "p_first"],
                        draws=a.acceptability.samples))
    sens = a.sensitivity
    if len(said) < 2 and np.isfinite(sens["margin"]).any():
        c = sens["margin"].idxmin()
        low, high = sens.at[c, "low"], sens.at[c, "high"]
        kind = "below" if high >= 0.999 else "above" if low <= 0.001 else "between"
        said.append(t(f"markets.point_sensitivity_{kind}", lang, leader=_in_text(leader, lang),
                        criterion=_label_in_text(data, c, lang), low=low, high=high, w=sens.at[c, "weight"]))
    if code in a.tariffs.index:
        tr = a.tariffs.loc[code]
        card = own_scorecard(scn, lang)
        call = (t("markets.point_call", lang, call=t(f"markets.call_{card.at[code, 'call']}", lang))
                if code in card.index else "")
        key = ("markets.point_duty_domestic" if tr["regime"] == "domestic" else
               "markets.point_duty_additional" if tr["additional"] > 0 else
               "markets.point_duty_zero" if round(float(tr["duty"]), 1) == 0 else "markets.point_duty")
        said.append(t(key, lang, market=name, origin=country_name(tr["origin"], lang), duty=tr["duty"],
                      rate=tr["rate"], additional=tr["additional"], regime=tr["regime"], call=call))
    return [_sentences([p], lang) for p in said]
