"""Tests for crossborder.chapters.landed: Incoterms table against the ICC rules, hand-worked landed costs (EU CIF
basis, US FOB basis), FTA savings, readiness on a hand-made checklist, the control panel and saving."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from crossborder import scenario
from crossborder.chapters import landed
from crossborder.core import facts
from crossborder.core.errors import InputError
from crossborder.core.fmt import money
from crossborder.core.i18n import strings_file

REPORT_DATE = date(2026, 11, 29)

# ------------------------------------------------------------------------------------ Incoterms 2020

# Independent restatement of ICC Incoterms 2020 (Publication 723E), articles A2/A3 (delivery and risk),
# A4 (carriage), A5 (insurance), A7/B7 (clearance), B9/A9 (duties and taxes on import).
# rule: (mode, where risk passes, main carriage paid by, insurance by, minimum cover, export, import, duty+VAT)
ICC = {
    "EXW": ("any", "at_disposal_seller_premises", "buyer", "none", "none", "buyer", "buyer", "buyer"),
    "FCA": ("any", "delivered_to_carrier", "buyer", "none", "none", "seller", "buyer", "buyer"),
    "CPT": ("any", "delivered_to_first_carrier", "seller", "none", "none", "seller", "buyer", "buyer"),
    "CIP": ("any", "delivered_to_first_carrier", "seller", "seller", "ICC (A) 110%", "seller", "buyer", "buyer"),
    "DAP": ("any", "destination_ready_for_unloading", "seller", "none", "none", "seller", "buyer", "buyer"),
    "DPU": ("any", "destination_unloaded", "seller", "none", "none", "seller", "buyer", "buyer"),
    "DDP": ("any", "destination_ready_for_unloading", "seller", "none", "none", "seller", "seller", "seller"),
    "FAS": ("sea", "alongside_ship", "buyer", "none", "none", "seller", "buyer", "buyer"),
    "FOB": ("sea", "on_board_vessel", "buyer", "none", "none", "seller", "buyer", "buyer"),
    "CFR": ("sea", "on_board_vessel", "seller", "none", "none", "seller", "buyer", "buyer"),
    "CIF": ("sea", "on_board_vessel", "seller", "seller", "ICC (C) 110%", "seller", "buyer", "buyer"),
}
COLS = ["mode", "risk_transfer", "main_carriage_paid_by", "insurance_by", "insurance_minimum",
        "export_clearance_by", "import_clearance_by", "import_duty_vat_by"]


@pytest.fixture(scope="module")
def incoterms() -> pd.DataFrame:
    return landed.load_incoterms()


def test_incoterms_table_has_all_eleven_rules_as_the_icc_states_them(incoterms):
    assert sorted(incoterms.index) == sorted(ICC)
    for rule, expected in ICC.items():
        assert tuple(incoterms.loc[rule, COLS]) == expected, rule
    # Only CIF and CIP oblige insurance, and both at 110 % at least.
    assert set(incoterms.index[incoterms["insurance_by"] == "seller"]) == {"CIF", "CIP"}
    assert all("110%" in m for m in incoterms.loc[["CIF", "CIP"], "insurance_minimum"])
    # Sea-only rules are exactly the four maritime ones.
    assert set(incoterms.index[incoterms["mode"] == "sea"]) == {"FAS", "FOB", "CFR", "CIF"}
    assert incoterms["description_zh_TW"].str.contains("，|；|：").all()  # full-width punctuation


def _write_incoterms(tmp_path: Path, edit) -> Path:
    src = landed.INCOTERMS_FILE.read_text(encoding="utf-8").splitlines()
    out = tmp_path / "incoterms.csv"
    out.write_text("\n".join(edit(src)) + "\n", encoding="utf-8")
    return out


def test_incoterms_file_errors_name_file_line_and_column(tmp_path):
    missing = _write_incoterms(tmp_path, lambda lines: [l for l in lines if not l.startswith("DPU,")])
    with pytest.raises(InputError, match="missing DPU"):
        landed.load_incoterms(missing)
    bad_mode = _write_incoterms(tmp_path, lambda lines: [l.replace("FOB,Free On Board,船上交貨,sea", "FOB,Free On Board,船上交貨,air") for l in lines])
    with pytest.raises(InputError, match=r"line \d+ \(rule 'FOB'\), column 'mode': expected one of any, sea, found 'air'"):
        landed.load_incoterms(bad_mode)
    no_cover = _write_incoterms(tmp_path, lambda lines: [l.replace("ICC (C) 110%", "none") for l in lines])
    with pytest.raises(InputError, match="rule 'CIF'.*insurance minimum"):
        landed.load_incoterms(no_cover)


def test_payer_matrix_conventions(incoterms):
    pay = landed.payer_matrix(incoterms, landed.RULES)
    assert (pay.loc["EXW"].drop("goods") == "buyer").all()
    assert (pay.loc["DDP"].drop("unloading") == "seller").all() and pay.at["DDP", "unloading"] == "buyer"
    assert pay.at["DPU", "unloading"] == "seller"
    assert pay.at["FOB", "origin_handling"] == "seller" and pay.at["FAS", "origin_handling"] == "buyer"
    assert pay.at["FCA", "origin_handling"] == "buyer"
    # insurance: the obliged seller under CIF/CIP; otherwise the party at risk during the main carriage
    assert pay.at["CIF", "insurance"] == "seller" and pay.at["CFR", "insurance"] == "buyer"
    assert pay.at["DAP", "insurance"] == "seller" and pay.at["FOB", "insurance"] == "buyer"


# -------------------------------------------------------------------------------- hand-worked costs

def _section(scn, **over) -> landed.Landed:
    """A hand-made landed section on round numbers (duties and VAT come from the fact store on the date)."""
    data = {
        "fees": over.pop("fees", []),
        "de_minimis": {"description": {"en": "d", "zh-TW": "d"}, "source": "test", "as_of": "2026-01-01",
                       "verified": True, **over.pop("de_minimis", {})},
        "vat_base_includes_post_border_costs": over.pop("post_border", True),
        "seller_registered_for_vat": over.pop("seller_registered", False),
        "insure_when_not_obliged": True,
        "shipment": {"rule": "CIF", "mode": "sea", "quantity": 100, "unit_price": 100,
                     "shipments_per_year": 12, "fta_origin_met": False, "stress_extra_duty": 0.0, **over.pop("shipment", {})},
        "costs": {
            "export_clearance": {"fixed": 100}, "pre_carriage": {"fixed": 200},
            "origin_handling": {"sea": {"fixed": 300}, "air": {"fixed": 100}},
            "main_carriage": {"sea": {"fixed": 1000}, "air": {"fixed": 500, "per_unit": 20}},
            "share_beyond_border": {"sea": 0.2, "air": 0.0},
            "destination_handling": {"sea": {"fixed": 150}, "air": {"fixed": 80}},
            "on_carriage": {"fixed": 250}, "unloading": {"fixed": 50}, "import_clearance": {"fixed": 120},
            "insurance_rate_icc_a": 0.002, "insurance_rate_icc_c": 0.001, "insured_share": 1.1,
            "source": "test",
            **over.pop("costs", {}),
        },
    }
    assert not over, over
    return landed.Landed.model_validate(data)


@pytest.fixture(scope="module")
def de():
    return scenario.load("DE")


@pytest.fixture(scope="module")
def us():
    return scenario.load("US")


def test_eu_cif_basis_hand_worked(de, incoterms):
    """Germany, CIF sale, 100 screws at EUR 100 ex works, goods made in Taiwan (MFN 3.7 %)."""
    sec = _section(de)
    q = landed.quote(de, section=sec, as_of=REPORT_DATE, incoterms=incoterms)
    goods = 100 * 100.0
    before_freight = 100 + 200 + 300                       # export clearance, pre-carriage, origin handling
    freight = 1000.0
    rk = 0.001 * 1.1                                       # CIF: ICC (C) premium rate x 110 %
    premium = rk * (goods + before_freight + freight) / (1 - rk)
    assert premium == pytest.approx(12.76 / 0.9989)
    customs_value = goods + before_freight + 0.8 * freight + premium  # 20 % of the sea leg is inside the EU
    duty = 0.037 * customs_value
    post_border = 0.2 * freight + 150 + 250 + 50           # feeder leg, destination handling, on-carriage, unloading
    vat = 0.19 * (customs_value + duty + post_border)      # UStG / Directive Art. 86: incl. costs to 1st destination
    s = q.summary
    assert s["customs_value"] == pytest.approx(customs_value)
    assert s["duty"] == pytest.approx(duty)
    assert s["import_vat"] == pytest.approx(vat)
    assert s["vat_recoverable"] == pytest.approx(vat)      # registered buyer deducts it
    landed_cost = goods + before_freight + freight + premium + 150 + 250 + 50 + 120 + duty
    assert s["landed"] == pytest.approx(landed_cost)
    assert s["cash_out"] == pytest.approx(landed_cost + vat)
    assert s["seller_costs"] == pytest.approx(goods + before_freight + freight + premium)
    assert s["buyer_costs"] == pytest.approx(150 + 250 + 50 + 120 + duty)
    assert s["customs_value"] == pytest.approx(11412.774051456602)


def test_us_fob_basis_hand_worked(us, incoterms):
    """United States, FOB sale, 100 screws at USD 100; entry on 2026-03-01 while the Section 122 surcharge ran."""
    # The fact store's US record on 2026-03-01: MFN 3.8 % + the Section 122 surcharge of 10 % (2026-02-24 to 07-23).
    sec = _section(us, post_border=False, shipment={"rule": "FOB"},
                   fees=[{"code": "MPF", "name": {"en": "MPF", "zh-TW": "MPF"}, "rate": 0.003464, "minimum": 33.58,
                          "maximum": 651.50, "legal_basis": "19 CFR 24.23", "source": "t", "as_of": "2025-10-01",
                          "verified": True},
                         {"code": "HMF", "name": {"en": "HMF", "zh-TW": "HMF"}, "rate": 0.00125, "modes": ["sea"],
                          "legal_basis": "19 CFR 24.24", "source": "t", "as_of": "2025-06-30", "verified": True}])
    q = landed.quote(us, section=sec, as_of=date(2026, 3, 1), incoterms=incoterms)
    goods = 10_000.0
    customs_value = goods + 100 + 200 + 300                # FOB: no international freight, no insurance
    duty = (0.038 + 0.10) * customs_value                  # MFN 3.8 % + Section 122 10 %
    mpf = 0.003464 * customs_value                          # 36.72, inside [33.58, 651.50]
    hmf = 0.00125 * customs_value                           # sea cargo only
    rk = 0.002 * 1.1                                        # no duty to insure: the buyer at risk buys ICC (A)
    premium = rk * (goods + 600 + 1000) / (1 - rk)
    s = q.summary
    assert s["customs_value"] == pytest.approx(customs_value)
    assert s["duty"] == pytest.approx(duty) and duty == pytest.approx(1462.8)
    assert s["fees"] == pytest.approx(mpf + hmf) and mpf == pytest.approx(36.7184)
    assert s["import_vat"] == 0
    assert s["landed"] == pytest.approx(goods + 600 + 1000 + premium + 150 + 250 + 50 + 120 + duty + mpf + hmf)
    assert s["seller_costs"] == pytest.approx(customs_value)   # FOB: the seller's part ends on board
    # After the surcharge's last day only the MFN rate is recorded as in force, and the lapse is reported.
    later = landed.quote(us, section=sec, as_of=REPORT_DATE, incoterms=incoterms)
    assert later.summary["duty"] == pytest.approx(0.038 * customs_value)
    assert any("19 U.S.C. 2132" in m.legal_basis for m in later.resolved.expired)
    # MPF minimum and maximum, and no HMF on air freight (FCA, since FOB is for sea only)
    small = landed.quote(us, section=sec, quantity=1, as_of=REPORT_DATE, incoterms=incoterms)
    assert small.summary["fees"] == pytest.approx(33.58 + 0.00125 * (100 + 600))
    big = landed.quote(us, section=sec, quantity=2000, rule="FCA", mode="air", as_of=REPORT_DATE, incoterms=incoterms)
    assert 0.003464 * (200_000 + 100 + 200 + 100) > 651.50 and big.summary["fees"] == pytest.approx(651.50)


def test_eu_customs_value_does_not_depend_on_the_rule_at_one_insurance_rate(de, incoterms):
    sec = _section(de, costs={"insurance_rate_icc_a": 0.001, "insurance_rate_icc_c": 0.001}, seller_registered=True)
    res = landed.resolve(de, section=sec, as_of=REPORT_DATE)
    summary = landed.summarize(landed.compute(res, landed.RULES, [100], 100.0, "sea", incoterms))
    assert np.allclose(summary["customs_value"], summary["customs_value"].iloc[0])
    # and the landed cost is the same: the rules move costs between the parties, not the total
    assert np.allclose(summary["landed"], summary["landed"].iloc[0])
    assert summary.loc[("EXW", 100), "seller_costs"] == pytest.approx(10_000)


def test_us_transaction_value_counts_pre_shipment_costs_only_in_the_price(us, incoterms):
    """19 CFR 152.103(a)(5): an ex-factory (EXW) sale's customs value is the goods alone; FCA adds the export
    clearance and pre-carriage the seller pays; FOB adds the loading; international freight and insurance never
    count (19 U.S.C. 1401a(b)(4)(A)). Hand-worked on the round-number section: 100 x USD 100, export clearance 100,
    pre-carriage 200, origin handling 300, sea freight 1,000."""
    sec = _section(us, post_border=False, shipment={"rule": "FOB"})
    on = date(2026, 11, 29)
    value = {rule: landed.quote(us, section=sec, rule=rule, as_of=on, incoterms=incoterms).summary["customs_value"]
             for rule in ("EXW", "FCA", "FOB", "CIF", "DDP")}
    assert value["EXW"] == pytest.approx(10_000)
    assert value["FCA"] == pytest.approx(10_000 + 100 + 200)
    assert value["FOB"] == value["CIF"] == value["DDP"] == pytest.approx(10_000 + 100 + 200 + 300)
    lines = landed.quote(us, section=sec, rule="EXW", as_of=on, incoterms=incoterms).lines.set_index("item")
    assert not lines.loc[["pre_carriage", "main_to_border", "insurance"], "in_customs_value"].any()


def test_ddp_vat_is_a_cost_unless_the_seller_is_registered(de, incoterms):
    unregistered = landed.quote(de, section=_section(de), rule="DDP", as_of=REPORT_DATE, incoterms=incoterms)
    registered = landed.quote(de, section=_section(de, seller_registered=True), rule="DDP", as_of=REPORT_DATE,
                              incoterms=incoterms)
    vat = unregistered.summary["import_vat"]
    assert vat > 0 and unregistered.summary["vat_recoverable"] == 0
    assert unregistered.summary["landed"] - registered.summary["landed"] == pytest.approx(vat)
    assert unregistered.summary["buyer_costs"] == pytest.approx(50)   # DDP: the buyer still unloads at its door


def test_vectorized_grid_equals_one_by_one(de, incoterms):
    res = landed.resolve(de, as_of=REPORT_DATE)
    qty = np.array([1, 10, 200, 5000])
    grid = landed.summarize(landed.compute(res, ["FCA", "CIF", "DDP"], qty, 380.0, "sea", incoterms))
    assert np.allclose(grid.to_numpy(dtype=float),
                       landed.grid(res, ["FCA", "CIF", "DDP"], qty, 380.0, "sea", incoterms).to_numpy(dtype=float))
    for rule in ["FCA", "CIF", "DDP"]:
        for n in qty:
            one = landed.summarize(landed.compute(res, rule, [n], 380.0, "sea", incoterms)).iloc[0]
            assert np.allclose(grid.loc[(rule, n)].to_numpy(dtype=float), one.to_numpy(dtype=float))


def test_domestic_sale_has_no_import(incoterms):
    vn = scenario.load("VN")
    q = landed.quote(vn, origin="VN", as_of=REPORT_DATE, incoterms=incoterms)
    assert q.summary["duty"] == q.summary["import_vat"] == q.summary["fees"] == 0
    assert q.summary["customs_value"] == q.summary["goods"] + 6_250_000 + 12_500 * 200  # goods + pre-carriage only


def test_india_surcharge_is_levied_on_the_duty(incoterms):
    scn = scenario.load("IN")
    q = landed.quote(scn, as_of=REPORT_DATE, incoterms=incoterms)
    cv = q.summary["customs_value"]
    assert q.summary["duty"] == pytest.approx(cv * 0.075 * 1.10)          # BCD + 10 % SWS on the BCD
    assert q.summary["import_vat"] == pytest.approx(0.18 * (cv + q.summary["duty"]))


# ------------------------------------------------------------------------------------------ FTA saving

def test_fta_saving_only_where_the_origin_rule_is_met(de, incoterms):
    sec = _section(de)
    taiwan = landed.fta_saving(de, section=sec, origin="TW", fta=True, as_of=REPORT_DATE, incoterms=incoterms)
    assert taiwan["reason"] == "no_preference" and taiwan["per_year"] == 0
    not_met = landed.fta_saving(de, section=sec, origin="VN", fta=False, as_of=REPORT_DATE, incoterms=incoterms)
    assert not_met["reason"] == "rule_not_met" and not_met["per_shipment"] == 0
    met = landed.fta_saving(de, section=sec, origin="VN", fta=True, as_of=REPORT_DATE, incoterms=incoterms)
    base = landed.quote(de, section=sec, origin="VN", fta=False, as_of=REPORT_DATE, incoterms=incoterms)
    # VAT is recoverable in Germany, so the saving is the duty alone: 3.7 % of the customs value
    assert met["per_shipment"] == pytest.approx(0.037 * base.summary["customs_value"])
    assert met["per_year"] == pytest.approx(12 * met["per_shipment"])
    assert not_met["potential_per_shipment"] == pytest.approx(met["per_shipment"])


def test_mexico_default_shipment_claims_cptpp(incoterms):
    mx = scenario.load("MX")
    sav = landed.fta_saving(mx, as_of=REPORT_DATE, incoterms=incoterms)
    q = landed.quote(mx, fta=False, as_of=REPORT_DATE, incoterms=incoterms)
    assert sav["applies"] and sav["per_shipment"] == pytest.approx(0.05 * q.summary["customs_value"])


# ------------------------------------------------------------------------------------------- readiness

def _checklist(**change) -> pd.DataFrame:
    rows = pd.DataFrame({
        "item": ["a", "b", "c", "d", "e", "f"],
        "required": [True, True, True, True, False, False],
        "status": ["done", "in_progress", "not_started", "not_started", "not_applicable", "not_started"],
        "progress": [1.0, 0.5, 0.0, 0.0, 0.0, 0.0],
        "lead_time_days": [30, 10, 4, 3, 50, 100],
        "depends_on": ["", "a", "b", "", "", ""],
        "cost_twd": [1000, 2000, 3000, 4000, 5000, 6000],
    })
    for col, (i, v) in change.items():
        rows.loc[i, col] = v
    return rows


def test_readiness_on_a_hand_made_checklist():
    r = landed.readiness(_checklist())
    assert r.share_done == pytest.approx(1 / 4)             # a of a, b, c, d (e, f not required)
    assert r.days_to_ready == pytest.approx(10 * 0.5 + 4)   # b's remaining half, then c
    assert r.critical_path == ("b", "c")
    assert r.cost_remaining == pytest.approx(2000 + 3000 + 4000)
    es = dict(zip(r.table["item"], r.table["earliest_start"]))
    assert es == {"a": 0, "b": 0, "c": 5, "d": 0, "e": 0, "f": 0}


@pytest.mark.parametrize("change, message", [
    ({"status": (1, "pending")}, "expected a status among done, in_progress"),
    ({"depends_on": (2, "b;zz")}, "depends on unknown item.*'zz'"),
    ({"depends_on": (0, "c")}, "dependency cycle"),
    ({"progress": (0, 0.5)}, "status 'done' disagrees with progress 0.5"),
    ({"lead_time_days": (3, -2)}, "expected lead_time_days >= 0"),
])
def test_readiness_rejects_bad_checklists(change, message):
    with pytest.raises(InputError, match=message):
        landed.readiness(_checklist(**change))


def test_checklist_overrides_reject_unknown_items_and_statuses():
    comp = landed.load_compliance()
    with pytest.raises(InputError, match="unknown item 'ce_marking'"):
        landed.checklist(comp, "DE", "TW", {"ce_marking": "done"})
    with pytest.raises(InputError, match="expected one of done"):
        landed.checklist(comp, "DE", "TW", {"reach_svhc": "finished"})
    items = landed.checklist(comp, "DE", "TW", {"reach_svhc": "done"})
    assert "evfta_origin_proof" not in set(items["item"])   # Viet Nam-only item
    assert items.loc[items["item"] == "reach_svhc", "progress"].item() == 1.0


def test_compliance_file_errors_name_file_line_and_column(tmp_path):
    text = landed.COMPLIANCE_FILE.read_text(encoding="utf-8").replace(",in_progress,0.4,", ",ongoing,0.4,", 1)
    bad = tmp_path / "compliance.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"compliance.csv: line \d+ \(item 'ce_assessment'\), column 'status'"):
        landed.load_compliance(bad)


def test_every_market_has_a_checklist_with_claim_documents():
    comp = landed.load_compliance()
    for code in scenario.example_markets():
        r = landed.market_readiness(scenario.load(code), comp)
        assert {"commercial_invoice", "packing_list", "transport_document", "inspection_report",
                "sanctions_screening", "dual_use_check"} <= set(r.table["item"])
        assert 0 <= r.share_done <= 1 and r.days_to_ready >= 0
    india = landed.market_readiness(scenario.load("IN"), comp)
    assert india.critical_path[-1] == "bis_otr"            # the longest lead time sets the date


# ------------------------------------------------------------------------------ scenarios and errors

def test_six_markets_differ_where_it_matters():
    keys = set()
    for code in ["DE", "US", "JP", "VN", "MX", "IN"]:
        scn = scenario.load(code)
        sec, m = scn.landed, scn.market
        duty = facts.duty(code, scn.exporter.origin, REPORT_DATE)
        keys.add((m.customs_value_basis, facts.import_vat(code, REPORT_DATE).rate, duty.mfn.rate, sec.shipment.rule,
                  len(sec.fees), scn.exporter.origin))
        assert duty.mfn.source and duty.mfn.as_of and sec.de_minimis.as_of
    assert len(keys) == 6
    assert scenario.load("US").market.customs_value_basis == "FOB"


def test_bad_scenario_values_fail_with_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    with pytest.raises(InputError, match=r"exporter.*origin: expected one of the origin plants \(TW, VN\), found 'JP'"):
        scenario.save_overlay("DE", "exporter", {"origin": "JP"})
    with pytest.raises(InputError, match=r"key 'landed\.costs\.insured_share'"):
        scenario.save_overlay("DE", "landed", {"costs": {"insured_share": 1.0}})
    assert not (tmp_path / "scenarios" / "DE.yaml").exists()


def test_bad_arguments_are_rejected_clearly(de, incoterms):
    with pytest.raises(InputError, match="rule FOB: .*sea and inland waterway.*use FCA, CPT or CIP"):
        landed.quote(de, rule="FOB", mode="air", as_of=REPORT_DATE, incoterms=incoterms)
    with pytest.raises(InputError, match="expected Incoterms 2020 rules.*'FOBB'"):
        landed.quote(de, rule="FOBB", as_of=REPORT_DATE, incoterms=incoterms)
    with pytest.raises(InputError, match="quantity: expected a whole number"):
        landed.quote(de, quantity=0, as_of=REPORT_DATE, incoterms=incoterms)
    with pytest.raises(InputError, match=r"origin: expected one of the exporter's plants TW, VN, found 'CN'"):
        landed.quote(de, origin="CN", as_of=REPORT_DATE, incoterms=incoterms)
    with pytest.raises(InputError, match="extra_duty"):
        landed.quote(de, extra_duty=-0.1, as_of=REPORT_DATE, incoterms=incoterms)


    with pytest.raises(InputError, match="as_of: expected the report date"):
        landed.quote(de, incoterms=incoterms)


def test_facts_to_verify_flags_expired_unverified_and_revised_facts(us):
    facts = landed.facts_to_verify(us, REPORT_DATE)
    reasons = dict(zip(facts["fact"], facts["reasons"]))
    assert "expired" in reasons["TW: Section 122 temporary import surcharge 10 %"]
    # the earlier measures it replaced are not flagged again: only the last to lapse matters
    assert "TW: IEEPA reciprocal tariff, Taiwan rate 20 %" not in reasons
    # while the surcharge ran, nothing had lapsed without a successor
    assert not landed.facts_to_verify(us, date(2026, 3, 9))["reasons"].map(lambda r: "expired" in r).any()
    assert "lapsed on 2026-07-23" in landed.headline(us, "en", REPORT_DATE)[0]
    assert "review_due" in reasons["Merchandise processing fee: 0.3464%"]
    assert reasons["MFN rate, HTSUS 8483.40.80.00: 3.8%"] == ("old",)  # verified, but checked over a year ago
    table = landed.verify_table(us, REPORT_DATE, "zh-TW")
    assert table.iloc[:, 0].str.contains("第 122 條").any()


# --------------------------------------------------------------------------------- charts and panel

def test_charts_speak_the_report_language(de, incoterms):
    q = landed.quote(de, as_of=REPORT_DATE, incoterms=incoterms)
    zh, en = landed.waterfall_figure(q, "zh-TW"), landed.waterfall_figure(q, "en")
    assert "每批金額" in zh.layout.yaxis.title.text and "amount per shipment" in en.layout.yaxis.title.text
    assert zh.layout.template.layout.width == 660 and zh.layout.width in (None, 660)
    m = landed.matrix_figure(incoterms, "en", highlight="CIF")
    assert list(m.data[0].y)[-1] == "<b>CIF</b>" and len(m.data[1].x) == 11
    assert landed.headline(de, "zh-TW", REPORT_DATE)[1].startswith("落地 +")


def _data(fig) -> list:
    return [tr.to_plotly_json() for tr in fig.data]


def test_each_control_recomputes_the_figures_in_place(de, incoterms):
    panel = landed.panel(de, "en", as_of=REPORT_DATE, incoterms=incoterms)
    figs = panel.figures

    def changed(control, value, figure):
        before = _data(figs[figure])
        widget_before = figs[figure]
        panel.controls[control].value = value
        assert panel.last_error is None, panel.last_error
        assert figs[figure] is widget_before                    # patched in place, not replaced
        assert _data(figs[figure]) != before, (control, figure)

    assert panel.controls["rule"].value == "FCA" and panel.controls["mode"].value == "sea"
    changed("mode", "air", "waterfall")                          # FCA works for any mode
    changed("rule", "CIP", "waterfall")
    changed("quantity", 500, "waterfall")
    changed("origin", "TW", "duty")        # DE is supplied from the VN plant; switch to TW
    changed("origin", "VN", "duty")
    changed("fta", True, "waterfall")                            # EVFTA applies to Viet Nam-made screws
    # a combination the rules forbid is reported, and the charts stay as they were
    before = _data(figs["waterfall"])
    panel.controls["rule"].value = "FOB"                         # FOB is for sea only, the mode is air
    assert "sea and inland waterway" in panel.last_error and _data(figs["waterfall"]) == before


def test_saving_the_panel_writes_a_valid_overlay(tmp_path, monkeypatch, incoterms):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    panel = landed.panel(scenario.load("DE"), "zh-TW", as_of=REPORT_DATE, incoterms=incoterms)
    panel.controls["rule"].value = "DAP"
    panel.controls["quantity"].value = 350
    panel.controls["origin"].value = "TW"
    panel.controls["origin"].value = "VN"                        # back to DE's own plant: the EVFTA preference
    panel.controls["fta"].value = True
    path = panel.save()
    assert path == tmp_path / "scenarios" / "DE.yaml"
    saved = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert saved["landed"]["shipment"] == {"rule": "DAP", "mode": "sea", "quantity": 350, "fta_origin_met": True}
    assert saved["exporter"] == {"origin": "VN"}                  # the market's one origin, for every chapter
    again = scenario.load("DE")
    assert again.has_user_overlay and again.landed.shipment.rule == "DAP"
    assert again.landed.shipment.unit_price == 380          # the rest of the section still comes from the shipped file
    assert landed.fta_saving(again, as_of=REPORT_DATE, incoterms=incoterms)["applies"]


# ------------------------------------------------------------------------------------ workshop helpers

def test_any_mode_rule_maps_sea_only_rules_to_their_counterparts():
    assert [landed.any_mode_rule(r) for r in ("FAS", "FOB", "CFR", "CIF", "FCA", "dap")] == \
        ["FCA", "FCA", "CPT", "CIP", "FCA", "DAP"]
    with pytest.raises(InputError, match="rule"):
        landed.any_mode_rule("FOX")


def test_compare_modes_hand_worked(de, incoterms):
    """The test section by sea and by air under CIP (its CIF default is sea-only): 100 units at EUR 100."""
    cmp = landed.compare_modes(de, section=_section(de), as_of=REPORT_DATE, incoterms=incoterms)
    assert cmp.attrs["rule"] == "CIP"
    rk = 0.002 * 1.1                                        # CIP: ICC (A) x 110 %
    sea_premium = rk * (10_000 + 600 + 1000) / (1 - rk)     # origin handling 300 by sea, freight 1000
    air_premium = rk * (10_000 + 400 + 500 + 20 * 100) / (1 - rk)   # origin handling 100, freight 500 + 20/unit
    cv_sea = 10_000 + 600 + 0.8 * 1000 + sea_premium        # 20 % of the sea leg runs inside the EU
    cv_air = 10_000 + 400 + 2500 + air_premium              # the whole air leg ends at the border
    assert cmp.attrs["customs_value"]["sea"] == pytest.approx(cv_sea)
    assert cmp.attrs["customs_value"]["air"] == pytest.approx(cv_air)
    assert cmp.attrs["duty"]["air"] - cmp.attrs["duty"]["sea"] == pytest.approx(0.037 * (cv_air - cv_sea))
    assert cmp.at["destination_handling", "change"] == pytest.approx(80 - 150)
    assert cmp.at["main_beyond_border", "change"] == pytest.approx(-200) and not cmp.at["main_beyond_border", "in_customs_value"]
    assert cmp.loc[cmp["in_customs_value"], "change"].sum() == pytest.approx(cv_air - cv_sea)
    for lang in ("en", "zh-TW"):
        table = landed.modes_table(cmp, lang)
        assert len(table) >= 10 and not table.isna().any().any()


def test_ddp_vat_trap_is_the_import_vat_exactly(de, us, incoterms):
    trap = landed.ddp_vat(de, section=_section(de), as_of=REPORT_DATE, incoterms=incoterms)
    assert trap["recoverable"] and trap["import_vat"] > 0
    assert trap["ddp_registered"] == pytest.approx(trap["dap"])
    assert trap["ddp_unregistered"] - trap["ddp_registered"] == pytest.approx(trap["import_vat"])
    none = landed.ddp_vat(us, as_of=REPORT_DATE, incoterms=incoterms)      # the US levies no import VAT
    assert none["import_vat"] == 0 and none["ddp_unregistered"] == pytest.approx(none["dap"])


def test_fta_by_market_for_the_vietnam_plant(incoterms):
    markets = landed.market_scenarios()
    df = landed.fta_by_market("VN", markets, as_of=REPORT_DATE, incoterms=incoterms)
    assert set(df.index) == {"DE", "US", "JP", "VN", "MX", "IN"}
    assert df.at["DE", "agreement"] == "EVFTA" and df.at["DE", "per_shipment"] > 0
    assert df.at["JP", "agreement"] == "CPTPP" and df.at["JP", "total_mfn"] == 0 and df.at["JP", "per_shipment"] == 0
    assert df.at["US", "reason"] == "no_preference" and df.at["VN", "reason"] == "domestic"
    de = scenario.load("DE")
    assert df.at["DE", "per_year"] == pytest.approx(
        landed.fta_saving(de, origin="VN", fta=True, as_of=REPORT_DATE, incoterms=incoterms)["per_shipment"] * de.landed.shipment.shipments_per_year)
    for lang in ("en", "zh-TW"):
        assert len(landed.fta_markets_table(df, lang)) == 6
    with pytest.raises(InputError, match="origin"):
        landed.fta_by_market("FR", markets, as_of=REPORT_DATE, incoterms=incoterms)


def test_talking_points_carry_the_markets_numbers_in_both_languages(incoterms):
    for code in ("DE", "IN"):
        scn = scenario.load(code)
        for lang in ("en", "zh-TW"):
            points = landed.talking_points(scn, lang, REPORT_DATE)
            assert 2 <= len(points) <= 3 and all(any(ch.isdigit() for ch in p) for p in points), points
    assert "BIS" in landed.talking_points(scenario.load("IN"), "en", REPORT_DATE)[-1]   # the longest lead time
    de = landed.talking_points(scenario.load("DE"), "en", REPORT_DATE)
    vat = landed.ddp_vat(scenario.load("DE"), as_of=REPORT_DATE, incoterms=incoterms)["import_vat"]
    assert "CIF basis" in de[0] and f"{money(vat, 'EUR', 'en')} of import VAT" in de[1]    # the DDP trap, in money
    assert "no import VAT" in landed.talking_points(scenario.load("US"), "en", REPORT_DATE)[1]


def test_workshop_strings_use_full_width_punctuation():
    import re

    data = yaml.safe_load(strings_file("landed").read_text(encoding="utf-8"))
    for key, texts in data.items():
        if key.startswith(("ex_", "pt_", "col_")):
            zh = re.sub(r"\{[^}]*\}", "", texts["zh-TW"])
            assert not re.search(r"[\u4e00-\u9fff][,:;(]|[,:;)][\u4e00-\u9fff]", zh), key


def test_the_chapter_shows_what_each_rule_counts(us, de, incoterms):
    us_table = landed.customs_value_table(us, "en", incoterms).set_index("Item")
    assert us_table.at["Export clearance", "EXW"] == "–" and us_table.at["Export clearance", "FCA"] == "✓"
    assert (us_table.loc["Cargo insurance"] == "–").all()
    de_table = landed.customs_value_table(de, "zh-TW", incoterms)
    assert (de_table.drop(columns=de_table.columns[0]) == "✓").all().all()   # CIF basis: whoever pays
