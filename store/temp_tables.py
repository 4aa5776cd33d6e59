"""Small tables handed to a write's connection as parameters, not as registered Python objects.

``con.register`` (and any scan of an Arrow table or DataFrame) makes DuckDB's Python module import pandas, and
``pyarrow.array`` of timestamps does too: ~0.8 s of CPU at the command line, which an import of a long CSV
otherwise never needs. The write's small inputs (a batch's resources, configuration snapshots and per-resource
spans, thousands of rows at most) go in instead as one list parameter per column, unnested into a TEMP table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa


def temp_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, tuple[str, Sequence[Any]]]) -> None:
    """``CREATE OR REPLACE TEMP TABLE name`` of ``columns`` (column name -> (DuckDB type, values)), in order.

    ``name``, the column names and their types are the caller's identifiers, never user input."""
    if len({len(values) for _, values in columns.values()}) > 1:
        raise ValueError(f"the columns of {name} differ in length")
    params = {f"c{i}": list(values) for i, (_, values) in enumerate(columns.values())}
    selects = ", ".join(f"unnest($c{i}::{kind}[]) AS {column}" for i, (column, (kind, _)) in enumerate(columns.items()))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {selects}", params)


def duck_type(arrow_type: pa.DataType) -> str:
    """The DuckDB type of an Arrow column of the kinds a batch's small tables hold."""
    import pyarrow as pa

    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return duck_type(arrow_type.value_type) + "[]"
    simple = {
        pa.string(): "VARCHAR",
        pa.large_string(): "VARCHAR",
        pa.timestamp("us"): "TIMESTAMP",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
    }
    if arrow_type not in simple:
        raise TypeError(f"no DuckDB type is mapped for Arrow's {arrow_type}")
    return simple[arrow_type]


def arrow_temp_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """``temp_table`` of a small Arrow table (one DuckDB made: its values read back without pandas)."""
    columns = {f.name: (duck_type(f.type), table.column(f.name).to_pylist()) for f in table.schema}
    temp_table(con, name, columns)
