"""From the store's arrays to the replay engine's traffic: configuration segments, exact spans, zero-fill.

A resource's **measured span** is the first to the last instant of its stored data inside the window, at
the finest resolution stored (a window or an upload starting at 18:15 starts at 18:15; nothing is
floored to whole hours). Inside it, periods a source omitted are idle (CloudWatch and Cloud Monitoring
drop periods without traffic), so they count as measured with zero requests. An hourly value cut by the
window or by a configuration change is spread evenly over the hour (as the pages' rollup spreads), unless
the data itself starts inside the hour (per-minute rows from 18:15), which is then counted whole.

The span is split where a price-relevant configuration field changes (memory, architecture, instance
type, …): one **segment** per configuration, each an engine row of its own, the newer ones starting cold
(new environments). The current segment is the one the alternatives replace; the older ones are priced
on their own and shown apart, so today and every alternative cover the same period and configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from analysis.params import ModelParams
from analysis.scaled_peaks import scaled_peaks
from common.limits import LAMBDA_MB_PER_VCPU
from replay import Panel, Traffic
from replay.traffic import OPTIONAL_METRICS
from store.panels import STORED_S, UsagePanels

HOUR_S, MINUTE_S = 3600, 60
# Configuration fields that change a price; a change in another (a timeout) does not split the span.
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
COUNTS = ("invocations", "errors", "throttles")  # zero where a source omitted an idle period
SPARSE_COUNTS = ("cold_starts", "billed_duration_ms_sum", "billable_instance_ms_sum")  # unknown stays unknown
ENGINE_OPTIONAL = OPTIONAL_METRICS  # the metrics the engine reads when a source has them
# Measured alongside the engine's metrics, for today's cost and the pages' rates.
EXTRA = ("errors", "throttles", "billed_duration_ms_sum", "billable_instance_ms_sum", "provisioned_concurrency")
MIN_SPAN_S = 15 * 60  # less measured time than this is too little to extrapolate a month from


@dataclass(frozen=True)
class Segment:
    """One configuration of one resource over [start_s, end_s) of its measured span."""

    resource: int
    start_s: float
    end_s: float
    config: dict[str, Any]
    current: bool
    starts_cold: bool

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


def segments(panels: UsagePanels) -> list[list[Segment]]:
    """Per resource, its configuration segments inside its measured span (none without data)."""
    out: list[list[Segment]] = []
    for r in range(panels.size):
        lo, hi = panels.span_start_s[r], panels.span_end_s[r]
        if not np.isfinite(lo) or hi <= lo:
            out.append([])
            continue
        history = sorted(panels.configs[r], key=lambda item: item[0]) if panels.configs else []
        cuts: list[tuple[float, dict[str, Any], bool]] = []
        for valid_from, values in history:
            if valid_from <= lo:
                cuts = [(lo, values, False)]
            elif valid_from < hi:
                if cuts and _priced(cuts[-1][1]) == _priced(values):
                    cuts[-1] = (cuts[-1][0], values, cuts[-1][2])  # same prices: one stretch, newer values
                else:
                    cuts.append((float(valid_from), values, True))
        if not cuts:  # no configuration, or known only from after the span: the earliest one
            cuts = [(lo, history[0][1] if history else {}, False)]
        cuts[0] = (lo, cuts[0][1], False)
        row = []
        for i, (start, values, cold) in enumerate(cuts):
            end = cuts[i + 1][0] if i + 1 < len(cuts) else hi
            row.append(Segment(r, float(start), float(end), dict(values), i == len(cuts) - 1, cold))
        out.append(row)
    return out


def _priced(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(name) for name in PRICE_FIELDS)


@dataclass(frozen=True)
class Rows:
    """Engine traffic with one row per segment, the measured extras aligned with it, and per-row problems.

    ``extra_hours[metric]`` is (S, H) like the hourly panel; ``extra_minutes[metric]`` (M, T) like the
    minute panel (rows ``traffic.minute_rows``). ``problems[i]`` says why row ``i`` cannot be modelled.
    """

    segments: tuple[Segment, ...]
    traffic: Traffic
    extra_hours: dict[str, np.ndarray]
    extra_minutes: dict[str, np.ndarray]
    problems: dict[int, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.segments)


def _covered(edges: np.ndarray, step: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Seconds of each period [edge, edge + step) inside [lo, hi) per row."""
    start = np.maximum(edges[None, :], lo[:, None])
    end = np.minimum(edges[None, :] + step, hi[:, None])
    return np.clip(end - start, 0.0, float(step))


def build_rows(panels: UsagePanels, chosen: list[Segment]) -> Rows:
    """The engine's traffic for ``chosen`` segments (see module docstring for the counting rules)."""
    s = len(chosen)
    res = np.array([seg.resource for seg in chosen], dtype=int)
    seg_lo = np.array([seg.start_s for seg in chosen], dtype=float)
    seg_hi = np.array([seg.end_s for seg in chosen], dtype=float)
    hour_edges = panels.hour_start_s + HOUR_S * np.arange(panels.hours, dtype=float)
    lo = np.maximum(seg_lo, panels.span_start_s[res]) if s else seg_lo
    hi = np.minimum(seg_hi, panels.span_end_s[res]) if s else seg_hi
    covered = _covered(hour_edges, HOUR_S, lo, hi)
    stored = np.nan_to_num(panels.hourly[STORED_S][res])
    spread = np.where(stored > covered, covered / np.maximum(stored, 1e-9), 1.0)
    hours = _panel_arrays(panels.hourly, res, covered, spread)
    minute_rows = np.zeros(0, dtype=int)
    minutes = None
    position = np.full(panels.size, -1)
    position[panels.minute_rows] = np.arange(panels.minute_rows.size)
    mine = np.flatnonzero(position[res] >= 0) if s else np.zeros(0, dtype=int)
    extra_minutes: dict[str, np.ndarray] = {}
    if mine.size:
        m = position[res[mine]]
        width = panels.minutes["invocations"].shape[1]
        edges = panels.minute_start_s + MINUTE_S * np.arange(width, dtype=float)
        m_lo = np.maximum(seg_lo[mine], panels.minute_span_start_s[m])
        m_hi = np.minimum(seg_hi[mine], panels.minute_span_end_s[m])
        m_cov = _covered(edges, MINUTE_S, m_lo, m_hi)
        keep = m_cov.sum(axis=1) > 0
        mine, m, m_cov = mine[keep], m[keep], m_cov[keep]
        if mine.size:
            minutes = _panel_arrays(panels.minutes, m, m_cov, np.ones_like(m_cov))
            minute_rows = mine
    problems: dict[int, str] = {}
    hourly_panel = _panel(HOUR_S, panels.hour_start_s, hours, problems, np.arange(s))
    minute_panel = None
    if minutes is not None:
        minute_panel = _panel(MINUTE_S, panels.minute_start_s, minutes, problems, minute_rows)
        extra_minutes = {name: minutes[name] for name in EXTRA}
    traffic = Traffic(
        hourly=hourly_panel,
        minutes=minute_panel,
        minute_rows=minute_rows if minute_panel is not None else None,
        starts_cold=np.array([seg.starts_cold for seg in chosen], dtype=bool),
    )
    return Rows(tuple(chosen), traffic, {name: hours[name] for name in EXTRA}, extra_minutes, problems)


def _panel_arrays(
    source: dict[str, np.ndarray], rows: np.ndarray, covered: np.ndarray, spread: np.ndarray
) -> dict[str, np.ndarray]:
    """The source rows on the covered cells: counts spread and zero-filled, the rest as measured."""
    out: dict[str, np.ndarray] = {"covered_s": covered}
    inside = covered > 0
    for name in (*ENGINE_OPTIONAL, *EXTRA, "invocations", "duration_ms_avg"):
        values = source[name][rows]
        if name in SPARSE_COUNTS:
            out[name] = np.where(inside, values * spread, np.nan)
        elif name in COUNTS:
            out[name] = np.where(inside, np.nan_to_num(values) * spread, 0.0)
        elif name in ("cpu_utilization_pct_avg", "memory_utilization_pct_avg"):
            out[name] = np.where(inside, np.clip(values, 0.0, 100.0), np.nan)
        else:
            out[name] = np.where(inside, values, np.nan)
    return out


def _panel(
    period_s: int, start_s: int, arrays: dict[str, np.ndarray], problems: dict[int, str], rows: np.ndarray
) -> Panel:
    """An engine panel; a row with requests but no duration anywhere is zeroed and named in ``problems``."""
    covered = arrays["covered_s"].copy()
    requests = arrays["invocations"]
    duration = arrays["duration_ms_avg"].copy()
    active = (covered > 0) & (requests > 0)
    missing = active & np.isnan(duration)
    if missing.any():
        known = active & ~np.isnan(duration)
        weight = np.where(known, requests, 0.0)
        total = weight.sum(axis=1)
        mean = np.where(total > 0, (np.nan_to_num(duration) * weight).sum(axis=1) / np.maximum(total, 1e-12), np.nan)
        duration = np.where(missing, mean[:, None], duration)
        for i in np.flatnonzero(np.isnan(mean) & missing.any(axis=1)):
            problems[int(rows[i])] = "requests were measured but no request duration: nothing to model"
            covered[i] = 0.0
    return Panel(
        period_s=period_s,
        start_s=int(start_s),
        covered_s=covered,
        requests=requests,
        duration_ms_avg=duration,
        **{name: arrays[name] for name in ENGINE_OPTIONAL},
    )


def faas_duration_factor(service: str, memory_mb: float, new_memory_mb: float | None) -> float:
    """Duration after a FaaS memory change: a CPU-bound, single-threaded model runs in proportion to its
    CPU share, which grows with memory up to one vCPU (Lambda: 1,769 MB). An assumption, stated."""
    if new_memory_mb is None or service not in ("lambda", "cloud-functions") or not memory_mb:
        return 1.0
    share = min(memory_mb, LAMBDA_MB_PER_VCPU) / LAMBDA_MB_PER_VCPU
    new_share = min(new_memory_mb, LAMBDA_MB_PER_VCPU) / LAMBDA_MB_PER_VCPU
    return share / new_share


def apply_what_if(traffic: Traffic, params: ModelParams, duration_factor: np.ndarray | None = None) -> Traffic:
    """The traffic the what-if describes: requests × the traffic factor (scale, growth, cache misses),
    durations × the latency multiplier (× a per-row factor), measured peaks moved as independent traffic
    added or thinned moves them (``analysis.scaled_peaks``: sub-linearly), measured cold starts dropped (they
    were measured on other traffic)."""
    factor = params.traffic_factor
    rows = np.ones(traffic.resources) if duration_factor is None else np.asarray(duration_factor, dtype=float)
    if factor == 1.0 and params.latency_multiplier == 1.0 and np.all(rows == 1.0):
        return traffic

    def change(panel: Panel | None, per_row: np.ndarray) -> Panel | None:
        if panel is None:
            return None
        slow = params.latency_multiplier * per_row[:, None]
        requests = panel.requests * factor
        updates: dict[str, Any] = {"requests": requests, "cold_starts": None}
        for name in ("duration_ms_avg", "duration_ms_p50", "duration_ms_p90", "duration_ms_p99"):
            values = panel.metric(name)
            if values is not None:
                updates[name] = values * slow
        if panel.concurrency_max is not None:  # sub-linear: the excess over Poisson grows like a peak's spread
            updates["concurrency_max"] = scaled_peaks(
                panel.concurrency_max, panel.covered_s, panel.requests, panel.duration_ms_avg, factor, slow
            )
        return replace(panel, **updates)

    minute_factor = rows[traffic.minute_rows] if traffic.minutes is not None else rows
    return replace(traffic, hourly=change(traffic.hourly, rows), minutes=change(traffic.minutes, minute_factor))
