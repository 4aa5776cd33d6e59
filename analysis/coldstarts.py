"""The Cold starts page's table: every resource whose platform starts instances on demand, its measured and
modelled cold starts, init time, the share of requests and the p99 they reach, and what removing them costs.

Each row's :class:`~analysis.types.ColdStarts` comes from ``analysis.detail._cold_starts`` on the estate's own
run (the code behind a resource's detail view, so the two agree number for number); the table adds what the
detail does not: the measured p99 with and without the cold starts, and SnapStart for Lambda.

SnapStart is shown beside the fixes, never as one: it shortens a cold start (a snapshot restore instead of
the init) but does not remove it, and what it costs rests on facts we could not confirm (below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from analysis.detail import _cold_starts
from analysis.endpoint_options import _with_cold
from analysis.types import ColdStarts, ResourceRow, RowsById
from common.units import MONTH_SECONDS

if TYPE_CHECKING:
    from analysis.estate import Run

# SnapStart (non-Java runtimes), us-east-1, from ../shared/reference/aws.md §4.1 source (b): an undated
# third-party copy of https://aws.amazon.com/lambda/pricing/. Not in the price sheets, so discounts and
# overrides do not apply. UNCONFIRMED: which runtimes may enable it (the runtime is not collected), whether
# Java is charged, the prices outside us-east-1, and how long a restore takes (so cold starts stay counted).
SNAPSTART_CACHE_USD_PER_GB_S = 0.0000015046
SNAPSTART_RESTORE_USD_PER_GB = 0.0001397998
SNAPSTART_REGION = "us-east-1"
SNAPSTART_SOURCE = "https://aws.amazon.com/lambda/pricing/ (undated third-party copy; unconfirmed)"
P99_SHARE = 0.01  # cold starts on at least 1 % of requests land in the 99th percentile


@dataclass(frozen=True)
class SnapStart:
    """SnapStart on one function version: the snapshot cache all month plus a restore per cold start."""

    monthly_usd: float | None  # None outside the region the prices are known for
    cache_usd: float | None
    restore_usd: float | None
    note: str


@dataclass(frozen=True)
class ColdStartRow:
    resource_id: str
    name: str
    service: str
    region: str
    account: str
    today_usd: float | None
    requests_per_month: float | None
    cold: ColdStarts
    p99_ms: float | None  # measured, without init
    p99_with_cold_ms: float | None  # what a caller sees when cold starts reach the 99th percentile
    reaches_p99: bool | None
    cheapest_extra_usd: float | None  # the cheapest fix's extra cost per month over today
    cheapest_left: float | None  # cold starts per month it leaves
    snapstart: SnapStart | None


@dataclass(frozen=True)
class ColdStartTable(RowsById["ColdStartRow"]):
    rows: tuple[ColdStartRow, ...]
    measured_per_month: float | None  # over the rows whose platform reports them
    modelled_per_month: float
    fixable: int  # rows with a priced fix that removes them
    cheapest_extra_usd: float  # every row's cheapest fix together, USD per month over today
    estimate_per_month: float = 0.0  # what cost and latency use: measured, carried forward under a what-if


def snapstart(service: str, region: str, memory_mb: float, cold_per_month: float | None) -> SnapStart | None:
    """SnapStart's monthly cost for one Lambda version (None for any other service)."""
    if service != "lambda":
        return None
    note = (
        "SnapStart shortens cold starts (a snapshot restore instead of init) but does not remove them; runtimes "
        "that allow it (the runtime is not collected), Java's charge and restore times are unconfirmed; prices: "
        f"{SNAPSTART_SOURCE}"
    )
    if region != SNAPSTART_REGION:
        return SnapStart(None, None, None, f"{note}; no SnapStart price is known for {region}")
    gb = memory_mb / 1024.0
    cache = gb * MONTH_SECONDS * SNAPSTART_CACHE_USD_PER_GB_S
    restore = (cold_per_month or 0.0) * gb * SNAPSTART_RESTORE_USD_PER_GB
    return SnapStart(cache + restore, cache, restore, note)


def cold_start_table(run: Run, rows: tuple[ResourceRow, ...]) -> ColdStartTable:
    """Every assessed resource of ``run`` with cold starts (``rows``: the run's summarised rows)."""
    out: list[ColdStartRow] = []
    ctx = run.ctx
    if ctx is not None:
        by_id = {row.resource_id: row for row in rows}
        _, p99 = ctx.latency()
        for r, seg in enumerate(ctx.rows.segments):
            who = run.panels.resources[seg.resource]
            row = by_id[who["resource_id"]]
            cold = _cold_starts(run, row, r)
            if cold is None:
                continue
            out.append(_row(row, cold, float(p99[r]), float(ctx.configs[r].get("memory_mb") or 128)))
    return table_of(out)


def table_of(rows: list[ColdStartRow]) -> ColdStartTable:
    """The table of these rows: their sums, sorted by the share of requests a cold start hits (what
    ``analysis.chunked`` joins a group's rows with, so one run and groups cannot disagree)."""
    measured = [r.cold.measured_per_month for r in rows if r.cold.measured_per_month is not None]
    fixed = [r.cheapest_extra_usd for r in rows if r.cheapest_extra_usd is not None]
    return ColdStartTable(
        rows=tuple(sorted(rows, key=lambda r: -(r.cold.share_of_requests or 0.0))),
        measured_per_month=sum(measured) if measured else None,
        modelled_per_month=sum(r.cold.modelled_per_month or 0.0 for r in rows),
        estimate_per_month=sum(r.cold.estimate_per_month or 0.0 for r in rows),
        fixable=len(fixed),
        cheapest_extra_usd=sum(fixed),
    )


def _row(row: ResourceRow, cold: ColdStarts, p99: float, memory_mb: float) -> ColdStartRow:
    share, init = cold.share_of_requests, cold.init_ms
    with_cold = _with_cold(p99, share or 0.0, init or 0.0) if np.isfinite(p99) else None
    fix = next((f for f in cold.fixes if f[0] == cold.cheapest_fix), None)
    per_month = cold.estimate_per_month
    return ColdStartRow(
        resource_id=row.resource_id,
        name=row.name,
        service=row.service,
        region=row.region,
        account=row.account,
        today_usd=row.current.monthly_usd,
        requests_per_month=row.requests_per_month,
        cold=cold,
        p99_ms=float(p99) if np.isfinite(p99) else None,
        p99_with_cold_ms=with_cold,
        reaches_p99=None if share is None else share >= P99_SHARE,
        cheapest_extra_usd=fix[1] if fix else None,
        cheapest_left=fix[2] if fix else None,
        snapstart=snapstart(row.service, row.region, memory_mb, per_month),
    )
