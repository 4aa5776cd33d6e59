"""Small builders for store tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from store.writes import Batch, ResourceRecord, metrics_frame

FN = ResourceRecord("lambda", "123456789012", "us-east-1", "scorer")


def hourly_batch(
    hours: int,
    start: datetime = datetime(2026, 1, 1),
    value: float = 10.0,
    resource: ResourceRecord = FN,
    source: str = "test",
) -> Batch:
    rows = [
        (resource.resource_id, "invocations", start + timedelta(hours=h), 3600, value + h, source) for h in range(hours)
    ]
    return Batch(resources=[resource], metrics=metrics_frame(rows))


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every data table, sorted: equal snapshots mean an unchanged database."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for table in ("resources", "resource_config", "metrics", "watermarks", "uploads", "runs"):
            out[table] = sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        return out
    finally:
        con.close()
