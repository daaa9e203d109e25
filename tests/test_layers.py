"""The house: chapters side by side over one core, checked on the import graph; small modules; one registry."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from crossborder.core import registry
from crossborder.core.paths import NOTEBOOKS_DIR, PROJ_ROOT

LIB = PROJ_ROOT / "lib" / "crossborder"


def test_import_contracts_hold():
    """import-linter's contracts in pyproject.toml: chapters independent, layers, report/workshop off chapters."""
    exe = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(exe), "--config", str(PROJ_ROOT / "pyproject.toml")], cwd=PROJ_ROOT,
                          capture_output=True, text=True, env={"PYTHONPATH": str(PROJ_ROOT / "lib"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_scenario_load_imports_no_chapter_code():
    code = ("import sys; from crossborder import scenario; scenario.load('DE'); "
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('plotly', 'ipywidgets', 'nbconvert', 'scipy')]; "
            "chapters = [m for m in sys.modules if m.startswith('crossborder.chapters.') and not m.endswith('.section')"
            " and m.count('.') > 2]; print(heavy, chapters)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] []", out


def test_no_module_over_600_lines():
    big = {str(p.relative_to(LIB)): n for p in LIB.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not big, big


def test_every_registered_chapter_has_its_notebook_package_and_strings():
    for c in registry.chapters():
        assert (NOTEBOOKS_DIR / c.notebook).exists(), c.id
        assert (LIB / "chapters" / c.package / "__init__.py").exists(), c.package
        assert (LIB / "chapters" / c.package / "strings.yaml").exists(), c.package
        if c.model:
            assert (LIB / "chapters" / c.package / "section.py").exists(), c.package
    ids = {p.stem for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
    assert ids == set(registry.ids())


def test_only_the_registry_spells_a_chapter_id():
    pattern = re.compile(r"\b\d\d_(?:" + "|".join(re.escape(i[3:]) for i in registry.ids()) + r")\b")
    offenders = [str(p.relative_to(LIB)) for p in LIB.rglob("*.py")
                 if p.name != "registry.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_readme_chapter_table_lists_every_registered_chapter():
    text = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `(\d\d_[a-z_0-9]+)` \|", text, flags=re.M)
    assert listed == registry.ids()
