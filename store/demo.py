"""Generate the deterministic demo estate: 90 days hourly plus the last 7 days per minute.

Each resource is simulated per minute over the whole 90 days (traffic with daily and weekly
seasonality, a holiday-style spike, bursts separated by idle gaps, an instance pool that goes cold after
its keep-alive window), then rolled up to hours exactly as the store's queries roll up real data. Only
the last 7 days keep their per-minute rows, like CloudWatch's 15-day 1-minute retention would allow.
The same ``seed`` and ``end`` always give the same rows.
"""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from common.metrics import METRICS
from common.services import resource_key
from store.demo_estate import PROFILES, Profile
from store.writes import Batch, ConfigRecord, ResourceRecord, RunRecord, WriteSummary, write_batch

DEMO_SOURCE = "demo"
DEMO_SEED = 20261129
HISTORY_DAYS = 90
MINUTE_DAYS = 7
SPIKE_DAYS_AGO = (3, 2)  # a two-day holiday-style surge, inside the per-minute window
SPIKE_FACTOR = 2.6
Z50, Z90, Z99 = 0.0, 1.2816, 2.3263
METRIC_INDEX = {name: i for i, name in enumerate(METRICS)}


def demo_end(now: datetime | None = None) -> datetime:
    """The demo ends at the start of the current hour (UTC), so it looks fresh."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _sliding_max(values: np.ndarray, window: int) -> np.ndarray:
    """max(values[t-window .. t-1]) for every t (0 before the start)."""
    padded = np.concatenate([np.zeros(window), values])
    view = np.lib.stride_tricks.sliding_window_view(padded, window)[:-1]
    return view.max(axis=1)


def _activity(rng: np.random.Generator, minutes: int, burstiness: float) -> np.ndarray:
    """On/off traffic: bursts of ~3 active minutes, idle runs whose mean keeps the requested share."""
    if burstiness <= 0:
        return np.ones(minutes)
    active_run = 3.0
    idle_run = active_run * burstiness / (1.0 - burstiness)
    pairs = int(minutes / (active_run + idle_run + 2)) * 2 + 64
    scales = np.tile([active_run, idle_run], pairs)
    lengths = np.floor(rng.exponential(scales)).astype(np.int64) + 1
    states = np.tile([True, False], pairs)
    while lengths.sum() < minutes:  # astronomically rare: top up with more runs
        lengths = np.concatenate([lengths, lengths])
        states = np.concatenate([states, states])
    return np.repeat(states, lengths)[:minutes] / (1.0 - burstiness)


def _seasonality(p: Profile, minute_index: np.ndarray, start: datetime, end: datetime) -> np.ndarray:
    hours = (start.hour + minute_index / 60.0) % 24
    daily = 1.0 + p.daily_amplitude * np.sin(2 * np.pi * (hours - 9.0) / 24.0)
    weekday = (start.weekday() + (start.hour * 60 + minute_index) // 1440) % 7
    weekly = np.where(weekday >= 5, p.weekend_factor, 1.0)
    minutes_before_end = (end - start).total_seconds() / 60 - minute_index
    spike_lo, spike_hi = (d * 1440 for d in SPIKE_DAYS_AGO)
    spike = np.where((minutes_before_end <= spike_lo) & (minutes_before_end > spike_hi), SPIKE_FACTOR, 1.0)
    return daily * weekly * spike


def simulate(p: Profile, rng: np.random.Generator, start: datetime, end: datetime) -> dict[str, np.ndarray]:
    """Per-minute canonical metrics for one resource (NaN where a metric has no value that minute)."""
    n = int((end - start).total_seconds() // 60)
    t = np.arange(n)
    rate = p.rate_per_s * 60.0 * _seasonality(p, t, start, end) * _activity(rng, n, p.burstiness)
    demand = rng.poisson(rate).astype(float)

    latency_factor = np.ones(n)
    if p.memory_change:
        days_ago, _, factor = p.memory_change
        latency_factor[t >= n - days_ago * 1440] = factor
    median = p.median_ms * latency_factor
    mean_ms = median * np.exp(p.sigma**2 / 2)
    avg_ms = mean_ms * np.exp(rng.normal(0, 0.04, n) / np.sqrt(np.maximum(demand, 1) / 20 + 1))

    in_flight = demand / 60.0 * avg_ms / 1000.0
    peak = np.where(demand > 0, np.ceil(in_flight + 3 * np.sqrt(in_flight) + 0.5), 0)
    throttles = np.zeros(n)
    if p.concurrency_limit:
        over = peak > p.concurrency_limit
        throttles = np.where(over, np.round(demand * (1 - p.concurrency_limit / np.maximum(peak, 1))), 0)
        peak = np.minimum(peak, p.concurrency_limit)
    invocations = demand - throttles
    out: dict[str, np.ndarray] = {"invocations": invocations, "throttles": throttles}
    served = invocations > 0
    out["errors"] = rng.binomial(invocations.astype(np.int64), p.error_rate).astype(float)
    out["duration_ms_avg"] = np.where(served, avg_ms, np.nan)
    noise = np.exp(rng.normal(0, 0.05, (3, n)))
    for i, (name, z) in enumerate((("duration_ms_p50", Z50), ("duration_ms_p90", Z90), ("duration_ms_p99", Z99))):
        out[name] = np.where(served, median * np.exp(z * p.sigma) * noise[i], np.nan)

    if p.service in ("sagemaker-endpoint", "vertex-endpoint"):
        _endpoint_metrics(p, rng, out, in_flight, served)
    else:
        _faas_metrics(p, rng, out, peak, served)
    if p.overhead_ms:
        cold_share = np.divide(out.get("cold_starts", np.zeros(n)), np.maximum(invocations, 1))
        overhead = p.overhead_ms * np.exp(rng.normal(0, 0.1, n)) + cold_share * p.init_ms
        out["overhead_latency_ms_avg"] = np.where(served, overhead, np.nan)
    return out


def _faas_metrics(
    p: Profile, rng: np.random.Generator, out: dict[str, np.ndarray], peak: np.ndarray, served: np.ndarray
) -> None:
    n = len(peak)
    needed = np.ceil(peak / p.per_instance_concurrency)
    floor = max(p.min_instances, int(p.config.get("provisioned_concurrency", 0)))
    warm_before = np.maximum(_sliding_max(needed, p.keep_alive_min), floor)
    cold = np.maximum(needed - warm_before, 0)
    if p.service == "lambda":  # Lambda also recycles busy environments every few hours
        cold += rng.poisson(out["invocations"] * 2e-5)
    cold = np.minimum(cold, out["invocations"])
    out["cold_starts"] = np.where(served, cold, np.nan)
    init = p.init_ms * np.exp(rng.normal(0, 0.12, n))
    out["init_duration_ms_avg"] = np.where(cold > 0, init, np.nan)
    if p.service == "lambda":
        out["concurrency_max"] = np.where(served, peak, np.nan)
        billed_per_request = np.ceil(out["duration_ms_avg"])
        out["billed_duration_ms_sum"] = np.where(served, out["invocations"] * billed_per_request + cold * init, np.nan)
        if p.config.get("provisioned_concurrency"):
            out["provisioned_concurrency"] = np.full(n, float(p.config["provisioned_concurrency"]))
    if p.service in ("cloud-run", "cloud-functions"):
        warm_now = np.maximum(np.maximum(warm_before, needed), floor)
        out["instances_avg"] = np.where(warm_now > 0, warm_now, 0.0)
        if p.service == "cloud-run":
            out["concurrency_max"] = np.where(served, peak, np.nan)
            if p.config.get("billing_mode") == "instance":
                billable_s = warm_now * 60.0  # instance-based billing: every instance's whole life
            else:  # request-based: instances busy with a request, plus their start-up
                billable_s = np.where(
                    served,
                    needed
                    * 60.0
                    * np.minimum(
                        1.0, out["invocations"] / 60.0 * out["duration_ms_avg"] / 1000.0 / np.maximum(needed, 1)
                    ),
                    0.0,
                )
                billable_s = np.nan_to_num(billable_s) + cold * init / 1000.0
            out["billable_instance_ms_sum"] = np.where(warm_now > 0, np.ceil(billable_s * 10) * 100.0, np.nan)
            vcpu = float(p.config.get("vcpu", 1.0))
            busy = out["invocations"] / 60.0 * out["duration_ms_avg"] / 1000.0
            util = 100.0 * np.nan_to_num(busy) / np.maximum(warm_now * vcpu, 1e-9) * 0.8 + 2.0
            out["cpu_utilization_pct_avg"] = np.where(warm_now > 0, np.clip(util, 0, 100), np.nan)
    if p.service == "cloud-functions":
        # Gen1 has no startup-latency metric; its cold starts are not observable from Cloud Monitoring.
        del out["cold_starts"], out["init_duration_ms_avg"]
    if p.memory_pct:
        out["memory_utilization_pct_avg"] = np.where(served, p.memory_pct + rng.normal(0, 2.0, n), np.nan)


def _endpoint_metrics(
    p: Profile, rng: np.random.Generator, out: dict[str, np.ndarray], in_flight: np.ndarray, served: np.ndarray
) -> None:
    n = len(in_flight)
    if p.fixed_instances:
        instances = np.full(n, float(p.fixed_instances))
    else:
        smoothed = np.convolve(in_flight, np.ones(15) / 15, mode="same")
        wanted = np.ceil(smoothed / p.target_per_instance)
        lo = int(p.config.get("min_instances", 1))
        hi = int(p.config.get("max_instances", lo))
        instances = np.clip(wanted, lo, hi)
    out["instances_avg"] = instances
    util = 3.0 + in_flight * p.cpu_per_request_pct / instances
    out["cpu_utilization_pct_avg"] = np.clip(util + rng.normal(0, 1.0, n), 0.5, 100.0)
    out["memory_utilization_pct_avg"] = np.clip(p.memory_pct + rng.normal(0, 1.5, n), 1.0, 100.0)


def _rollup_hourly(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Minute → hour, with the same rules the store uses for real data (common.metrics rollups)."""
    hours = len(values["invocations"]) // 60
    shaped = {k: v[: hours * 60].reshape(hours, 60) for k, v in values.items()}
    inv = np.nan_to_num(shaped["invocations"])
    inv_total = inv.sum(axis=1)
    out: dict[str, np.ndarray] = {}
    for name, v in shaped.items():
        if name in (
            "invocations",
            "errors",
            "throttles",
            "cold_starts",
            "billed_duration_ms_sum",
            "billable_instance_ms_sum",
        ):
            total = np.nansum(v, axis=1)
            out[name] = np.where(np.isnan(v).all(axis=1), np.nan, total)
        elif name in ("duration_ms_avg", "overhead_latency_ms_avg") or name.startswith("duration_ms_p"):
            weighted = np.nansum(np.nan_to_num(v) * inv, axis=1)
            out[name] = np.where(inv_total > 0, weighted / np.maximum(inv_total, 1), np.nan)
        elif name == "init_duration_ms_avg":
            cold = np.nan_to_num(shaped["cold_starts"]) if "cold_starts" in shaped else np.ones_like(v)
            cold_total = (cold * ~np.isnan(v)).sum(axis=1)
            weighted = np.nansum(np.nan_to_num(v) * cold, axis=1)
            out[name] = np.where(cold_total > 0, weighted / np.maximum(cold_total, 1e-12), np.nan)
        elif name == "concurrency_max":
            out[name] = np.where(np.isnan(v).all(axis=1), np.nan, np.nanmax(np.nan_to_num(v, nan=-1), axis=1))
        else:
            with warnings.catch_warnings():  # an all-NaN hour stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                out[name] = np.where(np.isnan(v).all(axis=1), np.nan, np.nanmean(v, axis=1))
    return out


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
        _emit(columns, index, _rollup_hourly(per_minute), hour_starts, 3600)
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


def write_demo(path: Path, seed: int = DEMO_SEED, end: datetime | None = None) -> WriteSummary:
    """Build the demo estate and write it, recorded as a run of kind ``demo``."""
    started = datetime.now(UTC)
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
    return write_batch(path, batch)


def remove_demo(path: Path) -> WriteSummary:
    """Take the demo estate out of a database, leaving any real data in it untouched."""
    started = datetime.now(UTC)
    run = RunRecord(
        run_id=f"demo-remove-{uuid.uuid4().hex[:12]}",
        kind="demo-remove",
        started_at=started,
        status="ok",
        finished_at=datetime.now(UTC),
    )
    return write_batch(path, Batch(replace_source=DEMO_SOURCE, run=run))
