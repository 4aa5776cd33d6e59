"""The one place that opens DuckDB.

DuckDB allows one read-write process or many read-only processes on a file, never both. The dashboard
and a cron collector are separate processes, so every open says ``read_only`` explicitly, connections
are short-lived (open, work, close), and a conflicting lock is retried with jittered exponential
backoff for a bounded time before a plain-words :class:`StoreBusyError`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from common.settings import settings
from store.errors import StoreBusyError, StoreMissingError, StoreSchemaError
from store.schema import SCHEMA_VERSION, apply_migrations, schema_version

# A private, empty database that lives as long as its connection: ``connect(IN_MEMORY, read_only=False)``
# opens a new one each time, already migrated, and changes no file.
IN_MEMORY = Path(":memory:")

T = TypeVar("T")


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def with_lock_retry(action: Callable[[], T], path: Path, max_wait_s: float | None = None) -> T:
    """Run ``action`` and retry it while another process holds a conflicting lock on ``path``."""
    deadline = time.monotonic() + (settings().lock_wait_s if max_wait_s is None else max_wait_s)
    delay = 0.02
    while True:
        try:
            return action()
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_conflict(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"The database {path} is busy: another process (a collector run or an import) has held "
                    f"it for longer than {max_wait_s or settings().lock_wait_s:.0f} s. Try again when it finishes."
                ) from None
            time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not cryptography
            delay = min(delay * 2, 0.25)


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    return with_lock_retry(lambda: duckdb.connect(str(path), read_only=read_only), path)


@contextmanager
def connect(path: Path, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path`` for one short piece of work.

    Read-only opens require an existing database at the current schema version (``ensure_database``
    creates and migrates). Read-write opens migrate on open, so an older file is upgraded in place and
    never silently recreated.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise StoreMissingError(f"No database at {path}. Run `python -m collectors demo` or a collector first.")
    if not read_only and path != IN_MEMORY:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only)
    try:
        con.execute("SET enable_progress_bar = false")
        if read_only:
            found = schema_version(con)
            if found != SCHEMA_VERSION:
                raise StoreSchemaError(
                    f"The database {path} is at schema version {found}, this code expects {SCHEMA_VERSION}; "
                    "open it read-write once (any collector command does) to migrate it."
                )
        else:
            apply_migrations(con)
        yield con
    finally:
        con.close()


def is_current(path: Path) -> bool:
    """Whether a database exists at ``path`` at this code's schema version (a write would neither create
    nor migrate it). Opens the file read-only, so it changes nothing."""
    path = Path(path)
    if not path.exists():
        return False
    with _open(path, True) as probe:
        return schema_version(probe) == SCHEMA_VERSION


def ensure_database(path: Path) -> bool:
    """Create or migrate the database at ``path``; True when it did not exist before."""
    path = Path(path)
    created = not path.exists()
    if is_current(path):
        return False
    with connect(path, read_only=False):
        pass
    return created


def run_read(path: Path, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Open read-only, run ``fn``, close: the pattern every page query follows."""
    with connect(path, read_only=True) as con:
        return fn(con)


def read_as_is(path: Path, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T | None:
    """Run ``fn`` on the file read-only at whatever schema version it has, without creating or migrating it.

    None when there is no file (or ``fn`` reads a table it does not have yet): a check before a write that
    must leave a missing or older file as it is.
    """
    path = Path(path)
    if path == IN_MEMORY or not path.exists():
        return None
    with _open(path, True) as con:
        try:
            return fn(con)
        except duckdb.CatalogException:
            return None
