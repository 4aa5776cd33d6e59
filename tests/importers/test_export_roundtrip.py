"""Export to the long CSV and import it back: the same resources, configuration history and metrics, the pages'
filters respected, and no formula reaching a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from common.metrics import CONFIG_FIELDS
from demo import build_demo
from importers import ImportOptions, InputFile, import_files
from store import ensure_database
from store.exports import EXPORT_COLUMNS, export_long_csv, export_to_file
from store.queries import Filters
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.importers.conftest import rows, run_cli

END = datetime(2026, 11, 29)
# one of each kind of resource in the demo estate: Lambda (one with a memory change), SageMaker endpoint,
# serverless, Functions, Run, Vertex
PICK = (0, 2, 9, 13, 15, 18, 21)
ODD_NAMES = ("=cmd|' /C calc'!A0", "+plus", "-minus", "@at", "\ttab", "\rreturn", "'quoted", 'comma, "quote"')
CONFIG_COLUMNS = ", ".join(CONFIG_FIELDS)
# configuration a collector could have written: a snapshot between metric rows (with microseconds), one whose
# fields came from an override, text a spreadsheet would run, and a resource that has configuration only
ODD = ResourceRecord("sagemaker-endpoint", "012345678901", "eu-west-1", "=odd-endpoint")
QUIET = ResourceRecord("lambda", "012345678901", "eu-west-1", "config-only")
ODD_CONFIGS = [
    ConfigRecord(
        ODD.resource_id,
        END - timedelta(days=3, minutes=23, microseconds=1),
        {"instance_type": "=ml.m5.large", "instance_count": 2, "vcpu": 2.5, "status": "InService"},
        "aws:inventory",
    ),
    ConfigRecord(
        ODD.resource_id,
        END - timedelta(hours=7, seconds=31),
        {"instance_type": "ml.m5.xlarge", "instance_count": 0, "vcpu": 4.0},
        "aws:inventory",
        assumed=("instance_count", "vcpu"),
    ),
    ConfigRecord(QUIET.resource_id, END - timedelta(days=40), {"memory_mb": 1769, "architecture": "arm64"}, "aws"),
]


@pytest.fixture(scope="module")
def demo_subset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven demo resources, their last two days (hourly and per-minute rows) and all their configuration,
    plus resources named like formulas and the odd configuration above."""
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
        + [(ODD.resource_id, "instances_avg", END - timedelta(hours=h), 3600, 2.0, "test") for h in range(1, 9)]
    )
    write_batch(path, Batch(resources=[*odd, ODD, QUIET], metrics=metrics, configs=ODD_CONFIGS))
    return path


def snapshot(path: Path, resource_ids: list[str] | None = None) -> tuple[list, list, list]:
    """Metrics, resources and configuration history (all but the source, which an import names itself)."""
    ids = resource_ids if resource_ids is not None else [r[0] for r in rows(path, "SELECT resource_id FROM resources")]
    where = "WHERE list_contains(?::VARCHAR[], resource_id)"
    metrics = rows(
        path, f"SELECT resource_id, metric, period_start, period_s, value FROM metrics {where} ORDER BY ALL", [ids]
    )
    resources = rows(
        path,
        f"SELECT resource_id, provider, service, pattern, account, region, name FROM resources {where} ORDER BY ALL",
        [ids],
    )
    configs = rows(
        path,
        f"SELECT resource_id, valid_from, {CONFIG_COLUMNS}, assumed FROM resource_config {where} ORDER BY ALL",
        [ids],
    )
    return metrics, resources, configs


def test_import_of_export_reproduces_resources_configuration_history_and_metrics(
    demo_subset: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export.csv"
    exported = export_to_file(demo_subset, out)
    source_metrics, source_resources, source_configs = snapshot(demo_subset)
    assert len(source_metrics) > 50_000
    assert exported == len(source_metrics) + len(source_configs)
    recsys = [c for c in source_configs if c[0].endswith(":recsys-rank")]
    assert [c[2] for c in recsys] == [1024, 2048]  # the memory change is part of the history that travels
    target = tmp_path / "target.duckdb"
    ensure_database(target)
    (result,) = import_files(target, [InputFile.from_path(out)], ImportOptions())
    assert result.rows == exported
    target_metrics, target_resources, target_configs = snapshot(target)
    assert target_resources == source_resources  # the configuration-only resource included
    assert target_configs == source_configs  # valid_from to the microsecond, every field, the assumed ones
    assert target_metrics == source_metrics  # exact doubles, timestamps, periods


def test_the_export_takes_the_pages_filters(demo_subset: Path, tmp_path: Path) -> None:
    """Resources the filters match, metric rows overlapping the window, and the configuration in effect in it."""
    day = (END - timedelta(days=1)).date()
    f = Filters(start=day, end=day, services=("lambda", "sagemaker-endpoint"), accounts=("111122223333",))
    out = tmp_path / "filtered.csv"
    exported = export_to_file(demo_subset, out, f)
    target = tmp_path / "filtered.duckdb"
    import_files(target, [InputFile.from_path(out)], ImportOptions())
    ids = [r[0] for r in rows(target, "SELECT resource_id FROM resources")]
    assert sorted({i.split(":")[0] for i in ids}) == ["lambda", "sagemaker-endpoint"]
    assert all(i.split(":")[1] == "111122223333" for i in ids)
    source_metrics, source_resources, source_configs = snapshot(demo_subset, ids)
    lo, hi = datetime.combine(day, datetime.min.time()), datetime.combine(day + timedelta(days=1), datetime.min.time())
    in_window = [m for m in source_metrics if m[2] < hi and m[2] + timedelta(seconds=m[3]) > lo]
    in_effect = [
        c
        for c in source_configs
        if lo <= c[1] < hi or c[1] == max(d[1] for d in source_configs if d[0] == c[0] and d[1] <= lo)
    ]
    target_metrics, target_resources, target_configs = snapshot(target)
    assert target_resources == source_resources
    assert target_metrics == in_window and len(in_window) > 1000
    assert target_configs == in_effect  # recsys-rank's change lies before the window: only the snapshot in effect
    assert exported == len(in_window) + len(in_effect)
    nothing = export_to_file(demo_subset, tmp_path / "none.csv", Filters(start=date(2007, 1, 1), end=date(2007, 1, 2)))
    assert nothing == 0 and (tmp_path / "none.csv").read_text() == ",".join(EXPORT_COLUMNS) + "\n"


def test_export_neutralises_formulas_and_keeps_numbers_numeric(demo_subset: Path) -> None:
    buffer = io.BytesIO()
    export_long_csv(demo_subset, buffer)
    text = buffer.getvalue().decode()
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    records = list(csv.reader(io.StringIO(text, newline="")))
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    text_columns = ("timestamp", "service", "resource", "metric", "region", "account", "instance_type", "status")
    for record in records[1:]:
        for column in text_columns:
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
        "'=odd-endpoint",
    } <= names
    assert "'=ml.m5.large" in {r[EXPORT_COLUMNS.index("instance_type")] for r in records[1:]}
    # numeric cells are written bare (not quoted as text) and read back as the same number
    raw_lines = [line for line in text.splitlines() if "'+plus" in line]
    assert raw_lines[0].startswith('"2026-11-29T00:00:00Z","lambda","\'+plus","invocations",0.25,3600,"us-east-1"')


def test_cli_export_then_import(demo_subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    code, stdout, _ = run_cli("export", "--db", str(demo_subset), "--out", str(out))
    assert code == 0 and '"rows": ' in stdout
    target = tmp_path / "cli.duckdb"
    code, stdout, stderr = run_cli("import", str(out), "--db", str(target))
    assert code == 0, stderr
    assert snapshot(target) == snapshot(demo_subset)


def test_cli_export_selection_flags_select_what_the_filters_do(demo_subset: Path, tmp_path: Path) -> None:
    """``export --service/--account/--since/--until`` writes the same rows as the page's download with the
    same filters (a date ``--until`` includes its day, as the sidebar's end day does)."""
    day = (END - timedelta(days=1)).date()
    by_flags = tmp_path / "flags.csv"
    code, _, err = run_cli(
        "export", "--db", str(demo_subset), "--out", str(by_flags), "--service", "lambda,sagemaker-endpoint",
        "--account", "111122223333", "--since", day.isoformat(), "--until", day.isoformat(),
    )  # fmt: skip
    assert code == 0, err
    by_filters = tmp_path / "filters.csv"
    f = Filters(start=day, end=day, services=("lambda", "sagemaker-endpoint"), accounts=("111122223333",))
    written = export_to_file(demo_subset, by_filters, f)
    assert written > 100
    assert by_flags.read_bytes() == by_filters.read_bytes()
    one = next(r for r in rows(demo_subset, "SELECT resource_id FROM resources") if r[0].endswith(":recsys-rank"))[0]
    code, _, err = run_cli("export", "--db", str(demo_subset), "--out", str(tmp_path / "one.csv"), "--resource", one)
    assert code == 0, err
    lines = (tmp_path / "one.csv").read_text().splitlines()[1:]
    assert lines and all(',"recsys-rank",' in line for line in lines)


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--service", "lambda-ish"], "--service 'lambda-ish': must be one of"),
        (["--since", "yesterday"], "--since 'yesterday': not an ISO date or time"),
        (["--since", "2026-11-02", "--until", "2026-11-01"], "--since must be before --until"),
    ],
)
def test_cli_export_refuses_a_bad_selection_in_one_line(
    demo_subset: Path, tmp_path: Path, flags: list[str], words: str
) -> None:
    out = tmp_path / "never.csv"
    code, stdout, stderr = run_cli("export", "--db", str(demo_subset), "--out", str(out), *flags)
    assert code != 0 and not out.exists() and stdout == ""
    assert words in stderr and len(stderr.strip().splitlines()) == 1
