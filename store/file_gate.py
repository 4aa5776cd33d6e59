"""One coordination point per database file inside this process: readers share, a writer is exclusive.

DuckDB refuses a read-only connection while the same process holds a read-write one on the file (and the
reverse) with "Can't open a connection to same database file with a different configuration". The
Streamlit server runs every browser session as a thread of one process, so two sessions (a page read and
an Upload import, or two first starts) would hit that at once. Every open of a file therefore passes its
gate first, keyed by the file's resolved path:

- any number of readers at once, or one writer (which may open again, read or write, while it writes:
  DuckDB shares the open database between connections of the same configuration);
- re-entrant: a thread holding a read may read again even while a writer waits (it would deadlock
  otherwise), but may not start a write (an upgrade that would wait for itself): a plain-words error;
- phase-fair: a waiting writer holds back new readers (no writer starvation), and the readers that
  waited through a write go in before the next writer (no reader starvation);
- bounded: a wait longer than the lock-wait setting ends in a :class:`StoreBusyError` in plain words.

Other processes (a cron collector, the CLI) are not seen here; DuckDB's file lock and the store's
retry with backoff handle them, as before.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from store.errors import StoreBusyError, StoreError


@dataclass
class _Gate:
    """The state of one file's gate; every field is read and changed under ``cond``."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    readers: dict[int, int] = field(default_factory=dict)  # thread id -> how many reads it holds
    writer: int | None = None
    writer_depth: int = 0
    writers_waiting: int = 0
    readers_waiting: int = 0
    writes_done: int = 0  # a generation: readers that arrived before the last write ended go first


_gates: dict[str, _Gate] = {}
_gates_lock = threading.Lock()


def gate_key(path: Path) -> str:
    """The resolved path: two spellings of one file (relative, symlinked) share one gate."""
    return os.path.realpath(path)


def _gate_for(path: Path) -> _Gate:
    key = gate_key(path)
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = _Gate()
        return gate


def holds_write(path: Path) -> bool:
    """Whether the calling thread is writing to ``path`` (its reads then share the writer's connection
    configuration, since DuckDB refuses a read-only one beside it)."""
    gate = _gate_for(path)
    with gate.cond:
        return gate.writer == threading.get_ident()


def gate_state(path: Path) -> dict[str, int]:
    """How many threads read, write and wait on ``path`` now: for tests and diagnostics."""
    gate = _gate_for(path)
    with gate.cond:
        return {
            "readers": sum(gate.readers.values()),
            "writing": int(gate.writer is not None),
            "readers_waiting": gate.readers_waiting,
            "writers_waiting": gate.writers_waiting,
        }


def _busy(path: Path, wait_s: float, doing: str) -> StoreBusyError:
    return StoreBusyError(
        f"The database {Path(path).name} is busy: this dashboard has been {doing} it for longer than "
        f"{wait_s:.0f} s (an import or the first start). Try again in a moment."
    )


def _wait(gate: _Gate, deadline: float) -> bool:
    """Wait for the gate's state to change; False once the deadline has passed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    gate.cond.wait(remaining)
    return True


def _acquire_read(gate: _Gate, path: Path, deadline: float, wait_s: float) -> None:
    me = threading.get_ident()
    if gate.writer == me or me in gate.readers:
        gate.readers[me] = gate.readers.get(me, 0) + 1
        return
    arrived = gate.writes_done
    gate.readers_waiting += 1
    try:
        while True:
            waited_through_a_write = gate.writes_done > arrived
            if gate.writer is None and (gate.writers_waiting == 0 or waited_through_a_write):
                gate.readers[me] = 1
                return
            if not _wait(gate, deadline):
                raise _busy(path, wait_s, "writing to")
    finally:
        gate.readers_waiting -= 1


def _acquire_write(gate: _Gate, path: Path, deadline: float, wait_s: float) -> None:
    me = threading.get_ident()
    if gate.writer == me:
        gate.writer_depth += 1
        return
    if me in gate.readers:
        raise StoreError(
            f"Cannot write to {Path(path).name} while this same task is reading it; the read must end first."
        )
    gate.writers_waiting += 1
    try:
        while gate.writer is not None or gate.readers:
            if not _wait(gate, deadline):
                raise _busy(path, wait_s, "reading" if gate.readers else "writing to")
        gate.writer, gate.writer_depth = me, 1
    finally:
        gate.writers_waiting -= 1


def _release(gate: _Gate, write: bool) -> None:
    me = threading.get_ident()
    with gate.cond:
        if write:
            gate.writer_depth -= 1
            if gate.writer_depth == 0:
                gate.writer = None
                gate.writes_done += 1
        else:
            left = gate.readers[me] - 1
            if left:
                gate.readers[me] = left
            else:
                del gate.readers[me]
        gate.cond.notify_all()


@contextmanager
def hold(path: Path, *, write: bool, wait_s: float) -> Iterator[None]:
    """Hold ``path``'s gate for one piece of work: shared for a read, exclusive for a write."""
    gate = _gate_for(path)
    deadline = time.monotonic() + wait_s
    with gate.cond:
        if write:
            _acquire_write(gate, path, deadline, wait_s)
        else:
            _acquire_read(gate, path, deadline, wait_s)
    try:
        yield
    finally:
        _release(gate, write)
