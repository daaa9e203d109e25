"""Every chapter's contribution to the business case, read through the chapters' public faces.

This is the ONLY module of the workbook that imports other chapters (import-linter's layers contract in
pyproject.toml lets the business case sit above the ten chapters, and no chapter import it). It turns each
chapter's public model functions for one market and date into plain arrays (:class:`model.Inputs` and
:class:`model.Draws`) and a small :class:`Context` of what the texts need. Where a driver is not available as a
function, it is computed here from the chapter's public data loaders, and the function says so.

One seed (``business_case.seed``) seeds every draw: common random numbers, so two settings compared on the
same draws differ by the setting, not by noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from crossborder.chapters import funnel, fx, landed, markets, payments, plan, platforms, pricing, risk
from crossborder.core import stats
from crossborder.scenario import Scenario

from .model import Draws, Inputs
from .section import SEGMENTS

STAGES = ("mqls", "sqls", "quotes", "new_customers")   # funnel chain from a qualified inquiry to a first PO
HEDGE_RATIO = {"none": 0.0, "forward_50": 0.5, "forward_100": 1.0}

# Which chapter owns each random driver (the sensitivity labels).
OWNERS = {"conversion": "07", "churn": "07", "cost": "03", "freight": "03", "fx": "05", "risk": "08"}


@dataclass(frozen=True)
class Context:
    """What the texts and the decision need besides the arrays."""

    code: str
    as_of: date
    home: str
    invoice: str
    channels: tuple[str, ...]
    channel_labels: dict[str, dict[str, str]]
    pmf: str                                     # go / iterate / stop / none (no pilot results)
    recommended_hedge: str                       # chapter 05's strategy
    recommended_ratio: float
    product: str
    tier_labels: tuple[str, ...]                 # pricing tier per segment
    credit_terms: dict[str, str]                 # segment -> instrument (chapter 04)
    days_to_ready: float
    compliance_share_done: float
    actions: pd.DataFrame                        # the plan's first tasks: task, name_en/zh_TW, owner_en/zh_TW, due
    evidence: dict[str, float] = field(default_factory=dict)   # inputs of the disciplines' scores


@dataclass(frozen=True)
class Drivers:
    inputs: Inputs
    draws: Draws
    context: Context


def _usd_rate(scn: Scenario) -> float:
    pair = scn.rates.stated(scn.exporter.home_currency, "USD")
    return float(pair.rate) if pair is not None else 1.0


def timing(scn: Scenario, days_to_ready: float) -> tuple[int, int]:
    """(first-order month, paid-channel start month) from the 90-day plan: orders after the pilot phase (plan day
    ``PLAN_DAYS`` -> month 4), later if compliance is not ready by then; channels from the plan day set."""
    after_plan = plan.PLAN_DAYS // 30 + 1
    after_ready = math.ceil(max(days_to_ready, 0) / 30) + 1
    return max(after_plan, after_ready), (scn.business_case.marketing_start_day - 1) // 30 + 1


def channel_inputs(scn: Scenario) -> tuple[dict[str, np.ndarray], tuple[str, ...], dict, float]:
    """The platform chapter's mix: response curves (home currency a year), the budget split and its budget.
    The curves come from ``platforms.mix_response`` over the scenario's mix channels; USD -> home at the
    scenario's stated rate."""
    a = platforms.analyse(scn, platforms.load_channels())
    ch = list(a.section.mix_channels)
    resp = platforms.mix_response(a.inputs.loc[ch], a.economics.loc[ch], "leads")
    usd = _usd_rate(scn)
    share = a.mix["share"].reindex(ch).fillna(0.0).to_numpy(float)   # channels the optimiser leaves unfunded get 0
    share = share / share.sum() if share.sum() > 0 else np.full(len(ch), 1 / len(ch))
    arrays = {"ref_spend": resp.ref_spend * usd, "ref_leads": resp.ref_leads, "saturation": resp.k, "share": share}
    return arrays, tuple(ch), {c: a.labels[c] for c in ch}, a.section.budget * usd / 12.0


def funnel_counts(scn: Scenario, as_of: date, channels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, funnel.Data]:
    """(k, n) of each stage step per channel, shape (C, steps), from ``funnel.stage_counts`` over the last
    12 months; a channel the funnel has no data for takes the market's pooled counts."""
    data = funnel.load_data()
    sel = funnel.Selection(scn.code, "all", funnel.window(as_of, 12))
    by = funnel.stage_counts(data, sel, by="channel")
    pooled = funnel.stage_counts(data, sel).iloc[0]
    rows = [by.loc[c] if c in by.index and by.loc[c, "mqls"] > 0 else pooled for c in channels]
    counts = np.array([[r[s] for s in STAGES] for r in rows], float)
    k, n = counts[:, 1:], counts[:, :-1]
    return np.minimum(k, n), n, by, data


def segments(scn: Scenario, data: funnel.Data, as_of: date) -> pd.DataFrame:
    """Per account tier (strategic / key / standard): share of accounts, orders a year of an active account,
    revenue per order (home currency) and churn counts (active the year before, none this year).

    Not a chapter function: computed here from ``funnel.activity`` (the funnel chapter's public per-account
    table) over the 12 months before the report month."""
    w = funnel.window(as_of, 12)
    a = funnel.activity(data, w)
    a = a[a["market"] == scn.code]
    rows = {}
    for s in SEGMENTS:
        g = a[a["tier"] == s]
        act = g[g["orders"] > 0]
        before = g[g["orders_prior"] > 0]
        rows[s] = {"accounts": len(g), "orders_per_year": act["orders"].mean() if len(act) else 1.0,
                   "revenue_per_order": act["revenue"].sum() / max(act["orders"].sum(), 1) if len(act) else np.nan,
                   "churned": int((before["orders"] == 0).sum()), "at_risk": len(before)}
    out = pd.DataFrame(rows).T
    fallback = a.loc[a["orders"] > 0, "revenue"].sum() / max(a["orders"].sum(), 1)
    out["revenue_per_order"] = out["revenue_per_order"].astype(float).fillna(fallback)
    total = out["accounts"].sum()
    out["mix"] = out["accounts"] / total if total else 1 / len(SEGMENTS)
    return out


def price_inputs(scn: Scenario, as_of: date, seg: pd.DataFrame) -> dict:
    """The pricing chapter's focus product: the tier whose quantity band holds each segment's typical order,
    its recommended price (invoice currency), the unit cost (home currency) and freight per unit."""
    book = pricing.book_for(scn, pricing.load_products(), as_of=as_of)
    model_ = pricing.focus_model(book, None)
    tiers, _ = pricing.analyse(book, model_)
    row = book.products.loc[model_]
    rate = float(row["fx_planning"])
    list_home = float(row["list_price"]) * rate
    qty = np.maximum(seg["revenue_per_order"].to_numpy(float) / list_home, 1.0)
    mins = tiers["min_qty"].to_numpy(float)
    idx = np.clip(np.searchsorted(mins, qty, side="right") - 1, 0, len(tiers) - 1)
    return {"book": book, "model": model_, "units": qty, "price": tiers["recommended_price"].to_numpy(float)[idx],
            "tier_labels": tuple(tiers["label"].to_numpy()[idx]), "unit_cost": np.full(len(qty), float(row["unit_cost"])),
            "freight_unit": float(row["freight_unit"]) if pd.notna(row["freight_unit"]) else 0.0}


def landed_inputs(scn: Scenario, as_of: date, incoterm: str) -> dict:
    """Chapter 06 on the report date under the pricing chapter's Incoterm: duty and import VAT the SELLER pays
    (shares of the goods value) and compliance readiness (remaining one-off cost, days to ready)."""
    try:
        q = landed.quote(scn, rule=incoterm, as_of=as_of, incoterms=landed.load_incoterms())
        lines = q.lines.set_index("item")
        goods = float(lines.at["goods", "amount"])
        seller = lambda item: float(lines.at[item, "amount"]) if lines.at[item, "payer"] == "seller" else 0.0  # noqa: E731
        duty, vat = (seller("duty") + seller("fees")) / goods, seller("import_vat") / goods
    except Exception:  # an Incoterm the landed chapter does not price: the buyer clears the goods
        duty = vat = 0.0
    rd = landed.market_readiness(scn, landed.load_compliance())
    return {"duty_share": duty, "vat_share": vat, "compliance_cost": float(rd.cost_remaining),
            "days_to_ready": float(rd.days_to_ready), "share_done": float(rd.share_done)}


def payment_inputs(scn: Scenario) -> dict:
    """Chapter 04's recommended instrument per credit tier for the scenario's deal: days to cash, expected
    credit loss and fees (shares of the deal), per segment through ``business_case.segment_credit_tier``."""
    grid = payments.cost_grid(payments.load_instruments(), scn.payments)
    rec = payments.recommend_terms(grid)
    amount = scn.payments.deal.amount
    out = {"receipt_days": [], "credit_loss": [], "payment_fees": [], "terms": {}}
    for s in SEGMENTS:
        tier = scn.business_case.segment_credit_tier[s]
        inst = rec.at[tier, "instrument"]
        g = grid.loc[(tier, inst)]
        out["receipt_days"].append(max(float(g["cash_day"]), 0.0))
        out["credit_loss"].append(float(g["credit_loss"]) / amount)
        out["payment_fees"].append(float(g["fees"] + g["insurance"] + g["discrepancy"]) / amount)
        out["terms"][s] = inst
    return out


def fx_inputs(scn: Scenario, as_of: date, months: int, n: int, gen: np.random.Generator) -> dict:
    """Chapter 05's inputs and recommended strategy; monthly GBM paths over the horizon at its volatility and
    risk-neutral drift (r_d - r_f), and the forwards locked on the report date (``fx.forward_rate``).
    Hedge ratio of the recommended strategy: its forward or option cover (an option is counted like a forward
    at its cover: a simplification), the mean layer ratio for layered, 0 for natural or none."""
    inp = fx.inputs(scn, as_of)
    a = fx.analyse(inp)
    pol = a.policy
    rd, rf = inp.r_domestic, inp.r_foreign   # policy rates in force on the report date (the fact store)
    t = np.arange(1, months + 1) / 12.0
    fwd = fx.forward_rate(inp.spot, t, rd, rf)
    z = gen.standard_normal((n, months))
    v = inp.vol
    paths = inp.spot * np.exp(np.cumsum((rd - rf - 0.5 * v * v) / 12.0 + v * np.sqrt(1 / 12.0) * z, axis=1))
    ratio = {"forward": pol.forward_cover, "layered": float(np.mean([r for _, r in pol.layers])),
             "put": pol.option_cover, "collar": pol.option_cover, "forward_put": pol.forward_cover,
             "natural_layered": float(np.mean([r for _, r in pol.layers]))}.get(a.recommended, 0.0)
    return {"spot": inp.spot, "forward": fwd, "paths": paths, "recommended": a.recommended, "ratio": ratio,
            "margin": pol.forward_margin, "invoice": inp.invoice}


def risk_draws(scn: Scenario, n: int, years: int, seed: int) -> np.ndarray:
    """(n, years) residual yearly loss of chapter 08's register (``risk.prepare`` + ``risk.simulate``) as a share of
    the market's planned sales (``risk.revenue``), so losses scale with the simulated sales."""
    reg = risk.prepare(risk.load_register(), scn)
    sim = risk.simulate(reg, n * years, seed, scn.risk.pert_shape)
    return sim.residual.sum(axis=1).reshape(n, years) / scn.risk.revenue


def pmf_verdict(scn: Scenario) -> str:
    """Chapter 01's PMF scorecard call for the market (``none`` without pilot results)."""
    card = markets.scorecard([scn.code], "en")[1]
    return str(card["call"].iloc[0]) if len(card) else "none"


def first_actions(scn: Scenario, as_of: date, n: int = 3) -> pd.DataFrame:
    """The plan chapter's template scheduled from the report date (in memory, nothing written): the first
    ``n`` tasks by start, with owner and due date."""
    p = plan.schedule(scn, as_of, plan.load_template(), plan.load_checkpoints())
    tasks = p.tasks.sort_values(["baseline_start", "seq"]).head(n)
    return pd.DataFrame({"task": tasks.index, "name_en": tasks["name_en"], "name_zh_TW": tasks["name_zh_TW"],
                         "owner_en": tasks["owner_en"], "owner_zh_TW": tasks["owner_zh_TW"],
                         "due": pd.to_datetime(tasks["baseline_end"]).dt.date}).reset_index(drop=True)


def beta_draws(gen: np.random.Generator, k: np.ndarray, n: np.ndarray, draws: int) -> np.ndarray:
    """Beta(1 + k, 1 + n - k) posterior draws (uniform prior), shape (draws, *k.shape)."""
    return gen.beta(1 + k, 1 + n - k, size=(draws, *np.shape(k)))


def collect(scn: Scenario, as_of: date) -> Drivers:
    """All drivers of the market on the report date (a few seconds; the model then runs in milliseconds)."""
    bc = scn.business_case
    M, N = bc.horizon_months, bc.draws
    gen = stats.rng(bc.seed)
    ch, channels, labels, budget = channel_inputs(scn)
    k, n, by_channel, data = funnel_counts(scn, as_of, channels)
    conv = beta_draws(gen, k, n, N).prod(axis=2)                     # (N, C)
    seg = segments(scn, data, as_of)
    churn = gen.beta(1 + seg["churned"].to_numpy(float), 1 + (seg["at_risk"] - seg["churned"]).to_numpy(float), size=(N, 3))
    pr = price_inputs(scn, as_of, seg)
    shocks = pricing.draw_shocks(pr["book"].section.monte_carlo, draws=N, seed=int(gen.integers(2**31)))
    sf = pr["book"].section.monte_carlo.freight_sigma
    la = landed_inputs(scn, as_of, pr["book"].section.incoterm)
    pay = payment_inputs(scn)
    f = fx_inputs(scn, as_of, M, N, gen)
    years = math.ceil(M / 12)
    rk = risk_draws(scn, N, years, int(gen.integers(2**31)))
    first, start = timing(scn, la["days_to_ready"])
    ratio = f["ratio"] if bc.hedge == "recommended" else HEDGE_RATIO[bc.hedge]
    inputs = Inputs(
        months=M, first_order_month=first, marketing_start_month=start, ramp_months=bc.ramp_months,
        channel_budget=bc.channel_budget if bc.channel_budget is not None else budget,
        channel_share=ch["share"], ref_spend=ch["ref_spend"], ref_leads=ch["ref_leads"], saturation=ch["saturation"],
        segment_mix=seg["mix"].to_numpy(float), orders_per_year=seg["orders_per_year"].to_numpy(float),
        units=pr["units"], price=pr["price"], unit_cost=pr["unit_cost"], freight_unit=pr["freight_unit"],
        duty_share=la["duty_share"], vat_share=la["vat_share"], vat_lag=bc.vat_refund_months,
        receipt_days=np.array(pay["receipt_days"]), credit_loss=np.array(pay["credit_loss"]),
        payment_fees=np.array(pay["payment_fees"]), fixed_monthly=bc.fixed_monthly, compliance_cost=la["compliance_cost"],
        forward=f["forward"], hedge_ratio=ratio, forward_margin=f["margin"], hurdle_rate=bc.hurdle_rate,
        cost_of_funds=bc.cost_of_funds)
    draws = Draws(conversion=conv, churn=churn, cost=shocks.cost, freight=np.exp(sf * shocks.freight - sf * sf / 2),
                  fx=f["paths"], risk=rk)
    ctx = Context(code=scn.code, as_of=as_of, home=scn.exporter.home_currency, invoice=f["invoice"], channels=channels,
                  channel_labels=labels, pmf=pmf_verdict(scn), recommended_hedge=f["recommended"],
                  recommended_ratio=f["ratio"], product=pr["model"], tier_labels=pr["tier_labels"],
                  credit_terms=pay["terms"], days_to_ready=la["days_to_ready"], compliance_share_done=la["share_done"],
                  actions=first_actions(scn, as_of), evidence=_evidence(scn, pr["book"], by_channel, data, la, as_of))
    return Drivers(inputs, draws, ctx)


def _evidence(scn: Scenario, book, by_channel: pd.DataFrame, data: funnel.Data, la: dict, as_of: date) -> dict[str, float]:
    """Raw measures behind the disciplines and tracks (see :mod:`disciplines`), each from the owning chapter's data."""
    comp = book.completeness
    leads = data.leads[data.leads["market"] == scn.code]
    known = set(funnel.known_channels()) if callable(getattr(funnel, "known_channels", None)) else set()
    src_known = leads["channel"].isin(known).mean() if known and len(leads) else leads["channel"].notna().mean() if len(leads) else 0.0
    hit = (by_channel["new_customers"] / by_channel["quotes"].where(by_channel["quotes"] > 0)).dropna()
    reg = risk.prepare(risk.load_register(), scn)
    quantified = (reg["frequency"].notna() & reg["owner"].notna()).mean() if len(reg) else 0.0
    langs = set(scn.market.languages)
    own = {"own_site_seo", "own_site_sem", "linkedin"}
    return {
        "data_completeness": float(comp["quote_score"].mean()),
        "known_source": float(src_known),
        "hit_rate_mean": float(hit.mean()) if len(hit) else float("nan"),
        "hit_rate_cv": float(hit.std(ddof=0) / hit.mean()) if len(hit) and hit.mean() > 0 else 1.0,
        "risks_quantified": float(quantified),
        "compliance_done": la["share_done"],
        "own_channels": float(len(own & set(scn.platforms.mix_channels)) / len(own)),
        "months_with_data": float(min(by_channel["months"].max() / 12.0, 1.0)) if len(by_channel) else 0.0,
        "local_language": (1.0 if any(b.id == "local_labels" for b in book.section.bundles) else 0.0) if langs - {"en"} else 1.0,
        "local_currency": 1.0 if scn.fx.invoice_currency == scn.market.currency else 0.0,
    }
