"""Notebooks are committed clean and follow the chapter shape (see CONTRIBUTING.md)."""

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REQUIRED = {"market": "str", "lang": "str", "as_of": "str", "interactive": "bool"}


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_overview.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_typed_literals_with_comments(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: expected one cell tagged 'parameters'"
    tree = ast.parse(cells[0].source)
    found = {}
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), f"{path.name}: parameters must be annotated assignments"
        assert isinstance(node.value, ast.Constant), f"{path.name}: {ast.unparse(node)} is not a literal"
        found[node.target.id] = ast.unparse(node.annotation)
    for line in cells[0].source.strip().splitlines():
        assert "#" in line, f"{path.name}: parameter without a comment: {line}"
    for name, typ in REQUIRED.items():
        assert found.get(name) == typ, f"{path.name}: missing parameter {name}: {typ}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_bilingual_narrative(path):
    nb = nbformat.read(path, as_version=4)
    tagged = {lang: [c for c in nb.cells if c.cell_type == "markdown" and f"lang-{lang}" in c.metadata.get("tags", [])]
              for lang in ("zh-TW", "en")}
    assert tagged["zh-TW"] and tagged["en"], f"{path.name}: narrative needs both languages"
    assert len(tagged["zh-TW"]) == len(tagged["en"]), f"{path.name}: zh-TW and en narrative cells should pair up"
    for lang, cells in tagged.items():
        assert cells[0].source.lstrip().startswith("# "), f"{path.name}: first {lang} cell must hold the chapter title"
    assert "headline(" in "".join(c.source for c in nb.cells if c.cell_type == "code"), f"{path.name}: no headline"
