"""The risk map chapter: a living risk register per market, its 5 x 5 heat map, and quantified loss.

The register
    ``data/risks.csv`` (or ``<user folder>/risks.csv`` when a team keeps its own): one row per risk, for one
    market or for ``all`` markets, in one of the outline's four families (section 9: demand and price swings;
    regulation and geopolitics; payment and fraud; data and privacy) or ``other``. Each row rates the risk
    before its mitigation (*inherent*) and after it (*residual*) on 1-5 likelihood and impact scales, names
    the treatment (the "4 Ts": treat, tolerate, transfer, terminate; ISO 31000:2018 §6.5 lists the same
    options in longer form), an owner role and the next review date, and may carry a yearly frequency and a
    low / most likely / high loss per event, before and after mitigation, in the exporter's home currency.

Scoring (a qualitative risk matrix, as in ISO/IEC 31010:2019 B.10.3)
    score = likelihood x impact (1..25), banded by ``BANDS`` (the one place the bands are set):
    low 1-4, medium 5-9, high 10-16, critical 20-25.

Quantification (frequency x severity, the collective risk model; Klugman, Panjer & Willmot, *Loss Models*,
5th ed., ch. 9)
    Each year a risk strikes N ~ Poisson(frequency) times; each strike costs X ~ PERT(low, most likely, high),
    the beta-PERT of Malcolm et al. (1959) in its modified form with shape lambda (Vose, *Risk Analysis*,
    3rd ed., 2008, §14.3): X = low + (high - low) B, B ~ Beta(1 + lambda (m - a) / (b - a),
    1 + lambda (b - m) / (b - a)), mean (a + lambda m + b) / (lambda + 2). A year's loss is the sum over risks
    of sum_{i<=N} X_i. The expected yearly loss is the Monte Carlo mean (exactly frequency x mean severity
    in expectation); the loss-exceedance curve is P(yearly loss > x) (Hubbard & Seiersen, *How to Measure
    Anything in Cybersecurity Risk*, 2016, ch. 4), read against a tolerance point "at most p chance of
    losing more than L in a year".

Rating scales
    ``LIKELIHOOD_SCALE`` and ``IMPACT_SCALE`` give every rating a range in numbers (events per year; loss per
    event in the home currency) and an anchor inside it. When a rating is moved (in the scenario's ``adjust``
    or with the notebook's sliders) the frequency or the loss range is multiplied by the ratio of the anchors,
    so the money moves with the map.

Shared (``all``) rows are written for a market of ``reference_revenue`` yearly sales; in a market with
``revenue`` their losses are scaled by revenue / reference_revenue. Market-specific rows are written for
their market and used as they are. All loss figures shipped with the workbook are illustrative.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pycountry
from pydantic import Field, model_validator

from crossborder.core import schema
from crossborder import scenario
from crossborder.core import stats, theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import country_name, t
from crossborder.notebook.panel import ControlPanel
from crossborder.core.paths import DATA_DIR, relative, user_home
from crossborder.core.tables import Column, read_table

RISKS_FILE = DATA_DIR / "risks.csv"
USER_RISKS_NAME = "risks.csv"

FAMILIES: tuple[str, ...] = ("demand_price", "regulation_geopolitics", "payment_fraud", "data_privacy", "other")
TREATMENTS: tuple[str, ...] = ("treat", "tolerate", "transfer", "terminate")
OWNERS: tuple[str, ...] = ("gm", "finance", "sales", "supply", "logistics", "compliance", "quality", "it", "legal")
STAGES: tuple[str, ...] = ("inherent", "residual")
RATINGS = np.arange(1, 6)

# The risk bands of the 5 x 5 matrix, set here and only here: (name, highest score in the band).
BANDS: tuple[tuple[str, int], ...] = (("low", 4), ("medium", 9), ("high", 16), ("critical", 25))
BAND_COLOURS: dict[str, str] = {"low": "#CFE8D5", "medium": "#FFF0B3", "high": "#F8C88C", "critical": "#EE9A8F"}
HIGH_BANDS = ("high", "critical")

# Rating scales in numbers: upper edges of ratings 1-4 (5 is open-ended) and the anchor used to rescale.
LIKELIHOOD_SCALE = {"edges": (0.05, 0.2, 0.5, 1.0), "anchor": (0.03, 0.1, 0.3, 0.7, 1.5)}       # events / year
IMPACT_SCALE = {"edges": (0.3e6, 1e6, 3e6, 10e6), "anchor": (0.15e6, 0.55e6, 1.7e6, 5.5e6, 18e6)}  # per event

_TEXT_FIELDS = ("risk", "cause", "consequence", "controls", "mitigation")
_LOSS = ("loss_low", "loss_likely", "loss_high")
_RLOSS = ("residual_loss_low", "residual_loss_likely", "residual_loss_high")
_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9-]{0,5}$"


# ------------------------------------------------------------------------------------------- scenario

class Tolerance(schema.Model):
    """The risk appetite as one point: at most ``probability`` chance of losing more than ``loss`` a year."""

    loss: float = Field(gt=0)                     # home currency per year
    probability: float = Field(gt=0, lt=1)


class Adjustment(schema.Model):
    """A market's (or a user's) re-rating of one risk; unset ratings keep the register's value."""

    likelihood: int | None = Field(default=None, ge=1, le=5)
    impact: int | None = Field(default=None, ge=1, le=5)
    residual_likelihood: int | None = Field(default=None, ge=1, le=5)
    residual_impact: int | None = Field(default=None, ge=1, le=5)


class RiskSection(schema.Model):
    """Scenario section ``risk``: Monte Carlo settings, the market's size and risk tolerance, re-ratings."""

    seed: int = Field(ge=0)                       # seeds every draw: same seed, same losses
    trials: int = Field(ge=1000, le=1_000_000)    # simulated years
    pert_shape: float = Field(gt=0, le=20)        # PERT lambda; 4 is the classic PERT
    tail_quantile: float = Field(gt=0.5, lt=1)    # the "1-in-N-year" loss shown (0.95: 1 in 20)
    top_n: int = Field(ge=1, le=50)               # rows in the top-risks table
    reference_revenue: float = Field(gt=0)        # yearly sales the shared rows' losses are written for
    revenue: float = Field(gt=0)                  # planned yearly sales in this market (illustrative)
    tolerance: Tolerance
    adjust: dict[str, Adjustment] = Field(default_factory=dict)  # risk id -> re-rating

    @model_validator(mode="after")
    def _tolerance_in_reach(self) -> "RiskSection":
        if self.tolerance.loss > 100 * self.revenue:
            raise ValueError(f"a tolerance loss at most 100 x revenue ({self.revenue:g}), found {self.tolerance.loss:g}")
        return self


# ------------------------------------------------------------------------------------------- register

def _columns() -> dict[str, Column]:
    text, rating = Column(), Column("int", min=1, max=5)
    amount = Column("float", required=False, min=0)
    cols: dict[str, Column] = {"id": Column(unique=True), "market": Column(),
                               "family": Column("choice", choices=FAMILIES)}
    for field in ("risk", "cause", "consequence", "controls"):
        cols[f"{field}_en"] = text
        cols[f"{field}_zh_TW"] = text
    cols.update(likelihood=rating, impact=rating, treatment=Column("choice", choices=TREATMENTS),
                mitigation_en=text, mitigation_zh_TW=text, residual_likelihood=rating, residual_impact=rating,
                owner=Column("choice", choices=OWNERS), next_review=Column("date"), frequency=amount)
    cols.update({c: amount for c in _LOSS})
    cols["residual_frequency"] = amount
    cols.update({c: amount for c in _RLOSS})
    cols["source"] = text
    return cols


def register_path() -> Path:
    """The register in use: the user's own ``<user folder>/risks.csv`` if there is one, else the shipped one."""
    own = user_home() / USER_RISKS_NAME
    return own if own.is_file() else RISKS_FILE


def _bad_row(where: str, reg: pd.DataFrame, mask, column: str, expected: str) -> InputError:
    """The error for the first row in ``mask``: file, line, risk id, column, expected and found."""
    i = int(np.flatnonzero(np.asarray(mask))[0])
    value = reg[column].iloc[i]
    found = "an empty cell" if value is None or (isinstance(value, float) and np.isnan(value)) else repr(value)
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        found = f"{value:g}"
    return InputError(f"{where}: line {i + 2} (id {reg['id'].iloc[i]!r}), column '{column}': "
                      f"expected {expected}, found {found}")


def load_register(path: Path | str | None = None) -> pd.DataFrame:
    """Read and validate a risk register; every error names the file, line, risk id and column.

    Beyond the per-column checks of ``tables.read_table``: ids are short codes (they are printed inside the
    heat map's cells); ``market`` is ``all`` or an ISO 3166-1 alpha-2 code; a mitigation never raises a
    rating (residual <= inherent); a quantified row has a frequency, a complete low <= most likely <= high
    loss range and a residual frequency <= frequency; the residual loss range is complete or empty (empty:
    the mitigation acts on frequency only and the loss range is the inherent one).
    """
    path = Path(path) if path is not None else register_path()
    where = relative(path)
    reg = read_table(path, _columns(), key="id")
    if reg.empty:
        raise InputError(f"{where}: expected at least one risk, found an empty register")
    bad = ~reg["id"].str.match(_ID_RE)
    if bad.any():
        raise _bad_row(where, reg, bad, "id", "a short code of letters, digits and '-' (at most 6 characters, "
                                                "it is printed inside the heat map)")
    market = reg["market"].str.strip()
    known = market.map(lambda m: m == "all" or (len(m) == 2 and m.isupper() and
                                                 pycountry.countries.get(alpha_2=m) is not None))
    if not known.all():
        raise _bad_row(where, reg, ~known, "market", "'all' or an upper-case ISO 3166-1 alpha-2 code such as DE")
    for stage, base in (("residual_likelihood", "likelihood"), ("residual_impact", "impact")):
        worse = reg[stage] > reg[base]
        if worse.any():
            i = int(np.flatnonzero(worse)[0])
            raise _bad_row(where, reg, worse, stage,
                           f"at most the inherent {base} ({reg[base].iloc[i]}); a mitigation cannot raise a "
                           "rating (record a new risk instead)")
    group = ["frequency", *_LOSS, "residual_frequency"]
    present = reg[group].notna()
    partial = present.any(axis=1) & ~present.all(axis=1)
    if partial.any():
        i = int(np.flatnonzero(partial)[0])
        column = next(c for c in group if not present[c].iloc[i])
        raise _bad_row(where, reg, partial, column,
                       "a value: a quantified risk needs frequency, loss_low, loss_likely, loss_high and "
                       "residual_frequency (or leave all of them empty)")
    rpresent = reg[list(_RLOSS)].notna()
    rpartial = rpresent.any(axis=1) & ~rpresent.all(axis=1)
    if rpartial.any():
        i = int(np.flatnonzero(rpartial)[0])
        column = next(c for c in _RLOSS if not rpresent[c].iloc[i])
        raise _bad_row(where, reg, rpartial, column, "a value: fill all three residual losses or none")
    orphan = rpresent.all(axis=1) & ~present.all(axis=1)
    if orphan.any():
        raise _bad_row(where, reg, orphan, "frequency", "a value when residual losses are given")
    for cols in (_LOSS, _RLOSS):
        lo, mid, hi = (reg[c] for c in cols)
        if ((lo > mid) | (mid > hi)).any():
            bad = (lo > mid) | (mid > hi)
            i = int(np.flatnonzero(bad)[0])
            column = cols[1] if lo.iloc[i] > mid.iloc[i] else cols[2]
            raise _bad_row(where, reg, bad, column,
                           f"{cols[0]} <= {cols[1]} <= {cols[2]} (the row has {lo.iloc[i]:g}, {mid.iloc[i]:g}, "
                           f"{hi.iloc[i]:g})")
    more = reg["residual_frequency"] > reg["frequency"]
    if more.any():
        i = int(np.flatnonzero(more)[0])
        raise _bad_row(where, reg, more, "residual_frequency",
                       f"at most frequency ({reg['frequency'].iloc[i]:g}); a mitigation cannot make a risk more frequent")
    fill = ~rpresent.all(axis=1)
    for r, c in zip(_RLOSS, _LOSS):
        reg.loc[fill, r] = reg.loc[fill, c]
    reg["market"] = market
    return reg


def text(reg: pd.DataFrame, field: str, lang: str) -> pd.Series:
    """A text column of the register in the report's language."""
    return reg[f"{field}_{'zh_TW' if lang == 'zh-TW' else 'en'}"]


def market_register(reg: pd.DataFrame, code: str) -> pd.DataFrame:
    """The risks that bear on market ``code``: its own rows and the rows for ``all``, indexed by id."""
    out = reg[(reg["market"] == code) | (reg["market"] == "all")].set_index("id", drop=False)
    out.index.name = None
    if out.empty:
        raise InputError(f"{relative(register_path())}: expected risks for market {code} or 'all', found none")
    return out


# ------------------------------------------------------------------------------------------- scoring

def band_index(score) -> np.ndarray:
    """Index into ``BANDS`` for scores 1..25 (vectorized)."""
    s = np.asarray(score)
    if np.any((s < 1) | (s > 25)):
        raise InputError(f"score: expected likelihood x impact from 1 to 25, found {s[(s < 1) | (s > 25)]}")
    return np.searchsorted([hi for _, hi in BANDS], s, side="left")


def band(score) -> np.ndarray:
    """Band names (low / medium / high / critical) for scores 1..25."""
    return np.asarray([name for name, _ in BANDS], dtype=object)[band_index(score)]


def scale_rating(value, scale: Mapping[str, tuple]) -> np.ndarray:
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
    lik, imp = _rating_columns(stage)
    counts = np.zeros((5, 5), dtype=int)
    np.add.at(counts, (5 - reg[imp].to_numpy(int), reg[lik].to_numpy(int) - 1), 1)
    return pd.DataFrame(counts, index=pd.Index(RATINGS[::-1], name="impact"),
                        columns=pd.Index(RATINGS, name="likelihood"))


def _rating_columns(stage: str) -> tuple[str, str]:
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
        lik, imp = _rating_columns(stage)
        freq = "frequency" if stage == "inherent" else "residual_frequency"
        losses = _LOSS if stage == "inherent" else _RLOSS
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
    for r, c in zip(_RLOSS, _LOSS):
        out[r] = np.fmin(out[r], out[c])
    return out


def _get(adj: Any, key: str, default: int) -> int:
    value = adj.get(key) if isinstance(adj, Mapping) else getattr(adj, key, None)
    return default if value is None else int(value)


def prepare(reg: pd.DataFrame, scn, adjust: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The market's register, shared rows scaled to its sales, re-rated by the scenario (or ``adjust``)."""
    sec: RiskSection = scn.risk
    out = market_register(reg, scn.code).copy()
    shared = (out["market"] == "all").to_numpy()
    exposure = sec.revenue / sec.reference_revenue
    for c in (*_LOSS, *_RLOSS):
        out.loc[shared, c] = out.loc[shared, c] * exposure
    return apply_adjustments(out, sec.adjust if adjust is None else adjust, f"scenario {scn.code}, ")


# -------------------------------------------------------------------------------------- Monte Carlo

def pert_mean(low, mode, high, shape: float = 4.0) -> np.ndarray:
    """Mean of the (modified) PERT distribution: (low + shape * mode + high) / (shape + 2)."""
    return (np.asarray(low, float) + shape * np.asarray(mode, float) + np.asarray(high, float)) / (shape + 2)


def pert_sample(gen: np.random.Generator, low, mode, high, size=None, shape: float = 4.0) -> np.ndarray:
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
        _rating_columns(stage)
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
            cols = _LOSS if stage == "inherent" else _RLOSS
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


def exceedance(total, grid) -> np.ndarray:
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


def assess(scn, reg: pd.DataFrame | None = None, as_of: date | None = None,
           adjust: Mapping[str, Any] | None = None, family: str = "all") -> Assessment:
    """Prepare, score and simulate the market's register (``family`` filters to one family)."""
    reg = load_register() if reg is None else reg
    sec: RiskSection = scn.risk
    prepared = scored(prepare(reg, scn, adjust))
    if family != "all":
        if family not in FAMILIES:
            raise InputError(f"family: expected all or one of {', '.join(FAMILIES)}, found {family!r}")
        prepared = prepared[prepared["family"] == family]
    sim = simulate(prepared, sec.trials, sec.seed, sec.pert_shape)
    return Assessment(scn.code, scn.exporter.home_currency, prepared, sim, as_of or date.today(), sec)


# ------------------------------------------------------------------------------------------- workshop

def scenario_adjust(scn) -> dict[str, dict[str, int]]:
    """The scenario's re-ratings (``risk.adjust``) as plain dicts, ready to extend and pass to :func:`assess`."""
    return {rid: adj.model_dump(exclude_none=True) for rid, adj in scn.risk.adjust.items()}


def rerated(scn, reg: pd.DataFrame, as_of: date | None, rid: str, **ratings: int) -> Assessment:
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


# ------------------------------------------------------------------------------------------- formats

def money(amount: float, currency: str, lang: str) -> str:
    """An amount in the home currency: 'TWD 4.2 M' / 'TWD 420 萬' / 'TWD 1.5 億'; small ones 'TWD 420 k' / 'TWD 4.2 萬'."""
    amount = float(amount)
    if lang == "zh-TW":
        wan = amount / 1e4
        if abs(wan) >= 1e4:
            return t("risk.money_large", lang, cur=currency, x=f"{amount / 1e8:,.2f}".rstrip("0").rstrip("."))
        return t("risk.money", lang, cur=currency, x=f"{wan:,.0f}" if abs(wan) >= 10 else f"{wan:.1f}".removesuffix(".0"))
    if abs(amount) >= 1e6 or amount == 0:
        return t("risk.money", lang, cur=currency, x=f"{amount / 1e6:,.1f}")
    return t("risk.money_small", lang, cur=currency, x=f"{amount / 1e3:,.0f}")


def _family_label(family: str, lang: str) -> str:
    return t(f"risk.family_{family}", lang)


def _score_text(score: int, band_name: str, lang: str) -> str:
    return t("risk.score_band", lang, score=int(score), band=t(f"risk.band_{band_name}", lang))


def _date_text(day: pd.Timestamp) -> str:
    """A date for a table cell: ISO with non-breaking hyphens, so a narrow column never splits it."""
    return day.date().isoformat().replace("-", "\u2011")


def _review_text(day: pd.Timestamp, as_of: date, lang: str) -> str:
    text_ = _date_text(day)
    return t("risk.overdue_mark", lang, date=text_) if day < pd.Timestamp(as_of) else text_


def scale_table(currency: str, lang: str) -> pd.DataFrame:
    """The rating scales in numbers: what 1..5 mean as events per year and as loss per event."""
    def ranges(edges, fmt):
        out = [t("risk.scale_below", lang, hi=fmt(edges[0]))]
        out += [t("risk.scale_between", lang, lo=fmt(lo), hi=fmt(hi)) for lo, hi in zip(edges[:-1], edges[1:])]
        return out + [t("risk.scale_above", lang, lo=fmt(edges[-1]))]

    return pd.DataFrame({
        t("risk.col_rating", lang): RATINGS,
        t("risk.col_likelihood", lang): [t(f"risk.likelihood_{r}", lang) for r in RATINGS],
        t("risk.col_frequency", lang): ranges(LIKELIHOOD_SCALE["edges"], lambda v: f"{v:g}"),
        t("risk.col_impact", lang): [t(f"risk.impact_{r}", lang) for r in RATINGS],
        t("risk.col_loss_per_event", lang, cur=currency): ranges(IMPACT_SCALE["edges"],
                                                                 lambda v: money(v, currency, lang).replace(currency + " ", "")),
    })


def band_table(lang: str) -> pd.DataFrame:
    """The bands of the 5 x 5 matrix: which scores fall in each and what each calls for."""
    possible = sorted({int(a * b) for a in RATINGS for b in RATINGS})
    names = band(np.asarray(possible))
    rows = []
    for name, _ in BANDS:
        scores = [s for s, n in zip(possible, names) if n == name]
        rows.append((t(f"risk.band_{name}", lang), ", ".join(map(str, scores)), t(f"risk.action_{name}", lang)))
    return pd.DataFrame(rows, columns=[t("risk.col_band", lang), t("risk.col_scores", lang), t("risk.col_action", lang)])


def families_table(lang: str) -> pd.DataFrame:
    """The outline's risk families with typical risks and the mitigations the outline names."""
    return pd.DataFrame({
        t("risk.col_family", lang): [_family_label(f, lang) for f in FAMILIES],
        t("risk.col_examples", lang): [t(f"risk.examples_{f}", lang) for f in FAMILIES],
        t("risk.col_mitigations", lang): [t(f"risk.mitigations_{f}", lang) for f in FAMILIES],
    })


def register_table(a: Assessment, lang: str) -> pd.DataFrame:
    """The market's register as a readable table: scores before and after, owner and review date."""
    reg = a.register.sort_values(["family", "id"], key=lambda s: s.map(FAMILIES.index) if s.name == "family" else s)
    return pd.DataFrame({
        t("risk.col_id", lang): reg["id"].to_numpy(),
        t("risk.col_family", lang): [_family_label(f, lang) for f in reg["family"]],
        t("risk.col_risk", lang): text(reg, "risk", lang).to_numpy(),
        t("risk.col_movement", lang): _movement(reg, lang),
        t("risk.col_treatment", lang): [t(f"risk.treatment_{x}", lang) for x in reg["treatment"]],
        t("risk.col_owner", lang): [t(f"risk.owner_{o}", lang) for o in reg["owner"]],
        t("risk.col_review", lang): [_review_text(d, a.as_of, lang) for d in reg["next_review"]],
    })


def _movement(reg: pd.DataFrame, lang: str) -> list[str]:
    return [f"{_score_text(s, b, lang)} → {_score_text(rs, rb, lang)}"
            for s, b, rs, rb in zip(reg["score"], reg["band"], reg["residual_score"], reg["residual_band"])]


def top_risks(a: Assessment) -> pd.DataFrame:
    """The register ranked: residual score, then residual expected loss, then inherent score (highest first)."""
    reg = a.register.copy()
    reg["el_residual"] = expected_loss(a.sim, "residual")["mean"].reindex(reg.index).to_numpy()
    quantified = reg["frequency"].notna()
    reg.loc[~quantified, "el_residual"] = np.nan
    return reg.sort_values(["residual_score", "el_residual", "score", "id"],
                           ascending=[False, False, False, True], na_position="last").head(a.section.top_n)


def top_risks_table(a: Assessment, lang: str) -> pd.DataFrame:
    """The top risks with their mitigation, owner and review date (overdue ones marked)."""
    top = top_risks(a)
    el = [t("risk.not_quantified", lang) if np.isnan(v) else f"{v / 1e6:,.2f}" for v in top["el_residual"]]
    return pd.DataFrame({
        t("risk.col_id", lang): top["id"].to_numpy(),
        t("risk.col_risk", lang): text(top, "risk", lang).to_numpy(),
        t("risk.col_movement", lang): _movement(top, lang),
        t("risk.col_mitigation", lang): text(top, "mitigation", lang).to_numpy(),
        t("risk.col_expected_residual", lang, cur=a.currency): el,
        t("risk.col_owner", lang): [t(f"risk.owner_{o}", lang) for o in top["owner"]],
        t("risk.col_review", lang): [_review_text(d, a.as_of, lang) for d in top["next_review"]],
    })


def overdue_table(a: Assessment, lang: str) -> pd.DataFrame | str:
    """Reviews overdue as of the report date, most overdue first (an empty text when there are none:
    ``overdue_text`` says so in words)."""
    late = overdue(a.register, a.as_of)
    if late.empty:
        return ""
    return pd.DataFrame({
        t("risk.col_id", lang): late["id"].to_numpy(),
        t("risk.col_risk", lang): text(late, "risk", lang).to_numpy(),
        t("risk.col_owner", lang): [t(f"risk.owner_{o}", lang) for o in late["owner"]],
        t("risk.col_review", lang): [_date_text(d) for d in late["next_review"]],
        t("risk.col_days_overdue", lang): late["days_overdue"].to_numpy(),
    })


def overdue_text(a: Assessment, lang: str) -> str:
    late = overdue(a.register, a.as_of)
    if late.empty:
        return t("risk.no_overdue", lang, date=a.as_of.isoformat())
    return t("risk.overdue_count", lang, n=len(late), total=len(a.register), date=a.as_of.isoformat(),
             days=int(late["days_overdue"].max()))


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
        t("risk.col_family", lang): [_family_label(f, lang) for f in value["family"]],
        t("risk.col_el_gain", lang): [money(v, cur, lang) for v in value["el_gain"]],
        t("risk.col_tail_rise", lang, n=_years(a.section.tail_quantile)): [money(v, cur, lang) for v in value["tail_rise"]],
        t("risk.col_p_undone", lang, loss=money(a.section.tolerance.loss, cur, lang)):
            [f"{p:.1%} ({d:+.1%})" for p, d in zip(value["p_undone"], value["p_rise"])],
    })


def family_mitigations_table(a: Assessment, family: str, lang: str) -> pd.DataFrame:
    """The mitigations the market's register uses for one family's risks, to set against the outline's list."""
    if family not in FAMILIES:
        raise InputError(f"family: expected one of {', '.join(FAMILIES)}, found {family!r}")
    rows = a.register[a.register["family"] == family].sort_values("id")
    return pd.DataFrame({t("risk.col_id", lang): rows["id"].to_numpy(),
                         t("risk.col_risk", lang): text(rows, "risk", lang).to_numpy(),
                         t("risk.col_in_use", lang): text(rows, "mitigation", lang).to_numpy()})

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


def _years(q: float) -> int:
    return int(round(1 / (1 - q)))


def loss_summary(a: Assessment, lang: str) -> pd.DataFrame:
    """Expected loss, its share of sales, the tail loss and the tolerance check, before and after mitigation."""
    f = key_figures(a)
    cur, sec = a.currency, a.section
    tol = money(sec.tolerance.loss, cur, lang)
    quantified = int(a.register["frequency"].notna().sum())
    rows = [
        (t("risk.metric_expected", lang), *[f"{money(f.expected[s], cur, lang)} ± {money(f.se[s], cur, lang)}" for s in STAGES]),
        (t("risk.metric_share", lang, sales=money(sec.revenue, cur, lang)),
         *[f"{f.expected[s] / sec.revenue:.2%}" for s in STAGES]),
        (t("risk.metric_tail", lang, n=_years(sec.tail_quantile), q=sec.tail_quantile),
         *[money(f.tail[s], cur, lang) for s in STAGES]),
        (t("risk.metric_exceed", lang, loss=tol, p=sec.tolerance.probability),
         *[f"{f.p_exceed[s]:.1%} · {t('risk.within' if f.p_exceed[s] <= sec.tolerance.probability else 'risk.beyond', lang)}"
           for s in STAGES]),
        (t("risk.metric_high", lang), *[str(f.high[s]) for s in STAGES]),
        (t("risk.metric_quantified", lang), f"{quantified} / {len(a.register)}", f"{quantified} / {len(a.register)}"),
    ]
    return pd.DataFrame(rows, columns=[t("risk.col_metric", lang), t("risk.before_mitigation", lang),
                                       t("risk.after_mitigation", lang)])


def method_note(a: Assessment, lang: str) -> str:
    sec = a.section
    return t("risk.mc_note", lang, trials=a.sim.trials, seed=sec.seed, shape=sec.pert_shape,
             sales=money(sec.revenue, a.currency, lang), exposure=a.exposure)


def summary_text(a: Assessment, lang: str) -> str:
    """The chapter's findings for the market in one paragraph (Markdown)."""
    f = key_figures(a)
    sec, cur = a.section, a.currency
    shared = int((a.register["market"] == "all").sum())
    cut = 1 - f.expected["residual"] / f.expected["inherent"] if f.expected["inherent"] > 0 else 0.0
    within = f.p_exceed["residual"] <= sec.tolerance.probability
    return t("risk.summary", lang, market=country_name(a.code, lang), n=len(a.register), shared=shared,
             own=len(a.register) - shared, hi_in=f.high["inherent"], hi_res=f.high["residual"],
             el_in=money(f.expected["inherent"], cur, lang), el_res=money(f.expected["residual"], cur, lang),
             cut=cut, years=_years(sec.tail_quantile), tail_in=money(f.tail["inherent"], cur, lang),
             tail_res=money(f.tail["residual"], cur, lang), tol=money(sec.tolerance.loss, cur, lang),
             p_res=f.p_exceed["residual"], verdict=t("risk.within" if within else "risk.beyond", lang),
             p_tol=sec.tolerance.probability)


def headline(a: Assessment, lang: str) -> tuple[str, str, float]:
    """The chapter's headline sentence, its key figure (residual expected loss a year) and that number."""
    f = key_figures(a)
    el_in, el_res = (money(f.expected[s], a.currency, lang) for s in STAGES)
    n_overdue = len(overdue(a.register, a.as_of))
    text_ = t("risk.headline", lang, market=country_name(a.code, lang), el_in=el_in, el_res=el_res,
              hi=f.high["residual"], overdue=n_overdue)
    return text_, t("risk.headline_figure", lang, el_res=el_res), round(f.expected["residual"], 0)


def talking_points(a: Assessment, lang: str) -> list[str]:
    """Three sentences for the workshop slide, with this market's numbers, in the report's language: the
    tail loss before and after mitigation, the tolerance check, and the top residual risk with its owner."""
    f = key_figures(a)
    sec, cur = a.section, a.currency
    within = f.p_exceed["residual"] <= sec.tolerance.probability
    top = top_risks(a).iloc[0]
    return [
        t("risk.pt_tail", lang, years=_years(sec.tail_quantile), tail_in=money(f.tail["inherent"], cur, lang),
          tail_res=money(f.tail["residual"], cur, lang), n=len(a.register)),
        t("risk.pt_tolerance", lang, tol=money(sec.tolerance.loss, cur, lang), p_res=f"{f.p_exceed['residual']:.1%}",
          p_in=f"{f.p_exceed['inherent']:.0%}", p_tol=f"{sec.tolerance.probability:.0%}",
          verdict=t("risk.within" if within else "risk.beyond", lang)),
        t("risk.pt_top", lang, id=top["id"], risk=text(a.register.loc[[top["id"]]], "risk", lang).iloc[0],
          score=_score_text(top["residual_score"], top["residual_band"], lang), owner=t(f"risk.owner_{top['owner']}", lang),
          overdue=len(overdue(a.register, a.as_of))),
    ]


# -------------------------------------------------------------------------------------------- charts

def _cell_texts(reg: pd.DataFrame, stage: str, lang: str) -> tuple[list[list[str]], list[list[str]]]:
    """Ids (two per line, highest score first) and hover texts per cell, rows impact 1..5."""
    lik, imp = _rating_columns(stage)
    score = reg[lik] * reg[imp]
    order = reg.assign(_s=score).sort_values(["_s", "id"], ascending=[False, True])
    labels = text(order, "risk", lang)
    cells: dict[tuple[int, int], list[str]] = {}
    hovers: dict[tuple[int, int], list[str]] = {}
    for rid, l_, i_, name in zip(order["id"], order[lik], order[imp], labels):
        cells.setdefault((int(i_), int(l_)), []).append(str(rid))
        hovers.setdefault((int(i_), int(l_)), []).append(f"{rid}: {name}")
    txt = [["<br>".join(" ".join(ids[k:k + 2]) for k in range(0, len(ids), 2))
            for ids in (cells.get((i, l_), []) for l_ in RATINGS)] for i in RATINGS]
    hov = [["<br>".join(hovers.get((i, l_), [])) or "–" for l_ in RATINGS] for i in RATINGS]
    return txt, hov


def _band_colourscale() -> list[list]:
    n = len(BANDS)
    scale = []
    for k, (name, _) in enumerate(BANDS):
        scale += [[k / n, BAND_COLOURS[name]], [(k + 1) / n, BAND_COLOURS[name]]]
    return scale


def heatmap_figure(a: Assessment, lang: str, selected: str | None = None) -> go.Figure:
    """Two 5 x 5 matrices side by side, inherent and residual, each risk's id in its cell."""
    fig = theme.figure(t("risk.chart_heatmap_title", lang), height=470)
    z = band_index(np.outer(RATINGS, RATINGS)).astype(float)     # rows impact 1..5, columns likelihood 1..5
    z_plot = z + 0.5                                              # centre each band in its colour step
    reg = a.register
    domains = ([0.0, 0.46], [0.54, 1.0])
    for k, stage in enumerate(STAGES):
        txt, hov = _cell_texts(reg, stage, lang)
        suffix = "" if k == 0 else "2"
        fig.add_trace(go.Heatmap(
            z=z_plot, x=RATINGS, y=RATINGS, text=txt, texttemplate="%{text}", textfont=dict(size=10),
            hovertext=hov, hoverinfo="text", colorscale=_band_colourscale(), zmin=0, zmax=len(BANDS),
            showscale=False, xgap=2, ygap=2, name=t(f"risk.col_{stage}", lang),
            xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
    for k, stage in enumerate(STAGES):
        lik, imp = _rating_columns(stage)
        on = selected is not None and selected in reg.index
        suffix = "" if k == 0 else "2"
        fig.add_trace(go.Scatter(
            x=[int(reg.at[selected, lik])] if on else [None], y=[int(reg.at[selected, imp])] if on else [None],
            mode="markers", marker=dict(symbol="square-open", size=46, color="#111", line=dict(width=3)),
            name=t("risk.selected", lang), showlegend=False, hoverinfo="skip",
            xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
    for name, _ in BANDS:  # legend entries for the bands
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=t(f"risk.band_{name}", lang),
                                 marker=dict(symbol="square", size=12, color=BAND_COLOURS[name],
                                             line=dict(width=0.5, color="#888"))))
    axis = dict(tickmode="array", tickvals=list(RATINGS), range=[0.5, 5.5], showgrid=False, zeroline=False,
                fixedrange=True)
    fig.update_layout(
        xaxis=dict(axis, domain=domains[0], title_text=t("risk.axis_likelihood", lang), title_font_size=11),
        xaxis2=dict(axis, domain=domains[1], title_text=t("risk.axis_likelihood", lang), title_font_size=11,
                    anchor="y2"),
        yaxis=dict(axis, title_text=t("risk.axis_impact", lang), anchor="x"),
        yaxis2=dict(axis, anchor="x2"),
        legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0.0),
        margin=dict(l=60, r=20, t=80, b=100),
        annotations=[dict(text=t(f"risk.heatmap_{s}", lang), x=sum(d) / 2, xref="paper", y=1.0,
                          yref="paper", yanchor="bottom", showarrow=False, font=dict(size=12))
                     for s, d in zip(STAGES, domains)],
        plot_bgcolor="white",
    )
    return fig


def exceedance_figure(a: Assessment, lang: str, points: int = 400) -> go.Figure:
    """Loss-exceedance curves before and after mitigation, with the tolerance point."""
    cur, tol = a.currency, a.section.tolerance
    totals = {s: a.total(s) for s in STAGES}
    top = max(float(np.quantile(totals["inherent"], 0.995)), tol.loss * 1.2, 1.0)
    grid = np.linspace(0.0, top, points)
    fig = theme.figure(t("risk.chart_lec_title", lang))
    for stage, colour, label in (("inherent", theme.COLORWAY[3], "risk.before_mitigation"),
                                 ("residual", theme.COLORWAY[0], "risk.after_mitigation")):
        fig.add_scatter(x=grid / 1e6, y=100 * exceedance(totals[stage], grid), mode="lines",
                        name=t(label, lang), line=dict(color=colour, width=2.5),
                        hovertemplate="%{x:,.1f} M: %{y:.1f}%<extra></extra>")
    fig.add_scatter(x=[tol.loss / 1e6], y=[100 * tol.probability], mode="markers",
                    name=t("risk.tolerance", lang, p=tol.probability, loss=money(tol.loss, cur, lang)),
                    marker=dict(symbol="x", size=12, color="#111"))
    fig.update_layout(xaxis_title=t("risk.axis_yearly_loss", lang, cur=cur),
                      yaxis=dict(title_text=t("risk.axis_exceedance", lang), range=[0, 101]),
                      legend=dict(y=1.0, yanchor="bottom"), margin=dict(t=90))
    return fig


def family_figure(a: Assessment, lang: str) -> go.Figure:
    """Expected yearly loss per family, before and after mitigation (horizontal bars)."""
    fam = family_loss(a.register, a.sim)
    labels = [_family_label(f, lang) for f in fam.index]
    fig = theme.figure(t("risk.chart_family_title", lang), height=360)
    for stage, colour, label in (("inherent", theme.COLORWAY[3], "risk.before_mitigation"),
                                 ("residual", theme.COLORWAY[0], "risk.after_mitigation")):
        fig.add_bar(y=labels, x=fam[stage].to_numpy() / 1e6, orientation="h", name=t(label, lang),
                    marker_color=colour, hovertemplate="%{y}: %{x:,.2f} M<extra></extra>")
    fig.update_layout(barmode="group", xaxis_title=t("risk.axis_expected_loss", lang, cur=a.currency),
                      yaxis=dict(autorange="reversed", automargin=True), margin=dict(l=10))
    return fig


# --------------------------------------------------------------------------------------------- panel

def panel(scn, lang: str, reg: pd.DataFrame | None = None, as_of: date | None = None) -> ControlPanel:
    """JupyterLab controls: filter by family, pick a risk, move its ratings; the map and losses follow.

    Moving a slider re-rates the selected risk (its money rescaled by the scale anchors); picking another
    risk sets the sliders to that risk's current ratings. ``save`` writes every re-rated risk into the
    scenario overlay's ``risk.adjust``.
    """
    reg = load_register() if reg is None else reg
    base = scored(prepare(reg, scn, adjust={}))                  # the register's own ratings
    state: dict[str, Any] = {"adjust": {k: v.model_dump(exclude_none=True) for k, v in scn.risk.adjust.items()},
                             "syncing": False}
    current = prepare(reg, scn, adjust=state["adjust"])
    ids = list(base.index)
    ranked = scored(current).sort_values(["residual_score", "score", "id"], ascending=[False, False, True])
    first = str(ranked["id"].iloc[0])
    names = text(base, "risk", lang)
    rating = dict(min=1, max=5, step=1, continuous_update=False)
    controls = {
        "family": widgets.Dropdown(description=t("risk.control_family", lang), value="all",
                                   options=[(t("risk.all_families", lang), "all")] +
                                           [(_family_label(f, lang), f) for f in FAMILIES]),
        "risk": widgets.Dropdown(description=t("risk.control_risk", lang), value=first,
                                 options=[(f"{i} · {names[i]}", i) for i in ids]),
        "likelihood": widgets.IntSlider(value=int(current.at[first, "likelihood"]),
                                        description=t("risk.control_likelihood", lang), **rating),
        "impact": widgets.IntSlider(value=int(current.at[first, "impact"]),
                                    description=t("risk.control_impact", lang), **rating),
        "residual_likelihood": widgets.IntSlider(value=int(current.at[first, "residual_likelihood"]),
                                                 description=t("risk.control_residual_likelihood", lang), **rating),
        "residual_impact": widgets.IntSlider(value=int(current.at[first, "residual_impact"]),
                                             description=t("risk.control_residual_impact", lang), **rating),
    }
    keys = ("likelihood", "impact", "residual_likelihood", "residual_impact")
    for control in controls.values():
        control.style = {"description_width": "initial"}

    def ratings_of(rid: str) -> dict[str, int]:
        row = prepare(reg, scn, adjust={rid: state["adjust"][rid]} if rid in state["adjust"] else {})
        return {k: int(row.at[rid, k]) for k in keys}

    def on_risk(change: dict) -> None:
        # Runs before the panel's own observer (registered first): the sliders take the new risk's ratings
        # without recomputing or re-rating anything; the panel's observer then recomputes once.
        state["syncing"] = True
        try:
            for k, v in ratings_of(change["new"]).items():
                controls[k].value = v
        finally:
            state["syncing"] = False

    controls["risk"].observe(on_risk, names="value")

    def render(family: str, risk: str, likelihood: int, impact: int, residual_likelihood: int,
               residual_impact: int) -> dict[str, Any]:
        adjust = dict(state["adjust"])
        if not state["syncing"]:
            moved = dict(likelihood=likelihood, impact=impact, residual_likelihood=residual_likelihood,
                         residual_impact=residual_impact)
            if moved != {k: int(base.at[risk, k]) for k in keys} or risk in adjust:
                adjust[risk] = moved
        a = assess(scn, reg, as_of, adjust=adjust, family=family)    # raises InputError on a bad combination
        state["adjust"] = adjust
        return {"summary": loss_summary(a, lang), "heatmap": heatmap_figure(a, lang, selected=risk),
                "exceedance": exceedance_figure(a, lang), "families": family_figure(a, lang),
                "top": top_risks_table(a, lang)}

    def save(_values: dict[str, Any]) -> Path:
        return scenario.save_overlay(scn.code, "risk", {"adjust": state["adjust"]})

    panel_ = ControlPanel(controls, render, lang=lang, save=save)

    def on_rating(_change: dict) -> None:
        if not state["syncing"]:
            panel_.refresh()

    for k in keys:  # a slider moved by on_risk must not recompute: route the sliders through on_rating
        controls[k].unobserve(panel_._on_change, names="value")
        controls[k].observe(on_rating, names="value")
    panel_.state = state  # type: ignore[attr-defined]  # the re-ratings so far (for tests and saving)
    return panel_
