"""Reads the collector runner needs before it fetches: the watermarks of earlier runs.

A dry run must not create or migrate the database, so these reads treat a missing file or an older
schema as "no history yet" instead of failing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from store.db import connect
from store.errors import StoreSchemaError

WatermarkKey = tuple[str, str, str, str]  # (source, account, region, service)


def read_watermarks(path: Path, sources: list[str]) -> dict[WatermarkKey, datetime]:
    """``collected_until`` per (source, account, region, service) for the named sources."""
    path = Path(path)
    if not path.exists() or not sources:
        return {}
    sql = (
        "SELECT source, account, region, service, collected_until FROM watermarks "
        "WHERE list_contains(?::VARCHAR[], source)"
    )
    try:
        with connect(path, read_only=True) as con:
            rows = con.execute(sql, [sources]).fetchall()
    except StoreSchemaError:
        return {}
    return {(r[0], r[1], r[2], r[3]): r[4] for r in rows}


def read_all_watermarks(path: Path) -> list[tuple[str, str, str, str, datetime, datetime]]:
    """Every watermark with its last update, for ``python -m breakeven status``."""
    sql = (
        "SELECT source, account, region, service, collected_until, updated_at FROM watermarks "
        "ORDER BY source, account, region, service"
    )
    with connect(Path(path), read_only=True) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]
