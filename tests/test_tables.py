import pytest

from crossborder.core.errors import InputError
from crossborder.core.tables import Column, read_table

SPEC = {"id": Column(unique=True), "rate": Column("float", min=0, max=1), "n": Column("int", min=0),
        "day": Column("date"), "kind": Column("choice", choices=("a", "b")), "flag": Column("bool", required=False)}


def _csv(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_and_converts(tmp_path):
    df = read_table(_csv(tmp_path, "id,rate,n,day,kind,flag\nx,0.5,3,2026-01-02,a,yes\ny,1,0,2026-02-03,b,\n"), SPEC, key="id")
    assert df["rate"].tolist() == [0.5, 1.0]
    assert df["n"].dtype.kind == "i"
    assert df["flag"].tolist()[0] is True or df["flag"].tolist()[0] == True  # noqa: E712
    assert str(df["day"].iloc[1].date()) == "2026-02-03"


@pytest.mark.parametrize("row, expected", [
    ("z,1.5,1,2026-01-01,a,", "line 2 (id 'z'), column 'rate': expected a number from 0 to 1, found '1.5'"),
    ("z,0.1,-1,2026-01-01,a,", "column 'n': expected a whole number >= 0, found '-1'"),
    ("z,0.1,1.5,2026-01-01,a,", "column 'n': expected a whole number >= 0, found '1.5'"),
    ("z,0.1,1,01/02/2026,a,", "column 'day': expected a date YYYY-MM-DD, found '01/02/2026'"),
    ("z,0.1,1,2026-01-01,c,", "column 'kind': expected one of a, b, found 'c'"),
    ("z,,1,2026-01-01,a,", "column 'rate': expected a number from 0 to 1, found an empty cell"),
    ("z,0.1,1,2026-01-01,a,maybe", "column 'flag': expected true or false, found 'maybe'"),
])
def test_bad_cells_are_named(tmp_path, row, expected):
    with pytest.raises(InputError) as err:
        read_table(_csv(tmp_path, "id,rate,n,day,kind,flag\n" + row + "\n"), SPEC, key="id")
    assert expected in str(err.value)
    assert "t.csv" in str(err.value)


def test_header_and_shape_problems(tmp_path):
    with pytest.raises(InputError, match="missing column"):
        read_table(_csv(tmp_path, "id,rate\nx,0.1\n"), SPEC)
    with pytest.raises(InputError, match="unknown column"):
        read_table(_csv(tmp_path, "id,rate,n,day,kind,flag,extra\nx,0.1,1,2026-01-01,a,,1\n"), SPEC)
    with pytest.raises(InputError, match="as many fields as the header"):
        read_table(_csv(tmp_path, "id,rate,n,day,kind,flag\nx,0.1,1,2026-01-01,a,,1,2\n"), SPEC)
    with pytest.raises(InputError, match="expected unique values, found 'x' twice"):
        read_table(_csv(tmp_path, "id,rate,n,day,kind,flag\nx,0.1,1,2026-01-01,a,\nx,0.1,1,2026-01-01,a,\n"), SPEC)
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "none.csv", SPEC)
