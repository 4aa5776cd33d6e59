"""A ``kill -9`` of a real ``python -m collectors run`` during its write leaves no partial batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from breakeven.cli import main
from breakeven.exits import EXIT_OK
from collectors.lock import lock_path_for
from tests.collectors import aws_seed as seed

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
# Enough zero-filled per-minute rows (> 122,880, one DuckDB row group) that DuckDB writes data blocks to
# the file before the commit: the kill must not make those visible. Each function is invoked once near the
# start of the window: zeros are written only from a function's first datapoint (docs/collectors.md).
FUNCTIONS, DAYS = 10, 14


def test_kill_during_the_write_leaves_the_database_whole(aws_env, aws_config, tmp_path):
    first = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0) - timedelta(days=DAYS, minutes=-5)
    for i in range(FUNCTIONS):
        seed.create_function(aws_env.url, f"fn-{i:02d}")
        seed.put_metric(aws_env.url, "AWS/Lambda", "Invocations", {"FunctionName": f"fn-{i:02d}"}, [(first, 1.0)])
    cfg = aws_config(services=["lambda"], period_seconds=60, provisioned_concurrency=False)
    db = tmp_path / "breakeven.duckdb"
    child = subprocess.Popen(
        [sys.executable, "-m", "collectors", "run", "--config", str(cfg), "--since", f"{DAYS}d"],
        cwd=REPO,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    for line in child.stderr:
        if "writing" in line and "in one transaction" in line:
            break
    else:
        pytest.fail(f"the run ended before writing (exit {child.wait()})")
    size = db.stat().st_size
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and child.poll() is None:
        if Path(str(db) + ".wal").exists() or db.stat().st_size != size:
            break
        time.sleep(0.001)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    con = duckdb.connect(str(db))  # opens (and replays only what was committed)
    runs = con.execute("SELECT status, rows_written FROM runs").fetchall()
    metric_rows = con.execute("SELECT count(*) FROM metrics").fetchall()[0][0]
    resources = con.execute("SELECT count(*) FROM resources").fetchall()[0][0]
    per_function = {n for (n,) in con.execute("SELECT count(*) FROM metrics GROUP BY resource_id").fetchall()}
    con.close()
    if runs:  # the commit won the race: the whole batch is there
        assert runs[0][1] == metric_rows and resources == FUNCTIONS
        (rows_each,) = per_function  # every function whole, from its first datapoint to the end of the window
        assert DAYS * 1440 - 10 <= rows_each <= DAYS * 1440
    else:
        assert metric_rows == 0 and resources == 0

    # The dead run's lock is stale: the next run takes it over and completes.
    assert lock_path_for(db).exists()
    assert main(["run", "--config", str(cfg), "--since", "1h"]) == EXIT_OK
    assert not lock_path_for(db).exists()
