"""First start: build the database once, then let everyone open the same finished file.

Several browser tabs (threads of one Streamlit process) or several processes can meet a missing database
at the same moment. Exactly one of them builds it — the demo estate or an empty store — into a temporary
file in the same folder and renames it into place (a rename within one folder is atomic), holding an OS
lock on a file next to the database while it does; the others wait on that lock and then open what it
built. A crash mid-build leaves only a temporary file, never a half database at the real path; the next
start removes such leftovers while it holds the lock.

The lock is ``flock`` on its own open file: the kernel drops it when the holder dies (even ``kill -9``),
and two opens in one process exclude each other too, so threads and processes queue the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from common.settings import settings
from store.db import connect, ensure_database
from store.errors import StoreBusyError, StoreError

INIT_LOCK_SUFFIX = ".first-start.lock"
BUILDING_MARK = ".building-"
# Building the demo takes a few seconds; a waiter gives the builder at least this long.
FIRST_START_WAIT_S = 300.0
POLL_S = 0.05


def init_lock_path(path: Path) -> Path:
    return Path(f"{path}{INIT_LOCK_SUFFIX}")


def _temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{BUILDING_MARK}{uuid.uuid4().hex[:12]}")


@contextlib.contextmanager
def _first_start_lock(path: Path) -> Iterator[None]:
    """Hold the first-start lock of ``path``, waiting (bounded) for whoever builds it now."""
    lock = init_lock_path(path)
    deadline = time.monotonic() + max(settings().lock_wait_s, FIRST_START_WAIT_S)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the first-start lock {lock.name} next to the database: {exc.strerror}."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"The database {path.name} is still being created by another session or process; "
                    "try again in a minute."
                ) from None
            time.sleep(POLL_S)
            continue
        # the previous holder may have removed the file between our open and our lock: use the new one
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)  # while still holding it, so a waiter re-opens a fresh file
        os.close(fd)


def _remove_leftovers(path: Path) -> None:
    """Temporary files of a first start that crashed (only called while holding the lock)."""
    for leftover in path.parent.glob(f".{path.name}{BUILDING_MARK}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _build(target: Path, build: Callable[[Path], object] | None) -> None:
    if build is not None:
        build(target)
    else:
        ensure_database(target)
    with connect(target, read_only=False) as con:
        con.execute("CHECKPOINT")  # everything in the main file: the write-ahead log does not move with it


def prepare_database(path: Path, *, build: Callable[[Path], object] | None = None) -> bool:
    """Make sure a current database exists at ``path``; True when this call built it.

    An existing file is only migrated if it is older than this code (a gated write, so concurrent callers
    queue). A missing one is built once while every other caller waits for it: by ``build`` (a writer such
    as ``demo.write_demo``, handed in because the store imports no writer), else as an empty store.
    """
    path = Path(path)
    if path.exists():
        ensure_database(path)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with _first_start_lock(path):
        if path.exists():  # someone else built it while we waited
            ensure_database(path)
            return False
        _remove_leftovers(path)
        temporary = _temporary_path(path)
        try:
            _build(temporary, build)
            os.replace(temporary, path)
            with contextlib.suppress(OSError):  # make the rename itself durable
                folder = os.open(path.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)
        finally:
            for part in (temporary, Path(f"{temporary}.wal")):
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()
    return True
