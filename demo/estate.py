"""The demo estate as a batch: 90 days hourly plus the last 7 days per minute, written like any other data.

``build_demo`` simulates every profile (``demo.profiles``, ``demo.simulate``) and describes the result as a
plain ``store`` batch; ``write_demo`` hands it to ``store.write_batch`` as a run of kind ``demo`` that replaces
earlier demo rows. Only the last 7 days keep their per-minute rows, like CloudWatch's 15-day 1-minute
retention would allow. The same ``seed`` and ``end`` always give the same rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from common.metrics import METRICS
from common.services import resource_key
from demo import DEMO_SEED, DEMO_SOURCE, HISTORY_DAYS, MINUTE_DAYS
from demo.profiles import PROFILES
from demo.simulate import rollup_hourly, simulate
from store.writes import Batch, ConfigRecord, ResourceRecord, RunRecord, WriteSummary, write_batch

METRIC_INDEX = {name: i for i, name in enumerate(METRICS)}


def demo_end(now: datetime | None = None) -> datetime:
    """The demo ends at the start of the current hour (UTC), so it looks fresh."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _emit(
    columns: dict[str, list[np.ndarray]],
    resource_index: int,
    values: dict[str, np.ndarray],
    starts: np.ndarray,
    period_s: int,
) -> None:
    for metric, v in values.items():
        keep = ~np.isnan(v)
        count = int(keep.sum())
        if not count:
            continue
        columns["resource_id"].append(np.full(count, resource_index, dtype=np.int32))
        columns["metric"].append(np.full(count, METRIC_INDEX[metric], dtype=np.int32))
        columns["period_start"].append(starts[keep])
        columns["period_s"].append(np.full(count, period_s, dtype=np.int32))
        columns["value"].append(np.round(v[keep], 6))


def build_demo(seed: int = DEMO_SEED, end: datetime | None = None) -> Batch:
    """The whole demo estate as one batch (resources, configuration history, metric rows)."""
    end = demo_end() if end is None else end.replace(tzinfo=None)
    start = end - timedelta(days=HISTORY_DAYS)
    minute_start = end - timedelta(days=MINUTE_DAYS)
    columns: dict[str, list[np.ndarray]] = {
        k: [] for k in ("resource_id", "metric", "period_start", "period_s", "value")
    }
    resources, configs = [], []
    hour_starts = np.datetime64(start, "s") + np.arange(HISTORY_DAYS * 24) * np.timedelta64(3600, "s")
    minute_offset = int((minute_start - start).total_seconds() // 60)
    minute_starts = np.datetime64(minute_start, "s") + np.arange(MINUTE_DAYS * 1440) * np.timedelta64(60, "s")
    for index, profile in enumerate(PROFILES):
        rng = np.random.default_rng([seed, index])
        rid = resource_key(profile.service, profile.account, profile.region, profile.name)
        resources.append(ResourceRecord(profile.service, profile.account, profile.region, profile.name, end))
        configs.append(ConfigRecord(rid, start, dict(profile.config), DEMO_SOURCE))
        if profile.memory_change:
            days_ago, change, _ = profile.memory_change
            configs.append(ConfigRecord(rid, end - timedelta(days=days_ago), {**profile.config, **change}, DEMO_SOURCE))
        per_minute = simulate(profile, rng, start, end)
        _emit(columns, index, rollup_hourly(per_minute), hour_starts, 3600)
        _emit(columns, index, {k: v[minute_offset:] for k, v in per_minute.items()}, minute_starts, 60)
    total = sum(len(a) for a in columns["value"])
    rids = pa.array([r.resource_id for r in resources], pa.string())
    metrics = pa.table(
        {
            "resource_id": pa.DictionaryArray.from_arrays(np.concatenate(columns["resource_id"]), rids),
            "metric": pa.DictionaryArray.from_arrays(
                np.concatenate(columns["metric"]), pa.array(list(METRICS), pa.string())
            ),
            "period_start": pa.array(np.concatenate(columns["period_start"]).astype("datetime64[us]")),
            "period_s": pa.array(np.concatenate(columns["period_s"]), pa.int32()),
            "value": pa.array(np.concatenate(columns["value"]), pa.float64()),
            "source": pa.DictionaryArray.from_arrays(np.zeros(total, dtype=np.int32), pa.array([DEMO_SOURCE])),
        }
    )
    return Batch(resources=resources, configs=configs, metrics=metrics)


def write_demo(path: Path, seed: int = DEMO_SEED, end: datetime | None = None, *, bills: bool = True) -> WriteSummary:
    """Build the demo estate and write it, recorded as a run of kind ``demo``; then, unless ``bills`` is False,
    import its bills (``demo.bills``: every invoice month of its history, so the pages show what was billed
    beside the model from the first start). The first start builds all of it into one file renamed into place
    (``store.first_start``), so a half-built demo is never seen there."""
    started = datetime.now(UTC)
    end = demo_end() if end is None else end.replace(tzinfo=None)
    batch = build_demo(seed=seed, end=end)
    batch.replace_source = DEMO_SOURCE
    batch.run = RunRecord(
        run_id=f"demo-{uuid.uuid4().hex[:12]}",
        kind="demo",
        started_at=started,
        status="ok",
        finished_at=datetime.now(UTC),
        detail={"seed": seed, "resources": len(batch.resources)},
    )
    summary = write_batch(path, batch)
    if bills:
        from demo.bills import write_demo_bills  # the price book and the billing importer only when billing

        write_demo_bills(Path(path), end - timedelta(days=HISTORY_DAYS), end)
    return summary


def remove_demo(path: Path) -> WriteSummary:
    """Take the demo estate and its bills out of a database, leaving any real data in it untouched."""
    started = datetime.now(UTC)
    run = RunRecord(
        run_id=f"demo-remove-{uuid.uuid4().hex[:12]}",
        kind="demo-remove",
        started_at=started,
        status="ok",
        finished_at=datetime.now(UTC),
    )
    summary = write_batch(path, Batch(replace_source=DEMO_SOURCE, run=run))
    from demo.bills import DEMO_BILL_PREFIX
    from store.billing import remove_bills

    remove_bills(Path(path), DEMO_BILL_PREFIX)
    return summary
