"""From stored metrics to the per-resource usage the pricing models take.

The store gives hourly buckets (``store.queries.rollup``, which never double counts resolutions) and,
for the recent past, per-minute invocations; this module zero-fills idle hours and minutes (CloudWatch
and Cloud Monitoring omit periods with no traffic), splits the window where the configuration changed
(a memory change mid-period is priced at each memory for its own hours), and keeps what it had to
assume in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from common.units import MONTH_SECONDS
from pricing import UsageSeries
from store import queries as q

HOURLY_METRICS = [
    "invocations",
    "errors",
    "duration_ms_avg",
    "billed_duration_ms_sum",
    "billable_instance_ms_sum",
    "cold_starts",
    "init_duration_ms_avg",
    "instances_avg",
    "memory_utilization_pct_avg",
    "cpu_utilization_pct_avg",
    "concurrency_max",
    "provisioned_concurrency",
    "duration_ms_p99",
]


@dataclass(frozen=True)
class Segment:
    """A stretch of the window with one configuration."""

    start: datetime
    end: datetime
    config: dict[str, Any]
    hours: pd.DataFrame  # hourly rows of this stretch, zero-filled invocations

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass
class ResourceUsage:
    resource_id: str
    service: str
    provider: str
    pattern: str
    account: str
    region: str
    name: str
    start: datetime
    end: datetime
    hourly: pd.DataFrame  # one row per hour of the window (index: hour start)
    per_minute: pd.Series | None  # invocations per minute, zero-filled, for the recent stretch that has them
    segments: list[Segment]
    notes: list[str] = field(default_factory=list)

    @property
    def config(self) -> dict[str, Any]:
        """The configuration in effect at the end of the window."""
        return self.segments[-1].config if self.segments else {}

    @property
    def window_s(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def month_factor(self) -> float:
        return MONTH_SECONDS / self.window_s

    def series(self, hours: pd.DataFrame | None = None) -> UsageSeries:
        """The pricing models' input for the whole window (or one segment's hours)."""
        h = self.hourly if hours is None else hours
        inv = h["invocations"].to_numpy(dtype=float)
        mean_ms = _weighted_mean(h["duration_ms_avg"], h["invocations"])
        duration = h["duration_ms_avg"].fillna(mean_ms).to_numpy(dtype=float)
        billed = None
        if h["billed_duration_ms_sum"].notna().sum() >= (inv > 0).sum() > 0:
            billed = h["billed_duration_ms_sum"].fillna(0.0).to_numpy(dtype=float).tolist()
        minutes = self.per_minute.to_numpy(dtype=float).tolist() if self.per_minute is not None else None
        return UsageSeries(
            period_s=3600,
            invocations=inv.tolist(),
            duration_ms_avg=duration.tolist(),
            cold_starts=h["cold_starts"].to_numpy(dtype=float).tolist() if h["cold_starts"].notna().any() else None,
            billed_duration_ms_sum=billed,
            instances_avg=h["instances_avg"].fillna(0.0).tolist() if h["instances_avg"].notna().any() else None,
            init_duration_ms_avg=None,
            per_minute_invocations=minutes,
        )

    def forward_series(self) -> UsageSeries:
        """The series of the configuration in effect now (the last segment): what an alternative replaces.

        After a memory change the older hours ran at another speed; modelling the future from them would
        price a configuration that never existed.
        """
        return self.series(self.segments[-1].hours) if len(self.segments) > 1 else self.series()

    def mean(self, metric: str, weight: str | None = None) -> float | None:
        column = self.hourly[metric]
        if column.notna().sum() == 0:
            return None
        if weight:
            return _weighted_mean(column, self.hourly[weight])
        return float(column.mean())


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    mask = values.notna() & (weights.fillna(0) > 0)
    if not mask.any():
        return float(values.mean()) if values.notna().any() else 0.0
    return float(np.average(values[mask], weights=weights[mask]))


def _hour_grid(start: datetime, end: datetime) -> pd.DatetimeIndex:
    return pd.date_range(start, end - timedelta(hours=1), freq="h")


# Configuration fields that change a price; a change in any other (a timeout, an instance count that
# measured instances already cover) does not split the window.
PRICE_FIELDS = (
    "memory_mb",
    "architecture",
    "ephemeral_storage_mb",
    "instance_type",
    "vcpu",
    "billing_mode",
    "provisioned_concurrency",
    "accelerator_type",
    "accelerator_count",
)


def _segments(configs: pd.DataFrame, hourly: pd.DataFrame, start: datetime, end: datetime) -> list[Segment]:
    fields = [c for c in configs.columns if c not in ("resource_id", "valid_from", "source")]
    records = configs.sort_values("valid_from").to_dict("records")
    if not records:
        return [Segment(start, end, {}, hourly)]

    def values_of(rec: dict[str, Any]) -> dict[str, Any]:
        return {
            k: rec[k] for k in fields if rec[k] is not None and not (isinstance(rec[k], float) and np.isnan(rec[k]))
        }

    cuts: list[tuple[datetime, dict[str, Any]]] = []
    for rec in records:
        valid_from = pd.Timestamp(rec["valid_from"]).to_pydatetime()
        values = values_of(rec)
        if valid_from <= start:
            cuts = [(start, values)]
        elif valid_from < end:
            priced = {k: values.get(k) for k in PRICE_FIELDS}
            if cuts and {k: cuts[-1][1].get(k) for k in PRICE_FIELDS} == priced:
                cuts[-1] = (cuts[-1][0], values)  # same prices: keep one stretch, with the newer values
            else:
                cuts.append((valid_from.replace(minute=0, second=0, microsecond=0), values))
    if not cuts:  # configuration known only from after the window: use the earliest
        cuts = [(start, values_of(records[0]))]
    cuts[0] = (start, cuts[0][1])
    segments = []
    for i, (seg_start, values) in enumerate(cuts):
        seg_end = cuts[i + 1][0] if i + 1 < len(cuts) else end
        rows = hourly[(hourly.index >= seg_start) & (hourly.index < seg_end)]
        if len(rows):
            segments.append(Segment(seg_start, seg_end, values, rows))
    return segments


def _floor_hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def load_usage(path: Path, filters: q.Filters) -> list[ResourceUsage]:
    """Usage of every resource the filters select, each over its own whole hours of data inside the window.

    A resource's window is the filter's window clamped to that resource's stored data and floored to whole
    hours, so an upload that covers one week is priced on that week, not on the span of everything else in
    the database, and a partly collected last hour is neither half counted nor scaled as if it were whole.
    """
    lo, hi = filters.window()
    inputs = q.analysis_inputs(path, filters, HOURLY_METRICS)
    if inputs.inventory.empty:
        return []
    spans = inputs.spans.set_index("resource_id")
    out = []
    for row in inputs.inventory.itertuples(index=False):
        if row.resource_id not in spans.index:
            continue
        first, until = spans.loc[row.resource_id, "first"], spans.loc[row.resource_id, "until"]
        start = _floor_hour(max(lo, pd.Timestamp(first).to_pydatetime()))
        end = _floor_hour(min(hi, pd.Timestamp(until).to_pydatetime()))
        if end <= start:
            continue  # less than one whole hour of data: nothing to scale to a month
        grid = _hour_grid(start, end)
        mine = inputs.hourly[inputs.hourly["resource_id"] == row.resource_id].set_index("bucket_start")
        hourly = mine.reindex(grid)[HOURLY_METRICS]
        hourly["invocations"] = hourly["invocations"].fillna(0.0)
        if hourly["cold_starts"].notna().any():  # a platform that reports cold starts: idle hours had none
            hourly["cold_starts"] = hourly["cold_starts"].fillna(0.0)
        notes: list[str] = []
        minutes = inputs.per_minute[inputs.per_minute["resource_id"] == row.resource_id]
        minutes = minutes[(minutes["period_start"] >= start) & (minutes["period_start"] < end)]
        per_minute = None
        if not minutes.empty:
            index = pd.date_range(minutes["period_start"].min(), end - timedelta(minutes=1), freq="min")
            per_minute = minutes.set_index("period_start")["value"].reindex(index).fillna(0.0)
            notes.append(f"idle gaps read from per-minute data {index[0]:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M} UTC")
        configs = inputs.configs[inputs.configs["resource_id"] == row.resource_id]
        out.append(
            ResourceUsage(
                resource_id=row.resource_id,
                service=row.service,
                provider=row.provider,
                pattern=row.pattern,
                account=row.account,
                region=row.region,
                name=row.name,
                start=start,
                end=end,
                hourly=hourly,
                per_minute=per_minute,
                segments=_segments(configs, hourly, start, end),
                notes=notes,
            )
        )
    return out
