"""The dashboard and a collector are two processes on one DuckDB file: prove the rules hold for real."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import connect
from store.writes import write_batch
from tests.conftest import PROJECT_ROOT
from tests.store.helpers import hourly_batch, snapshot

pytestmark = pytest.mark.slow


def _spawn(*args: str) -> subprocess.Popen:
    env = {**os.environ, "BREAKEVEN_LOCK_WAIT_S": "60", "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.workers", *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(proc: subprocess.Popen, timeout: float = 90) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_writer_and_reader_processes_share_the_file_without_errors(empty_db: Path) -> None:
    writer = _spawn("writer", str(empty_db), "10")
    reader = _spawn("reader", str(empty_db), "10")
    wrote, read = _result(writer), _result(reader)
    assert wrote["errors"] == []
    assert read["errors"] == []
    assert wrote["batches"] > 5 and read["reads"] > 5
    with connect(empty_db, read_only=True) as con:
        stored = con.execute("SELECT count(*), count(DISTINCT period_start) FROM metrics").fetchall()[0]
    assert stored == (wrote["rows"], wrote["rows"])


def _wait_for(marker: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "worker exited"
        assert time.monotonic() < deadline, "worker never reached the marker"
        time.sleep(0.02)


def test_writer_killed_inside_its_transaction_leaves_no_partial_batch(empty_db: Path, tmp_path: Path) -> None:
    write_batch(empty_db, hourly_batch(24))
    before = snapshot(empty_db)
    marker = tmp_path / "merged"
    proc = _spawn("stall", str(empty_db), str(marker), "5000")
    _wait_for(marker, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(empty_db) == before  # opens cleanly; the merged-but-uncommitted rows are gone
    write_batch(empty_db, hourly_batch(30))  # and the file takes writes again
    assert len(snapshot(empty_db)["metrics"]) == 30


def test_writer_killed_at_a_random_moment_leaves_all_or_nothing(empty_db: Path, tmp_path: Path) -> None:
    write_batch(empty_db, hourly_batch(24))
    marker = tmp_path / "started"
    rows = 400_000
    proc = _spawn("big", str(empty_db), str(marker), str(rows))
    _wait_for(marker, proc)
    time.sleep(0.8)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with connect(empty_db, read_only=True) as con:
        count = con.execute("SELECT count(*) FROM metrics").fetchall()[0][0]
    assert count in (24, 24 + rows)
