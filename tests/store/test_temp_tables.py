"""A write's small inputs as list parameters (``store.temp_tables``): the rows come back as given, types and
NULLs included, and an import of a long CSV at the command line never imports pandas."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from store.temp_tables import arrow_temp_table, temp_table

ROOT = Path(__file__).resolve().parents[2]


def test_temp_table_holds_the_values_and_types_given() -> None:
    con = duckdb.connect()
    temp_table(
        con,
        "t",
        {
            "rid": ("VARCHAR", ["a", "b"]),
            "at": ("TIMESTAMP", [datetime(2026, 1, 1, 0, 5), None]),
            "n": ("BIGINT", [None, 7]),
            "sources": ("VARCHAR[]", [["x", "y"], []]),
            "keep": ("BOOLEAN", [True, False]),
        },
    )
    assert con.execute("SELECT column_name, column_type FROM (DESCRIBE t)").fetchall() == [
        ("rid", "VARCHAR"),
        ("at", "TIMESTAMP"),
        ("n", "BIGINT"),
        ("sources", "VARCHAR[]"),
        ("keep", "BOOLEAN"),
    ]
    assert con.execute("FROM t ORDER BY rid").fetchall() == [
        ("a", datetime(2026, 1, 1, 0, 5), None, ["x", "y"], True),
        ("b", None, 7, [], False),
    ]


def test_an_empty_temp_table_keeps_its_types() -> None:
    con = duckdb.connect()
    temp_table(con, "e", {"rid": ("VARCHAR", []), "at": ("TIMESTAMP", [])})
    assert con.execute("SELECT count(*) FROM e").fetchall() == [(0,)]
    assert [r[1] for r in con.execute("DESCRIBE e").fetchall()] == ["VARCHAR", "TIMESTAMP"]


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        temp_table(duckdb.connect(), "bad", {"a": ("VARCHAR", ["x"]), "b": ("BIGINT", [])})


def test_an_arrow_table_of_spans_comes_back_row_for_row() -> None:
    con = duckdb.connect()
    spans = con.sql(
        "SELECT 'lambda:1:r:f' AS resource_id, TIMESTAMP '2026-01-01' AS first, 60::INTEGER AS finest_s, "
        "['upload'] AS sources"
    ).to_arrow_table()
    arrow_temp_table(con, "s", spans)
    assert con.execute("FROM s").fetchall() == [("lambda:1:r:f", datetime(2026, 1, 1), 60, ["upload"])]


def test_an_import_of_a_long_csv_does_not_import_pandas(tmp_path: Path) -> None:
    csv = tmp_path / "m.csv"
    csv.write_text(
        "timestamp,service,resource,metric,value,period_s,memory_mb\n"
        "2026-01-01T00:00:00Z,lambda,fn-a,invocations,3,60,256\n"
        "2026-01-01T00:01:00Z,lambda,fn-a,invocations,5,60,256\n"
    )
    db = tmp_path / "b.duckdb"
    script = (
        "import sys, duckdb; from pathlib import Path\n"
        "from importers import ImportOptions, InputFile, import_files\n"
        f"import_files(Path({str(db)!r}), [InputFile.from_path(Path({str(csv)!r}))], ImportOptions())\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT resource_id, value FROM metrics ORDER BY period_start").fetchall() == [
        ("lambda:::fn-a", 3.0),
        ("lambda:::fn-a", 5.0),
    ]
    memory = con.execute("SELECT memory_mb FROM resource_config").fetchall()
    assert memory == [(256,)]
