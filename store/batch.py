"""What a writer hands the store: a plain, declarative batch (records and an Arrow table of metric rows).

Every writer (a collector run, a file import, the demo) gathers and transforms everything first and then
describes the result here; ``store.checks.check_batch`` validates it without touching any file and
``store.writes.write_batch`` writes it in one transaction. No writer holds a store connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from common.services import resource_key
from common.timeutil import naive_utc
from store.snapshots import EndpointSnapshot

if TYPE_CHECKING:  # the records are plain; Arrow (and numpy with it) loads only where rows are built
    import pandas as pd
    import pyarrow as pa

    from store.staged import StagedRows

METRIC_COLUMNS = ("resource_id", "metric", "period_start", "period_s", "value", "source")


@dataclass(frozen=True)
class ResourceRecord:
    service: str
    account: str
    region: str
    name: str
    seen_at: datetime | None = None

    @property
    def resource_id(self) -> str:
        return resource_key(self.service, self.account, self.region, self.name)


@dataclass(frozen=True)
class ConfigRecord:
    """A configuration snapshot valid from ``valid_from``.

    ``keep_unstated``: fields left out of ``values`` (or given as None) keep what is stored for the resource at
    that time, so a file that only states ``memory_mb`` does not blank an instance type a collector recorded.
    Without it the snapshot is complete, and a missing field is not set (what a collector observed).
    """

    resource_id: str
    valid_from: datetime
    values: dict[str, Any]
    source: str
    assumed: tuple[str, ...] = ()
    keep_unstated: bool = False


@dataclass(frozen=True)
class WatermarkRecord:
    source: str
    account: str
    region: str
    service: str
    collected_until: datetime


@dataclass
class RunRecord:
    run_id: str
    kind: str
    started_at: datetime
    status: str
    finished_at: datetime | None = None
    rows_written: int = 0
    rows_per_metric: dict[str, int] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    estimated_api_cost_usd: float = 0.0
    errors: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadRecord:
    """An imported file. When the same ``upload_id`` is recorded already, the first record is kept."""

    upload_id: str
    file_name: str
    sha256: str
    format: str
    rows: int
    resources: int
    imported_at: datetime


@dataclass
class Batch:
    """Everything one writer writes at once. ``metrics`` has the columns of ``METRIC_COLUMNS``."""

    resources: list[ResourceRecord] = field(default_factory=list)
    configs: list[ConfigRecord] = field(default_factory=list)
    metrics: pd.DataFrame | pa.Table | pa.RecordBatchReader | StagedRows | None = None
    watermarks: list[WatermarkRecord] = field(default_factory=list)
    run: RunRecord | None = None
    upload: UploadRecord | None = None
    snapshots: list[EndpointSnapshot] = field(default_factory=list)  # collector runs: endpoint status/instances
    replace_source: str | None = None  # drop every row this source wrote before, in the same transaction


@dataclass(frozen=True)
class WriteSummary:
    metric_rows: int
    inserted: int
    updated: int
    unchanged: int
    resources_new: int
    configs_written: int
    upload_known: bool = False  # the batch's upload was recorded before (the same content imported again)

    def as_dict(self) -> dict[str, int]:
        return {
            "metric_rows": self.metric_rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "resources_new": self.resources_new,
            "configs_written": self.configs_written,
        }


def metrics_frame(rows: Sequence[tuple[str, str, datetime, int, float, str]]) -> pa.Table:
    """Build the metrics table from (resource_id, metric, period_start, period_s, value, source) tuples."""
    import pyarrow as pa

    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in METRIC_COLUMNS]
    return pa.table(
        {
            "resource_id": pa.array(cols[0], pa.string()),
            "metric": pa.array(cols[1], pa.string()),
            "period_start": pa.array([naive_utc(t) for t in cols[2]], pa.timestamp("us")),
            "period_s": pa.array(cols[3], pa.int32()),
            "value": pa.array(cols[4], pa.float64()),
            "source": pa.array(cols[5], pa.string()),
        }
    )


def constant_column(value: str, rows: int) -> pa.DictionaryArray:
    """A text column holding one value on every row, stored once (a batch's ``source``)."""
    import numpy as np
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, np.int8)), pa.array([value], pa.string()))


LARGE_CHUNK_ROWS = 1 << 20


def in_large_chunks(table: pa.Table, rows: int = LARGE_CHUNK_ROWS) -> pa.Table:
    """``table`` with its small chunks joined into chunks of about ``rows`` (a no-op when they are large already).

    DuckDB's scan of an Arrow table takes a chunk per task; appended in chunks of ~100k rows (what a DuckDB
    result arrives in), a 5-million-row insert stays in the transaction's memory and is compressed and written
    at the checkpoint (1.5-2.2 s of CPU, measured), where chunks of a million rows are written as they are appended.
    """
    import pyarrow as pa

    chunks = table.columns[0].num_chunks if table.columns else 0
    if chunks <= 1 or table.num_rows >= chunks * rows // 2:  # one chunk, or large ones already
        return table
    if table.num_rows <= rows:
        return table.combine_chunks()
    groups, pending, count = [], [], 0
    for batch in table.to_batches():
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            groups.append(pa.Table.from_batches(pending, table.schema).combine_chunks())
            pending, count = [], 0
    if pending:
        groups.append(pa.Table.from_batches(pending, table.schema).combine_chunks())
    return pa.concat_tables(groups)
