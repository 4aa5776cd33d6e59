"""Write billing files the way their producers do, from row dictionaries: CSV (plain or gzipped), Parquet.

Tests build each format's rows to its specification and write them here at test time; the committed samples
in ``data/samples`` are written by the same functions (``tests/billing/sample_bills.py``).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def cell(value: Any, *, timestamps: str = "iso") -> str:
    """A CSV cell: empty for None, ISO-8601 UTC for times (``iso``: 2026-11-01T00:00:00Z; ``bigquery``:
    2026-11-01 00:00:00 UTC), shortest round-trip text for numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if timestamps == "bigquery":
            return value.strftime("%Y-%m-%d %H:%M:%S UTC")
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 10))
    return str(value)


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, timestamps: str = "iso") -> str:
    columns = list(columns or rows[0].keys())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c), timestamps=timestamps) for c in columns])
    return out.getvalue()


def write_csv(
    path: Path,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    timestamps: str = "iso",
) -> Path:
    """Plain CSV, or gzipped when the name ends in ``.gz`` (written with mtime 0, so the bytes are stable)."""
    text = csv_text(rows, columns, timestamps)
    if path.name.endswith(".gz"):
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
            handle.write(text.encode())
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_parquet(path: Path, rows: Sequence[dict[str, Any]], schema: pa.Schema) -> Path:
    """Parquet with an explicit schema (nested structs and lists as BigQuery writes them)."""
    table = pa.Table.from_pylist(list(rows), schema=schema)
    pq.write_table(table, path, compression="zstd")
    return path


def read_back(path: Path) -> list[dict[str, Any]]:
    """The rows of a written file, for comparing a regenerated sample with the committed one."""
    if path.name.endswith(".parquet"):
        return pq.read_table(path).to_pylist()
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
