"""Which assumption matters most: a tornado and a rank-correlation ranking of the random drivers. PURE.

Each driver's draws are summarised per draw by one number (its mean over channels, segments, months or years);
- tornado: every driver at the draw holding the median of its summary, then one driver at a time moved to the
  draws at its P10 and P90; the bar is the NPV swing;
- rank correlation: Spearman's rho between each driver's summary and the NPV over all draws (numpy ranks, no
  new dependency); rho^2 is the share of NPV's rank variance the driver explains on its own.
A driver that does not vary (all draws equal) has no swing and no correlation: it drops out of both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import DRIVERS, Draws, Inputs, simulate


def summaries(d: Draws) -> dict[str, np.ndarray]:
    """One number per draw for each driver."""
    out = {}
    for name in DRIVERS:
        x = getattr(d, name)
        out[name] = x.reshape(len(x), -1).mean(axis=1)
    return out


def _varies(x: np.ndarray) -> bool:
    return bool(np.ptp(x) > 1e-12 * max(1.0, float(np.abs(x).max())))


def _rank(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank().to_numpy()


def rank_correlation(d: Draws, npv: np.ndarray) -> pd.Series:
    """Spearman's rho of each varying driver with NPV."""
    r = _rank(npv)
    out = {}
    for name, x in summaries(d).items():
        if _varies(x):
            out[name] = float(np.corrcoef(_rank(x), r)[0, 1])
    return pd.Series(out, dtype=float)


def tornado(inp: Inputs, d: Draws, q: tuple[float, float] = (0.10, 0.90)) -> pd.DataFrame:
    """NPV at each varying driver's P10 and P90 draw, the others at their median draw; sorted by swing."""
    s = summaries(d)
    pick = lambda x, p: int(np.argmin(np.abs(x - np.quantile(x, p))))  # noqa: E731
    med = {name: pick(x, 0.5) for name, x in s.items()}
    base_draw = Draws(*(getattr(d, name)[[med[name]]] for name in DRIVERS))
    base = float(simulate(inp, base_draw).npv[0])
    rows = []
    for name, x in s.items():
        if not _varies(x):
            continue
        vals = []
        for p in q:
            fields = {n: getattr(base_draw, n) for n in DRIVERS}
            fields[name] = getattr(d, name)[[pick(x, p)]]
            vals.append(float(simulate(inp, Draws(**fields)).npv[0]))
        rows.append({"driver": name, "low": vals[0], "high": vals[1], "base": base, "swing": abs(vals[1] - vals[0])})
    out = pd.DataFrame(rows, columns=["driver", "low", "high", "base", "swing"])
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def ranking(inp: Inputs, d: Draws, npv: np.ndarray, owners: dict[str, str]) -> pd.DataFrame:
    """Both measures side by side, with the owning chapter; ranked by |rho| (ties by swing)."""
    t = tornado(inp, d).set_index("driver")
    rho = rank_correlation(d, npv)
    out = pd.DataFrame({"rho": rho}).join(t[["low", "high", "swing"]], how="outer")
    out["share"] = out["rho"] ** 2 / (out["rho"] ** 2).sum() if (out["rho"] ** 2).sum() > 0 else 0.0
    out["chapter"] = [owners.get(k, "") for k in out.index]
    out["abs_rho"] = out["rho"].abs()
    return out.sort_values(["abs_rho", "swing"], ascending=False).drop(columns="abs_rho")
