"""Configuration snapshots written set-wise, inside ``write_batch``'s transaction.

One statement does what a loop of two queries per resource did: the last record per (resource, valid_from)
wins; a ``keep_unstated`` record takes the fields it leaves out from the configuration stored for that
resource at that time; and a snapshot equal to the one in effect just before it (stored, or earlier in the
same batch) is not stored again, so rewriting the same history changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from common.metrics import CONFIG_FIELDS
from common.timeutil import naive_utc
from store.batch import ConfigRecord
from store.temp_tables import temp_table

FIELDS = list(CONFIG_FIELDS)


def configs_columns(configs: Sequence[ConfigRecord]) -> dict[str, tuple[str, list[Any]]]:
    """The records as columns (DuckDB type, values; ``store.temp_tables``): one per configuration field, plus
    their order in the batch."""
    columns: dict[str, tuple[str, list[Any]]] = {
        "resource_id": ("VARCHAR", [c.resource_id for c in configs]),
        "valid_from": ("TIMESTAMP", [naive_utc(c.valid_from) for c in configs]),
    }
    for name, kind in CONFIG_FIELDS.items():
        values = [c.values.get(name) for c in configs]
        if kind == "INTEGER":
            columns[name] = ("BIGINT", [int(v) if v is not None else None for v in values])
        elif kind == "DOUBLE":
            columns[name] = ("DOUBLE", [float(v) if v is not None else None for v in values])
        else:
            columns[name] = ("VARCHAR", values)
    columns["assumed"] = ("VARCHAR", [",".join(sorted(c.assumed)) or None for c in configs])
    columns["source"] = ("VARCHAR", [c.source for c in configs])
    columns["keep_unstated"] = ("BOOLEAN", [c.keep_unstated for c in configs])
    columns["ord"] = ("BIGINT", list(range(len(configs))))
    return columns


def _body(alias: str) -> str:
    """Every field and ``assumed`` of one snapshot as a struct, compared as a whole (NULLs equal)."""
    return "struct_pack(" + ", ".join(f"{f} := {alias}.{f}" for f in [*FIELDS, "assumed"]) + ")"


def write_configs(con: duckdb.DuckDBPyConnection, configs: Sequence[ConfigRecord]) -> int:
    """Insert the snapshots that differ from the one in effect before them; returns how many were stored."""
    if not configs:
        return 0
    temp_table(con, "incoming_configs", configs_columns(configs))
    filled = ", ".join(f"CASE WHEN b.keep_unstated THEN coalesce(b.{f}, s.{f}) ELSE b.{f} END AS {f}" for f in FIELDS)
    fields = ", ".join(FIELDS)
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE config_changes AS
            WITH batch AS (
                SELECT * FROM incoming_configs
                QUALIFY row_number() OVER (PARTITION BY resource_id, valid_from ORDER BY ord DESC) = 1
            ),
            filled AS (
                SELECT b.resource_id, b.valid_from, {filled}, b.assumed, b.source
                FROM batch b ASOF LEFT JOIN resource_config s
                  ON b.resource_id = s.resource_id AND b.valid_from >= s.valid_from
            ),
            timeline AS (
                SELECT resource_id, valid_from, {fields}, assumed, source, 0 AS new
                FROM resource_config WHERE resource_id IN (SELECT resource_id FROM filled)
                UNION ALL
                SELECT resource_id, valid_from, {fields}, assumed, source, 1 AS new FROM filled
            ),
            compared AS (
                SELECT *, {_body("t")} AS body,
                       lag({_body("t")}) OVER (PARTITION BY resource_id ORDER BY valid_from, new) AS before
                FROM timeline t
            )
            SELECT resource_id, valid_from, {fields}, assumed, source FROM compared
            WHERE new = 1 AND body IS DISTINCT FROM before
            """  # noqa: S608 - column names from the catalog
        )
        con.execute(
            f"INSERT OR REPLACE INTO resource_config (resource_id, valid_from, {fields}, assumed, source) "  # noqa: S608
            f"SELECT resource_id, valid_from, {fields}, assumed, source FROM config_changes"
        )
        return int(con.execute("SELECT count(*) FROM config_changes").fetchall()[0][0])
    finally:
        con.execute("DROP TABLE IF EXISTS incoming_configs")
