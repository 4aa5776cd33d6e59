"""Import files: detect, read once, parse, check, then hand each file to the store as one declarative batch.

The rules every entry point (CLI, page) gets from here:
- a file is read once (a long CSV by DuckDB, with its SHA-256 computed beside it; any other format whole,
  hashed from the same bytes), parsed into plain rows, and described as a ``store`` batch that
  ``store.check_batch`` validates in memory: a file is fully checked before anything is written, and the
  database is not even opened for a rejected file (so it is neither created nor migrated);
- it is written by one ``write_batch`` transaction, all or nothing;
- with several files, every file is checked before the first is written, so one bad file stops all;
- importing the same content again (same bytes, format and options) changes nothing, and the first
  import's record in ``uploads`` is kept; overlapping files upsert, the later file's values winning;
- a billing export (FOCUS, CUR, the Google Cloud export) is detected beside the metrics formats and takes the
  same path through ``importers.billing.imports``: read once, checked by the store before anything is
  written, one transaction per format (parts of a month together), a re-issued month replacing its rows.
  Metrics are written before bills, so a bill matches the resources the same import brings.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from common.progress import ProgressFn
from common.timeutil import utc_now
from importers import cloudwatch, logs_insights, long_csv, monitoring, wide_csv
from importers.billing.imports import BillResult, PreparedBill, groups, prepare_bill, result_of, write_bills
from importers.detect import detect_file
from importers.files import (
    BackgroundFingerprint,
    FileFacts,
    FileHead,
    InputFile,
    read_head_bytes,
    read_whole,
    refuse_non_text,
)
from importers.formats import FORMATS, METRIC_FORMATS, is_billing
from importers.long_sql import LongCsvSpec
from importers.long_stage import PREVIEW_ROWS, explain_refusal, preview_of
from importers.model import ImportOptions, Parsed, key_part_problem
from importers.problems import ImportRejected, quoted
from store.batch import Batch, ResourceRecord, UploadRecord, WriteSummary, constant_column
from store.checks import CheckedBatch, check_batch
from store.errors import BatchError
from store.staged import StagedRows
from store.writes import write_batch

if TYPE_CHECKING:  # pandas only for the page's preview, not for an import
    import pandas as pd

PARSERS = {
    "cloudwatch-json": cloudwatch.parse,
    "logs-insights": logs_insights.parse,
    "monitoring-json": monitoring.parse,
    "wide": wide_csv.parse,
}


class RejectedFiles(Exception):
    """One or more files were rejected. Files in ``written`` (checked earlier) were imported; no other."""

    def __init__(self, rejections: list[ImportRejected], written: list[FileResult | BillResult] | None = None) -> None:
        self.rejections = rejections
        self.written = written or []
        names = ", ".join(r.file_name for r in rejections)
        done = f"; already imported: {', '.join(w.file for w in self.written)}" if self.written else ""
        super().__init__(f"{len(rejections)} file(s) rejected and not written: {names}{done}")


def scaled(progress: ProgressFn | None, lo: float, hi: float) -> ProgressFn | None:
    """A progress callback mapping 0..1 onto lo..hi of the caller's bar."""
    if progress is None:
        return None
    return lambda fraction, label: progress(lo + (hi - lo) * max(0.0, min(fraction or 0.0, 1.0)), label)


@dataclass
class Prepared:
    """A file read, understood and checked by the store, ready to write (or to show in a preview)."""

    file: InputFile
    format: str
    facts: FileFacts
    upload_id: str
    parsed: Parsed
    batch: CheckedBatch
    notes: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"upload:{self.upload_id}"

    @property
    def checked(self) -> bool:
        return True  # ``prepare`` returns only files that passed every check, the store's included

    @property
    def rows(self) -> int:
        return self.parsed.rows_read

    @property
    def resources(self) -> list[ResourceRecord]:
        return self.parsed.resources

    @property
    def metric_rows(self) -> int:
        return self.batch.metric_rows

    def preview(self, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
        return preview_of(self.parsed.metrics, limit)

    def rows_per_metric(self) -> dict[str, int]:
        if isinstance(self.parsed.metrics, StagedRows):
            return self.parsed.metrics.rows_per_metric()
        column = self.parsed.metrics["metric"]
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        counts = pc.value_counts(column).to_pylist()
        return {c["values"]: int(c["counts"]) for c in sorted(counts, key=lambda c: c["values"])}


@dataclass
class FileResult:
    file: str
    format: str
    sha256: str
    upload_id: str
    rows: int
    resources: list[str]
    summary: WriteSummary | None
    already_imported: bool
    notes: list[str]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "kind": "metrics",
            "format": self.format,
            "sha256": self.sha256,
            "upload_id": self.upload_id,
            "rows": self.rows,
            "resources": len(self.resources),
            "resource_ids": self.resources,
            "already_imported": self.already_imported,
            "notes": self.notes,
        }
        if self.summary is not None:
            out.update(self.summary.as_dict())
        return out


def _upload_id(facts: FileFacts, fmt: str, options: ImportOptions) -> str:
    queries = hashlib.sha256(options.queries.read_bytes()).hexdigest() if options.queries else ""
    identity = "|".join((facts.sha256, fmt, queries, options.fingerprint(fmt)))
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _read(
    file: InputFile, head: FileHead, fmt: str, options: ImportOptions, progress: ProgressFn | None
) -> tuple[FileFacts, Parsed, LongCsvSpec | None]:
    """Read the file once and parse it: the long CSV through DuckDB (hashed beside it), the rest in Python."""
    if fmt != "long":
        facts, text = read_whole(file, head)
        return facts, PARSERS[fmt](file, text, options), None
    fingerprint = BackgroundFingerprint(file, head)
    try:
        parsed, spec = long_csv.parse(file, head, options, progress=progress)
    except ImportRejected:
        fingerprint.facts()  # a NUL byte says more about the file than what the CSV reader made of it
        raise
    return fingerprint.facts(), parsed, spec


def _head_and_format(file: InputFile, options: ImportOptions) -> tuple[FileHead, str]:
    """The file's head and format (``--format``, else detected); unknown formats are refused."""
    for problem in options.problems():
        raise ImportRejected.single(file.name, problem)
    head = read_head_bytes(file, options.max_bytes)
    fmt = options.format or detect_file(file, head)
    if fmt not in FORMATS:
        raise ImportRejected.single(file.name, f"unknown format {quoted(fmt)}; use one of {', '.join(FORMATS)}")
    return head, fmt


def prepare_any(
    file: InputFile, options: ImportOptions, *, progress: ProgressFn | None = None
) -> Prepared | PreparedBill:
    """A metrics file or a billing export, detected, read and checked; raises ImportRejected."""
    head, fmt = _head_and_format(file, options)
    if is_billing(fmt):
        return prepare_bill(file, fmt, notes=billing_option_notes(options), progress=progress)
    return _prepare_metrics(file, options, head, fmt, progress)


def billing_option_notes(options: ImportOptions) -> list[str]:
    given = [label for label, value in (("account", options.account), ("region", options.region)) if value]
    if not given:
        return []
    return [f"the {' and '.join(given)} given are not applied to a billing export: it names its own"]


def prepare(file: InputFile, options: ImportOptions, *, progress: ProgressFn | None = None) -> Prepared:
    """Detect, read, parse and check a metrics ``file`` (the store's checks included); raises ImportRejected."""
    head, fmt = _head_and_format(file, options)
    if is_billing(fmt):
        raise ImportRejected.single(file.name, f"is a billing export ({fmt}), not a metrics file")
    return _prepare_metrics(file, options, head, fmt, progress)


def _prepare_metrics(
    file: InputFile, options: ImportOptions, head: FileHead, fmt: str, progress: ProgressFn | None
) -> Prepared:
    if fmt not in METRIC_FORMATS:
        raise ImportRejected.single(file.name, f"unknown format {quoted(fmt)}; use one of {', '.join(FORMATS)}")
    refuse_non_text(file.name, head)  # a format given with --format skips the detection that refuses these
    if progress:
        progress(0.0, "reading")
    try:
        facts, parsed, spec = _read(file, head, fmt, options, scaled(progress, 0.0, 0.9))
    except RecursionError:  # a structure nested past what Python can walk, whatever the format
        raise ImportRejected.single(file.name, "is nested too deeply to be read") from None
    try:
        return _checked(file, options, fmt, progress, facts, parsed, spec)
    except ImportRejected:
        if isinstance(parsed.metrics, StagedRows):  # a refusal may be kept (the page shows it): not its scratch file
            parsed.metrics.folder.remove()
        raise


def _checked(
    file: InputFile,
    options: ImportOptions,
    fmt: str,
    progress: ProgressFn | None,
    facts: FileFacts,
    parsed: Parsed,
    spec: LongCsvSpec | None,
) -> Prepared:
    """The parsed file's upload, its notes and the store's check of its batch."""
    if not parsed.metrics.num_rows and not parsed.configs:
        raise ImportRejected.single(file.name, "holds no metric data points to import")
    upload_id = _upload_id(facts, fmt, options)
    for r in parsed.resources:  # every parser names the place first; this keeps the rule whatever the format
        for problem in (key_part_problem("account", r.account), key_part_problem("region", r.region)):
            if problem:
                raise ImportRejected.single(file.name, f"{problem}, for {r.service} resource {quoted(r.name)}")
    notes = list(parsed.notes)
    unplaced = [r.name for r in parsed.resources if not r.region]
    if unplaced:
        notes.append(
            f"{len(unplaced)} resource(s) have no region because the file does not say it "
            "(set one with --region or in the page): " + ", ".join(sorted(unplaced)[:5])
        )
    checked = _check(file, fmt, facts, upload_id, parsed, spec)
    if progress:
        progress(1.0, "checked")
    return Prepared(file, fmt, facts, upload_id, parsed, checked, notes)


def _check(
    file: InputFile, fmt: str, facts: FileFacts, upload_id: str, parsed: Parsed, spec: LongCsvSpec | None
) -> CheckedBatch:
    """The file as the store's batch, checked by the store: its verdict comes before anything is opened."""
    source = f"upload:{upload_id}"
    metrics: pa.Table | StagedRows
    if isinstance(parsed.metrics, StagedRows):  # a long CSV's rows, in their scratch file
        metrics = parsed.metrics.with_source(source)
    else:
        metrics = parsed.metrics.append_column("source", constant_column(source, parsed.metrics.num_rows))
    batch = Batch(
        resources=list(parsed.resources),
        configs=[dataclasses.replace(c, source=source, keep_unstated=True) for c in parsed.configs],
        metrics=metrics,
        upload=UploadRecord(
            upload_id, file.name, facts.sha256, fmt, parsed.rows_read, len(parsed.resources), utc_now()
        ),
    )
    try:
        return check_batch(batch)
    except BatchError as exc:  # a long CSV's rows are named by reading it again; a parsed file's by the store
        raise (explain_refusal(spec, exc) if spec is not None else ImportRejected.single(file.name, str(exc))) from None


def write(db_path: Path, prepared: Prepared, progress: ProgressFn | None = None) -> FileResult:
    """Write one prepared file in one transaction; a BatchError becomes a rejection of the file."""
    if progress:
        progress(0.0, "writing")
    upload = prepared.batch.upload
    batch = dataclasses.replace(prepared.batch, upload=upload and dataclasses.replace(upload, imported_at=utc_now()))
    try:
        summary = write_batch(db_path, batch)
    except BatchError as exc:
        raise ImportRejected.single(prepared.file.name, str(exc)) from None
    if progress:
        progress(1.0, "written")
    return dry_run_result(prepared, summary)


def dry_run_result(prepared: Prepared, summary: WriteSummary | None = None) -> FileResult:
    """What a file did (``summary``, once written) or would do (a dry run)."""
    return FileResult(
        file=prepared.file.name,
        format=prepared.format,
        sha256=prepared.facts.sha256,
        upload_id=prepared.upload_id,
        rows=prepared.rows,
        resources=[r.resource_id for r in prepared.resources],
        summary=summary,
        already_imported=summary.upload_known if summary is not None else False,
        notes=prepared.notes,
    )


def import_files(
    db_path: Path,
    files: list[InputFile],
    options: ImportOptions,
    *,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
) -> list[FileResult | BillResult]:
    """Check every file, then write each metrics file in its own transaction and the bills one transaction per
    format. Raises RejectedFiles, writing nothing, when any file is refused."""
    share = 1.0 / max(len(files), 1)
    metrics: list[Prepared] = []
    bills: list[PreparedBill] = []
    rejections: list[ImportRejected] = []
    for i, file in enumerate(files):
        lo = i * share
        hi = lo + share * (0.8 if not dry_run else 1.0)
        try:
            prepared = prepare_any(file, options, progress=_named(progress, file, lo, hi))
        except ImportRejected as exc:
            rejections.append(exc)
            continue
        (bills if isinstance(prepared, PreparedBill) else metrics).append(prepared)
    if rejections:
        raise RejectedFiles(rejections)
    if dry_run:
        return [*(dry_run_result(p) for p in metrics), *(result_of(g) for g in groups(bills))]
    results: list[FileResult | BillResult] = []
    for i, p in enumerate(metrics):
        lo = i * share + share * 0.8
        try:
            results.append(write(db_path, p, _named(progress, p.file, lo, lo + share * 0.2)))
        except ImportRejected as exc:
            raise RejectedFiles([exc], results) from None
    if bills:
        try:
            results += write_bills(db_path, bills, scaled(progress, 1.0 - share * 0.2 * len(bills), 1.0))
        except ImportRejected as exc:
            raise RejectedFiles([exc], results) from None
    return results


def _named(progress: ProgressFn | None, file: InputFile, lo: float, hi: float) -> ProgressFn | None:
    inner = scaled(progress, lo, hi)
    if inner is None:
        return None
    return lambda fraction, label: inner(fraction, f"{file.name}: {label}")
