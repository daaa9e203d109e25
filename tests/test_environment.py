"""pyproject.toml and environment.yml list the same packages; the front door files exist."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PYPI = {"python-kaleido": "kaleido"}  # conda-forge names that differ from PyPI's


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]} | {_name(r) for r in project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(p) for p in dep["pip"] if not p.startswith("-e")}
        else:
            listed.add(CONDA_TO_PYPI.get(_name(dep), _name(dep)))
    listed -= {"python", "pip"}
    assert listed == wanted, f"only in environment.yml: {listed - wanted}; only in pyproject: {wanted - listed}"


def test_front_door():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup:", "report:", "test:"):
        assert target in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make setup" in ci and "make test" in ci
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme


def _lab_line(env: dict) -> str:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(["make", "-n", "-C", str(root), "lab"], capture_output=True, text=True, env=env, timeout=60)
    return next(line for line in out.stdout.splitlines() if "jupyter lab" in line)


def test_make_lab_allows_root_only_for_root(tmp_path):
    """JupyterLab refuses root without --allow-root: ``make lab`` adds it for root (containers, classroom
    servers), and not for a normal user."""
    import os
    import stat

    fake = tmp_path / "bin"
    fake.mkdir()
    for uid in ("0", "1000"):
        (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
        (fake / "id").chmod(stat.S_IRWXU)
        line = _lab_line({**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"})
        assert ("--allow-root" in line) == (uid == "0"), line
