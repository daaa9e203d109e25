"""Helpers for the risk chapter's workshop exercises and their solutions: one more re-rating on top of the
scenario's, the risks a mitigation did not move, and what each mitigation is worth."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError
from crossborder.core.fmt import money, percent, points
from crossborder.core.i18n import t
from crossborder.scenario import Scenario

from .data import FAMILIES, text
from .model import Assessment, assess, exceedance, return_period
from .present import family_label


def scenario_adjust(scn: Scenario) -> dict[str, dict[str, int]]:
    """The scenario's re-ratings (``risk.adjust``) as plain dicts, ready to extend and pass to :func:`assess`."""
    return {rid: adj.model_dump(exclude_none=True) for rid, adj in scn.risk.adjust.items()}


def rerated(scn: Scenario, reg: pd.DataFrame, as_of: date | None, rid: str, **ratings: int) -> Assessment:
    """The market's assessment with one more re-rating of risk ``rid`` on top of the scenario's own
    (``ratings``: likelihood, impact, residual_likelihood, residual_impact). Each risk draws from its own
    random stream, so every other risk's simulated losses stay exactly as they were."""
    unknown = sorted(set(ratings) - {"likelihood", "impact", "residual_likelihood", "residual_impact"})
    if unknown:
        raise InputError(f"ratings: expected likelihood, impact, residual_likelihood or residual_impact, found "
                         f"{', '.join(unknown)}")
    adjust = scenario_adjust(scn)
    adjust[rid] = {**adjust.get(rid, {}), **{k: int(v) for k, v in ratings.items()}}
    return assess(scn, reg, as_of, adjust=adjust)


def unmoved(a: Assessment) -> pd.DataFrame:
    """Risks in the same cell of both maps (residual rating = inherent rating): tolerated on purpose, or a
    mitigation that has not worked yet. Column ``on_purpose``: the treatment is "tolerate"."""
    reg = a.register
    same = reg[(reg["likelihood"] == reg["residual_likelihood"]) & (reg["impact"] == reg["residual_impact"])]
    same = same.rename_axis(None).copy()
    same["on_purpose"] = same["treatment"] == "tolerate"
    return same.sort_values(["score", "id"], ascending=[False, True])


def mitigation_value(a: Assessment) -> pd.DataFrame:
    """What each quantified risk's mitigation is worth: the residual year with that one mitigation undone
    (the risk's residual losses replaced by its inherent ones) against the residual year as assessed.

    Each risk has its own random stream and its inherent and residual runs share it, so undoing risk j's
    mitigation is exactly total_residual - residual_j + inherent_j, path by path, with no new draws.
    Columns: ``family``, ``el_gain`` (expected yearly loss the mitigation removes), ``tail_undone`` and
    ``tail_rise`` (the 1-in-N-year loss without it, and its rise), ``p_undone`` and ``p_rise`` (the chance of
    losing more than the tolerance loss in a year without it, and its rise). Sorted by ``p_rise``, then
    ``el_gain`` (largest first). Home currency a year.
    """
    sec = a.section
    total = a.total("residual")
    quantified = [i for i, rid in enumerate(a.sim.ids) if np.isfinite(a.register.at[rid, "frequency"])]
    if not quantified:
        raise InputError(f"market {a.code}: no quantified risk (frequency and losses) in the register")
    cols = np.asarray(quantified)
    undone = total[:, None] - a.sim.residual[:, cols] + a.sim.inherent[:, cols]   # (trials, risks)
    base_p = float(exceedance(total, [sec.tolerance.loss])[0])
    base_tail = float(np.quantile(total, sec.tail_quantile))
    p_undone = (undone > sec.tolerance.loss).mean(axis=0)
    tail_undone = np.quantile(undone, sec.tail_quantile, axis=0)
    ids = [a.sim.ids[i] for i in quantified]
    out = pd.DataFrame({
        "family": a.register.loc[ids, "family"].to_numpy(),
        "el_gain": a.sim.inherent[:, cols].mean(axis=0) - a.sim.residual[:, cols].mean(axis=0),
        "tail_undone": tail_undone, "tail_rise": tail_undone - base_tail,
        "p_undone": p_undone, "p_rise": p_undone - base_p,
    }, index=pd.Index(ids, name="id"))
    out.attrs.update(p_residual=base_p, tail_residual=base_tail)
    return out.sort_values(["p_rise", "el_gain"], ascending=False, kind="stable")


def unmoved_table(a: Assessment, lang: str) -> pd.DataFrame | str:
    """:func:`unmoved` as a table with a first reading of why each risk did not move (or a sentence if none)."""
    same = unmoved(a)
    if same.empty:
        return t("risk.unmoved_none", lang, n=len(a.register))
    return pd.DataFrame({
        t("risk.col_id", lang): same["id"].to_numpy(),
        t("risk.col_risk", lang): text(same, "risk", lang).to_numpy(),
        t("risk.col_cell", lang): [t("risk.cell", lang, lik=int(li), imp=int(im))
                                   for li, im in zip(same["likelihood"], same["impact"])],
        t("risk.col_treatment", lang): [t(f"risk.treatment_{x}", lang) for x in same["treatment"]],
        t("risk.col_reading", lang): [t("risk.reading_tolerated" if p else "risk.reading_not_working", lang)
                                      for p in same["on_purpose"]],
        t("risk.col_owner", lang): [t(f"risk.owner_{o}", lang) for o in same["owner"]],
    })


def mitigation_table(a: Assessment, lang: str, rows: int = 8) -> pd.DataFrame:
    """:func:`mitigation_value`, the first ``rows`` mitigations, as a readable table."""
    value = mitigation_value(a).head(rows)
    cur = a.currency
    return pd.DataFrame({
        t("risk.col_id", lang): value.index.to_numpy(),
        t("risk.col_risk", lang): text(a.register.loc[value.index], "risk", lang).to_numpy(),
        t("risk.col_family", lang): [family_label(f, lang) for f in value["family"]],
        t("risk.col_el_gain", lang): [money(v, cur, lang) for v in value["el_gain"]],
        t("risk.col_tail_rise", lang, n=return_period(a.section.tail_quantile)): [money(v, cur, lang) for v in value["tail_rise"]],
        t("risk.col_p_undone", lang, loss=money(a.section.tolerance.loss, cur, lang)):
            [f"{percent(p, lang)} ({points(d, lang)})" for p, d in zip(value["p_undone"], value["p_rise"])],
    })


def family_mitigations_table(a: Assessment, family: str, lang: str) -> pd.DataFrame:
    """The mitigations the market's register uses for one family's risks, to set against the outline's list."""
    if family not in FAMILIES:
        raise InputError(f"family: expected one of {', '.join(FAMILIES)}, found {family!r}")
    rows = a.register[a.register["family"] == family].sort_values("id")
    return pd.DataFrame({t("risk.col_id", lang): rows["id"].to_numpy(),
                         t("risk.col_risk", lang): text(rows, "risk", lang).to_numpy(),
                         t("risk.col_in_use", lang): text(rows, "mitigation", lang).to_numpy()})
