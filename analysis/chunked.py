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

A run can be given a ``Checkpoint``: the groups done so far and their rows, filled at each group's end. A run
stopped there (its progress callback raising: a given-up run, ``analysis.estate_runs``) and started again
with the same checkpoint goes on from the next group, neither reading nor replaying the groups done, and ends
with the rows and totals of a run never stopped. A checkpoint records what its groups were computed from (the
file, its data version, the filters, the assumptions, the price book, every resource listed and the groups),
and one that does not match the run asking is emptied and the run starts from its first group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
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
from common.settings import settings
from pricing import PriceBook, load_price_book
from store import queries as q
from store.errors import StoreError
from store.panels import UsagePanels
from store.selection import selected_resources
from store.summaries import current_data_version

log = logging.getLogger(__name__)


def group_size(size: int | None = None) -> int:
    """The resources read and replayed together: ``size`` when the caller names one, else
    ``BREAKEVEN_ESTATE_GROUP`` (250 unless set, ~0.1 GB of arrays at the bench estates' mix; smaller holds less
    at once and pays the per-group set-up more often, docs/performance.md), read now, not at import."""
    return size or settings().estate_group


def groups(resources: list[dict[str, Any]], free_tier: bool, size: int | None = None) -> list[list[int]]:
    """Positions of ``resources`` in groups of at most ``size`` (in order); with free tiers, whole accounts
    per group (an account larger than ``size`` is a group of its own), since they share an allowance."""
    size = group_size(size)
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
    size = group_size(size)
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


@dataclass
class Checkpoint:
    """A grouped run's groups done so far and their rows (``assess_in_groups``), so that a run stopped at a
    group's end goes on from there when started again with it. ``basis`` is what the groups were computed
    from: a run whose own basis differs empties the checkpoint and starts from its first group, so a stale
    checkpoint never gives its rows to other inputs. Filled by one run at a time (no lock of its own)."""

    basis: tuple[Any, ...] | None = None  # (file, data version, filters, assumptions, tables, every resource, groups)
    book: PriceBook | None = None  # compared by value, kept beside the basis (it is not hashable)
    groups: int = 0  # groups done, the first ones of the run's groups in order
    done: int = 0  # resources in them
    rows: list[ResourceRow] = field(default_factory=list)
    cold: list[ColdStartRow] = field(default_factory=list)
    idle: list[EndpointIdle] = field(default_factory=list)
    window: tuple[str, str] = ("", "")
    what_if: tuple[str, ...] = ()

    def fits(self, basis: tuple[Any, ...], book: PriceBook) -> bool:
        """True if the groups done were computed from ``basis`` and ``book``; else emptied, for them."""
        if self.basis == basis and (self.book is book or self.book == book):
            return True
        if self.groups:
            log.info("an estate run's checkpoint was for other inputs: dropped, the run starts from its first group")
        self.basis, self.book, self.groups, self.done = basis, book, 0, 0
        self.rows, self.cold, self.idle = [], [], []
        self.window, self.what_if = ("", ""), ()
        return False


def assess_in_groups(
    path: Path,
    filters: q.Filters,
    params: ModelParams | None = None,
    book: PriceBook | None = None,
    tables: bool = False,
    size: int | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> Assessed:
    """Every resource the filters select, a group at a time: the estate's rows and totals (and, with
    ``tables``, the cold-start and idle-endpoint tables). ``progress(done, total)`` is called with the
    resources listed (0 done, or the checkpoint's resources when it goes on from one) and after each group, so
    another thread can show how far the run is. ``checkpoint`` is filled at each group's end before
    ``progress`` is told, and its groups are skipped when it fits this run (the module's docstring); one group
    (at most ``size`` resources) is run plainly, the checkpoint left alone."""
    params = params or ModelParams()
    book = book or load_price_book()
    size = group_size(size)
    resources = selected_resources(path, filters)
    tell: Callable[[int, int], None] = progress or (lambda done, total: None)
    if len(resources) <= size:  # one group: the plain run
        tell(0, len(resources))
        run = run_panels(q.usage_panels(path, filters), params, book)
        estate = summarise(run)
        tell(len(resources), len(resources))
        if not tables:
            return Assessed(estate)
        return Assessed(estate, cold_start_table(run, estate.rows), idle_table(run, estate.rows))
    parts = groups(resources, params.free_tier, size)
    if checkpoint is None:
        at = Checkpoint()
    else:
        listed = tuple(tuple(who.items()) for who in resources)
        basis = (str(path), _data_version(path), filters, params, tables, listed, tuple(map(tuple, parts)))
        checkpoint.fits(basis, book)
        at = checkpoint
    tell(at.done, len(resources))
    wanted = [replace(filters, resource_ids=tuple(resources[i]["resource_id"] for i in m)) for m in parts]
    with ReadAhead(path, wanted[at.groups :]) as ahead:
        for members in parts[at.groups :]:
            run = run_panels(ahead.take(), params, book)
            estate = summarise(run)
            cold = cold_start_table(run, estate.rows).rows if tables else ()
            idle = idle_table(run, estate.rows).rows if tables else ()
            del run  # the group's arrays go (the next group's, read meanwhile, are held)
            release_freed()  # and their pages back to the system (glibc keeps them otherwise)
            at.rows.extend(estate.rows)  # the group's rows in the checkpoint at once, before progress is told
            at.cold.extend(cold)
            at.idle.extend(idle)
            at.window, at.what_if = (estate.window_start, estate.window_end), at.what_if or estate.what_if
            at.groups, at.done = at.groups + 1, at.done + len(members)
            tell(at.done, len(resources))
    order = {who["resource_id"]: i for i, who in enumerate(resources)}
    position: Callable[[Any], int] = lambda row: order[row.resource_id]  # noqa: E731
    rows = sorted(at.rows, key=position)
    estate = EstateAssessment(at.window[0], at.window[1], tuple(rows), totals(rows, params.free_tier), at.what_if)
    if not tables:
        return Assessed(estate)
    return Assessed(estate, cold_rows(sorted(at.cold, key=position)), idle_rows(sorted(at.idle, key=position)))


def _data_version(path: Path) -> int | None:
    """The file's data version for a checkpoint's basis (every write advances it, so a checkpoint from before a
    write does not fit); None where it cannot be read (the runner's key holds the file's times as well)."""
    try:
        return current_data_version(path)
    except StoreError:
        return None


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
