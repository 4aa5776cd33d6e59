"""Import files: fingerprint, detect, parse or plan, check, then write each file in one transaction.

The rules every entry point (CLI, page) gets from here:
- a file is imported all or nothing: it is fully checked before anything is written, and written by
  one ``write_batch`` transaction; a rejected file leaves the database as it was, and a database that
  does not exist yet (or is from an older version) is not created (migrated) for a rejected file;
- with several files, every file is checked before the first is written, so one bad file stops all;
- importing the same content again (same bytes, format and options) changes nothing, and the first
  import's record in ``uploads`` is kept; overlapping files upsert, the later file's values winning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from collectors.importers import cloudwatch, logs_insights, monitoring, wide_csv
from collectors.importers.detect import FORMATS, detect_format
from collectors.importers.files import FileFacts, InputFile, inspect_file
from collectors.importers.long_csv import plan_long_csv
from collectors.importers.model import ImportOptions, Parsed, key_part_problem
from common.progress import ProgressFn
from store.db import IN_MEMORY, is_current
from store.errors import BatchError
from store.import_problems import ImportRejected
from store.import_sql import LongCsvSpec
from store.imports import (
    PREVIEW_ROWS,
    LongCsvCheck,
    check_long_csv,
    explain_conflicts,
    stage_long_csv,
    upload_recorded,
    with_stored_config,
)
from store.writes import Batch, ConfigRecord, ResourceRecord, UploadRecord, WriteSummary, stage_metrics, write_batch

PARSERS = {
    "cloudwatch-json": cloudwatch.parse,
    "logs-insights": logs_insights.parse,
    "monitoring-json": monitoring.parse,
    "wide": wide_csv.parse,
}


class RejectedFiles(Exception):
    """One or more files were rejected. Files in ``written`` (checked earlier) were imported; no other."""

    def __init__(self, rejections: list[ImportRejected], written: list[FileResult] | None = None) -> None:
        self.rejections = rejections
        self.written = written or []
        names = ", ".join(r.file_name for r in rejections)
        done = f"; already imported: {', '.join(w.file for w in self.written)}" if self.written else ""
        super().__init__(f"{len(rejections)} file(s) rejected and not written: {names}{done}")


def scaled(progress: ProgressFn | None, lo: float, hi: float) -> ProgressFn | None:
    """A progress callback mapping 0..1 onto lo..hi of the caller's bar."""
    if progress is None:
        return None
    return lambda fraction, label: progress(lo + (hi - lo) * max(0.0, min(fraction, 1.0)), label)


@dataclass
class Prepared:
    """A file read and understood, ready to write (or to show in a preview)."""

    file: InputFile
    format: str
    facts: FileFacts
    upload_id: str
    notes: list[str] = field(default_factory=list)
    long_spec: LongCsvSpec | None = None
    long_check: LongCsvCheck | None = None
    parsed: Parsed | None = None

    @property
    def source(self) -> str:
        return f"upload:{self.upload_id}"

    @property
    def checked(self) -> bool:
        return self.parsed is not None or self.long_check is not None

    @property
    def rows(self) -> int | None:
        if self.parsed is not None:
            return self.parsed.rows_read
        return self.long_check.staged.rows if self.long_check else None

    @property
    def resources(self) -> list[ResourceRecord]:
        if self.parsed is not None:
            return self.parsed.resources
        return self.long_check.staged.resources if self.long_check else []

    @property
    def metric_rows(self) -> int:
        if self.parsed is not None:
            return self.parsed.metrics.num_rows
        return self.long_check.staged.rows if self.long_check else 0

    def preview(self, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
        if self.parsed is not None:
            return self.parsed.metrics.slice(0, limit).to_pandas()
        return self.long_check.preview.head(limit) if self.long_check else pd.DataFrame()

    def rows_per_metric(self) -> dict[str, int]:
        if self.parsed is not None:
            counts = self.parsed.metrics.group_by("metric").aggregate([("value", "count")]).to_pylist()
            return {c["metric"]: int(c["value_count"]) for c in sorted(counts, key=lambda c: c["metric"])}
        return self.long_check.rows_per_metric if self.long_check else {}


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


def prepare(
    file: InputFile, options: ImportOptions, *, check: bool = True, progress: ProgressFn | None = None
) -> Prepared:
    """Fingerprint, detect and parse ``file``; with ``check`` a long CSV is fully checked in memory too."""
    for problem in options.problems():
        raise ImportRejected.single(file.name, problem)
    facts = inspect_file(file, options.max_bytes, scaled(progress, 0.0, 0.2))
    fmt = options.format or detect_format(facts, file.name)
    if fmt not in FORMATS:
        raise ImportRejected.single(file.name, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    prepared = Prepared(file, fmt, facts, _upload_id(facts, fmt, options))
    if fmt == "long":
        spec, notes = plan_long_csv(
            file,
            facts,
            source=prepared.source,
            default_account=options.account,
            default_region=options.region,
        )
        prepared.long_spec, prepared.notes = spec, notes
        if check:
            prepared.long_check = check_long_csv(spec, scaled(progress, 0.2, 1.0))
    else:
        parsed = PARSERS[fmt](file, facts, options)
        if not parsed.metrics.num_rows:
            raise ImportRejected.single(file.name, "holds no metric data points to import")
        prepared.parsed, prepared.notes = parsed, parsed.notes
    for r in prepared.resources:  # every parser names the place first; this keeps the rule whatever the format
        for problem in (key_part_problem("account", r.account), key_part_problem("region", r.region)):
            if problem:
                raise ImportRejected.single(file.name, f"{problem}, for {r.service} resource {r.name!r}")
    unplaced = [r.name for r in prepared.resources if not r.region]
    if unplaced:
        prepared.notes.append(
            f"{len(unplaced)} resource(s) have no region because the file does not say it "
            "(set one with --region or in the page): " + ", ".join(sorted(unplaced)[:5])
        )
    if progress:
        progress(1.0, "checked")
    return prepared


def write(db_path: Path, prepared: Prepared, progress: ProgressFn | None = None) -> FileResult:
    """Write one prepared file in one transaction; a BatchError becomes a rejection of the file."""
    batch = Batch()
    state: dict[str, Any] = {}

    def stage(con: duckdb.DuckDBPyConnection) -> int:
        # write_batch reads batch.resources, configs and upload after this returns (they are only known
        # once the file is staged), then checks and writes everything in its one transaction.
        if prepared.long_spec is not None:
            staged = stage_long_csv(con, prepared.long_spec, scaled(progress, 0.0, 0.8))
            rows, count, resources, configs = staged.rows, staged.rows, staged.resources, staged.configs
        else:
            assert prepared.parsed is not None
            table = prepared.parsed.metrics
            table = table.append_column("source", pa.array([prepared.source] * table.num_rows, pa.string()))
            count = stage_metrics(con, table)
            rows, resources = prepared.parsed.rows_read, prepared.parsed.resources
            configs = with_stored_config(
                con,
                [ConfigRecord(c.resource_id, c.valid_from, c.values, prepared.source) for c in prepared.parsed.configs],
            )
        batch.resources.extend(resources)
        batch.configs.extend(configs)
        state["already"] = upload_recorded(con, prepared.upload_id)
        state["rows"], state["resources"] = rows, [r.resource_id for r in resources]
        if not state["already"]:
            batch.upload = UploadRecord(
                upload_id=prepared.upload_id,
                file_name=prepared.file.name,
                sha256=prepared.facts.sha256,
                format=prepared.format,
                rows=rows,
                resources=len(resources),
                imported_at=datetime.now(UTC),
            )
        if progress:
            progress(0.85, "writing")
        return count

    try:
        summary = write_batch(db_path, batch, stage=stage)
    except BatchError as exc:
        rejection = explain_conflicts(prepared.long_spec) if prepared.long_spec is not None else None
        raise rejection or ImportRejected.single(prepared.file.name, str(exc)) from None
    if progress:
        progress(1.0, "written")
    return FileResult(
        file=prepared.file.name,
        format=prepared.format,
        sha256=prepared.facts.sha256,
        upload_id=prepared.upload_id,
        rows=int(state["rows"]),
        resources=list(state["resources"]),
        summary=summary,
        already_imported=bool(state["already"]),
        notes=prepared.notes,
    )


def trial_writes(db_path: Path, prepared: list[Prepared]) -> list[ImportRejected]:
    """When writing would create or migrate ``db_path``, first write each file into a private in-memory
    database, so that a file the store refuses leaves no new file behind and does not migrate an older one.

    Returns the rejection of every refused file (the caller then writes none). Costs one more pass over
    each file, only on the first import into a new database or the first after an upgrade.
    """
    if is_current(db_path):
        return []
    rejections = []
    for p in prepared:
        try:
            write(IN_MEMORY, p)
        except ImportRejected as exc:
            rejections.append(exc)
    return rejections


def dry_run_result(prepared: Prepared) -> FileResult:
    return FileResult(
        file=prepared.file.name,
        format=prepared.format,
        sha256=prepared.facts.sha256,
        upload_id=prepared.upload_id,
        rows=prepared.rows or 0,
        resources=[r.resource_id for r in prepared.resources],
        summary=None,
        already_imported=False,
        notes=prepared.notes,
    )


def import_files(
    db_path: Path,
    files: list[InputFile],
    options: ImportOptions,
    *,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
) -> list[FileResult]:
    """Check every file, then write each in its own transaction. Raises RejectedFiles, writing nothing.

    A single long CSV is checked inside its write (one pass over the file, before the transaction
    opens); several files are each checked in memory first so that a bad last file stops them all.
    """
    full_check = dry_run or len(files) > 1
    share = 1.0 / max(len(files), 1)
    prepared: list[Prepared] = []
    rejections: list[ImportRejected] = []
    for i, file in enumerate(files):
        lo = i * share
        hi = lo + share * (0.5 if not dry_run else 1.0)
        try:
            prepared.append(prepare(file, options, check=full_check, progress=_named(progress, file, lo, hi)))
        except ImportRejected as exc:
            rejections.append(exc)
    if rejections:
        raise RejectedFiles(rejections)
    if dry_run:
        return [dry_run_result(p) for p in prepared]
    rejections = trial_writes(db_path, prepared)
    if rejections:
        raise RejectedFiles(rejections)
    results = []
    for i, p in enumerate(prepared):
        lo = i * share + share * 0.5
        try:
            results.append(write(db_path, p, _named(progress, p.file, lo, lo + share * 0.5)))
        except ImportRejected as exc:
            raise RejectedFiles([exc], results) from None
    return results


def _named(progress: ProgressFn | None, file: InputFile, lo: float, hi: float) -> ProgressFn | None:
    inner = scaled(progress, lo, hi)
    if inner is None:
        return None
    return lambda fraction, label: inner(fraction, f"{file.name}: {label}")
