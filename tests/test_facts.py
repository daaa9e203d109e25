"""The dated fact store: the value in force on a date, windows, staleness, errors, and `crossborder facts`."""

from __future__ import annotations

import json
from datetime import date

import pytest

from crossborder.cli import main
from crossborder.core import facts
from crossborder.core.errors import InputError

# US duty on Taiwan-made ball screws (HTSUS 8483.40.80.00, MFN 3.8 %), by report date. Hand-worked from the
# measures' windows: baseline 10 % to 2025-08-06, Taiwan's 20 % from 2025-08-07 to 2026-02-23, Section 122
# 10 % from 2026-02-24 to 2026-07-23, nothing recorded after.
US_TW = [
    (date(2025, 3, 1), 0.038, []),
    (date(2025, 4, 5), 0.138, ["IEEPA reciprocal tariff, 10 % baseline"]),
    (date(2025, 8, 7), 0.238, ["IEEPA reciprocal tariff, Taiwan rate 20 %"]),
    (date(2026, 2, 23), 0.238, ["IEEPA reciprocal tariff, Taiwan rate 20 %"]),
    (date(2026, 2, 24), 0.138, ["Section 122 temporary import surcharge 10 %"]),
    (date(2026, 7, 23), 0.138, ["Section 122 temporary import surcharge 10 %"]),
    (date(2026, 7, 24), 0.038, []),
]


@pytest.mark.parametrize("on, total, names", US_TW)
def test_us_duty_follows_each_measures_window(on, total, names):
    d = facts.duty("US", "TW", on)
    assert d.total == pytest.approx(total)
    assert d.mfn.rate == pytest.approx(0.038) and d.regime == "MFN"
    assert [m.name.en for m in d.additional] == names


def test_preference_applies_only_when_claimed_and_domestic_pays_nothing():
    on = date(2026, 12, 4)
    assert facts.duty("DE", "VN", on).total == 0.0
    assert facts.duty("DE", "VN", on).regime == "EVFTA"
    assert facts.duty("DE", "VN", on, claim_preference=False).total == pytest.approx(0.037)
    assert facts.duty("DE", "TW", on).total == pytest.approx(0.037)
    vn = facts.duty("VN", "VN", on)
    assert vn.domestic and vn.total == 0.0 and vn.regime == "domestic"


def test_india_surcharge_is_levied_on_the_duty():
    d = facts.duty("IN", "TW", date(2026, 12, 4))
    on_duty = sum(m.rate for m in d.additional if m.kind == "on_duty")
    assert on_duty > 0
    assert d.total == pytest.approx((d.base_rate + d.ad_valorem_extra) * (1 + on_duty))


def test_viet_nam_temporary_vat_cut_is_dated():
    assert facts.import_vat("VN", date(2025, 6, 30)).rate == pytest.approx(0.10)
    cut = facts.import_vat("VN", date(2026, 12, 31))
    assert cut.rate == pytest.approx(0.08) and "174/2025" in cut.source and cut.scope is not None
    assert facts.import_vat("VN", date(2027, 1, 1)).rate == pytest.approx(0.10)


def test_interest_rates_take_the_decision_in_force():
    assert facts.interest_rate("USD", date(2025, 12, 10)).value == pytest.approx(0.0375)
    assert facts.interest_rate("USD", date(2025, 12, 11)).value == pytest.approx(0.035)
    assert facts.interest_rate("JPY", date(2026, 1, 5)).value == pytest.approx(0.0075)
    assert facts.interest_rate("MXN", date(2026, 1, 5)).value == pytest.approx(0.07)


def test_stale_flag_uses_the_threshold():
    fact = facts.duty("DE", "TW", date(2025, 7, 1)).mfn      # as of 2025-06-30
    assert not fact.stale(date(2025, 7, 1), 365)
    assert fact.stale(date(2026, 7, 1), 365)
    rows = facts.listing("DE", date(2026, 12, 4), "en", stale_after_days=365, currencies=["EUR"])
    assert any(r.stale for r in rows if r.topic == "duty")
    assert not any(r.stale for r in rows if r.topic == "interest_rate")   # ECB decision as of 2025-12-18


def test_every_shipped_fact_file_validates_and_has_both_origins():
    for code in facts.market_codes():
        m = facts.market(code)
        assert {"TW", "VN"} <= set(m.duties.origins), code


def test_bad_fact_file_names_file_and_key(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    (tmp_path / "facts" / "markets").mkdir(parents=True)
    bad = (facts.MARKETS_DIR / "DE.yaml").read_text(encoding="utf-8").replace("rate: 0.037", "rate: lots", 1)
    (tmp_path / "facts" / "markets" / "DE.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match=r"DE.yaml: key 'duties.mfn.0.rate': expected a valid number"):
        facts.market("DE")


def test_dates_outside_the_supported_range_are_refused():
    with pytest.raises(InputError, match="expected a date from 2000-01-01 to 2099-12-31"):
        facts.duty("US", "TW", date(1, 1, 1))


def test_unknown_origin_names_the_file():
    with pytest.raises(InputError, match="US.yaml: key 'duties.origins': expected an entry for origin MX"):
        facts.duty("US", "MX", date(2026, 1, 1))


def test_facts_command_prints_what_is_in_force(capsys):
    assert main(["facts", "US", "--on", "2026-03-01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    totals = {r["subject"]: r["value"] for r in out["facts"] if r["name"].startswith("total")}
    assert totals["TW → US"] == pytest.approx(0.138)
    names = [r["name"] for r in out["facts"]]
    assert any("Section 122" in n and "19 U.S.C. 2132" in n for n in names)   # named by its legal basis
    assert {r["subject"] for r in out["facts"] if r["topic"] == "interest_rate"} == {"TWD", "USD"}
    assert main(["facts", "US", "--on", "2026-03-01", "--lang", "zh-TW"]) == 0
    assert "最惠國稅率" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["facts", "ZZ"], "no fact file for ZZ"),
    (["facts", "US", "--on", "9999-12-31"], "--on: expected a date from"),
    (["facts", "US", "--lang", "fr"], "--lang: expected one of"),
])
def test_facts_command_refuses_bad_input(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
