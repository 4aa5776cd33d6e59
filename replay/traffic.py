"""Measured traffic as arrays: resources × periods, an hourly grid shared by all, per-minute detail for some.

A :class:`Panel` is one grid of equal periods (60 s or 3600 s) for many resources. ``covered_s`` says how
many seconds of each period were measured: 0 for a period outside the resource's data (the mask), the
full period inside it (CloudWatch omits idle periods, so the caller zero-fills them), and a part of it
at the edges of a window that starts or ends inside a period (18:15). A :class:`Traffic` holds the
hourly panel and the per-minute panel of the resources that have minute data; :func:`prepare` decides,
once, which cells each simulation counts: minutes where they exist, hours elsewhere, an hour partly
covered by minutes contributing only its remaining part (spread evenly over the hour).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np

from replay.constants import HOUR_S, MINUTE_S, MONTH_SECONDS, SHORT_SERIES_S

OPTIONAL_METRICS = (
    "duration_ms_p50",
    "duration_ms_p90",
    "duration_ms_p99",
    "concurrency_max",
    "cold_starts",
    "init_duration_ms_avg",
    "instances_avg",
    "cpu_utilization_pct_avg",
    "memory_utilization_pct_avg",
)


class TrafficError(ValueError):
    """Bad engine input, named by field and place; nothing is computed from it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class Panel:
    """Traffic of many resources on one grid. Every array is (resources, periods); NaN = not measured.

    ``requests`` and ``cold_starts`` are counts in the measured part of each period; the other metrics
    are that part's mean (durations weighted by requests), or its maximum (``concurrency_max``).
    """

    period_s: int
    start_s: int  # epoch seconds of the first period's start, a multiple of period_s
    covered_s: np.ndarray
    requests: np.ndarray
    duration_ms_avg: np.ndarray
    duration_ms_p50: np.ndarray | None = None
    duration_ms_p90: np.ndarray | None = None
    duration_ms_p99: np.ndarray | None = None
    concurrency_max: np.ndarray | None = None
    cold_starts: np.ndarray | None = None
    init_duration_ms_avg: np.ndarray | None = None
    instances_avg: np.ndarray | None = None
    cpu_utilization_pct_avg: np.ndarray | None = None
    memory_utilization_pct_avg: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.period_s not in (MINUTE_S, HOUR_S):
            raise TrafficError("period_s", f"must be {MINUTE_S} or {HOUR_S}, not {self.period_s}")
        if self.start_s % self.period_s:
            raise TrafficError("start_s", f"{self.start_s} is not aligned to the {self.period_s}-second grid")
        covered = np.asarray(self.covered_s, dtype=float)
        if covered.ndim != 2:
            raise TrafficError("covered_s", "must be a 2-D array (resources, periods)")
        _check_range("covered_s", covered, 0.0, float(self.period_s))
        object.__setattr__(self, "covered_s", covered)
        for item in fields(self):
            if item.name in ("period_s", "start_s", "covered_s"):
                continue
            value = getattr(self, item.name)
            if value is None:
                continue
            array = np.asarray(value, dtype=float)
            if array.shape != covered.shape:
                raise TrafficError(item.name, f"has shape {array.shape} but covered_s has {covered.shape}")
            measured = covered > 0
            if item.name == "requests":
                _check_range(item.name, np.where(measured, array, 0.0), 0.0, np.inf)
            else:
                _check_range(item.name, np.where(measured & ~np.isnan(array), array, 0.0), 0.0, np.inf)
            object.__setattr__(self, item.name, array)
        if self.cpu_utilization_pct_avg is not None:
            _check_range("cpu_utilization_pct_avg", np.nan_to_num(self.cpu_utilization_pct_avg), 0.0, 100.0)
        active = (covered > 0) & (self.requests > 0)
        missing = active & np.isnan(self.duration_ms_avg)
        if missing.any():
            row, period = np.argwhere(missing)[0]
            raise TrafficError("duration_ms_avg", f"row {row}, period {period} has requests but no duration")

    @property
    def rows(self) -> int:
        return self.covered_s.shape[0]

    @property
    def periods(self) -> int:
        return self.covered_s.shape[1]

    def metric(self, name: str) -> np.ndarray | None:
        return getattr(self, name)

    def take_rows(self, rows: np.ndarray) -> Panel:
        """The same panel restricted to some rows, without validating again what was validated (the rows of
        a valid panel are valid; the engine takes row subsets of every group and block it runs)."""
        out = object.__new__(Panel)
        for item in fields(self):
            value = getattr(self, item.name)
            object.__setattr__(out, item.name, value[rows] if isinstance(value, np.ndarray) else value)
        return out


def _check_range(name: str, array: np.ndarray, low: float, high: float) -> None:
    bad = ~np.isfinite(array) | (array < low) | (array > high)
    if bad.any():
        row, period = np.argwhere(bad)[0]
        value = array[row, period]
        raise TrafficError(name, f"row {row}, period {period} is {value!r}; must be finite and in [{low:g}, {high:g}]")


@dataclass(frozen=True)
class Traffic:
    """One configuration of each resource: the hourly panel (all resources) and optional per-minute detail.

    ``minute_rows[i]`` is the resource (hourly row) of minute row ``i``. ``starts_cold[r]`` is true when the
    data shows resource ``r`` starting inside the window (created, or its configuration changed), so its
    first requests find no warm instance; otherwise the instances its first periods needed are assumed warm.
    """

    hourly: Panel | None
    minutes: Panel | None = None
    minute_rows: np.ndarray | None = None
    starts_cold: np.ndarray | None = None
    names: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.hourly is None and self.minutes is None:
            raise TrafficError("hourly", "give an hourly panel, a per-minute panel, or both")
        if self.hourly is not None and self.hourly.period_s != HOUR_S:
            raise TrafficError("hourly.period_s", f"must be {HOUR_S}")
        if self.minutes is not None and self.minutes.period_s != MINUTE_S:
            raise TrafficError("minutes.period_s", f"must be {MINUTE_S}")
        resources = self.resources
        if self.minutes is not None:
            rows = np.arange(self.minutes.rows) if self.minute_rows is None else np.asarray(self.minute_rows)
            if rows.shape != (self.minutes.rows,) or not np.issubdtype(rows.dtype, np.integer):
                raise TrafficError("minute_rows", "needs one integer resource row per minute row")
            if len(rows) and (rows.min() < 0 or rows.max() >= resources or len(np.unique(rows)) != len(rows)):
                raise TrafficError("minute_rows", f"must be distinct rows in 0..{resources - 1}")
            object.__setattr__(self, "minute_rows", rows)
        cold = np.zeros(resources, dtype=bool) if self.starts_cold is None else np.asarray(self.starts_cold, bool)
        if cold.shape != (resources,):
            raise TrafficError("starts_cold", f"needs {resources} values")
        object.__setattr__(self, "starts_cold", cold)
        if self.names and len(self.names) != resources:
            raise TrafficError("names", f"has {len(self.names)} names for {resources} resources")

    @property
    def resources(self) -> int:
        return self.hourly.rows if self.hourly is not None else self.minutes.rows


@dataclass(frozen=True)
class Block:
    """One panel as a simulation sees it: the cells it counts and the resource each row belongs to.

    ``weight`` is the share of each cell's measured time that this block counts (1 for minutes and for
    hours without minute detail, the remainder for an hour partly covered by minutes, 0 when covered
    whole); counts are scaled by it, means are not.
    """

    panel: Panel
    rows: np.ndarray  # resource index of each panel row
    weight: np.ndarray  # (rows, periods)

    @cached_property
    def seconds(self) -> np.ndarray:
        return self.panel.covered_s * self.weight

    @cached_property
    def requests(self) -> np.ndarray:
        return self.panel.requests * self.weight

    @cached_property
    def counted(self) -> np.ndarray:
        return self.seconds > 0


@dataclass(frozen=True)
class Prepared:
    """Validated traffic split into blocks, with each resource's exact measured span and month factor."""

    traffic: Traffic
    hourly: Block | None
    minutes: Block | None
    measured_s: np.ndarray  # (resources,) seconds the blocks count
    minute_s: np.ndarray  # (resources,) of which per-minute
    requests: np.ndarray  # (resources,) requests in the counted cells

    @property
    def resources(self) -> int:
        return self.traffic.resources

    @cached_property
    def memo(self) -> dict:
        """Derived state models share (keyed by what it was derived with), kept as long as this object."""
        return {}

    @cached_property
    def minute_hours(self) -> Panel | None:
        """The per-minute panel summed to hours (computed once): what hourly models are calibrated on."""
        return None if self.minutes is None else to_hours(self.minutes.panel)

    @property
    def month_factor(self) -> np.ndarray:
        """Multiply a window total by this for a 730-hour month (NaN for a resource with no data)."""
        with np.errstate(divide="ignore"):
            return np.where(self.measured_s > 0, MONTH_SECONDS / np.maximum(self.measured_s, 1e-9), np.nan)

    @property
    def blocks(self) -> list[Block]:
        return [b for b in (self.minutes, self.hourly) if b is not None]

    def source(self) -> np.ndarray:
        """Per resource: 'minutes', 'hours', 'minutes+hours' or 'none' (what the figures rest on)."""
        hours_s = self.measured_s - self.minute_s
        out = np.full(self.resources, "none", dtype=object)
        out[(self.minute_s > 0) & (hours_s <= 0)] = "minutes"
        out[(self.minute_s <= 0) & (hours_s > 0)] = "hours"
        out[(self.minute_s > 0) & (hours_s > 0)] = "minutes+hours"
        return out

    def notes(self) -> list[list[str]]:
        """Plain-words notes per resource about the span and resolution behind its monthly figures."""
        out: list[list[str]] = []
        for r in range(self.resources):
            notes = []
            measured, minutes = self.measured_s[r], self.minute_s[r]
            if measured <= 0:
                notes.append("no measured periods: nothing to extrapolate")
            else:
                if measured < SHORT_SERIES_S:
                    notes.append(f"extrapolated from {measured / 3600:.1f} hours")
                if minutes <= 0:
                    notes.append("modelled from hourly data: within-hour bursts are a model, not a measurement")
                elif minutes < measured:
                    notes.append(f"per-minute detail for {minutes / 3600:.1f} of {measured / 3600:.1f} hours")
            out.append(notes)
        return out


def prepare(traffic: Traffic) -> Prepared:
    """Which cells count where: minutes when a resource has them, the hours around them otherwise."""
    resources = traffic.resources
    hourly_block = minute_block = None
    measured = np.zeros(resources)
    minute_s = np.zeros(resources)
    requests = np.zeros(resources)
    overlap = None
    if traffic.minutes is not None:
        panel = traffic.minutes
        rows = traffic.minute_rows
        minute_block = Block(panel, rows, np.ones_like(panel.covered_s))
        np.add.at(minute_s, rows, panel.covered_s.sum(axis=1))
        np.add.at(requests, rows, np.where(panel.covered_s > 0, panel.requests, 0.0).sum(axis=1))
        if traffic.hourly is not None:
            overlap = _minute_overlap(traffic.hourly, panel, rows, resources)
    if traffic.hourly is not None:
        panel = traffic.hourly
        weight = np.ones_like(panel.covered_s)
        if overlap is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                remaining = np.where(panel.covered_s > 0, 1.0 - overlap / panel.covered_s, 0.0)
            weight = np.clip(remaining, 0.0, 1.0)
            weight[weight < 1e-9] = 0.0
        hourly_block = Block(panel, np.arange(panel.rows), weight)
        measured += hourly_block.seconds.sum(axis=1)
        requests += np.where(hourly_block.counted, hourly_block.requests, 0.0).sum(axis=1)
    measured += minute_s
    return Prepared(traffic, hourly_block, minute_block, measured, minute_s, requests)


def _minute_overlap(hourly: Panel, minutes: Panel, rows: np.ndarray, resources: int) -> np.ndarray:
    """Seconds of each (resource, hour) cell that per-minute data covers."""
    per_hour = coarsen_sum(minutes.covered_s, minutes.start_s, hourly.start_s, hourly.periods)
    overlap = np.zeros((resources, hourly.periods))
    overlap[rows] = per_hour
    return overlap


def coarsen_sum(values: np.ndarray, start_s: int, hour_start_s: int, hours: int) -> np.ndarray:
    """Sum a per-minute (rows, minutes) array into the hours of a grid starting at ``hour_start_s``."""
    offset = (start_s - hour_start_s) // MINUTE_S  # minute index of values[:, 0] on the hour grid
    rows, periods = values.shape
    lead = offset % 60
    first_hour = offset // 60
    total = lead + periods
    padded = np.zeros((rows, -(-total // 60) * 60))
    padded[:, lead : lead + periods] = values
    sums = padded.reshape(rows, -1, 60).sum(axis=2)
    out = np.zeros((rows, hours))
    lo, hi = max(first_hour, 0), min(first_hour + sums.shape[1], hours)
    if hi > lo:
        out[:, lo:hi] = sums[:, lo - first_hour : hi - first_hour]
    return out


def coarsen_max(values: np.ndarray, start_s: int, hour_start_s: int, hours: int) -> np.ndarray:
    """Max of a per-minute (rows, minutes) array within each hour (NaN-free input; 0 where empty)."""
    offset = (start_s - hour_start_s) // MINUTE_S
    rows, periods = values.shape
    lead = offset % 60
    first_hour = offset // 60
    padded = np.zeros((rows, -(-(lead + periods) // 60) * 60))
    padded[:, lead : lead + periods] = values
    maxima = padded.reshape(rows, -1, 60).max(axis=2)
    out = np.zeros((rows, hours))
    lo, hi = max(first_hour, 0), min(first_hour + maxima.shape[1], hours)
    if hi > lo:
        out[:, lo:hi] = maxima[:, lo - first_hour : hi - first_hour]
    return out


def to_hours(panel: Panel) -> Panel:
    """The same traffic on the hour grid: counts summed, means weighted (requests, cold starts or time),
    peaks maximised; an hour's ``covered_s`` is the minutes measured in it. Used to calibrate hourly models
    on the stretch where a resource also has minutes."""
    start = panel.start_s - panel.start_s % HOUR_S
    hours = -(-(panel.start_s - start + panel.periods * MINUTE_S) // HOUR_S)
    measured = panel.covered_s > 0

    def total(values: np.ndarray) -> np.ndarray:
        return coarsen_sum(np.where(measured, values, 0.0), panel.start_s, start, hours)

    covered = total(panel.covered_s)
    requests = total(panel.requests)

    def weighted(values: np.ndarray | None, weights: np.ndarray, weight_total: np.ndarray) -> np.ndarray | None:
        if values is None:
            return None
        known = measured & ~np.isnan(values)
        num = coarsen_sum(np.where(known, values * weights, 0.0), panel.start_s, start, hours)
        den = coarsen_sum(np.where(known, weights, 0.0), panel.start_s, start, hours)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1e-300), np.nan)

    by_requests = {
        name: weighted(panel.metric(name), panel.requests, requests)
        for name in ("duration_ms_avg", "duration_ms_p50", "duration_ms_p90", "duration_ms_p99")
    }
    by_time = {
        name: weighted(panel.metric(name), panel.covered_s, covered)
        for name in ("instances_avg", "cpu_utilization_pct_avg", "memory_utilization_pct_avg")
    }
    cold = None if panel.cold_starts is None else total(np.nan_to_num(panel.cold_starts))
    init = None
    if panel.init_duration_ms_avg is not None:
        weights = np.nan_to_num(panel.cold_starts) if panel.cold_starts is not None else np.ones_like(panel.requests)
        init = weighted(panel.init_duration_ms_avg, weights, covered)
    peak = None
    if panel.concurrency_max is not None:
        known = measured & ~np.isnan(panel.concurrency_max)
        peak = coarsen_max(np.where(known, panel.concurrency_max, 0.0), panel.start_s, start, hours)
        any_known = coarsen_sum(known.astype(float), panel.start_s, start, hours) > 0
        peak = np.where(any_known, peak, np.nan)
    duration = by_requests["duration_ms_avg"]
    duration = np.where(requests > 0, duration, np.nan)
    return Panel(
        HOUR_S,
        int(start),
        covered,
        requests,
        duration,
        by_requests["duration_ms_p50"],
        by_requests["duration_ms_p90"],
        by_requests["duration_ms_p99"],
        peak,
        cold,
        init,
        by_time["instances_avg"],
        by_time["cpu_utilization_pct_avg"],
        by_time["memory_utilization_pct_avg"],
    )
