"""Market selection and product-market fit: where to sell first, and whether the pilot markets bought.

The chapter ranks candidate markets on several criteria, checks how robust the ranking is to the weights,
picks three pilot markets and scores the pilot's funnel for product-market fit (PMF).

Data
----
``data/criteria.csv`` describes each criterion (direction benefit/cost, unit, default weight, provenance,
source, labels); ``data/markets.csv`` holds one row per candidate market and one column per criterion;
``data/tariffs.csv`` holds the duty on HS 8483.40 per market *and origin*: goods made in Taiwan pay MFN
almost everywhere, while goods made in the Vietnamese plant may qualify for an agreement's preference
(EVFTA, CPTPP, RCEP, ATIGA, ...). The tariff criterion is therefore built for an origin plant, which is a
parameter of the analysis.

Methods (references)
--------------------
- Normalization. *Vector*: r_ij = x_ij / sqrt(sum_i x_ij^2). *Min-max*: (x - min) / (max - min) for a
  benefit criterion, (max - x) / (max - min) for a cost criterion. A criterion that is constant across the
  markets carries no information: min-max gives it 0 for every market (it adds nothing to any score and
  cannot change a rank); vector normalization of an all-zero column gives 0. No NaN, no division by zero.
- Weighted sum (simple additive weighting, Fishburn 1967; Hwang & Yoon 1981 sec. 2.3.2.1):
  S_i = sum_j w_j u_ij with u the direction-adjusted normalized value (min-max by default; with vector
  normalization a cost criterion enters as 1 - r_ij).
- TOPSIS (Hwang & Yoon 1981, sec. 2.3.3.5): v_ij = w_j r_ij (vector normalization by default); the ideal
  point takes max_i v_ij on benefit and min_i v_ij on cost criteria, the anti-ideal the opposite (cost
  criteria are handled by swapping the two points, never by reciprocals); d+ and d- are Euclidean
  distances to them and the closeness is C_i = d-_i / (d+_i + d-_i). Weights need not sum to 1; both
  methods normalize them to sum 1 first (TOPSIS closeness is invariant to that scale anyway).
- Objective weights. *Entropy* (Zeleny 1982; Hwang & Yoon 1981): on min-max standardized values,
  p_ij = u_ij / sum_i u_ij, e_j = -sum_i p_ij ln p_ij / ln m, w_j proportional to 1 - e_j.
  *CRITIC* (Diakoulaki, Mavrotas & Papayannakis 1995): on min-max values, C_j = s_j sum_k (1 - r_jk) with
  s_j the sample standard deviation and r_jk Pearson's correlation; w_j proportional to C_j.
- AHP (Saaty 1980): weights are the principal right eigenvector of the reciprocal pairwise-comparison
  matrix; CI = (lambda_max - n) / (n - 1), CR = CI / RI(n) with Saaty's random index; CR > 0.1 is flagged
  and the judgements with the largest error e_ij = a_ij w_j / w_i (Saaty 2003) are named. Judgements may be
  incomplete: missing entries are handled with Harker's (1987) method (a zero entry, and the row's count
  of missing entries added to the diagonal).
- Rank acceptability (SMAA-2, Lahdelma & Salminen 2001): weights are drawn uniformly over the simplex
  (Dirichlet(1, ..., 1)) or around the chosen weights (Dirichlet(k w), concentration k stated); b_i^r is
  the share of draws in which market i takes rank r. Reported: P(first) = b_i^1 and P(top three).
- One-at-a-time sensitivity: move one weight to t and rescale the others in proportion so that they sum
  to 1 - t; report the interval of t in which the first-ranked market stays first.
- PMF scorecard: stage conversions with Wilson intervals (``stats.stage_conversions``) compared with the
  scenario's thresholds, optionally with Sean Ellis's "very disappointed" survey share (40 % rule of
  thumb); a go / iterate / stop call with its reasons.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import Field, field_validator, model_validator

from crossborder.core import stats, theme
from crossborder.core.errors import InputError
from crossborder.core.i18n import country_name, t
from crossborder.core.paths import DATA_DIR, relative
from crossborder.core.schema import Model
from crossborder.core.tables import Column, read_table

if TYPE_CHECKING:
    from crossborder.notebook.panel import ControlPanel

CRITERIA_FILE = DATA_DIR / "criteria.csv"
MARKETS_FILE = DATA_DIR / "markets.csv"
TARIFFS_FILE = DATA_DIR / "tariffs.csv"

METHODS = ("topsis", "weighted_sum")
NORMALIZATIONS = ("vector", "minmax")
WEIGHTINGS = ("direct", "entropy", "critic", "ahp")
SMAA_MODES = ("around", "uniform")
REGIONS = ("europe", "north_america", "east_asia", "southeast_asia", "south_asia", "latin_america",
           "middle_east", "africa", "oceania")
# The pilot funnel, in order (each stage a subset of the one before).
STAGES = ["inquiries", "qualified_leads", "quotes", "samples", "samples_passed", "pos", "repeat_orders"]
# Saaty's random consistency index RI(n) (Saaty 1980, n <= 10; n = 11..15 as tabulated in Saaty 2000).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
                11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
CR_LIMIT = 0.10
SAATY_SCALE = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9])


# =============================================================================================== data

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


def load_markets(path: Path = MARKETS_FILE, criteria: pd.DataFrame | None = None) -> pd.DataFrame:
    """The candidate markets: index market code, column ``region`` and one numeric column per criterion.

    Every criterion of ``criteria`` except the origin-dependent (derived) ones must be a column; a column
    that is no criterion is an error naming it, and so is an empty or non-numeric cell (file, line, column).
    """
    criteria = load_criteria() if criteria is None else criteria
    where = relative(path)
    needed = [c for c in criteria.index if criteria.at[c, "provenance"] != "derived"]
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8").columns.tolist()
    except (OSError, ValueError, pd.errors.ParserError):
        header = []                                  # read_table below names the problem (missing, unreadable)
    unknown = [c for c in header if c not in ("market", "region") and c not in criteria.index]
    if unknown:
        raise InputError(f"{where}: column '{unknown[0]}': unknown criterion; expected one of "
                         f"{', '.join(needed)} (criteria are defined in {relative(CRITERIA_FILE)})")
    derived = [c for c in header if c in criteria.index and c not in needed]
    if derived:
        raise InputError(f"{where}: column '{derived[0]}': this criterion is derived (from "
                         f"{relative(TARIFFS_FILE)} for the origin plant), expected no column for it")
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


def load_tariffs(path: Path = TARIFFS_FILE) -> pd.DataFrame:
    """Duty on the product per market and origin: ``rate`` (MFN or preference) and ``additional`` (%)."""
    table = read_table(path, {
        "market": Column(), "origin": Column(), "regime": Column(), "rate": Column("float", min=0, max=1000),
        "additional": Column("float", min=0, max=1000),
        "provenance": Column("choice", choices=("sourced", "illustrative")), "source": Column(),
        "as_of": Column("date"), "note_en": Column(), "note_zh_TW": Column(),
    }, key="market")
    dup = table.duplicated(["market", "origin"])
    if dup.any():
        i = int(dup.idxmax())
        raise InputError(f"{relative(path)}: line {i + 2}, columns 'market', 'origin': expected one row per "
                         f"market and origin, found {table.at[i, 'market']}/{table.at[i, 'origin']} twice")
    return table.set_index(["market", "origin"]).sort_index()


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


@lru_cache(maxsize=4)
def _load_cached(criteria_path: str, markets_path: str, tariffs_path: str, stamp: tuple) -> Data:
    criteria = load_criteria(Path(criteria_path))
    return Data(criteria, load_markets(Path(markets_path), criteria), load_tariffs(Path(tariffs_path)))


def load_data(criteria_path: Path = CRITERIA_FILE, markets_path: Path = MARKETS_FILE,
              tariffs_path: Path = TARIFFS_FILE) -> Data:
    """Read and validate the three tables (cached until a file changes)."""
    paths = [Path(criteria_path), Path(markets_path), Path(tariffs_path)]
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in paths)
    return _load_cached(*(str(p) for p in paths), stamp)


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
        raise InputError(f"{relative(TARIFFS_FILE)}: expected a row for market {code} and origin {plant}, found none")
    rows = data.tariffs.loc[wanted].reset_index()
    rows["additional"] = rows["additional"] if additional else 0.0
    rows["duty"] = rows["rate"] + rows["additional"]
    rows["_plant"] = rows["origin"].map({p: i for i, p in enumerate(candidates)})
    best = rows.sort_values(["market", "duty", "_plant"], kind="stable").drop_duplicates("market")
    out = best.set_index("market").loc[codes].drop(columns="_plant")
    out = out[["origin", "regime", "rate", "additional", "duty", "provenance", "source", "as_of", "note_en", "note_zh_TW"]]
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


# ========================================================================================= core MCDA

def _prepare(scores: pd.DataFrame, weights, benefit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check and align the inputs; return X (m x n), w (sums to 1) and the benefit mask."""
    if not isinstance(scores, pd.DataFrame):
        raise InputError(f"scores: expected a DataFrame (rows markets, columns criteria), found {type(scores).__name__}")
    if scores.shape[0] < 1 or scores.shape[1] < 1:
        raise InputError(f"scores: expected at least one market and one criterion, found shape {scores.shape}")
    cols = list(scores.columns)
    w = _aligned(weights, cols, "weights")
    b = _aligned(benefit, cols, "benefit")
    try:
        X = scores.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise InputError("scores: expected numbers in every cell, found text") from None
    if np.isnan(X).any():
        r, c = np.argwhere(np.isnan(X))[0]
        raise InputError(f"scores: market {scores.index[r]!r}, criterion {cols[c]!r}: expected a number, found a missing value")
    w = np.asarray(w, dtype=float)
    if np.isnan(w).any() or (w < 0).any():
        j = int(np.argmax(np.isnan(w) | (w < 0)))
        raise InputError(f"weights: criterion {cols[j]!r}: expected a weight >= 0, found {float(w[j])!r}")
    if w.sum() <= 0:
        raise InputError("weights: expected at least one weight > 0, found all zero")
    return X, w / w.sum(), np.asarray(b, dtype=bool)


def _aligned(mapping, cols: list[str], name: str) -> list:
    if isinstance(mapping, (pd.Series, dict)):
        keys = list(mapping.keys())
        unknown = [k for k in keys if k not in cols]
        if unknown:
            raise InputError(f"{name}: unknown criterion {unknown[0]!r}; expected one of {', '.join(cols)}")
        missing = [c for c in cols if c not in keys]
        if missing:
            raise InputError(f"{name}: missing criterion {missing[0]!r}; expected a value for each of {', '.join(cols)}")
        return [mapping[c] for c in cols]
    values = list(np.asarray(mapping).ravel())
    if len(values) != len(cols):
        raise InputError(f"{name}: expected {len(cols)} values (one per criterion), found {len(values)}")
    return values


def _normalize(X: np.ndarray, method: str, b: np.ndarray | None) -> np.ndarray:
    """Column normalization (see module docstring). ``b`` given: min-max is direction-adjusted."""
    if method == "vector":
        norm = np.sqrt((X**2).sum(axis=0))
        return np.divide(X, norm, out=np.zeros_like(X), where=norm > 0)
    if method == "minmax":
        lo, hi = X.min(axis=0), X.max(axis=0)
        span = hi - lo
        out = np.divide(X - lo, span, out=np.zeros_like(X), where=span > 0)
        if b is not None:
            out = np.where(b, out, np.where(span > 0, 1.0 - out, 0.0))
        return out
    raise InputError(f"normalization: expected one of {', '.join(NORMALIZATIONS)}, found {method!r}")


def normalize(scores: pd.DataFrame, method: str = "vector", benefit=None) -> pd.DataFrame:
    """Normalize each criterion column; with ``benefit`` (min-max only) a cost criterion is flipped so that
    1 is the best market and 0 the worst. A constant column becomes 0 (no information)."""
    b = None if benefit is None else np.asarray(_aligned(benefit, list(scores.columns), "benefit"), dtype=bool)
    X = scores.to_numpy(dtype=float)
    return pd.DataFrame(_normalize(X, method, b), index=scores.index, columns=scores.columns)


def _utility(X: np.ndarray, b: np.ndarray, normalization: str) -> np.ndarray:
    """Direction-adjusted normalized values for the weighted sum (higher is better)."""
    if normalization == "vector":
        R = _normalize(X, "vector", None)
        return np.where(b, R, 1.0 - R)
    return _normalize(X, "minmax", b)


def weighted_sum(scores: pd.DataFrame, weights, benefit, normalization: str = "minmax") -> pd.Series:
    """Simple additive weighting: S_i = sum_j w_j u_ij (weights normalized to sum 1)."""
    X, w, b = _prepare(scores, weights, benefit)
    return pd.Series(_utility(X, b, normalization) @ w, index=scores.index, name="score")


def _topsis_parts(X: np.ndarray, b: np.ndarray, normalization: str) -> tuple[np.ndarray, np.ndarray]:
    """Squared per-criterion gaps to the ideal (D+) and anti-ideal (D-) points, before weighting."""
    R = _normalize(X, normalization, None)
    hi, lo = R.max(axis=0), R.min(axis=0)
    ideal, anti = np.where(b, hi, lo), np.where(b, lo, hi)   # cost criteria: swap the two points
    return (R - ideal) ** 2, (R - anti) ** 2


def _closeness(d_plus: np.ndarray, d_minus: np.ndarray) -> np.ndarray:
    total = d_plus + d_minus
    # Where every weighted criterion is constant a market is at once ideal and anti-ideal: neutral 0.5.
    return np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)


def topsis(scores: pd.DataFrame, weights, benefit, normalization: str = "vector") -> pd.Series:
    """TOPSIS closeness C_i = d-_i / (d+_i + d-_i) (Hwang & Yoon 1981); higher is better."""
    X, w, b = _prepare(scores, weights, benefit)
    Dp, Dm = _topsis_parts(X, b, normalization)
    w2 = w**2
    return pd.Series(_closeness(np.sqrt(Dp @ w2), np.sqrt(Dm @ w2)), index=scores.index, name="score")


class Prepared:
    """A decision matrix prepared once for scoring many weight vectors at once (SMAA, sensitivity)."""

    def __init__(self, X: np.ndarray, b: np.ndarray, method: str, normalization: str) -> None:
        if method not in METHODS:
            raise InputError(f"method: expected one of {', '.join(METHODS)}, found {method!r}")
        if normalization not in NORMALIZATIONS:
            raise InputError(f"normalization: expected one of {', '.join(NORMALIZATIONS)}, found {normalization!r}")
        self.method, self.normalization = method, normalization
        if method == "topsis":
            Dp, Dm = _topsis_parts(X, b, normalization)
            self._DpT, self._DmT = np.ascontiguousarray(Dp.T), np.ascontiguousarray(Dm.T)
            span = np.sqrt(Dp) + np.sqrt(Dm)             # |r+ - r-| per criterion, same for every market
            self.position = np.divide(np.sqrt(Dm), span, out=np.zeros_like(span), where=span > 0)
        else:
            self._UT = np.ascontiguousarray(_utility(X, b, normalization).T)
            self.position = _normalize(X, "minmax", b)

    def score(self, W: np.ndarray) -> np.ndarray:
        """Scores for each weight vector: W is (S, n) with rows summing to 1; returns (S, m).

        The products are small (n about 10), so they run in einsum's own loop rather than a threaded BLAS,
        whose worker threads keep spinning after the call and slow what follows on a two-core machine.
        """
        if self.method == "topsis":
            W2 = W * W
            return _closeness(np.sqrt(np.einsum("sn,nm->sm", W2, self._DpT)),
                              np.sqrt(np.einsum("sn,nm->sm", W2, self._DmT)))
        return np.einsum("sn,nm->sm", W, self._UT)


def contributions(scores: pd.DataFrame, weights, benefit, method: str = "topsis",
                  normalization: str | None = None) -> pd.DataFrame:
    """Each criterion's part of each market's score (rows markets, columns criteria; rows sum to the score).

    Weighted sum: exactly w_j u_ij. TOPSIS is not additive; its closeness is attributed in proportion to
    w_j p_ij, where p_ij in [0, 1] is the market's position between the anti-ideal (0) and ideal (1) value.
    """
    X, w, b = _prepare(scores, weights, benefit)
    norm = normalization or ("vector" if method == "topsis" else "minmax")
    prep = Prepared(X, b, method, norm)
    total = prep.score(w[None, :])[0]
    parts = prep.position * w
    if method == "topsis":
        s = parts.sum(axis=1, keepdims=True)
        parts = np.divide(parts * total[:, None], s, out=np.zeros_like(parts), where=s > 0)
    return pd.DataFrame(parts, index=scores.index, columns=scores.columns)


def rank(scores: pd.Series) -> pd.Series:
    """1 = best; ties share the better rank."""
    return scores.rank(ascending=False, method="min").astype(int)


# ============================================================================================ weights

def entropy_weights(scores: pd.DataFrame, benefit=None, standardize: bool = True) -> pd.Series:
    """Entropy weights (see module docstring). ``standardize=False`` uses the raw values (all must be > 0)."""
    X = scores.to_numpy(dtype=float)
    m = X.shape[0]
    if m < 2:
        raise InputError(f"entropy_weights: expected at least two markets, found {m}")
    if standardize:
        b = np.ones(X.shape[1], bool) if benefit is None else np.asarray(_aligned(benefit, list(scores.columns), "benefit"), bool)
        U = _normalize(X, "minmax", b)
    else:
        if (X < 0).any():
            raise InputError("entropy_weights: with standardize=False expected values >= 0, found a negative value")
        U = X
    col = U.sum(axis=0)
    P = np.divide(U, col, out=np.zeros_like(U), where=col > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    d = np.where(col > 0, 1.0 - e, 0.0)          # an all-zero (constant) column carries no information
    if d.sum() <= 0:
        raise InputError("entropy_weights: every criterion is constant across the markets; no weights can be derived")
    return pd.Series(d / d.sum(), index=scores.columns, name="weight")


def critic_weights(scores: pd.DataFrame, benefit=None) -> pd.Series:
    """CRITIC weights (Diakoulaki et al. 1995): contrast (std) times conflict (1 - correlation)."""
    X = scores.to_numpy(dtype=float)
    if X.shape[0] < 3:
        raise InputError(f"critic_weights: expected at least three markets, found {X.shape[0]}")
    b = np.ones(X.shape[1], bool) if benefit is None else np.asarray(_aligned(benefit, list(scores.columns), "benefit"), bool)
    U = _normalize(X, "minmax", b)
    s = U.std(axis=0, ddof=1)
    Z = U - U.mean(axis=0)
    norms = np.sqrt((Z**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = (Z.T @ Z) / np.outer(norms, norms)
    corr = np.where(np.isfinite(corr), corr, 0.0)  # a constant column correlates with nothing
    C = s * (1.0 - corr).sum(axis=0)
    if C.sum() <= 0:
        raise InputError("critic_weights: every criterion is constant across the markets; no weights can be derived")
    return pd.Series(C / C.sum(), index=scores.columns, name="weight")


def parse_judgement(value: object, where: str) -> float:
    """A pairwise judgement: a number > 0 or a fraction text such as "1/3"."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*", value)
        if not m:
            raise InputError(f"{where}: expected a number from 1/9 to 9 such as 3 or 1/3, found {value!r}")
        num = float(m.group(1)) / (float(m.group(2)) if m.group(2) else 1.0)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        num = float(value)
    else:
        raise InputError(f"{where}: expected a number from 1/9 to 9 such as 3 or 1/3, found {value!r}")
    if not (1 / 9 - 1e-9 <= num <= 9 + 1e-9):
        raise InputError(f"{where}: expected a number from 1/9 to 9 (Saaty's scale), found {value!r}")
    return num


def ahp_matrix(judgements: dict[str, object], criteria: list[str]) -> np.ndarray:
    """The pairwise matrix from judgements ``{"a/b": value}`` ("a is value times as important as b").

    Missing pairs are left 0 (Harker 1987); the diagonal is 1 plus the row's number of missing pairs.
    """
    n = len(criteria)
    pos = {c: i for i, c in enumerate(criteria)}
    A = np.zeros((n, n))
    for key, value in judgements.items():
        parts = key.split("/")
        where = f"ahp: key '{key}'"
        if len(parts) != 2:
            raise InputError(f"{where}: expected 'criterion/criterion' such as 'demand/tariff', found {key!r}")
        a, b = (p.strip() for p in parts)
        for c in (a, b):
            if c not in pos:
                raise InputError(f"{where}: unknown criterion {c!r}; expected one of {', '.join(criteria)}")
        if a == b:
            raise InputError(f"{where}: expected two different criteria, found {a!r} twice")
        i, j = pos[a], pos[b]
        if A[i, j] != 0:
            raise InputError(f"{where}: the pair {a}/{b} is judged twice; expected one judgement per pair")
        v = parse_judgement(value, where)
        A[i, j], A[j, i] = v, 1.0 / v
    missing = (A == 0).sum(axis=1) - 1          # the diagonal is still 0
    A[np.diag_indices(n)] = 1.0 + missing
    # every criterion must be connected to the others through judgements, or its weight is undetermined
    reach = (A > 0).astype(int)
    closure = np.linalg.matrix_power(reach + np.eye(n, dtype=int), max(n - 1, 1)) > 0
    if not closure.all():
        alone = [criteria[k] for k in range(n) if not closure[0, k]]
        raise InputError(f"ahp: criterion {alone[0]!r} is not linked by any chain of judgements to "
                         f"{criteria[0]!r}; expected judgements connecting every criterion")
    return A


@dataclass(frozen=True)
class AhpResult:
    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float
    complete: bool
    inconsistent: pd.DataFrame      # most inconsistent judgements first: pair, given, implied, error

    @property
    def consistent(self) -> bool:
        return self.cr <= CR_LIMIT


def ahp(judgements: dict[str, object] | np.ndarray, criteria: list[str]) -> AhpResult:
    """AHP weights, lambda_max, CI, RI (Saaty's table), CR and the most inconsistent judgements."""
    n = len(criteria)
    if n > max(RANDOM_INDEX):
        raise InputError(f"ahp: expected at most {max(RANDOM_INDEX)} criteria (Saaty's random index table), found {n}")
    A = np.asarray(judgements, dtype=float) if isinstance(judgements, np.ndarray) else ahp_matrix(judgements, criteria)
    if A.shape != (n, n):
        raise InputError(f"ahp: expected a {n} x {n} matrix, found shape {A.shape}")
    vals, vecs = np.linalg.eig(A)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    complete = bool((A > 0).all())
    ri = RANDOM_INDEX[n]
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    rows = []
    for i in range(n):
        for j in range(i + 1, n):
            if A[i, j] > 0 and not (i == j):
                implied = w[i] / w[j]
                err = A[i, j] / implied
                nearest = SAATY_SCALE[np.argmin(np.abs(np.log(SAATY_SCALE) - np.log(implied)))]
                rows.append({"pair": f"{criteria[i]}/{criteria[j]}", "given": A[i, j], "implied": implied,
                             "suggested": nearest, "error": float(max(err, 1 / err))})
    inconsistent = pd.DataFrame(rows, columns=["pair", "given", "implied", "suggested", "error"])
    inconsistent = inconsistent.sort_values("error", ascending=False, kind="stable").reset_index(drop=True)
    return AhpResult(pd.Series(w, index=criteria, name="weight"), lam, ci, ri, cr, complete, inconsistent)


# ========================================================================================= robustness

def sample_weights(weights, n: int, mode: str = "around", concentration: float = 50.0,
                   seed: int | None = None) -> np.ndarray:
    """``n`` weight vectors (rows sum to 1): uniform over the simplex, or Dirichlet(k w) around ``weights``.

    In ``around`` mode a criterion with weight 0 stays at 0 (Dirichlet needs positive parameters).
    """
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise InputError(f"weights: expected weights >= 0 with at least one > 0, found {w}")
    if n < 1:
        raise InputError(f"samples: expected a whole number >= 1, found {n!r}")
    rng = stats.rng(seed)
    if mode == "uniform":
        alpha = np.ones_like(w)
    elif mode == "around":
        if not concentration > 0:
            raise InputError(f"concentration: expected k > 0, found {concentration!r}")
        alpha = concentration * w / w.sum()
    else:
        raise InputError(f"mode: expected one of {', '.join(SMAA_MODES)}, found {mode!r}")
    G = np.zeros((n, w.size))
    live = alpha > 0
    G[:, live] = rng.standard_gamma(alpha[live], size=(n, int(live.sum())))
    s = G.sum(axis=1, keepdims=True)
    # a draw whose gammas all underflow to 0 (tiny alphas) falls back on the central weights
    return np.where(s > 0, G / np.where(s > 0, s, 1.0), w / w.sum())


@dataclass(frozen=True)
class Acceptability:
    """SMAA-2 rank acceptability: ``ranks`` (markets x rank 1..m, shares), P(first), P(top 3)."""

    ranks: pd.DataFrame
    first: pd.Series
    top3: pd.Series
    samples: int
    mode: str
    concentration: float


def _acceptability(prep: Prepared, W: np.ndarray, index: pd.Index, mode: str, k: float) -> Acceptability:
    S = prep.score(W)                                      # (s, m)
    s, m = S.shape
    order = np.argsort(-S, axis=1)                         # market at each rank position
    flat = order * m + np.arange(m)[None, :]
    counts = np.bincount(flat.ravel(), minlength=m * m).reshape(m, m) / s
    top = min(3, m)
    ranks = pd.DataFrame(counts, index=index, columns=pd.RangeIndex(1, m + 1, name="rank"))
    return Acceptability(ranks, pd.Series(counts[:, 0], index=index, name="p_first"),
                         pd.Series(counts[:, :top].sum(axis=1), index=index, name="p_top3"), s, mode, k)


def rank_acceptability(scores: pd.DataFrame, weights, benefit, method: str = "topsis",
                       normalization: str | None = None, samples: int = 2000, mode: str = "around",
                       concentration: float = 50.0, seed: int | None = None) -> Acceptability:
    """How often each market takes each rank when the weights are uncertain (SMAA-2)."""
    X, w, b = _prepare(scores, weights, benefit)
    prep = Prepared(X, b, method, normalization or ("vector" if method == "topsis" else "minmax"))
    W = sample_weights(w, samples, mode, concentration, seed)
    return _acceptability(prep, W, scores.index, mode, concentration)


def _shares(w: np.ndarray) -> np.ndarray:
    """Row j: the other weights' shares when criterion j moves (w_k / sum of the others; equal if all 0)."""
    n = w.size
    S = np.tile(w, (n, 1))
    np.fill_diagonal(S, 0.0)
    rest = S.sum(axis=1, keepdims=True)
    equal = (1.0 - np.eye(n)) / max(n - 1, 1)
    return np.where(rest > 0, S / np.where(rest > 0, rest, 1.0), equal)


def _rescaled(shares: np.ndarray, js: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Weight vectors with w_j = t (one per pair j, t) and the others rescaled in proportion to 1 - t."""
    W = shares[js] * (1.0 - t)[:, None]
    W[np.arange(js.size), js] = t
    return W


def _sensitivity(prep: Prepared, w: np.ndarray, names: list[str], index: pd.Index, grid: int = 101,
                 refine: int = 12) -> pd.DataFrame:
    n = w.size
    leader = int(np.argmax(prep.score(w[None, :])[0]))
    ts = np.linspace(0.0, 1.0, grid)
    # one batch for every criterion: (n * grid) weight vectors
    shares = _shares(w)
    W = _rescaled(shares, np.repeat(np.arange(n), grid), np.tile(ts, n))
    lead = np.argmax(prep.score(W), axis=1).reshape(n, grid)
    changed = lead != leader
    below = changed & (ts[None, :] < w[:, None])
    above = changed & (ts[None, :] > w[:, None])
    has_lo, has_hi = below.any(axis=1), above.any(axis=1)
    lo_i = np.where(has_lo, grid - 1 - np.argmax(below[:, ::-1], axis=1), 0)   # last change below w_j
    hi_i = np.where(has_hi, np.argmax(above, axis=1), grid - 1)                 # first change above w_j
    # bisection between the grid point where the leader differs and w_j, all boundaries at once
    js = np.concatenate([np.arange(n), np.arange(n)])
    a = np.concatenate([ts[lo_i], ts[hi_i]])
    b = np.concatenate([w, w])
    active = np.concatenate([has_lo, has_hi])
    for _ in range(refine):
        mid = 0.5 * (a + b)
        stays = np.argmax(prep.score(_rescaled(shares, js, mid)), axis=1) == leader
        b = np.where(stays, mid, b)
        a = np.where(stays, a, mid)
    bound = np.where(active, 0.5 * (a + b), np.concatenate([np.zeros(n), np.ones(n)]))
    low, high = bound[:n], bound[n:]
    out = pd.DataFrame({
        "weight": w, "low": low, "high": high,
        "new_leader_low": [index[lead[j, lo_i[j]]] if has_lo[j] else None for j in range(n)],
        "new_leader_high": [index[lead[j, hi_i[j]]] if has_hi[j] else None for j in range(n)],
    }, index=pd.Index(names, name="criterion"))
    out["margin"] = np.minimum(np.where(has_lo, w - low, np.inf), np.where(has_hi, high - w, np.inf))
    out.attrs["leader"] = index[leader]
    return out


def weight_sensitivity(scores: pd.DataFrame, weights, benefit, method: str = "topsis",
                       normalization: str | None = None, grid: int = 101) -> pd.DataFrame:
    """One-at-a-time sensitivity: per criterion, the weight interval [low, high] in which the first-ranked
    market stays first (others rescaled in proportion), the market that takes over beyond each bound
    (None: no change anywhere in [0, 1]) and the margin = distance to the nearer bound."""
    X, w, b = _prepare(scores, weights, benefit)
    prep = Prepared(X, b, method, normalization or ("vector" if method == "topsis" else "minmax"))
    return _sensitivity(prep, w, list(scores.columns), scores.index, grid)


# ============================================================================================== pilot

def pick_pilot(table: pd.DataFrame, regions: pd.Series, size: int = 3, override: list[str] | None = None,
               lang: str = "en") -> pd.DataFrame:
    """The pilot markets, with the reason in words.

    ``table`` has per market: score, rank, p_first, p_top3 (and optionally payment_risk). Without an
    override: markets are taken in order of robustness (P(top 3), then score), skipping a market whose
    region is already in the pilot while another region is still available, so that the pilot spreads
    demand and risk. ``override`` (market codes) replaces the pick; each row still explains the numbers.
    """
    if size < 1:
        raise InputError(f"pilot.size: expected a whole number >= 1, found {size!r}")
    codes = list(table.index)
    order = np.lexsort((-table["score"].to_numpy(), -table["p_top3"].to_numpy()))
    ordered = [codes[i] for i in order]
    chosen: list[tuple[str, str]] = []
    if override:
        unknown = [c for c in override if c not in table.index]
        if unknown:
            raise InputError(f"pilot.override: unknown market {unknown[0]!r}; expected candidates from "
                             f"{relative(MARKETS_FILE)}: {', '.join(table.index)}")
        chosen = [(c, "user") for c in dict.fromkeys(override)]
    else:
        used: set[str] = set()
        for code in ordered:
            if len(chosen) >= size:
                break
            if regions[code] in used:
                continue
            chosen.append((code, "robust" if not chosen else "diverse"))
            used.add(regions[code])
        for code in ordered:                               # fewer regions than pilot slots: fill by order
            if len(chosen) >= size:
                break
            if code not in dict(chosen):
                chosen.append((code, "fill"))
    cols = {k: table[k].to_dict() for k in ("rank", "score", "p_first", "p_top3")}
    rows = {k: [] for k in ("rank", "score", "p_first", "p_top3", "region", "reason")}
    for code, why in chosen:
        v = {k: cols[k][code] for k in cols}
        rows["reason"].append(t(f"markets.pilot_reason_{why}", lang, rank=int(v["rank"]), score=v["score"],
                                p_first=v["p_first"], p_top3=v["p_top3"],
                                region=t(f"markets.region_{regions[code]}", lang)))
        for k in cols:
            rows[k].append(v[k])
        rows["region"].append(regions[code])
    return pd.DataFrame(rows, index=pd.Index([c for c, _ in chosen], name="market"))


# ================================================================================================ PMF

PMF_RATE_STAGES = STAGES[1:]   # the conversion into each stage from the one before


def pmf_scorecard(results: pd.DataFrame, thresholds: dict[str, dict[str, float]], *, min_pos: int = 3,
                  survey_go: float = 0.40, confidence: float = 0.90, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Go / iterate / stop per pilot market, with reasons.

    ``results``: one row per market, columns = ``STAGES`` (counts) and optionally ``very_disappointed``
    (share 0..1, NaN if no survey). ``thresholds[stage] = {"go": g, "stop": s}`` for each stage after the
    first: the conversion from the previous stage. Rules, per market:

    - *stop* if some stage's Wilson upper bound (at ``confidence``) is below its stop threshold (the data
      say clearly that this step fails);
    - *go* if every conversion is at or above its go threshold, at least ``min_pos`` buyers placed a PO and,
      when surveyed, the very-disappointed share is at least ``survey_go`` (Sean Ellis's 40 % test);
    - *iterate* otherwise (named: the stages below target, or too little evidence).

    Returns (scorecard, conversions): the scorecard has call, reasons (one text) and the weakest stage;
    conversions is ``stats.stage_conversions`` with go/stop thresholds joined.
    """
    missing = [s for s in PMF_RATE_STAGES if s not in thresholds]
    if missing:
        raise InputError(f"pmf.thresholds: missing stage {missing[0]!r}; expected one for each of {', '.join(PMF_RATE_STAGES)}")
    for s, th in thresholds.items():
        if s not in PMF_RATE_STAGES:
            raise InputError(f"pmf.thresholds: unknown stage {s!r}; expected one of {', '.join(PMF_RATE_STAGES)}")
        if not (0 <= th["stop"] <= th["go"] <= 1):
            raise InputError(f"pmf.thresholds.{s}: expected 0 <= stop <= go <= 1, found stop={th['stop']}, go={th['go']}")
    conv = stats.stage_conversions(results, STAGES, confidence=confidence)
    conv["go"] = conv["to_stage"].map(lambda s: thresholds[s]["go"])
    conv["stop"] = conv["to_stage"].map(lambda s: thresholds[s]["stop"])
    rows = []
    for code in results.index:
        c = conv.loc[[code]]
        label = lambda s: t(f"markets.stage_{s}", lang)  # noqa: E731
        fails = c[c["high"] < c["stop"]]
        below = c[(c["rate"] < c["go"]) | c["rate"].isna()]
        pos = int(results.at[code, "pos"])
        vd = results.at[code, "very_disappointed"] if "very_disappointed" in results.columns else np.nan
        reasons = []
        if len(fails):
            call = "stop"
            for _, f in fails.iterrows():
                reasons.append(t("markets.pmf_reason_fail", lang, stage=label(f["to_stage"]), rate=f["rate"],
                                 high=f["high"], stop=f["stop"]))
        else:
            for _, f in below.iterrows():
                if np.isnan(f["rate"]):
                    reasons.append(t("markets.pmf_reason_empty", lang, stage=label(f["to_stage"])))
                else:
                    reasons.append(t("markets.pmf_reason_below", lang, stage=label(f["to_stage"]), rate=f["rate"], go=f["go"]))
            if pos < min_pos:
                reasons.append(t("markets.pmf_reason_few_pos", lang, pos=pos, min_pos=min_pos))
            if pd.notna(vd) and vd < survey_go:
                reasons.append(t("markets.pmf_reason_survey_low", lang, share=vd, go=survey_go))
            call = "iterate" if reasons else "go"
            if call == "go":
                reasons.append(t("markets.pmf_reason_go", lang, pos=pos,
                                 survey="" if pd.isna(vd) else t("markets.pmf_reason_go_survey", lang, share=vd)))
        gap = (c["rate"] - c["go"]).fillna(-1.0)
        weakest = c["to_stage"].iloc[int(np.argmin(gap.to_numpy()))]
        rows.append({"market": code, "call": call, "reasons": " ".join(reasons), "weakest": weakest,
                     "pos": pos, "very_disappointed": vd})
    return pd.DataFrame(rows).set_index("market"), conv


# ================================================================================= scenario section

class Threshold(Model):
    go: float = Field(ge=0, le=1)
    stop: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> "Threshold":
        if self.stop > self.go:
            raise ValueError(f"stop <= go, found stop={self.stop} above go={self.go}")
        return self


class PmfRules(Model):
    """Thresholds on each stage conversion (rules of thumb for industrial components: illustrative)."""

    thresholds: dict[Literal["qualified_leads", "quotes", "samples", "samples_passed", "pos", "repeat_orders"], Threshold]
    min_pos: int = Field(ge=0)
    survey_go: float = Field(ge=0, le=1)      # Sean Ellis: >= 40 % "very disappointed" signals PMF
    confidence: float = Field(gt=0, lt=1)

    @field_validator("thresholds")
    @classmethod
    def _all(cls, value: dict) -> dict:
        missing = [s for s in PMF_RATE_STAGES if s not in value]
        if missing:
            raise ValueError(f"a threshold for every stage ({', '.join(PMF_RATE_STAGES)}), missing {', '.join(missing)}")
        return value


class PilotResults(Model):
    """What the 90-day pilot in this market produced (counts of buyers at each stage)."""

    inquiries: int = Field(ge=0)
    qualified_leads: int = Field(ge=0)
    quotes: int = Field(ge=0)
    samples: int = Field(ge=0)
    samples_passed: int = Field(ge=0)
    pos: int = Field(ge=0)
    repeat_orders: int = Field(ge=0)
    very_disappointed: float | None = Field(default=None, ge=0, le=1)   # share of surveyed buyers
    survey_responses: int | None = Field(default=None, ge=0)
    source: str

    @model_validator(mode="after")
    def _funnel(self) -> "PilotResults":
        counts = [getattr(self, s) for s in STAGES]
        for a, b, x, y in zip(STAGES, STAGES[1:], counts, counts[1:]):
            if y > x:
                raise ValueError(f"each stage at most the one before, found {b}={y} above {a}={x}")
        return self


class Smaa(Model):
    samples: int = Field(ge=100, le=100_000)
    mode: Literal["around", "uniform"]
    concentration: float = Field(gt=0)          # k in Dirichlet(k w): larger = closer to the chosen weights
    seed: int


class Pilot(Model):
    size: int = Field(ge=1, le=10)
    override: list[str] = []                     # market codes chosen by the team instead of the model's pick


class MarketSelection(Model):
    """Scenario section ``markets``: how candidate markets are ranked, the pilot and its PMF rules."""

    method: Literal["topsis", "weighted_sum"]
    normalization: Literal["vector", "minmax"]
    weighting: Literal["direct", "entropy", "critic", "ahp"]
    weights: dict[str, float] = {}               # direct weights; an empty mapping means data/criteria.csv
    ahp: dict[str, float | str] = {}             # "a/b": how many times a matters more than b (1/9 .. 9)
    origin: str                                  # a plant in exporter.origin_plants, or "best"
    additional_duties: bool                      # count extraordinary duties (e.g. US reciprocal tariffs)
    smaa: Smaa
    pilot: Pilot
    pmf: PmfRules
    pilot_results: PilotResults | None = None

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        known = list(load_data().criteria.index)
        for k, v in value.items():
            if k not in known:
                raise ValueError(f"a criterion of data/criteria.csv ({', '.join(known)}), found unknown criterion {k!r}")
            if not (isinstance(v, (int, float)) and v >= 0):
                raise ValueError(f"a weight >= 0 for {k}, found {v!r}")
        if value and sum(value.values()) <= 0:
            raise ValueError("at least one weight > 0")
        return value

    @field_validator("ahp")
    @classmethod
    def _ahp(cls, value: dict) -> dict:
        if value:
            try:
                ahp_matrix(value, list(load_data().criteria.index))
            except InputError as exc:
                raise ValueError(str(exc).removeprefix("ahp: ")) from None
        return value

    @field_validator("origin")
    @classmethod
    def _origin(cls, value: str) -> str:
        if value != "best" and not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError(f"a plant's ISO country code such as TW, or 'best'")
        return value


# ========================================================================================= analysis

@dataclass(frozen=True)
class Settings:
    """The choices a user makes (scenario values, or the panel's controls)."""

    method: str = "topsis"
    normalization: str = "vector"
    weighting: str = "direct"
    weights: dict[str, float] = field(default_factory=dict)
    ahp: dict[str, object] = field(default_factory=dict)
    origin: str = "TW"
    additional_duties: bool = True
    samples: int = 2000
    mode: str = "around"
    concentration: float = 50.0
    seed: int = 0
    pilot_size: int = 3
    override: tuple[str, ...] = ()

    @classmethod
    def from_scenario(cls, section: MarketSelection) -> "Settings":
        s = section
        return cls(s.method, s.normalization, s.weighting, dict(s.weights), dict(s.ahp), s.origin,
                   s.additional_duties, s.smaa.samples, s.smaa.mode, s.smaa.concentration, s.smaa.seed,
                   s.pilot.size, tuple(s.pilot.override))


@dataclass(frozen=True)
class Analysis:
    """One full evaluation: matrix, weights used, scores, ranks, robustness, sensitivity, pilot."""

    settings: Settings
    matrix: pd.DataFrame
    benefit: pd.Series
    weights: pd.Series
    table: pd.DataFrame                 # per market: score, rank, p_first, p_top3, region
    contributions: pd.DataFrame
    position: pd.DataFrame              # 0 worst .. 1 best per criterion (radar)
    acceptability: Acceptability
    sensitivity: pd.DataFrame
    pilot: pd.DataFrame
    tariffs: pd.DataFrame
    ahp: AhpResult | None


def chosen_weights(data: Data, matrix: pd.DataFrame, benefit: pd.Series, settings: Settings) -> tuple[pd.Series, AhpResult | None]:
    """The weights for the chosen weighting mode (normalized to sum 1)."""
    crit = list(data.criteria.index)
    if settings.weighting == "direct":
        base = data.criteria["weight"].to_dict() | dict(settings.weights)
        w = pd.Series([float(base[c]) for c in crit], index=crit)
        if (w < 0).any() or w.sum() <= 0:
            raise InputError(f"weights: expected weights >= 0 with at least one > 0, found {w.to_dict()}")
        return w / w.sum(), None
    if settings.weighting == "entropy":
        return entropy_weights(matrix, benefit), None
    if settings.weighting == "critic":
        return critic_weights(matrix, benefit), None
    if settings.weighting == "ahp":
        if not settings.ahp:
            raise InputError("markets.ahp: expected pairwise judgements for AHP weighting, found none")
        res = ahp(settings.ahp, crit)
        return res.weights, res
    raise InputError(f"weighting: expected one of {', '.join(WEIGHTINGS)}, found {settings.weighting!r}")


def analyse(data: Data, settings: Settings, plants: list[str], lang: str = "en") -> Analysis:
    """Run the whole chain for ``settings``: the one function the notebook, the panel and the report call."""
    if settings.method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, found {settings.method!r}")
    tariffs = tariff_for_origin(data, settings.origin, plants, settings.additional_duties)
    matrix = decision_matrix(data, settings.origin, plants, settings.additional_duties)
    benefit = data.criteria["direction"].eq("benefit")
    weights, ahp_res = chosen_weights(data, matrix, benefit, settings)
    X, w, b = matrix.to_numpy(dtype=float), weights.to_numpy(), benefit.to_numpy()
    prep = Prepared(X, b, settings.method, settings.normalization)
    score = prep.score(w[None, :])[0]
    parts = prep.position * w
    if settings.method == "topsis":
        s = parts.sum(axis=1, keepdims=True)
        parts = np.divide(parts * score[:, None], s, out=np.zeros_like(parts), where=s > 0)
    W = sample_weights(w, settings.samples, settings.mode, settings.concentration, settings.seed)
    acc = _acceptability(prep, W, matrix.index, settings.mode, settings.concentration)
    sens = _sensitivity(prep, w, list(matrix.columns), matrix.index)
    table = pd.DataFrame({"score": score}, index=matrix.index)
    table["rank"] = rank(table["score"])
    table["p_first"], table["p_top3"] = acc.first, acc.top3
    table["region"] = data.regions
    table = table.sort_values(["rank", "p_top3"], ascending=[True, False], kind="stable")
    pilot = pick_pilot(table, data.regions, settings.pilot_size, list(settings.override), lang)
    return Analysis(settings, matrix, benefit, weights, table,
                    pd.DataFrame(parts, index=matrix.index, columns=matrix.columns),
                    pd.DataFrame(prep.position, index=matrix.index, columns=matrix.columns),
                    acc, sens, pilot, tariffs, ahp_res)


# ========================================================================================= workshop

@dataclass(frozen=True)
class Reweighting:
    """The smallest change of weights found that lifts a market to a target rank (``reweight_for_rank``).

    ``weights`` (sum 1) is the new weight vector and ``table`` compares it with the old one per criterion
    (columns ``before``, ``after``, ``change``, largest change first); ``moved`` is the share of the total
    weight moved between criteria (total variation distance, 0.5 x sum |after - before|); ``rank`` and
    ``rank_before`` are the market's ranks under the new and the old weights; ``found`` is False when no
    weighting tried reaches the target (``weights`` is then the one giving the best rank found).
    """

    market: str
    target: int
    found: bool
    rank: int
    rank_before: int
    moved: float
    weights: pd.Series
    table: pd.DataFrame


def _pp(x: float) -> str:
    """A weight change in percentage points with a typographic sign: +4.7 pp, −4.7 pp."""
    return f"{x * 100:+.1f} pp".replace("-", "−")


def _in_text(code: str, lang: str) -> str:
    """The market's name inside a sentence ("the United States"; the platform chapter's rule)."""
    from crossborder.chapters.platforms import market_in_text

    return market_in_text(code, lang)


def _sentences(parts: list[str], lang: str) -> str:
    """Sentences joined in the language's way, each starting with a capital in English."""
    parts = [p[:1].upper() + p[1:] if lang == "en" else p for p in parts if p]
    return ("" if lang == "zh-TW" else " ").join(parts)


def _rank_of(prep: Prepared, W: np.ndarray, i: int, margin: float = 1e-9) -> np.ndarray:
    """Rank of market ``i`` under each weight vector (rows of W), counting it behind any other market that
    scores at least as high less ``margin``: a rank reached this way holds strictly, not by a tie within
    rounding (so :func:`rank` on the full analysis agrees)."""
    S = prep.score(W)
    ahead = S >= S[:, [i]] - margin
    ahead[:, i] = False
    return 1 + ahead.sum(axis=1)


def _transfers(w0: np.ndarray, steps: int = 40) -> np.ndarray:
    """Weight vectors that move a share d of criterion j's weight to criterion k (every pair j != k,
    d = w_j x s / steps for s = 1..steps): the simplest re-weightings to explain."""
    n = w0.size
    j, k = (idx.ravel() for idx in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    keep = (j != k) & (w0[j] > 0)
    j, k = j[keep], k[keep]
    frac = np.arange(1, steps + 1) / steps
    jj, kk = np.repeat(j, steps), np.repeat(k, steps)
    d = w0[jj] * np.tile(frac, j.size)
    W = np.tile(w0, (jj.size, 1))
    W[np.arange(jj.size), jj] -= d
    W[np.arange(jj.size), kk] += d
    return np.clip(W, 0.0, None)


def reweight_for_rank(a: Analysis, market: str, target: int, *, draws: int = 4000, seed: int = 0,
                      refine: int = 30) -> Reweighting:
    """Search the weights for the smallest change that puts ``market`` at rank ``target`` or better.

    The decision matrix, method and normalization are the analysis's; only the weights move. Candidates,
    simplest first: moving part of one criterion's weight to another (every pair) and moving one weight
    with the others rescaled in proportion (as in the tornado); only if none of these reaches the target,
    ``draws`` Dirichlet draws around the current weights at falling concentrations (k = 400, 100, 25, 5)
    and uniform over the simplex. Among the candidates that reach the target, the one nearest the current
    weights (total variation distance, the share of weight moved) is pulled back towards them by bisection
    on the segment between the two: the target fails at the current weights and holds at the candidate,
    so the bisection ends where it just holds. The target must hold strictly: a tie with a market ahead does
    not count as reaching its rank.
    """
    if market not in a.matrix.index:
        raise InputError(f"market: expected a candidate market of {relative(MARKETS_FILE)} "
                         f"({', '.join(a.matrix.index)}), found {market!r}")
    m = len(a.matrix.index)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 1 <= target <= m:
        raise InputError(f"target: expected a rank from 1 to {m}, found {target!r}")
    i = a.matrix.index.get_loc(market)
    prep = Prepared(a.matrix.to_numpy(dtype=float), a.benefit.to_numpy(), a.settings.method, a.settings.normalization)
    w0 = a.weights.to_numpy(dtype=float)
    n = w0.size
    before = int(_rank_of(prep, w0[None, :], i)[0])
    found = True
    if before <= target:
        best = w0.copy()
    else:
        grid = np.linspace(0.0, 1.0, 101)
        simple = np.vstack([_transfers(w0), _rescaled(_shares(w0), np.repeat(np.arange(n), grid.size), np.tile(grid, n))])
        per = max(draws // 5, 1)
        random = np.vstack([*(sample_weights(w0, per, "around", k, seed + s)
                              for s, k in enumerate((400.0, 100.0, 25.0, 5.0))),
                            sample_weights(w0, per, "uniform", seed=seed + 4)])
        for W in (simple, random):
            ranks = _rank_of(prep, W, i)
            dist = 0.5 * np.abs(W - w0).sum(axis=1)
            if (ranks <= target).any():
                j = int(np.argmin(np.where(ranks <= target, dist, np.inf)))
                lo, hi = 0.0, 1.0                          # the target fails at lo (w0) and holds at hi
                for _ in range(refine):
                    mid = 0.5 * (lo + hi)
                    if _rank_of(prep, (w0 + mid * (W[j] - w0))[None, :], i)[0] <= target:
                        hi = mid
                    else:
                        lo = mid
                best = w0 + hi * (W[j] - w0)
                break
        else:
            j = int(np.lexsort((dist, ranks))[0])          # the best rank reached, nearest first
            best, found = W[j], False
    best = best / best.sum()
    table = pd.DataFrame({"before": w0, "after": best, "change": best - w0}, index=a.matrix.columns)
    table = table.reindex(table["change"].abs().sort_values(ascending=False, kind="stable").index)
    return Reweighting(market, int(target), found, int(_rank_of(prep, best[None, :], i)[0]), before,
                       float(0.5 * np.abs(best - w0).sum()), pd.Series(best, index=a.matrix.columns, name="weight"),
                       table)


def reweighting_table(rw: Reweighting, data: Data, lang: str) -> pd.DataFrame:
    """The weights before and after a re-weighting, per criterion, largest change first."""
    tab = rw.table
    return pd.DataFrame({
        t("markets.col_criterion", lang): [_label(data, c, lang) for c in tab.index],
        t("markets.col_weight_before", lang): [f"{x:.1%}" for x in tab["before"]],
        t("markets.col_weight_after", lang): [f"{x:.1%}" for x in tab["after"]],
        t("markets.col_weight_change", lang): ["–" if abs(x) < 0.0005 else _pp(x) for x in tab["change"]],
    })


def reweighting_note(rw: Reweighting, data: Data, lang: str) -> str:
    """The re-weighting in one or two sentences, in the report's language."""
    name = _in_text(rw.market, lang)
    if rw.rank_before <= rw.target:
        return _sentences([t("markets.rw_already", lang, market=name, rank=rw.rank_before, target=rw.target)], lang)
    if not rw.found:
        return _sentences([t("markets.rw_not_found", lang, market=name, target=rw.target, rank=rw.rank)], lang)
    moves = rw.table[rw.table["change"].abs() >= 0.005].head(4)
    changes = join((f"{_label(data, c, lang)} {_pp(x)}" for c, x in moves["change"].items()), lang)
    return _sentences([t("markets.rw_found", lang, market=name, before=rw.rank_before, rank=rw.rank, moved=rw.moved,
                         changes=changes)], lang)


def origin_comparison(data: Data, settings: Settings, plants: list[str], market: str, lang: str = "en") -> pd.DataFrame:
    """The market under each production plant and under "best plant per market": the duty its goods pay
    there, the market's rank and P(top 3), and the leader; one full analysis per option."""
    rows = []
    for origin in [*plants, "best"]:
        a = analyse(data, replace(settings, origin=origin), plants, lang)
        if market not in a.table.index:
            raise InputError(f"market: expected a candidate market of {relative(MARKETS_FILE)}, found {market!r}")
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
        t("markets.col_duty", lang): [f"{d:.1f}%" for d in comp["duty"]],
        t("markets.col_rank", lang): comp["rank"].to_list(),
        t("markets.col_p_top3", lang): [_pct(p) for p in comp["p_top3"]],
        t("markets.col_leader", lang): _names(comp["leader"], lang),
    })


# ============================================================================================ figures

@lru_cache(maxsize=32)
def _skeleton(height: int) -> dict:
    return theme.figure("", height=height).to_plotly_json()["layout"]


def _merge(base: dict, over: dict) -> dict:
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v
    return base


def _figure(title: str, height: int, traces: list[dict], layout: dict) -> go.Figure:
    """``theme.figure(title, height=height)`` with ``traces`` and ``layout`` added, built fast.

    Building the workbook template into a new figure costs about 16 ms (plotly validates the whole template
    each time), and validating trace by trace another 10 ms a chart; a panel redraws four charts per slider
    move. So the layout ``theme.figure`` produces is validated once per height and reused, the title set as
    ``theme.figure`` sets it, and the figure is assembled from plain dicts without re-validation (the
    tests check the result against ``theme.figure`` and plotly's validator).
    """
    base = copy.deepcopy(_skeleton(int(height)))
    base["title"] = {**base.get("title", {}), "text": title}
    return go.Figure({"data": traces, "layout": _merge(base, layout)}, _validate=False)


def _label(data: Data, criterion: str, lang: str) -> str:
    return str(data.criteria.at[criterion, f"label_{_lang_col(lang)}"])


def _names(codes, lang: str) -> list[str]:
    return [_market_name(c, lang) for c in codes]


@lru_cache(maxsize=1024)
def _market_name(code: str, lang: str) -> str:
    return f"{country_name(code, lang)}（{code}）" if lang == "zh-TW" else f"{country_name(code, lang)} ({code})"


def _colour(j: int) -> str:
    palette = theme.COLORWAY + theme.SEQUENTIAL[1:][::-1]
    return palette[j % len(palette)]


def ranking_figure(a: Analysis, data: Data, lang: str, top: int | None = None) -> go.Figure:
    """Horizontal bars: each market's score, one stacked segment per criterion's contribution."""
    order = a.table.index[: top or len(a.table)]
    names = _names(order, lang)
    method = t(f"markets.method_{a.settings.method}", lang)
    height = max(420, 24 * len(order) + 230)
    parts = a.contributions.loc[order]
    traces = [{"type": "bar", "orientation": "h", "y": names, "x": parts[c].to_numpy(), "name": _label(data, c, lang),
               "marker": {"color": _colour(j)},
               "hovertemplate": "%{y}: %{x:.3f}<extra>" + _label(data, c, lang) + "</extra>"}
              for j, c in enumerate(parts.columns)]
    layout = {"barmode": "stack", "yaxis": {"autorange": "reversed", "automargin": True},
              "xaxis": {"title": {"text": t(f"markets.axis_score_{a.settings.method}", lang)}},
              "legend": {"orientation": "h", "yanchor": "top", "y": -60 / (height - 230), "x": 0,
                         "font": {"size": 10}, "traceorder": "normal"},
              "margin": {"l": 10, "r": 20, "t": 60, "b": 170}}
    return _figure(t("markets.chart_ranking_title", lang, method=method), height, traces, layout)


def radar_figure(a: Analysis, data: Data, lang: str, top: int = 5) -> go.Figure:
    """Radar of the top markets: each criterion's position from worst (0) to best (1) among the candidates."""
    order = a.table.index[:top]
    labels = [_label(data, c, lang) for c in a.position.columns]
    pos = a.position.loc[order].to_numpy()
    traces = [{"type": "scatterpolar", "r": np.append(pos[k], pos[k][0]), "theta": labels + labels[:1],
               "name": _market_name(code, lang), "mode": "lines", "fill": "toself", "opacity": 0.55,
               "line": {"color": _colour(k)}}
              for k, code in enumerate(order)]
    layout = {"polar": {"radialaxis": {"range": [0, 1], "tickvals": [0, 0.5, 1], "tickfont": {"size": 9}},
                        "angularaxis": {"tickfont": {"size": 10}}},
              "legend": {"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
              "margin": {"l": 90, "r": 90, "t": 70, "b": 90}}
    return _figure(t("markets.chart_radar_title", lang, n=len(order)), 500, traces, layout)


def acceptability_figure(a: Analysis, lang: str, max_rank: int = 10) -> go.Figure:
    """Heat map: share of weight draws in which each market (rows, by current rank) takes each rank."""
    order = a.table.index
    ranks = a.acceptability.ranks
    k = min(max_rank, len(order))
    Z = ranks.loc[order].to_numpy()[:, :k]
    text = np.where(Z >= 0.005, np.char.mod("%.0f%%", Z * 100), "")
    mode = t(f"markets.smaa_{a.acceptability.mode}", lang, k=a.acceptability.concentration)
    traces = [{"type": "heatmap", "z": Z, "x": [str(c) for c in ranks.columns[:k]], "y": _names(order, lang),
               "colorscale": [[i / (len(theme.SEQUENTIAL) - 1), c] for i, c in enumerate(theme.SEQUENTIAL)],
               "zmin": 0, "zmax": 1, "text": text, "texttemplate": "%{text}", "textfont": {"size": 9},
               "colorbar": {"title": {"text": t("markets.axis_share", lang)}, "tickformat": ".0%", "len": 0.8},
               "hovertemplate": "%{y} · #%{x}: %{z:.1%}<extra></extra>"}]
    layout = {"xaxis": {"title": {"text": t("markets.axis_rank", lang)}, "side": "bottom", "type": "category"},
              "yaxis": {"autorange": "reversed", "automargin": True}, "margin": {"l": 10, "r": 20, "t": 60, "b": 50}}
    title = t("markets.chart_acceptability_title", lang, n=a.acceptability.samples, mode=mode)
    return _figure(title, max(400, 22 * len(order) + 150), traces, layout)


def tornado_figure(a: Analysis, data: Data, lang: str) -> go.Figure:
    """For each criterion, the weight range in which the current leader stays first (narrowest on top)."""
    s = a.sensitivity.sort_values("margin", kind="stable")
    labels = [_label(data, c, lang) for c in s.index]
    lo, hi = s["low"].to_numpy(), s["high"].to_numpy()
    traces = [{"type": "bar", "orientation": "h", "y": labels, "x": hi - lo, "base": lo,
               "marker": {"color": theme.SEQUENTIAL[2]}, "name": t("markets.legend_stays_first", lang),
               "customdata": np.stack([lo, hi], axis=1),
               "hovertemplate": "%{y}: %{customdata[0]:.2f} – %{customdata[1]:.2f}<extra></extra>"},
              {"type": "scatter", "y": labels, "x": s["weight"].to_numpy(), "mode": "markers",
               "name": t("markets.legend_current_weight", lang),
               "marker": {"color": theme.COLORWAY[3], "size": 12, "symbol": "line-ns-open", "line": {"width": 3}}}]
    layout = {"xaxis": {"title": {"text": t("markets.axis_weight", lang)}, "range": [0, 1], "tickformat": ".0%"},
              "yaxis": {"autorange": "reversed", "automargin": True}, "margin": {"l": 10, "r": 20, "t": 70, "b": 50}}
    title = t("markets.chart_tornado_title", lang, leader=_market_name(s.attrs["leader"], lang))
    return _figure(title, max(380, 30 * len(s) + 150), traces, layout)


def funnel_figure(results: pd.DataFrame, lang: str) -> go.Figure:
    """The pilot funnel per market: buyers at each stage (log scale keeps the small stages readable)."""
    stages = [t(f"markets.stage_{s}", lang) for s in STAGES]
    traces = []
    for k, code in enumerate(results.index):
        counts = results.loc[code, STAGES].to_numpy(dtype=float)
        traces.append({"type": "scatter", "x": stages, "y": np.where(counts > 0, counts, np.nan),
                       "mode": "lines+markers+text", "name": _market_name(code, lang),
                       "text": [f"{c:.0f}" for c in counts], "textposition": "top center", "textfont": {"size": 9},
                       "line": {"color": _colour(k)}})
    layout = {"yaxis": {"type": "log", "title": {"text": t("markets.axis_buyers", lang)},
                        "tickvals": [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]},
              "xaxis": {"tickangle": -20},
              "legend": {"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0},
              "margin": {"l": 60, "r": 20, "t": 60, "b": 140}}
    return _figure(t("markets.chart_funnel_title", lang), 500, traces, layout)


# ============================================================================================ tables

def _pct(x: float) -> str:
    return "–" if pd.isna(x) else f"{x:.0%}"


def criteria_table(data: Data, lang: str) -> pd.DataFrame:
    """The criteria with direction, unit, default weight and provenance, in the report's language."""
    c = data.criteria
    return pd.DataFrame({
        t("markets.col_criterion", lang): [_label(data, k, lang) for k in c.index],
        t("markets.col_direction", lang): [t(f"markets.direction_short_{d}", lang) for d in c["direction"]],
        t("markets.col_unit", lang): c["unit"].to_list(),
        t("markets.col_default_weight", lang): [f"{w / c['weight'].sum():.0%}" for w in c["weight"]],
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
            f"{d:.1f}% ({r})" for d, r in zip(tp["duty"], tp["regime"])]
    out[t("markets.col_best_plant", lang)] = [country_name(o, lang) for o in best["origin"]]
    out[t("markets.col_provenance", lang)] = [t(f"markets.provenance_{p}", lang) for p in best["provenance"]]
    return out


def weights_table(a: Analysis, data: Data, lang: str, alternatives: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """The weights in use (and, optionally, other weightings side by side)."""
    cols = {t("markets.col_criterion", lang): [_label(data, c, lang) for c in a.weights.index],
            t(f"markets.weighting_{a.settings.weighting}", lang): [_pct(v) for v in a.weights]}
    for name, w in (alternatives or {}).items():
        cols[t(f"markets.weighting_{name}", lang)] = [_pct(w[c]) for c in a.weights.index]
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
        t("markets.col_score", lang): [f"{s:.3f}" for s in tab["score"]],
        t("markets.col_p_first", lang): [_pct(p) for p in tab["p_first"]],
        t("markets.col_p_top3", lang): [_pct(p) for p in tab["p_top3"]],
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
            row[t(f"markets.stage_{s}", lang)] = f"{_pct(c.at[s, 'rate'])} / {c.at[s, 'go']:.0%}"
        row[t("markets.col_call", lang)] = t(f"markets.call_{card.at[code, 'call']}", lang)
        row[t("markets.col_reason", lang)] = card.at[code, "reasons"]
        rows.append(row)
    return pd.DataFrame(rows)


def ahp_note(res: AhpResult | None, data: Data, lang: str) -> str:
    """The AHP consistency verdict in words, naming the most inconsistent judgements when CR > 0.1."""
    if res is None:
        return ""
    kind = t("markets.ahp_complete" if res.complete else "markets.ahp_incomplete", lang)
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


# ==================================================================================== scenario glue

def settings_of(scn) -> Settings:
    return Settings.from_scenario(scn.markets)


def pilot_results(codes: list[str]) -> pd.DataFrame:
    """Pilot results of the markets that have a scenario with ``markets.pilot_results`` (others skipped)."""
    from crossborder import scenario

    rows = {}
    available = set(scenario.available_markets())
    for code in codes:
        if code not in available:
            continue
        res = scenario.load(code).markets.pilot_results
        if res is not None:
            rows[code] = {s: getattr(res, s) for s in STAGES} | {
                "very_disappointed": np.nan if res.very_disappointed is None else res.very_disappointed}
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*STAGES, "very_disappointed"])


def scorecard(codes: list[str], lang: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(results, scorecard, conversions) for the markets among ``codes`` that have pilot results, each
    judged by the PMF rules of its own scenario (a market may set stricter thresholds)."""
    from crossborder import scenario

    results = pilot_results(codes)
    cards, convs = [], []
    for code in results.index:
        rules = scenario.load(code).markets.pmf
        th = {k: {"go": v.go, "stop": v.stop} for k, v in rules.thresholds.items()}
        card, conv = pmf_scorecard(results.loc[[code]], th, min_pos=rules.min_pos, survey_go=rules.survey_go,
                                   confidence=rules.confidence, lang=lang)
        cards.append(card)
        convs.append(conv)
    if not cards:
        return results, pd.DataFrame(columns=["call", "reasons", "weakest", "pos", "very_disappointed"]), pd.DataFrame()
    return results, pd.concat(cards), pd.concat(convs)


def join(items, lang: str) -> str:
    """A list in the report's language: 德國、美國 / Germany, United States."""
    return t("markets.list_sep", lang).join(items)


def market_chapter(a: Analysis, scn, lang: str) -> str:
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
    _, card, _ = scorecard([code], lang)
    if code in card.index:
        lines.append(t("markets.report_pmf", lang, call=t(f"markets.call_{card.at[code, 'call']}", lang),
                       reasons=card.at[code, "reasons"]))
    else:
        lines.append(t("markets.report_no_pmf", lang, market=name))
    return "\n\n".join(lines)


def headline(a: Analysis, scn, lang: str) -> tuple[str, str, float]:
    """(sentence, key figure, value): the pilot, and where the report's market stands."""
    pilot = join((country_name(c, lang) for c in a.pilot.index), lang)
    leader = a.table.index[0]
    code = scn.code
    if code in a.table.index:
        r = a.table.loc[code]
        text = t("markets.headline", lang, pilot=pilot, leader=country_name(leader, lang),
                 p=a.table.at[leader, "p_first"], market=country_name(code, lang), rank=int(r["rank"]), n=len(a.table))
        return text, t("markets.headline_figure", lang, rank=int(r["rank"]), n=len(a.table)), float(r["rank"])
    text = t("markets.headline_no_rank", lang, pilot=pilot, leader=country_name(leader, lang), p=a.table.at[leader, "p_first"])
    return text, t("markets.headline_figure_pilot", lang, n=len(a.pilot)), float(len(a.pilot))


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


def headline_points(a: Analysis, data: Data, scn, lang: str) -> list[str]:
    """Two or three talking points for the workshop deck, with the market's numbers, adding to the headline:
    how robust the market's rank is, the smallest re-weighting that would lift it (or, for the leader, the
    weight its first place depends on most), and the duty its goods pay with the pilot's PMF call."""
    code, name = scn.code, _in_text(scn.code, lang)
    leader = a.table.index[0]
    points = []
    if code in a.table.index:
        r = a.table.loc[code]
        rank_now = int(r["rank"])
        points.append(t("markets.point_rank", lang, method=t(f"markets.method_{a.settings.method}", lang), market=name,
                        rank=rank_now, n=len(a.table), p_first=r["p_first"], p_top3=r["p_top3"],
                        draws=a.acceptability.samples))
        rw = reweight_for_rank(a, code, 3 if rank_now > 3 else 1) if rank_now > 1 else None
        if rw is not None and rw.found:
            moves = rw.table[rw.table["change"].abs() >= 0.005].head(3)
            changes = join((f"{_label(data, c, lang)} {_pp(x)}" for c, x in moves["change"].items()), lang)
            points.append(t("markets.point_reweight", lang, market=name, moved=rw.moved, changes=changes, rank=rw.rank))
    else:
        points.append(t("markets.point_leader", lang, leader=country_name(leader, lang), p=a.table.at[leader, "p_first"],
                        draws=a.acceptability.samples))
    sens = a.sensitivity
    if len(points) < 2 and np.isfinite(sens["margin"]).any():
        c = sens["margin"].idxmin()
        low, high = sens.at[c, "low"], sens.at[c, "high"]
        kind = "below" if high >= 0.999 else "above" if low <= 0.001 else "between"
        points.append(t(f"markets.point_sensitivity_{kind}", lang, leader=country_name(leader, lang),
                        criterion=_label(data, c, lang), low=low, high=high, w=sens.at[c, "weight"]))
    if code in a.tariffs.index:
        tr = a.tariffs.loc[code]
        _, card, _ = scorecard([code], lang)
        call = (t("markets.point_call", lang, call=t(f"markets.call_{card.at[code, 'call']}", lang))
                if code in card.index else "")
        points.append(t("markets.point_duty", lang, market=name, origin=country_name(tr["origin"], lang),
                        duty=tr["duty"], regime=tr["regime"], call=call))
    return [_sentences([p], lang) for p in points]


# ============================================================================================== panel

def panel(scn, lang: str, data: Data | None = None, top: int = 5) -> ControlPanel:
    """JupyterLab controls: a weight slider per criterion, method, normalization, weighting mode, origin
    plant and the weight-uncertainty model; every change recomputes the ranking, radar, rank
    acceptability, tornado and pilot pick in place. "Save scenario" writes the choices to the overlay."""
    import ipywidgets as widgets

    from crossborder import scenario
    from crossborder.notebook.panel import ControlPanel

    data = load_data() if data is None else data
    base = settings_of(scn)
    plants = list(scn.exporter.origin_plants)
    crit = list(data.criteria.index)
    start = data.criteria["weight"].to_dict() | dict(base.weights)
    wide = dict(style={"description_width": "initial"}, layout=widgets.Layout(width="98%"))
    controls: dict[str, widgets.ValueWidget] = {
        f"w_{c}": widgets.FloatSlider(value=float(start[c]), min=0.0, max=1.0, step=0.01, readout_format=".2f",
                                       description=_label(data, c, lang), continuous_update=False, **wide)
        for c in crit
    }
    controls["method"] = widgets.Dropdown(options=[(t(f"markets.method_{m}", lang), m) for m in METHODS],
                                          value=base.method, description=t("markets.ctl_method", lang), **wide)
    controls["normalization"] = widgets.Dropdown(options=[(t(f"markets.norm_{n}", lang), n) for n in NORMALIZATIONS],
                                                 value=base.normalization, description=t("markets.ctl_normalization", lang), **wide)
    weightings = [w for w in WEIGHTINGS if w != "ahp" or base.ahp]
    controls["weighting"] = widgets.Dropdown(options=[(t(f"markets.weighting_{w}", lang), w) for w in weightings],
                                             value=base.weighting if base.weighting in weightings else "direct",
                                             description=t("markets.ctl_weighting", lang), **wide)
    controls["origin"] = widgets.Dropdown(options=[(country_name(p, lang), p) for p in plants] + [(t("markets.origin_best", lang), "best")],
                                          value=base.origin if base.origin in plants + ["best"] else plants[0],
                                          description=t("markets.ctl_origin", lang), **wide)
    controls["mode"] = widgets.Dropdown(options=[(t(f"markets.smaa_{m}", lang, k=base.concentration), m) for m in SMAA_MODES],
                                        value=base.mode, description=t("markets.ctl_mode", lang), **wide)
    controls["concentration"] = widgets.FloatSlider(value=float(base.concentration), min=5.0, max=500.0, step=5.0,
                                                    readout_format=".0f", continuous_update=False,
                                                    description=t("markets.ctl_concentration", lang), **wide)

    def settings(values: dict) -> Settings:
        return Settings(method=values["method"], normalization=values["normalization"], weighting=values["weighting"],
                        weights={c: float(values[f"w_{c}"]) for c in crit}, ahp=dict(base.ahp), origin=values["origin"],
                        additional_duties=base.additional_duties, samples=base.samples, mode=values["mode"],
                        concentration=float(values["concentration"]), seed=base.seed, pilot_size=base.pilot_size,
                        override=base.override)

    def render(**values) -> dict:
        a = analyse(data, settings(values), plants, lang)
        note = ahp_note(a.ahp, data, lang)
        if values["weighting"] != "direct":
            note = (note + " " if note else "") + t("markets.note_sliders_idle", lang,
                                                    weighting=t(f"markets.weighting_{values['weighting']}", lang))
        return {"ranking": ranking_figure(a, data, lang), "radar": radar_figure(a, data, lang, top=top),
                "acceptability": acceptability_figure(a, lang), "tornado": tornado_figure(a, data, lang),
                "pilot": pilot_table(a, lang), "weights": weights_table(a, data, lang), "note": note}

    def save(values: dict) -> Path:
        s = settings(values)
        return scenario.save_overlay(scn.code, "markets", {
            "method": s.method, "normalization": s.normalization, "weighting": s.weighting,
            "weights": {c: round(v, 4) for c, v in s.weights.items()}, "origin": s.origin,
            "smaa": {"mode": s.mode, "concentration": s.concentration}})

    return ControlPanel(controls, render, lang=lang, save=save)
