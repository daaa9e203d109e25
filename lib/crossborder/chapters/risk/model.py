"""The risk chapter's model: scoring on the 5 x 5 matrix, re-rating with the scale anchors, the market's
register scaled to its sales, the frequency x severity Monte Carlo, and the figures read from it (formulas
and sources in the package docstring).

Pure: the register (``data.load_register``), the scenario and parameters in; tables and arrays out.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crossborder.core import stats
from crossborder.core.errors import InputError
from crossborder.scenario import Scenario

from .data import FAMILIES, LOSS, RESIDUAL_LOSS, market_register
from .section import RiskSection

STAGES: tuple[str, ...] = ("inherent", "residual")
RATINGS = np.arange(1, 6)

# The risk bands of the 5 x 5 matrix, set here and only here: (name, highest score in the band).
BANDS: tuple[tuple[str, int], ...] = (("low", 4), ("medium", 9), ("high", 16), ("critical", 25))
HIGH_BANDS = ("high", "critical")

# Rating scales in numbers: upper edges of ratings 1-4 (5 is open-ended) and the anchor used to rescale.
LIKELIHOOD_SCALE = {"edges": (0.05, 0.2, 0.5, 1.0), "anchor": (0.03, 0.1, 0.3, 0.7, 1.5)}       # events / year
IMPACT_SCALE = {"edges": (0.3e6, 1e6, 3e6, 10e6), "anchor": (0.15e6, 0.55e6, 1.7e6, 5.5e6, 18e6)}  # per event


def band_index(score: npt.ArrayLike) -> np.ndarray:
    """Index into ``BANDS`` for scores 1..25 (vectorized)."""
    s = np.asarray(score)
    if np.any((s < 1) | (s > 25)):
        raise InputError(f"score: expected likelihood x impact from 1 to 25, found {s[(s < 1) | (s > 25)]}")
    return np.searchsorted([hi for _, hi in BANDS], s, side="left")


def band(score: npt.ArrayLike) -> np.ndarray:
    """Band names (low / medium / high / critical) for scores 1..25."""
    return np.asarray([name for name, _ in BANDS], dtype=object)[band_index(score)]


def scale_rating(value: npt.ArrayLike, scale: Mapping[str, tuple]) -> np.ndarray:
    """The rating (1..5) whose range on ``scale`` contains ``value`` (events / year or loss per event)."""
    return np.searchsorted(scale["edges"], np.asarray(value, dtype=float), side="right") + 1


def scored(reg: pd.DataFrame) -> pd.DataFrame:
    """Add score and band, inherent and residual, and the movement between them."""
    out = reg.copy()
    out["score"] = out["likelihood"] * out["impact"]
    out["residual_score"] = out["residual_likelihood"] * out["residual_impact"]
    out["band"] = band(out["score"].to_numpy())
    out["residual_band"] = band(out["residual_score"].to_numpy())
    out["movement"] = out["residual_score"] - out["score"]
    out["bands_moved"] = band_index(out["score"].to_numpy()) - band_index(out["residual_score"].to_numpy())
    return out


def cell_counts(reg: pd.DataFrame, stage: str = "inherent") -> pd.DataFrame:
    """Risks per cell of the 5 x 5 matrix: rows impact 5 (top) .. 1, columns likelihood 1..5."""
    lik, imp = rating_columns(stage)
    counts = np.zeros((5, 5), dtype=int)
    np.add.at(counts, (5 - reg[imp].to_numpy(int), reg[lik].to_numpy(int) - 1), 1)
    return pd.DataFrame(counts, index=pd.Index(RATINGS[::-1], name="impact"),
                        columns=pd.Index(RATINGS, name="likelihood"))


def rating_columns(stage: str) -> tuple[str, str]:
    if stage not in STAGES:
        raise InputError(f"stage: expected one of {', '.join(STAGES)}, found {stage!r}")
    return ("likelihood", "impact") if stage == "inherent" else ("residual_likelihood", "residual_impact")


def apply_adjustments(reg: pd.DataFrame, adjust: Mapping[str, Any], source: str = "") -> pd.DataFrame:
    """Re-rate risks and rescale their money with the scale anchors.

    ``adjust`` maps risk id -> ``Adjustment`` (or a dict of the same keys). A moved likelihood multiplies the
    frequency by anchor[new] / anchor[old]; a moved impact multiplies the low / likely / high losses the same
    way, separately for the inherent and residual ratings. Residual money is then capped at the inherent
    money (a mitigation never makes things worse), and residual ratings above inherent ones are an error.
    ``source`` prefixes error messages (e.g. "scenario DE, "), which name the key ``risk.adjust.<id>``.
    """
    out = reg.copy()
    unknown = sorted(set(adjust) - set(out.index))
    if unknown:
        raise InputError(f"{source}key 'risk.adjust': expected ids of this market's risks ({', '.join(out.index)}), "
                         f"found {', '.join(map(repr, unknown))}")
    if not adjust:
        return out
    ids = list(adjust)
    lik_anchor, imp_anchor = np.asarray(LIKELIHOOD_SCALE["anchor"]), np.asarray(IMPACT_SCALE["anchor"])
    for stage in STAGES:
        lik, imp = rating_columns(stage)
        freq = "frequency" if stage == "inherent" else "residual_frequency"
        losses = LOSS if stage == "inherent" else RESIDUAL_LOSS
        old_l, old_i = out.loc[ids, lik].to_numpy(int), out.loc[ids, imp].to_numpy(int)
        new_l = np.array([_get(adjust[k], lik, o) for k, o in zip(ids, old_l)], dtype=int)
        new_i = np.array([_get(adjust[k], imp, o) for k, o in zip(ids, old_i)], dtype=int)
        out.loc[ids, lik], out.loc[ids, imp] = new_l, new_i
        out.loc[ids, freq] = out.loc[ids, freq].to_numpy(float) * lik_anchor[new_l - 1] / lik_anchor[old_l - 1]
        factor = imp_anchor[new_i - 1] / imp_anchor[old_i - 1]
        for c in losses:
            out.loc[ids, c] = out.loc[ids, c].to_numpy(float) * factor
    for stage, base in (("residual_likelihood", "likelihood"), ("residual_impact", "impact")):
        worse = out.loc[ids, stage] > out.loc[ids, base]
        if worse.any():
            rid = worse.index[np.flatnonzero(worse.to_numpy())[0]]
            raise InputError(f"{source}key 'risk.adjust.{rid}': expected {stage.replace('_', ' ')} at most the {base} "
                             f"({out.at[rid, base]}), found {out.at[rid, stage]}")
    out["residual_frequency"] = np.fmin(out["residual_frequency"], out["frequency"])
    for r, c in zip(RESIDUAL_LOSS, LOSS):
        out[r] = np.fmin(out[r], out[c])
    return out


def _get(adj: Any, key: str, default: int) -> int:
    value = adj.get(key) if isinstance(adj, Mapping) else getattr(adj, key, None)
    return default if value is None else int(value)


def prepare(reg: pd.DataFrame, scn: Scenario, adjust: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The market's register, shared rows scaled to its sales, re-rated by the scenario (or ``adjust``)."""
    sec: RiskSection = scn.risk
    out = market_register(reg, scn.code).copy()
    shared = (out["market"] == "all").to_numpy()
    exposure = sec.revenue / sec.reference_revenue
    for c in (*LOSS, *RESIDUAL_LOSS):
        out.loc[shared, c] = out.loc[shared, c] * exposure
    return apply_adjustments(out, sec.adjust if adjust is None else adjust, f"scenario {scn.code}, ")


# -------------------------------------------------------------------------------------- Monte Carlo

def pert_mean(low: npt.ArrayLike, mode: npt.ArrayLike, high: npt.ArrayLike, shape: float = 4.0) -> np.ndarray:
    """Mean of the (modified) PERT distribution: (low + shape * mode + high) / (shape + 2)."""
    return (np.asarray(low, float) + shape * np.asarray(mode, float) + np.asarray(high, float)) / (shape + 2)


def pert_sample(gen: np.random.Generator, low: npt.ArrayLike, mode: npt.ArrayLike, high: npt.ArrayLike,
                size: int | tuple[int, ...] | None = None, shape: float = 4.0) -> np.ndarray:
    """Draws from PERT(low, mode, high) with shape lambda (see the module docstring), vectorized.

    ``low``, ``mode``, ``high`` broadcast against each other (and ``size``). low == high gives that value.
    """
    a, m, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (low, mode, high)))
    if np.any(np.isnan(a) | np.isnan(m) | np.isnan(b)):
        raise InputError("pert_sample: expected numbers for low, mode and high, found an empty value")
    if np.any((a > m) | (m > b)):
        raise InputError(f"pert_sample: expected low <= mode <= high, found low={a}, mode={m}, high={b}")
    if not shape > 0:
        raise InputError(f"pert_shape: expected a number > 0, found {shape!r}")
    span = b - a
    safe = np.where(span > 0, span, 1.0)
    alpha = 1 + shape * (m - a) / safe
    beta = 1 + shape * (b - m) / safe
    draw = gen.beta(alpha, beta, size=size)
    return a + span * draw


def _risk_seed(seed: int, rid: str) -> int:
    """Each risk draws from its own stream, so moving one risk leaves every other risk's draws unchanged."""
    return int(seed) * 2**32 + zlib.crc32(rid.encode("utf-8"))


@dataclass(frozen=True)
class Simulation:
    """Simulated yearly losses, one column per risk (home currency), before and after mitigation."""

    ids: tuple[str, ...]
    inherent: np.ndarray       # (trials, risks)
    residual: np.ndarray
    seed: int
    shape: float

    @property
    def trials(self) -> int:
        return self.inherent.shape[0]

    def losses(self, stage: str) -> np.ndarray:
        rating_columns(stage)
        return self.inherent if stage == "inherent" else self.residual

    def total(self, stage: str) -> np.ndarray:
        return self.losses(stage).sum(axis=1)


def simulate(reg: pd.DataFrame, trials: int, seed: int, shape: float = 4.0) -> Simulation:
    """Yearly losses by Monte Carlo: N ~ Poisson(frequency) strikes a year, each PERT(low, likely, high).

    Risks without a frequency are not quantified and contribute zero. The inherent and residual runs of a
    risk use the same random stream (common random numbers), so their difference is the mitigation, not noise.
    """
    if int(trials) < 1:
        raise InputError(f"trials: expected a whole number >= 1, found {trials!r}")
    trials = int(trials)
    k = len(reg)
    out = {stage: np.zeros((trials, k)) for stage in STAGES}
    rows = np.arange(trials)
    for j, rid in enumerate(reg.index):
        for stage in STAGES:
            freq = reg["frequency" if stage == "inherent" else "residual_frequency"].iloc[j]
            if not np.isfinite(freq) or freq <= 0:
                continue
            gen = stats.rng(_risk_seed(seed, str(rid)))
            counts = gen.poisson(freq, size=trials)
            cols = LOSS if stage == "inherent" else RESIDUAL_LOSS
            low, mode, high = (float(reg[c].iloc[j]) for c in cols)
            severities = pert_sample(gen, low, mode, high, size=int(counts.sum()), shape=shape)
            out[stage][:, j] = np.bincount(np.repeat(rows, counts), weights=severities, minlength=trials)
    return Simulation(tuple(map(str, reg.index)), out["inherent"], out["residual"], int(seed), float(shape))


def expected_loss(sim: Simulation, stage: str) -> pd.DataFrame:
    """Per risk: mean yearly loss and its Monte Carlo standard error (sd / sqrt(trials))."""
    x = sim.losses(stage)
    return pd.DataFrame({"mean": x.mean(axis=0), "se": x.std(axis=0, ddof=1) / np.sqrt(sim.trials)},
                        index=pd.Index(sim.ids, name="id"))


def family_loss(reg: pd.DataFrame, sim: Simulation) -> pd.DataFrame:
    """Expected yearly loss per family (all five, in ``FAMILIES`` order), inherent and residual."""
    fam = reg.loc[list(sim.ids), "family"].to_numpy()
    out = {}
    for stage in STAGES:
        by = pd.Series(sim.losses(stage).mean(axis=0), index=fam).groupby(level=0).sum()
        out[stage] = by.reindex(FAMILIES, fill_value=0.0)
    return pd.DataFrame(out)


def exceedance(total: npt.ArrayLike, grid: npt.ArrayLike) -> np.ndarray:
    """P(yearly loss > x) for each x in ``grid``: the loss-exceedance curve."""
    s = np.sort(np.asarray(total, dtype=float))
    return 1.0 - np.searchsorted(s, np.asarray(grid, dtype=float), side="right") / len(s)


def overdue(reg: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Risks whose next review date is before ``as_of``, most overdue first, with the days overdue."""
    when = pd.Timestamp(as_of)
    late = reg[reg["next_review"] < when].copy()
    late["days_overdue"] = (when - late["next_review"]).dt.days
    return late.sort_values(["days_overdue", "id"], ascending=[False, True])


# ------------------------------------------------------------------------------------------ assessment

@dataclass(frozen=True)
class Assessment:
    """Everything the chapter shows for one market: the scored register and its simulated losses."""

    code: str
    currency: str
    register: pd.DataFrame          # the market's register, prepared and scored, indexed by id
    sim: Simulation
    as_of: date
    section: RiskSection

    @property
    def exposure(self) -> float:
        return self.section.revenue / self.section.reference_revenue

    def total(self, stage: str) -> np.ndarray:
        return self.sim.total(stage)


def assess(scn: Scenario, reg: pd.DataFrame, as_of: date | None = None,
           adjust: Mapping[str, Any] | None = None, family: str = "all") -> Assessment:
    """Prepare, score and simulate the market's register (``family`` filters to one family)."""
    sec: RiskSection = scn.risk
    prepared = scored(prepare(reg, scn, adjust))
    if family != "all":
        if family not in FAMILIES:
            raise InputError(f"family: expected all or one of {', '.join(FAMILIES)}, found {family!r}")
        prepared = prepared[prepared["family"] == family]
    sim = simulate(prepared, sec.trials, sec.seed, sec.pert_shape)
    return Assessment(scn.code, scn.exporter.home_currency, prepared, sim, as_of or date.today(), sec)


def top_risks(a: Assessment) -> pd.DataFrame:
    """The register ranked: residual score, then residual expected loss, then inherent score (highest first)."""
    reg = a.register.copy()
    reg["el_residual"] = expected_loss(a.sim, "residual")["mean"].reindex(reg.index).to_numpy()
    quantified = reg["frequency"].notna()
    reg.loc[~quantified, "el_residual"] = np.nan
    return reg.sort_values(["residual_score", "el_residual", "score", "id"],
                           ascending=[False, False, False, True], na_position="last").head(a.section.top_n)


@dataclass(frozen=True)
class Figures:
    """The key numbers of an assessment (home currency), before and after mitigation."""

    expected: dict[str, float]
    se: dict[str, float]
    tail: dict[str, float]
    p_exceed: dict[str, float]
    high: dict[str, int]


def key_figures(a: Assessment) -> Figures:
    q = a.section.tail_quantile
    tol = a.section.tolerance.loss
    totals = {s: a.total(s) for s in STAGES}
    n = a.sim.trials
    return Figures(
        expected={s: float(x.mean()) for s, x in totals.items()},
        se={s: float(x.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan") for s, x in totals.items()},
        tail={s: float(np.quantile(x, q)) for s, x in totals.items()},
        p_exceed={s: float(exceedance(x, [tol])[0]) for s, x in totals.items()},
        high={"inherent": int(a.register["band"].isin(HIGH_BANDS).sum()),
              "residual": int(a.register["residual_band"].isin(HIGH_BANDS).sum())},
    )


def return_period(q: float) -> int:
    """N of the "1-in-N-year" loss at quantile ``q`` (0.95: 20)."""
    return int(round(1 / (1 - q)))
