"""Metric rows staged in a scratch DuckDB file, checked by the store there and attached by the write.

A long CSV of tens of millions of rows held as one Arrow table cost ~75 bytes a row in memory before the store
saw any of it (5.9 GB at 50 M rows). Staged instead as a table in a scratch database file in the temporary
folder (as ``importers.billing`` stages a large bill), the rows are stored compressed in blocks DuckDB's buffer
manager can drop and read back, so memory stays bounded whatever the file's length: the stage, the store's
check and the write each run with a memory limit (``MEMORY_LIMIT``) and spill past it.

The store still trusts no writer: ``check_batch`` runs the same rules on the staged rows as on an Arrow table
(``store.checks``), in SQL over the scratch file, and writes their slots (the read model's input) beside them;
what it found is a :class:`CheckedRows`, which only this module's :func:`check_staged` makes. The write refuses
a scratch file that changed after the check (its size and modification time are kept), attaches it read-only
and inserts from it in its own transaction.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from store import read_model
from store.errors import BatchError

if TYPE_CHECKING:
    import pyarrow as pa

# What each DuckDB of an import (the stage's, the check's, the write's while it holds staged rows) may hold in
# memory before it spills to disk: the bare ``read_csv`` of a 50-million-row file peaks near 0.74 GB with
# DuckDB's own default (80 % of the machine), and the pivot of its slots and the read model's refresh grew
# with the file without a limit (1.96 GB at 50 M rows, measured).
MEMORY_LIMIT = "768MB"
ATTACHED = "incoming_db"  # the scratch file's name inside the write's connection
_SOURCE_VARIABLE = "incoming_source"
_LIMIT_VARIABLE = "memory_limit_before_import"


class ScratchFolder:
    """A private folder in the temporary folder, removed when the last object referring to it is collected
    (an Upload page's preview may be written minutes after it was read) or when the process ends."""

    def __init__(self, prefix: str = "breakeven-stage-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self._remove = weakref.finalize(self, shutil.rmtree, self.path, True)

    def remove(self) -> None:
        self._remove()


def scratch_connection(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to a scratch database file, bounded in memory and spilling beside it, in UTC."""
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET temp_directory = ?", [str(path.parent / "spill")])
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


@dataclass(frozen=True, eq=False)
class StagedRows:
    """Metric rows in ``relation`` (a table or view with resource_id, metric, period_start, period_s, value) of
    the scratch database ``path``; ``source`` is every row's source (given by the importer once it is known)."""

    folder: ScratchFolder
    path: Path
    relation: str
    num_rows: int
    source: str | None = None

    def with_source(self, source: str) -> StagedRows:
        return replace(self, source=source)

    def _read(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """A query's result, read-only: a preview must not change the file the store checked."""
        con = scratch_connection(self.path, read_only=True)
        try:
            return con.sql(sql, params=params).to_arrow_table()
        finally:
            con.close()

    def head(self, limit: int) -> pa.Table:
        """The first ``limit`` rows in the file's order (the metric as text)."""
        sql = (
            "SELECT resource_id, metric::VARCHAR AS metric, period_start, period_s, value "  # noqa: S608
            f"FROM {self.relation} LIMIT ?"
        )
        return self._read(sql, [limit])

    def rows_per_metric(self) -> dict[str, int]:
        table = self._read(f"SELECT metric::VARCHAR AS m, count(*) AS n FROM {self.relation} GROUP BY 1 ORDER BY 1")  # noqa: S608
        return dict(zip(table["m"].to_pylist(), table["n"].to_pylist(), strict=True))


@dataclass(frozen=True, eq=False)
class CheckedRows:
    """Staged rows that passed the store's checks: ``rows`` (the relation, or its exact repeats dropped) and
    their ``slots`` (``read_model.pivot_sql``), both in the scratch file as it was when checked."""

    staged: StagedRows
    rows: str
    slots: str
    num_rows: int
    stamp: tuple[int, int]


def _stamp(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns


def check_staged(staged: StagedRows, now: datetime | None, check: Any) -> tuple[CheckedRows | None, Any]:
    """The store's checks of ``staged`` (``check(con, rows)`` from ``store.checks`` runs them over a view
    ``incoming`` of the rows with their source); returns the checked rows and the facts, or (None, None)."""
    if not staged.source:
        raise BatchError("a metric row has no source")
    if not staged.num_rows:
        return None, None
    con = scratch_connection(staged.path)
    try:
        con.execute(f"SET VARIABLE {_SOURCE_VARIABLE} = ?", [staged.source])
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT resource_id, metric, period_start, period_s, value, "  # noqa: S608
            f"getvariable('{_SOURCE_VARIABLE}') AS source FROM {staged.relation}"
        )
        rows, facts = check(con, staged.relation)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if facts is None:
        return None, None
    return CheckedRows(staged, rows, "store_slots", facts.rows, _stamp(staged.path)), facts


def dedupe_staged(con: duckdb.DuckDBPyConnection, relation: str, metrics: list[str], rows: int) -> tuple[str, bool]:
    """Write the slots of view ``incoming`` into table ``store_slots``; returns the relation of the rows and
    whether exact repeats were dropped (into table ``store_rows``). Two different values for one key are left
    for the caller to name (``store.checks``): this returns ``("", True)`` then."""
    pivot = read_model.pivot_sql("incoming", metrics)
    con.execute(f"CREATE OR REPLACE TABLE store_slots AS {pivot}")
    cells = " + ".join(f'count("{m}")' for m in metrics) or "0"
    filled = con.execute(f"SELECT {cells} FROM store_slots").fetchall()[0][0]  # noqa: S608 - catalog names
    if filled == rows:
        return relation, False
    conflict = con.execute(
        "SELECT 1 FROM incoming GROUP BY resource_id, metric, period_start, period_s "
        "HAVING count(DISTINCT value) > 1 LIMIT 1"
    ).fetchall()
    if conflict:
        return "", True
    con.execute(
        "CREATE OR REPLACE TABLE store_rows AS SELECT DISTINCT ON (resource_id, metric, period_s, period_start) "  # noqa: S608
        f"resource_id, metric, period_start, period_s, value FROM {relation}"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW incoming AS SELECT resource_id, metric, period_start, period_s, value, "  # noqa: S608
        f"getvariable('{_SOURCE_VARIABLE}') AS source FROM store_rows"
    )
    con.execute(f"CREATE OR REPLACE TABLE store_slots AS {pivot}")
    return "store_rows", True


def attach(con: duckdb.DuckDBPyConnection, checked: CheckedRows) -> None:
    """Attach the checked scratch file read-only to the write's connection, with views ``incoming_metrics`` (the
    rows and their source) and ``incoming_slots``; refuses a file changed since its check."""
    if _stamp(checked.staged.path) != checked.stamp:
        raise BatchError("the staged rows changed after the store checked them; import the file again")
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET VARIABLE {_LIMIT_VARIABLE} = ?", [before])  # the database's own setting: ``detach`` restores it
    con.execute("ATTACH ? AS " + ATTACHED + " (READ_ONLY)", [str(checked.staged.path)])
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET VARIABLE {_SOURCE_VARIABLE} = ?", [checked.staged.source])
    con.execute(
        "CREATE OR REPLACE TEMP VIEW incoming_metrics AS SELECT resource_id, metric, period_start, period_s, "  # noqa: S608
        f"value, getvariable('{_SOURCE_VARIABLE}') AS source FROM {ATTACHED}.{checked.rows}"
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW incoming_slots AS SELECT * FROM {ATTACHED}.{checked.slots}")  # noqa: S608


def detach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP VIEW IF EXISTS incoming_metrics")
    con.execute("DROP VIEW IF EXISTS incoming_slots")
    con.execute("DETACH DATABASE IF EXISTS " + ATTACHED)
    before = con.execute(f"SELECT getvariable('{_LIMIT_VARIABLE}')").fetchall()[0][0]
    if before:
        con.execute("SET memory_limit = ?", [before])
