"""The estate assessed a group of resources at a time, so memory is bounded by a group, not the estate.

Each group's arrays are read (``store.queries.usage_panels`` for its resources), replayed and priced, and
only its summary rows (and the Cold starts and Endpoints tables' rows) are kept before the next group is
read: the engine's working copies never exist for more than one group at once. The next group's arrays are
read on a second thread while the current group is replayed (``ReadAhead``): the store's read is DuckDB's and
mostly outside Python's lock, the replay is Python and numpy on one core, so on two cores the read hides behind
the replay; the arrays of two groups (the one replayed, the one read) are then held at once.

The engine is per resource (every cross-row step is vectorised, not coupled), so a resource's row is the
same whichever group it is assessed in; the one estate-wide quantity, the free tier shared once per
account and service, keeps every account inside one group when free tiers are on. Totals are summed over
the rows in the estate's order, as the unchunked run sums them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from analysis.coldstarts import ColdStartRow, ColdStartTable, cold_start_table
from analysis.coldstarts import table_of as cold_rows
from analysis.estate import run_panels
from analysis.idle import EndpointIdle, IdleTable, idle_table
from analysis.idle import table_of as idle_rows
from analysis.params import ModelParams
from analysis.summary import summarise, totals
from analysis.types import EstateAssessment, ResourceRow
from common.memory import release_freed
from pricing import PriceBook, load_price_book
from store import queries as q
from store.panels import UsagePanels
from store.selection import selected_resources

GROUP = 250  # resources read and replayed together: ~0.1 GB of arrays at the bench estates' mix


def groups(resources: list[dict[str, Any]], free_tier: bool, size: int = GROUP) -> list[list[int]]:
    """Positions of ``resources`` in groups of at most ``size`` (in order); with free tiers, whole accounts
    per group (an account larger than ``size`` is a group of its own), since they share an allowance."""
    if not free_tier:
        return [list(range(i, min(i + size, len(resources)))) for i in range(0, len(resources), size)]
    accounts: dict[tuple[str, str], list[int]] = {}
    for i, who in enumerate(resources):
        accounts.setdefault((who["provider"], who["account"]), []).append(i)
    out: list[list[int]] = []
    for members in accounts.values():
        if out and len(out[-1]) + len(members) <= size:
            out[-1].extend(members)
        else:
            out.append(list(members))
    return out


def filter_parts(path: Path, filters: q.Filters, free_tier: bool, size: int | None = None) -> list[q.Filters]:
    """``filters`` as the reads of one group each (``groups``), for a caller that prices resources one by one
    and must not read the whole estate at once; one part, the filters themselves, when they fit one group."""
    resources = selected_resources(path, filters)
    size = size or GROUP
    if len(resources) <= size:
        return [filters]
    return [
        replace(filters, resource_ids=tuple(resources[i]["resource_id"] for i in members))
        for members in groups(resources, free_tier, size)
    ]


@dataclass(frozen=True)
class Assessed:
    """The estate's rows and totals and, when asked for, the Cold starts and Endpoints pages' tables."""

    estate: EstateAssessment
    cold_starts: ColdStartTable | None = None
    idle: IdleTable | None = None


def assess_in_groups(
    path: Path,
    filters: q.Filters,
    params: ModelParams | None = None,
    book: PriceBook | None = None,
    tables: bool = False,
    size: int | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Assessed:
    """Every resource the filters select, a group at a time: the estate's rows and totals (and, with
    ``tables``, the cold-start and idle-endpoint tables). ``progress(done, total)`` is called with the
    resources listed (0 done) and after each group, so another thread can show how far the run is."""
    params = params or ModelParams()
    book = book or load_price_book()
    size = size or GROUP
    resources = selected_resources(path, filters)
    tell: Callable[[int, int], None] = progress or (lambda done, total: None)
    tell(0, len(resources))
    if len(resources) <= size:  # one group: the plain run
        run = run_panels(q.usage_panels(path, filters), params, book)
        estate = summarise(run)
        tell(len(resources), len(resources))
        if not tables:
            return Assessed(estate)
        return Assessed(estate, cold_start_table(run, estate.rows), idle_table(run, estate.rows))
    order = {who["resource_id"]: i for i, who in enumerate(resources)}
    rows: list[ResourceRow] = []
    cold: list[ColdStartRow] = []
    idle: list[EndpointIdle] = []
    window, what_if = ("", ""), ()
    done = 0
    parts = groups(resources, params.free_tier, size)
    wanted = [replace(filters, resource_ids=tuple(resources[i]["resource_id"] for i in m)) for m in parts]
    with ReadAhead(path, wanted) as ahead:
        for members in parts:
            run = run_panels(ahead.take(), params, book)
            estate = summarise(run)
            if tables:
                cold.extend(cold_start_table(run, estate.rows).rows)
                idle.extend(idle_table(run, estate.rows).rows)
            del run  # the group's arrays go (the next group's, read meanwhile, are held)
            release_freed()  # and their pages back to the system (glibc keeps them otherwise)
            window, what_if = (estate.window_start, estate.window_end), what_if or estate.what_if
            rows.extend(estate.rows)
            done += len(members)
            tell(done, len(resources))
    position: Callable[[Any], int] = lambda row: order[row.resource_id]  # noqa: E731
    rows.sort(key=position)
    estate = EstateAssessment(window[0], window[1], tuple(rows), totals(rows, params.free_tier), what_if)
    if not tables:
        return Assessed(estate)
    return Assessed(estate, cold_rows(sorted(cold, key=position)), idle_rows(sorted(idle, key=position)))


class ReadAhead:
    """Each group's arrays in turn (``take``), the next group's read started on a second thread as soon as one
    is taken, so it runs while the caller replays. Left early (the run given up, a failure), the read under way
    finishes on its thread and is dropped. ``take`` hands the arrays over without keeping them (nor the future
    that held them), so the caller's ``del`` frees them."""

    def __init__(self, path: Path, wanted: list[q.Filters]) -> None:
        self._path, self._wanted = path, iter(wanted)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="estate-read")
        self._coming: Future[UsagePanels] | None = self._read()

    def _read(self) -> Future[UsagePanels] | None:
        part = next(self._wanted, None)
        return None if part is None else self._pool.submit(q.usage_panels, self._path, part)

    def take(self) -> UsagePanels:
        """The next group's arrays, and the read of the group after it started."""
        if self._coming is None:
            raise IndexError("every group's arrays were taken")
        panels = self._coming.result()
        self._coming = self._read()
        return panels

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._coming = None
        self._pool.shutdown(wait=False, cancel_futures=True)
