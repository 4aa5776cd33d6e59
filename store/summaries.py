"""The persisted summary's tables: what a page shows, stored beside the data it was computed from.

Three things live here, and nothing about what the rows mean (``analysis.summary_store`` gives them their
typed JSON form):

- ``data_version``: one counter in the database that every write changing what the analysis reads advances
  inside its own transaction (``advance_data_version``: ``store.writes.write_batch``, ``store.billing``'s
  write and removal, each migration after this one). File modification times cannot say this across
  processes, and a counter advanced in the write's transaction can never disagree with the rows it counts.
- ``summary_entries``: one row per stored summary, its key (what it was computed for), the data version and
  the code version it was computed at, and per part the number of rows and a digest over them.
- ``summary_rows``: one row per resource row of a part (thousands of rows, JSON text, each with its digest).

An entry is written in one transaction (``save_entry``), so a reader never sees half of one, and only when
the data version is still the one the computation began at. ``load_entry`` returns it only when its data
and code versions are the current ones and every row's digest and every part's count and digest agree;
anything else is :class:`SummaryDamaged` (the caller recomputes) or None (nothing stored for this key).
The tables are made by migration 6 (``store.schema``).
Saving is best effort, with a short wait: a read-only file or a busy one is simply not written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from common.timeutil import utc_now
from store.db import IN_MEMORY, run_read, with_lock_retry
from store.errors import StoreError
from store.file_gate import gate_key, hold
from store.schema import SCHEMA_VERSION, schema_version

log = logging.getLogger(__name__)

MAX_ENTRIES = 8  # summaries kept per data version: the default view and a few assumptions or filters
MAX_REMEMBERED = 64  # file times known to hold the same data as earlier ones (this process's saves)
SAVE_WAIT_S = 2.0  # a save waits this long for the file at most (in-process gate and other processes' lock)


_same_data: dict[tuple[str, tuple[float, float]], tuple[float, float]] = {}
_same_lock = threading.Lock()


class SummaryDamaged(StoreError):
    """A stored summary that does not check out (a digest, a count, a missing part): never trusted."""


@dataclass(frozen=True)
class Part:
    """One part of a summary: its rows' JSON bodies in order, each with the resource it is about (or "")."""

    name: str
    rows: tuple[tuple[str, bytes], ...]


def advance_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Inside a write's transaction: the data the analysis reads changed, so every stored summary is stale."""
    con.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")


def _row_digest(key: str, part: str, pos: int, body: bytes) -> str:
    head = f"{key}\x00{part}\x00{pos}\x00".encode()
    return hashlib.sha256(head + body).hexdigest()


def _part_digest(digests: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def current_data_version(path: Path) -> int | None:
    """The database's data version; None for a file from before it (not migrated yet) or none at all."""
    if Path(path) == IN_MEMORY or not Path(path).exists():
        return None

    def read(con: duckdb.DuckDBPyConnection) -> int | None:
        row = con.execute("SELECT version FROM data_version WHERE id = 1").fetchall()
        return int(row[0][0]) if row else None

    return run_read(Path(path), read)


def load_entry(
    path: Path, key: str, code_version: str, parts: Sequence[str], *, every_part: bool = False
) -> dict[str, list[bytes]] | None:
    """The stored rows of ``parts`` (``every_part``: of every part the entry holds) for ``key`` at the
    current data version and ``code_version``, checked.

    None when no such entry is stored, or it lacks one of ``parts`` (a summary saved without the Overview's
    spend, say). Raises :class:`SummaryDamaged` when what is stored does not check out."""

    def read(con: duckdb.DuckDBPyConnection) -> dict[str, list[bytes]] | None:
        con.execute("BEGIN TRANSACTION")  # the entry and its rows from one snapshot
        try:
            head = con.execute(
                """
                SELECT e.parts FROM summary_entries e JOIN data_version d ON d.id = 1
                WHERE e.key = ? AND e.data_version = d.version AND e.code_version = ?
                """,
                [key, code_version],
            ).fetchall()
            if not head:
                return None
            listed = _parts_of(head[0][0], key)
            if any(p not in listed for p in parts):
                return None
            wanted = list(listed) if every_part else list(parts)
            rows = con.execute(
                "SELECT part, pos, body, digest FROM summary_rows WHERE key = ? AND list_contains(?, part) "
                "ORDER BY part, pos",
                [key, wanted],
            ).fetchall()
        finally:
            con.execute("COMMIT")
        return _checked(key, listed, wanted, rows)

    return run_read(Path(path), read)


def _parts_of(text: str, key: str) -> dict[str, tuple[int, str]]:
    try:
        parts = json.loads(text)
        return {str(name): (int(n), str(digest)) for name, (n, digest) in parts.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise SummaryDamaged(f"stored summary {key[:12]}: its list of parts is unreadable ({exc})") from None


def _checked(
    key: str, listed: dict[str, tuple[int, str]], wanted: Sequence[str], rows: list[tuple]
) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {p: [] for p in wanted}
    digests: dict[str, list[str]] = {p: [] for p in wanted}
    for part, pos, body, digest in rows:
        data = str(body).encode()
        if pos != len(out[part]):
            raise SummaryDamaged(f"stored summary {key[:12]}: part {part} has no row {len(out[part])}")
        if _row_digest(key, part, pos, data) != digest:
            raise SummaryDamaged(f"stored summary {key[:12]}: row {pos} of {part} does not match its digest")
        out[part].append(data)
        digests[part].append(digest)
    for part in wanted:
        count, digest = listed[part]
        if len(out[part]) != count:
            raise SummaryDamaged(
                f"stored summary {key[:12]}: part {part} holds {len(out[part])} rows, {count} were written"
            )
        if _part_digest(digests[part]) != digest:
            raise SummaryDamaged(f"stored summary {key[:12]}: part {part} does not match its digest")
    return out


def _open_short(path: Path, wait_s: float = SAVE_WAIT_S) -> duckdb.DuckDBPyConnection:
    """A read-write open that waits at most ``wait_s`` for another process's lock and neither creates nor
    migrates the file: a summary is worth saving only into a current database that is free soon."""
    con = with_lock_retry(lambda: duckdb.connect(str(path), read_only=False), path, wait_s)
    try:
        con.execute("SET enable_progress_bar = false")
        if schema_version(con) != SCHEMA_VERSION:
            raise StoreError(f"the database {path.name} is not at this code's schema version")
    except BaseException:
        con.close()
        raise
    return con


def save_entry(
    path: Path,
    key: str,
    label: str,
    data_version: int,
    code_version: str,
    parts: Sequence[Part],
    wait_s: float = SAVE_WAIT_S,
) -> bool:
    """Store ``parts`` under ``key`` in one transaction (adding to an entry of the same versions, or
    replacing an older one), prune, and say whether it was stored: False, and nothing changed, when the data
    version moved on since ``data_version`` (the rows would describe data that is gone), or the file cannot
    be written within ``wait_s`` (read-only, busy, not migrated). A page waits briefly (``SAVE_WAIT_S``);
    a write command, which has nobody waiting on it, as long as any write (``BREAKEVEN_LOCK_WAIT_S``)."""
    path = Path(path)
    if path == IN_MEMORY or not path.exists() or not os.access(path, os.W_OK):
        return False
    try:
        # this process's other writers wait (the gate) from before the file's times are taken until after
        with hold(path, write=True, wait_s=wait_s):
            before = file_stamps(path)
            con = _open_short(path, wait_s)
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    stored = _write(con, key, label, data_version, code_version, parts)
                    con.execute("COMMIT")
                except Exception:
                    con.execute("ROLLBACK")
                    raise
            finally:
                con.close()
            after = file_stamps(path)
    except (StoreError, duckdb.Error, OSError) as exc:
        log.info("summary not stored in %s: %s", path.name, " ".join(str(exc).split())[:200])
        return False
    if stored:
        _remember(path, before, after, data_version)
    return stored


def file_stamps(path: Path) -> tuple[float, float]:
    """Modification times of the database and its WAL (0 for a missing one): the pages' cache key."""
    stamps = []
    for candidate in (Path(path), Path(f"{path}.wal")):
        try:
            stamps.append(candidate.stat().st_mtime)
        except OSError:
            stamps.append(0.0)
    return stamps[0], stamps[1]


def same_data_stamps(path: Path, stamps: tuple[float, float]) -> tuple[float, float]:
    """``stamps`` as they were before this process's own summary saves: a save changes the file's times but
    not its data, so the pages' caches keyed on those times (``views.common.db_version``) stay warm."""
    with _same_lock:
        return _same_data.get((gate_key(path), stamps), stamps)


def _remember(path: Path, before: tuple[float, float], after: tuple[float, float], data_version: int) -> None:
    """Record that ``after`` holds the same data as ``before``, if it is so: no write committed since the
    save (every write advances the data version, so reading it unchanged after taking ``after`` proves it;
    a write still uncommitted then changes the times again when it commits)."""
    try:
        if current_data_version(path) != data_version:
            return
    except StoreError:
        return
    with _same_lock:
        resolved = _same_data.get((gate_key(path), before), before)
        _same_data[(gate_key(path), after)] = resolved
        while len(_same_data) > MAX_REMEMBERED:
            _same_data.pop(next(iter(_same_data)))


def _write(
    con: duckdb.DuckDBPyConnection, key: str, label: str, data_version: int, code_version: str, parts: Sequence[Part]
) -> bool:
    current = con.execute("SELECT version FROM data_version WHERE id = 1").fetchall()[0][0]
    if current != data_version:
        return False
    # what is no longer current goes first: older data or code versions, then the oldest beyond the bound
    con.execute(
        "DELETE FROM summary_entries WHERE data_version <> ? OR code_version <> ?", [data_version, code_version]
    )
    found = con.execute("SELECT parts FROM summary_entries WHERE key = ?", [key]).fetchall()
    listed = _parts_of(found[0][0], key) if found else {}
    names = [p.name for p in parts]
    con.execute("DELETE FROM summary_rows WHERE key = ? AND list_contains(?, part)", [key, names])
    con.execute("DELETE FROM summary_rows WHERE key NOT IN (SELECT key FROM summary_entries)")
    body_rows = []
    for part in parts:
        digests = []
        for pos, (resource_id, body) in enumerate(part.rows):
            digest = _row_digest(key, part.name, pos, body)
            digests.append(digest)
            body_rows.append((key, part.name, pos, resource_id, body.decode(), digest))
        listed[part.name] = (len(part.rows), _part_digest(digests))
    _insert_rows(con, body_rows)
    con.execute("DELETE FROM summary_entries WHERE key = ?", [key])
    con.execute(
        "INSERT INTO summary_entries VALUES (?, ?, ?, ?, ?, ?)",
        [key, data_version, code_version, label, utc_now(), json.dumps(listed)],
    )
    con.execute(
        """
        DELETE FROM summary_entries WHERE key IN (
            SELECT key FROM summary_entries ORDER BY created_at DESC, key OFFSET ?
        )
        """,
        [MAX_ENTRIES],
    )
    con.execute("DELETE FROM summary_rows WHERE key NOT IN (SELECT key FROM summary_entries)")
    return True


def _insert_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Thousands of rows in one statement (an Arrow table), not one statement each."""
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(6)]
    table = pa.table(
        {
            "key": pa.array(columns[0], pa.string()),
            "part": pa.array(columns[1], pa.string()),
            "pos": pa.array(columns[2], pa.int32()),
            "resource_id": pa.array(columns[3], pa.string()),
            "body": pa.array(columns[4], pa.string()),
            "digest": pa.array(columns[5], pa.string()),
        }
    )
    con.register("incoming_summary_rows", table)
    try:
        con.execute("INSERT INTO summary_rows SELECT * FROM incoming_summary_rows")
    finally:
        con.unregister("incoming_summary_rows")


def stored_entries(path: Path) -> list[dict[str, object]]:
    """What is stored now (for ``status`` and tests): key, label, versions, parts and when."""

    def read(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
        rows = con.execute(
            "SELECT key, label, data_version, code_version, created_at, parts FROM summary_entries "
            "ORDER BY created_at DESC"
        ).fetchall()
        names = ("key", "label", "data_version", "code_version", "created_at", "parts")
        return [dict(zip(names, r, strict=True)) for r in rows]

    return run_read(Path(path), read)
