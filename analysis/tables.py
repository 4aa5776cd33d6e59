"""The estate's assessment and the two tables built on the same run (cold starts, idle endpoints), so the
Cold starts and Endpoints pages cost one replay of the estate, not one per page, and their rows are the
estate's rows number for number (a group of resources at a time: ``analysis.chunked``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from analysis.chunked import Checkpoint, assess_in_groups
from analysis.coldstarts import ColdStartTable
from analysis.idle import IdleTable
from analysis.params import ModelParams
from analysis.types import EstateAssessment
from pricing import PriceBook
from store import queries as q


@dataclass(frozen=True)
class EstateTables:
    estate: EstateAssessment
    cold_starts: ColdStartTable
    idle: IdleTable


def assess_tables(
    path: Path,
    filters: q.Filters,
    params: ModelParams | None = None,
    book: PriceBook | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> EstateTables:
    """``assess_estate``'s rows and totals, the cold-start table and the idle-endpoint table from one run
    (``progress(done, total)`` after each group of resources, gone on from ``checkpoint``'s groups when it fits:
    ``assess_in_groups``)."""
    done = assess_in_groups(path, filters, params, book, tables=True, progress=progress, checkpoint=checkpoint)
    assert done.cold_starts is not None and done.idle is not None
    return EstateTables(done.estate, done.cold_starts, done.idle)
