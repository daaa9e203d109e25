"""Tests for the pricing chapter (crossborder.chapters.pricing): hand-worked quotes, guardrail properties, the
optimizer against a grid and scipy, the Monte Carlo against brute force and closed forms, FX inputs, data
validation, the control panel and saving."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from crossborder import scenario
from crossborder.chapters import pricing
from crossborder.core import fmt, rates
from crossborder.core.errors import InputError
from crossborder.core.i18n import strings_file
from crossborder.core.paths import DATA_DIR
from crossborder.core.rates import RatesSection, StatedPair

AS_OF = date(2026, 11, 29)
MARKETS = ["DE", "US", "JP", "VN", "MX", "IN"]


@pytest.fixture(autouse=True)
def _user_home(tmp_path, monkeypatch):
    """Every test runs against an empty user folder (no saved overlays, no user FX history)."""
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path / "home"))


# ---------------------------------------------------------------------------------------------- helpers

def product_rows(**over) -> dict:
    """One complete, quote-ready PIM row (a ball screw costing TWD 300 made in Taiwan)."""
    row = dict(model="T-1", family="ball_screw", name_en="Test screw", name_zh_TW="測試螺桿", size_mm=16.0,
               lead_mm=5.0, length_mm=500.0, accuracy_grade="C7", material="S55C", hardness_hrc=58.0,
               dynamic_load_kn=7.7, static_load_kn=13.2, lead_error_test_um=30.0, lead_error_tol_um=50.0,
               certifications="ISO 9001", application_en="test", application_zh_TW="測試", unit_cost=300.0,
               cost_currency="TWD", plant="TW", moq=50, hs_code="8483.40", unit_weight_kg=2.0, unit_volume_l=3.0,
               drawing_ref="d.pdf", step_ref="s.stp", manual_ref="m.pdf", msds_ref="sds.pdf", lifecycle="active",
               eco_revision="A", eco_number="ECO-1", eco_date=pd.Timestamp("2025-01-01"), source="test")
    row.update(over)
    return row


def products_frame(*rows: dict) -> pd.DataFrame:
    df = pd.DataFrame(list(rows), columns=list(pricing.PRODUCT_COLUMNS))
    return df.set_index("model", drop=False)


def section(**over) -> pricing.Pricing:
    """A small pricing section whose arithmetic is easy to follow by hand (USD quotes of TWD costs at 30)."""
    data = dict(
        quote_currency="USD", incoterm="FCA", named_place="Taichung", freight_per_kg=0.5, insurance_rate=0.002,
        payment_days=55, list_margin=0.5, region_factor=1.05,
        tiers=[{"min_qty": 1, "discount": 0.0, "typical_qty": 20}, {"min_qty": 100, "discount": 0.10, "typical_qty": 200}],
        lead_times=[{"days": 20, "factor": 1.1, "label": {"en": "express", "zh-TW": "急單"}},
                    {"days": 40, "factor": 1.0, "label": {"en": "standard", "zh-TW": "標準"}}],
        samples={"below_moq": "sample", "max_qty": 5, "price_factor": 1.5},
        bundles=[{"id": "labels", "basis": "unit", "cost": 0.2, "price": 0.5, "name": {"en": "labels", "zh-TW": "標籤"}},
                 {"id": "docs", "basis": "order", "cost": 100, "price": 150, "name": {"en": "docs", "zh-TW": "文件"}}],
        guardrails={"floor": 0.2, "target": 0.3, "stretch": 0.45},
        win_curve={"midpoint": 1.0, "steepness": 10, "max_probability": 0.8},
        competitor={"source": "test", "tier_discounts": [0.0, 0.05], "prices": {"T-1": 19.0}},
        fx={"window_days": 252, "drift_annual": 0.0},
        monte_carlo={"draws": 2000, "seed": 7, "cost_low": -0.03, "cost_mode": 0.0, "cost_high": 0.08,
                     "freight_sigma": 0.3},
        sample_quote={"product": "T-1", "quantity": 150, "lead_time_days": 40, "bundles": ["labels"]},
        stress={"cost_shift": 0.0, "fx_shift": 0.0, "competitor_shift": 0.0}, source="test",
    )
    data.update(over)
    return pricing.Pricing.model_validate(data)


def shifts(**changes: float) -> pricing.Stress:
    """What-if shifts: zero unless given."""
    return pricing.Stress(**({"cost_shift": 0.0, "fx_shift": 0.0, "competitor_shift": 0.0} | changes))


def stated_rates(pair: str = "TWD/USD", rate: float = 30.0, vol: float = 0.06, basis: str = "assumption") -> RatesSection:
    """The shared ``rates`` section with one stated pair (the scenario's ``rates.pairs``)."""
    return RatesSection(pairs={pair: StatedPair(rate=rate, volatility_annual=vol, basis=basis, source="test figure",
                                                as_of=AS_OF)})


def book(sec: pricing.Pricing | None = None, *rows: dict, stress: pricing.Stress | None = None,
         stated: RatesSection | None = None) -> pricing.PriceBook:
    sec = section() if sec is None else sec
    stated = stated_rates() if stated is None else stated
    return pricing.price_book("US", sec, products_frame(*(rows or (product_rows(),))), stress=stress, stated=stated)


# ----------------------------------------------------------------------------------- hand-worked quotes

def test_quote_by_hand_fca_with_bundles():
    b = book()
    # cost 300 TWD / 30 = 10 USD; FCA: no freight or insurance; list = 10 / (1 - 0.5) = 20
    assert b.products.at["T-1", "list_price"] == pytest.approx(20.0)
    q = pricing.quote(b, "T-1", 150, 40, ("labels", "docs"))
    # tier 2 (100+): 20 x 0.9 = 18; region x 1.05 = 18.90; standard lead time x 1.0 = 18.90
    assert q.tier == 1 and q.lead_time_days == 40 and q.kind == "order"
    assert q.product_price == pytest.approx(18.90)
    # bundles per unit: labels 0.50 + docs 150 / 150 = 1.50 price; 0.20 + 100 / 150 cost
    assert q.bundle_price == pytest.approx(1.50)
    assert q.unit_price == pytest.approx(20.40)
    assert q.total == pytest.approx(20.40 * 150)
    cost = 10 + 0.2 + 100 / 150
    assert q.unit_cost == pytest.approx(cost)
    assert q.margin == pytest.approx((20.40 - cost) / 20.40)          # 0.4673 -> above the 0.45 stretch
    assert q.quoted and q.band == "above_stretch"
    # lowest acceptable product price: (C - B (1 - floor)) / (1 - floor) = (10.8667 - 1.2) / 0.8 = 12.0833 -> 12.09
    assert q.lowest_price == pytest.approx(12.09)
    # waterfall: relative steps add up to the net price, costs take it to the margin
    steps = dict(q.steps)
    assert steps["step_list"] + steps["step_tier"] + steps["step_region"] + steps["step_lead_time"] \
        + steps["step_bundles"] == pytest.approx(steps["step_net"])
    assert steps["step_net"] + steps["step_cost"] + steps["step_freight"] + steps["step_bundle_cost"] \
        == pytest.approx(steps["step_margin"])


def test_request_below_floor_is_refused_with_lowest_price_and_the_boundary_holds():
    b = book()
    q = pricing.quote(b, "T-1", 150, 40, ("labels", "docs"), requested_price=11.00)
    # (11 + 1.5 - 10.8667) / 12.5 = 0.1307 < 0.20
    assert not q.quoted and q.reason == "reason_below_floor"
    assert q.margin == pytest.approx((12.5 - (10 + 0.2 + 100 / 150)) / 12.5)
    assert q.lowest_price == pytest.approx(12.09)
    assert "USD\u00a012.09" in pricing.quote_reason(q, "en") and "20%" in pricing.quote_reason(q, "en")
    assert pricing.quote(b, "T-1", 150, 40, ("labels", "docs"), requested_price=12.09).quoted
    assert not pricing.quote(b, "T-1", 150, 40, ("labels", "docs"), requested_price=12.08).quoted


def test_quote_by_hand_cip_freight_and_insurance():
    sec = section(incoterm="CIP", region_factor=1.0)
    b = book(sec)
    v = 1.1 * 0.002                                                  # CIP insures 110 % of the price
    assert sec.insurance_share == pytest.approx(v)
    # freight 2 kg x 0.5 = 1.00; list = (10 + 1) / (1 - 0.5 - 0.0022) = 22.0972
    assert b.products.at["T-1", "list_price"] == pytest.approx(11 / (0.5 - v))
    q = pricing.quote(b, "T-1", 60, 40)
    assert q.product_price == pytest.approx(22.10)                   # rounded to cents
    assert q.unit_cost == pytest.approx(10 + 1 + v * 22.10)
    assert q.margin == pytest.approx(1 - (11 + v * 22.10) / 22.10)


def test_lead_time_picks_the_slowest_option_that_meets_the_request():
    b = book()
    fast = pricing.quote(b, "T-1", 60, 25)                           # only the 20-day option meets 25 days
    assert fast.lead_time_days == 20
    assert fast.product_price == pytest.approx(round(20 * 1.05 * 1.1, 2))
    assert pricing.quote(b, "T-1", 60, 90).lead_time_days == 40
    too_fast = pricing.quote(b, "T-1", 60, 10)
    assert not too_fast.quoted and too_fast.reason == "reason_lead_time"
    assert "20" in pricing.quote_reason(too_fast, "en")


def test_below_moq_samples_or_refusal_as_configured():
    b = book()
    sample = pricing.quote(b, "T-1", 3, 40)
    assert sample.quoted and sample.kind == "sample" and sample.tier is None
    assert sample.product_price == pytest.approx(20 * 1.5 * 1.05)    # list x sample factor x region
    over = pricing.quote(b, "T-1", 8, 40)                            # above the 5-sample limit, below MOQ 50
    assert not over.quoted and over.reason == "reason_below_moq"
    assert "50" in pricing.quote_reason(over, "zh-TW")
    refuse = book(section(samples={"below_moq": "refuse", "max_qty": 5, "price_factor": 1.5}))
    assert pricing.quote(refuse, "T-1", 3, 40).reason == "reason_below_moq"


def test_product_that_is_not_quote_ready_is_refused_naming_what_is_missing():
    b = book(None, product_rows(), product_rows(model="T-2", hs_code=np.nan, lifecycle="eol"))
    q = pricing.quote(b, "T-2", 100, 40)
    assert not q.quoted and q.reason == "reason_not_ready"
    text = pricing.quote_reason(q, "en")
    assert "HS code" in text and "end of life" in text


def test_jpy_prices_are_whole_yen():
    sec = section(quote_currency="JPY", competitor={"source": "t", "tier_discounts": [0, 0.05], "prices": {"T-1": 3000}})
    q = pricing.quote(book(sec, stated=stated_rates("TWD/JPY", 0.2, 0.1)), "T-1", 120, 40)
    assert q.product_price == round(q.product_price)                 # 300 / 0.2 = 1500 -> list 3000 -> 2835
    assert q.product_price == 2835
    assert fmt.money(q.product_price, "JPY", "en", exact=True) == "JPY\u00a02,835"  # no-break space: one line in a table
    assert "JPY\u00a02,835" in pricing.quote_table(q, "en").iloc[:, 1].str.cat()


# ------------------------------------------------------------------------------------ property: floor

bundle_st = st.fixed_dictionaries({
    "cost": st.floats(0, 50), "price": st.floats(0, 80), "basis": st.sampled_from(["unit", "order"])})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit_cost=st.floats(10, 100_000), weight=st.floats(0.01, 50), moq=st.integers(1, 200),
    floor=st.floats(0.0, 0.5), gap1=st.floats(0.01, 0.2), gap2=st.floats(0.01, 0.2), list_gap=st.floats(0.005, 0.2),
    region=st.floats(0.6, 1.6), incoterm=st.sampled_from(["FCA", "CPT", "CIP", "DAP"]), insurance=st.floats(0, 0.01),
    freight=st.floats(0, 5), discounts=st.lists(st.floats(0, 0.5), min_size=3, max_size=3),
    bundles=st.lists(bundle_st, min_size=2, max_size=2), chosen=st.sets(st.sampled_from(["b0", "b1"])),
    quantity=st.integers(1, 5000), lead=st.integers(1, 120),
    request=st.sampled_from(["ladder", "any", "near_floor"]), requested=st.floats(0.01, 1e5),
    near_bp=st.integers(-100, 100),
    cost_shift=st.floats(-0.3, 0.5), fx_shift=st.floats(-0.2, 0.2),
    below_moq=st.sampled_from(["sample", "refuse"]),
)
def test_no_quoted_price_ever_falls_below_the_floor(unit_cost, weight, moq, floor, gap1, gap2, list_gap, region,
                                                    incoterm, insurance, freight, discounts, bundles, chosen, quantity,
                                                    lead, request, requested, near_bp, cost_shift, fx_shift, below_moq):
    target, stretch = floor + gap1, floor + gap1 + gap2
    list_margin = min(stretch + list_gap, 0.95)
    if list_margin <= stretch or list_margin + 1.1 * insurance >= 1:
        return
    disc = sorted(discounts)
    sec = section(
        incoterm=incoterm, insurance_rate=insurance, freight_per_kg=freight, region_factor=region, list_margin=list_margin,
        guardrails={"floor": floor, "target": target, "stretch": stretch},
        tiers=[{"min_qty": 1, "discount": disc[0], "typical_qty": 10}, {"min_qty": 100, "discount": disc[1], "typical_qty": 200},
               {"min_qty": 1000, "discount": disc[2], "typical_qty": 2000}],
        competitor={"source": "t", "tier_discounts": [0, 0.05, 0.1], "prices": {"T-1": 1.0}},
        bundles=[{"id": f"b{i}", "name": {"en": "b", "zh-TW": "b"}, **b} for i, b in enumerate(bundles)],
        samples={"below_moq": below_moq, "max_qty": 5, "price_factor": 1.5},
        sample_quote={"product": "T-1", "quantity": 1, "lead_time_days": 40},
    )
    b = book(sec, product_rows(unit_cost=unit_cost, unit_weight_kg=weight, unit_volume_l=weight, moq=moq),
             stress=shifts(cost_shift=cost_shift, fx_shift=fx_shift))
    chosen = tuple(sorted(chosen))
    if request == "ladder":
        requested = None
    elif request == "near_floor":  # probe the boundary: a buyer asking within 1 % of the lowest acceptable price
        lowest = pricing.quote(b, "T-1", quantity, lead, chosen).lowest_price
        requested = max(0.01, lowest * (1 + near_bp / 10_000)) if lowest > 0 else None
    q = pricing.quote(b, "T-1", quantity, lead, chosen, requested_price=requested)
    if q.quoted:
        assert q.margin >= floor - 1e-12
        assert q.product_price >= q.lowest_price - 1e-9
        assert q.band != "below_floor"
    elif q.reason == "reason_below_floor":
        assert q.margin < floor
        if q.lowest_price > 0:  # the price offered instead is itself acceptable
            again = pricing.quote(b, "T-1", quantity, lead, chosen, requested_price=q.lowest_price)
            assert again.quoted and again.margin >= floor - 1e-12


# --------------------------------------------------------------------------------------------- optimizer

@pytest.mark.parametrize("market", MARKETS)
def test_optimizer_beats_a_fine_grid_and_matches_scipy_bounded_search(market):
    b = pricing.book_for(scenario.load(market), as_of=AS_OF)
    model = pricing.focus_model(b, "")
    tiers = pricing.tier_frame(b, model)
    v, cost = tiers.attrs["insurance_share"], tiers.attrs["unit_cost"]
    curve = b.section.win_curve
    lo, hi = float(tiers["floor_price"].iloc[0]), float(tiers["stretch_price"].iloc[0])

    def contribution(p, ref):
        return curve.max_probability / (1 + np.exp(curve.steepness * (p / ref - curve.midpoint))) * (p * (1 - v) - cost)

    grid = np.linspace(lo, hi, 20_001)
    for _, row in tiers.iterrows():
        best_grid = contribution(grid, row["competitor_price"]).max()
        ours = contribution(row["recommended_price"], row["competitor_price"])
        assert ours >= best_grid - 1e-9 * abs(best_grid)
        assert lo - 1e-9 <= row["recommended_price"] <= hi + 1e-9
        brent = minimize_scalar(lambda p: -contribution(p, row["competitor_price"]), bounds=(lo, hi), method="bounded",
                                options={"xatol": 1e-10 * hi})
        assert row["recommended_price"] == pytest.approx(brent.x, rel=1e-6)


def test_optimum_clips_to_the_guardrails():
    curve = pricing.WinCurve(midpoint=1.0, steepness=10, max_probability=0.8)
    # a competitor far above our cost: the unconstrained optimum is above stretch -> stretch
    assert pricing.optimal_price(10, 1000, curve, 0.0, 12, 18) == pytest.approx(18)
    # a competitor below our cost: the optimum is at the floor
    assert pricing.optimal_price(10, 5, curve, 0.0, 12, 18) == pytest.approx(12)


def test_win_probability_is_half_the_maximum_at_the_midpoint():
    curve = pricing.WinCurve(midpoint=1.05, steepness=9, max_probability=0.6)
    assert pricing.win_probability(105, 100, curve) == pytest.approx(0.3)
    assert pricing.win_probability(1, 100, curve) == pytest.approx(0.6, abs=1e-3)


# ------------------------------------------------------------------------------------------- Monte Carlo

def test_margin_risk_matches_brute_force():
    b = book(section(incoterm="CIP"))
    tiers = pricing.tier_frame(b, "T-1")
    prices = np.array([13.0, 14.0, 16.0])
    risk = pricing.margin_risk(b, "T-1", prices)
    m = risk.margins
    assert m.shape == (2000, 3)
    np.testing.assert_allclose(risk.below_floor, (m < 0.2).mean(axis=0))
    np.testing.assert_allclose(risk.p05, np.quantile(m, 0.05, axis=0), rtol=1e-9)
    np.testing.assert_allclose(risk.p50, np.quantile(m, 0.5, axis=0), rtol=1e-9)
    edges = np.linspace(m.min() - 0.01, m.max() + 0.01, 41)
    for j in range(3):
        counts, _ = np.histogram(m[:, j], bins=edges)
        np.testing.assert_allclose(risk.histogram(edges)[j], counts / len(m), atol=1 / len(m) + 1e-12)
    assert len(tiers) == 2


def test_monte_carlo_mean_matches_the_closed_form():
    sec = section(monte_carlo={"draws": 400_000, "seed": 1, "cost_low": -0.03, "cost_mode": 0.0, "cost_high": 0.09,
                               "freight_sigma": 0.0})
    b = book(sec)
    risk = pricing.margin_risk(b, "T-1", np.array([20.0]))
    # E[c (1 + e) / F] = c (1 + (low + mode + high) / 3) E[1/F]; F lognormal with mean 1: E[1/F] = exp(s^2 T)
    years = (40 + 55) / 365
    expected = 10 * (1 + 0.06 / 3) * math.exp(0.06**2 * years)
    assert risk.costs.mean() == pytest.approx(expected, rel=2e-3)


def test_monte_carlo_without_uncertainty_is_deterministic_and_seeded_draws_repeat():
    sec = section(monte_carlo={"draws": 500, "seed": 3, "cost_low": 0.0, "cost_mode": 0.0, "cost_high": 0.0,
                               "freight_sigma": 0.0})
    b = book(sec, stated=stated_rates("TWD/USD", 30.0, 0.0))
    risk = pricing.margin_risk(b, "T-1", np.array([12.5, 20.0]))
    np.testing.assert_allclose(risk.margins, np.broadcast_to([1 - 10 / 12.5, 1 - 10 / 20], (500, 2)))
    a = pricing.draw_shocks(section().monte_carlo)
    assert np.array_equal(a.fx, pricing.draw_shocks(section().monte_carlo).fx)
    assert not np.array_equal(a.fx, pricing.draw_shocks(section().monte_carlo, seed=8).fx)


def test_fx_shock_moves_the_margin_the_right_way():
    b = book()
    strong = pricing.restress(b, shifts(fx_shift=0.10))       # USD buys 10 % more TWD: cost in USD falls
    assert strong.products.at["T-1", "cost_quote"] == pytest.approx(10 / 1.10)
    p = np.array([15.0])
    assert pricing.margin_risk(strong, "T-1", p).p50[0] > pricing.margin_risk(b, "T-1", p).p50[0]


# ---------------------------------------------------------------------------------------------- FX inputs

def test_ecb_pair_volatility_comes_from_rate_history():
    fx = section().fx
    got = pricing.fx_inputs("USD", "EUR", fx, as_of=AS_OF)
    series = rates.history("USD", "EUR")
    series = series[series.index <= pd.Timestamp(AS_OF)]
    log_ret = np.diff(np.log(series.to_numpy()))[-252:]                # independent: sample std x sqrt(252)
    assert got.volatility_annual == pytest.approx(np.std(log_ret, ddof=1) * math.sqrt(252))
    assert got.from_history and got.basis == "history" and "ECB" in got.source
    assert got.planning_rate == pytest.approx(series.iloc[-1])


def test_twd_pair_needs_a_stated_figure_and_the_error_says_where():
    fx = section().fx
    for stated in (None, RatesSection(), stated_rates("TWD/EUR", 34.0, 0.07)):
        with pytest.raises(InputError) as err:
            pricing.fx_inputs("TWD", "USD", fx, stated=stated)
        msg = str(err.value)
        assert "ECB" in msg and "rates.pairs.TWD/USD" in msg and "volatility_annual" in msg
    got = pricing.fx_inputs("TWD", "USD", fx, stated=stated_rates())
    assert (got.planning_rate, got.volatility_annual, got.basis, got.from_history) == (30.0, 0.06, "assumption", False)


def test_stated_inverse_pair_is_inverted():
    got = pricing.fx_inputs("TWD", "USD", section().fx, stated=stated_rates("USD/TWD", 1 / 32, 0.05, "source"))
    assert got.planning_rate == pytest.approx(32) and got.volatility_annual == 0.05 and got.basis == "source"


def test_pricing_and_fx_chapter_read_the_same_stated_rates():
    for market in MARKETS:
        scn = scenario.load(market)
        b = pricing.book_for(scn, as_of=AS_OF)
        for pair, got in b.fx.items():
            entry = scn.rates.stated(*pair.split("/"))
            if got.basis in {"assumption", "source"}:
                assert (got.planning_rate, got.volatility_annual) == (entry.rate, entry.volatility_annual)


def test_user_history_overrides_the_stated_twd_figure(tmp_path, monkeypatch):
    home = tmp_path / "own"
    monkeypatch.setenv("CROSSBORDER_HOME", str(home))
    (home / "fx").mkdir(parents=True)
    # test fixture: a made-up series with alternating +-1 % days (not history of anything)
    days = pd.bdate_range("2026-01-01", periods=60)
    values = 30 * np.exp(np.cumsum(np.where(np.arange(60) % 2, 0.01, -0.01)))
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "rate": values}).to_csv(home / "fx" / "TWDUSD.csv", index=False)
    got = pricing.fx_inputs("TWD", "USD", section().fx, stated=stated_rates())
    assert got.from_history and got.source.endswith("TWDUSD.csv")
    assert got.planning_rate == 30.0                                  # the stated planning rate is kept
    log_ret = np.diff(np.log(values))
    assert got.volatility_annual == pytest.approx(np.std(log_ret, ddof=1) * math.sqrt(252))


def test_shipped_scenarios_name_their_fx_figures():
    for market in MARKETS:
        b = pricing.book_for(scenario.load(market), as_of=AS_OF)
        for pair, fx in b.fx.items():
            assert fx.basis in {"history", "assumption", "source", "same currency"}
            if fx.basis != "same currency":
                assert fx.source and fx.volatility_annual > 0, (market, pair)
            if pair.startswith("TWD/"):
                assert fx.basis == "assumption"       # the ECB has no TWD: stated, and labelled so


# ---------------------------------------------------------------------------------------- data and errors

def test_completeness_scores_by_hand():
    products = pricing.load_products()
    comp = pricing.completeness(products)
    assert comp.at["LG20-P-1000", "quote_score"] == pytest.approx(7 / 8)      # no HS code
    assert comp.at["LG20-P-1000", "spec_score"] == pytest.approx(7 / 8)       # no STEP model
    assert comp.at["BS1610-C7-0600", "quote_score"] == pytest.approx(5 / 8)   # no cost, currency, ECO revision
    assert comp.at["BS1204-C7-0300", "compliance_score"] == pytest.approx(5 / 6)  # no SDS
    assert comp.at["BS4010-C5-1500", "within_tolerance"] is False             # 21 um > 18 um
    ready = set(comp.index[comp["quote_ready"]])
    assert ready == {"BS1605-C7-0500", "BS2005-C5-0800", "BS2510-C3-1000", "BS3210-C7-1200", "BS1204-C7-0300", "BK12-SU"}
    table = pricing.completeness_table(products, comp, "zh-TW")
    assert "HS 稅則號列" in " ".join(table.iloc[:, -1])


def _write_products(tmp_path: Path, **over) -> Path:
    row = product_rows(**over)
    row["eco_date"] = "2025-01-01"
    path = tmp_path / "products.csv"
    pd.DataFrame([row], columns=list(pricing.PRODUCT_COLUMNS)).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("over, column, hint", [
    (dict(lead_mm=150.0, length_mm=120.0), "lead_mm", "shorter than the length"),
    (dict(unit_weight_kg=30.0, unit_volume_l=1.0), "unit_volume_l", "denser than steel"),
    (dict(family="linear_guide"), "lead_mm", "only ball screws"),
    (dict(cost_currency=np.nan), "cost_currency", "exactly when unit_cost"),
    (dict(cost_currency="XYZ"), "cost_currency", "ISO 4217"),
    (dict(hs_code="848340"), "hs_code", "8483.40"),
    (dict(hardness_hrc=95.0), "hardness_hrc", "from 20 to 70"),
    (dict(lifecycle="retired"), "lifecycle", "one of prototype"),
])
def test_impossible_product_values_name_product_and_field(tmp_path, over, column, hint):
    path = _write_products(tmp_path, **over)
    with pytest.raises(InputError) as err:
        pricing.load_products(path)
    msg = str(err.value)
    assert "line 2" in msg and "T-1" in msg and f"'{column}'" in msg and hint in msg


def test_scenario_errors_name_the_key():
    layers = [(Path("defaults.yaml"), yaml.safe_load((DATA_DIR / "scenarios" / "defaults.yaml").read_text(encoding="utf-8"))),
              (Path("DE.yaml"), yaml.safe_load((DATA_DIR / "scenarios" / "DE.yaml").read_text(encoding="utf-8")))]
    bad = scenario.merge(layers[1][1], {"pricing": {"guardrails": {"floor": 0.4, "target": 0.3, "stretch": 0.5}}})
    with pytest.raises(InputError, match=r"pricing.guardrails.*floor < target < stretch"):
        scenario.build("DE", [layers[0], (Path("DE.yaml"), bad)])
    bad = scenario.merge(layers[1][1], {"pricing": {"incoterm": "DDP"}})
    with pytest.raises(InputError, match=r"pricing.incoterm"):
        scenario.build("DE", [layers[0], (Path("DE.yaml"), bad)])
    bad = scenario.merge(layers[1][1], {"rates": {"pairs": {"TWDUSD": {"rate": 30.0, "volatility_annual": 0.06,
                                                                    "basis": "assumption", "source": "x y",
                                                                    "as_of": "2026-01-01"}}}})
    with pytest.raises(InputError, match=r"rates.pairs.*TWDUSD"):
        scenario.build("DE", [layers[0], (Path("DE.yaml"), bad)])


@pytest.mark.parametrize("kwargs, argument", [
    (dict(quantity=0), "quantity"), (dict(quantity=2.5), "quantity"), (dict(lead_time_days=0), "lead_time_days"),
    (dict(bundles=("gold",)), "bundles"), (dict(requested_price=-1.0), "requested_price"),
    (dict(model="NOPE"), "product"),
])
def test_bad_quote_arguments_name_the_argument(kwargs, argument):
    args = dict(model="T-1", quantity=100, lead_time_days=40, bundles=(), requested_price=None) | kwargs
    with pytest.raises(InputError, match=rf"^{argument}: expected"):
        pricing.quote(book(), args["model"], args["quantity"], args["lead_time_days"], args["bundles"],
                      requested_price=args["requested_price"])


def test_markets_differ_where_pricing_matters():
    secs = {m: scenario.load(m).pricing for m in MARKETS}
    assert {s.quote_currency for s in secs.values()} == {"EUR", "USD", "JPY"}
    assert len({s.guardrails.floor for s in secs.values()}) >= 3
    assert len({s.win_curve.midpoint for s in secs.values()}) >= 4
    assert {s.samples.below_moq for s in secs.values()} == {"sample", "refuse"}
    assert {s.seller_pays_carriage for s in secs.values()} == {True, False}
    heads = {m: pricing.headline(*_analysed(m), "en")[2] for m in MARKETS}
    assert len({round(v, 3) for v in heads.values()}) == len(MARKETS)


def _analysed(market):
    b = pricing.book_for(scenario.load(market), as_of=AS_OF)
    model = pricing.focus_model(b, "")
    tiers, risk = pricing.analyse(b, model)
    return b, model, tiers, risk


# ---------------------------------------------------------------------------------------- panel and save

def _data(fig) -> list:
    return [tr.to_plotly_json() for tr in fig.data]


def _changed(before: list, after: list) -> bool:
    return repr(before) != repr(after)


@pytest.fixture(scope="module")
def de_scenario():
    return scenario.load("DE")


@pytest.mark.parametrize("control, value, figure", [
    ("model", "BS1605-C7-0500", "ladder"),
    ("quantity", 600, "waterfall"),
    ("lead_time_days", 20, "waterfall"),             # 35-day standard -> the 15-day express option
    ("bundles", ("local_stock", "spares_kit"), "waterfall"),
    ("requested_price", 150.0, "waterfall"),
    ("cost_shift", 0.15, "margin"),
    ("fx_shift", -0.10, "margin"),
    ("competitor_shift", -0.2, "contribution"),
])
def test_each_control_changes_its_figure(de_scenario, control, value, figure):
    panel = pricing.panel(de_scenario, "en", as_of=AS_OF, draws=2000)
    before = _data(panel.figures[figure])
    assert panel.controls[control].value != value
    panel.controls[control].value = value
    assert panel.last_error is None
    assert _changed(before, _data(panel.figures[figure]))


def test_panel_shows_a_refusal_without_error(de_scenario):
    panel = pricing.panel(de_scenario, "zh-TW", as_of=AS_OF, draws=500)
    panel.controls["requested_price"].value = 100.0                   # far below the floor price
    assert panel.last_error is None
    assert "拒絕報價" in panel.panes["quote"].value


def test_save_writes_a_valid_overlay(tmp_path, monkeypatch, de_scenario):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    panel = pricing.panel(de_scenario, "en", as_of=AS_OF, draws=500)
    panel.controls["quantity"].value = 250
    panel.controls["bundles"].value = ("spares_kit",)
    panel.controls["cost_shift"].value = 0.12
    path = panel.save()
    assert path == tmp_path / "scenarios" / "DE.yaml" and path.exists()
    saved = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert saved["pricing"]["sample_quote"]["quantity"] == 250
    reloaded = scenario.load("DE")
    assert reloaded.pricing.sample_quote.bundles == ["spares_kit"]
    assert reloaded.pricing.stress.cost_shift == pytest.approx(0.12)
    assert reloaded.pricing.sample_quote.requested_price is None
    assert reloaded.has_user_overlay


# ------------------------------------------------------------------------------------------- strings

def test_chinese_strings_use_full_width_punctuation():
    data = yaml.safe_load(strings_file("pricing").read_text(encoding="utf-8"))
    for key, texts in data.items():
        zh = re.sub(r"\{[^}]*\}", "", texts["zh-TW"])                 # placeholders are not prose
        zh = re.sub(r"\d,\d", "", zh)                                  # thousands separators
        assert not re.search(r"[,;:()]", zh), f"{key}: {texts['zh-TW']}"


def test_figures_and_tables_in_both_languages():
    b, model, tiers, risk = _analysed("JP")
    q = pricing.quote(b, model, 40, 35, ("compliance_docs",))
    for lang in ("zh-TW", "en"):
        figs = [pricing.ladder_figure(b, model, tiers, lang), pricing.contribution_figure(b, model, tiers, lang),
                pricing.margin_figure(b, risk, tiers, lang), pricing.waterfall_figure(q, lang)]
        for fig in figs:
            assert fig.layout.title.text and fig.layout.yaxis.title.text
            assert fig.layout.template.layout.font.family.startswith("Noto Sans CJK TC")
        table = pricing.tier_table(b, tiers, risk, lang)
        assert len(table) == len(tiers) and not table.isna().any().any()
    assert "日本" in pricing.ladder_figure(b, model, tiers, "zh-TW").layout.title.text


# ---------------------------------------------------------------------------------- workshop exercises

def test_absorbable_cost_shift_by_hand():
    # TWD 300 at 30 = USD 10 a unit, FCA (no freight, no insurance): list = 10 / (1 - 0.5) = 20.00.
    # Ladder (region 1.05): tier 1 = 21.00, tier 2 = 20 x 0.9 x 1.05 = 18.90. The margin 1 - 10 (1 + x) / p
    # reaches the 20 % floor at 1 + x = 0.8 p / 10: x = 0.68 for tier 1 and 0.512 for tier 2.
    b = book()
    absorb = pricing.absorbable_cost_shift(b, "T-1")
    assert list(absorb["ladder_price"]) == [21.0, 18.9]
    assert absorb["cost_shift"].tolist() == pytest.approx([0.68, 0.512], abs=1e-8)
    assert absorb["headroom"].tolist() == pytest.approx([0.68, 0.512], abs=1e-8)
    # at the found shift the ladder sits exactly on the floor; a little beyond, the guardrail refuses it
    at = pricing.tier_frame(pricing.restress(b, shifts(cost_shift=0.512)), "T-1")
    assert at["ladder_margin"].iloc[1] == pytest.approx(0.2, abs=1e-9)
    q = pricing.quote(pricing.restress(b, shifts(cost_shift=0.52)), "T-1", 150, 40)
    assert not q.quoted and q.reason == "reason_below_floor"
    # a shift already applied counts: the headroom is what is left
    shifted = pricing.absorbable_cost_shift(pricing.restress(b, shifts(cost_shift=0.1)), "T-1")
    assert shifted["headroom"].tolist() == pytest.approx([0.58, 0.412], abs=1e-8)
    table = pricing.absorb_table(b, absorb, "zh-TW")
    assert table.iloc[1, 3] == "+51.2%"
    assert "51.2" in pricing.absorb_note(b, absorb, "en") and "50–99" not in pricing.absorb_note(b, absorb, "en")


def test_competitor_cut_answers_are_ordered():
    b = book()
    cut = pricing.competitor_cut(b, "T-1", 0.10)
    now = pricing.tier_frame(b, "T-1")
    curve, v, cost = b.section.win_curve, now.attrs["insurance_share"], now.attrs["unit_cost"]
    # holding: today's recommended price against the competitor at 90 % (19.00 -> 17.10 at tier 1)
    assert cut["competitor_after"].iloc[0] == pytest.approx(17.10)
    p0 = now["recommended_price"].iloc[0]
    by_hand = pricing.win_probability(p0, 17.10, curve) * (p0 * (1 - v) - cost) * now["typical_qty"].iloc[0]
    assert cut["hold"].iloc[0] == pytest.approx(by_hand)
    assert (cut["reprice"] >= cut["hold"] - 1e-9).all() and (cut["reprice"] >= cut["match"] - 1e-9).all()
    assert (cut["before"] >= cut[["hold", "match", "reprice"]].max(axis=1) - 1e-9).all()
    assert (cut["price_match"] >= now["floor_price"] - 1e-9).all()
    note = pricing.cut_note(cut, 0.10, "zh-TW")
    assert "10%" in note and "−" in note
    assert len(pricing.cut_table(b, cut, "en")) == len(now)
    with pytest.raises(InputError, match="cut: expected a share"):
        pricing.competitor_cut(b, "T-1", 0.0)


@pytest.mark.parametrize("market", ["DE", "VN"])
@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_headline_points(market, lang):
    b, model, tiers, risk = _analysed(market)
    points = pricing.headline_points(b, model, tiers, risk, lang)
    assert len(points) == 3
    assert all(re.search(r"\d", p) for p in points)
    assert fmt.money(float(tiers["recommended_price"].iloc[0]), b.currency, lang, exact=True) in points[0]
    absorb = pricing.absorbable_cost_shift(b, model)
    assert fmt.percent(float(absorb["headroom"].min()), lang) in points[1]


def test_the_user_s_own_product_table_replaces_the_shipped_one(tmp_path, monkeypatch):
    """A team's products.csv (or products.xlsx) in the user folder is the one every chapter reads."""
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    shipped = pricing.load_products()
    (tmp_path / "data").mkdir()
    text = (pricing.PRODUCTS_FILE).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    (tmp_path / "data" / "products.csv").write_text("".join(lines[:2]), encoding="utf-8")   # the header and one product
    own = pricing.load_products()
    assert len(own) == 1 and len(shipped) > 1 and own.index[0] == shipped.index[0]
