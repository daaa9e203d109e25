"""The market chapter's analysis: robustness of the ranking, the pilot pick, the PMF scorecard, and
``analyse`` (the whole chain for one set of choices).

Pure: the data tables, the settings and the pilot results come in as values; nothing here reads a file or a
scenario (``data.py`` does).

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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crossborder.core import stats
from crossborder.core.errors import InputError
from crossborder.core.i18n import t
from crossborder.scenario import Scenario

from .data import Data, decision_matrix, tariff_for_origin
from .model_mcda import AhpResult, Benefit, Prepared, Weights, _prepare, ahp, critic_weights, entropy_weights, rank
from .section import METHODS, PMF_RATE_STAGES, SMAA_MODES, STAGES, WEIGHTINGS, MarketSelection, PmfRules


def sample_weights(weights: Weights, n: int, mode: str = "around", concentration: float = 50.0,
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


def rank_acceptability(scores: pd.DataFrame, weights: Weights, benefit: Benefit, method: str = "topsis",
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


def weight_sensitivity(scores: pd.DataFrame, weights: Weights, benefit: Benefit, method: str = "topsis",
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
                             f"markets.csv: {', '.join(table.index)}")
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


SCORECARD_COLUMNS = ["call", "reasons", "weakest", "pos", "very_disappointed"]


def judge_pilots(results: pd.DataFrame, rules: dict[str, PmfRules], lang: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(results, scorecard, conversions): each market of ``results`` judged by its own PMF rules ``rules[code]``
    (a market may set stricter thresholds than another)."""
    cards, convs = [], []
    for code in results.index:
        r = rules[code]
        th = {k: {"go": v.go, "stop": v.stop} for k, v in r.thresholds.items()}
        card, conv = pmf_scorecard(results.loc[[code]], th, min_pos=r.min_pos, survey_go=r.survey_go,
                                   confidence=r.confidence, lang=lang)
        cards.append(card)
        convs.append(conv)
    if not cards:
        return results, pd.DataFrame(columns=SCORECARD_COLUMNS), pd.DataFrame()
    return results, pd.concat(cards), pd.concat(convs)


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
    def from_scenario(cls, section: MarketSelection, origin: str) -> Settings:
        """``origin``: the exporter's plant for the market (``exporter.origin``), or "best" for a comparison."""
        s = section
        return cls(s.method, s.normalization, s.weighting, dict(s.weights), dict(s.ahp), origin,
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



def settings_of(scn: Scenario) -> Settings:
    """The analysis settings of a market's scenario (section ``markets``)."""
    return Settings.from_scenario(scn.markets, scn.exporter.origin)
