"""The one place that opens DuckDB.

DuckDB allows one read-write process or many read-only processes on a file, never both. The dashboard
and a cron collector are separate processes, so every open says ``read_only`` explicitly, connections
are short-lived (open, work, close), and a conflicting lock is retried with jittered exponential
backoff for a bounded time before a plain-words :class:`StoreBusyError`.

Inside this process (the Streamlit server runs every session as a thread) each open first passes the
file's gate (``store.file_gate``): readers share, a writer is exclusive, so DuckDB's in-process "different
configuration" refusal is never reached; should it still appear (a connection opened outside the store),
it is waited out like a lock and then reported in plain words.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from common.retry import RetryPolicy, call_with_retry
from common.settings import settings
from store.errors import StoreBusyError, StoreError, StoreMissingError, StoreSchemaError
from store.file_gate import hold, holds_write
from store.schema import SCHEMA_VERSION, apply_migrations, schema_version

# A private, empty database that lives as long as its connection: ``connect(IN_MEMORY, read_only=False)``
# opens a new one each time, already migrated, and changes no file.
IN_MEMORY = Path(":memory:")

T = TypeVar("T")


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text or _is_config_conflict(exc)


def _is_config_conflict(exc: BaseException) -> bool:
    """DuckDB's refusal of a read-only and a read-write connection to one file in one process."""
    return "different configuration" in str(exc)


def with_lock_retry(action: Callable[[], T], path: Path, max_wait_s: float | None = None) -> T:
    """Run ``action`` and retry it while another process holds a conflicting lock on ``path``: the shared
    retry helper with a deadline (``BREAKEVEN_LOCK_WAIT_S``), short jittered waits (20 ms doubling to 250 ms),
    then a plain-words :class:`StoreBusyError`."""
    wait_s = settings().lock_wait_s if max_wait_s is None else max_wait_s
    policy = RetryPolicy("database lock", attempts=None, deadline_s=wait_s, base_delay_s=0.02, max_delay_s=0.25)

    def classify(exc: BaseException) -> RetryPolicy | None:
        conflict = isinstance(exc, duckdb.IOException | duckdb.ConnectionException) and _is_lock_conflict(exc)
        return policy if conflict else None

    def busy(exc: BaseException, _tries: int) -> StoreBusyError:
        holder = "another connection in this program" if _is_config_conflict(exc) else "another process"
        return StoreBusyError(
            f"The database {path} is busy: {holder} (a collector run or an import) has held "
            f"it for longer than {wait_s:.0f} s. Try again when it finishes."
        )

    try:
        return call_with_retry(action, classify, exhausted=busy)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        if "not a valid DuckDB database" in str(exc):
            raise StoreError(
                f"The file {path} is not a DuckDB database; point BREAKEVEN_DB or --db at a Breakeven database."
            ) from None
        raise


def _open(path: Path, read_only: bool, max_wait_s: float | None = None) -> duckdb.DuckDBPyConnection:
    if read_only and path != IN_MEMORY and holds_write(path):
        # a read inside this thread's own write: DuckDB shares the open database only with a connection
        # of the same configuration, and the read cannot change anything the write does not already see
        read_only = False
    config = _read_config() if read_only else {}
    return with_lock_retry(lambda: duckdb.connect(str(path), read_only=read_only, config=config), path, max_wait_s)


def _read_config() -> dict[str, str]:
    """DuckDB's settings for a read-only open: its memory bounded (``BREAKEVEN_READ_MEMORY_MB``), so a page's
    query over a large estate (the Overview's 5-minute traffic of a two-day window reads every resource's rows
    spread into 5-minute pieces: 4.5 GB at 5,000 resources unbounded) spills to the temporary folder instead
    of growing the one process every session shares. DuckDB's default is 80 % of the machine's memory.
    The limit is the database instance's, so reads running at once in the process share it."""
    spill = Path(tempfile.gettempdir()) / f"breakeven-duckdb-{os.getpid()}"  # a process's own: DuckDB removes it
    return {"memory_limit": f"{settings().read_memory_mb}MiB", "temp_directory": str(spill)}


@contextmanager
def _gated(path: Path, *, write: bool) -> Iterator[float]:
    """Pass the file's in-process gate; yields what is left of the lock-wait budget for the open."""
    wait_s = settings().lock_wait_s
    if path == IN_MEMORY:  # a private database per connection: nothing to share
        yield wait_s
        return
    started = time.monotonic()
    with hold(path, write=write, wait_s=wait_s):
        yield max(wait_s - (time.monotonic() - started), 0.0)


@contextmanager
def connect(path: Path, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path`` for one short piece of work.

    Read-only opens require an existing database at the current schema version (``ensure_database``
    creates and migrates). Read-write opens migrate on open, so an older file is upgraded in place and
    never silently recreated.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise StoreMissingError(f"No database at {path}. Run `python -m breakeven demo` or a collector first.")
    if not read_only and path != IN_MEMORY:
        path.parent.mkdir(parents=True, exist_ok=True)
    with _gated(path, write=not read_only) as wait_left:
        con = _open(path, read_only, wait_left)
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
    with _gated(path, write=False) as wait_left, _open(path, True, wait_left) as probe:
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


def _short_read(exc: BaseException) -> bool:
    """DuckDB read past the end of the file: its header promised blocks the file no longer holds."""
    text = str(exc)
    return isinstance(exc, duckdb.IOException) and ("Could not read enough bytes" in text or "read all bytes" in text)


def run_read(path: Path, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Open read-only, run ``fn``, close: the pattern every page query follows.

    A read that runs off the end of the file is started again from a fresh open: under load we saw one in
    about thirty runs of a reader process beside a writer process, where the file changed size between the
    reader's header and its blocks. Reads are repeatable, so a few jittered retries (bounded like a lock wait)
    cost nothing; a file that stays short is damaged, and that is said in words.
    """
    policy = RetryPolicy(
        "short read", attempts=5, deadline_s=settings().lock_wait_s, base_delay_s=0.05, max_delay_s=0.5
    )

    def attempt() -> T:
        with connect(path, read_only=True) as con:
            return fn(con)

    def damaged(exc: BaseException, tries: int) -> StoreError:
        return StoreError(
            f"The database {path} could not be read ({' '.join(str(exc).split())[:200]}; {tries} tries). If another "
            "program is rewriting it, try again when it finishes; otherwise the file is damaged."
        )

    return call_with_retry(attempt, lambda exc: policy if _short_read(exc) else None, exhausted=damaged)


def read_as_is(path: Path, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T | None:
    """Run ``fn`` on the file read-only at whatever schema version it has, without creating or migrating it.

    None when there is no file (or ``fn`` reads a table it does not have yet): a check before a write that
    must leave a missing or older file as it is.
    """
    path = Path(path)
    if path == IN_MEMORY or not path.exists():
        return None
    with _gated(path, write=False) as wait_left, _open(path, True, wait_left) as con:
        try:
            return fn(con)
        except duckdb.CatalogException:
            return None
