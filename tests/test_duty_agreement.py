"""One duty for the same goods and date in every chapter: chapter 01's tariff criterion and chapter 06's landed
cost read the same dated records (crossborder.core.facts), before, inside and after every additional measure."""

from __future__ import annotations

from datetime import date

import pytest

from crossborder import scenario
from crossborder.chapters import landed, markets
from crossborder.core import facts

# Before the first US measure, inside each window (baseline 10 %, Taiwan/Viet Nam 20 %, Section 122 10 %), after.
DATES = [date(2025, 3, 1), date(2025, 5, 1), date(2025, 9, 1), date(2026, 3, 1), date(2026, 11, 29)]
EXPECTED_US_TOTAL = [0.038, 0.138, 0.238, 0.138, 0.038]
MARKETS = ["DE", "US", "JP", "VN", "MX", "IN"]


@pytest.mark.parametrize("on, total", list(zip(DATES, EXPECTED_US_TOTAL)))
def test_us_total_matches_the_legal_window_in_both_chapters(on, total):
    data = markets.load_data(as_of=on, plants=["TW", "VN"])
    ch01 = markets.tariff_for_origin(data, "TW", ["TW", "VN"]).at["US", "duty"]
    ch06 = landed.resolve(scenario.load("US"), origin="TW", fta=False, as_of=on, extra_duty=0.0)
    ch06_total = (ch06.base_rate + ch06.ad_valorem_extra) * (1 + ch06.on_duty_rate)
    assert ch01 == pytest.approx(total * 100)
    assert ch06_total == pytest.approx(total)
    # labelled by legal basis, never "MFN" for the total: MFN is the conventional rate alone
    assert markets.tariff_for_origin(data, "TW", ["TW", "VN"]).at["US", "rate"] == pytest.approx(3.8)


@pytest.mark.parametrize("on", DATES)
def test_every_market_and_origin_agree(on):
    data = markets.load_data(as_of=on, plants=["TW", "VN"])
    for origin in ("TW", "VN"):
        ch01 = markets.tariff_for_origin(data, origin, ["TW", "VN"])
        for code in MARKETS:
            scn = scenario.load(code)
            res = landed.resolve(scn, origin=origin, fta=True, as_of=on, extra_duty=0.0)
            total = 0.0 if res.domestic else (res.base_rate + res.ad_valorem_extra) * (1 + res.on_duty_rate)
            assert ch01.at[code, "duty"] == pytest.approx(total * 100), (code, origin, on)
            assert total == pytest.approx(facts.duty(code, origin, on).total)


def test_a_changed_fact_moves_both_chapters(tmp_path, monkeypatch):
    """A user's copy of a fact file replaces the shipped one for every chapter at once."""
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    (tmp_path / "facts" / "markets").mkdir(parents=True)
    text = (facts.MARKETS_DIR / "DE.yaml").read_text(encoding="utf-8").replace("rate: 0.037", "rate: 0.05", 1)
    (tmp_path / "facts" / "markets" / "DE.yaml").write_text(text, encoding="utf-8")
    on = date(2026, 11, 29)
    data = markets.load_data(as_of=on, plants=["TW", "VN"])
    assert markets.tariff_for_origin(data, "TW", ["TW", "VN"]).at["DE", "duty"] == pytest.approx(5.0)
    assert landed.resolve(scenario.load("DE"), origin="TW", fta=False, as_of=on, extra_duty=0.0).base_rate == 0.05
