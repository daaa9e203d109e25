"""The smallest re-weighting that lifts a market to a target rank (the workshop's question, and a talking point).

Pure: works on an ``Analysis`` (its decision matrix, method, normalization and weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crossborder.core.errors import InputError

from .model import Analysis, _rescaled, _shares, sample_weights
from .model_mcda import Prepared


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
        raise InputError(f"market: expected a candidate market of markets.csv "
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
