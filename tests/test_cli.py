"""Bad input to the report command exits 2 with one clear line and writes nothing."""

import os
import subprocess
import sys

import pytest


def run(tmp_path, *args):
    env = {**os.environ, "CROSSBORDER_HOME": str(tmp_path / "home"), "CROSSBORDER_REPORTS": str(tmp_path / "reports")}
    return subprocess.run([sys.executable, "-m", "crossborder.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.mark.parametrize("args, expected", [
    (["report", "XX1"], "two-letter ISO 3166-1 market code"),
    (["report", "../DE"], "found '../DE'"),
    (["report", "reports/DE"], "found 'reports/DE'"),
    (["report", "ZZ"], "not an ISO 3166-1"),
    (["report", "FR"], "no scenario for market FR"),
    (["report", "DE", "--lang", "fr"], "--lang: expected one of zh-TW, en, found 'fr'"),
    (["report", "DE", "--as-of", "29.11.2026"], "--as-of: expected a date YYYY-MM-DD"),
    (["report", "DE", "--jobs", "two"], "invalid int value"),
    (["report", "DE", "--only", "77"], "--only: unknown chapter '77'"),
    (["report", "DE", "--only", ""], "--only: expected chapter numbers"),
    (["report", "DE", "--as-of", "9999-12-31"], "--as-of: expected a date from"),
    (["bogus"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, expected):
    proc = run(tmp_path, *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], proc.stderr
    assert not (tmp_path / "reports").exists()


def test_invalid_scenario_exits_2_naming_file_and_key(tmp_path):
    overlay = tmp_path / "home" / "scenarios" / "DE.yaml"
    overlay.parent.mkdir(parents=True)
    overlay.write_text("market:\n  import_vat: {rate: 2}\n  colour: red\n")
    proc = run(tmp_path, "report", "DE")
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert len(line.splitlines()) == 1 and "DE.yaml" in line and "market." in line and "1 more problem" in line
    assert not (tmp_path / "reports").exists()


def test_markets_lists_examples(tmp_path):
    proc = run(tmp_path, "markets")
    assert proc.returncode == 0
    assert "DE  Germany / 德國" in proc.stdout and len(proc.stdout.splitlines()) == 6
