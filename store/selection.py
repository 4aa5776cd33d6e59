"""The resources the filters select, in the analysis's order, without their usage: what a chunked
assessment splits into groups before it reads each group's arrays (``store.queries.usage_panels``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from store.db import run_read
from store.panels import RESOURCE_FIELDS
from store.queries import Filters, resource_where


def selected_resources(path: Path, f: Filters) -> list[dict[str, Any]]:
    """The filtered resources as ``usage_panels`` orders them (pattern, service, name; the id breaks ties)."""
    where, params = resource_where(f)
    sql = (
        f"SELECT {', '.join(RESOURCE_FIELDS)} FROM resources r WHERE {where} "  # noqa: S608 - fixed columns
        "ORDER BY r.pattern, r.service, r.name, r.resource_id"
    )
    rows = run_read(path, lambda con: con.execute(sql, params).fetchall())
    return [dict(zip(RESOURCE_FIELDS, row, strict=True)) for row in rows]
