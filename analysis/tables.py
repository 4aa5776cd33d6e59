"""The estate's assessment and the two tables built on the same run (cold starts, idle endpoints), so the
Cold starts and Endpoints pages cost one replay of the estate, not one per page, and their rows are the
estate's rows number for number."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.coldstarts import ColdStartTable, cold_start_table
from analysis.estate import run_panels
from analysis.idle import IdleTable, idle_table
from analysis.params import ModelParams
from analysis.summary import summarise
from analysis.types import EstateAssessment
from pricing import PriceBook
from store import queries as q


@dataclass(frozen=True)
class EstateTables:
    estate: EstateAssessment
    cold_starts: ColdStartTable
    idle: IdleTable


def assess_tables(
    path: Path, filters: q.Filters, params: ModelParams | None = None, book: PriceBook | None = None
) -> EstateTables:
    """``assess_estate``'s rows and totals, the cold-start table and the idle-endpoint table from one run."""
    run = run_panels(q.usage_panels(path, filters), params or ModelParams(), book)
    estate = summarise(run)
    return EstateTables(estate, cold_start_table(run, estate.rows), idle_table(run, estate.rows))
