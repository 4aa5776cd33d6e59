"""Inside one process (the Streamlit server runs every session as a thread) reads and writes on one file
share it through the store's gate: no DuckDB "different configuration" error, whole batches only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from store import StoreBusyError, StoreError, connect
from store.db import is_current, run_read
from store.file_gate import gate_state
from store.writes import write_batch
from tests.store.helpers import hourly_batch

BATCH_HOURS = 24


def _until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll a state the test waits for (a thread parked at the gate); the timeout only stops a hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never reached: {what}"
        time.sleep(0.005)


def _in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # the test inspects it
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _count(path: Path) -> int:
    return run_read(path, lambda con: con.execute("SELECT count(*) FROM metrics").fetchone()[0])


def test_threads_reading_and_writing_one_file_see_no_error_and_whole_batches(empty_db: Path) -> None:
    errors: list[BaseException] = []
    seen: list[int] = []
    batches_per_writer, writers, readers, reads_each = 6, 2, 4, 25

    def writer(index: int) -> None:
        for b in range(batches_per_writer):
            start = datetime(2026, 1, 1) + timedelta(days=index * 100 + b)
            try:
                write_batch(empty_db, hourly_batch(BATCH_HOURS, start=start))
            except BaseException as exc:
                errors.append(exc)

    def reader() -> None:
        for _ in range(reads_each):
            try:
                seen.append(_count(empty_db))
                is_current(empty_db)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    threads += [threading.Thread(target=reader) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert len(seen) == readers * reads_each
    assert all(n % BATCH_HOURS == 0 for n in seen), "a reader saw part of a batch"
    assert _count(empty_db) == writers * batches_per_writer * BATCH_HOURS


def _hold_write(path: Path, started: threading.Event, release: threading.Event) -> Callable[[], None]:
    """A long write: one transaction that inserts a whole batch and stays open until released."""

    def run() -> None:
        with connect(path, read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO metrics SELECT 'lambda:1:r:f', 'invocations', TIMESTAMP '2026-02-01' + INTERVAL (i) HOUR, "
                "3600, 1.0, 'test' FROM range(24) t(i)"
            )
            started.set()
            release.wait(timeout=120)
            con.execute("COMMIT")

    return run


def test_a_reader_during_a_long_write_waits_then_sees_the_whole_write(empty_db: Path) -> None:
    started, release = threading.Event(), threading.Event()
    writer, wrote = _in_thread(_hold_write(empty_db, started, release))
    assert started.wait(timeout=60)
    reader, read = _in_thread(lambda: _count(empty_db))
    _until(lambda: gate_state(empty_db)["readers_waiting"] == 1, "the reader parked behind the write")
    assert "value" not in read
    release.set()
    writer.join(timeout=60)
    reader.join(timeout=60)
    assert "error" not in wrote and "error" not in read
    assert read["value"] == 24


def test_a_wait_longer_than_the_setting_is_a_plain_busy_error(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "0.3")
    started, release = threading.Event(), threading.Event()
    writer, _ = _in_thread(_hold_write(empty_db, started, release))
    assert started.wait(timeout=60)
    try:
        with pytest.raises(StoreBusyError) as caught:
            _count(empty_db)
    finally:
        release.set()
        writer.join(timeout=60)
    message = str(caught.value)
    assert "busy" in message and "different configuration" not in message and "\n" not in message
    assert _count(empty_db) == 24  # the write went through; the refused read changed nothing


def test_a_connection_opened_outside_the_store_is_waited_out_then_reported_in_words(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BREAKEVEN_LOCK_WAIT_S", "0.3")
    outside = duckdb.connect(str(empty_db), read_only=False)
    try:
        with pytest.raises(StoreBusyError) as caught:
            _count(empty_db)
    finally:
        outside.close()
    assert "different configuration" not in str(caught.value)
    assert _count(empty_db) == 0  # and once it is closed, the read goes through


def test_a_waiting_writer_holds_back_new_readers_and_is_not_starved(empty_db: Path) -> None:
    order: list[str] = []
    first_in, first_out = threading.Event(), threading.Event()

    def first_reader() -> None:
        with connect(empty_db, read_only=True):
            first_in.set()
            first_out.wait(timeout=60)
        order.append("first reader")

    def writer() -> None:
        write_batch(empty_db, hourly_batch(BATCH_HOURS))
        order.append("writer")

    def late_reader() -> int:
        n = _count(empty_db)
        order.append("late reader")
        return n

    a, _ = _in_thread(first_reader)
    assert first_in.wait(timeout=60)
    w, wrote = _in_thread(writer)
    _until(lambda: gate_state(empty_db)["writers_waiting"] == 1, "the writer waiting for the reader")
    b, late = _in_thread(late_reader)
    _until(lambda: gate_state(empty_db)["readers_waiting"] == 1, "the late reader parked behind the writer")
    first_out.set()
    for t in (a, w, b):
        t.join(timeout=60)
    assert "error" not in wrote and "error" not in late
    assert order == ["first reader", "writer", "late reader"]
    assert late["value"] == BATCH_HOURS


def test_a_read_inside_a_read_goes_ahead_of_a_waiting_writer(empty_db: Path) -> None:
    holding, go_on = threading.Event(), threading.Event()

    def nested() -> int:
        with connect(empty_db, read_only=True):
            holding.set()
            go_on.wait(timeout=60)
            return _count(empty_db)  # a second read by the same thread: must not wait for the writer

    r, read = _in_thread(nested)
    assert holding.wait(timeout=60)
    w, wrote = _in_thread(lambda: write_batch(empty_db, hourly_batch(BATCH_HOURS)))
    _until(lambda: gate_state(empty_db)["writers_waiting"] == 1, "the writer waiting")
    go_on.set()
    r.join(timeout=60)
    w.join(timeout=60)
    assert read == {"value": 0}
    assert "error" not in wrote
    assert _count(empty_db) == BATCH_HOURS


def test_a_read_inside_the_same_threads_write_shares_its_connection(empty_db: Path) -> None:
    with connect(empty_db, read_only=False) as con:
        con.execute(
            "INSERT INTO metrics VALUES ('lambda:1:r:f', 'invocations', TIMESTAMP '2026-02-01', 3600, 1.0, 't')"
        )
        assert _count(empty_db) == 1
    assert gate_state(empty_db) == {"readers": 0, "writing": 0, "readers_waiting": 0, "writers_waiting": 0}


def test_a_write_inside_the_same_threads_read_is_refused_in_words(empty_db: Path) -> None:
    with connect(empty_db, read_only=True), pytest.raises(StoreError, match="while this same task is reading"):
        write_batch(empty_db, hourly_batch(BATCH_HOURS))
    assert _count(empty_db) == 0
    assert gate_state(empty_db)["readers"] == 0


def test_a_read_that_runs_off_the_end_of_the_file_is_started_again(empty_db, monkeypatch) -> None:
    import duckdb

    import common.retry
    from store.db import run_read

    monkeypatch.setattr(common.retry, "pause", lambda _s: None)
    calls = []

    def flaky(con):
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.IOException(f'IO Error: Could not read enough bytes from file "{empty_db}": attempted to read')
        return con.execute("SELECT count(*) FROM metrics").fetchone()[0]

    assert run_read(empty_db, flaky) == 0
    assert len(calls) == 3


def test_a_file_that_stays_short_is_a_store_error_in_words(empty_db, monkeypatch) -> None:
    import duckdb

    import common.retry
    from store.db import run_read

    monkeypatch.setattr(common.retry, "pause", lambda _s: None)

    def short(_con):
        raise duckdb.IOException("IO Error: Could not read enough bytes from file: attempted to read 262144 bytes")

    with pytest.raises(StoreError) as caught:
        run_read(empty_db, short)
    assert "could not be read" in str(caught.value) and "5 tries" in str(caught.value)

    def other(_con):
        raise duckdb.IOException("IO Error: something else")

    with pytest.raises(duckdb.IOException):  # not a short read: not retried, not reworded
        run_read(empty_db, other)
