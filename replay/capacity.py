"""Requests per second one endpoint instance carries, from what today's endpoint measurably does.

CPU utilisation (``cpu_utilization_pct_avg``, 0-100 % of the instance, as the collectors store it) is fitted
per resource as u = a + b · x, x the requests per instance-second of each period, weighted by time: the
instance reaches 100 % at (1 − a) / b requests per second. A resource that ran saturated (most of its
time at 95 % or more, like the demo's search-rerank at 99.7 %) carries what it measurably carried: its
throughput there. With too little spread to fit a slope, the ratio of mean throughput to mean utilisation
is used (all CPU counted as request work, so capacity is, if anything, understated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.traffic import Prepared

SATURATED = 0.95
MIN_PERIODS = 6
MIN_SPREAD = 0.15  # relative spread of throughput needed to trust a slope


@dataclass(frozen=True)
class Capacity:
    """Per resource: requests/s per instance at 100 % CPU, how it was found, and the fitted idle CPU share."""

    requests_per_s: np.ndarray  # NaN where nothing could be measured
    method: np.ndarray  # 'fit', 'saturated', 'ratio', 'none'
    idle_cpu: np.ndarray  # a, the CPU share with no requests
    periods: np.ndarray  # periods the estimate rests on


def measured_capacity(prepared: Prepared) -> Capacity:
    """Calibrate every resource that reports instances and CPU; NaN ('none') for the others."""
    n = prepared.resources
    sums = {name: np.zeros(n) for name in ("w", "x", "u", "xx", "xu", "sat_w", "sat_x", "count", "sat_count")}
    for block in prepared.blocks:
        panel = block.panel
        if panel.instances_avg is None or panel.cpu_utilization_pct_avg is None:
            continue
        instances = panel.instances_avg
        cpu = panel.cpu_utilization_pct_avg / 100.0
        ok = block.counted & (np.nan_to_num(instances) > 0) & ~np.isnan(cpu) & (panel.requests > 0)
        seconds = np.where(ok, block.seconds, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.where(ok, panel.requests / (np.nan_to_num(instances, nan=1.0) * panel.covered_s), 0.0)
        u = np.where(ok, cpu, 0.0)
        saturated = ok & (u >= SATURATED)
        rows = block.rows
        for name, values in (
            ("w", seconds),
            ("x", seconds * x),
            ("u", seconds * u),
            ("xx", seconds * x * x),
            ("xu", seconds * x * u),
            ("sat_w", np.where(saturated, seconds, 0.0)),
            ("sat_x", np.where(saturated, seconds * x, 0.0)),
            ("count", ok.astype(float)),
            ("sat_count", saturated.astype(float)),
        ):
            np.add.at(sums[name], rows, values.sum(axis=1))
    w = np.maximum(sums["w"], 1e-12)
    mean_x, mean_u = sums["x"] / w, sums["u"] / w
    var_x = sums["xx"] / w - mean_x**2
    cov = sums["xu"] / w - mean_x * mean_u
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(var_x > 0, cov / np.maximum(var_x, 1e-300), np.nan)
        spread = np.sqrt(np.maximum(var_x, 0.0)) / np.maximum(mean_x, 1e-300)
        intercept = mean_u - slope * mean_x
        fit = (1.0 - intercept) / slope
        ratio = mean_x / mean_u
        saturated_x = sums["sat_x"] / np.maximum(sums["sat_w"], 1e-12)
    usable = sums["count"] >= MIN_PERIODS
    is_saturated = usable & (sums["sat_count"] > 0.5 * sums["count"])
    good_fit = usable & ~is_saturated & (spread >= MIN_SPREAD) & (slope > 0) & (intercept >= 0) & (intercept < 0.5)
    method = np.full(n, "none", dtype=object)
    method[usable] = "ratio"
    method[good_fit] = "fit"
    method[is_saturated] = "saturated"
    capacity = np.full(n, np.nan)
    capacity[usable] = ratio[usable]
    capacity[good_fit] = fit[good_fit]
    capacity[is_saturated] = saturated_x[is_saturated]
    idle = np.where(good_fit, intercept, 0.0)
    return Capacity(capacity, method, idle, sums["count"])


def capacity_from_function(
    instance_vcpu: np.ndarray | float,
    instance_memory_gib: np.ndarray | float,
    request_vcpu: np.ndarray | float,
    request_memory_mb: np.ndarray | float,
    mean_duration_s: np.ndarray | float,
) -> np.ndarray:
    """Requests/s an instance carries when each concurrent request needs the CPU share and memory it had
    on FaaS (as pricing.targets.slots_per_instance): concurrent slots / mean duration."""
    with np.errstate(invalid="ignore", divide="ignore"):
        by_cpu = np.where(np.asarray(request_vcpu) > 0, np.asarray(instance_vcpu) / request_vcpu, np.inf)
        by_memory = np.where(
            np.asarray(request_memory_mb) > 0, np.asarray(instance_memory_gib) * 1024 / request_memory_mb, np.inf
        )
        slots = np.minimum(by_cpu, by_memory)
        return np.where(np.asarray(mean_duration_s) > 0, slots / mean_duration_s, np.inf)
