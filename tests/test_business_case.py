"""Chapter 10, the business case: the pure model against hand-worked cases, common random numbers, the
sensitivity ranking, page one's summary and the notebook for every market in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from crossborder import scenario
from crossborder.chapters import business_case as bc
from crossborder.chapters.business_case import model

AS_OF = date(2026, 11, 29)
MARKETS = ("DE", "US", "JP", "VN", "MX", "IN")


def one_tier_one_channel(**changes) -> tuple[model.Inputs, model.Draws]:
    """10 qualified inquiries a month (the response curve at its reference spend), 10 % become customers, one
    order of 10 units at 100 (invoice currency) at a rate of 30: revenue 30,000 a month; cost 15,000; fixed
    5,000; channels 2,000; no churn, repeat, duty, fees, credit loss, hedge or risk. Zero variance."""
    M = 12
    inp = model.Inputs(
        months=M, first_order_month=1, marketing_start_month=1, ramp_months=0, channel_budget=2000.0,
        channel_share=np.array([1.0]), ref_spend=np.array([24000.0]), ref_leads=np.array([120.0]),
        saturation=np.array([1.5]), segment_mix=np.array([1.0]), orders_per_year=np.array([0.0]),
        units=np.array([10.0]), price=np.array([100.0]), unit_cost=np.array([1500.0]), freight_unit=0.0,
        duty_share=0.0, vat_share=0.0, vat_lag=0, receipt_days=np.array([0.0]), credit_loss=np.array([0.0]),
        payment_fees=np.array([0.0]), fixed_monthly=5000.0, compliance_cost=0.0, forward=np.full(M, 30.0),
        hedge_ratio=0.0, forward_margin=0.0, hurdle_rate=0.12, cost_of_funds=0.05)
    inp = replace(inp, **changes)
    n = 3
    d = model.Draws(conversion=np.full((n, 1), 0.1), churn=np.zeros((n, 1)), cost=np.zeros(n), freight=np.ones(n),
                    fx=np.full((n, M), 30.0), risk=np.zeros((n, 1)))
    return inp, d


def test_deterministic_market_npv_by_hand():
    inp, d = one_tier_one_channel()
    r = model.simulate(inp, d)
    v = 1.12 ** (-1 / 12)                               # one month's discount factor at 12 % a year
    cash = 30_000 - 15_000 - 5_000 - 2_000              # 8,000 every month
    npv = cash * v * (1 - v ** 12) / (1 - v)            # geometric series over months 1..12
    assert np.allclose(r.revenue, 30_000) and np.allclose(r.cash_flow, cash)
    assert np.allclose(r.npv, npv, rtol=1e-12)
    assert np.all(r.peak_cash == 0) and np.all(r.payback == 0)
    assert r.p_npv_positive == 1.0


def test_receipts_one_month_late_by_hand():
    inp, d = one_tier_one_channel(receipt_days=np.array([model.DAYS_PER_MONTH]))
    r = model.simulate(inp, d)
    v = 1.12 ** (-1 / 12)
    # month 1 pays every cost and receives nothing; months 2..12 receive the month before's 30,000
    npv = -22_000 * v + 8_000 * sum(v ** m for m in range(2, 13))
    assert np.allclose(r.npv, npv, rtol=1e-12)
    assert np.allclose(r.cum_cash[0, :4], [-22_000, -14_000, -6_000, 2_000])
    assert np.all(r.peak_cash == 22_000) and np.all(r.payback == 4)      # the month after the last one below zero
    assert np.allclose(r.receivables[:, -1], 30_000)                    # December's invoice is still open


def test_decision_rule():
    rule = scenario.load("DE").business_case.rule
    assert model.decision("go", 0.75, 1.0, 2.0, rule) == "go"
    assert model.decision("go", 0.75, 3.0, 2.0, rule) == "iterate"       # peak cash beyond the budget
    assert model.decision("iterate", 0.9, 1.0, 2.0, rule) == "iterate"
    assert model.decision("go", 0.2, 1.0, 2.0, rule) == "stop"
    assert model.decision("stop", 0.9, 1.0, 2.0, rule) == "stop"


@pytest.fixture(scope="module")
def de():
    scn = scenario.load("DE")
    return scn, bc.collect(scn, AS_OF)


def test_common_random_numbers_show_the_hedge(de):
    scn, d = de
    unhedged = bc.analyse(scn, AS_OF, d, hedge_ratio=0.0).result.npv
    hedged = bc.analyse(scn, AS_OF, d, hedge_ratio=1.0).result.npv
    same = hedged - unhedged
    other = np.random.default_rng(7).permutation(d.draws.n)            # an independent run: the draws re-paired
    independent = bc.analyse(scn, AS_OF, replace(d, draws=d.draws.take(other)), hedge_ratio=1.0).result.npv - unhedged
    assert np.var(same) < 0.6 * np.var(independent)
    assert np.std(hedged) < np.std(unhedged)                              # the forward takes FX out of the spread


def test_a_constant_driver_drops_out_of_the_ranking(de):
    scn, d = de
    c = bc.analyse(scn, AS_OF, d)
    assert "cost" in c.ranking().index
    flat = replace(d, draws=replace(d.draws, cost=np.full(d.draws.n, 0.02)))
    rk = bc.analyse(scn, AS_OF, flat).ranking()
    assert "cost" not in rk.index and len(rk) == len(bc.DRIVERS) - 1
    assert set(rk["chapter"]) <= set(bc.OWNERS.values())


def test_conversions_are_beta_posteriors_of_the_funnel_counts():
    gen = np.random.default_rng(1)
    x = bc.beta_draws(gen, np.array([3.0]), np.array([10.0]), 200_000)
    assert abs(x.mean() - 4 / 12) < 0.003                                 # Beta(4, 8)
    assert abs(x.var() - 4 * 8 / (12 ** 2 * 13)) < 0.0005


def test_recompute_within_the_interactive_target(de):
    import time
    scn, d = de
    bc.analyse(scn, AS_OF, d, hurdle_rate=0.1)
    t0 = time.perf_counter()
    bc.analyse(scn, AS_OF, d, hurdle_rate=0.1, channel_budget=d.inputs.channel_budget * 1.5)
    assert time.perf_counter() - t0 < 0.2 * 2     # 200 ms target, slack for a shared test machine


def test_summary_page_one(de):
    scn, _ = de
    s = bc.summary(scn, AS_OF, "en")
    assert s["decision"] in ("go", "iterate", "stop") and s["currency"] == "TWD"
    assert s["npv_p10"] <= s["npv_p50"] <= s["npv_p90"] and 0 <= s["p_npv_pos"] <= 1
    assert len(s["actions"]) == 3 and all(a["owner"] and a["due"] >= AS_OF for a in s["actions"])
    assert bc.summary(scn, AS_OF, "zh-TW")["decision_text"] != s["decision_text"]


@pytest.mark.parametrize("code", MARKETS)
def test_every_market_in_both_languages(code):
    scn = scenario.load(code)
    c = bc.analyse(scn, AS_OF)
    for lang in ("en", "zh-TW"):
        for table in (bc.outcome_table, bc.drivers_table, bc.pnl_table, bc.discipline_table, bc.actions_table):
            assert len(table(c, lang))
        text, figure, value = bc.headline(c, lang)
        assert text and figure and np.isfinite(value)
    assert all(0 <= s.score <= 100 for s in bc.scores(c.ctx.evidence))


@pytest.mark.slow
@pytest.mark.parametrize("market", MARKETS)
def test_notebook_runs(tmp_path, market):
    from crossborder.core.paths import NOTEBOOKS_DIR
    from crossborder.report.execute import Kernel, execute

    with Kernel() as kernel:
        for lang in ("en", "zh-TW"):
            params = {"market": market, "lang": lang, "as_of": AS_OF.isoformat(), "interactive": False}
            path = NOTEBOOKS_DIR / "10_business_case.ipynb"
            result = execute(kernel, path, tmp_path / f"{lang}.ipynb", params, workshop=True)
            assert result.ok, result.error
