"""The demo's time series: each resource simulated per minute, then rolled up to hours.

Traffic has daily and weekly seasonality, a holiday-style spike, bursts separated by idle gaps, and an
instance pool that goes cold after its keep-alive window; ``rollup_hourly`` turns minutes into hours with the
same rules the store's queries use for real data (``common.metrics``), so the two resolutions agree.
"""

from __future__ import annotations

import warnings
from datetime import datetime

import numpy as np

from demo.profiles import Profile

SPIKE_DAYS_AGO = (3, 2)  # a two-day holiday-style surge, inside the per-minute window
SPIKE_FACTOR = 2.6
Z50, Z90, Z99 = 0.0, 1.2816, 2.3263


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


def rollup_hourly(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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
