"""Worker processes for the multi-process store tests: ``python -m tests.store.workers ROLE ...``.

Each role prints one JSON line with what it did and every error it saw, so the test can assert that the
store's lock retries surfaced no error at all to either process.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from store import run_read, writes
from store.writes import Batch, ResourceRecord, metrics_frame, write_batch

FN = ResourceRecord("lambda", "123456789012", "us-east-1", "loop")


def batch_for(i: int, rows: int, first_minute: int = 0) -> Batch:
    """Batch ``i`` of ``rows`` per-minute rows, after every earlier batch's and ``first_minute`` minutes into 2010
    (the store refuses rows beyond tomorrow, so the roles keep their ranges apart in minutes, not hours)."""
    start = datetime(2010, 1, 1) + timedelta(minutes=first_minute + i * rows)
    data = [(FN.resource_id, "invocations", start + timedelta(minutes=m), 60, float(i), "loop") for m in range(rows)]
    return Batch(resources=[FN], metrics=metrics_frame(data))


def writer(path: Path, seconds: float) -> dict:
    errors, batches, deadline = [], 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            write_batch(path, batch_for(batches, 50))
            batches += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"batches": batches, "rows": batches * 50, "errors": errors}


def reader(path: Path, seconds: float) -> dict:
    errors, reads, deadline = [], 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            run_read(path, lambda con: con.execute("SELECT count(*), sum(value) FROM metrics").fetchall())
            reads += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"reads": reads, "errors": errors}


def stall_in_transaction(path: Path, marker: Path, rows: int) -> dict:
    """Write a batch but stop inside the transaction, after the metric rows are written (a MERGE, or the plain
    INSERT of rows alone in their hours) and before COMMIT, until killed."""

    def then_stall(original):
        def written_then_stall(con, *args):
            result = original(con, *args)
            marker.write_text("merged")
            time.sleep(120)
            return result

        return written_then_stall

    writes.merge_staged_metrics = then_stall(writes.merge_staged_metrics)
    writes.insert_staged_metrics = then_stall(writes.insert_staged_metrics)
    write_batch(path, batch_for(0, rows, first_minute=4_000_000))
    return {"error": "the writer was not killed"}


def big_write(path: Path, marker: Path, rows: int) -> dict:
    marker.write_text("starting")
    write_batch(path, batch_for(0, rows, first_minute=6_000_000))
    return {"wrote": rows}


if __name__ == "__main__":
    role, db = sys.argv[1], Path(sys.argv[2])
    if role == "writer":
        result = writer(db, float(sys.argv[3]))
    elif role == "reader":
        result = reader(db, float(sys.argv[3]))
    elif role == "stall":
        result = stall_in_transaction(db, Path(sys.argv[3]), int(sys.argv[4]))
    elif role == "big":
        result = big_write(db, Path(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit(f"unknown role {role}")
    print(json.dumps({**result, "pid": os.getpid()}))
