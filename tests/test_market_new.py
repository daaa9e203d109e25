"""Adding a market is one command: ``crossborder market new CODE --from DE [--ship] [--force]``.

The copy is checked against the shipped files read independently (csv / pandas): the new market has exactly
the source market's rows in every per-market data file, ids stay unique, the joins between files hold, the
shipped rows are untouched, and every chapter's loader (asked at call time) reads the user's copies. Bad
input exits 2 with one line and writes nothing. The slow test renders every chapter for the new market."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from crossborder import scenario
from crossborder.cli import main
from crossborder.core import facts, paths, registry
from crossborder.core.errors import InputError
from crossborder.scenario import new_market as nm

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
AS_OF = date(2026, 11, 29)
MARKET_COL = {"orders_to_screen.csv": "country"}
COPY = "copy of DE: replace with your own"


def shipped(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def user(home: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(home / "data" / name, dtype=str, keep_default_na=False)


def tree(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*") if p.is_file()} if home.exists() else {}


@pytest.fixture
def fr(user_folder):
    return nm.new_market("FR", "DE"), user_folder


# ------------------------------------------------------------------------------------------------ data_file

def test_data_file_prefers_the_users_copy_and_resolves_at_call_time(tmp_path, monkeypatch, user_folder):
    assert paths.data_file("compliance.csv") == DATA / "compliance.csv"
    own = user_folder / "data" / "compliance.csv"
    own.parent.mkdir(parents=True)
    own.write_text("x\n")
    assert paths.data_file("compliance.csv") == own
    other = tmp_path / "other"
    monkeypatch.setenv("CROSSBORDER_HOME", str(other))            # a new user folder: seen at the next call
    assert paths.data_file("compliance.csv") == DATA / "compliance.csv"
    # the earlier places are still read, after <user folder>/data/
    for name, legacy in (("risks.csv", "risks.csv"), ("invoices.csv", "invoices.csv"),
                         ("leads.csv", "funnel/leads.csv"), ("facts/markets/FR.yaml", "facts/markets/FR.yaml")):
        (other / legacy).parent.mkdir(parents=True, exist_ok=True)
        (other / legacy).write_text("x\n")
        assert paths.data_file(name) == other / legacy
        (other / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        (other / "data" / name).write_text("x\n")
        assert paths.data_file(name) == other / "data" / name


def test_every_file_with_rows_per_market_is_registered_and_has_a_rule():
    files = registry.market_data_files()
    assert set(files) == set(nm.RULES)
    for name in files:
        assert (DATA / name).exists(), name
    # every shipped table with a market column is read per market by some chapter (tariffs.csv: read by
    # no chapter, superseded by the fact store data/facts/markets/)
    per_market = {p.name for p in DATA.glob("*.csv")
                  if {"market", "country"} & set(pd.read_csv(p, nrows=0).columns)} - {"tariffs.csv"}
    assert per_market <= set(files) | {"orders.csv"}
    assert "orders.csv" in files


def test_rekey_id():
    assert nm.rekey_id("L-DE-0001", "DE", "FR") == "L-FR-0001"
    assert nm.rekey_id("DE-001", "DE", "FR") == "FR-001"
    assert nm.rekey_id("DE1", "DE", "FR") == "FR1"
    assert nm.rekey_id("INV-IN-0007", "IN", "TH") == "INV-TH-0007"   # "INV" is not the code IN
    assert nm.rekey_id("O00001", "DE", "FR") == "O00001-FR"


# ------------------------------------------------------------------------------------------------ the copy

def test_every_per_market_file_gets_the_source_rows_once(fr):
    _, home = fr
    for name in registry.market_data_files():
        if name in ("markets.csv", "orders.csv"):
            continue
        col = MARKET_COL.get(name, "market")
        base, new = shipped(name), user(home, name)
        de = base[base[col] == "DE"]
        assert len(new) == len(base) + len(de), name
        assert (new[col] == "FR").sum() == len(de) > 0, name
        pd.testing.assert_frame_equal(new.iloc[:len(base)], base, obj=name)     # shipped rows untouched
        copies = new.iloc[len(base):]
        if "source" in new.columns:
            assert (copies["source"] == COPY).all(), name
    # the shipped text itself is kept byte for byte (line endings included)
    for name in ("invoices.csv", "customers.csv"):
        assert (home / "data" / name).read_bytes().startswith((DATA / name).read_bytes())


def test_ids_are_unique_and_the_joins_hold(fr):
    _, home = fr
    customers, orders = user(home, "customers.csv"), user(home, "orders.csv")
    assert customers["account_id"].is_unique and orders["order_id"].is_unique
    fr_acc = customers.loc[customers["market"] == "FR", "account_id"]
    assert fr_acc.str.match(r"^FR-\d{3}$").all()
    assert sorted(fr_acc.str[3:]) == sorted(shipped("customers.csv").query("market == 'DE'")["account_id"].str[3:])
    base_orders = shipped("orders.csv")
    de_orders = base_orders[base_orders["account_id"].str.startswith("DE-")]
    fr_orders = orders[orders["account_id"].str.startswith("FR-")]
    assert len(fr_orders) == len(de_orders) and set(fr_orders["account_id"]) <= set(fr_acc)
    assert (fr_orders["order_id"] == de_orders["order_id"].to_numpy() + "-FR").all()
    assert (fr_orders["revenue"].to_numpy() == de_orders["revenue"].to_numpy()).all()
    leads = user(home, "leads.csv")
    assert leads["lead_id"].is_unique and "L-FR-0001" in set(leads["lead_id"])
    inv = user(home, "invoices.csv")
    assert inv["invoice_id"].is_unique and inv.loc[inv["market"] == "FR", "invoice_id"].str.startswith("INV-FR-").all()
    credit = user(home, "credit_customers.csv")
    fr_credit = set(credit.loc[credit["market"] == "FR", "customer"])
    assert "Rheinwerk Antriebstechnik GmbH (FR copy)" in fr_credit and credit["customer"].is_unique
    # every FR invoice names an FR credit customer whenever its DE original named a DE one
    de_credit = set(shipped("credit_customers.csv").query("market == 'DE'")["customer"])
    de_inv = shipped("invoices.csv").query("market == 'DE'")
    assert sum(c in de_credit for c in de_inv["customer"]) == sum(c in fr_credit for c in inv.query("market == 'FR'")["customer"])
    screen = user(home, "orders_to_screen.csv")
    assert screen["order_id"].is_unique and set(screen.loc[screen["country"] == "FR", "order_id"]) == {
        "O-FR-101", "O-FR-102", "O-FR-103"}
    risks = user(home, "risks.csv")
    assert risks["id"].is_unique and set(risks.loc[risks["market"] == "FR", "id"]) == {"FR1", "FR2", "FR3", "FR4"}
    comp = user(home, "compliance.csv")
    assert (comp.loc[comp["market"] == "FR", "verified"] == "false").all()


def test_the_scenario_is_a_marked_copy_and_loads(fr):
    done, home = fr
    assert (home / "scenarios" / "FR.yaml").exists()
    assert "FR" in scenario.available_markets()
    scn = scenario.load("FR")
    de = scenario.load("DE")
    assert scn.market.code == "FR" and scn.market.currency == "EUR" and scn.market.languages == ["fr", "en"]
    assert scn.meta.example is False and "replace" in scn.meta.note.en and "copy of DE" in scn.meta.note.en
    assert scn.market.customs_value_basis == de.market.customs_value_basis   # legal facts keep their values ...
    assert scn.plan.pilot_countries == ["FR", "AT", "CH"]
    text = done.checklist()                                        # ... and are listed with their sources
    assert de.market.customs_value_source in text and "Verify these facts" in text
    assert "import_vat" in text                                    # FR's own import VAT, from the fact store
    assert "crossborder report FR" in text and "compliance.csv item hs_classification" in text
    assert "data/facts/markets/FR.yaml" in text                    # FR has its own facts: kept, listed
    assert not (home / "data" / "facts").exists()


def test_currency_from_babel_and_facts_copied_when_missing(user_folder):
    done = nm.new_market("CH", "US")
    scn = scenario.load("CH")
    assert scn.market.currency == "CHF" and scn.market.languages == ["de", "fr", "it", "en"]
    assert "CH" in set(user(user_folder, "markets.csv")["market"])    # a new candidate row for chapter 01
    own = user_folder / "data" / "facts" / "markets" / "CH.yaml"
    assert facts.market_file("CH") == own and facts.has_market("CH") and "CH" in facts.market_codes()
    m = facts.market("CH")
    assert m.market == "CH" and not any(r.verified for r in m.duties.mfn)
    assert all(r.source.startswith("copy of US, not checked for CH: ") for r in m.duties.mfn)
    assert "CH.yaml duties.mfn[0]" in done.checklist()


def test_chapter_loaders_read_the_copies(fr):
    from crossborder.chapters import funnel, landed, markets, payments, risk

    scn = scenario.load("FR")
    with pytest.raises(InputError, match="no compliance items for 'FR'"):    # what failed before, from the shipped file
        landed.market_readiness(scn, landed.load_compliance(landed.COMPLIANCE_FILE))
    r = landed.market_readiness(scn, landed.load_compliance())
    de = landed.market_readiness(scenario.load("DE"), landed.load_compliance())
    assert r.share_done == de.share_done and r.days_to_ready == de.days_to_ready
    data = funnel.load_data()
    assert "FR" in data.markets()
    a_fr = funnel.assess(scn, data, AS_OF, "all")
    a_de = funnel.assess(scenario.load("DE"), data, AS_OF, "all")
    assert a_fr.total.equals(a_de.total)
    reg = risk.load_register()
    assert len(risk.market_register(reg, "FR")) == len(risk.market_register(reg, "DE"))
    assert payments.invoices_file() == fr[1] / "data" / "invoices.csv"
    assert (payments.load_invoices()["market"] == "FR").sum() == (payments.load_invoices()["market"] == "DE").sum()
    pay = scn.payments
    cust = payments.load_customers(tiers=pay.tiers, instruments=payments.load_instruments())
    assert (cust["market"] == "FR").sum() == 3 and (payments.load_orders()["country"] == "FR").sum() == 3
    assert "FR" in markets.load_markets().index


def test_a_second_market_keeps_the_first_and_force_replaces_without_duplicating(fr):
    _, home = fr
    nm.new_market("IT", "JP")
    leads = user(home, "leads.csv")
    assert {"FR", "IT"} <= set(leads["market"])
    before = tree(home)
    nm.new_market("FR", "DE", force=True)                          # same rows again, not twice
    after = tree(home)
    assert set(after) == set(before)
    for name in registry.market_data_files():
        if name != "markets.csv":
            a, b = user(home, name), pd.read_csv(io.BytesIO(before[f"data/{name}"]), dtype=str, keep_default_na=False)
            assert len(a) == len(b), name
            assert sorted(map(tuple, a.to_numpy())) == sorted(map(tuple, b.to_numpy())), name


# ------------------------------------------------------------------------------------------------ refusals

@pytest.mark.parametrize("argv, message", [
    (["market", "new", "XX", "--from", "DE"], "'XX' is not an ISO 3166-1 alpha-2 country code"),
    (["market", "new", "F1", "--from", "DE"], "expected a two-letter ISO 3166-1 alpha-2 code"),
    (["market", "new", "FR", "--from", "ZZ"], "--from: "),
    (["market", "new", "FR", "--from", "IT"], "--from: no scenario for market IT"),
    (["market", "new", "DE", "--from", "US"], "DE ships with the workbook"),
    (["market", "new", "DE", "--from", "DE"], "expected another market than DE"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(argv, message, capsys, user_folder):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert tree(user_folder) == {}


def test_an_existing_market_needs_force(fr, capsys):
    _, home = fr
    before = tree(home)
    assert main(["market", "new", "FR", "--from", "US"]) == 2
    assert "FR exists already" in capsys.readouterr().err
    assert tree(home) == before


def test_nothing_is_left_half_done_when_a_write_fails(fr, monkeypatch):
    _, home = fr
    before = tree(home)
    calls = []
    real = nm.atomic_write_text

    def flaky(path, text):
        calls.append(path)
        if len(calls) == 4:
            raise OSError("disk full")
        real(path, text)

    monkeypatch.setattr(nm, "atomic_write_text", flaky)
    with pytest.raises(OSError):
        nm.new_market("PL", "DE")
    assert tree(home) == before                                    # files written before the failure put back
    calls.clear()
    with pytest.raises(OSError):
        nm.new_market("FR", "US", force=True)
    assert tree(home) == before


def test_a_copied_id_that_is_taken_is_refused(user_folder):
    own = user_folder / "data" / "leads.csv"
    own.parent.mkdir(parents=True)
    text = (DATA / "leads.csv").read_text(encoding="utf-8")
    row = next(r for r in csv.reader(io.StringIO(text)) if r[1] == "US")
    row[0] = "L-FR-0001"                                           # a US lead that already has the id FR's would get
    own.write_text(text + ",".join(row) + "\n", encoding="utf-8")
    before = tree(user_folder)
    with pytest.raises(InputError, match="the copied id 'L-FR-0001' is taken"):
        nm.new_market("FR", "DE")
    assert tree(user_folder) == before


def test_ship_writes_into_data(tmp_path, monkeypatch, user_folder):
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("local"))
    monkeypatch.setattr(nm, "DATA_DIR", data)
    monkeypatch.setattr(nm, "SCENARIO_DIR", data / "scenarios")
    monkeypatch.setattr(scenario, "SCENARIO_DIR", data / "scenarios")
    done = nm.new_market("FR", "DE", ship=True)
    assert (data / "scenarios" / "FR.yaml").exists() and "FR" in scenario.example_markets()
    assert (pd.read_csv(data / "leads.csv", dtype=str)["market"] == "FR").sum() > 0
    assert tree(user_folder) == {}
    assert all(str(w.path).startswith(str(data)) for w in done.writes)
    assert yaml.safe_load((data / "scenarios" / "FR.yaml").read_text())["meta"]["example"] is False


# ------------------------------------------------------------------------------------------------ end to end

@pytest.mark.slow
def test_a_new_market_renders_every_chapter(tmp_path):
    env = {**os.environ, "CROSSBORDER_HOME": str(tmp_path / "home"), "CROSSBORDER_REPORTS": str(tmp_path / "reports"),
           "PYTHONPATH": str(ROOT / "lib")}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "crossborder.cli", *args], capture_output=True, text=True,
                              env=env, timeout=1200)

    added = cli("market", "new", "FR", "--from", "DE")
    assert added.returncode == 0, added.stderr
    assert "Verify these facts" in added.stdout
    assert "FR  France" in cli("markets").stdout
    proc = cli("report", "FR", "--lang", "en", "--as-of", AS_OF.isoformat())
    assert proc.returncode == 0, proc.stderr[-3000:]
    pdf = tmp_path / "reports" / "FR" / "FR-en.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    for nb in registry.chapters():
        assert (tmp_path / "reports" / "FR" / "executed-en" / nb.notebook).exists()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "France" in text
    assert "example scenario" not in text.lower()


def test_a_market_with_duties_but_no_vat_gets_the_source_vat_marked(tmp_path, monkeypatch):
    """A candidate market of chapter 01 (duties only, e.g. IT) gets the source's import VAT, marked unverified."""
    monkeypatch.setenv("CROSSBORDER_HOME", str(tmp_path))
    from crossborder.core import facts
    from crossborder.scenario import new_market

    assert facts.has_market("IT") and not facts.market("IT").import_vat
    new_market.write(new_market.plan("IT", "DE"))
    vat = facts.import_vat("IT", date(2026, 11, 29))
    assert vat.rate == 0.19 and not vat.verified and vat.source.startswith("copy of DE, not checked for IT")
    assert facts.duty("IT", "TW", date(2026, 11, 29)).mfn.rate == 0.037   # its own duties kept
