"""``python -m collectors import`` / ``export``: JSON summaries, dry runs, detection, help."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from importers import ImportOptions
from importers.detect import detect_format
from importers.files import InputFile, read_head
from importers.uploads import import_previews, preview_files
from store.schema import SCHEMA_VERSION, apply_migrations, schema_version
from tests.importers.conftest import SAMPLES, db_state, rows, run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("long.csv", "long"),
        ("cloudwatch-get-metric-data.json", "cloudwatch-json"),
        ("logs-insights-report-fields.csv", "logs-insights"),
        ("logs-insights-report-messages.csv", "logs-insights"),
        ("monitoring-cloud-run.json", "monitoring-json"),
        ("monitoring-cloud-functions-pages.json", "monitoring-json"),
        ("wide-console.csv", "wide"),
    ],
)
def test_every_sample_is_detected(name: str, expected: str) -> None:
    file = InputFile.from_path(SAMPLES / name)
    assert detect_format(read_head(file), name) == expected


def test_import_prints_a_json_summary(store_db: Path) -> None:
    code, out, err = run_cli(
        "import",
        str(SAMPLES / "long.csv"),
        str(SAMPLES / "cloudwatch-get-metric-data.json"),
        "--queries",
        str(SAMPLES / "cloudwatch-queries.json"),
        "--account",
        "111122223333",
        "--region",
        "us-east-1",
        "--db",
        str(store_db),
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["db"] == str(store_db) and report["dry_run"] is False
    assert [(f["file"], f["format"], f["rows"]) for f in report["files"]] == [
        ("long.csv", "long", 60),
        ("cloudwatch-get-metric-data.json", "cloudwatch-json", 40),
    ]
    assert report["files"][0]["inserted"] == 60
    assert rows(store_db, "SELECT count(*) FROM uploads") == [(2,)]


def test_dry_run_writes_nothing(store_db: Path) -> None:
    before = db_state(store_db)
    code, out, _ = run_cli("import", str(SAMPLES / "long.csv"), "--dry-run", "--db", str(store_db))
    assert code == 0
    (summary,) = json.loads(out)["files"]
    assert summary["rows"] == 60 and summary["resources"] == 2 and "inserted" not in summary
    assert db_state(store_db) == before


def test_mapping_template_then_import(store_db: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli("import", str(SAMPLES / "wide-console.csv"), "--mapping-template")
    assert code == 0
    template = json.loads(out)
    assert template["time_column"] == "Time (UTC)"
    assert template["columns"]["churn-scorer Invocations"] == {
        "service": "",
        "resource": "churn-scorer",
        "metric": "invocations",
    }
    template["columns"]["Label"] = None  # a text column: skip it
    for column in filter(None, template["columns"].values()):
        column.update(service="lambda")
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(template))
    code, out, err = run_cli("import", str(SAMPLES / "wide-console.csv"), "--mapping", str(path), "--db", str(store_db))
    assert code == 0, err
    assert json.loads(out)["files"][0]["format"] == "wide"


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    code, _, err = run_cli("import", str(tmp_path / "missing.csv"))
    assert (code, err.strip()) == (2, f"error: no such file: {tmp_path / 'missing.csv'}")
    code, _, err = run_cli("import", str(SAMPLES / "long.csv"), "--period", "0")
    assert (code, err.strip()) == (2, "error: --period must be a whole number of seconds above 0")


@pytest.mark.parametrize(("flag", "value"), [("--account", "1111:prod"), ("--region", "us-east-1:a")])
def test_an_account_or_region_with_a_colon_is_a_usage_error(store_db: Path, flag: str, value: str) -> None:
    before = db_state(store_db)
    code, out, err = run_cli("import", str(SAMPLES / "long.csv"), "--db", str(store_db), flag, value)
    assert (code, out) == (2, "")
    assert err.strip() == (
        f"error: {flag} {value!r} contains ':', which Breakeven uses to join resource keys "
        "(service:account:region:name)"
    )
    assert db_state(store_db) == before


def test_help_names_every_format() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "collectors", "import", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for name in ("long", "cloudwatch-json", "logs-insights", "monitoring-json", "wide", "--queries", "--mapping"):
        assert name in out
    out = subprocess.run(
        [sys.executable, "-m", "collectors", "export", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "--out" in out


def test_terminal_progress_rewrites_one_line(store_db: Path) -> None:
    import io

    from breakeven.terminal import StatusLine
    from importers import ImportOptions, InputFile, import_files

    stream = io.StringIO()
    bar = StatusLine(stream)
    import_files(store_db, [InputFile.from_path(SAMPLES / "long.csv")], ImportOptions(), progress=bar.progress)
    bar.clear()
    frames = stream.getvalue().split("\r\x1b[K")
    assert frames[0] == "" and frames[-1] == ""  # every frame rewrites the line; close() clears it
    shown = [f for f in frames if f]
    assert shown[0].startswith("[") and "long.csv: reading" in shown[0]  # read and fingerprinted at once
    assert shown[-1].startswith("[##############################] 100.0% long.csv: written")
    assert "\n" not in stream.getvalue()


def _misaligned_monitoring() -> bytes:
    """Passes the parser, refused by the store at write time: an hour starting at half past."""
    series = {
        "metric": {"type": "run.googleapis.com/request_count"},
        "resource": {"type": "cloud_run_revision", "labels": {"service_name": "s", "location": "l", "project_id": "p"}},
        "metricKind": "DELTA",
        "points": [
            {
                "interval": {"startTime": "2025-05-08T00:30:00Z", "endTime": "2025-05-08T01:30:00Z"},
                "value": {"int64Value": "5"},
            }
        ],
    }
    return json.dumps({"timeSeries": [series]}).encode()


REFUSED_AT_WRITE = {
    "negative.csv": b"timestamp,service,resource,metric,value\n2025-05-08T00:00:00Z,lambda,fn,invocations,-1\n",
    "misaligned.json": _misaligned_monitoring(),
}


@pytest.mark.parametrize("name", list(REFUSED_AT_WRITE))
def test_a_rejected_import_creates_no_database(tmp_path: Path, name: str) -> None:
    bad, db = tmp_path / name, tmp_path / "new" / "breakeven.duckdb"
    bad.write_bytes(REFUSED_AT_WRITE[name])
    code, out, err = run_cli("import", str(bad), "--db", str(db))
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith(f"error: {name} was rejected")
    assert not db.exists() and not db.with_name(db.name + ".wal").exists()
    code, _, err = run_cli("import", str(SAMPLES / "long.csv"), "--db", str(db))
    assert code == 0, err
    assert rows(db, "SELECT count(*) FROM metrics") == [(60,)]


@pytest.mark.parametrize("name", list(REFUSED_AT_WRITE))
def test_a_rejected_import_does_not_migrate_an_older_database(tmp_path: Path, name: str) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    apply_migrations(con, target=SCHEMA_VERSION - 1)
    con.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    bad = tmp_path / name
    bad.write_bytes(REFUSED_AT_WRITE[name])
    code, _, _ = run_cli("import", str(bad), "--db", str(db))
    assert code == 2
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert schema_version(con) == SCHEMA_VERSION - 1
    finally:
        con.close()


def test_the_pages_import_of_a_refused_file_creates_no_database(tmp_path: Path) -> None:
    bad = tmp_path / "misaligned.json"
    bad.write_bytes(REFUSED_AT_WRITE["misaligned.json"])
    (preview,) = preview_files([InputFile.from_path(bad)], ImportOptions())
    # the parser has no objection; the store's own checks run in the preview, before any file is opened
    assert not preview.ok and "not on a multiple of its 3600-s period" in preview.rejection.summary()
    db = tmp_path / "breakeven.duckdb"
    with pytest.raises(ValueError, match=r"not importing while files are rejected: misaligned\.json"):
        import_previews(db, [preview])
    assert not db.exists()


@pytest.mark.parametrize("argv", [["status"], ["status", "--json"], ["export"], ["export", "--out", "x.csv"]])
def test_a_missing_database_is_a_usage_error_not_a_busy_store(tmp_path: Path, argv: list[str]) -> None:
    db = tmp_path / "nowhere.duckdb"
    argv = [a if a != "x.csv" else str(tmp_path / "x.csv") for a in argv]
    if argv == ["export"]:  # to standard output: run the real process, whose stdout has a binary buffer
        done = subprocess.run(
            [sys.executable, "-m", "collectors", *argv, "--db", str(db)], cwd=ROOT, capture_output=True, text=True
        )
        code, out, err = done.returncode, done.stdout, done.stderr
    else:
        code, out, err = run_cli(*argv, "--db", str(db))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"error: No database at {db}. Run `python -m breakeven demo` or a collector first."]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database, no export file, no .partial


def test_export_to_a_folder_that_does_not_exist_is_one_line(store_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "x.csv"
    code, out, err = run_cli("export", "--db", str(store_db), "--out", str(target))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"error: --out {target}: the folder {target.parent} does not exist"]
    code, _, err = run_cli("export", "--db", str(store_db), "--out", str(tmp_path))
    assert code == 2 and err.splitlines() == [f"error: --out {tmp_path}: cannot write it (Is a directory)"]
