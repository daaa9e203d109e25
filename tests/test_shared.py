"""The functions several chapters share: statistics, unit economics, rate history."""

import math
import zipfile

import numpy as np
import pandas as pd
import pytest

from crossborder.core import rates, stats
from crossborder.core import unit_economics as ue
from crossborder.core.errors import InputError


def test_wilson_matches_the_closed_form_by_hand():
    # k=5, n=10, z=1.959964: centre=(0.5+z^2/20)/(1+z^2/10)=0.5; half=z*sqrt(0.025+z^2/400)/(1+z^2/10)
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 10 + z**2 / 400) / (1 + z**2 / 10)
    low, high = stats.wilson_interval(5, 10)
    assert low == pytest.approx(0.5 - half) and high == pytest.approx(0.5 + half)
    assert low == pytest.approx(0.2366, abs=1e-4)
    lo0, hi0 = stats.wilson_interval(0, 20)
    assert lo0 == 0 and hi0 == pytest.approx(z**2 / (20 + z**2))  # k=0: upper bound z^2/(n+z^2)
    nan_low, _ = stats.wilson_interval(0, 0)
    assert np.isnan(nan_low)
    with pytest.raises(InputError):
        stats.wilson_interval(3, 2)


def test_stage_conversions():
    counts = pd.DataFrame({"inquiry": [200, 10], "quote": [50, 0], "po": [10, 0]}, index=pd.Index(["DE", "JP"], name="market"))
    out = stats.stage_conversions(counts, ["inquiry", "quote", "po"])
    de = out.loc["DE"]
    assert de["rate"].tolist() == [0.25, 0.2]
    assert (de["low"] < de["rate"]).all() and (de["rate"] < de["high"]).all()
    assert np.isnan(out.loc["JP"]["rate"].iloc[1])  # nobody entered: no rate, not zero
    with pytest.raises(InputError, match="'po' .* exceeds 'quote'"):
        stats.stage_conversions(pd.DataFrame({"quote": [5], "po": [6]}), ["quote", "po"])
    with pytest.raises(InputError, match="missing stage"):
        stats.stage_conversions(counts, ["inquiry", "sample"])


def test_unit_economics_by_hand():
    steady = ue.margin_curve([500, 400, 0], 0, 36)               # C(k) = k x monthly margin
    u = ue.unit_economics([12_000, 5_000, 3_000], [4, 0, 2], steady)
    assert u.cac[0] == 3_000 and u.payback_months[0] == 6  # 12,000 / 4 = 3,000; 3,000 / 500 = 6 months
    assert np.isnan(u.cac[1]) and not u.pays_back[1]        # no customer won: never pays back
    assert u.cac[2] == 1_500 and not u.pays_back[2]         # no margin: never pays back
    with pytest.raises(InputError):
        ue.unit_economics([-1], [1], [[1.0]])


def test_payback_from_a_new_customers_margin_curve_by_hand():
    # a new customer earns 1,000 (first order) in month 1, nothing in months 2-3, 600 a month from month 4:
    # C = 1,000, 1,000, 1,000, 1,600, 2,200, 2,800, ...
    curve = np.array([1_000, 1_000, 1_000, 1_600, 2_200, 2_800, 3_400, 4_000], float)
    pb, horizon = ue.payback_from_curve([800, 1_000, 2_000, 5_000], curve)
    # 800 inside month 1: 0 + 800 / 1,000; 1,000 exactly at the end of month 1; 2,000 in month 5:
    # 4 + (2,000 - 1,600) / 600 = 4.667; 5,000 not within the 8 months
    assert pb[:3].tolist() == pytest.approx([0.8, 1.0, 4 + 400 / 600]) and np.isnan(pb[3])
    assert horizon.tolist() == [8, 8, 8, 8]
    # an unobserved month (NaN) ends the curve: 2,000 is then not reached within the 4 months observed
    cut = curve.copy()
    cut[4:] = np.nan
    pb, horizon = ue.payback_from_curve(2_000, cut)
    assert np.isnan(pb) and horizon == 4
    # the lag form: nothing for 2 months, then 700 a month; CAC 3,611.11 -> 2 + 5.159 months
    assert ue.payback_from_curve(3_611.11, ue.margin_curve(700, 2, 24))[0] == pytest.approx(2 + 3_611.11 / 700)
    # LTV with a new customer's first year: m_0 = 600 replaces 1,000, later years unchanged
    assert ue.ltv(1_000, 0.8, 0.1, periods=3, first_period_margin=600) == pytest.approx(600 + 800 / 1.1 + 640 / 1.21)


def test_ltv_by_hand_and_closed_form():
    # 3 periods, m=100, r=0.8, d=0.1: 100 + 80/1.1 + 64/1.21
    assert ue.ltv(100, 0.8, 0.1, periods=3) == pytest.approx(100 + 80 / 1.1 + 64 / 1.21)
    assert ue.ltv(100, 0.8, 0.1) == pytest.approx(100 * 1.1 / (1.1 - 0.8))
    assert ue.ltv(100, 0.8, 0.1, periods=2000) == pytest.approx(ue.ltv(100, 0.8, 0.1))
    assert ue.ltv_to_cac(300, 100) == 3 and np.isnan(ue.ltv_to_cac(300, np.nan))
    with pytest.raises(InputError):
        ue.ltv(100, 1.2, 0.1)


def test_history_crosses_through_eur_from_the_shipped_file():
    with zipfile.ZipFile(rates.ecb_file()) as zf:
        first_lines = zf.read(zf.namelist()[0]).decode().splitlines()[:2]
    header, row = first_lines[0].split(","), first_lines[1].split(",")
    day, usd, jpy = row[0], float(row[header.index("USD")]), float(row[header.index("JPY")])
    jpy_per_usd = rates.history("JPY", "USD")
    assert jpy_per_usd.loc[day] == pytest.approx(jpy / usd)
    assert rates.history("USD", "EUR").loc[day] == pytest.approx(usd)  # USD per 1 EUR


def test_missing_currency_says_what_is_available_and_how_to_supply_a_csv():
    with pytest.raises(InputError) as err:
        rates.history("TWD", "USD")
    msg = str(err.value)
    assert "no TWD" in msg and "USD" in msg and "fx/TWDUSD.csv" in msg and "date,rate" in msg


def test_user_history_csv_is_preferred(user_folder):
    path = user_folder / "fx" / "TWDUSD.csv"
    path.parent.mkdir(parents=True)
    path.write_text("date,rate\n2026-01-02,32.0\n2026-01-05,32.5\n2026-01-06,32.1\n")
    s = rates.history("TWD", "USD")
    assert s.tolist() == [32.0, 32.5, 32.1]
    r = np.diff(np.log([32.0, 32.5, 32.1]))
    assert rates.annualized_volatility(s) == pytest.approx(np.std(r, ddof=1) * math.sqrt(252))
    path.write_text("date,rate\n2026-01-02,abc\n")
    with pytest.raises(InputError, match="column 'rate'"):
        rates.history("TWD", "USD")


def test_volatility_window():
    series = np.exp(np.cumsum(np.r_[0, np.tile([0.01, -0.01], 50)]))
    assert rates.annualized_volatility(series, window=10) == pytest.approx(
        np.std(np.tile([0.01, -0.01], 5), ddof=1) * math.sqrt(252))
    with pytest.raises(InputError):
        rates.annualized_volatility([1.0, 2.0])


# ------------------------------------------------------------------------- stated rates (section rates)

def _pair(**over) -> dict:
    return {"rate": 30.0, "volatility_annual": 0.06, "basis": "assumption", "source": "test figure",
            "as_of": "2026-10-30"} | over


def test_stated_pair_answers_the_inverse_pair_inverted():
    from crossborder.core.rates import RatesSection

    section = RatesSection.model_validate({"pairs": {"TWD/USD": _pair(rate=32.0, volatility_annual=0.05)}})
    direct, inverse = section.stated("TWD", "USD"), section.stated("USD", "TWD")
    assert direct.rate == 32.0
    assert inverse.rate == pytest.approx(1 / 32) and inverse.volatility_annual == 0.05  # std of log(1/S) = std of log S
    assert inverse.source == direct.source and inverse.as_of == direct.as_of
    assert section.stated("TWD", "EUR") is None
    both = RatesSection.model_validate({"pairs": {"TWD/USD": _pair(rate=32.0), "USD/TWD": _pair(rate=0.03)}})
    assert both.stated("USD", "TWD").rate == 0.03                     # a pair's own entry wins over the inverse


@pytest.mark.parametrize("key, hint", [("TWDUSD", "pair keys like TWD/USD"), ("twd/usd", "pair keys like TWD/USD"),
                                       ("TWD/XYZ", "XYZ is not one"), ("USD/USD", "two different currencies")])
def test_bad_pair_key_fails_at_load_naming_the_key(key, hint):
    from pathlib import Path

    import yaml

    from crossborder import scenario

    defaults = yaml.safe_load((scenario.SCENARIO_DIR / "defaults.yaml").read_text(encoding="utf-8"))
    de = yaml.safe_load((scenario.SCENARIO_DIR / "DE.yaml").read_text(encoding="utf-8"))
    with pytest.raises(InputError) as err:
        scenario.build("DE", [(Path("defaults.yaml"), defaults),
                              (Path("DE.yaml"), scenario.merge(de, {"rates": {"pairs": {key: _pair()}}}))])
    msg = str(err.value)
    assert "DE.yaml" in msg and "'rates.pairs'" in msg and hint in msg and repr(key) in msg


def test_bad_pair_values_fail_naming_the_field():
    from pydantic import ValidationError

    from crossborder.core.rates import RatesSection

    for over, field in [({"rate": 0}, "rate"), ({"volatility_annual": 3}, "volatility_annual"),
                        ({"basis": "guess"}, "basis")]:
        with pytest.raises(ValidationError, match=field):
            RatesSection.model_validate({"pairs": {"TWD/USD": _pair(**over)}})


def test_a_market_overrides_one_pair_and_keeps_the_others():
    from pathlib import Path

    import yaml

    from crossborder import scenario

    defaults = yaml.safe_load((scenario.SCENARIO_DIR / "defaults.yaml").read_text(encoding="utf-8"))
    jp = yaml.safe_load((scenario.SCENARIO_DIR / "JP.yaml").read_text(encoding="utf-8"))
    shipped = scenario.build("JP", [(Path("defaults.yaml"), defaults), (Path("JP.yaml"), jp)]).rates
    over = scenario.merge(jp, {"rates": {"pairs": {"TWD/JPY": {"volatility_annual": 0.11, "basis": "source",
                                                               "volatility_source": "bank quote"}}}})
    got = scenario.build("JP", [(Path("defaults.yaml"), defaults), (Path("JP.yaml"), over)]).rates
    assert got.pairs["TWD/JPY"].volatility_annual == 0.11 and got.pairs["TWD/JPY"].volatility_note == "bank quote"
    assert got.pairs["TWD/JPY"].rate == shipped.pairs["TWD/JPY"].rate == 0.19396      # unset fields merge through
    assert got.pairs["TWD/USD"] == shipped.pairs["TWD/USD"]                           # other pairs untouched
    assert got.stated("JPY", "TWD").volatility_annual == 0.11


def test_shipped_twd_pairs_are_stated_once_and_labelled():
    from crossborder import scenario

    for code in ["DE", "US", "JP", "VN", "MX", "IN"]:
        scn = scenario.load(code)
        assert {"TWD/USD", "TWD/EUR", "TWD/JPY", "TWD/MXN"} <= set(scn.rates.pairs)
        for pair in scn.rates.pairs.values():
            assert pair.basis == "assumption" and pair.source and pair.as_of   # the ECB publishes no TWD
        assert "spot" not in scn.raw["fx"] and "pairs" not in scn.raw["pricing"]["fx"]
