"""Tests for crossborder.chapters.payments: hand-worked costs, break-even, limits, KYB, fraud, receivables, panels."""

from __future__ import annotations

import copy
import json
import math
import re
from datetime import date
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from plotly.utils import PlotlyJSONEncoder
from scipy.optimize import brentq

from crossborder import scenario
from crossborder.chapters import payments as P
from crossborder.core.errors import InputError
from crossborder.core.fmt import money
from crossborder.core.paths import NOTEBOOKS_DIR, SCENARIO_DIR

AS_OF = date(2026, 11, 29)

BASE = {
    "tiers": {
        "A": {"label": {"en": "A", "zh-TW": "甲"}, "annual_pd": 0.02, "lgd": 0.5, "premium_pct": 0.004,
              "cover": 0.9, "insurer_limit": 200_000, "own_limit": 150_000},
        "N": {"label": {"en": "new", "zh-TW": "新"}, "annual_pd": 0.1, "lgd": 0.7, "premium_pct": 0.0,
              "cover": 0.0, "insurer_limit": 0, "own_limit": 0},
    },
    "deal": {"amount": 100_000, "tenor_days": 60, "tier": "A"},
    "transit_days": 30, "cost_of_capital": 0.05, "buyer_cost_of_capital": 0.08,
    "market_norm": "oa", "buyer_tolerance_pct": 0.005,
    "lc": {"confirmation_fee_pct": 0.002, "confirming_bank_pd": 0.0005, "issuing_bank_pd": 0.002,
           "country_pd": 0.001, "bank_lgd": 0.45, "waiver_refusal": 0.03},
    "collection": {"non_credit_refusal": 0.01, "return_cost_pct": 0.12, "resale_loss_pct": 0.35, "storage_pct": 0.02},
    "escrow": {"dispute_rate": 0.02, "dispute_loss": 0.25},
    "buyer_side": {"seller_failure": 0.02, "loss_if_failure": 0.5, "documents_share": 0.3},
    "insurance": {"max_tenor_days": 180},
    "fraud": {"weights": {"large_first_order": 20, "rush_new_address": 20, "bank_account_change": 35,
                          "third_party_payer": 15, "free_mail": 10, "lookalike_domain": 30, "registry_mismatch": 25},
              "verify_at": 25, "hold_at": 50, "always_verify": ["bank_account_change"], "large_first_order": 50_000,
              "lookalike_distance": 2, "free_mail_domains": ["gmail.com", "gmx.de"]},
    "receivables": {"dso_method": "countback", "standard_days": 90, "months": 12},
}


def make_pay(**over) -> P.Payments:
    return P.Payments.model_validate(scenario.merge(copy.deepcopy(BASE), over))


@pytest.fixture(scope="module")
def inst() -> pd.DataFrame:
    return P.load_instruments()


@pytest.fixture(scope="module")
def pay() -> P.Payments:
    return make_pay()


# ------------------------------------------------------------------------------------------ costs

def test_horizon_pd_scales_an_annual_pd():
    assert P.horizon_pd(0.1, 365) == pytest.approx(0.1)
    assert P.horizon_pd(0.1, 0) == 0.0
    assert P.horizon_pd(0.1, -30) == 0.0                      # paid before shipping: no exposure
    # two half-years: survive both with (1 - q)^2 = 0.9
    assert P.horizon_pd(0.1, 182.5) == pytest.approx(1 - math.sqrt(0.9))
    np.testing.assert_allclose(P.horizon_pd([0.0, 0.5], [365, 365]), [0.0, 0.5])
    with pytest.raises(InputError, match="annual_pd"):
        P.horizon_pd(1.0, 30)


def test_open_account_cost_by_hand(inst, pay):
    c = P.instrument_costs(inst, pay).loc["oa"]
    A, r = 100_000, 0.05
    fees = max(0.0005 * A, 10) + 15                           # 65
    financing = r * A * (3 + 60) / 365                        # cash 3 days after a 60-day tenor: 863.01
    pd_60 = 1 - (1 - 0.02) ** (60 / 365)                      # 0.0033154
    el = pd_60 * 0.5 * A                                      # 165.77
    assert c["fees"] == pytest.approx(fees)
    assert c["financing"] == pytest.approx(financing)
    assert c["credit_loss"] == pytest.approx(el)
    assert c["total"] == pytest.approx(fees + financing + el)
    assert c["total"] == pytest.approx(1093.78, abs=0.01)
    assert c["total_pct"] == pytest.approx(c["total"] / A)
    # buyer: remittance fees, and 30 days of supplier credit (goods arrive day 30, paid day 60)
    assert c["buyer_cost"] == pytest.approx(max(0.0005 * A, 15) + 15 + 0.08 * A * (30 - 60) / 365)
    assert c["buyer_extra_pct"] == 0.0                        # it is the market norm


def test_insured_open_account_by_hand(inst, pay):
    c = P.instrument_costs(inst, pay).loc["oa_insured"]
    A = 100_000
    el = (1 - 0.98 ** (60 / 365)) * 0.5 * A * (1 - 0.9)      # only the uninsured 10 % of the loss remains
    assert c["insurance"] == pytest.approx(0.004 * A)         # 400 premium
    assert c["credit_loss"] == pytest.approx(el)
    assert c["total"] == pytest.approx(65 + 0.05 * A * 63 / 365 + 400 + el)


def test_letters_of_credit_by_hand(inst, pay):
    costs = P.instrument_costs(inst, pay)
    A, r = 100_000, 0.05
    stranded = min(0.12, 0.35) + 0.02                        # return the goods: 12 % + 2 % storage
    disc = 0.5 * (80 + r * A * 10 / 365 + 0.03 * stranded * A)  # 318.49
    conf = costs.loc["lc_confirmed"]
    assert conf["fees"] == pytest.approx(max(0.0015 * A, 60) + 90 + 0.002 * A)  # 150 + 90 + 200
    assert conf["financing"] == pytest.approx(r * A * 10 / 365)
    assert conf["credit_loss"] == pytest.approx((1 - (1 - 0.0005) ** (10 / 365)) * 0.45 * A)
    assert conf["discrepancy"] == pytest.approx(disc)
    assert disc == pytest.approx(318.49, abs=0.01)
    unconf = costs.loc["lc"]
    bank_country = 1 - (1 - 0.002) * (1 - 0.001)
    assert unconf["fees"] == pytest.approx(150 + 90)          # no confirmation fee
    assert unconf["credit_loss"] == pytest.approx((1 - (1 - bank_country) ** (15 / 365)) * 0.45 * A)
    # buyer pays 15 days after shipment, before the goods arrive (day 30): a cost; plus documents-only risk
    assert unconf["buyer_cost"] == pytest.approx(max(0.003 * A, 100) + 50 + 0.08 * A * (30 - 15) / 365
                                                 + 0.02 * 0.5 * 0.3 * A)


def test_collections_escrow_and_advance_by_hand(inst, pay):
    costs = P.instrument_costs(inst, pay)
    A, r = 100_000, 0.05
    dp = costs.loc["dp"]
    p_refuse = 1 - (1 - 0.02) ** (35 / 365) * (1 - 0.01)     # default during the 35 days, or a plain refusal
    assert dp["financing"] == pytest.approx(r * A * 35 / 365)  # transit 30 + 5
    assert dp["credit_loss"] == pytest.approx(p_refuse * 0.14 * A)  # stranded goods, not LGD
    esc = costs.loc["escrow"]
    assert esc["fees"] == pytest.approx(0.01 * A)
    assert esc["credit_loss"] == pytest.approx(0.02 * 0.25 * A)
    assert esc["financing"] == pytest.approx(r * A * 40 / 365)
    adv = costs.loc["advance"]
    assert adv["financing"] == pytest.approx(r * A * -30 / 365)  # cash 30 days before shipping: a gain
    assert adv["credit_loss"] == 0.0
    # the buyer finances 60 days (pays day -30, goods day 30) and carries the seller's performance risk
    assert adv["buyer_cost"] == pytest.approx(65 + 0.08 * A * 60 / 365 + 0.02 * 0.5 * A)


def test_acceptability_limits_insurer_and_buyer(inst):
    pay = make_pay(tiers={"A": {"own_limit": 50_000}})
    c = P.instrument_costs(inst, pay)
    assert not c.at["oa", "acceptable"] and c.at["oa", "reason"] == "over_limit"  # 100k > own 50k
    assert c.at["oa_insured", "acceptable"]                                        # 100k <= 200k + 50k
    assert c.at["advance", "reason"] == "buyer_walks"
    extra = (c.at["advance", "buyer_cost"] - c.at["oa", "buyer_cost"]) / 100_000
    assert c.at["advance", "buyer_extra_pct"] == pytest.approx(extra)
    new = P.instrument_costs(inst, pay, tier="N")
    assert new.at["oa_insured", "reason"] == "insurer_declines"                  # cover 0 for new buyers
    long = P.instrument_costs(inst, pay, tenor_days=210)
    assert long.at["oa_insured", "reason"] == "insurer_declines"                 # beyond the policy's 180 days
    rec = P.recommend_terms(P.cost_grid(inst, pay))
    assert rec.at["A", "instrument"] == "oa_insured"
    assert not rec.at["A", "negotiate"]
    # a new buyer gets only secured terms; the usance LC costs the buyer 0.36 % more than O/A: within 0.5 %
    assert rec.at["N", "instrument"] == "lc_usance" and not rec.at["N", "negotiate"]
    # with a stingier buyer nothing is acceptable: the term with the lowest joint cost is proposed instead
    pay = make_pay(tiers={"A": {"own_limit": 50_000}}, buyer_tolerance_pct=0.002)
    rec = P.recommend_terms(P.cost_grid(inst, pay))
    assert rec.at["N", "negotiate"]
    grid_n = P.cost_grid(inst, pay).loc["N"]
    carry = grid_n[grid_n["available"] & grid_n["seller_ok"]]
    assert rec.at["N", "instrument"] == (carry["total_pct"] + carry["buyer_extra_pct"]).idxmin()


def test_pd_override_and_cost_curve_agree(inst, pay):
    base = P.instrument_costs(inst, pay, annual_pd=0.05)
    curve = P.cost_curve(inst, pay, np.array([0.0, 0.05]))
    assert curve.loc[0.05, "oa"] == pytest.approx(base.at["oa", "total_pct"])
    assert curve.loc[0.05, "lc"] == pytest.approx(curve.loc[0.0, "lc"])       # LCs do not carry the buyer's PD
    assert curve.loc[0.05, "oa"] > curve.loc[0.0, "oa"]


def test_break_even_matches_a_numerical_root(inst, pay):
    be = P.break_even_pd(inst, pay)
    assert be.status == "crosses" and be.reference == "lc_usance"            # same credit period as O/A
    diff = lambda p: (P.instrument_costs(inst, pay, annual_pd=p).at["oa", "total"]  # noqa: E731
                      - P.instrument_costs(inst, pay, annual_pd=p).at["lc_usance", "total"])
    root = brentq(diff, 0.0, 0.99, xtol=1e-12)
    assert be.pd == pytest.approx(root, rel=1e-6)
    # at tenor 0 the comparison is with sight LCs; O/A then costs only fees and 3 days' financing
    sight = P.break_even_pd(inst, pay, tenor_days=0)
    assert sight.status == "always_cheaper" and math.isnan(sight.pd)
    assert sight.reference in ("lc", "lc_confirmed")
    # against sight LCs at 60 days, O/A's financing alone costs more than the LC: never cheaper
    never = P.break_even_pd(inst, pay, against=("lc", "lc_confirmed"))
    assert never.status == "never_cheaper" and never.pd == 0.0
    insured = P.break_even_pd(inst, pay, instrument="oa_insured")
    assert insured.pd > be.pd                                                 # insurance pushes it out
    with pytest.raises(InputError, match="buyer_default"):
        P.break_even_pd(inst, pay, instrument="lc")


@pytest.mark.parametrize("kwargs, where", [
    ({"amount": 0}, "amount"), ({"amount": float("nan")}, "amount"), ({"tenor_days": -5}, "tenor_days"),
    ({"tenor_days": 30.5}, "tenor_days"), ({"tier": "Z"}, "tier"), ({"annual_pd": 1.2}, "annual_pd"),
])
def test_bad_deal_arguments_are_named(inst, pay, kwargs, where):
    with pytest.raises(InputError, match=where):
        P.instrument_costs(inst, pay, **kwargs)


def test_unknown_market_norm_is_named(inst):
    with pytest.raises(InputError, match=r"payments.market_norm: expected an instrument id .* found 'swift'"):
        P.instrument_costs(inst, make_pay(market_norm="swift"))


# ------------------------------------------------------------------------------------------ scenario

def _build(code: str, payments_over: dict):
    layers = [(SCENARIO_DIR / "defaults.yaml", yaml.safe_load((SCENARIO_DIR / "defaults.yaml").read_text())),
              (SCENARIO_DIR / f"{code}.yaml", yaml.safe_load((SCENARIO_DIR / f"{code}.yaml").read_text())),
              (Path("/tmp/overlay.yaml"), {"payments": payments_over})]
    return scenario.build(code, layers)


def test_every_example_market_has_a_valid_payments_section():
    seen = set()
    for code in scenario.example_markets():
        pay = scenario.load(code).payments
        seen.add((pay.transit_days, pay.market_norm, pay.deal.tier, pay.lc.confirmation_fee_pct))
    assert len(seen) == len(scenario.example_markets())                      # markets differ


@pytest.mark.parametrize("over, text", [
    ({"deal": {"tier": "Q"}}, "payments.deal"),
    ({"fraud": {"weights": {"typosquat": 10}}}, "payments.fraud.weights"),
    ({"fraud": {"hold_at": 20}}, "payments.fraud.hold_at"),
    ({"tiers": {"A": {"annual_pd": 1.5}}}, "payments.tiers.A.annual_pd"),
    ({"receivables": {"dso_method": "average"}}, "payments.receivables.dso_method"),
    ({"lc": {"swift": 1}}, "unknown key"),
])
def test_bad_scenario_values_fail_naming_the_key(over, text):
    with pytest.raises(InputError, match=text):
        _build("DE", over)


def test_instruments_file_errors_name_line_and_column(tmp_path):
    good = P.INSTRUMENTS_FILE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "instruments.csv"
    bad.write_text("\n".join([good[0]] + [good[1].replace(",contract,", ",handshake,", 1)] + good[2:]), encoding="utf-8")
    with pytest.raises(InputError, match=r"instruments.csv: line 2 \(instrument 'advance'\), column 'rules': expected one of"):
        P.load_instruments(bad)
    dp_row = next(i for i, line in enumerate(good) if line.startswith("dp,"))
    rows = list(good)
    rows[dp_row] = rows[dp_row].replace(",false,", ",true,")
    bad.write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(InputError, match=rf"line {dp_row + 1} \(instrument 'dp'\), column 'insured'"):
        P.load_instruments(bad)


# ------------------------------------------------------------------------------------------ credit limits

def test_credit_limits_by_hand(inst, pay):
    customers = pd.DataFrame({
        "market": ["DE", "DE", "DE"], "tier": ["A", "A", "N"], "terms": ["oa_insured", "oa", "lc"],
        "terms_days": [60, 60, 0], "orders_per_year": [12, 12, 6], "avg_order": [100_000, 100_000, 5000],
        "registry_id": [None] * 3, "website": [None] * 3}, index=pd.Index(["Ins", "Own", "Sec"], name="customer"))
    pay = make_pay(tiers={"A": {"insurer_limit": 200_000, "own_limit": 100_000}})
    lim = P.credit_limits(customers, pay, inst, pd.Series({"Ins": 250_000, "Own": 120_000, "Sec": 4000}))
    # ceil(12 x 60 / 365) = ceil(1.97) = 2 orders outstanding + 1 being shipped = 3 x 100k
    assert lim.at["Ins", "need"] == 300_000
    assert lim.at["Ins", "insured_part"] == 200_000                             # insurer's limit
    assert lim.at["Ins", "own_part"] == 100_000                                 # the rest, up to our own limit
    assert lim.at["Ins", "limit"] == 300_000
    assert lim.at["Ins", "retained"] == pytest.approx(100_000 + 200_000 * 0.1)
    assert lim.at["Ins", "utilisation"] == pytest.approx(250_000 / 300_000) and lim.at["Ins", "status"] == "watch"
    assert lim.at["Own", "insured_part"] == 0                                   # uninsured terms: no insured part
    assert lim.at["Own", "limit"] == 100_000 and lim.at["Own", "shortfall"] == 200_000
    assert lim.at["Own", "status"] == "over"
    assert lim.at["Sec", "status"] == "secured" and lim.at["Sec", "limit"] == 0


def test_shipped_customers_load_and_reference_known_tiers_and_terms(inst):
    pay = scenario.load("DE").payments
    customers = P.load_customers(tiers=pay.tiers, instruments=inst)
    assert set(customers["market"]) == {"DE", "US", "JP", "VN", "MX", "IN"}
    with pytest.raises(InputError, match="column 'tier'"):
        P.load_customers(tiers={"A": pay.tiers["A"]})


# ------------------------------------------------------------------------------------------ KYB

@pytest.mark.parametrize("number, country, compact", [
    ("DE 136,695 976", "DE", "DE136695976"), ("136695976", "DE", "DE136695976"),  # prefix added
    ("00501503", "TW", "00501503"), ("5-8356-7825-6246", "JP", "5835678256246"),
    ("0100233488", "VN", "0100233488"), ("27AAPFU0939F1ZV", "IN", "27AAPFU0939F1ZV"),
    ("04-2103594", "US", "042103594"), ("MAB-930714-8T4", "MX", "MAB9307148T4"),
    ("FR 61 954 506 077", "FR", "FR61954506077"),
])
def test_known_valid_numbers(number, country, compact):
    r = P.validate_company_id(number, country)
    assert r.valid is True and r.compact == compact and r.reason == ""


@pytest.mark.parametrize("number, country, reason", [
    ("DE136695978", "DE", "checksum"), ("00501502", "TW", "checksum"), ("12345", "TW", "length"),
    ("2-8356-7825-6246", "JP", "checksum"), ("0100233480", "VN", "checksum"),
    ("27AAPFU0939F1AA", "IN", "component"), ("27AAPFU0939F1ZO", "IN", "checksum"), ("369296450896540", "IN", "format"),
    ("07-1144442", "US", "component"), ("ATU57194903", "DE", "country"), ("", "DE", "missing"), (None, "JP", "missing"),
])
def test_known_invalid_numbers_say_why(number, country, reason):
    r = P.validate_company_id(number, country)
    assert r.valid is False and r.reason == reason


def test_country_without_offline_validator_is_unknown_not_invalid():
    r = P.validate_company_id("12345", "AQ")
    assert r.valid is None and r.reason == "no_validator"


def test_shipped_registry_ids_flag_exactly_the_planted_errors():
    customers = P.load_customers()
    kyb = P.kyb_check(customers["registry_id"], customers["market"]).set_axis(customers.index)
    bad = kyb[kyb["valid"] == False]  # noqa: E712
    assert dict(zip(bad.index, bad["reason"])) == {"Saale Automation GmbH": "checksum",
                                                   "Chennai Linear Pvt. Ltd.": "component"}


# ------------------------------------------------------------------------------------------ fraud

def test_edit_distance_and_lookalikes():
    assert P.osa_distance("kitten", "sitting") == 3
    assert P.osa_distance("antrieb", "antreib") == 1                           # one transposition
    assert P.osa_distance("ca", "abc") == 3                                    # OSA: no edit of a moved pair
    assert P.lookalike_of("rheinwerk-antreib.example", ["rheinwerk-antrieb.example"]) == "rheinwerk-antrieb.example"
    assert P.lookalike_of("exarnple.com", ["example.com"], max_distance=1) == "example.com"  # rn -> m
    assert P.lookalike_of("example.com", ["example.com"]) is None                # the real domain
    assert P.lookalike_of("otherco.com", ["example.com"]) is None


def test_lookalike_is_judged_against_the_customer_master(pay):
    # the impostor's own website does not whitelist its look-alike e-mail domain
    fake = _orders(email="ap@rheinwerk-antreib.example", website="rheinwerk-antreib.example")
    sig = P.fraud_signals(fake, pay, ["rheinwerk-antrieb.example"])
    assert sig.at["o1", "lookalike_domain"] and sig.at["o1", "lookalike_of"] == "rheinwerk-antrieb.example"
    # a customer in the master data whose domain resembles another customer's is not flagged
    real = _orders(email="ap@tokai-kiki.example", website="tokai-kiki.example")
    assert not P.fraud_signals(real, pay, ["tokai-kikai.example", "tokai-kiki.example"]).at["o1", "lookalike_domain"]


def _orders(**cols) -> pd.DataFrame:
    base = {"customer": "X", "country": "DE", "email": "buyer@x.example", "website": "x.example", "amount": 10_000.0,
            "first_order": False, "rush": False, "ship_to_on_file": True, "bank_details_changed": False,
            "payer_is_buyer": True, "registry_id": "DE136695976", "registry_check": "match"}
    base.update(cols)
    return pd.DataFrame([base], index=pd.Index(["o1"], name="order_id"))


@pytest.mark.parametrize("cols, signals, score, decision", [
    ({}, [], 0, "proceed"),
    ({"first_order": True, "amount": 60_000.0, "email": "buyer@gmail.com"}, ["large_first_order", "free_mail"], 30, "verify"),
    ({"first_order": True, "amount": 40_000.0}, [], 0, "proceed"),               # below the large-order line
    ({"rush": True, "ship_to_on_file": False, "payer_is_buyer": False}, ["rush_new_address", "third_party_payer"], 35, "verify"),
    ({"bank_details_changed": True, "email": "buyer@x-example.example", "website": "x.example"},
     ["bank_account_change"], 35, "verify"),
    ({"email": "buyer@xx.example"}, ["lookalike_domain"], 30, "verify"),
    ({"registry_id": "DE136695978"}, ["registry_mismatch"], 25, "verify"),
    ({"registry_check": "mismatch", "rush": True, "ship_to_on_file": False, "email": "a@gmx.de"},
     ["registry_mismatch", "rush_new_address", "free_mail"], 55, "hold"),
])
def test_fraud_signals_and_score_by_hand(pay, cols, signals, score, decision):
    sig = P.fraud_signals(_orders(**cols), pay)
    assert sorted(s for s in P.SIGNALS if sig.at["o1", s]) == sorted(signals)
    sc = P.fraud_scores(sig, pay)
    assert sc.at["o1", "score"] == score and sc.at["o1", "decision"] == decision


def test_always_verify_overrides_a_low_score():
    pay = make_pay(fraud={"weights": {"bank_account_change": 5}})
    sc = P.fraud_scores(P.fraud_signals(_orders(bank_details_changed=True), pay), pay)
    assert sc.at["o1", "score"] == 5 and sc.at["o1", "decision"] == "verify"


def test_shipped_orders_cover_every_call():
    pay = scenario.load("DE").payments
    orders = P.load_orders()
    sc = P.fraud_scores(P.fraud_signals(orders, pay, [P.site_domain(w) for w in P.load_customers()["website"]]), pay)
    assert set(sc["decision"]) == {"proceed", "verify", "hold"}
    assert sc.at["O-DE-102", "lookalike_domain"] > 0 and sc.at["O-DE-102", "decision"] == "hold"


# ------------------------------------------------------------------------------------------ receivables

LEDGER = """invoice_id,customer,market,invoice_date,due_date,amount,currency,paid_date,paid_amount,reason_code
I1,Alpha,DE,2026-09-01,2026-10-01,1000,USD,,,
I2,Alpha,DE,2026-10-15,2026-11-14,2000,USD,,,
I3,Beta,DE,2026-11-10,2026-12-10,3000,USD,,,
I4,Beta,DE,2026-06-01,2026-07-01,500,USD,,,QUALITY
I5,Alpha,DE,2026-08-01,2026-08-31,4000,USD,2026-09-15,4000,
I6,Beta,DE,2026-10-01,2026-10-31,1500,USD,2026-12-05,1500,
I7,Alpha,DE,2026-12-01,2026-12-31,9999,USD,,,
I8,Beta,DE,2026-07-10,2026-08-09,800,USD,2026-08-20,760,BANK_FEES
I9,Alpha,DE,2026-08-20,2026-09-19,700,USD,,,
I10,Beta,DE,2026-09-10,2026-10-10,1200,USD,2026-11-20,1200,
"""


@pytest.fixture()
def ledger(tmp_path) -> pd.DataFrame:
    path = tmp_path / "invoices.csv"
    path.write_text(LEDGER, encoding="utf-8")
    invoices = P.load_invoices(path)
    return P.prepare_ledger(invoices, AS_OF, P.fx_to(invoices["currency"].unique(), AS_OF))


def test_aging_by_hand(ledger):
    # As of 2026-11-29: I7 is not issued yet; I5, I8, I10 are paid; I6 is paid only on 5 Dec, so still open.
    # Days past due: I3 not due; I2 15 (14 Nov); I6 29 (31 Oct); I1 59 (1 Oct); I9 71 (19 Sep); I4 151 (1 Jul).
    age = P.aging(ledger, AS_OF).iloc[0]
    assert age["current"] == 3000
    assert age["d1_30"] == 2000 + 1500
    assert age["d31_60"] == 1000
    assert age["d61_90"] == 700
    assert age["d91_plus"] == 500
    assert age["total"] == 8700
    assert age["overdue_share"] == pytest.approx(5700 / 8700)
    by = P.aging(ledger, AS_OF, by="customer")
    assert by.at["Alpha", "total"] == 1000 + 2000 + 700 and by.at["Beta", "total"] == 3000 + 500 + 1500


def test_aging_history_at_an_earlier_date_by_hand(ledger):
    # On 29 Oct: open I1 (28 days late), I2 (not due), I4 (120 late), I6 (not due), I9 (40 late), I10 (19 late)
    hist = P.aging_history(ledger, [pd.Timestamp("2026-10-29"), pd.Timestamp(AS_OF)])
    assert hist.iloc[0].to_dict() == {"current": 3500, "d1_30": 2200, "d31_60": 700, "d61_90": 0, "d91_plus": 500}
    assert hist.iloc[1].sum() == 8700


def test_dso_countback_standard_and_cei_by_hand(ledger):
    # Count-back from AR 8,700: Nov window (29 Oct-29 Nov, 31 days) sales 3,000 -> 5,700 left;
    # Oct window (30 days) sales 2,000 + 1,500 -> 2,200 left; Sep window (31 days) sales 1,000 + 1,200 = 2,200
    # -> exhausted exactly: 31 + 30 + 31 = 92 days.
    assert P.dso_countback(ledger, AS_OF) == pytest.approx(92.0)
    # Standard, 90 days: sales after 31 Aug: 1,000 + 2,000 + 3,000 + 1,500 + 1,200 = 8,700 -> 8,700 / 8,700 x 90
    assert P.dso_standard(ledger, AS_OF, 90) == pytest.approx(90.0)
    assert P.dso_standard(ledger, AS_OF, 90, current_only=True) == pytest.approx(3000 / 8700 * 90)
    # CEI over 29 Oct-29 Nov: opening AR 1,000 + 2,000 + 500 + 1,500 + 700 + 1,200 = 6,900; sales 3,000;
    # closing AR 8,700 of which current 3,000 -> (6,900 + 3,000 - 8,700) / (6,900 + 3,000 - 3,000)
    assert P.cei(ledger, date(2026, 10, 29), AS_OF) == pytest.approx(1200 / 6900 * 100)


def test_dso_countback_partial_month_by_hand(ledger):
    # Without I10's sales the Sep window holds 1,000: 2,200 - 1,000 = 1,200 left for the Aug window
    # (31 days, sales 4,000 + 700): 31 + 30 + 31 + 1,200 / 4,700 x 31
    led = ledger[ledger["invoice_id"] != "I10"]
    assert P.dso_countback(led, AS_OF) == pytest.approx(92 + 1200 / 4700 * 31)


def _independent_aging(led: pd.DataFrame, as_of: date) -> dict[str, float]:
    out = dict.fromkeys(P.BUCKETS, 0.0)
    for _, row in led.iterrows():
        if row["invoice_date"].date() > as_of:
            continue
        if not pd.isna(row["paid_date"]) and row["paid_date"].date() <= as_of:
            continue
        late = (as_of - row["due_date"].date()).days
        key = "current" if late <= 0 else "d1_30" if late <= 30 else "d31_60" if late <= 60 else "d61_90" if late <= 90 else "d91_plus"
        out[key] += row["amount_rc"]
    return out


def _independent_countback(led: pd.DataFrame, as_of: date) -> float:
    ts = pd.Timestamp(as_of)
    ar = sum(_independent_aging(led, as_of).values())
    days = 0.0
    for k in range(24):
        end, start = ts - pd.DateOffset(months=k), ts - pd.DateOffset(months=k + 1)
        sales = led.loc[(led["invoice_date"] > start) & (led["invoice_date"] <= end), "amount_rc"].sum()
        span = (end - start).days
        if ar <= sales + 1e-9:
            return days + (ar / sales * span if sales else 0.0)
        ar -= sales
        days += span
    return float("nan")


def test_shipped_ledger_against_independent_loops():
    led = P.prepare_ledger(P.load_invoices(P.INVOICES_FILE), AS_OF, fx=pd.DataFrame(
        {"rate": [1.0, 1.1, 0.0065, 0.053, 0.0105], "rate_date": pd.Timestamp(AS_OF)},
        index=pd.Index(["USD", "EUR", "JPY", "MXN", "INR"], name="currency")))
    for market in ("DE", "MX", "US"):
        local = led[led["market"] == market]
        assert P.aging(local, AS_OF).iloc[0][list(P.BUCKETS)].to_dict() == pytest.approx(_independent_aging(local, AS_OF))
        assert P.dso_countback(local, AS_OF) == pytest.approx(_independent_countback(local, AS_OF))


def test_short_payments_and_disputes(ledger):
    short = P.short_payments(ledger, AS_OF, 12)
    assert short.at["BANK_FEES", "amount"] == pytest.approx(40) and short.at["BANK_FEES", "count"] == 1
    assert short.at["QUALITY", "disputed_open"] == 500
    assert short["amount"].sum() == pytest.approx(40)


def test_ledger_converts_at_as_of_rates(tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_text(LEDGER.replace("I2,Alpha,DE,2026-10-15,2026-11-14,2000,USD", "I2,Alpha,DE,2026-10-15,2026-11-14,2000,EUR"))
    fx = pd.DataFrame({"rate": [1.0, 1.1], "rate_date": pd.Timestamp(AS_OF)}, index=pd.Index(["USD", "EUR"], name="currency"))
    led = P.prepare_ledger(P.load_invoices(path), AS_OF, fx=fx)
    assert led.set_index("invoice_id").at["I2", "amount_rc"] == pytest.approx(2200)
    assert "I7" not in set(led["invoice_id"])                                  # issued after the report date
    ecb = P.fx_to(["EUR", "USD"], AS_OF)                                        # the shipped ECB history
    assert ecb.at["EUR", "rate_date"] <= pd.Timestamp(AS_OF) and 0.5 < ecb.at["EUR", "rate"] < 2


@pytest.mark.parametrize("row, message", [
    ("X1,A,DE,2026-09-01,2026-08-01,100,USD,,,", r"line 2 \(invoice_id 'X1'\), column 'due_date': expected a date on or after invoice_date"),
    ("X1,A,DE,2026-09-01,2026-10-01,100,USD,2026-10-02,120,", r"column 'paid_amount': expected at most the invoice amount"),
    ("X1,A,DE,2026-09-01,2026-10-01,100,USD,2026-10-02,90,", r"column 'reason_code': expected a short-payment reason code"),
    ("X1,A,DE,2026-09-01,2026-10-01,100,USD,2026-10-02,100,PRICE", r"column 'reason_code': expected an empty cell on a fully paid invoice"),
    ("X1,A,DE,2026-09-01,2026-10-01,100,USD,2026-10-02,,", r"column 'paid_amount': expected the amount received"),
    ("X1,A,DE,2026-09-01,2026-10-01,100,USD,,100,", r"column 'paid_date': expected the date the payment arrived"),
    ("X1,A,DE,2026-09-01,2026-10-01,100,DOLLAR,,,", r"column 'currency': expected an ISO 4217 code"),
    ("X1,A,Germany,2026-09-01,2026-10-01,100,USD,,,", r"column 'market': expected an ISO 3166-1 alpha-2 code"),
    ("X1,A,DE,01/09/2026,2026-10-01,100,USD,,,", r"column 'invoice_date': expected a date YYYY-MM-DD, found '01/09/2026'"),
    ("X1,A,DE,2026-09-01,2026-10-01,-5,USD,,,", r"column 'amount': expected a number >= 0.01"),
    ("X1,A,DE,2026-09-01,2026-10-01,100,USD,2026-10-02,90,TYPO", r"column 'reason_code': expected one of PRICE"),
])
def test_bad_ledger_rows_are_rejected_clearly(tmp_path, row, message):
    path = tmp_path / "invoices.csv"
    path.write_text(LEDGER.splitlines()[0] + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="invoices.csv: " + message if message.startswith("line") else message):
        P.load_invoices(path)


def test_ledger_header_problems(tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_text(LEDGER.replace("reason_code", "reason"), encoding="utf-8")
    with pytest.raises(InputError, match="unknown column"):
        P.load_invoices(path)
    path.write_text(LEDGER + "I1,Alpha,DE,2026-09-01,2026-10-01,1000,USD,,,\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected unique values, found 'I1' twice"):
        P.load_invoices(path)


def test_user_ledger_replaces_the_example(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    assert P.invoices_file() == P.INVOICES_FILE
    (tmp_path / "invoices.csv").write_text(LEDGER, encoding="utf-8")
    assert P.invoices_file() == tmp_path / "invoices.csv"
    assert len(P.load_invoices()) == 10


# ------------------------------------------------------------------------------------------ panels

def _data(fig) -> str:
    return json.dumps([tr.to_plotly_json() for tr in fig.data], cls=PlotlyJSONEncoder, sort_keys=True)


def test_panel_controls_change_the_figures(inst):
    scn = scenario.load("DE")
    cp = P.panel(scn, "en", inst)
    figs = cp.figures
    # (control, new value, the figures it must change): the tier chart shows every tier, so choosing another
    # tier leaves it alone; the PD slider moves the chosen tier's bars and its cost chart
    changes = [("amount", 400_000, {"costs", "tiers", "breakeven"}), ("tenor_days", 120, {"costs", "tiers", "breakeven"}),
               ("tier", "C", {"costs", "breakeven"}), ("annual_pd", 0.12, {"costs", "tiers"})]
    for name, value, expected in changes:
        before = {k: _data(f) for k, f in figs.items()}
        cp.controls[name].value = value
        assert cp.last_error is None, cp.last_error
        changed = {k for k, f in figs.items() if _data(f) != before[k]}
        assert expected <= changed, (name, changed)
    assert cp.controls["annual_pd"].value == 0.12
    cp.controls["tier"].value = "A"                                            # a tier loads its own PD
    assert cp.controls["annual_pd"].value == scn.payments.tiers["A"].annual_pd
    assert "A (established" in cp.panes["summary"].value


def test_fraud_panel_checkboxes_change_the_score():
    scn = scenario.load("DE")
    fp = P.fraud_panel(scn, "zh-TW")                                           # the market's riskiest order
    assert "O-DE-102" in fp._static["call"]
    fig = fp.figures["breakdown"]
    for name in P.SIGNALS:
        before = _data(fig)
        fp.controls[name].value = not fp.controls[name].value
        assert _data(fig) != before, name
    with pytest.raises(InputError, match="sample_order"):
        P.fraud_panel(scn, "en", order_id="O-XX-999")


def test_panel_save_writes_a_valid_overlay(tmp_path, monkeypatch, inst):
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    cp = P.panel(scenario.load("JP"), "en", inst)
    cp.controls["amount"].value = 250_000
    cp.controls["tier"].value = "B"
    cp.controls["annual_pd"].value = 0.02
    path = cp.save()
    assert path == tmp_path / "scenarios" / "JP.yaml"
    saved = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert saved["payments"]["deal"] == {"amount": 250000.0, "tenor_days": 90, "tier": "B"}
    pay = scenario.load("JP").payments
    assert pay.deal.amount == 250_000 and pay.tiers["B"].annual_pd == 0.02
    assert pay.tiers["B"].lgd == scenario.load("JP").payments.tiers["B"].lgd  # the rest of the tier is kept


# ------------------------------------------------------------------------------------------ chapter

@pytest.mark.parametrize("code", ["DE", "VN"])
def test_chapter_views_and_headline(code):
    scn = scenario.load(code)
    book = P.load_book(scn.payments, AS_OF)
    for lang in ("zh-TW", "en"):
        terms = P.terms_view(book, scn.payments, lang)
        assert len(terms) == len(scn.payments.tiers)
        rec = P.receivables_view(book, scn, lang)
        assert {"summary", "aging_chart", "dso_chart", "reasons_chart", "note"} <= set(rec)
        text, key, value = P.chapter_headline(book, scn, lang)
        assert key.lower() in text.lower() or key.split("・")[0] in text or key.split(" · ")[0].lower() in text.lower()
        assert 0 < abs(value) < 0.1
    assert "O-DE-102" in set(P.screening_view(book, scenario.load("DE"), "en")["Order"])


def test_notebook_is_committed_clean_and_bilingual():
    nb = nbformat.read(NOTEBOOKS_DIR / "04_payments_credit.ipynb", as_version=4)
    tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
    assert {"parameters"} in tags
    assert nb.cells[0].source.startswith("# 04") and "lang-zh-TW" in tags[0] and "lang-en" in tags[1]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    zh = sum("lang-zh-TW" in t for t in tags)
    en = sum("lang-en" in t for t in tags)
    assert zh == en >= 8
    assert "chapter.headline(" in nb.cells[-1].source


# ------------------------------------------------------------------------------------ workshop exercises

def test_terms_by_amount_switch_at_the_limits(inst, pay):
    # Tier A: own limit 150,000, insurer limit 200,000. Plain open account is cheapest while the seller can carry
    # it (amount <= own limit); insured open account then carries up to own + insurer = 350,000.
    bands = P.terms_by_amount(inst, pay, tier="A", max_amount=500_000, step=10_000)
    assert list(bands["instrument"][:2]) == ["oa", "oa_insured"]
    assert bands.at[0, "to"] == 150_000 and bands.at[1, "from"] == 150_001
    assert bands.at[1, "to"] == 350_000 and bands.at[2, "from"] == 350_001
    assert bands.at[2, "instrument"] not in ("oa", "oa_insured")
    # every boundary is exact to the dollar: the recommendation differs on its two sides
    for a, b in zip(bands["to"][:-1], bands["from"][1:]):
        left = P.recommend_terms(P.cost_grid(inst, pay, amount=float(a))).at["A", "instrument"]
        right = P.recommend_terms(P.cost_grid(inst, pay, amount=float(b))).at["A", "instrument"]
        assert b == a + 1 and left != right
    note = P.amount_note(bands, pay, "en")
    assert money(150_000, "USD", "en") in note and "insured" in note
    assert "◀" in "".join(P.amount_table(bands, pay, "zh-TW").iloc[:, 2])
    with pytest.raises(InputError, match="step: expected an amount"):
        P.terms_by_amount(inst, pay, step=0)


def test_breakeven_by_tenor_checks_out_against_the_costs(inst, pay):
    table = P.breakeven_by_tenor(inst, pay, [30, 90, 180])
    for tenor, row in table.iterrows():
        assert row["status"] == "crosses"
        costs = P.instrument_costs(inst, pay, tenor_days=tenor, annual_pd=row["pd"])
        assert costs.at["oa", "total"] == pytest.approx(costs.at[row["reference"], "total"], rel=1e-9)
        assert row["horizon_pd"] == pytest.approx(1 - (1 - row["pd"]) ** (tenor / 365))
    assert table["pd"].is_monotonic_decreasing        # the same loss budget spread over a longer tenor
    shown = P.tenor_table(table, pay, "zh-TW")
    assert len(shown) == 3 and shown.iloc[0, 0] == "30 天"


@pytest.mark.parametrize("code", ["DE", "MX"])
@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_headline_points(code, lang):
    scn = scenario.load(code)
    points = P.headline_points(P.load_book(scn.payments, AS_OF), scn, lang)
    assert 2 <= len(points) <= 3
    assert all(re.search(r"\d", p) for p in points)
    own = scn.payments.tiers[scn.payments.deal.tier].own_limit
    assert money(own, "USD", lang) in points[0]          # open account stops at the tier's own limit
