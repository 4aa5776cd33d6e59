"""The kind-independent runner, driven through a real (test) source kind and a real DuckDB file."""

from __future__ import annotations

import itertools
import json
import logging
import os
import select
import socket
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from breakeven.cli import main
from breakeven.exits import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from collectors import config as config_module
from collectors.lock import acquire, lock_path_for, release
from collectors.source import RetentionTier, SourceSettings
from collectors.windows import scope_windows
from tests.collectors.fake_source import RETENTION


@pytest.fixture(autouse=True)
def fake_kind(monkeypatch):
    monkeypatch.setitem(config_module.SOURCE_KINDS, "fake", "tests.collectors.fake_source:parse_source")


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "collectors.toml"
    path.write_text('db = "test.duckdb"\n' + body)
    return path


FAKE = """
[[sources]]
kind = "fake"
name = "f1"
regions = ["r1", "r2"]
"""


def query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_run_then_rerun_changes_nothing(tmp_path, capsys):
    cfg = write_config(tmp_path, FAKE)
    assert main(["run", "--config", str(cfg), "--since", "2h"]) == EXIT_OK
    db = tmp_path / "test.duckdb"
    first = query(db, "SELECT resource_id, period_start, value FROM metrics ORDER BY ALL")
    assert len(first) == 2 * 24  # two regions x 2 h of 5-minute periods
    capsys.readouterr()
    assert main(["run", "--config", str(cfg), "--since", "2h", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["write"]["inserted"] == 0 and report["write"]["updated"] == 0
    assert query(db, "SELECT resource_id, period_start, value FROM metrics ORDER BY ALL") == first
    runs = query(db, "SELECT status, api_calls, rows_per_metric FROM runs ORDER BY started_at")
    assert [r[0] for r in runs] == ["ok", "ok"]
    assert json.loads(runs[0][1]) == {"fake:Get": 2}
    assert json.loads(runs[0][2]) == {"invocations": 48}
    assert not lock_path_for(db).exists()


def test_partial_run_writes_the_rest_and_keeps_the_failed_watermark(tmp_path, capsys):
    cfg = write_config(
        tmp_path, FAKE.replace('regions = ["r1", "r2"]', 'regions = ["r1", "r2"]\nfail_regions = ["r2"]')
    )
    assert main(["run", "--config", str(cfg)]) == EXIT_PARTIAL
    db = tmp_path / "test.duckdb"
    assert query(db, "SELECT DISTINCT resource_id FROM metrics") == [("lambda:000000000000:r1:fn",)]
    assert query(db, "SELECT region FROM watermarks") == [("r1",)]
    status, errors = query(db, "SELECT status, errors FROM runs")[0]
    assert status == "partial" and json.loads(errors) == ["f1/000000000000/r2/lambda: region down"]


def test_a_source_that_raises_fails_alone(tmp_path):
    cfg = write_config(tmp_path, FAKE + '\n[[sources]]\nkind = "fake"\nname = "f2"\nexplode = true\n')
    assert main(["run", "--config", str(cfg)]) == EXIT_PARTIAL
    db = tmp_path / "test.duckdb"
    assert len(query(db, "SELECT DISTINCT resource_id FROM metrics")) == 2
    errors = json.loads(query(db, "SELECT errors FROM runs")[0][0])
    assert errors == ["f2/000000000000/r1/lambda: collection failed: RuntimeError: boom"]


def test_everything_failing_is_exit_5_and_still_recorded(tmp_path):
    cfg = write_config(tmp_path, FAKE.replace('regions = ["r1", "r2"]', 'regions = ["r1"]\nfail_regions = ["r1"]'))
    assert main(["run", "--config", str(cfg)]) == EXIT_FAILED
    assert query(tmp_path / "test.duckdb", "SELECT status FROM runs") == [("failed",)]


def test_dry_run_touches_nothing(tmp_path, capsys):
    cfg = write_config(tmp_path, FAKE)
    assert main(["run", "--config", str(cfg), "--dry-run"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "fake:Get 2" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["collectors.toml"]


def test_lock_held_is_exit_3_naming_the_holder(tmp_path, capsys):
    cfg = write_config(tmp_path, FAKE)
    lock = acquire(lock_path_for(tmp_path / "test.duckdb"))
    try:
        assert main(["run", "--config", str(cfg)]) == EXIT_LOCKED
    finally:
        release(lock)
    err = capsys.readouterr().err
    assert f"PID {os.getpid()} on {socket.gethostname()}" in err
    assert len(err.strip().splitlines()) == 1


def test_stale_lock_from_a_dead_process_is_taken_over(tmp_path):
    cfg = write_config(tmp_path, FAKE)
    path = lock_path_for(tmp_path / "test.duckdb")
    path.write_text(json.dumps({"pid": 2**22 + 7, "host": socket.gethostname(), "started_at": "2026-01-01T00:00:00"}))
    assert main(["run", "--config", str(cfg)]) == EXIT_OK
    detail = json.loads(query(tmp_path / "test.duckdb", "SELECT detail FROM runs")[0][0])
    assert "PID 4194311" in detail["replaced_stale_lock"]
    assert not path.exists()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[[sources]]\nkind = 'fake'\nname = 'a'\nregoins = ['x']\n", "unknown key(s) 'regoins'"),
        ("[[sources]]\nkind = 'nope'\nname = 'a'\n", "unknown kind 'nope'"),
        ("[[sources]]\nkind = 'fake'\nname = 'a'\n[[sources]]\nkind = 'fake'\nname = 'a'\n", "used by another source"),
        ("[[sources]]\nkind = 'fake'\nname = 'a'\nperiod_seconds = 7\n", "period_seconds: 7 is not one of"),
        ("[[sources]]\nkind = 'fake'\nname = 'a b'\n", "name: 'a b' must be"),
        ("[[sources]]\nkind = 'fake'\n", "missing required key 'name'"),
        ("sources = 3\n", "no [[sources]] tables"),
        ("[[sources]\n", "not valid TOML"),
    ],
)
def test_config_errors_are_one_line_exit_2(tmp_path, capsys, body, needle):
    cfg = write_config(tmp_path, body)
    assert main(["run", "--config", str(cfg)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert needle in err and str(cfg) in err
    assert len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["collectors.toml"]


def test_usage_errors(tmp_path, capsys):
    cfg = write_config(tmp_path, FAKE)
    assert main(["run", "--config", str(cfg), "--since", "yesterday"]) == EXIT_USAGE
    assert main(["run", "--config", str(cfg), "--since", "1h", "--until", "2h"]) == EXIT_USAGE
    assert main(["run", "--config", str(cfg), "--source", "missing"]) == EXIT_USAGE
    assert main(["run", "--config", str(tmp_path / "absent.toml")]) == EXIT_USAGE


SETTINGS = SourceSettings("fake", "f", timedelta(minutes=30), 60, timedelta(days=7))


def test_windows_resume_from_watermark_minus_lag():
    now = datetime(2026, 11, 29, 10, 7, 30)
    wins, _ = scope_windows(SETTINGS, RETENTION, now, watermark=datetime(2026, 11, 29, 9, 0))
    assert [(w.start, w.end, w.period_s) for w in wins] == [
        (datetime(2026, 11, 29, 8, 30), datetime(2026, 11, 29, 10, 7), 60)
    ]


def test_backfill_is_cut_by_retention_without_gaps_or_overlaps():
    now = datetime(2026, 11, 29, 10, 7, 30)
    wins, notes = scope_windows(SETTINGS, RETENTION, now, None, since=now - timedelta(days=500))
    assert [w.period_s for w in wins] == [3600, 300, 60]
    assert notes and "beyond the provider's retention" in notes[0]
    for older, newer in itertools.pairwise(wins):
        assert older.end == newer.start
    for w in wins:
        assert (w.start - datetime(1970, 1, 1)).total_seconds() % w.period_s == 0
        tier = next(t for t in RETENTION if t.period_s == w.period_s)
        assert now - w.start < tier.max_age  # every piece starts inside its tier, with margin
    assert wins[0].start >= now - timedelta(days=455)


def test_configured_period_is_never_refined():
    settings = SourceSettings("fake", "f", timedelta(minutes=30), 3600, timedelta(days=7))
    tiers = (RetentionTier(timedelta(days=15), 60), RetentionTier(timedelta(days=455), 3600))
    wins, _ = scope_windows(settings, tiers, datetime(2026, 11, 29, 10, 7), None)
    assert [(w.period_s, w.end) for w in wins] == [(3600, datetime(2026, 11, 29, 10, 0))]


def test_example_config_parses(monkeypatch):
    from collectors.config import load_config

    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "collectors.example.toml")
    (source,) = config.sources
    assert source.settings.name == "prod" and source.aws.regions == ("us-east-1", "eu-west-1")
    assert config.db == root / "data" / "breakeven.duckdb"


def test_status_prints_runs_and_watermarks(tmp_path, capsys):
    cfg = write_config(
        tmp_path, FAKE.replace('regions = ["r1", "r2"]', 'regions = ["r1", "r2"]\nfail_regions = ["r2"]')
    )
    main(["run", "--config", str(cfg)])
    capsys.readouterr()
    assert main(["status", "--config", str(cfg)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "partial" in text and "error: f1/000000000000/r2/lambda: region down" in text
    assert "f1/000000000000/r1/lambda" in text
    assert main(["status", "--db", str(tmp_path / "test.duckdb"), "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    (run,) = data["runs"]
    assert run["status"] == "partial" and run["api_calls"] == {"fake:Get": 2}
    assert [m["region"] for m in data["watermarks"]] == ["r1"]


def test_progress_line_on_a_terminal_and_plain_lines_otherwise(tmp_path):
    import io
    import pty

    from breakeven import terminal

    main_fd, child_fd = pty.openpty()
    with open(child_fd, "w", closefd=True) as tty:
        status = terminal.setup_logging(stream=tty)
        assert status is not None
        status.show("f1/000000000000/r1/lambda: GetMetricData batch 1/3")
        logging.getLogger("collectors").info("f1: ok")
        tty.flush()
        written = ""
        while "f1: ok" not in written and select.select([main_fd], [], [], 5)[0]:
            written += os.read(main_fd, 4096).decode()
    os.close(main_fd)
    assert "\r\x1b[K" in written and "batch 1/3" in written and "f1: ok" in written

    plain = io.StringIO()
    assert terminal.setup_logging(stream=plain) is None
    logging.getLogger("collectors").info("scope done")
    assert "\r" not in plain.getvalue() and plain.getvalue().rstrip().endswith("collectors: scope done")
