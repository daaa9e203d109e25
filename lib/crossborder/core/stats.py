"""Statistics several chapters share: stage conversions with Wilson intervals, and seeded random draws.

Stage conversions appear in the PMF scorecard (market selection) and in the funnel chapter; both call
``stage_conversions`` so that "conversion" means the same thing everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from crossborder.core.errors import InputError


def wilson_interval(successes, trials, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (Wilson 1927), vectorized.

    Returns (low, high) arrays; where ``trials`` is 0 both are NaN (no evidence, no interval).
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(n < 0) or np.any(k > n):
        raise InputError(f"wilson_interval: expected 0 <= successes <= trials, found successes={k}, trials={n}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence: expected a level between 0 and 1, found {confidence!r}")
    z = sps.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def stage_conversions(counts: pd.DataFrame, stages: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Conversion from each stage to the next, per row of ``counts`` (e.g. per market or channel).

    ``counts`` has one column per stage (in funnel order, ``stages``) and one row per group. Returns a long
    table indexed like ``counts`` with columns ``from_stage, to_stage, entered, converted, rate, low, high``
    (Wilson interval at ``confidence``). A later stage larger than the one before is an error: every stage
    of a funnel is a subset of the previous one.
    """
    missing = [s for s in stages if s not in counts.columns]
    if missing:
        raise InputError(f"stage_conversions: missing stage column(s) {', '.join(missing)}; found {', '.join(map(str, counts.columns))}")
    values = counts[stages].to_numpy(dtype=float)
    if np.any(values < 0) or np.isnan(values).any():
        raise InputError("stage_conversions: expected counts >= 0 for every stage, found a negative or empty count")
    entered, converted = values[:, :-1], values[:, 1:]
    grows = converted > entered
    if grows.any():
        r, c = np.argwhere(grows)[0]
        raise InputError(
            f"stage_conversions: row {counts.index[r]!r}: '{stages[c + 1]}' ({converted[r, c]:g}) exceeds "
            f"'{stages[c]}' ({entered[r, c]:g}); expected each stage to be at most the one before")
    low, high = wilson_interval(converted, entered, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(entered > 0, converted / entered, np.nan)
    n_rows, n_pairs = entered.shape
    out = pd.DataFrame({
        "from_stage": np.tile(stages[:-1], n_rows),
        "to_stage": np.tile(stages[1:], n_rows),
        "entered": entered.ravel(), "converted": converted.ravel(),
        "rate": rate.ravel(), "low": low.ravel(), "high": high.ravel(),
    }, index=np.repeat(counts.index.to_numpy(), n_pairs))
    out.index.name = counts.index.name
    return out


def rng(seed: int | None) -> np.random.Generator:
    """The workbook's random generator: every Monte Carlo takes a seed from its scenario."""
    return np.random.default_rng(seed)
