"""Billing exports → :class:`store.billing.BillingBatch`: FOCUS 1.0–1.3, AWS CUR 2.0 (and legacy CUR), and the
Google Cloud detailed billing export; CSV, gzipped CSV, Parquet or JSON lines.

Entry points (the CLI and the Upload page call these; ``store.billing.write_billing`` writes the result):

- :func:`detect_billing_format` tells a file's format from its columns (``None`` when it is no billing
  export, so the metrics detection can have it);
- :func:`read_billing_file` / :func:`read_billing_files` read, check and normalise; a file with problems
  raises ``ImportRejected`` (one line per problem naming file, row and column, at most 20) and nothing
  reaches the store. Files read together make one batch: a month that AWS delivers in several parts must be
  imported in one call, or the later part would replace the earlier one (see ``store.billing``).

DuckDB is the compute engine here, in memory for a small file and in a scratch database file in the system's
temporary folder for a large one (``STAGE_ON_DISK_BYTES``: its checked rows are stored compressed and paged
from disk, so a 5-million-row CUR peaks near 0.45 GB instead of 1.8 GB; docs/import.md, *Performance*); only
``store`` opens the database file.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from common.progress import ProgressFn
from importers.billing import cur, focus, gcp
from importers.billing.files import Source, open_source, sha256_of, source_of_header
from importers.billing.pipeline import Plan, charges_table, check, query_notes, stage
from importers.formats import BILLING_FORMATS
from importers.problems import ImportRejected
from store.billing import BillingBatch
from store.staged import scratch_connection
from store.writes import UploadRecord

FORMATS: dict[str, tuple[Callable[[Source], bool], Callable[[Source], Plan]]] = {
    "focus": (focus.is_focus, focus.plan),
    "cur2": (cur.is_cur, cur.plan),
    "gcp-billing": (gcp.is_gcp, gcp.plan),
}
FORMAT_LABELS = BILLING_FORMATS
InputPath = Path | str | tuple[Path | str, str]


# A file at least this large is staged in a scratch database file rather than in memory (see the docstring).
STAGE_ON_DISK_BYTES = 32 * 1024 * 1024


@contextlib.contextmanager
def compute_engine(file_bytes: int = 0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private DuckDB for reading a file of ``file_bytes``; UTC so zone-less times are read as UTC.

    In memory below ``STAGE_ON_DISK_BYTES``; above it in a scratch file removed when the read ends, opened like the
    metric import's (``store.staged.scratch_connection``: its memory bounded, spilling beside it). DuckDB keeps
    an in-memory table uncompressed (a 5-million-row CUR staged there took 1.5 GB), a file's table compressed
    in blocks its buffer manager can drop and read back."""
    with contextlib.ExitStack() as stack:
        if file_bytes >= STAGE_ON_DISK_BYTES:  # the metric import's scratch database: bounded, spilling beside it
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="breakeven-billing-"))
            con = scratch_connection(Path(folder) / "staging.duckdb")
        else:
            con = duckdb.connect(":memory:")
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
        stack.callback(con.close)  # before the folder goes
        yield con


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


def billing_format_of_header(header: Sequence[str]) -> str | None:
    """The billing format a CSV header names (without opening the file), or ``None``: how ``import`` tells a
    plain CSV bill from a metrics CSV at the cost of reading one line."""
    return _format_of(source_of_header(header))


def _split(item: InputPath) -> tuple[Path, str]:
    if isinstance(item, tuple):
        return Path(item[0]), item[1]
    return Path(item), Path(item).name


def read_billing_file(
    path: Path | str,
    name: str | None = None,
    *,
    billing_format: str | None = None,
    progress: ProgressFn | None = None,
) -> BillingBatch:
    """Read, check and normalise one billing export (``name`` is what messages and the record call it)."""
    path = Path(path)
    name = name or path.name
    if progress:
        progress(0.0, "reading")
    with compute_engine(path.stat().st_size if path.exists() else 0) as con:
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
        if progress:
            progress(0.5, "checking")
        check(con, source, plan, rows)
        if progress:
            progress(0.7, "splitting into days")
        charges = charges_table(con, plan)
        notes = [f"{name}: {note}" for note in [*plan.notes, *query_notes(con, plan)]]
    missing_ids = pc.sum(pc.is_null(charges["billed_resource_id"])).as_py() or 0
    if missing_ids:
        notes.append(
            f"{name}: {missing_ids} of {len(charges)} daily charge rows carry no resource id (account-level "
            "charges, or an export made without resource ids): kept as unmatched spend per service"
        )
    sha = sha256_of(path)
    upload = UploadRecord(
        upload_id=hashlib.sha256(f"{sha}|{plan.format}".encode()).hexdigest()[:16],
        file_name=name,
        sha256=sha,
        format=plan.format,
        rows=rows,
        resources=0,
        imported_at=datetime.now(UTC),
    )
    if progress:
        progress(1.0, "read")
    return BillingBatch(charges=charges, upload=upload, notes=tuple(notes), rows_read=rows)


def combine_billing(batches: Sequence[BillingBatch]) -> BillingBatch:
    """Several files read apart as one batch (a month AWS delivers in parts): written together, so no part
    replaces another; refused when their formats differ. One file is returned as it is, with its notes."""
    if not batches:
        raise ValueError("no billing batches given")
    formats = {b.upload.format for b in batches}
    if len(formats) > 1:
        raise ImportRejected.single(
            batches[-1].upload.file_name, f"files read together must share one format, not {sorted(formats)}"
        )
    if len(batches) == 1:
        return batches[0]
    charges = pa.concat_tables([b.charges for b in batches])
    notes = [note for b in batches for note in b.notes]
    fmt = formats.pop()
    shas = [b.upload.sha256 for b in batches]
    sha = hashlib.sha256("|".join(shas).encode()).hexdigest()
    first = batches[0].upload
    rows_read = sum(b.rows_read for b in batches)
    upload = replace(
        first,
        upload_id=hashlib.sha256(f"{sha}|{fmt}".encode()).hexdigest()[:16],
        file_name=f"{first.file_name} + {len(batches) - 1} more",
        sha256=sha,
        rows=rows_read,
    )
    return BillingBatch(charges=charges, upload=upload, notes=tuple(notes), rows_read=rows_read)


def read_billing_files(paths: Sequence[InputPath], *, billing_format: str | None = None) -> BillingBatch:
    """Several files of one format as one batch (a month delivered in parts); all are checked first."""
    if not paths:
        raise ValueError("no billing files given")
    batches = [read_billing_file(path, name, billing_format=billing_format) for path, name in map(_split, paths)]
    return combine_billing(batches)


__all__ = [
    "FORMATS",
    "FORMAT_LABELS",
    "billing_format_of_header",
    "combine_billing",
    "detect_billing_format",
    "read_billing_file",
    "read_billing_files",
]
