"""What every format parser takes and returns.

Parsers of the JSON and small CSV formats build canonical rows in Python through ``MetricRows``, which
applies the long CSV's rules (finite, not negative, percentages at most 100, a period above 0, a start inside
2006 .. a day from now), refuses two different values for one period (naming both places in the file) and keeps
exact repeats once, so overlapping pages of one export are harmless. The long CSV applies the same rules in
SQL (``importers.long_sql``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.metrics import METRICS
from common.timeutil import EARLIEST_TIME, latest_time, naive_utc, time_problem
from importers.problems import Problems, quoted
from importers.units import metrics_with_unit
from store.batch import ConfigRecord, ResourceRecord

if TYPE_CHECKING:
    import pyarrow as pa

    from store.staged import StagedRows

LOGS_INSIGHTS_DEFAULT_PERIOD_S = 3600
PERCENT_METRICS = frozenset(metrics_with_unit("%"))


def key_part_problem(label: str, value: str) -> str | None:
    """Why ``value`` cannot be an account or a region, or None: ':' joins a resource key's parts.

    ``service:account:region:name`` is split on its first three colons, so a colon in the account or
    region would shift every later part (the store refuses such a record too; this names the place).
    """
    if ":" not in value:
        return None
    return (
        f"{label} {quoted(value)} contains ':', which Breakeven uses to join resource keys "
        "(service:account:region:name)"
    )


@dataclass
class ImportOptions:
    """Choices a user can make for an import (CLI flags, page widgets)."""

    format: str | None = None  # None: detect
    queries: Path | None = None  # cloudwatch-json: the MetricDataQueries file that was run
    mapping: Any = None  # wide: an importers.wide_mapping.WideMapping
    account: str = ""  # account / project when the file does not say
    region: str = ""  # region when the file does not say
    resource: str | None = None  # logs-insights: function name when the file has no @log column
    period_s: int | None = None  # logs-insights: aggregation period (default 3600)
    max_bytes: int | None = None  # refuse larger files

    def problems(self, prefix: str = "") -> list[str]:
        """What is wrong with the account or region given (``prefix`` "--" names them as CLI flags)."""
        found = [
            key_part_problem(f"{prefix}{label}", value)
            for label, value in (("account", self.account), ("region", self.region))
        ]
        return [p for p in found if p]

    def fingerprint(self, fmt: str | None = None) -> str:
        """The options that change what a file's rows mean for ``fmt``; part of the upload's identity.

        Options a format ignores are left out, so the same file imported from the page and from the
        CLI (whose unrelated defaults differ) is recognised as the same import.
        """
        parts = [self.account, self.region]
        if fmt in (None, "logs-insights"):
            parts += [self.resource or "", str(self.period_s or LOGS_INSIGHTS_DEFAULT_PERIOD_S)]
        if fmt in (None, "wide"):
            parts.append(self.mapping.fingerprint() if self.mapping is not None else "")
        return "|".join(parts)


@dataclass
class Parsed:
    rows_read: int
    resources: list[ResourceRecord]
    configs: list[ConfigRecord]
    metrics: pa.Table | StagedRows  # a long CSV's rows stay in their scratch database file
    notes: list[str] = field(default_factory=list)


class MetricRows:
    """Canonical rows keyed by (resource, metric, period, start), with the place each came from."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self._rows: dict[tuple[str, str, int, datetime], tuple[float, str]] = {}
        self._latest = latest_time()  # once, not a clock read per row

    def put(self, resource_id: str, metric: str, start: datetime, period_s: int, value: float, where: str) -> None:
        if metric not in METRICS:
            raise ValueError(f"not a canonical metric: {metric}")  # a parser bug, not user input
        if not math.isfinite(value):
            self.problems.add(f"{value} is not a finite number", where=where)
            return
        if value < 0:
            self.problems.add(f"{value:g} is negative; {metric} cannot be negative", where=where)
            return
        if value > 100 and metric in PERCENT_METRICS:  # the long CSV's SQL check says the same
            self.problems.add(
                f"{value:g} is above 100; {metric} is a percentage of the whole instance (0-100)", where=where
            )
            return
        if period_s <= 0:
            self.problems.add(f"a period of {period_s} s; a period must be above 0 seconds", where=where)
            return
        at = naive_utc(start)
        when = None if EARLIEST_TIME <= at <= self._latest else time_problem(start)
        if when:
            self.problems.add(when, where=where)
            return
        key = (resource_id, metric, period_s, at)
        previous = self._rows.get(key)
        if previous is not None and previous[0] != value:
            self.problems.add(
                f"{metric} of {resource_id} at {key[3]:%Y-%m-%d %H:%M:%S} (period {period_s} s) is {value:g} here "
                f"but {previous[0]:g} at {previous[1]}; a period may have one value",
                where=where,
            )
            return
        self._rows[key] = (value, where)

    def __len__(self) -> int:
        return len(self._rows)

    def resource_ids(self) -> set[str]:
        return {k[0] for k in self._rows}

    def table(self) -> pa.Table:
        import pyarrow as pa  # here, so that options and records load without Arrow (and numpy)

        keys = sorted(self._rows)
        return pa.table(
            {
                "resource_id": pa.array([k[0] for k in keys], pa.string()),
                "metric": pa.array([k[1] for k in keys], pa.string()),
                "period_start": pa.array([k[3] for k in keys], pa.timestamp("us")),
                "period_s": pa.array([k[2] for k in keys], pa.int32()),
                "value": pa.array([self._rows[k][0] for k in keys], pa.float64()),
            }
        )
