"""What earlier runs stored of a scope, for dry-run estimates (read-only; no database is no history)."""

from __future__ import annotations

from pathlib import Path

from store.db import connect
from store.errors import StoreSchemaError


def count_resources(path: Path, service: str, account: str, region: str | None = None) -> tuple[int, int]:
    """(resources, distinct regions) of ``service`` in ``account`` (and ``region`` when given) in the store.

    A dry run must not create or migrate the database, so a missing file or an older schema counts (0, 0).
    """
    path = Path(path)
    if not path.exists():
        return 0, 0
    sql = (
        "SELECT count(*), count(DISTINCT region) FROM resources "
        "WHERE service = ? AND account = ? AND (? IS NULL OR region = ?)"
    )
    try:
        with connect(path, read_only=True) as con:
            resources, regions = con.execute(sql, [service, account, region, region]).fetchall()[0]
    except StoreSchemaError:
        return 0, 0
    return int(resources), int(regions)
