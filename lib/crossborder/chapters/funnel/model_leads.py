"""Lead scoring: the rule-based score (points per feature, MQL and SQL thresholds) and the logistic model of
P(lead reaches a quote) fitted by IRLS with an optional ridge penalty, judged out of fold by calibration, the
Brier score and the AUC; scored leads, MQL / SQL volumes and the re-activation list. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import expit
from scipy.stats import rankdata

from crossborder.core import stats
from crossborder.core.errors import InputError

from .data import Data
from .model_funnel import Selection, _rows, stage_counts
from .section import DECISION_STAGES, INDUSTRIES, ROLES, SIZES, ModelSettings, Scoring

POSITIVE: tuple[str, ...] = ("quoted", "won")          # the lead reached a quote: what the scores predict
BANDS: tuple[str, ...] = ("below", "mql", "sql")


def rule_points(leads: pd.DataFrame, s: Scoring) -> pd.DataFrame:
    """Points per feature for each lead (one column per feature); their sum is the rule score."""
    return pd.DataFrame({
        "industry": leads["industry"].map(s.industry).astype(float),
        "role": leads["role"].map(s.role).astype(float),
        "company_size": leads["company_size"].map(s.company_size).astype(float),
        "region": leads["region"].map(s.region).astype(float),
        "decision_stage": leads["decision_stage"].map(s.decision_stage).astype(float),
        "pages_viewed": np.minimum(s.per_page * leads["pages_viewed"].to_numpy(float), s.page_cap),
        "downloads": np.minimum(s.per_download * leads["downloads"].to_numpy(float), s.download_cap),
        "inquiry": s.inquiry * leads["inquiry"].to_numpy(float),
        "budget_stated": s.budget_stated * leads["budget_stated"].to_numpy(float),
    }, index=leads.index)


def rule_score(leads: pd.DataFrame, s: Scoring) -> pd.Series:
    """The rule-based score: the sum of the feature points."""
    return rule_points(leads, s).sum(axis=1)


def band(score: ArrayLike, mql: float, sql: float) -> np.ndarray:
    """``below`` / ``mql`` / ``sql`` for each score (``sql`` at or above the SQL threshold)."""
    if sql < mql:
        raise InputError(f"sql_threshold: expected at least the MQL threshold ({mql:g}), found {sql:g}")
    s = np.asarray(score, dtype=float)
    return np.asarray(BANDS, dtype=object)[(s >= mql).astype(int) + (s >= sql).astype(int)]


FEATURES: tuple[str, ...] = (
    "intercept", *(f"industry_{x}" for x in INDUSTRIES[:-1]), *(f"role_{x}" for x in ROLES[:-1]),
    *(f"company_size_{x}" for x in SIZES[1:]), "region_core", *(f"decision_stage_{x}" for x in DECISION_STAGES[1:]),
    "log_pages", "downloads", "inquiry", "budget_stated",
)


def design_matrix(leads: pd.DataFrame) -> np.ndarray:
    """The logistic model's inputs, columns as ``FEATURES``: an intercept; one indicator per category level
    against a reference level (industry other, role other, size small, region other, stage research);
    log(1 + pages viewed); downloads; inquiry and stated budget as 0/1."""
    n = len(leads)
    cols = [np.ones(n)]
    for name, levels in (("industry", INDUSTRIES[:-1]), ("role", ROLES[:-1])):
        values = leads[name].to_numpy()
        cols += [(values == x).astype(float) for x in levels]
    size = leads["company_size"].to_numpy()
    cols += [(size == x).astype(float) for x in SIZES[1:]]
    cols.append((leads["region"].to_numpy() == "core").astype(float))
    stage = leads["decision_stage"].to_numpy()
    cols += [(stage == x).astype(float) for x in DECISION_STAGES[1:]]
    cols += [np.log1p(leads["pages_viewed"].to_numpy(float)), leads["downloads"].to_numpy(float),
             leads["inquiry"].to_numpy(float), leads["budget_stated"].to_numpy(float)]
    return np.column_stack(cols)


@dataclass(frozen=True)
class Logit:
    """A fitted logistic regression: coefficients, standard errors, and how the fit went."""

    coef: np.ndarray
    se: np.ndarray
    names: tuple[str, ...]
    iterations: int
    loglik: float
    l2: float

    def predict(self, X: ArrayLike) -> np.ndarray:
        return expit(np.asarray(X, dtype=float) @ self.coef)


def fit_logistic(X: ArrayLike, y: ArrayLike, l2: float = 0.0, max_iter: int = 100, tol: float = 1e-9,
                 names: tuple[str, ...] | None = None) -> Logit:
    """Maximum-likelihood logistic regression by IRLS / Newton-Raphson (McCullagh & Nelder 1989, §2.5).

    Column 0 of ``X`` is the intercept and is not penalised; ``l2`` adds (l2 / 2) * sum(b_j^2) over the
    slopes (ridge). Each step solves (X'WX + L) delta = X'(y - p) - L b with W = diag(p (1 - p)).
    Standard errors are the square roots of the diagonal of (X'WX + L)^-1 at the optimum. Raises
    ``InputError`` when the fit does not converge (e.g. a feature separates the outcomes perfectly and
    ``l2`` is 0).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or len(y) != X.shape[0]:
        raise InputError(f"fit_logistic: expected X (n, k) and y (n,), found {X.shape} and {y.shape}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise InputError("fit_logistic: expected outcomes y of 0 or 1")
    if y.min() == y.max():
        raise InputError(f"fit_logistic: expected both outcomes among the {len(y)} leads, found only {int(y[0])}")
    if l2 < 0:
        raise InputError(f"l2: expected a penalty >= 0, found {l2!r}")
    k = X.shape[1]
    penalty = np.full(k, float(l2))
    penalty[0] = 0.0
    beta = np.zeros(k)
    for it in range(1, max_iter + 1):
        p = expit(X @ beta)
        w = p * (1 - p)
        hess = (X * w[:, None]).T @ X + np.diag(penalty)
        grad = X.T @ (y - p) - penalty * beta
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            raise InputError("fit_logistic: the features are collinear (a singular information matrix); "
                             "add a ridge penalty (model.l2 > 0) or drop a feature") from None
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 50:
            it = max_iter + 1
            break
    if it > max_iter or np.max(np.abs(step)) >= tol:
        raise InputError(f"fit_logistic: no convergence in {max_iter} iterations (perfect separation by a "
                         "feature?); set model.l2 > 0 in the scenario")
    p = expit(X @ beta)
    hess = (X * (p * (1 - p))[:, None]).T @ X + np.diag(penalty)
    cov = np.linalg.inv(hess)
    with np.errstate(divide="ignore"):
        loglik = float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
    return Logit(beta, np.sqrt(np.diag(cov)), names or tuple(f"x{j}" for j in range(k)), it, loglik, float(l2))


def folds(n: int, k: int, seed: int) -> np.ndarray:
    """Fold number (0..k-1) for each of ``n`` rows: a seeded shuffle dealt round-robin."""
    out = np.empty(n, dtype=int)
    out[stats.rng(seed).permutation(n)] = np.arange(n) % k
    return out


def cross_validated(X: ArrayLike, y: ArrayLike, k: int, seed: int, l2: float) -> np.ndarray:
    """Out-of-fold predicted probabilities: each row predicted by the model fitted without its fold."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    fold = folds(len(y), k, seed)
    p = np.empty(len(y))
    for j in range(k):
        test = fold == j
        p[test] = fit_logistic(X[~test], y[~test], l2).predict(X[test])
    return p


def auc(score: ArrayLike, y: ArrayLike) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative), ties counting half
    (the Mann-Whitney U statistic divided by n1 * n0). NaN without both outcomes."""
    s = np.asarray(score, dtype=float)
    y = np.asarray(y, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def roc_curve(score: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates at every distinct threshold (highest first), from (0, 0) to (1, 1)."""
    s = np.asarray(score, dtype=float)
    y = np.asarray(y, dtype=bool)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]     # the last row of each tied group
    tp = np.cumsum(y)[last]
    fp = np.cumsum(~y)[last]
    return np.r_[0, fp / max(fp[-1], 1)], np.r_[0, tp / max(tp[-1], 1)]


def brier(p: ArrayLike, y: ArrayLike) -> float:
    """Brier score: mean squared difference between predicted probability and outcome (0 is perfect)."""
    return float(np.mean((np.asarray(p, float) - np.asarray(y, float)) ** 2))


def calibration(p: ArrayLike, y: ArrayLike, bins: int = 10, confidence: float = 0.95) -> pd.DataFrame:
    """Observed rate against mean predicted probability in ``bins`` groups of (nearly) equal size, sorted by
    prediction, with the Wilson interval of each observed rate."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(p) == 0:
        return pd.DataFrame(columns=["n", "predicted", "observed", "low", "high"])
    order = np.argsort(p, kind="stable")
    group = np.empty(len(p), dtype=int)
    group[order] = np.arange(len(p)) * min(bins, len(p)) // len(p)
    df = pd.DataFrame({"g": group, "p": p, "y": y}).groupby("g").agg(n=("y", "size"), predicted=("p", "mean"),
                                                                        hits=("y", "sum"))
    low, high = stats.wilson_interval(df["hits"], df["n"], confidence)
    return pd.DataFrame({"n": df["n"], "predicted": df["predicted"], "observed": df["hits"] / df["n"],
                         "low": low, "high": high})


@dataclass(frozen=True)
class LeadModel:
    """The logistic lead model fitted on every resolved lead, with its out-of-fold predictions."""

    logit: Logit
    oof: pd.Series           # out-of-fold P(quote) for resolved leads, indexed like the leads
    fitted: pd.Series        # P(quote) from the full model, every lead
    resolved: pd.Series      # bool per lead
    positive: pd.Series      # bool per lead: reached a quote


def lead_model(leads: pd.DataFrame, settings: ModelSettings) -> LeadModel:
    """Fit the logistic model on every resolved lead (all markets pooled: more leads, steadier coefficients)
    and predict each resolved lead out of fold. Open leads are not used for fitting."""
    resolved = leads["outcome"] != "open"
    positive = leads["outcome"].isin(POSITIVE)
    X = design_matrix(leads)
    y = positive[resolved].to_numpy(float)
    logit = fit_logistic(X[resolved.to_numpy()], y, settings.l2, names=FEATURES)
    oof = cross_validated(X[resolved.to_numpy()], y, settings.folds, settings.seed, settings.l2)
    return LeadModel(logit, pd.Series(oof, index=leads.index[resolved.to_numpy()]),
                      pd.Series(logit.predict(X), index=leads.index), resolved, positive)


def scored_leads(data: Data, sel: Selection, s: Scoring, model: LeadModel | None = None) -> pd.DataFrame:
    """The selection's leads (created in the window) with rule score, band and (with ``model``) the logistic
    probabilities."""
    l = data.leads
    m = _rows(l, sel.market, sel.channel) & (l["created"] >= sel.window.start) & (l["created"] < sel.window.end)
    out = l[m].copy()
    out["score"] = rule_score(out, s)
    out["band"] = band(out["score"], s.mql_threshold, s.sql_threshold)
    out["resolved"] = out["outcome"] != "open"
    out["positive"] = out["outcome"].isin(POSITIVE)
    if model is not None:
        out["p_fitted"] = model.fitted.reindex(out.index)
        out["p_oof"] = model.oof.reindex(out.index)
    return out


def volumes(data: Data, sel: Selection, s: Scoring, confidence: float = 0.95) -> pd.DataFrame:
    """MQL and SQL volumes per month at the thresholds, estimated as the sample's share of leads at or above
    each threshold times the funnel's leads (downloads) per month, with how often such leads reached a quote
    (resolved leads, Wilson interval); beside the MQLs and SQLs the funnel recorded."""
    leads = scored_leads(data, sel, s)
    counts = stage_counts(data, sel)
    months = max(int(counts["months"].iloc[0]) if len(counts) else 0, 1)
    per_month = float(counts["downloads"].sum()) / months if len(counts) else 0.0
    rows = []
    for name, threshold, recorded in (("lead", -np.inf, "downloads"), ("mql", s.mql_threshold, "mqls"),
                                      ("sql", s.sql_threshold, "sqls")):
        above = leads["score"] >= threshold
        share = float(above.mean()) if len(leads) else float("nan")
        res = leads[above & leads["resolved"]]
        k, n = int(res["positive"].sum()), len(res)
        low, high = stats.wilson_interval(k, n, confidence)
        rows.append(dict(level=name, threshold=threshold if np.isfinite(threshold) else np.nan, sample=int(above.sum()),
                         share=share, per_month=share * per_month,
                         recorded=float(counts[recorded].sum()) / months if len(counts) else np.nan,
                         resolved=n, quoted=k, quote_rate=k / n if n else np.nan, low=float(low), high=float(high)))
    return pd.DataFrame(rows).set_index("level")


def reactivation(data: Data, market: str, channel: str, as_of: date, s: Scoring, days: int) -> pd.DataFrame:
    """Open leads with no interaction for ``days`` or more before ``as_of``, highest rule score first."""
    l = data.leads
    when = pd.Timestamp(as_of)
    idle = (when - l["last_interaction"]).dt.days
    m = _rows(l, market, channel) & (l["outcome"] == "open") & (idle >= days) & (l["created"] <= when)
    out = l[m].copy()
    out["days_idle"] = idle[m]
    out["score"] = rule_score(out, s)
    out["band"] = band(out["score"], s.mql_threshold, s.sql_threshold)
    return out.sort_values(["score", "days_idle", "lead_id"], ascending=[False, False, True])
