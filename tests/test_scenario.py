from datetime import date
from pathlib import Path

import pytest
import yaml

from crossborder import scenario
from crossborder.core import facts
from crossborder.core.errors import InputError
from crossborder.core.paths import SCENARIO_DIR

EXAMPLES = ["DE", "IN", "JP", "MX", "US", "VN"]


def test_examples_load_and_differ_where_it_matters():
    assert scenario.example_markets() == EXAMPLES
    loaded = {c: scenario.load(c) for c in EXAMPLES}
    m = {c: s.market for c, s in loaded.items()}
    assert len({x.currency for x in m.values()}) == 6
    assert {x.customs_value_basis for x in m.values()} == {"CIF", "FOB"}
    assert m["US"].customs_value_basis == "FOB" and m["DE"].customs_value_basis == "CIF"
    vat = {c: facts.import_vat(c, date(2026, 11, 29)) for c in EXAMPLES}   # import VAT: the dated fact store
    assert vat["US"].rate == 0 and not vat["US"].b2b_recoverable
    assert len({x.rate for x in vat.values()}) >= 4
    assert len({x.languages[0] for x in m.values()}) >= 4
    assert "CPTPP" in m["JP"].trade_agreements and not any("CPTPP" in a for a in m["IN"].trade_agreements)
    for x in m.values():  # legal facts carry a source and an as-of date
        assert x.agreements_source and isinstance(x.agreements_as_of, date)


def _overlay(home: Path, code: str, text: str) -> Path:
    path = home / "scenarios" / f"{code}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, expected", [
    ("market:\n  colour: red\n", ["DE.yaml", "market.colour", "unknown key", "currency"]),
    ("market:\n  import_vat: {rate: 1.9}\n", ["market.import_vat", "unknown key"]),   # a dated fact now
    ("market:\n  currency: EURO\n", ["market.currency", "ISO 4217", "EURO"]),
    ("market:\n  customs_value_basis: DAP\n", ["market.customs_value_basis", "'CIF' or 'FOB'", "DAP"]),
    ("exporter:\n  origin_plants: []\n", ["exporter.origin_plants", "at least 1"]),
    ("nonsense: 1\n", ["key 'nonsense'", "unknown section", "market"]),
    ("market: [1, 2\n", ["DE.yaml", "line", "valid YAML"]),
    ("market:\n  code: JP\n", ["market.code", "expected DE", "JP"]),
])
def test_bad_overlay_names_file_key_expected_and_found(user_folder, text, expected):
    _overlay(user_folder, "DE", text)
    with pytest.raises(InputError) as err:
        scenario.load("DE")
    for part in expected:
        assert part in str(err.value)


def test_error_names_the_layer_that_set_the_key(user_folder):
    _overlay(user_folder, "DE", "market:\n  import_vat: {rate: -1}\n")
    with pytest.raises(InputError, match=str(user_folder / "scenarios" / "DE.yaml").replace(".", r"\.")):
        scenario.load("DE")


@pytest.mark.parametrize("code, expected", [
    ("XX1", "two-letter"), ("../etc", "two-letter"), ("DE/x", "two-letter"), ("", "two-letter"),
    ("ZZ", "not an ISO 3166-1"), ("FR", "no scenario for market FR"), (None, "two-letter"),
])
def test_bad_market_codes(code, expected):
    with pytest.raises(InputError, match=expected):
        scenario.check_market(code)


def test_lowercase_code_is_normalised():
    assert scenario.load("de").code == "DE"


def test_overlay_is_layered_over_shipped_values(user_folder):
    _overlay(user_folder, "JP", "exporter:\n  origin_plants: [VN]\n  origin: VN\n")
    s = scenario.load("JP")
    assert s.exporter.origin_plants == ["VN"]
    assert s.exporter.hs_code == "8483.40"  # from the shared defaults
    assert s.has_user_overlay


def test_user_added_market(user_folder):
    base = yaml.safe_load((SCENARIO_DIR / "DE.yaml").read_text(encoding="utf-8"))
    base["market"]["code"] = "AT"
    _overlay(user_folder, "AT", yaml.safe_dump(base, allow_unicode=True))
    assert "AT" in scenario.available_markets()
    assert scenario.load("AT").market.currency == "EUR"


def test_save_overlay_validates_then_writes_atomically(user_folder):
    shipped = {p: p.read_bytes() for p in SCENARIO_DIR.glob("*.yaml")}
    path = scenario.save_sections("DE", {"exporter": {"origin_plants": ["VN"], "origin": "VN"}})
    assert path == user_folder / "scenarios" / "DE.yaml"
    assert scenario.load("DE").exporter.origin_plants == ["VN"]
    before = path.read_bytes()
    with pytest.raises(InputError, match="exporter.origin_plants"):
        scenario.save_overlay("DE", "exporter", {"origin_plants": ["XX"]})
    assert path.read_bytes() == before  # a rejected save changes nothing
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert {p: p.read_bytes() for p in SCENARIO_DIR.glob("*.yaml")} == shipped  # shipped data untouched


def test_save_overlay_rejects_unknown_section():
    with pytest.raises(InputError, match="section"):
        scenario.save_overlay("DE", "nope", {})


def test_missing_defaults_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr(scenario, "SCENARIO_DIR", tmp_path)
    (tmp_path / "DE.yaml").write_text("market: {}\n")
    with pytest.raises(InputError, match="defaults.yaml: scenario file not found"):
        scenario.load("DE")


def test_save_sections_writes_several_sections_in_one_validated_write(user_folder):
    path = scenario.save_sections("JP", {"exporter": {"origin_plants": ["VN"], "origin": "VN"}, "rates": {"pairs": {"TWD/JPY": {"volatility_annual": 0.11}}}})
    s = scenario.load("JP")
    assert s.exporter.origin_plants == ["VN"] and s.rates.pairs["TWD/JPY"].volatility_annual == 0.11
    before = path.read_bytes()
    with pytest.raises(InputError, match="rates.pairs.TWD/JPY.volatility_annual"):
        scenario.save_sections("JP", {"exporter": {"origin_plants": ["TW"]}, "rates": {"pairs": {"TWD/JPY": {"volatility_annual": -1}}}})
    assert path.read_bytes() == before  # neither section was written


def test_sections_are_checked_against_each_other(user_folder):
    """The market's one origin must be one of the exporter's plants."""
    with pytest.raises(InputError, match=r"exporter.*origin: expected one of the origin plants \(VN\), found 'TW'"):
        scenario.save_overlay("JP", "exporter", {"origin_plants": ["VN"]})   # JP is supplied from TW
    assert not (user_folder / "scenarios" / "JP.yaml").exists()


def test_overlay_changes_list_every_key_the_user_changed(user_folder):
    assert scenario.overlay_changes(scenario.load("DE")) == []
    scenario.save_sections("DE", {"pricing": {"stress": {"fx_shift": 0.1}}, "exporter": {"origin_plants": ["TW", "VN", "JP"]}})
    changes = {c.key: (c.shipped, c.used) for c in scenario.overlay_changes(scenario.load("DE"))}
    assert changes == {"pricing.stress.fx_shift": (0.0, 0.1), "exporter.origin_plants": (["TW", "VN"], ["TW", "VN", "JP"])}
