"""Export to the long CSV and import it back: the same data, and no formula reaches a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from demo import build_demo
from importers import ImportOptions, InputFile, import_files
from store import ensure_database
from store.exports import EXPORT_COLUMNS, export_long_csv, export_to_file
from store.writes import Batch, ResourceRecord, metrics_frame, write_batch
from tests.importers.conftest import rows, run_cli

END = datetime(2026, 11, 29)
# one of each kind of resource in the demo estate: Lambda, SageMaker endpoint, serverless, Functions, Run, Vertex
PICK = (0, 9, 13, 15, 18, 21)
ODD_NAMES = ("=cmd|' /C calc'!A0", "+plus", "-minus", "@at", "\ttab", "\rreturn", "'quoted", 'comma, "quote"')


@pytest.fixture(scope="module")
def demo_subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six demo resources, their last two days (hourly and per-minute rows), plus resources named like formulas."""
    batch = build_demo(end=END)
    keep = [batch.resources[i] for i in PICK]
    ids = pa.array([r.resource_id for r in keep])
    table = batch.metrics
    mask = pc.and_(
        pc.is_in(pc.cast(table["resource_id"], pa.string()), value_set=ids),
        pc.greater_equal(table["period_start"], pa.scalar(END - timedelta(days=2), pa.timestamp("us"))),
    )
    subset = Batch(
        resources=keep,
        configs=[c for c in batch.configs if c.resource_id in set(ids.to_pylist())],
        metrics=table.filter(mask),
    )
    path = tmp_path_factory.mktemp("roundtrip") / "source.duckdb"
    write_batch(path, subset)
    odd = [ResourceRecord("lambda", "012345678901", "us-east-1", name) for name in ODD_NAMES]
    metrics = metrics_frame(
        [(r.resource_id, "invocations", END, 3600, 1.0 / (i + 3), "test") for i, r in enumerate(odd)]
    )
    write_batch(path, Batch(resources=odd, metrics=metrics))
    return path


def snapshot(path: Path) -> tuple[list, list]:
    metrics = rows(path, "SELECT resource_id, metric, period_start, period_s, value FROM metrics ORDER BY ALL")
    resources = rows(
        path, "SELECT resource_id, provider, service, pattern, account, region, name FROM resources ORDER BY ALL"
    )
    return metrics, resources


def test_import_of_export_reproduces_the_data(demo_subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    exported = export_to_file(demo_subset, out)
    source_metrics, source_resources = snapshot(demo_subset)
    assert exported == len(source_metrics) > 50_000
    target = tmp_path / "target.duckdb"
    ensure_database(target)
    (result,) = import_files(target, [InputFile.from_path(out)], ImportOptions())
    assert result.rows == exported
    target_metrics, target_resources = snapshot(target)
    assert target_resources == source_resources
    assert target_metrics == source_metrics  # exact doubles, timestamps, periods


def test_export_neutralises_formulas_and_keeps_numbers_numeric(demo_subset: Path) -> None:
    buffer = io.BytesIO()
    export_long_csv(demo_subset, buffer)
    text = buffer.getvalue().decode()
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    records = list(csv.reader(io.StringIO(text, newline="")))
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for record in records[1:]:
        for column in ("timestamp", "service", "resource", "metric", "region", "account"):
            assert not record[EXPORT_COLUMNS.index(column)].startswith(dangerous), record
    names = {r[2] for r in records[1:]}
    assert {
        "'=cmd|' /C calc'!A0",
        "'+plus",
        "'-minus",
        "'@at",
        "'\ttab",
        "'\rreturn",
        "''quoted",
        'comma, "quote"',
    } <= names
    # numeric cells are written bare (not quoted as text) and read back as the same number
    raw_lines = [line for line in text.splitlines() if "'+plus" in line]
    assert raw_lines[0].endswith(',0.25,3600,"us-east-1","012345678901"')


def test_cli_export_then_import(demo_subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    code, stdout, _ = run_cli("export", "--db", str(demo_subset), "--out", str(out))
    assert code == 0 and '"rows": ' in stdout
    target = tmp_path / "cli.duckdb"
    code, stdout, stderr = run_cli("import", str(out), "--db", str(target))
    assert code == 0, stderr
    assert snapshot(target) == snapshot(demo_subset)
