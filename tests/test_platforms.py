"""Tests of the platform cost comparison (chapter 02): hand-worked figures, independent checks of the Monte
Carlo and the budget optimiser, bad input, the control panel and saving a scenario."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import optimize
from scipy import stats as sps

from crossborder import scenario
from crossborder.chapters import platforms as P
from crossborder.chapters.platforms import model as platforms_model
from crossborder.core import fmt
from crossborder.core.errors import InputError
from crossborder.core.i18n import country_in_text

DATA = P.CHANNELS_FILE
MARKETS = ["DE", "US", "JP", "VN", "MX", "IN"]


@pytest.fixture(scope="module")
def channels() -> pd.DataFrame:
    return P.load_channels()


def _csv_rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


# One made-up channel whose numbers are easy to follow by hand.
ALPHA = dict(channel="alpha", name_en="Alpha", name_zh_TW="Alpha", kind="general", focus="all", website="",
             setup="1000", membership_per_year="5000", ads_per_month="500", commission="0.02", other_per_year="1000",
             inquiries_per_month="50", spam_share="0.4", qualified_share="0.2", conversion="0.05",
             conversion_low="0.02", conversion_high="0.08", order_value="10000", order_value_low="5000",
             order_value_high="20000", orders_per_year="3", months_to_first_order="2", ramp_months="0",
             buyer_fit="4", fraud_protection="1", tool_quote="true", tool_insight="false", tool_api="false",
             saturation="1.5", spend_min="6000", spend_max="30000", source="illustrative", note="test")


def _alpha_inputs(**over) -> pd.DataFrame:
    row = {k: v for k, v in ALPHA.items()}
    table = pd.DataFrame([row]).set_index("channel")
    for col, spec in P.COLUMNS.items():
        if col != "channel" and spec.kind in ("float", "int"):
            table[col] = table[col].astype(float)
        if spec.kind == "bool":
            table[col] = table[col] == "true"
    table["reach"] = 1.0
    for k, v in over.items():
        table[k] = v
    return table


# ------------------------------------------------------------------------------------------ the data

def test_data_loads_with_the_shared_channel_ids(channels):
    expected = {"alibaba", "made_in_china", "global_sources", "tradewheel", "thomasnet", "europages", "chemnet",
                "tridge", "g2", "own_site_seo", "own_site_sem", "linkedin"}
    assert set(channels.index) == expected
    assert (channels["source"] == "illustrative").all()  # commercial figures, labelled as such
    assert set(channels["kind"]) == set(P.KINDS)


def test_every_market_scenario_validates_and_markets_differ(channels):
    tops = {}
    for code in MARKETS:
        a = P.analyse(scenario.load(code), channels)
        tops[code] = a.ranked[0]
        assert a.mix_totals["spent"] <= a.section.budget + 1e-6
    # the vertical that serves each market wins the comparison there: EUROPAGES in Germany, Thomasnet in the US
    assert tops["DE"] == "europages" and tops["US"] == "thomasnet"
    assert len(set(tops.values())) >= 4


# ---------------------------------------------------------------------------------- hand-worked figures

def test_hand_worked_channel():
    inputs = _alpha_inputs()
    e = P.channel_economics(inputs, gross_margin=0.30, horizon=24).loc["alpha"]
    # spend = 1000 + 5000 + 12 x 500 + 1000 = 13,000
    assert e["spend"] == pytest.approx(13_000)
    # qualified per month = 50 x 1 x (1 - 0.4) x 0.2 = 6; no ramp: 72 in year 1
    assert e["qualified_per_month"] == pytest.approx(6.0)
    assert e["leads"] == pytest.approx(72.0)
    assert e["cost_per_lead"] == pytest.approx(13_000 / 72)            # 180.56
    # customers = 72 x 0.05 = 3.6; CAC = 13,000 / 3.6 = 3,611.11
    assert e["customers"] == pytest.approx(3.6)
    assert e["cac"] == pytest.approx(3_611.111, rel=1e-6)
    # cost per PO = CAC + 2 % x 10,000 = 3,811.11
    assert e["cost_per_po"] == pytest.approx(3_811.111, rel=1e-6)
    # margin per order = 10,000 x (0.30 - 0.02) = 2,800; a month = 2,800 x 3 / 12 = 700; payback = 5.159 months
    assert e["unit_margin"] == pytest.approx(2_800)
    assert e["monthly_margin"] == pytest.approx(700)
    assert e["payback_months"] == pytest.approx(3_611.111 / 700, rel=1e-6)
    # break-even orders = ceil(13,000 / 2,800) = ceil(4.64) = 5
    assert e["breakeven_orders"] == 5
    # 0.3 new customers a month start ordering from month 3: revenue in month t = 0.3 x (t - 2) x 3/12 x 10,000
    # = 750 (t - 2); year 1 sums (t - 2) over t = 3..12 = 55: gross profit 0.30 x 750 x 55 = 12,375,
    # commission 0.02 x 750 x 55 = 825, cost = 13,000 + 825 = 13,825, ROI = (12,375 - 13,825) / 13,825
    assert e["gross_profit_y1"] == pytest.approx(12_375)
    assert e["cost_y1"] == pytest.approx(13_825)
    assert e["roi_y1"] == pytest.approx((12_375 - 13_825) / 13_825)
    # cumulative: (225 - 15) x (T-2)(T-1)/2 >= 11,000 + 583.33 T first holds at T = 16 (22,050 >= 20,333;
    # T = 15: 19,110 < 19,750), the membership renewing in month 13
    assert e["breakeven_month"] == 16


def test_ramp_and_lag_shape_the_timeline():
    inputs = _alpha_inputs(ramp_months=4.0)
    # ramp weights 1/4, 2/4, 3/4, then 1: year 1 has 6 x (0.25 + 0.5 + 0.75 + 9) = 63 qualified inquiries
    e = P.channel_economics(inputs, 0.30).loc["alpha"]
    assert e["leads"] == pytest.approx(63.0)
    months, cost, gp = P.timeline(inputs, 0.30, 24)
    assert months[0] == 0 and cost[0, 0] == 0 and gp[0, 0] == 0
    assert gp[0, 2] == 0 and gp[0, 3] > 0          # first orders in month 3 (2 months after the first inquiries)
    assert cost[0, 1] == pytest.approx(1000 + 5000 + 500 + 1000 / 12)
    assert cost[0, 13] - cost[0, 12] > 5000        # membership renews in month 13


def test_cac_and_payback_come_from_the_shared_unit_economics(monkeypatch):
    calls = []
    real = platforms_model.unit_economics

    def spy(spend, won, margin):
        calls.append((np.asarray(spend).copy(), np.asarray(won).copy()))
        return real(spend, won, margin)

    monkeypatch.setattr(platforms_model, "unit_economics", spy)  # where channel_economics looks it up
    P.channel_economics(_alpha_inputs(), 0.3)
    assert len(calls) == 1 and calls[0][0][0] == pytest.approx(13_000)


def test_zero_conversion_never_pays_back_in_words(channels):
    a = P.analyse(scenario.load("DE"), channels)
    g2 = a.economics.loc["g2"]
    assert g2["customers"] == 0 and not g2["pays_back"]
    assert math.isnan(g2["cac"]) and math.isnan(g2["payback_months"]) and math.isnan(g2["cost_per_po"])
    assert a.selection.at["g2", "cost"] == 0 and a.selection.at["g2", "p_beat"] == 0
    for lang, words in (("en", "never pays back"), ("zh-TW", "無法回本")):
        table = P.cost_table(a, lang)
        row = table[table.iloc[:, 0] == "G2"].iloc[0]
        assert words in row.to_numpy().tolist()
        text = table.to_string() + P.recommendation(a, lang)
        assert "inf" not in text.lower() and "nan" not in text.lower()
        assert P.payback_text(float("inf"), lang) == words
    fig = P.tornado_figure(a, "en", "g2")
    assert "never pays back" in fig.layout.annotations[0].text


# ------------------------------------------------------------------------------------------- selection

def test_selection_scores_by_hand():
    inputs = pd.concat([_alpha_inputs(), _alpha_inputs().rename(index={"alpha": "beta"})])
    inputs.loc["beta", ["order_value", "buyer_fit", "fraud_protection", "tool_insight", "spam_share"]] = [5000, 2, 2, True, 0.7]
    econ = P.channel_economics(inputs, 0.3)
    w = P.Weights(fit=1, cost=1, quality=1, tools=1)
    s = P.selection_scores(inputs, econ, w)
    # fit: alpha 100 x 1 x 4/5 x (0.5 + 0.5 x 1) = 80; beta 100 x 2/5 x (0.5 + 0.5 x 0.5) = 30
    assert s.at["alpha", "fit"] == pytest.approx(80)
    assert s.at["beta", "fit"] == pytest.approx(30)
    # quality: genuine share alpha 0.6 x 0.2 = 0.12 (best), beta 0.3 x 0.2 = 0.06;
    # alpha 100 x 1 x (0.5 + 0.25) = 75, beta 100 x 0.5 x (0.5 + 0.5) = 50
    assert s.at["alpha", "quality"] == pytest.approx(75)
    assert s.at["beta", "quality"] == pytest.approx(50)
    # tools: alpha 1 of 3, beta 2 of 3
    assert s.at["alpha", "tools"] == pytest.approx(100 / 3)
    assert s.at["beta", "tools"] == pytest.approx(200 / 3)
    # cost: beta has half the genuine inquiries, so twice the spend per PO (plus commission on a smaller order)
    cpp_a, cpp_b = econ["cost_per_po"]
    assert s.at["alpha", "cost"] == pytest.approx(100) and s.at["beta", "cost"] == pytest.approx(100 * cpp_a / cpp_b)
    assert s["score"].to_numpy() == pytest.approx(s[list(P.CRITERIA)].mean(axis=1).to_numpy())
    assert list(s["rank"]) == [1, 2]


# ----------------------------------------------------------------------------------------- uncertainty

def test_beat_probability_matches_the_triangular_cdf():
    # Only alpha's conversion is uncertain; the baseline is fixed. alpha beats a baseline cost per PO of B when
    # spend / (leads x conv) + commission x value < B, i.e. conv > spend / (leads x (B - commission x value)).
    base = _alpha_inputs().rename(index={"alpha": "base"})
    base[["conversion_low", "conversion_high", "order_value_low", "order_value_high"]] = [0.05, 0.05, 10000, 10000]
    alpha = _alpha_inputs()
    alpha[["order_value_low", "order_value_high"]] = [10000, 10000]
    inputs = pd.concat([alpha, base])
    inputs.loc["base", ["inquiries_per_month"]] = 45.0     # a worse baseline: alpha is cheaper in the base case
    b = P.channel_economics(inputs, 0.3).at["base", "cost_per_po"]
    threshold = 13_000 / (72 * (b - 0.02 * 10_000))
    lo, mode, hi = 0.02, 0.05, 0.08
    exact = 1 - sps.triang.cdf(threshold, c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    p = P.beat_probability(inputs, "base", draws=200_000, seed=7)
    assert math.isnan(p["base"])
    assert p["alpha"] == pytest.approx(exact, abs=0.005)
    assert P.beat_probability(inputs, "base", draws=5000, seed=7)["alpha"] == \
        P.beat_probability(inputs, "base", draws=5000, seed=7)["alpha"]   # seeded: reproducible


def test_triangular_draws_have_the_right_moments_and_flat_ranges_stay_put():
    gen = np.random.default_rng(1)
    x = P.triangular(gen, [0.0, 2.0], [1.0, 2.0], [4.0, 2.0], 100_000)
    assert x[:, 0].mean() == pytest.approx((0 + 1 + 4) / 3, abs=0.02)
    assert (x[:, 1] == 2.0).all()


def test_tornado_ranks_inputs_and_swings_are_consistent():
    inputs = _alpha_inputs()
    base, table = P.tornado(inputs, "alpha", swing=0.25)
    assert base == pytest.approx(3_811.111, rel=1e-6)
    assert table["spread"].is_monotonic_decreasing
    conv = table.set_index("input").loc["conversion"]
    # conversion 2 %: 13,000 / (72 x 0.02) + 200 = 9,227.78; 8 %: 13,000 / (72 x 0.08) + 200 = 2,456.94
    assert conv["cpp_low"] == pytest.approx(13_000 / (72 * 0.02) + 200)
    assert conv["cpp_high"] == pytest.approx(13_000 / (72 * 0.08) + 200)
    assert table.iloc[0]["input"] == "conversion"
    # months to first order and margin do not move a first-year cost per PO: not in the tornado
    assert "months_to_first_order" not in set(table["input"])
    with pytest.raises(InputError, match="channel"):
        P.tornado(inputs, "nope", 0.25)


# ------------------------------------------------------------------------------------------ budget mix

def _response(n=4, seed=3):
    gen = np.random.default_rng(seed)
    return P.Response(ref_spend=gen.uniform(5_000, 30_000, n), ref_leads=gen.uniform(5, 80, n),
                      k=gen.uniform(0.5, 3, n), value=gen.uniform(1, 5_000, n))


def test_optimiser_respects_bounds_and_beats_equal_split():
    r = _response()
    lo, hi = np.array([5_000, 0, 2_000, 0.0]), np.array([40_000, 10_000, 30_000, 25_000.0])
    for budget in (7_000, 20_000, 45_000, 80_000):
        x = P.allocate(r, budget, lo, hi)
        assert (x >= lo - 1e-6).all() and (x <= hi + 1e-6).all()
        assert x.sum() <= budget + 1e-6
        assert x.sum() == pytest.approx(min(budget, hi.sum()), rel=1e-9)
        eq = P.equal_split(budget, lo, hi)
        assert (eq >= lo).all() and (eq <= hi).all() and eq.sum() <= budget + 1e-6
        assert r.objective(x) >= r.objective(eq) - 1e-9


def test_optimiser_agrees_with_scipy_slsqp():
    r = _response(5, seed=11)
    lo, hi = np.zeros(5), np.full(5, 40_000.0)
    budget = 50_000.0
    x = P.allocate(r, budget, lo, hi)
    res = optimize.minimize(lambda v: -r.objective(v * 1000) / 1e4, x0=np.full(5, budget / 5000), method="SLSQP",
                            bounds=list(zip(lo / 1000, hi / 1000)),
                            constraints=[{"type": "ineq", "fun": lambda v: budget / 1000 - v.sum()}],
                            options={"ftol": 1e-12, "maxiter": 500})
    assert res.success
    assert r.objective(x) >= r.objective(res.x * 1000) - 1e-6 * abs(r.objective(x))
    assert x == pytest.approx(res.x * 1000, abs=50)
    # KKT: channels strictly inside their bounds earn the same marginal return
    inside = (x > lo + 1) & (x < hi - 1)
    m = r.marginal(x)[inside]
    assert m.max() == pytest.approx(m.min(), rel=1e-6)


def test_two_channel_optimum_by_grid_search():
    r = _response(2, seed=5)
    budget = 20_000.0
    x = P.allocate(r, budget, [0, 0], [budget, budget])
    grid = np.linspace(0, budget, 20_001)
    one = P.Response(r.ref_spend[:1], r.ref_leads[:1], r.k[:1], r.value[:1])
    two = P.Response(r.ref_spend[1:], r.ref_leads[1:], r.k[1:], r.value[1:])
    values = one.value * one.leads(grid) + two.value * two.leads(budget - grid)
    assert r.objective(x) >= values.max() - 1e-6
    assert x[0] == pytest.approx(grid[int(np.argmax(values))], abs=2)


def test_budget_below_the_minimums_is_a_clear_error_and_surplus_stays_unspent(channels):
    scn = scenario.load("DE")
    with pytest.raises(InputError, match=r"platforms.budget: expected at least USD 7,499"):
        P.analyse(scenario.load("VN"), channels, budget=5_000)     # Alibaba's minimum, among VN's candidates
    a = P.analyse(scn, channels, budget=1_000_000)
    assert a.mix_totals["unspent"] == pytest.approx(1_000_000 - a.mix["spend_max"].sum())
    assert "unspent" in P.recommendation(a, "en")


def test_zero_return_channel_stays_at_its_minimum(channels):
    a = P.analyse(scenario.load("DE"), channels, mix_channels=["g2", "europages"], objective="profit", budget=20_000)
    assert a.mix.at["g2", "spend"] == pytest.approx(a.mix.at["g2", "spend_min"])


def test_saturation_curve_passes_through_the_data_point():
    r = P.Response(np.array([10_000.0]), np.array([40.0]), np.array([2.0]), np.array([1.0]))
    assert r.leads([10_000])[0] == pytest.approx(40)
    assert r.leads([0])[0] == 0
    # marginal return is the derivative: compare with a finite difference
    h = 1e-3
    assert r.marginal([5_000])[0] == pytest.approx((r.leads([5_000 + h])[0] - r.leads([5_000 - h])[0]) / (2 * h), rel=1e-6)


# ------------------------------------------------------------------------------------------- bad input

def test_bad_csv_cells_name_file_line_and_column(tmp_path):
    rows = _csv_rows()
    rows[2]["conversion_low"] = "0.5"
    with pytest.raises(InputError, match=r"platforms.csv: line 4 \(channel 'global_sources'\), columns "
                                         r"'conversion_low', 'conversion', 'conversion_high': expected low <= value <= high"):
        P.load_channels(_write(tmp_path / "platforms.csv", rows))
    rows = _csv_rows()
    rows[0]["spam_share"] = "1.5"
    with pytest.raises(InputError, match=r"line 2 \(channel 'alibaba'\), column 'spam_share': expected a number from 0 to 1, found '1.5'"):
        P.load_channels(_write(tmp_path / "platforms.csv", rows))
    rows = _csv_rows()
    rows[1]["channel"] = "Made In China"
    with pytest.raises(InputError, match="expected a snake_case id"):
        P.load_channels(_write(tmp_path / "platforms.csv", rows))
    rows = [{k: v for k, v in r.items() if k != "saturation"} for r in _csv_rows()]
    with pytest.raises(InputError, match="missing column"):
        P.load_channels(_write(tmp_path / "platforms.csv", rows))
    rows = _csv_rows()
    rows[3]["spend_min"] = "99999"
    with pytest.raises(InputError, match="spend_min <= spend_max"):
        P.load_channels(_write(tmp_path / "platforms.csv", rows))


def test_bad_scenario_values_name_the_key(channels, tmp_path, monkeypatch):
    scn = scenario.load("DE")
    with pytest.raises(InputError, match=r"platforms.weights: expected at least one weight above 0"):
        P.analyse(scn, channels, weights={"fit": 0, "cost": 0, "quality": 0, "tools": 0})
    with pytest.raises(InputError, match=r"platforms.gross_margin: expected less than 1"):
        P.analyse(scn, channels, gross_margin=1.5)
    with pytest.raises(InputError, match=r"mix_channels among the compared channels; linkedin"):
        P.analyse(scn, channels, channels=["alibaba", "own_site_seo"], mix_channels=["linkedin"])
    with pytest.raises(InputError, match=r"key 'platforms.channels': expected channel ids defined in data/platforms.csv.*'amazon'"):
        P.analyse(scn, channels, channels=["alibaba", "own_site_seo", "amazon"], mix_channels=["alibaba"])
    with pytest.raises(InputError, match=r"^platforms: expected baseline to be one of the compared channels"):
        P.analyse(scn, channels, baseline="linkedin", channels=["alibaba", "own_site_seo"], mix_channels=["alibaba"])
    # through the scenario files: the user's overlay is named
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    overlay = tmp_path / "scenarios" / "DE.yaml"
    overlay.parent.mkdir(parents=True)
    overlay.write_text("platforms:\n  objective: revenue\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"DE.yaml: key 'platforms.objective': expected 'leads' or 'profit'"):
        scenario.load("DE")


# --------------------------------------------------------------------------------- charts and tables

def test_charts_and_tables_in_both_languages(channels):
    a = P.analyse(scenario.load("JP"), channels)
    for lang in ("en", "zh-TW"):
        figs = [P.cost_figure(a, lang), P.cumulative_figure(a, lang), P.tornado_figure(a, lang),
                P.mix_figure(a, lang), P.score_figure(a, lang)]
        for fig in figs:
            assert fig.layout.title.text and fig.layout.template.layout.width == 660
        assert figs[0].layout.xaxis.title.text and figs[0].layout.xaxis2.title.text
        for table in (P.cost_table(a, lang), P.selection_table(a, lang), P.mix_table(a, lang),
                      P.channel_table(channels, lang)):
            assert not table.isna().any().any()
    zh = P.cost_table(a, "zh-TW")
    assert "每張訂單成本（美元）" in zh.columns
    rec = P.recommendation(a, "zh-TW")
    assert "（" in rec and "(" not in rec and "：" in rec          # full-width punctuation in Chinese
    text, key, value = P.headline(a, "zh-TW")
    assert "日本" in text and key.startswith("每單 ") and key.endswith("美元") and value > 0
    assert "損益兩平" in rec and "24 個月內" in rec           # Japan: nothing breaks even within the horizon
    assert "Caution" not in P.recommendation(P.analyse(scenario.load("DE"), channels), "en")


def test_market_names_read_as_sentences(channels):
    a = P.analyse(scenario.load("US"), channels)
    assert P.headline(a, "en")[0].startswith("In the United States, the recommended channels are")
    assert "for the United States" in P.recommendation(a, "en")
    assert P.headline(a, "zh-TW")[0].startswith("在美國，建議通路為")
    assert country_in_text("DE", "en") == "Germany"


def test_worked_example_repeats_the_tables_numbers(channels):
    a = P.analyse(scenario.load("DE"), channels)
    text = P.worked_example(a, "en", "europages")
    e = a.economics.loc["europages"]
    assert fmt.money(e["cac"], "USD", "en") in text and fmt.money(e["spend"], "USD", "en") in text
    assert P.payback_text(e["payback_months"], "en") in text


def test_focus_channel_parameter_is_checked(channels):
    a = P.analyse(scenario.load("DE"), channels)
    assert P.focus_of(a, "") == a.shortlist[0] and P.focus_of(a, "g2") == "g2"
    with pytest.raises(InputError, match=r"focus_channel: expected one of the compared channels .* found 'amazon'"):
        P.focus_of(a, "amazon")


def test_html_table_for_the_live_panes():
    table = pd.DataFrame({"Channel": ["A<b>", "自有官網（SEO）"], "USD": ["1,234", "–"]})
    assert P.html_table(table) == (
        "<table class='cb-table'><thead><tr><th>Channel</th><th>USD</th></tr></thead><tbody>"
        "<tr><td>A&lt;b&gt;</td><td>1,234</td></tr><tr><td>自有官網（SEO）</td><td>–</td></tr></tbody></table>")


def test_markdown_html_for_the_live_pane():
    out = P.markdown_html("**A** b\n\n- one\n- **two**\n\n1. x\n2. y\nend <tag>")
    assert out == ("<p><strong>A</strong> b</p><ul><li>one</li><li><strong>two</strong></li></ul>"
                   "<ol><li>x</li><li>y</li></ol><p>end &lt;tag&gt;</p>")


# ----------------------------------------------------------------------------------- panel and saving

def _data(fig) -> list:
    return [(tr.type, tuple(np.asarray(tr.x if tr.x is not None else []).tolist()),
             tuple(np.asarray(tr.y if tr.y is not None else []).tolist())) for tr in fig.data]


@pytest.fixture(scope="module")
def panel(channels):
    p = P.panel(scenario.load("DE"), "en", channels)
    p.figures  # build the live widgets once
    return p


# control -> (new value, the figure it must change)
MOVES = {
    "conversion_factor": (1.4, "cost_chart"),
    "order_value_factor": (1.6, "cumulative_chart"),
    "gross_margin": (0.25, "cumulative_chart"),
    "budget": (90_000, "mix_chart"),
    "w_fit": (1.0, "score_chart"),
    "w_cost": (0.0, "score_chart"),
    "w_quality": (0.9, "score_chart"),
    "w_tools": (1.0, "score_chart"),
    "objective": ("leads", "mix_chart"),
    "mix_channels": (("europages", "own_site_seo", "linkedin"), "mix_chart"),
    "focus": ("alibaba", "tornado_chart"),
}


def test_panel_has_exactly_the_tested_controls(panel):
    assert set(panel.controls) == set(MOVES)


@pytest.mark.parametrize("name", list(MOVES))
def test_each_control_changes_its_figure(panel, name):
    value, figure = MOVES[name]
    before = {k: _data(f) for k, f in panel.figures.items()}
    old = panel.controls[name].value
    panel.controls[name].value = value
    try:
        assert panel.last_error is None
        assert _data(panel.figures[figure]) != before[figure]
    finally:
        panel.controls[name].value = old
    assert {k: _data(f) for k, f in panel.figures.items()} == before   # and back


def test_weights_change_the_ranking_table(panel):
    before = panel.panes["selection_table"].value
    panel.controls["w_tools"].value = 1.0
    panel.controls["w_cost"].value = 0.0
    try:
        assert panel.panes["selection_table"].value != before
    finally:
        panel.controls["w_tools"].value = 0.15
        panel.controls["w_cost"].value = 0.25


def test_a_rejected_combination_keeps_the_charts_and_says_why(panel):
    mix = panel.controls["mix_channels"].value
    panel.controls["mix_channels"].value = ("alibaba", "own_site_seo")   # minimum spends USD 7,499 + 12,000
    before = _data(panel.figures["mix_chart"])
    panel.controls["budget"].value = 5_000        # below the minimum spends of the mix
    try:
        assert "platforms.budget: expected at least" in panel.last_error
        assert "platforms.budget" in panel.status.value
        assert _data(panel.figures["mix_chart"]) == before
    finally:
        panel.controls["budget"].value = 60_000
        panel.controls["mix_channels"].value = mix
    assert panel.last_error is None


def test_save_writes_a_valid_overlay(channels, tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    p = P.panel(scenario.load("US"), "zh-TW", channels)
    p.controls["budget"].value = 95_000
    p.controls["w_quality"].value = 0.4
    p.controls["objective"].value = "leads"
    p.controls["mix_channels"].value = ("thomasnet", "linkedin")
    path = p.save()
    assert path == tmp_path / "scenarios" / "US.yaml"
    saved = yaml.safe_load(path.read_text(encoding="utf-8"))["platforms"]
    assert saved["budget"] == 95_000 and saved["objective"] == "leads"
    assert saved["mix_channels"] == ["thomasnet", "linkedin"] and saved["weights"]["quality"] == 0.4
    again = scenario.load("US")
    assert again.has_user_overlay and again.platforms.budget == 95_000
    assert again.platforms.reach["thomasnet"] == 1.0                   # the shipped values are still layered under it
    assert P.analyse(again, channels).mix.index.tolist() == ["thomasnet", "linkedin"]


def test_saving_an_invalid_state_writes_nothing(channels, tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    p = P.panel(scenario.load("DE"), "en", channels)
    p.controls["mix_channels"].value = ()
    assert p.save() is None
    assert "mix_channels" in p.status.value
    assert not (tmp_path / "scenarios" / "DE.yaml").exists()


# ------------------------------------------------------------------------------------ workshop exercises

def test_parity_factor_matches_the_closed_form_and_the_model(channels):
    scn = scenario.load("DE")
    a = P.analyse(scn, channels)
    c, base = P.challenger(a), a.section.baseline
    assert c != base
    # cost per PO = A / (Q1 x conversion x f) + commission x order value; equal to the baseline's when
    # f = A / (Q1 x conversion x (cpp_base - commission x order value))
    A, Q1 = a.economics.at[c, "spend"], a.economics.at[c, "leads"]
    conv, comm, value = (a.inputs.at[c, k] for k in ("conversion", "commission", "order_value"))
    cpp_base = a.economics.at[base, "cost_per_po"]
    closed = A / (Q1 * conv * (cpp_base - comm * value))
    k = P.parity_factor(a.inputs, c, base, "conversion")
    assert k == pytest.approx(closed, rel=1e-9) and 0 < k < 1
    # inquiries scale the same product Q1 x conversion, so they draw level at the same factor
    assert P.parity_factor(a.inputs, c, base, "inquiries_per_month") == pytest.approx(k, rel=1e-9)
    # the whole model agrees: scale the channel's conversion in the data file's table and recompute
    table = channels.copy()
    for col in ("conversion", "conversion_low", "conversion_high"):
        table.loc[c, col] *= k
    again = P.analyse(scn, table)
    assert again.economics.at[c, "cost_per_po"] == pytest.approx(cpp_base, rel=1e-6)
    # membership: a cost, so the channel can afford a dearer one (factor above 1)
    assert P.parity_factor(a.inputs, c, base, "membership_per_year") > 1


def test_parity_factor_edges(channels):
    a = P.analyse(scenario.load("US"), channels)
    c, base = P.challenger(a), a.section.baseline
    with pytest.raises(InputError, match="field: expected one of"):
        P.parity_factor(a.inputs, c, base, "colour")
    with pytest.raises(InputError, match="channel: expected one of the compared channels"):
        P.parity_factor(a.inputs, "nowhere", base)
    table = P.parity_table(a, c, "zh-TW")
    assert len(table) >= 2 and "−" in table.iloc[0, 3]          # conversion must fall to draw level
    assert "持平" in P.parity_note(a, c, "zh-TW") and "%" in P.parity_note(a, c, "en")


@pytest.mark.parametrize("code", ["DE", "VN"])
def test_budget_for_return_agrees_with_a_grid_search(channels, code):
    a = P.analyse(scenario.load(code), channels)
    br = P.budget_for_return(a)
    chans = a.candidates

    def gp(b):
        return P.optimise_mix(a.inputs, a.economics, chans, b, "profit")[1]["gross_profit"]

    # independent: walk the budget in USD 1,000 steps from the minimum spends
    grid = np.arange(br.low, br.high - 1000, 1000.0)
    clears = [b for b in grid if gp(b + 1000) - gp(b) >= 1000]
    assert br.status == "interior"
    assert abs(br.budget - max(clears)) <= 1000
    assert gp(br.budget + 1000) - gp(br.budget) == pytest.approx(1000, abs=1.0)
    assert br.marginal_now == pytest.approx(gp(a.section.budget + 1000) - gp(a.section.budget))
    note = P.budget_note(br, "en")
    assert "USD 1,000" in note and fmt.money(round(br.budget, -3), "USD", "en") in note


def test_budget_for_return_edges(channels):
    a = P.analyse(scenario.load("DE"), channels)
    assert P.budget_for_return(a, hurdle=1e6).status == "below_minimum"
    top = P.budget_for_return(a, hurdle=1e-9)
    assert top.status == "at_maximum" and top.budget == top.high
    with pytest.raises(InputError, match="hurdle, step: expected numbers > 0"):
        P.budget_for_return(a, hurdle=0)


@pytest.mark.parametrize("code", ["US", "JP"])
@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_headline_points(channels, code, lang):
    a = P.analyse(scenario.load(code), channels)
    points = P.headline_points(a, lang)
    assert 2 <= len(points) <= 3
    assert all(any(ch.isdigit() for ch in p) for p in points)
    assert fmt.money(a.section.budget, "USD", lang) in points[-1]   # the budget answer names the scenario's budget


@pytest.mark.parametrize("code", MARKETS)
def test_recommended_channels_and_budget_split_agree(channels, code):
    """One rule: the headline's and the recommendation's channels are exactly the channels the budget split
    funds, the largest spend first; a recommended channel with a negative first-year return says why it is kept."""
    a = P.analyse(scenario.load(code), channels)
    funded = a.mix[a.mix["spend"] > 0.5].sort_values("spend", ascending=False, kind="stable")
    assert a.shortlist == list(funded.index) and len(a.shortlist) >= 1
    # the candidates are the best-scoring mix channels, so nothing better-scored is left out of the budget
    pool = a.selection.loc[a.section.mix_channels].sort_values("rank")
    assert list(a.mix.index) == list(pool.index[: a.section.shortlist])
    for lang, sep in (("en", ", "), ("zh-TW", "、")):
        names = sep.join(a.name(c, lang) for c in funded.index)   # compared without case: labels read mid-sentence
        assert P.spaced(names, lang).lower() in P.headline(a, lang)[0].lower()
        rec = P.recommendation(a, lang)
        assert P.spaced(names, lang).lower() in rec.splitlines()[0].lower()
        # the budget sentence lists the same channels in the same order
        mix_line = next(line for line in rec.splitlines() if "**" in line and ("Budget mix" in line or "預算配置" in line))
        where = [mix_line.lower().index(a.name(c, lang).lower()) for c in funded.index]
        assert where == sorted(where)
        for c in funded.index:
            line = next(x for x in rec.splitlines() if x.startswith(f"- **{P.spaced(a.name(c, lang), lang)}**"))
            kept = ("Kept despite" in line) or ("仍保留" in line)
            assert kept == bool(a.economics.at[c, "roi_y1"] < 0), (code, c, lang)
    # the largest share of the budget goes to the first recommended channel (not to a channel left out)
    assert a.mix["spend"].idxmax() == a.shortlist[0]
