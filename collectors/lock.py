"""One collector run at a time per database: a lock file next to it, held with an OS lock.

The file records who holds it (PID, host, start time) so a refused run can say so. The OS lock
(``flock``) is released by the kernel when the holder dies, even by ``kill -9``, so a lock file whose
owner is gone is *stale*: the next run takes it over and logs whom it replaced (and whether that PID is
still alive on this host). The OS lock, not the PID, decides: PIDs are reused, and a recycled PID must
never block cron forever.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from collectors.errors import LockHeldError

LOCK_SUFFIX = ".collector.lock"


def lock_path_for(db_path: Path) -> Path:
    return Path(str(db_path) + LOCK_SUFFIX)


@dataclass(frozen=True)
class LockOwner:
    pid: int | None
    host: str | None
    started_at: str | None

    def describe(self) -> str:
        return f"PID {self.pid} on {self.host or 'an unknown host'} since {self.started_at or 'an unknown time'}"


def _read_owner(fd: int) -> LockOwner:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        data = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = {}
    pid = data.get("pid")
    return LockOwner(pid if isinstance(pid, int) else None, data.get("host"), data.get("started_at"))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class HeldLock:
    path: Path
    fd: int
    replaced: LockOwner | None  # the stale owner this run took over from, if any


def acquire(path: Path) -> HeldLock:
    """Take the lock or raise ``LockHeldError`` naming the holder. Never blocks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_owner(fd)
            os.close(fd)
            raise LockHeldError(
                f"another collector run holds {path} ({owner.describe()}); wait for it to finish"
            ) from None
        # The previous holder may have unlinked the file between our open and our flock: retry on the new one.
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        previous = _read_owner(fd)
        replaced = previous if previous.pid is not None else None
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started_at": datetime.now(UTC).isoformat()}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(record).encode("utf-8"))
        os.fsync(fd)
        return HeldLock(path=path, fd=fd, replaced=replaced)


def release(lock: HeldLock) -> None:
    """Remove the file while still holding the OS lock, then let the lock go."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock.path)
    os.close(lock.fd)


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[HeldLock]:
    lock = acquire(path)
    try:
        yield lock
    finally:
        release(lock)
