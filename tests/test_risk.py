"""Tests of the risk map chapter: banding, counts, PERT, Monte Carlo, register validation, panel and saving."""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from plotly.utils import PlotlyJSONEncoder
from scipy import stats as sps

from crossborder import scenario
from crossborder.chapters import risk
from crossborder.core.errors import InputError
from crossborder.core.fmt import money
from crossborder.core.i18n import LANGS

AS_OF = date(2026, 11, 29)
MARKETS = ["DE", "US", "JP", "VN", "MX", "IN"]


# ----------------------------------------------------------------------------------------------- helpers

def hand_register(rows: list[dict]) -> pd.DataFrame:
    """A register DataFrame as ``load_register`` returns it, from a few hand-written rows."""
    base = {"market": "all", "family": "other", "treatment": "treat", "owner": "gm",
            "next_review": pd.Timestamp("2027-01-01"), "source": "test",
            **{f"{f}_{s}": f"{f} text" for f in ("risk", "cause", "consequence", "controls", "mitigation")
               for s in ("en", "zh_TW")},
            **{c: np.nan for c in ("frequency", "loss_low", "loss_likely", "loss_high", "residual_frequency",
                                   "residual_loss_low", "residual_loss_likely", "residual_loss_high")}}
    return pd.DataFrame([{**base, **r} for r in rows])


def fast(scn: scenario.Scenario, trials: int = 2000) -> scenario.Scenario:
    """The scenario with fewer Monte Carlo years, to keep the panel tests quick."""
    sections = dict(scn.sections, risk=scn.risk.model_copy(update={"trials": trials}))
    return dataclasses.replace(scn, sections=sections)


def write_register(tmp_path: Path, edit) -> Path:
    """Copy the shipped register, let ``edit(rows)`` change it, return the new file."""
    with open(risk.RISKS_FILE, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    edit(rows)
    path = tmp_path / "risks.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return risk.load_register(risk.RISKS_FILE)


# ------------------------------------------------------------------------------------ banding and counts

def test_bands_on_the_edges():
    # low 1-4, medium 5-9, high 10-16, critical 20-25 (the only scores a 5 x 5 matrix makes above 16 are 20, 25)
    scores = [1, 4, 5, 9, 10, 16, 20, 25]
    assert list(risk.band(scores)) == ["low", "low", "medium", "medium", "high", "high", "critical", "critical"]
    every = sorted({a * b for a in range(1, 6) for b in range(1, 6)})
    counts = pd.Series(risk.band(every)).value_counts()
    # the 14 distinct scores: low 1 2 3 4, medium 5 6 8 9, high 10 12 15 16, critical 20 25
    assert counts.to_dict() == {"low": 4, "medium": 4, "high": 4, "critical": 2}
    with pytest.raises(InputError, match="from 1 to 25"):
        risk.band([0])
    with pytest.raises(InputError, match="from 1 to 25"):
        risk.band([26])


def test_scores_counts_and_movement_on_a_hand_made_register():
    reg = hand_register([
        dict(id="A", likelihood=2, impact=3, residual_likelihood=1, residual_impact=3),   # 6 medium -> 3 low
        dict(id="B", likelihood=5, impact=4, residual_likelihood=3, residual_impact=3),   # 20 critical -> 9 medium
        dict(id="C", likelihood=2, impact=3, residual_likelihood=2, residual_impact=3),   # 6 medium, tolerated
    ]).set_index("id", drop=False)
    s = risk.scored(reg)
    assert s["score"].tolist() == [6, 20, 6]
    assert s["residual_score"].tolist() == [3, 9, 6]
    assert s["band"].tolist() == ["medium", "critical", "medium"]
    assert s["residual_band"].tolist() == ["low", "medium", "medium"]
    assert s["movement"].tolist() == [-3, -11, 0]
    assert s["bands_moved"].tolist() == [1, 2, 0]           # medium->low, critical->medium, none
    inherent = risk.cell_counts(s, "inherent")
    assert inherent.loc[3, 2] == 2 and inherent.loc[4, 5] == 1 and inherent.to_numpy().sum() == 3
    assert list(inherent.index) == [5, 4, 3, 2, 1] and list(inherent.columns) == [1, 2, 3, 4, 5]
    residual = risk.cell_counts(s, "residual")
    assert residual.loc[3, 1] == 1 and residual.loc[3, 3] == 1 and residual.loc[3, 2] == 1
    with pytest.raises(InputError, match="stage"):
        risk.cell_counts(s, "after")


# ------------------------------------------------------------------------------------------------- PERT

def test_pert_sampling_matches_its_analytic_mean_and_variance():
    a, m, b, lam = 1.0, 2.0, 9.0, 4.0
    # mean = (a + 4m + b) / 6 = (1 + 8 + 9) / 6 = 3
    assert risk.pert_mean(a, m, b) == pytest.approx(3.0)
    # independent: X = a + (b - a) Beta(alpha, beta), alpha = 1 + 4 (2-1)/8 = 1.5, beta = 1 + 4 (9-2)/8 = 4.5
    beta = sps.beta(1.5, 4.5)
    assert a + (b - a) * beta.mean() == pytest.approx(3.0)
    # variance = (mu - a)(b - mu) / (lambda + 3) = 2 * 6 / 7
    var = 2 * 6 / 7
    assert (b - a) ** 2 * beta.var() == pytest.approx(var)
    n = 200_000
    x = risk.pert_sample(np.random.default_rng(7), a, m, b, size=n, shape=lam)
    assert x.min() >= a and x.max() <= b
    assert abs(x.mean() - 3.0) < 4 * np.sqrt(var / n)
    assert x.var() == pytest.approx(var, rel=0.03)
    # a mode at the high end: alpha = 1 + 4 = 5, beta = 1 -> mean (1 + 4*9 + 9)/6 = 46/6
    y = risk.pert_sample(np.random.default_rng(8), 1.0, 9.0, 9.0, size=n)
    assert y.mean() == pytest.approx(46 / 6, abs=0.02)


def test_pert_degenerate_and_bad_ranges():
    assert np.all(risk.pert_sample(np.random.default_rng(1), 5.0, 5.0, 5.0, size=10) == 5.0)
    with pytest.raises(InputError, match="low <= mode <= high"):
        risk.pert_sample(np.random.default_rng(1), 5.0, 4.0, 6.0, size=3)
    with pytest.raises(InputError, match="pert_shape"):
        risk.pert_sample(np.random.default_rng(1), 1.0, 2.0, 3.0, size=3, shape=0)


# ------------------------------------------------------------------------------------------ Monte Carlo

def test_expected_loss_of_one_risk_is_frequency_times_mean_severity():
    # frequency 0.5 a year, loss PERT(1 M, 2 M, 9 M) with mean 3 M: expected yearly loss 0.5 x 3 M = 1.5 M
    reg = hand_register([dict(id="X", likelihood=3, impact=4, residual_likelihood=2, residual_impact=3,
                              frequency=0.5, loss_low=1e6, loss_likely=2e6, loss_high=9e6, residual_frequency=0.1,
                              residual_loss_low=0.5e6, residual_loss_likely=1e6, residual_loss_high=1.5e6)])
    reg = reg.set_index("id", drop=False)
    sim = risk.simulate(reg, trials=40_000, seed=3)
    el = risk.expected_loss(sim, "inherent").loc["X"]
    assert abs(el["mean"] - 1.5e6) < 4 * el["se"]
    # residual: 0.1 x (0.5 + 4 x 1 + 1.5) / 6 M = 0.1 x 1 M = 0.1 M
    rel = risk.expected_loss(sim, "residual").loc["X"]
    assert abs(rel["mean"] - 0.1e6) < 4 * rel["se"]
    # a Poisson number of strikes: the share of loss-free years is exp(-0.5)
    assert np.mean(sim.inherent[:, 0] == 0) == pytest.approx(np.exp(-0.5), abs=0.01)
    # same seed, same losses
    again = risk.simulate(reg, trials=40_000, seed=3)
    assert np.array_equal(again.inherent, sim.inherent)


def test_unquantified_risks_add_nothing_and_moving_one_risk_leaves_the_others_alone():
    reg = hand_register([
        dict(id="Q1", likelihood=3, impact=3, residual_likelihood=2, residual_impact=2, frequency=0.3,
             loss_low=1e6, loss_likely=2e6, loss_high=3e6, residual_frequency=0.1),
        dict(id="Q2", likelihood=4, impact=3, residual_likelihood=3, residual_impact=3, frequency=0.7,
             loss_low=1e6, loss_likely=1.5e6, loss_high=4e6, residual_frequency=0.4),
        dict(id="N", likelihood=2, impact=2, residual_likelihood=1, residual_impact=2),
    ])
    for a, b in zip(("residual_loss_low", "residual_loss_likely", "residual_loss_high"),
                    ("loss_low", "loss_likely", "loss_high")):
        reg[a] = reg[b]
    reg = reg.set_index("id", drop=False)
    sim = risk.simulate(reg, 5000, seed=11)
    assert np.all(sim.inherent[:, 2] == 0) and np.all(sim.residual[:, 2] == 0)
    moved = risk.apply_adjustments(reg, {"Q1": {"likelihood": 5}})
    # likelihood 3 -> 5 multiplies the frequency by anchor 1.5 / anchor 0.3 = 5: 0.3 -> 1.5
    assert moved.at["Q1", "frequency"] == pytest.approx(1.5)
    sim2 = risk.simulate(moved, 5000, seed=11)
    assert not np.array_equal(sim2.inherent[:, 0], sim.inherent[:, 0])
    assert np.array_equal(sim2.inherent[:, 1], sim.inherent[:, 1])     # Q2's own stream is untouched


def test_loss_exceedance_curve_by_hand():
    totals = [0.0, 1.0, 2.0, 3.0]
    # P(L > 0) = 3/4, P(L > 1.5) = 2/4, P(L > 3) = 0
    assert risk.exceedance(totals, [0.0, 1.5, 3.0]).tolist() == [0.75, 0.5, 0.0]


def test_family_loss_sums_per_family():
    reg = hand_register([
        dict(id="A", family="payment_fraud", likelihood=1, impact=1, residual_likelihood=1, residual_impact=1),
        dict(id="B", family="payment_fraud", likelihood=1, impact=1, residual_likelihood=1, residual_impact=1),
        dict(id="C", family="data_privacy", likelihood=1, impact=1, residual_likelihood=1, residual_impact=1),
    ]).set_index("id", drop=False)
    sim = risk.Simulation(("A", "B", "C"), np.array([[1.0, 2.0, 4.0], [3.0, 0.0, 0.0]]),
                          np.zeros((2, 3)), seed=0, shape=4)
    fam = risk.family_loss(reg, sim)
    # payment: mean(1 + 2, 3 + 0) = 3; data: mean(4, 0) = 2; the other families 0
    assert fam.loc["payment_fraud", "inherent"] == 3.0 and fam.loc["data_privacy", "inherent"] == 2.0
    assert list(fam.index) == list(risk.FAMILIES) and fam["residual"].sum() == 0


# --------------------------------------------------------------------------------------------- reviews

def test_overdue_reviews_as_of_a_date():
    reg = hand_register([
        dict(id="L", likelihood=1, impact=1, residual_likelihood=1, residual_impact=1,
             next_review=pd.Timestamp("2026-11-28")),
        dict(id="T", likelihood=1, impact=1, residual_likelihood=1, residual_impact=1,
             next_review=pd.Timestamp("2026-11-29")),     # due today: not overdue yet
        dict(id="O", likelihood=1, impact=1, residual_likelihood=1, residual_impact=1,
             next_review=pd.Timestamp("2026-09-30")),
    ])
    late = risk.overdue(reg, AS_OF)
    assert late["id"].tolist() == ["O", "L"]
    assert late["days_overdue"].tolist() == [60, 1]       # 30 Sep -> 29 Nov: 1 + 31 + 28 = 60 days


# ---------------------------------------------------------------------------------- the shipped register

def test_shipped_register_covers_the_outline(register):
    assert set(register["family"]) >= {"demand_price", "regulation_geopolitics", "payment_fraud", "data_privacy"}
    assert set(register["market"]) == {"all", *MARKETS}
    text = " ".join(register["mitigation_en"]).lower()
    for mitigation in ("second mill", "variable-price", "sanctions", "dual-use", "spread ports", "war and strike",
                       "whitelist", "verify the counterparty", "domain-spoofing", "second check", "permission tiers",
                       "audit logs", "data masking", "cross-border transfer assessment"):
        assert mitigation in text, mitigation
    risks = " ".join(register["risk_en"]).lower()
    for signal in ("large first order", "address change", "bank-account change"):   # outline section 6
        assert signal in risks, signal
    assert (register["source"].str.startswith("illustrative")).all()


def test_shipped_ratings_agree_with_the_scale_anchors(register):
    q = register[register["frequency"].notna()]
    for stage, freq, loss in (("", "frequency", "loss_likely"),
                              ("residual_", "residual_frequency", "residual_loss_likely")):
        lik = risk.scale_rating(q[freq], risk.LIKELIHOOD_SCALE)
        imp = risk.scale_rating(q[loss], risk.IMPACT_SCALE)
        assert (lik == q[f"{stage}likelihood"]).all(), q["id"][lik != q[f"{stage}likelihood"]].tolist()
        assert (imp == q[f"{stage}impact"]).all(), q["id"][imp != q[f"{stage}impact"]].tolist()


@pytest.mark.parametrize("code", MARKETS)
def test_every_example_market_has_a_register_some_overdue_reviews_and_a_tolerance(code, register):
    scn = scenario.load(code)
    a = risk.assess(fast(scn), register, AS_OF)
    assert (a.register["market"] == code).sum() >= 3
    late = risk.overdue(a.register, AS_OF)
    assert 0 < len(late) < len(a.register)
    f = risk.key_figures(a)
    assert f.expected["residual"] < f.expected["inherent"]
    assert scn.risk.tolerance.loss == pytest.approx(0.05 * scn.risk.revenue, rel=0.05)


def test_markets_differ(register):
    revenues = {c: scenario.load(c).risk.revenue for c in MARKETS}
    assert len(set(revenues.values())) == len(MARKETS)
    own = {c: set(risk.market_register(register, c).query("market != 'all'")["id"]) for c in MARKETS}
    assert all(own[a].isdisjoint(own[b]) for a in MARKETS for b in MARKETS if a != b)


def test_shared_rows_scale_with_the_market_and_market_rows_do_not(register):
    scn = scenario.load("MX")                 # revenue 150 M against a 300 M reference: exposure 0.5
    prepared = risk.prepare(register, scn, adjust={})
    raw = register.set_index("id")
    assert prepared.at["DP1", "loss_likely"] == pytest.approx(0.5 * raw.at["DP1", "loss_likely"])
    assert prepared.at["MX1", "loss_likely"] == pytest.approx(raw.at["MX1", "loss_likely"])
    # the shipped MX scenario moves DP4 (the peso) from likelihood 4 to 5: frequency x 1.5 / 0.7
    adjusted = risk.prepare(register, scn)
    assert adjusted.at["DP4", "likelihood"] == 5
    assert adjusted.at["DP4", "frequency"] == pytest.approx(raw.at["DP4", "frequency"] * 1.5 / 0.7)


def test_adjustments_are_checked(register):
    scn = scenario.load("DE")
    with pytest.raises(InputError, match=r"scenario DE, key 'risk.adjust': expected ids of this market's risks.*'MX1'"):
        risk.prepare(register, scn, adjust={"MX1": {"likelihood": 2}})
    with pytest.raises(InputError, match=r"key 'risk.adjust.DP1': expected residual likelihood at most the likelihood \(2\), found 3"):
        risk.prepare(register, scn, adjust={"DP1": {"likelihood": 2}})
    # an impact moved down caps the residual money at the inherent money
    low = risk.prepare(register, scn, adjust={"DP1": {"impact": 2, "residual_impact": 2}})
    assert (low.loc["DP1", ["residual_loss_low", "residual_loss_likely", "residual_loss_high"]].to_numpy()
            <= low.loc["DP1", ["loss_low", "loss_likely", "loss_high"]].to_numpy()).all()


# ------------------------------------------------------------------------------------------- bad rows

def _set(rid: str, **values):
    def edit(rows):
        for row in rows:
            if row["id"] == rid:
                row.update(values)
    return edit


@pytest.mark.parametrize("edit, message", [
    (_set("DP1", likelihood="6"), r"line 2 \(id 'DP1'\), column 'likelihood': expected a whole number from 1 to 5, found '6'"),
    (_set("DP2", residual_likelihood="4"), r"line 3 \(id 'DP2'\), column 'residual_likelihood': expected at most the inherent likelihood \(3\)"),
    (_set("DP3", loss_high=""), r"id 'DP3'\), column 'loss_high': expected a value: a quantified risk needs"),
    (_set("DP4", loss_low="9000000"), r"id 'DP4'\), column 'loss_likely': expected loss_low <= loss_likely <= loss_high"),
    (_set("RG1", market="Germany"), r"id 'RG1'\), column 'market': expected 'all' or an upper-case ISO 3166-1"),
    (_set("RG2", owner="ceo"), r"id 'RG2'\), column 'owner': expected one of gm, finance"),
    (_set("RG3", next_review="31/12/2026"), r"id 'RG3'\), column 'next_review': expected a date YYYY-MM-DD"),
    (_set("RG4", id="RG3"), r"column 'id': expected unique values, found 'RG3' twice"),
    (_set("RG5", id="REGULATION5"), r"column 'id': expected a short code"),
    (_set("PF1", residual_frequency="0.5"), r"id 'PF1'\), column 'residual_frequency': expected at most frequency \(0.3\)"),
    (_set("PF2", residual_loss_low="100000"), r"id 'PF2'\), column 'residual_loss_likely': expected a value: fill all three"),
    (_set("PF3", family="cyber"), r"id 'PF3'\), column 'family': expected one of demand_price"),
])
def test_bad_rows_are_rejected_with_a_clear_message(tmp_path, edit, message):
    path = write_register(tmp_path, edit)
    with pytest.raises(InputError, match=message) as err:
        risk.load_register(path)
    assert "risks.csv" in str(err.value)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "risks.csv"
    path.write_text("id,market\nX1,all\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        risk.load_register(path)


def test_bad_scenario_values_name_the_key():
    layers = [(scenario.SCENARIO_DIR / "defaults.yaml", yaml.safe_load((scenario.SCENARIO_DIR / "defaults.yaml").read_text())),
              (scenario.SCENARIO_DIR / "DE.yaml", yaml.safe_load((scenario.SCENARIO_DIR / "DE.yaml").read_text())),
              (Path("overlay.yaml"), {"risk": {"trials": 10, "tolerance": {"probability": 1.5}}})]
    with pytest.raises(InputError) as err:
        scenario.build("DE", layers)
    assert "key 'risk.trials'" in str(err.value) and "key 'risk.tolerance.probability'" in str(err.value)


# ------------------------------------------------------------------------------------------ texts

@pytest.mark.parametrize("lang", LANGS)
def test_texts_are_complete_in_both_languages(lang, register):
    a = risk.assess(fast(scenario.load("JP")), register, AS_OF)
    text_, key, value = risk.headline(a, lang)
    assert value > 0 and "{" not in text_ + key
    for table in (risk.loss_summary(a, lang), risk.top_risks_table(a, lang), risk.register_table(a, lang),
                  risk.scale_table("TWD", lang), risk.band_table(lang), risk.families_table(lang)):
        assert not table.isna().any().any()
        assert "{" not in "".join(map(str, table.columns))
    assert "{" not in risk.summary_text(a, lang) + risk.method_note(a, lang) + risk.overdue_text(a, lang)
    assert len(risk.top_risks_table(a, lang)) == a.section.top_n


def test_money_is_the_core_number_style(register):
    a = risk.assess(fast(scenario.load("JP")), register, AS_OF)
    assert money(3.68e6, "TWD", "en") == "TWD\u00a03.7\u00a0m" and money(3.68e6, "TWD", "zh-TW") == "新臺幣\u00a0368\u00a0萬元"
    for lang in LANGS:
        assert money(a.section.revenue, a.currency, lang) in risk.method_note(a, lang)
        assert money(a.section.tolerance.loss, a.currency, lang) in risk.summary_text(a, lang)


# --------------------------------------------------------------------------------------------- panel

def _data(fig) -> str:
    return json.dumps([trace.to_plotly_json() for trace in fig.data], cls=PlotlyJSONEncoder, sort_keys=True)


def _snapshot(p) -> dict:
    return {name: _data(fig) for name, fig in p.figures.items()}


def test_panel_drives_every_control(register):
    scn = fast(scenario.load("DE"))
    p = risk.panel(scn, "en", register, AS_OF)
    assert set(p.controls) == {"family", "risk", "likelihood", "impact", "residual_likelihood", "residual_impact"}
    assert set(p.figures) == {"heatmap", "exceedance", "families"}

    before = _snapshot(p)
    p.controls["family"].value = "payment_fraud"
    after = _snapshot(p)
    assert after["heatmap"] != before["heatmap"] and after["exceedance"] != before["exceedance"]
    assert after["families"] != before["families"]
    p.controls["family"].value = "all"

    # picking a risk marks it on both maps and sets the sliders to its ratings (PF1: 3 x 4 -> 1 x 4)
    before = _snapshot(p)
    p.controls["risk"].value = "PF1"
    assert [p.controls[k].value for k in ("likelihood", "impact", "residual_likelihood", "residual_impact")] == [3, 4, 1, 4]
    assert _snapshot(p)["heatmap"] != before["heatmap"]
    assert p.state["adjust"] == {"DT2": {"impact": 4}}          # only the shipped DE re-rating: nothing moved yet

    for name, value in (("likelihood", 5), ("impact", 5), ("residual_likelihood", 2), ("residual_impact", 3)):
        before = _snapshot(p)
        p.controls[name].value = value
        after = _snapshot(p)
        assert p.last_error is None
        assert after["heatmap"] != before["heatmap"], name
        assert after["exceedance"] != before["exceedance"], name
    assert p.state["adjust"]["PF1"] == {"likelihood": 5, "impact": 5, "residual_likelihood": 2, "residual_impact": 3}
    # PF1 at 5 x 5 sits in the critical corner of the inherent map
    assert "PF1" in p.figures["heatmap"].data[0].text[4][4]

    # a residual rating above the inherent one is refused: message shown, figures kept
    p.controls["residual_impact"].value = 5
    assert p.last_error is None
    before = _snapshot(p)
    p.controls["impact"].value = 2
    assert p.last_error is not None and "residual impact" in p.last_error
    assert _snapshot(p) == before
    assert p.state["adjust"]["PF1"]["impact"] == 5


def test_panel_switching_risks_does_not_re_rate_them(register):
    p = risk.panel(fast(scenario.load("US")), "zh-TW", register, AS_OF)
    p.controls["risk"].value = "DP1"
    p.controls["risk"].value = "RG1"
    p.controls["risk"].value = "DP1"
    assert p.state["adjust"] == {"PF1": {"likelihood": 4}}     # the shipped US re-rating only
    assert [p.controls[k].value for k in ("likelihood", "impact", "residual_likelihood", "residual_impact")] == [4, 3, 3, 2]


def test_saving_writes_a_valid_overlay(tmp_path, monkeypatch, register):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    scn = fast(scenario.load("VN"))
    p = risk.panel(scn, "en", register, AS_OF)
    p.controls["risk"].value = "VN1"
    p.controls["likelihood"].value = 4
    path = p.save()
    assert path == tmp_path / "scenarios" / "VN.yaml" and path.exists()
    saved = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert saved["risk"]["adjust"]["VN1"] == {"likelihood": 4, "impact": 3, "residual_likelihood": 2, "residual_impact": 3}
    reloaded = scenario.load("VN")
    assert reloaded.has_user_overlay
    assert reloaded.risk.adjust["VN1"].likelihood == 4
    assert reloaded.risk.adjust["RG5"].likelihood == 2          # the shipped re-rating survives the overlay
    a = risk.assess(fast(reloaded), register, AS_OF)
    assert a.register.at["VN1", "likelihood"] == 4
    # a fresh panel starts from the saved ratings
    q = risk.panel(fast(reloaded), "en", register, AS_OF)
    q.controls["risk"].value = "VN1"
    assert q.controls["likelihood"].value == 4


def test_a_team_register_in_the_user_folder_takes_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    assert risk.register_path() == risk.RISKS_FILE
    own = write_register(tmp_path, _set("DP1", likelihood="5"))
    assert risk.register_path() == own
    assert risk.load_register().set_index("id").at["DP1", "likelihood"] == 5


def test_family_filter(register):
    scn = fast(scenario.load("IN"))
    a = risk.assess(scn, register, AS_OF, family="data_privacy")
    assert set(a.register["family"]) == {"data_privacy"} and a.sim.inherent.shape[1] == len(a.register)
    with pytest.raises(InputError, match="family: expected all or one of"):
        risk.assess(scn, register, AS_OF, family="cyber")


# ------------------------------------------------------------------------------------ workshop helpers

def hand_assessment(rows: list[dict], trials: int = 4000, tolerance: float = 2e6) -> risk.Assessment:
    """An assessment of a hand-made register, with DE's Monte Carlo settings and a chosen tolerance loss."""
    reg = hand_register(rows)
    filled = reg[["residual_loss_low", "residual_loss_likely", "residual_loss_high"]].isna().all(axis=1)
    for r, c in zip(("residual_loss_low", "residual_loss_likely", "residual_loss_high"),
                    ("loss_low", "loss_likely", "loss_high")):
        reg.loc[filled, r] = reg.loc[filled, c]
    reg = risk.scored(reg.set_index("id", drop=False))
    sec = scenario.load("DE").risk.model_copy(update={
        "trials": trials, "tolerance": risk.Tolerance(loss=tolerance, probability=0.1)})
    sim = risk.simulate(reg, trials, sec.seed, sec.pert_shape)
    return risk.Assessment("DE", "TWD", reg, sim, AS_OF, sec)


HAND_ROWS = [
    dict(id="A", likelihood=3, impact=4, residual_likelihood=1, residual_impact=4, frequency=0.3,
         loss_low=1e6, loss_likely=2e6, loss_high=6e6, residual_frequency=0.03),
    dict(id="B", likelihood=4, impact=3, residual_likelihood=3, residual_impact=2, frequency=0.7, loss_low=0.5e6,
         loss_likely=1e6, loss_high=2e6, residual_frequency=0.3, residual_loss_low=0.2e6,
         residual_loss_likely=0.4e6, residual_loss_high=0.8e6),
    dict(id="C", likelihood=2, impact=3, residual_likelihood=2, residual_impact=3, treatment="tolerate",
         frequency=0.1, loss_low=1e6, loss_likely=1.5e6, loss_high=2e6, residual_frequency=0.1),
    dict(id="D", likelihood=3, impact=3, residual_likelihood=3, residual_impact=3),   # not quantified
]


def test_mitigation_value_equals_re_simulating_with_each_mitigation_undone():
    a = hand_assessment(HAND_ROWS)
    value = risk.mitigation_value(a)
    assert set(value.index) == {"A", "B", "C"}                      # D has no money: nothing to value
    assert list(value["p_rise"]) == sorted(value["p_rise"], reverse=True)
    for rid in value.index:                                          # independent: a new register, simulated anew
        reg = a.register.copy()
        reg.loc[rid, "residual_frequency"] = reg.loc[rid, "frequency"]
        for r, c in zip(("residual_loss_low", "residual_loss_likely", "residual_loss_high"),
                        ("loss_low", "loss_likely", "loss_high")):
            reg.loc[rid, r] = reg.loc[rid, c]
        sim = risk.simulate(reg, a.sim.trials, a.section.seed, a.section.pert_shape)
        total = sim.total("residual")
        assert value.at[rid, "p_undone"] == pytest.approx(np.mean(total > 2e6), abs=1e-12)
        assert value.at[rid, "tail_undone"] == pytest.approx(np.quantile(total, a.section.tail_quantile))
        j = a.sim.ids.index(rid)
        assert value.at[rid, "el_gain"] == pytest.approx(a.sim.inherent[:, j].mean() - a.sim.residual[:, j].mean())
    assert value.at["C", "el_gain"] == 0 and value.at["C", "p_rise"] == pytest.approx(0, abs=1e-12)  # tolerated
    # A: 0.3 x PERT mean (1 + 4 x 2 + 6) / 6 = 0.75 M a year before, 0.075 M after: it removes about 0.675 M
    assert value.at["A", "el_gain"] == pytest.approx(0.675e6, rel=0.15)


def test_unmoved_finds_the_same_cell_and_reads_the_treatment():
    a = hand_assessment(HAND_ROWS)
    same = risk.unmoved(a)
    assert list(same.index) == ["D", "C"]                            # higher score first
    assert list(same["on_purpose"]) == [False, True]
    for lang in LANGS:
        table = risk.unmoved_table(a, lang)
        assert len(table) == 2 and not table.isna().any().any()
    moved = hand_assessment(HAND_ROWS[:2])
    assert risk.unmoved(moved).empty and "2" in risk.unmoved_table(moved, "en")


def test_rerated_adds_to_the_scenarios_own_re_ratings(register):
    us = fast(scenario.load("US"))                                  # US re-rates PF1's inherent likelihood to 4
    base = risk.assess(us, register, AS_OF)
    moved = risk.rerated(us, register, AS_OF, "PF1", residual_likelihood=3)
    assert moved.register.at["PF1", "likelihood"] == 4 and moved.register.at["PF1", "residual_likelihood"] == 3
    # residual frequency x anchor 0.3 / anchor 0.03 = x 10, capped at the inherent frequency
    assert moved.register.at["PF1", "residual_frequency"] == pytest.approx(
        min(base.register.at["PF1", "residual_frequency"] * 10, base.register.at["PF1", "frequency"]))
    j = base.sim.ids.index("PF1")
    others = [i for i in range(len(base.sim.ids)) if i != j]
    assert np.array_equal(base.sim.residual[:, others], moved.sim.residual[:, others])
    with pytest.raises(InputError, match="ratings"):
        risk.rerated(us, register, AS_OF, "PF1", severity=2)
    with pytest.raises(InputError, match="risk.adjust"):
        risk.rerated(us, register, AS_OF, "ZZ9", residual_likelihood=1)


def test_workshop_tables_and_talking_points_in_both_languages(register):
    for code in ("DE", "MX"):
        a = risk.assess(fast(scenario.load(code)), register, AS_OF)
        for lang in LANGS:
            points = risk.talking_points(a, lang)
            assert len(points) == 3 and all(any(ch.isdigit() for ch in p) for p in points), points
            assert len(risk.mitigation_table(a, lang)) == 8
            assert len(risk.family_mitigations_table(a, "payment_fraud", lang)) >= 3
    assert "MX1" in risk.talking_points(a, "en")[2]                   # Mexico's tariff risk tops the residual map
    with pytest.raises(InputError, match="family"):
        risk.family_mitigations_table(a, "weather", "en")
