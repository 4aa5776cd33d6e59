"""Endpoint snapshots: what each collector run saw of an always-on endpoint (status, running instances).

Instance-hours between two runs cannot be read back from the provider later (SageMaker keeps no
history of instance counts), so every run records one row per endpoint it observed, plus an
``Absent`` row when an endpoint it saw before is gone. ``collectors`` turns this history into the
``instances_avg`` metric. Rows are keyed by (resource_id, observed_at), so rewriting a run is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from common.timeutil import naive_utc
from store.db import connect
from store.errors import StoreSchemaError

ABSENT = "Absent"  # status of an endpoint a successful listing no longer shows


@dataclass(frozen=True)
class EndpointSnapshot:
    resource_id: str
    observed_at: datetime  # naive UTC
    status: str  # the provider's status (InService, Updating, ...) or ABSENT
    instance_count: int | None  # running instances over all variants; None when not instance-based
    created_at: datetime | None
    last_modified_at: datetime | None
    source: str


def write_snapshots(con: duckdb.DuckDBPyConnection, snapshots: list[EndpointSnapshot]) -> int:
    """Upsert snapshots inside the caller's transaction (``write_batch`` calls this)."""
    if not snapshots:
        return 0
    con.executemany(
        """
        INSERT INTO endpoint_snapshots VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (resource_id, observed_at) DO UPDATE SET
            status = excluded.status, instance_count = excluded.instance_count,
            created_at = excluded.created_at, last_modified_at = excluded.last_modified_at,
            source = excluded.source
        """,
        [
            (
                s.resource_id,
                naive_utc(s.observed_at),
                s.status,
                s.instance_count,
                naive_utc(s.created_at) if s.created_at else None,
                naive_utc(s.last_modified_at) if s.last_modified_at else None,
                s.source,
            )
            for s in snapshots
        ],
    )
    return len(snapshots)


def _rows_to_snapshots(rows: list[tuple]) -> list[EndpointSnapshot]:
    return [EndpointSnapshot(*row) for row in rows]


def read_snapshots(path: Path, resource_id_prefix: str, since: datetime | None = None) -> list[EndpointSnapshot]:
    """Snapshots of resources whose id starts with ``resource_id_prefix`` (e.g. one account and region).

    Returns the rows observed at or after ``since`` plus, per resource, the last row before it (the
    state in effect when the window opens). An absent or not-yet-migrated database has no snapshots.
    """
    path = Path(path)
    if not path.exists():
        return []
    since = since or datetime(1970, 1, 1)
    sql = """
        SELECT resource_id, observed_at, status, instance_count, created_at, last_modified_at, source
        FROM endpoint_snapshots
        WHERE starts_with(resource_id, ?) AND observed_at >= ?
        UNION ALL
        SELECT resource_id, observed_at, status, instance_count, created_at, last_modified_at, source
        FROM endpoint_snapshots
        WHERE starts_with(resource_id, ?) AND observed_at < ?
        QUALIFY row_number() OVER (PARTITION BY resource_id ORDER BY observed_at DESC) = 1
        ORDER BY resource_id, observed_at
    """
    try:
        with connect(path, read_only=True) as con:
            rows = con.execute(sql, [resource_id_prefix, since, resource_id_prefix, since]).fetchall()
    except StoreSchemaError:
        return []
    return _rows_to_snapshots(rows)
