"""Every test runs with its own empty user folder and reports folder: shipped data is never touched."""

import pytest


@pytest.fixture(autouse=True)
def user_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CROSSBORDER_HOME", str(home))
    monkeypatch.setenv("CROSSBORDER_REPORTS", str(tmp_path / "reports"))
    return home
