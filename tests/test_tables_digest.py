"""The tests' digest of a database (``tests.conftest.tables_digest``), which "nothing was written" checks
compare: any changed, added or removed row changes it, the rows' order does not."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.conftest import tables_digest


def test_a_changed_added_or_removed_row_changes_the_digest(demo_db: Path) -> None:
    tables = ("metrics", "resources")
    before = tables_digest(demo_db, tables)
    assert before == tables_digest(demo_db, tables)
    edits = [
        "UPDATE metrics SET value = value + 1e-9 WHERE rowid = (SELECT min(rowid) FROM metrics)",
        "INSERT INTO metrics SELECT * FROM metrics WHERE rowid = (SELECT min(rowid) FROM metrics)",  # a duplicate
        "DELETE FROM metrics WHERE rowid = (SELECT min(rowid) + 10 FROM metrics)",
    ]
    seen = {before}
    for edit in edits:
        with duckdb.connect(str(demo_db)) as con:
            con.execute(edit)
        after = tables_digest(demo_db, tables)
        assert after not in seen, edit
        seen.add(after)


def test_the_rows_order_does_not_change_the_digest(demo_db: Path) -> None:
    before = tables_digest(demo_db, ("uploads", "resources"))
    with duckdb.connect(str(demo_db)) as con:
        for table in ("uploads", "resources"):
            con.execute(f"CREATE TEMP TABLE held AS SELECT * FROM {table} ORDER BY ALL DESC")
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM held")
            con.execute("DROP TABLE held")
            first = con.execute(f"SELECT * FROM {table} LIMIT 1").fetchone()
            assert first == con.execute(f"SELECT * FROM {table} ORDER BY ALL DESC LIMIT 1").fetchone()
    assert tables_digest(demo_db, ("uploads", "resources")) == before
