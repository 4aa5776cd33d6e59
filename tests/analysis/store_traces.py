"""Replayed traces written into a real store as a collector would write them (CloudWatch's view of them).

A trace (tests/replay/traces.py) is replayed exactly (tests/replay/exact.py), aggregated to what CloudWatch
shows per minute or per hour (tests/replay/cloudwatch.py) and written with ``store.write_batch``: periods
without requests are omitted, as CloudWatch omits them, so the analysis must zero-fill them itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from common.timeutil import EPOCH
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.replay import cloudwatch
from tests.replay.exact import Replay

METRICS = (
    "invocations",
    "duration_ms_avg",
    "duration_ms_p50",
    "duration_ms_p90",
    "duration_ms_p99",
    "concurrency_max",
    "cold_starts",
    "init_duration_ms_avg",
    "billed_duration_ms_sum",
)


def at(epoch_s: float) -> datetime:
    return EPOCH + timedelta(seconds=float(epoch_s))


def rows_of(resource_id: str, agg: cloudwatch.Aggregates, metrics: tuple[str, ...] = METRICS) -> list[tuple]:
    """Metric rows of the periods with requests (the others omitted, as CloudWatch does)."""
    rows = []
    for i in np.flatnonzero(agg.invocations > 0):
        start = at(agg.start_s + i * agg.period_s)
        for name in metrics:
            value = float(getattr(agg, name)[i])
            if np.isfinite(value):
                rows.append((resource_id, name, start, agg.period_s, value, "test"))
    return rows


def write_trace(
    path: Path,
    resource: ResourceRecord,
    outcome: Replay,
    window: tuple[float, float],
    epoch_s: int,
    period_s: int,
    configs: list[tuple[float, dict]],
    metrics: tuple[str, ...] = METRICS,
) -> cloudwatch.Aggregates:
    """Write the replay's CloudWatch view for ``window`` (trace seconds) placed at ``epoch_s``; configs are
    (trace second, fields)."""
    agg = cloudwatch.aggregate(outcome, period_s, window, epoch_s=epoch_s)
    records = [ConfigRecord(resource.resource_id, at(epoch_s + t), fields, "test") for t, fields in configs]
    write_batch(
        path,
        Batch(
            resources=[resource], configs=records, metrics=metrics_frame(rows_of(resource.resource_id, agg, metrics))
        ),
    )
    return agg
