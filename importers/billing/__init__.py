"""Billing exports → :class:`store.billing.BillingBatch`: FOCUS 1.0–1.3, AWS CUR 2.0 (and legacy CUR), and the
Google Cloud detailed billing export; CSV, gzipped CSV, Parquet or JSON lines.

Entry points (the CLI and the Upload page call these; ``store.billing.write_billing`` writes the result):

- :func:`detect_billing_format` tells a file's format from its columns (``None`` when it is no billing
  export, so the metrics detection can have it);
- :func:`read_billing_file` / :func:`read_billing_files` read, check and normalise; a file with problems
  raises ``ImportRejected`` (one line per problem naming file, row and column, at most 20) and nothing
  reaches the store. Files read together make one batch: a month that AWS delivers in several parts must be
  imported in one call, or the later part would replace the earlier one (see ``store.billing``).

DuckDB is the compute engine here, in memory; only ``store`` opens the database file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from importers.billing import cur, focus, gcp
from importers.billing.files import Source, open_source, sha256_of
from importers.billing.pipeline import Plan, charges_table, check, query_notes, stage
from importers.problems import ImportRejected
from store.billing import BillingBatch
from store.writes import UploadRecord

FORMATS: dict[str, tuple[Callable[[Source], bool], Callable[[Source], Plan]]] = {
    "focus": (focus.is_focus, focus.plan),
    "cur2": (cur.is_cur, cur.plan),
    "gcp-billing": (gcp.is_gcp, gcp.plan),
}
FORMAT_LABELS = {
    "focus": "FOCUS 1.0–1.3 (FinOps Open Cost and Usage Specification)",
    "cur2": "AWS Cost and Usage Report 2.0 (or legacy CUR)",
    "gcp-billing": "Google Cloud detailed billing export (BigQuery)",
}
InputPath = Path | str | tuple[Path | str, str]


def compute_engine() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for reading files; UTC so zone-less times are read as UTC."""
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def _format_of(source: Source) -> str | None:
    for name, (matches, _) in FORMATS.items():
        if matches(source):
            return name
    return None


def detect_billing_format(path: Path | str) -> str | None:
    """``focus``, ``cur2`` or ``gcp-billing`` from the file's columns; ``None`` if it is none of them."""
    with compute_engine() as con:
        try:
            return _format_of(open_source(con, Path(path)))
        except duckdb.Error:
            return None


def _split(item: InputPath) -> tuple[Path, str]:
    if isinstance(item, tuple):
        return Path(item[0]), item[1]
    return Path(item), Path(item).name


def read_billing_file(path: Path | str, name: str | None = None, *, billing_format: str | None = None) -> BillingBatch:
    """Read, check and normalise one billing export (``name`` is what messages and the record call it)."""
    return read_billing_files([(Path(path), name or Path(path).name)], billing_format=billing_format)


def read_billing_files(paths: Sequence[InputPath], *, billing_format: str | None = None) -> BillingBatch:
    """Several files of one format as one batch (a month delivered in parts); all are checked first."""
    if not paths:
        raise ValueError("no billing files given")
    tables: list[pa.Table] = []
    notes: list[str] = []
    shas: list[str] = []
    names: list[str] = []
    formats: set[str] = set()
    rows_read = 0
    for item in paths:
        path, name = _split(item)
        with compute_engine() as con:
            try:
                source = open_source(con, path, name)
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise ImportRejected.single(name, f"could not be read as CSV, Parquet or JSON lines: {first}") from None
            fmt = billing_format or _format_of(source)
            if fmt is None:
                raise ImportRejected.single(
                    name,
                    "is not a billing export this importer knows: no FOCUS (BilledCost, ChargePeriodStart), CUR "
                    "(line_item_unblended_cost) or Google Cloud (usage_start_time, cost, service.description) columns",
                )
            if fmt not in FORMATS:
                raise ImportRejected.single(name, f"unknown billing format {fmt!r}; use one of {', '.join(FORMATS)}")
            plan = FORMATS[fmt][1](source)
            rows = stage(con, source, plan)
            check(con, source, plan, rows)
            tables.append(charges_table(con, plan))
            notes += [f"{name}: {note}" for note in [*plan.notes, *query_notes(con, plan)]]
            formats.add(plan.format)
            rows_read += rows
        shas.append(sha256_of(path))
        names.append(name)
    if len(formats) > 1:
        raise ImportRejected.single(names[-1], f"files read together must share one format, not {sorted(formats)}")
    charges = pa.concat_tables(tables)
    missing_ids = charges.filter(pc.is_null(charges["billed_resource_id"]))
    if len(missing_ids):
        notes.append(
            f"{len(missing_ids)} of {len(charges)} daily charge rows carry no resource id (account-level charges, "
            "or an export made without resource ids): kept as unmatched spend per service"
        )
    fmt = formats.pop()
    sha = shas[0] if len(shas) == 1 else hashlib.sha256("|".join(shas).encode()).hexdigest()
    upload = UploadRecord(
        upload_id=hashlib.sha256(f"{sha}|{fmt}".encode()).hexdigest()[:16],
        file_name=names[0] if len(names) == 1 else f"{names[0]} + {len(names) - 1} more",
        sha256=sha,
        format=fmt,
        rows=rows_read,
        resources=0,
        imported_at=datetime.now(UTC),
    )
    return BillingBatch(charges=charges, upload=upload, notes=tuple(notes), rows_read=rows_read)


__all__ = ["FORMATS", "FORMAT_LABELS", "detect_billing_format", "read_billing_file", "read_billing_files"]
