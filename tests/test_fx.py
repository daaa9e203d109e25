"""Tests of the FX hedging chapter (crossborder.chapters.fx) and the rolling volatility it adds to crossborder.core.rates."""

from __future__ import annotations

import json
import math
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
import yaml
from plotly.utils import PlotlyJSONEncoder

from crossborder import scenario
from crossborder.chapters import fx, pricing
from crossborder.core import rates
from crossborder.core.errors import InputError
from crossborder.core.i18n import strings_file
from crossborder.core.paths import DATA_DIR

AS_OF = date(2026, 11, 29)
MARKETS = ["DE", "US", "JP", "VN", "MX", "IN"]


@pytest.fixture(autouse=True, scope="module")
def empty_user_folder(tmp_path_factory):
    """No user CSV or saved overlay of the machine running the tests may change what is tested."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROSSBORDER_HOME", str(tmp_path_factory.mktemp("user")))
        yield


# ------------------------------------------------------------------------------------- pricing

def quantlib_price(spot, strike, days, rd, rf, vol, kind):
    """Independent Garman-Kohlhagen price: QuantLib's analytic European engine on flat continuous curves."""
    ql = pytest.importorskip("QuantLib")
    today = ql.Date(15, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    domestic = ql.YieldTermStructureHandle(ql.FlatForward(today, rd, dc, ql.Continuous))
    foreign = ql.YieldTermStructureHandle(ql.FlatForward(today, rf, dc, ql.Continuous))
    vol_ts = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc))
    process = ql.GarmanKohlagenProcess(ql.QuoteHandle(ql.SimpleQuote(spot)), foreign, domestic, vol_ts)
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if kind == "call" else ql.Option.Put, strike)
    option = ql.VanillaOption(payoff, ql.EuropeanExercise(today + days))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return option.NPV()


def quantlib_forward(spot, days, rd, rf):
    ql = pytest.importorskip("QuantLib")
    today = ql.Date(15, 1, 2025)
    dc = ql.Actual365Fixed()
    dom = ql.FlatForward(today, rd, dc, ql.Continuous)
    fgn = ql.FlatForward(today, rf, dc, ql.Continuous)
    return spot * fgn.discount(today + days) / dom.discount(today + days)


GRID = [
    # spot, strike/spot (0.5 and 2.0: deep in/out of the money), days (1 day to 5 years), rd, rf, vol
    (spot, spot * m, days, rd, rf, vol)
    for spot in (30.5, 0.19396)
    for m in (0.5, 0.9, 1.0, 1.1, 2.0)
    for days in (1, 30, 182, 365, 1825)
    for rd, rf in ((0.02, 0.0375), (0.075, 0.005), (-0.005, 0.02))
    for vol in (0.06, 0.35)
]


@pytest.mark.parametrize("kind", ["call", "put"])
def test_garman_kohlhagen_matches_quantlib_across_grid(kind):
    spot, strike, days, rd, rf, vol = map(np.array, zip(*GRID))
    ours = fx.garman_kohlhagen(spot, strike, days / 365, rd, rf, vol, kind)  # one vectorized call
    theirs = np.array([quantlib_price(*row, kind) for row in GRID])
    assert np.max(np.abs(ours - theirs)) < 1e-8
    # the grid really reaches deep out of the money (worthless) and deep in (almost the discounted forward)
    assert theirs.min() < 1e-12 and theirs.max() > 10


def test_forward_rate_matches_quantlib_curves():
    for spot, _, days, rd, rf, _ in GRID[::7]:
        assert abs(fx.forward_rate(spot, days / 365, rd, rf) - quantlib_forward(spot, days, rd, rf)) < 1e-8


def test_forward_rate_hand_worked():
    # TWD per USD 30, TWD 2 %, USD 4 %, half a year: 30 * e^(-0.02 * 0.5) = 30 * 0.990049834 = 29.70149502
    assert fx.forward_rate(30.0, 0.5, 0.02, 0.04) == pytest.approx(29.70149502, abs=1e-8)


def test_put_call_parity():
    s, k, tt, rd, rf, v = 30.5, np.linspace(20, 40, 21), 0.75, 0.02, 0.0375, 0.08
    c = fx.garman_kohlhagen(s, k, tt, rd, rf, v, "call")
    p = fx.garman_kohlhagen(s, k, tt, rd, rf, v, "put")
    # C - P = S e^{-r_f T} - K e^{-r_d T}
    assert np.allclose(c - p, s * math.exp(-rf * tt) - k * np.exp(-rd * tt), atol=1e-12)


def test_expiry_and_zero_vol_give_intrinsic_value():
    assert fx.garman_kohlhagen(30.0, 29.0, 0.0, 0.02, 0.04, 0.1, "call") == pytest.approx(1.0)
    assert fx.garman_kohlhagen(30.0, 29.0, 0.0, 0.02, 0.04, 0.1, "put") == pytest.approx(0.0)
    # zero vol: the discounted intrinsic value against the forward, e^{-0.02}(30 e^{-0.02} - 29)
    f = 30 * math.exp(-0.02)
    assert fx.garman_kohlhagen(30.0, 29.0, 1.0, 0.02, 0.04, 0.0, "call") == pytest.approx(math.exp(-0.02) * (f - 29))


@pytest.mark.parametrize("bad, match", [
    (dict(kind="straddle"), "kind: expected 'call' or 'put'"),
    (dict(spot=-1.0), "spot: expected a rate > 0"),
    (dict(strike=0.0), "strike: expected a rate > 0"),
    (dict(years=-0.1), "years: expected a time >= 0"),
    (dict(vol=-0.2), "vol: expected an annualized volatility >= 0"),
    (dict(spot="thirty"), "spot: expected a number"),
])
def test_garman_kohlhagen_bad_input(bad, match):
    args = dict(spot=30.0, strike=30.0, years=1.0, r_domestic=0.02, r_foreign=0.04, vol=0.1, kind="put") | bad
    with pytest.raises(InputError, match=re.escape(match)):
        fx.garman_kohlhagen(**args)


def test_zero_cost_cap_prices_to_zero_and_rejects_a_floor_above_the_forward():
    years = np.array([1, 3, 6, 12]) / 12
    fwd = fx.forward_rate(30.5, years, 0.02, 0.0375)
    floor = 0.97 * fwd
    cap = fx.zero_cost_cap(30.5, floor, years, 0.02, 0.0375, 0.06, margin=0.1)
    put = fx.garman_kohlhagen(30.5, floor, years, 0.02, 0.0375, 0.06, "put")
    call = fx.garman_kohlhagen(30.5, cap, years, 0.02, 0.0375, 0.06, "call")
    assert np.allclose(call, put * 1.1, rtol=1e-10)
    assert np.all(cap > fwd)
    with pytest.raises(InputError, match="collar_floor: expected a floor .* below about the forward"):
        fx.zero_cost_cap(30.5, 1.02 * fwd, years, 0.02, 0.0375, 0.06)


# ----------------------------------------------------------------------------------- simulation

def test_gbm_mean_matches_forward_under_risk_neutral_drift():
    years = np.arange(1, 13) / 12
    rd, rf, vol, n = 0.02, 0.075, 0.12, 40000
    sims = fx.simulate_gbm(1.6131, years, vol, rd - rf, n, seed=7)
    fwd = fx.forward_rate(1.6131, years, rd, rf)
    se = sims.std(axis=1, ddof=1) / math.sqrt(n)
    assert np.all(np.abs(sims.mean(axis=1) - fwd) < 4 * se)
    # and the spread grows like sigma sqrt(t): log-rate std at 12 months ~ 0.12
    assert np.log(sims[-1]).std() == pytest.approx(0.12, rel=0.03)


def test_bootstrap_mean_matches_forward_and_volatility_is_rescaled():
    returns = rates.log_returns(rates.history("USD", "EUR").to_numpy()[-1261:])
    years = np.arange(1, 13) / 12
    sims = fx.simulate_bootstrap(30.5, years, 0.06, 0.02 - 0.0375, returns, 10, 20000, seed=3)
    fwd = fx.forward_rate(30.5, years, 0.02, 0.0375)
    se = sims.std(axis=1, ddof=1) / math.sqrt(sims.shape[1])
    assert np.all(np.abs(sims.mean(axis=1) - fwd) < 4 * se)
    # the simulated volatility is the stated one: per monthly step and over the year, within 1 %
    steps = np.diff(np.log(np.vstack([np.full(sims.shape[1], 30.5), sims])), axis=0)
    np.testing.assert_allclose(steps.std(axis=1) / np.sqrt(np.diff(np.r_[0.0, years])), 0.06, rtol=0.01)
    assert np.log(sims[-1] / 30.5).std() == pytest.approx(0.06, rel=0.01)


def test_bootstrap_volatility_is_the_stated_one_despite_autocorrelation():
    # Test data, not history: AR(1) daily returns with phi = -0.4 (strong day-to-day mean reversion). Scaling the
    # daily returns to 10 % a year gives a multi-day block a variance of about (1 + phi) / (1 - phi) = 0.43 of
    # length x daily variance, i.e. about 6.5 % a year; the monthly rescaling restores 10 %.
    rng = np.random.default_rng(11)
    e = rng.standard_normal(3000)
    r = np.empty_like(e)
    r[0] = e[0]
    for i in range(1, len(e)):
        r[i] = -0.4 * r[i - 1] + e[i]
    years = np.array([31, 59, 90, 120, 151, 181]) / 365
    sims = fx.simulate_bootstrap(1.0, years, 0.10, 0.0, r, 10, 20000, seed=5)
    steps = np.diff(np.log(np.vstack([np.ones(sims.shape[1]), sims])), axis=0)
    annualised = steps.std(axis=1) / np.sqrt(np.diff(np.r_[0.0, years]))
    np.testing.assert_allclose(annualised, 0.10, rtol=0.01)
    assert np.log(sims[-1]).std() / math.sqrt(years[-1]) == pytest.approx(0.10, rel=0.01)


@pytest.mark.parametrize("code", ["DE", "US"])
def test_scenario_bootstrap_simulates_the_stated_volatility(code):
    inp = fx.inputs(scenario.load(code), AS_OF)
    a = fx.analyse(inp, method="bootstrap", paths=20000)
    log_paths = np.log(np.vstack([np.full(a.paths.shape[1], inp.spot), a.paths]))
    annualised = np.diff(log_paths, axis=0).std(axis=1) / np.sqrt(np.diff(np.r_[0.0, inp.years[:a.months]]))
    assert annualised.mean() == pytest.approx(inp.vol, rel=0.01)
    assert (log_paths[-1] - log_paths[0]).std() / math.sqrt(inp.years[a.months - 1]) == pytest.approx(inp.vol, rel=0.01)


def test_simulation_is_seeded():
    years = np.arange(1, 4) / 12
    a = fx.simulate_gbm(30.0, years, 0.1, 0.0, 100, seed=1)
    assert np.array_equal(a, fx.simulate_gbm(30.0, years, 0.1, 0.0, 100, seed=1))
    assert not np.array_equal(a, fx.simulate_gbm(30.0, years, 0.1, 0.0, 100, seed=2))


def test_simulation_bad_input():
    with pytest.raises(InputError, match="vol: expected an annualized volatility > 0"):
        fx.simulate_gbm(30.0, [0.5, 1.0], 0.0, 0.0, 10, 1)
    with pytest.raises(InputError, match="years: expected increasing settlement times"):
        fx.simulate_gbm(30.0, [0.5, 0.5], 0.1, 0.0, 10, 1)
    with pytest.raises(InputError, match="returns: expected at least 60 daily returns"):
        fx.simulate_bootstrap(30.0, [0.5], 0.1, 0.0, np.ones(10), 5, 10, 1)


# ----------------------------------------------------------------------------------- strategies

def test_layer_increments_75_50_25():
    inc = fx.layer_increments([(3, 0.75), (6, 0.5), (12, 0.25)], 12)
    assert np.allclose(inc.sum(axis=0), 0.75)          # every month ends 75 % covered
    # month 12: 25 % dealt today, +25 % when it is 6 months away (month-end 6), +25 % at 3 months (month-end 9)
    assert np.flatnonzero(inc[:, 11]).tolist() == [0, 6, 9]
    assert np.allclose(inc[[0, 6, 9], 11], 0.25)
    # month 2 is inside the 3-month bucket today: all 75 % dealt now
    assert inc[0, 1] == 0.75 and inc[1:, 1].sum() == 0


def policy(**over):
    base = dict(forward_cover=0.5, layers=((1, 0.5), (2, 0.25)), option_cover=1.0, put_strike=1.0,
                collar_floor=0.95, forward_margin=0.0, option_margin=0.0)
    return fx.Policy(**(base | over))


def test_strategies_hand_worked_two_months_two_paths():
    # Equal interest rates: every forward equals the spot rate at the time it is dealt (30 today).
    paths = np.array([[28.0, 33.0],    # month 1 on path A, path B
                      [27.0, 36.0]])   # month 2
    years = np.array([1, 2]) / 12
    rec, pay = np.array([100.0, 200.0]), np.array([40.0, 0.0])
    out, strikes = fx.run_strategies(paths, 30.0, years, 0.0, 0.0, 0.1, rec, pay, policy())
    assert np.allclose(strikes["forward"], 30.0)
    # unhedged: 100 x 28 + 200 x 27 = 8200 ; 100 x 33 + 200 x 36 = 10500
    assert np.allclose(out["unhedged"].totals, [8200, 10500])
    # forward 50 %: month 1 50 x 28 + 50 x 30 = 2900, month 2 100 x 27 + 100 x 30 = 5700 -> 8600
    #               path B: 50 x 33 + 1500 = 3150, 100 x 36 + 3000 = 6600 -> 9750
    assert np.allclose(out["forward"].totals, [8600, 9750])
    # layered (1 month ahead 50 %, 2 months ahead 25 %): month 1 gets 50 % at 30 today; month 2 gets 25 % at 30
    # today and +25 % at month-end 1 at that day's rate (28 on A, 33 on B).
    # A: 50 x 28 + 50 x 30 = 2900 ; 100 x 27 + 50 x 30 + 50 x 28 = 5600 -> 8500
    # B: 50 x 33 + 1500 = 3150 ; 100 x 36 + 1500 + 50 x 33 = 6750 -> 9900
    assert np.allclose(out["layered"].totals, [8500, 9900])
    # natural hedge: the 40 of payables in month 1 are credited at the forward 30:
    # A: 60 x 28 + 40 x 30 + 200 x 27 = 1680 + 1200 + 5400 = 8280 ; B: 60 x 33 + 1200 + 7200 = 10380
    assert np.allclose(out["natural"].totals, [8280, 10380])
    # put at the forward (30), 100 % cover, premium p per unit at each tenor (zero rates: no compounding)
    p = fx.garman_kohlhagen(30.0, 30.0, years, 0.0, 0.0, 0.1, "put")
    # A: 100 x (28 + 2 - p1) + 200 x (27 + 3 - p2) ; B: 100 x (33 - p1) + 200 x (36 - p2)
    assert np.allclose(out["put"].totals, [100 * (30 - p[0]) + 200 * (30 - p[1]),
                                           100 * (33 - p[0]) + 200 * (36 - p[1])])
    assert out["put"].premium == pytest.approx(100 * p[0] + 200 * p[1])


def test_full_forward_cover_has_zero_dispersion():
    sims = fx.simulate_gbm(30.5, np.arange(1, 13) / 12, 0.06, -0.0175, 5000, seed=11)
    rec = np.full(12, 500_000.0)
    out, _ = fx.run_strategies(sims, 30.5, np.arange(1, 13) / 12, 0.02, 0.0375, 0.06, rec, np.zeros(12),
                               policy(forward_cover=1.0, forward_margin=0.0005), ("unhedged", "forward"))
    assert np.ptp(out["forward"].totals) == 0.0   # every path receives exactly the same amount
    assert out["unhedged"].totals.std() > 1e6


def test_collar_keeps_each_unit_between_floor_and_cap():
    years = np.arange(1, 7) / 12
    sims = fx.simulate_gbm(30.5, years, 0.08, -0.0175, 2000, seed=5)
    rec = np.ones(6)
    out, k = fx.run_strategies(sims, 30.5, years, 0.02, 0.0375, 0.08, rec, np.zeros(6), policy(option_cover=1.0),
                               ("unhedged", "collar"))
    per_unit = out["collar"].flows
    assert np.all(per_unit >= k["floor"][:, None] - 1e-9) and np.all(per_unit <= k["cap"][:, None] + 1e-9)


def test_cash_flow_at_risk_hand_worked():
    # 5th... here the 20th percentile of [90, 95, 100, 105, 110] (linear): position 0.2 x 4 = 0.8 -> 90 + 0.8 x 5 = 94
    assert fx.cash_flow_at_risk([90, 95, 100, 105, 110], 100.0, level=0.8) == pytest.approx(6.0)
    with pytest.raises(InputError, match="level: expected a confidence level between 0 and 1"):
        fx.cash_flow_at_risk([1, 2], 1.0, level=95)


def test_dollar_offset_hand_worked():
    # hedge lost 9 while the item gained 10: -(-9) / 10 = 90 %; an item change of 0.5 is "near zero" (threshold 1)
    ratio = fx.dollar_offset([-9.0, 12.0, 0.3], [10.0, -10.0, 0.5], threshold=1.0)
    assert ratio[0] == pytest.approx(0.9) and ratio[1] == pytest.approx(1.2) and np.isnan(ratio[2])


def test_min_forward_cover_is_exact_and_says_when_impossible():
    sims = fx.simulate_gbm(30.5, np.arange(1, 13) / 12, 0.06, -0.0175, 20000, seed=2)
    years = np.arange(1, 13) / 12
    rec = np.full(12, 100_000.0)
    budget = rec * 30.0
    out, k = fx.run_strategies(sims, 30.5, years, 0.02, 0.0375, 0.06, rec, np.zeros(12), policy(),
                               ("unhedged",))
    full = float((rec * k["forward"]).sum())
    h = fx.min_forward_cover(out["unhedged"].totals, full, budget.sum(), tolerance=0.02)
    assert 0 < h < 1
    check, _ = fx.run_strategies(sims, 30.5, years, 0.02, 0.0375, 0.06, rec, np.zeros(12),
                                 policy(forward_cover=h), ("forward",))
    assert fx.cash_flow_at_risk(check["forward"].totals, budget.sum()) == pytest.approx(0.02 * budget.sum(), rel=1e-9)
    # a budget above every forward: even 100 % cover locks in a shortfall beyond a 0.5 % tolerance
    assert fx.min_forward_cover(out["unhedged"].totals, full, (rec * 31.5).sum(), tolerance=0.005) is None


def test_recommend_picks_cheapest_within_tolerance():
    import pandas as pd
    summary = pd.DataFrame({"cfar95_share": [0.06, 0.02, 0.025, 0.01], "cost": [0.0, 5.0, 3.0, 9.0],
                            "cfar95": [6.0, 2.0, 2.5, 1.0]}, index=["unhedged", "forward", "natural", "put"])
    assert fx.recommend(summary, 0.03) == "natural"
    assert fx.recommend(summary, 0.005) == "put"   # nothing fits: lowest CFaR


# ------------------------------------------------------------------------------------- scenarios

@pytest.fixture(scope="module")
def analyses():
    return {code: fx.run(scenario.load(code), AS_OF, paths=4000) for code in MARKETS}


def test_every_market_runs_and_markets_differ(analyses):
    currencies = {a.inputs.invoice for a in analyses.values()}
    assert {"EUR", "USD", "JPY", "MXN"} <= currencies
    assert len({a.recommended for a in analyses.values()}) >= 3
    assert analyses["VN"].summary.loc["natural", "cfar95"] < analyses["VN"].summary.loc["unhedged", "cfar95"] / 2
    assert "natural" not in analyses["MX"].summary.index      # no payables, no natural hedge to show
    # MXN's high interest rate puts the forward far below spot: a deep forward discount
    assert analyses["MX"].forwards[-1] / analyses["MX"].inputs.spot < 0.96
    for a in analyses.values():
        s = a.summary
        assert s.loc["unhedged", "cfar95"] > s.loc["forward", "cfar95"]
        assert s.loc[a.recommended, "cfar95_share"] <= a.tolerance or a.recommended == s["cfar95"].idxmin()


def test_twd_history_is_a_labelled_ecb_proxy_never_generated(analyses):
    a = analyses["DE"]
    assert a.inputs.history_is_proxy and a.inputs.history.name == "USD/EUR"
    assert "ECB" in a.inputs.history.attrs["source"]
    # every charted rate is a rate in the ECB file, not a generated series
    ecb = rates.ecb_table()
    h = a.inputs.history
    assert np.allclose(h.to_numpy(), (ecb.loc[h.index, "USD"] / ecb.loc[h.index, "EUR"]).to_numpy())
    fig = fx.history_figure(a.inputs, "en", years=5, window=63)
    assert "Proxy pair" in fig.layout.title.text and "USD per EUR" in fig.layout.title.text
    assert "代理幣對" in fx.history_figure(a.inputs, "zh-TW", years=5, window=63).layout.title.text


def test_user_csv_replaces_the_proxy_and_calibrates_volatility(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    (tmp_path / "fx").mkdir()
    # test data, not history: 301 business days alternating +1 % / -1 % log moves
    dates = np.busday_offset("2025-01-01", np.arange(301), roll="forward")
    level = 30.0 * np.exp(np.cumsum(np.r_[0.0, np.tile([0.01, -0.01], 150)]))
    lines = ["date,rate"] + [f"{d},{r:.10f}" for d, r in zip(dates.astype(str), level)]
    (tmp_path / "fx" / "TWDUSD.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "US.yaml").write_text(
        "fx:\n  volatility: {from_history: true, window_days: 250}\n", encoding="utf-8")
    inp = fx.inputs(scenario.load("US"), AS_OF)
    # +-1 % alternating moves cancel in every even-length block: a 20-day month of two 10-day blocks never moves,
    # and the bootstrap cannot be scaled to any volatility; odd blocks (7 days) do move.
    with pytest.raises(InputError, match=r"blocks of 10 days the history's moves cancel out over a month of 20"):
        fx.analyse(inp, paths=200, drift="historical", method="bootstrap")
    (tmp_path / "scenarios" / "US.yaml").write_text(
        "fx:\n  volatility: {from_history: true, window_days: 250}\n  simulation: {block_days: 7}\n", encoding="utf-8")
    inp = fx.inputs(scenario.load("US"), AS_OF)
    assert not inp.history_is_proxy and inp.history.name == "TWD/USD"
    # 250 returns alternating +-0.01: mean 0, sample std 0.01 sqrt(250/249); x sqrt(252)
    assert inp.vol == pytest.approx(0.01 * math.sqrt(250 / 249) * math.sqrt(252), rel=1e-6)
    a = fx.analyse(inp, paths=2000, drift="historical", method="bootstrap")
    assert a.bootstrap_source == "TWD/USD"


def test_spot_and_stated_volatility_come_from_the_shared_rates_section():
    jp = scenario.load("JP")
    inp = fx.inputs(jp, AS_OF)
    entry = jp.rates.pairs["TWD/JPY"]
    assert (inp.spot, inp.vol) == (entry.rate, entry.volatility_annual) == (0.19396, 0.09)
    table = fx.market_table(fx.analyse(inp, paths=1000), "en")
    text = " ".join(table.iloc[:, 2])
    assert entry.source in text and str(entry.as_of) in text and entry.volatility_source in text


def test_interest_rates_come_from_the_fact_store_on_the_report_date():
    # The scenarios keep no rates of their own; the fact store's policy rate in force on the report date is used.
    assert "r_domestic" not in fx.FxSection.model_fields and "r_foreign" not in fx.FxSection.model_fields
    with pytest.raises(InputError, match=r"key 'fx\.r_foreign': unknown key"):
        scenario.build("US", layers_of("US", {"r_foreign": {"value": 0.0375, "source": "old", "as_of": "2025-10-29"}}))
    us = fx.inputs(scenario.load("US"), AS_OF)
    assert (us.r_domestic, us.r_foreign) == (0.02, 0.035)      # CBC 2.00 %; FOMC 2025-12-10: 3.50-3.75 %, lower bound
    assert us.rate_foreign.as_of == date(2025, 12, 10) and "FOMC" in us.rate_foreign.source
    before_cut = fx.inputs(scenario.load("US"), date(2025, 12, 1))
    assert before_cut.r_foreign == 0.0375                        # the October decision was in force then
    # 12-month forward by covered interest parity, by hand: 30.5 x e^((0.02 - 0.035) x 365/365) = 30.045914
    a = fx.analyse(us, paths=1000)
    assert us.years[11] == pytest.approx(365 / 365)
    assert a.forwards[11] == pytest.approx(30.5 * math.exp(-0.015), rel=1e-12)
    assert a.forwards[11] == pytest.approx(30.045914, abs=1e-6)
    jp, mx = fx.inputs(scenario.load("JP"), AS_OF), fx.inputs(scenario.load("MX"), AS_OF)
    assert (jp.r_foreign, mx.r_foreign) == (0.0075, 0.07)          # BoJ 2025-12-19, Banxico 2025-12-18
    table = fx.market_table(a, "en")
    text = " ".join(table.iloc[:, 2])
    assert us.rate_foreign.source in text and "2025-12-10" in text and us.rate_domestic.source in text


def test_stale_interest_rate_is_flagged_with_its_date_and_the_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    fresh = fx.inputs(scenario.load("US"), AS_OF)               # USD checked 2025-12-10: 354 days, within 365
    assert fresh.stale_rates == [] and fx.stale_rates_note(fresh, "en") == ""
    late = fx.inputs(scenario.load("US"), date(2027, 1, 15))   # 401 days after the FOMC decision
    assert [cur for cur, _ in late.stale_rates] == ["TWD", "USD"]
    note = fx.stale_rates_note(late, "en")
    assert "2025-12-10" in note and "401 days" in note and "365-day" in note and "Federal funds" in note
    assert "2025-12-18" in note and "365" in fx.stale_rates_note(late, "zh-TW")
    labels = " ".join(fx.market_table(fx.analyse(late, paths=1000), "en").iloc[:, 0])
    assert labels.count("(STALE)") == 2
    # the threshold is the scenario's facts.stale_after_days
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "US.yaml").write_text("facts: {stale_after_days: 350}\n", encoding="utf-8")
    tight = fx.inputs(scenario.load("US"), AS_OF)
    assert [cur for cur, _ in tight.stale_rates] == ["USD"]      # 354 > 350; TWD checked 2025-12-18: 346 days
    assert "350-day" in fx.stale_rates_note(tight, "en")


def _without_pair(code: str, pair: str, overlay: dict | None = None) -> scenario.Scenario:
    layers = layers_of(code, {})
    del layers[0][1]["rates"]["pairs"][pair]
    layers[2] = (layers[2][0], overlay or {})
    return scenario.build(code, layers)


def test_spot_falls_back_to_the_pairs_own_history_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    with pytest.raises(InputError, match=r"key 'rates\.pairs\.TWD/USD'.*no entry"):
        fx.inputs(_without_pair("US", "TWD/USD"), AS_OF)
    (tmp_path / "fx").mkdir()
    # test data, not history: 40 business days from 2026-10-01, then two rows after the report date
    dates = list(pd.bdate_range("2026-10-01", periods=40).strftime("%Y-%m-%d")) + ["2026-12-01", "2026-12-02"]
    level = 31.0 + 0.01 * np.arange(len(dates))
    lines = ["date,rate"] + [f"{d},{r:.4f}" for d, r in zip(dates, level)]
    (tmp_path / "fx" / "TWDUSD.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    scn = _without_pair("US", "TWD/USD", {"fx": {"volatility": {"from_history": True, "window_days": 20}}})
    inp = fx.inputs(scn, AS_OF)
    assert inp.spot == pytest.approx(31.39)                        # the 40th row (31.00 + 39 x 0.01), not after as_of
    assert inp.spot_as_of == pd.Timestamp(dates[39]).date()
    assert "last rate on or before 2026-11-29" in inp.spot_source and "TWDUSD.csv" in inp.spot_source
    without_vol = _without_pair("US", "TWD/USD")
    with pytest.raises(InputError, match=r"rates\.pairs\.TWD/USD.*from_history"):
        fx.inputs(without_vol, AS_OF)


def test_unavailable_pair_says_what_is_available_and_how_to_supply_a_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    inp = fx.inputs(scenario.load("JP"), AS_OF)
    with pytest.raises(InputError) as err:
        fx.analyse(inp, paths=1000, drift="historical")
    text = str(err.value)
    assert "drift 'historical'" in text and "no TWD" in text and "JPY" in text and "fx/TWDJPY.csv" in text


def test_rolling_volatility_ends_at_annualized_volatility():
    h = rates.history("JPY", "USD")
    rolled = rates.rolling_volatility(h, 63)
    assert rolled.iloc[-1] == pytest.approx(rates.annualized_volatility(h, window=63), rel=1e-12)
    assert rolled.iloc[:62].isna().all() and not math.isnan(rolled.iloc[62])
    with pytest.raises(InputError, match="window: expected at least 2 returns"):
        rates.rolling_volatility(h, 1)


def layers_of(code, fx_section):
    return [(scenario.SCENARIO_DIR / "defaults.yaml", yaml.safe_load((scenario.SCENARIO_DIR / "defaults.yaml").read_text())),
            (scenario.SCENARIO_DIR / f"{code}.yaml", yaml.safe_load((scenario.SCENARIO_DIR / f"{code}.yaml").read_text())),
            (scenario.SCENARIO_DIR / "overlay.yaml", {"fx": fx_section})]


@pytest.mark.parametrize("section, match", [
    ({"payables": [1, 2]}, "key 'fx.payables': expected as many months as fx.receivables (12)"),
    ({"invoice_currency": "XYZ"}, "key 'fx.invoice_currency': expected an ISO 4217 currency code"),
    ({"policy": {"forward_cover": 1.5}}, "key 'fx.policy.forward_cover': expected less than or equal to 1"),
    ({"simulation": {"method": "garch"}}, "key 'fx.simulation.method': expected 'gbm' or 'bootstrap'"),
    ({"policy": {"layers": [{"through_month": 6, "ratio": 0.5}, {"through_month": 3, "ratio": 0.75}]}},
     "key 'fx.policy.layers': expected layers with strictly increasing through_month"),
    ({"receivables": [0, 0]}, "key 'fx.receivables': expected amounts >= 0 with at least one month > 0"),
])
def test_bad_scenario_names_file_and_key(section, match):
    with pytest.raises(InputError, match=re.escape(match)):
        scenario.build("DE", layers_of("DE", section))


def test_horizon_beyond_forecast_and_same_currency_are_clear_errors():
    scn = scenario.build("DE", layers_of("DE", {"simulation": {"horizon_months": 18}}))
    with pytest.raises(InputError, match=r"fx.simulation.horizon_months': expected at most 12 .* found 18"):
        fx.inputs(scn, AS_OF)
    scn = scenario.build("DE", layers_of("DE", {"invoice_currency": "TWD"}))
    with pytest.raises(InputError, match="expected a currency other than the home currency TWD"):
        fx.inputs(scn, AS_OF)
    with pytest.raises(InputError, match="horizon: expected 1 to 12 months, found 13"):
        fx.analyse(fx.inputs(scenario.load("DE"), AS_OF), horizon=13)


# --------------------------------------------------------------------------------- outputs, panel

def test_tables_and_texts_in_both_languages(analyses):
    a = analyses["JP"]
    for lang in ("en", "zh-TW"):
        for table in (fx.summary_table(a, lang), fx.effectiveness_table(a, lang), fx.exposure_table(a, lang),
                      fx.market_table(a, lang)):
            assert len(table) > 0 and not table.isna().any().any()
        text, key, value = fx.headline(a, lang)
        assert value == pytest.approx(a.summary.loc[a.recommended, "cfar95"])
        assert fx.recommendation(a, lang)
    assert "新臺幣" in fx.headline(a, "zh-TW")[1] and "萬元" in fx.headline(a, "zh-TW")[1]
    assert fx.headline(a, "en")[1].startswith("CFaR95 TWD\u00a0")  # core number style: a non-breaking space
    assert len(fx.exposure_table(a, "en")) == 12


def test_cfar_has_one_definition_against_the_budget(analyses):
    # The glossary and the chapter define CFaR the same way: the budget-rate value of the receipts minus the 5th
    # percentile of the simulated receipts; the shortfall against the expected value is a second, named figure.
    glossary = pd.read_csv(DATA_DIR / "glossary.csv").set_index("term")
    en, zh = glossary.at["CFaR", "en"], glossary.at["CFaR", "zh_TW"]
    assert "budget" in en and "5th percentile" in en and "below its expected value" not in en
    assert "預算" in zh and "第 5 百分位" in zh and "低於預期值" not in zh
    a = analyses["US"]
    for name in ("unhedged", "forward"):
        totals = a.outcomes[name].totals
        p5 = np.quantile(totals, 0.05)
        by_hand = float((a.inputs.receivables[:a.months] * a.inputs.budget).sum()) - p5   # budget-rate value - P5
        assert a.summary.at[name, "cfar95"] == pytest.approx(by_hand, rel=1e-12)
        assert a.summary.at[name, "cfar95"] == pytest.approx(fx.cash_flow_at_risk(totals, a.budget_total), rel=1e-12)
        assert a.summary.at[name, "cfar95_mean"] == pytest.approx(totals.mean() - p5, rel=1e-12)
    table = fx.summary_table(a, "en")
    assert "CFaR 95% (vs budget)" in table.columns and "95% shortfall vs expected" in table.columns
    assert "CFaR 95%（相對預算）" in fx.summary_table(a, "zh-TW").columns


def test_chinese_strings_use_full_width_punctuation():
    data = yaml.safe_load(strings_file("fx").read_text(encoding="utf-8"))
    for key, texts in data.items():
        zh = re.sub(r"\{[^}]*\}", "", texts["zh-TW"])
        assert not re.search(r"[\u4e00-\u9fff][,:;(]|[,:;)][\u4e00-\u9fff]", zh), key
        assert not re.search(r"[\u4e00-\u9fff][,;:]", zh), key


def test_figures_have_titles_axes_and_language(analyses):
    a = analyses["DE"]
    for lang, word in (("en", "EUR"), ("zh-TW", "歐元")):
        for fig in (fx.fan_figure(a, lang), fx.distribution_figure(a, lang), fx.cfar_cost_figure(a, lang),
                    fx.payoff_figure(a, lang), fx.history_figure(a.inputs, lang, years=5, window=63)):
            assert fig.layout.title.text and fig.layout.width == 660 or fig.layout.template.layout.width == 660
            assert len(fig.data) >= 2
        assert word in fx.fan_figure(a, lang).layout.yaxis.title.text


def figure_data(panel):
    return {name: json.dumps([tr.to_plotly_json() for tr in fig.data], cls=PlotlyJSONEncoder, sort_keys=True)
            for name, fig in panel.figures.items()}


CONTROL_CHANGES = {
    "forward_cover": (0.8, "distribution"),
    "option_cover": (0.25, "distribution"),
    "put_strike": (1.0, "payoff"),
    "collar_floor": (0.95, "payoff"),
    "vol": (0.15, "fan"),
    "horizon": (6, "fan"),
    "method": ("bootstrap", "fan"),
    "drift": ("zero", "fan"),
}


def test_each_control_recomputes_the_figures_in_place():
    p = fx.panel(scenario.load("JP"), "en", AS_OF)
    assert set(p.controls) == set(CONTROL_CHANGES)
    widgets_before = {name: id(fig) for name, fig in p.figures.items()}
    for name, (value, figure) in CONTROL_CHANGES.items():
        before = figure_data(p)
        p.controls[name].value = value
        assert p.last_error is None, p.last_error
        after = figure_data(p)
        assert after[figure] != before[figure], name
    assert {name: id(fig) for name, fig in p.figures.items()} == widgets_before  # same widgets, patched
    assert len(p.widget().children) == 2 + len(p.panes) + len(p.figures)     # controls, status, outputs


def test_control_combination_the_model_rejects_shows_the_reason():
    p = fx.panel(scenario.load("DE"), "en", AS_OF)
    p.controls["drift"].value = "historical"       # ECB has no TWD and there is no user CSV
    assert p.last_error and "drift 'historical'" in p.last_error


def test_save_writes_a_valid_overlay(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    p = fx.panel(scenario.load("US"), "zh-TW", AS_OF)
    p.controls["forward_cover"].value = 0.7
    p.controls["vol"].value = 0.09
    p.controls["horizon"].value = 9
    path = p.save()
    assert path == tmp_path / "scenarios" / "US.yaml" and path.exists()
    saved = scenario.load("US")
    assert saved.has_user_overlay
    assert saved.fx.policy.forward_cover == 0.7 and saved.fx.simulation.horizon_months == 9
    overlay = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert overlay["rates"]["pairs"]["TWD/USD"]["volatility_annual"] == 0.09   # one home for the stated volatility
    assert "volatility" not in overlay["fx"] or "value" not in overlay["fx"]["volatility"]
    pair = saved.rates.stated("TWD", "USD")
    assert pair.volatility_annual == 0.09 and "user" in pair.volatility_note and pair.basis == "assumption"
    assert pair.rate == 30.5 and pair.as_of == scenario.load("DE").rates.pairs["TWD/USD"].as_of  # the rate untouched
    assert fx.inputs(saved, AS_OF).vol == 0.09
    assert pricing.book_for(saved, as_of=AS_OF).fx["TWD/USD"].volatility_annual == 0.09  # pricing sees it too
    assert saved.fx.receivables == scenario.build("US", layers_of("US", {})).fx.receivables  # rest untouched


# ------------------------------------------------------------------------------------ workshop helpers

@pytest.fixture(scope="module")
def us_inputs():
    return fx.inputs(scenario.load("US"), AS_OF)


def test_cover_curve_is_linear_for_forwards_and_the_search_meets_the_closed_form(us_inputs):
    curve = fx.cover_curve(us_inputs, [0.0, 0.5, 1.0], paths=4000)
    # receipts (1 - h) U + h K on every path: CFaR linear in h, so the midpoint is the mean of the ends
    assert curve["cfar95"].iloc[1] == pytest.approx((curve["cfar95"].iloc[0] + curve["cfar95"].iloc[2]) / 2, rel=1e-9)
    assert list(curve["within"]) == [False, True, True] and curve.attrs["tolerance"] == 0.03
    exact = fx.analyse(us_inputs, paths=4000).min_cover
    found = fx.min_cover_search(us_inputs, paths=4000, step=1e-3)
    assert exact is not None and 0 < exact < 1
    assert exact <= found <= exact + 1e-3                      # the smallest ratio on the bisection grid


def test_min_cover_search_says_when_no_cover_is_needed_and_when_none_is_enough(us_inputs):
    from dataclasses import replace

    assert fx.min_cover_search(us_inputs, vol=0.01, paths=2000) == 0.0   # calm rates: unhedged already fits
    high_budget = replace(us_inputs, section=us_inputs.section.model_copy(
        update={"budget_rate": us_inputs.spot * 1.10}))               # the forward locks 10 % below budget
    assert fx.min_cover_search(high_budget, paths=2000) is None
    assert fx.analyse(high_budget, paths=2000).min_cover is None      # agrees with the closed form
    put = fx.min_cover_search(us_inputs, "put", paths=2000, step=0.01)
    assert put is None or 0 < put <= 1


@pytest.mark.parametrize("call, match", [
    (lambda i: fx.cover_curve(i, [0.5], strategy="layered"), "strategy"),
    (lambda i: fx.cover_curve(i, [0.5, 1.2]), "covers"),
    (lambda i: fx.cover_curve(i, [0.5], forward_cover=0.3), "forward_cover"),
    (lambda i: fx.min_cover_search(i, step=0), "step"),
])
def test_workshop_helpers_bad_input(us_inputs, call, match):
    with pytest.raises(InputError, match=match):
        call(us_inputs)


def test_carry_cost_is_what_the_model_charges_under_each_drift(us_inputs):
    no_drift = fx.analyse(us_inputs, drift="zero", paths=2000)
    neutral = fx.analyse(us_inputs, drift="risk_neutral", paths=2000)
    parts = fx.carry_cost(no_drift)
    h, m = 0.5, no_drift.policy.forward_margin
    rec = us_inputs.receivables[:12]
    fwd = 30.5 * np.exp((0.02 - 0.035) * us_inputs.years[:12])        # US spot; TWD and USD rates in force (fact store)
    assert parts["carry"] == pytest.approx(h * (rec * (30.5 - fwd)).sum(), rel=1e-9) and parts["carry"] > 0
    assert parts["spread"] == pytest.approx(h * (rec * fwd * m).sum(), rel=1e-9)
    assert no_drift.summary.at["forward", "cost"] == pytest.approx(parts["total"], rel=1e-7)
    assert neutral.summary.at["forward", "cost"] == pytest.approx(parts["spread"], rel=1e-7)


def test_unconfirmed_orders_hand_worked_two_months_two_paths():
    from types import SimpleNamespace

    inp = SimpleNamespace(receivables=np.array([100.0, 200.0]), r_domestic=0.0, years=np.array([1 / 12, 2 / 12]))
    a = SimpleNamespace(inputs=inp, months=2, paths=np.array([[30.0, 32.0], [29.0, 33.0]]),
                        forwards=np.array([31.0, 31.5]), policy=SimpleNamespace(forward_margin=0.0),
                        strikes={"put": np.array([30.5, 31.0]), "put_premium": np.array([0.2, 0.3])})
    lost = fx.unconfirmed_orders(a, 0.5)
    # forward: path 0: 50 (31 - 30) + 100 (31.5 - 29) = 300; path 1: 50 (31 - 32) + 100 (31.5 - 33) = -200
    assert lost.at["forward", "mean"] == pytest.approx(50) and lost.at["forward", "worst"] == pytest.approx(-200)
    assert lost.at["forward", "bad"] == pytest.approx(-200 + 0.05 * 500)   # 5th percentile, linear interpolation
    # put: path 0: 50 (0.5 - 0.2) + 100 (2 - 0.3) = 185; path 1: 50 (0 - 0.2) + 100 (0 - 0.3) = -40 = -premium
    assert lost.at["put", "mean"] == pytest.approx(72.5) and lost.at["put", "worst"] == pytest.approx(-40)
    assert lost.at["put", "premium"] == pytest.approx(40) and lost.at["forward", "premium"] == 0
    with pytest.raises(InputError, match="share"):
        fx.unconfirmed_orders(a, 0)


def test_talking_points_carry_the_markets_numbers_in_both_languages(analyses):
    for code in ("DE", "MX"):
        for lang in ("en", "zh-TW"):
            points = fx.talking_points(analyses[code], lang)
            assert 2 <= len(points) <= 3
            assert all(re.search(r"\d", p) for p in points), points
    assert "新臺幣" in fx.talking_points(analyses["MX"], "zh-TW")[0]
    assert "carry" in fx.talking_points(analyses["MX"], "en")[-1]      # MXN: a deep forward discount
    assert "natural hedge" in fx.talking_points(analyses["DE"], "en")[-1]  # equal rates: the payables instead


def test_workshop_figure_and_table_in_both_languages(us_inputs):
    curve = fx.cover_curve(us_inputs, [0.0, 0.5, 1.0], paths=2000)
    a = fx.analyse(us_inputs, forward_cover=0.7, paths=2000)
    for lang, word in (("en", "cover"), ("zh-TW", "避險比率")):
        fig = fx.cover_figure(curve, lang, found=0.4)
        assert word in fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and len(fig.data) == 3
        table = fx.unconfirmed_table(fx.unconfirmed_orders(a, 0.3), a, lang)
        assert len(table) == 2 and not table.isna().any().any()
