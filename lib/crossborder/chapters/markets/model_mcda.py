"""Multi-criteria decision analysis: normalization, weighted sum, TOPSIS and weights (entropy, CRITIC, AHP).

Pure: DataFrames and arrays in, results out.

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
- Random index of an incomplete matrix (Agoston & Csato 2022, "Inconsistency thresholds for incomplete
  pairwise comparison matrices", Omega 108, 102576). Saaty's RI(n) is the mean CI of random *complete*
  matrices; a matrix with missing entries has fewer independent judgements and a much smaller random CI, so
  dividing its CI by RI(n) understates the CR (about half for the shipped 21-of-36 pattern). For an
  incomplete matrix RI is therefore simulated for its exact pattern of known pairs: ``RI_SAMPLES`` random
  matrices (seed ``RI_SEED``) with judgements drawn uniformly from Saaty's 17 scale values {1/9, .., 9} on
  exactly those pairs, each completed with the same Harker method, RI = mean (lambda_max - n) / (n - 1).
  Agoston & Csato complete with the lambda_max-optimal filling (Bozoki, Fulop & Ronyai 2010), whose
  lambda_max is at or slightly below Harker's; using Harker's method for both the judgements and the random
  matrices keeps the ratio like for like. A complete matrix keeps Saaty's table (the simulation reproduces
  it within about 2 % for n >= 4; Saaty's n = 3 value 0.58 is high against modern estimates of 0.52). A
  spanning tree of judgements (n - 1 pairs) can never be inconsistent: RI = 0 and CR = 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError

from .section import METHODS, NORMALIZATIONS, check_judgements, parse_judgement

# Per criterion: a mapping (Series or dict keyed by criterion) or values in the columns' order.
Weights = pd.Series | Mapping[str, float] | Sequence[float] | np.ndarray
Benefit = pd.Series | Mapping[str, bool] | Sequence[bool] | np.ndarray

# Saaty's random consistency index RI(n) (Saaty 1980, n <= 10; n = 11..15 as tabulated in Saaty 2000).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
                11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
CR_LIMIT = 0.10
RI_SAMPLES = 20_000         # random matrices per pattern: standard error of RI about 0.1 % for n = 9
RI_SEED = 20220101          # fixed: the simulated index is the same on every run and machine
SAATY_SCALE = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9])

__all__ = ["CR_LIMIT", "RANDOM_INDEX", "RI_SAMPLES", "RI_SEED", "SAATY_SCALE", "AhpResult", "Benefit", "Prepared", "Weights", "ahp",
           "ahp_matrix", "contributions", "critic_weights", "entropy_weights", "normalize", "parse_judgement", "random_index", "rank",
           "topsis", "weighted_sum"]


def _prepare(scores: pd.DataFrame, weights: Weights, benefit: Benefit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def normalize(scores: pd.DataFrame, method: str = "vector", benefit: Benefit | None = None) -> pd.DataFrame:
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


def weighted_sum(scores: pd.DataFrame, weights: Weights, benefit: Benefit, normalization: str = "minmax") -> pd.Series:
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


def topsis(scores: pd.DataFrame, weights: Weights, benefit: Benefit, normalization: str = "vector") -> pd.Series:
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


def contributions(scores: pd.DataFrame, weights: Weights, benefit: Benefit, method: str = "topsis",
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

def entropy_weights(scores: pd.DataFrame, benefit: Benefit | None = None, standardize: bool = True) -> pd.Series:
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


def critic_weights(scores: pd.DataFrame, benefit: Benefit | None = None) -> pd.Series:
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


def ahp_matrix(judgements: dict[str, object], criteria: list[str]) -> np.ndarray:
    """The pairwise matrix from judgements ``{"a/b": value}`` ("a is value times as important as b").

    Missing pairs are left 0 (Harker 1987); the diagonal is 1 plus the row's number of missing pairs.
    """
    n = len(criteria)
    A = np.zeros((n, n))
    for (i, j), v in check_judgements(judgements, criteria).items():
        A[i, j], A[j, i] = v, 1.0 / v
    missing = (A == 0).sum(axis=1) - 1          # the diagonal is still 0
    A[np.diag_indices(n)] = 1.0 + missing
    return A


def _known_pairs(A: np.ndarray) -> tuple[tuple[int, int], ...]:
    """The judged pairs (i < j) of a pairwise matrix: the positive off-diagonal entries."""
    n = A.shape[0]
    return tuple((i, j) for i in range(n) for j in range(i + 1, n) if A[i, j] > 0)


def _harker_lambda(n: int, known: tuple[tuple[int, int], ...], values: np.ndarray) -> np.ndarray:
    """lambda_max of Harker matrices, one per row of ``values`` (judgements on the ``known`` pairs, in order)."""
    ii = np.array([i for i, _ in known], dtype=int)
    jj = np.array([j for _, j in known], dtype=int)
    A = np.zeros((values.shape[0], n, n))
    A[:, ii, jj] = values
    A[:, jj, ii] = 1.0 / values
    missing = (n - 1) - np.bincount(np.r_[ii, jj], minlength=n)
    A[:, np.arange(n), np.arange(n)] = 1.0 + missing
    return np.linalg.eigvals(A).real.max(axis=1)


@lru_cache(maxsize=64)
def _simulated_ri(n: int, known: tuple[tuple[int, int], ...], samples: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    values = SAATY_SCALE[rng.integers(0, len(SAATY_SCALE), size=(samples, len(known)))]
    ri = float(np.mean((_harker_lambda(n, known, values) - n) / (n - 1)))
    return ri if ri > 1e-9 else 0.0          # a spanning tree: every filling is consistent


def random_index(n: int, known: Sequence[tuple[int, int]] | None = None, *, samples: int = RI_SAMPLES,
                 seed: int = RI_SEED) -> float:
    """The random index for ``n`` criteria judged on the pairs ``known`` ((i, j) by position; None: all).

    Simulated (Agoston & Csato 2022; see the module docstring): the mean CI of ``samples`` random Harker-
    completed matrices with Saaty-scale judgements on exactly those pairs. Deterministic (fixed seed) and
    cached per (n, pattern). ``random_index(n)`` simulates the complete pattern too, for comparison with
    Saaty's table; :func:`ahp` uses the table for complete matrices.
    """
    if n < 3:
        return 0.0
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)] if known is None else known
    canon = tuple(sorted({(min(i, j), max(i, j)) for i, j in pairs}))
    if any(i == j or not 0 <= i < n or not 0 <= j < n for i, j in canon):
        raise InputError(f"random_index: expected pairs of two different positions 0..{n - 1}, found {list(pairs)}")
    if not canon:
        return 0.0
    return _simulated_ri(n, canon, int(samples), int(seed))


@dataclass(frozen=True)
class AhpResult:
    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float                       # Saaty's RI(n) when complete; simulated for the pattern when incomplete
    cr: float
    complete: bool
    inconsistent: pd.DataFrame      # most inconsistent judgements first: pair, given, implied, error
    known: int = 0                  # pairs judged
    pairs: int = 0                  # pairs there are, n (n - 1) / 2

    @property
    def consistent(self) -> bool:
        return self.cr <= CR_LIMIT


def ahp(judgements: dict[str, object] | np.ndarray, criteria: list[str]) -> AhpResult:
    """AHP weights, lambda_max, CI, RI, CR and the most inconsistent judgements.

    RI is Saaty's table for complete judgements and the simulated index of the actual pattern of known pairs
    for incomplete ones (:func:`random_index`).
    """
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
    known = _known_pairs(A)
    ri = RANDOM_INDEX[n] if complete else random_index(n, known)
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
    return AhpResult(pd.Series(w, index=criteria, name="weight"), lam, ci, ri, cr, complete, inconsistent,
                     len(known), n * (n - 1) // 2)
