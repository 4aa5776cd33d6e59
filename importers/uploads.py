"""What the Upload page does with dropped files, kept out of the page so it can be tested without Streamlit.

Dropped files are saved to a private directory (the importers read files from disk, and DuckDB streams a
long CSV from there). A GetMetricData queries file and a wide-CSV mapping file dropped alongside the
data are recognised and used as options rather than imported. A billing export (FOCUS, CUR, the Google
Cloud export) is a data file too, previewed with what it bills and what it would match and replace. Every
data file is prepared (fully checked) before anything is written, so the page can show each file's format,
rows, resources and problems, and only then offer the import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from common.progress import ProgressFn
from importers.billing.imports import BillResult, PreparedBill, write_bills
from importers.detect import FORMATS, detect_file
from importers.files import HEAD_BYTES, InputFile, read_head_bytes
from importers.model import ImportOptions
from importers.orchestrate import FileResult, Prepared, prepare_any, write
from importers.problems import ImportRejected
from importers.wide_csv import read_wide_table
from importers.wide_mapping import WideMapping, guess_mapping, mapping_from_json

Role = Literal["data", "queries", "mapping", "insights-query"]
MAPPING_COLUMNS = ("column", "skip", "service", "resource", "metric", "account", "region", "unit")


def save_upload(directory: Path, index: int, name: str, data: bytes) -> InputFile:
    """Write an uploaded file under a safe name; the original name is kept for display and the record."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[:100] or "upload"
    path = Path(directory) / f"{index:03d}-{safe}"
    path.write_bytes(data)
    return InputFile(path, Path(name).name or safe)


INSIGHTS_COMMANDS = ("fields", "filter", "stats", "parse", "sort", "limit", "display", "dedup", "pattern", "unmask")


def _is_insights_query(head: str) -> bool:
    """A Logs Insights query as saved text: its first line is a query command, and no results header (CSV
    results start ``@timestamp,`` or a column list, never a command followed by a space)."""
    first = head.splitlines()[0].strip() if head else ""
    word = first.split(" ", 1)[0].lower()
    return word in INSIGHTS_COMMANDS and " " in first and "," not in first.split(" ", 1)[0]


def role_of(file: InputFile) -> Role:
    """Queries and mapping files are options for the data files next to them, not data; a Logs Insights
    query saved as text is recognised so the page can say it holds no data."""
    with file.path.open("rb") as fh:
        head = fh.read(HEAD_BYTES).decode("utf-8", errors="ignore").lstrip("\ufeff \r\n\t")
    if not head.startswith(("{", "[")):
        return "insights-query" if _is_insights_query(head) else "data"
    if ('"MetricDataQueries"' in head or '"MetricStat"' in head) and '"MetricDataResults"' not in head:
        return "queries"
    if '"columns"' not in head or '"timeSeries"' in head or '"MetricDataResults"' in head:
        return "data"  # not a mapping; large exports are not parsed twice to find out
    try:
        document = json.loads(file.path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "data"
    if isinstance(document, dict) and isinstance(document.get("columns"), dict) and "timeSeries" not in document:
        return "mapping"
    return "data"


@dataclass
class FilePreview:
    """One data file as the page shows it before importing: prepared, or rejected with its problems."""

    file: InputFile
    prepared: Prepared | None = None
    bill: PreparedBill | None = None
    rejection: ImportRejected | None = None
    wide_columns: list[str] = field(default_factory=list)
    time_column: str | None = None
    detected: str | None = None  # the format told from the file's head, also when it was refused

    @property
    def ok(self) -> bool:
        return self.prepared is not None or self.bill is not None

    @property
    def format(self) -> str | None:
        if self.prepared:
            return self.prepared.format
        return self.bill.format if self.bill else self.detected


def guessed_mapping_frame(file: InputFile, service: str = "", account: str = "", region: str = "") -> pd.DataFrame:
    """The mapping editor's starting rows for a wide CSV, guessed from its headers."""
    table = read_wide_table(file)
    guess = guess_mapping(table.value_columns, table.header[table.time_index], service, account, region)
    records = []
    for name, target in guess.columns.items():
        assert target is not None
        records.append(
            {
                "column": name,
                "skip": not target.metric,
                "service": target.service,
                "resource": target.resource,
                "metric": target.metric,
                "account": target.account,
                "region": target.region,
                "unit": "",
            }
        )
    return pd.DataFrame.from_records(records, columns=list(MAPPING_COLUMNS))


def mapping_from_frame(
    frame: pd.DataFrame, time_column: str | None, period_s: int | None = None, default_service: str = ""
) -> WideMapping:
    """The edited mapping table as a validated mapping (problems name ``columns.NAME``).

    Rows whose service is left empty take ``default_service`` (one choice for a chart of one service).
    """
    columns: dict[str, dict[str, str] | None] = {}
    for record in frame.to_dict("records"):
        name = str(record["column"])
        if bool(record.get("skip")):
            columns[name] = None
            continue
        entry = {k: str(record.get(k) or "").strip() for k in ("service", "resource", "metric", "account", "region")}
        entry["service"] = entry["service"] or default_service
        unit = str(record.get("unit") or "").strip()
        if unit:
            entry["unit"] = unit
        columns[name] = entry
    document: dict[str, object] = {"columns": columns, "time_column": time_column}
    if period_s:
        document["period_s"] = period_s
    return mapping_from_json(document, "the column mapping")


def preview_files(
    files: list[InputFile],
    options: ImportOptions,
    *,
    formats: dict[str, str] | None = None,
    mappings: dict[str, WideMapping] | None = None,
    places: dict[str, tuple[str, str]] | None = None,
    progress: ProgressFn | None = None,
) -> list[FilePreview]:
    """Prepare every data file (``formats``/``mappings`` are per-file overrides by display name; ``places``
    gives a file the account and region for the resources it names without them, as ``--account``/``--region``
    would, when the Upload page merges them into a known resource)."""
    formats, mappings, places = formats or {}, mappings or {}, places or {}
    previews = []
    for i, file in enumerate(files):
        chosen = formats.get(file.name) or options.format
        where = {}
        if file.name in places:
            where = {"account": places[file.name][0], "region": places[file.name][1]}
        per_file = ImportOptions(
            **{**options.__dict__, "format": chosen, "mapping": mappings.get(file.name, options.mapping), **where}
        )
        preview = FilePreview(file)
        inner = None if progress is None else _share(progress, i, len(files), file.name)
        try:
            prepared = prepare_any(file, per_file, progress=inner)
        except ImportRejected as exc:
            preview.rejection = exc
            preview.detected = chosen or _detect_head(file)
        else:
            if isinstance(prepared, PreparedBill):
                preview.bill = prepared
            else:
                preview.prepared = prepared
        is_wide = chosen == "wide" or (preview.prepared is not None and preview.prepared.format == "wide")
        if not is_wide and preview.rejection is not None and "wide CSV needs a mapping" in preview.rejection.summary():
            is_wide = True
        if is_wide:
            try:
                table = read_wide_table(file)
                preview.wide_columns, preview.time_column = table.value_columns, table.header[table.time_index]
            except ImportRejected:
                pass
        previews.append(preview)
    return previews


def _detect_head(file: InputFile) -> str | None:
    """The format from the first bytes alone (no fingerprint), for a file that was refused."""
    try:
        return detect_file(file, read_head_bytes(file))
    except ImportRejected:
        return None


def import_previews(
    db_path: Path, previews: list[FilePreview], progress: ProgressFn | None = None
) -> list[FileResult | BillResult]:
    """Write every prepared file, each metrics file in its own transaction, then the bills one transaction per
    format (the parts of a month together). Refuses to start if any file was rejected.

    Every preview was checked by the store already (``prepare_any``), so nothing here can refuse a file that the
    page showed as ready, short of the database changing in between."""
    bad = [p.file.name for p in previews if not p.ok]
    if bad:
        raise ValueError(f"not importing while files are rejected: {', '.join(bad)}")
    metrics = [p for p in previews if p.prepared is not None]
    bills = [p.bill for p in previews if p.bill is not None]
    steps = len(metrics) + (1 if bills else 0)
    results: list[FileResult | BillResult] = []
    for i, preview in enumerate(metrics):
        assert preview.prepared is not None
        inner = None if progress is None else _share(progress, i, steps, preview.file.name)
        results.append(write(db_path, preview.prepared, inner))
    if bills:
        inner = None if progress is None else _share(progress, len(metrics), steps, "billing")
        results += write_bills(db_path, bills, inner)
    return results


def _share(progress: ProgressFn, index: int, count: int, name: str) -> ProgressFn:
    def report(fraction: float, label: str) -> None:
        progress((index + max(0.0, min(fraction, 1.0))) / count, f"{name}: {label}")

    return report


FORMAT_CHOICES = ("detect", *FORMATS)
