"""``store.queries.usage_panels``: the analysis's one read, as a contract a read model must keep (issue 11)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from common.timeutil import EPOCH
from store.queries import Filters, usage_panels
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch

T0 = datetime(2026, 3, 1)
HOURLY = ResourceRecord("sagemaker-endpoint", "1", "us-east-1", "hourly")
MINUTES = ResourceRecord("lambda", "1", "us-east-1", "minutes")


def _epoch(ts: datetime) -> float:
    return (ts - EPOCH).total_seconds()


@pytest.fixture
def db(empty_db: Path) -> Path:
    """An endpoint with 6 hourly rows; a function with hourly history and per-minute rows from 04:15 (idle
    minutes omitted, as CloudWatch omits them), and a memory change at 03:00."""
    rows = [(HOURLY.resource_id, "invocations", T0 + timedelta(hours=h), 3600, 100.0, "t") for h in range(6)]
    rows += [(HOURLY.resource_id, "instances_avg", T0 + timedelta(hours=h), 3600, 2.0, "t") for h in range(6)]
    rows += [(MINUTES.resource_id, "invocations", T0 + timedelta(hours=h), 3600, 600.0, "t") for h in range(4)]
    for m in range(15, 60, 2):  # every other minute of 04:15-05:00
        rows.append((MINUTES.resource_id, "invocations", T0 + timedelta(hours=4, minutes=m), 60, 10.0, "t"))
        rows.append((MINUTES.resource_id, "duration_ms_avg", T0 + timedelta(hours=4, minutes=m), 60, 50.0, "t"))
    configs = [
        ConfigRecord(MINUTES.resource_id, T0, {"memory_mb": 512}, "t"),
        ConfigRecord(MINUTES.resource_id, T0 + timedelta(hours=3), {"memory_mb": 1024}, "t"),
    ]
    write_batch(empty_db, Batch(resources=[HOURLY, MINUTES], configs=configs, metrics=metrics_frame(rows)))
    return empty_db


def test_shapes_spans_and_resolutions(db: Path) -> None:
    panels = usage_panels(db, Filters())
    names = [r["name"] for r in panels.resources]
    h, m = names.index("hourly"), names.index("minutes")
    assert panels.hour_start_s == _epoch(T0) and panels.hours == 6  # clipped to the data, not 1970-9999
    assert panels.span_start_s[h] == _epoch(T0) and panels.span_end_s[h] == _epoch(T0 + timedelta(hours=6))
    assert panels.span_end_s[m] == _epoch(T0 + timedelta(hours=5))  # the end of the last minute row (04:59)
    assert panels.minute_rows.tolist() == [m]  # only the function has minutes
    assert panels.minute_span_start_s[0] == _epoch(T0 + timedelta(hours=4, minutes=15))
    inv = panels.hourly["invocations"]
    assert inv[h].tolist() == [100.0] * 6
    # the hourly grid comes from rows coarser than a minute: the 04:00 hour (minutes only) is empty there
    assert inv[m, :4].tolist() == [600.0] * 4 and np.isnan(inv[m, 4])
    assert panels.hourly["covered_s"][h].tolist() == [3600.0] * 6
    minutes = panels.minutes["invocations"][0]
    assert np.nansum(minutes) == 230.0 and np.isnan(minutes).sum() > 0  # omitted minutes are NaN, not 0
    assert [values["memory_mb"] for _, values in panels.configs[m]] == [512, 1024]


def test_a_window_is_exact_and_filters_select(db: Path) -> None:
    panels = usage_panels(db, Filters(since=T0 + timedelta(hours=1, minutes=30), services=("sagemaker-endpoint",)))
    assert [r["name"] for r in panels.resources] == ["hourly"]
    assert panels.window_start_s == _epoch(T0 + timedelta(hours=1, minutes=30))
    assert panels.span_start_s[0] == _epoch(T0 + timedelta(hours=1, minutes=30))
    assert panels.hour_start_s == _epoch(T0 + timedelta(hours=1))  # the cut hour is kept, whole, for spreading
