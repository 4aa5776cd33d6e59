"""FaaS on the measured traffic: requests, billed duration, cold starts (modelled beside measured), init.

One configuration at a time (the caller splits a window at a memory change). Per-minute cells use the
deterministic warm pool on measured (or modelled, calibrated) peaks; hourly cells the stationary-Poisson
pool, scaled for a resource with minute data by how its minutes compare with the same model on their own
hours. Durations are billed per request with the platform's increment (replay.durations); init is billed
on every cold start when ``init_billed`` (Lambda since 2025-08-01).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from replay.assumptions import Assumption
from replay.constants import (
    DEFAULT_DURATION_SIGMA,
    DEFAULT_INIT_MS,
    DEFAULT_KEEP_ALIVE_S,
    LAMBDA_INCREMENT_MS,
)
from replay.durations import billed_ms_per_request
from replay.peaks import peak_calibration, period_peaks
from replay.pool import PoolInput, cold_starts, pool_input
from replay.traffic import Block, Prepared, to_hours


@dataclass(frozen=True)
class FaasModel:
    """The FaaS platform being modelled. ``init_ms`` None = the resource's measured mean, else the default."""

    keep_alive_s: float = DEFAULT_KEEP_ALIVE_S
    init_ms: float | None = None
    increment_ms: float = LAMBDA_INCREMENT_MS
    init_billed: bool = True
    duration_sigma: float = DEFAULT_DURATION_SIGMA
    duration_factor: float = 1.0

    def __post_init__(self) -> None:
        if self.keep_alive_s < 0 or self.increment_ms <= 0 or self.duration_factor <= 0:
            raise ValueError("keep_alive_s must be >= 0, increment_ms and duration_factor > 0")

    def assumptions(self) -> tuple[Assumption, ...]:
        init = "measured mean init duration where the data has it, else" if self.init_ms is None else "set to"
        return (
            Assumption(
                "keep_alive_s",
                self.keep_alive_s,
                "s",
                "an idle instance is reclaimed this long after its last request (no provider documents it)",
                "unconfirmed",
            ),
            Assumption(
                "init_ms",
                DEFAULT_INIT_MS if self.init_ms is None else self.init_ms,
                "ms",
                f"cold-start init time: {init} this value",
                "unconfirmed" if self.init_ms is None else "model",
            ),
            Assumption(
                "billing_increment_ms", self.increment_ms, "ms", "each request's duration is rounded up to this"
            ),
            Assumption("init_billed", self.init_billed, "", "init time billed as duration on every cold start"),
            Assumption(
                "duration_sigma",
                self.duration_sigma,
                "log-ms",
                "spread of per-request latency where the data has no percentiles (for per-request rounding)",
            ),
            Assumption("duration_factor", self.duration_factor, "x", "duration on this platform / measured"),
            Assumption(
                "warm_start",
                True,
                "",
                "the window's first periods find the instances their traffic needed already warm, unless the "
                "data shows the resource starting; a start-up burst is reported once, never scaled to a month",
            ),
        )


@dataclass(frozen=True)
class FaasResult:
    """Window totals per resource (multiply by ``month_factor`` for a 730-hour month; never the start-up)."""

    requests: np.ndarray
    billed_ms: np.ndarray  # request duration billed, rounded per request (init excluded)
    init_billed_ms: np.ndarray
    cold_starts: np.ndarray  # steady cold starts in the window (scale with the month)
    startup_cold_starts: np.ndarray  # one-off, when the data shows the resource starting
    cold_starts_measured: np.ndarray  # NaN where the data has none
    init_ms: np.ndarray  # init time per cold start used
    init_measured: np.ndarray  # bool: init_ms came from the data
    peak_concurrency: np.ndarray  # highest per-period peak (measured or modelled)
    peak_measured: np.ndarray  # bool: the data measured the peak periods
    instance_seconds: np.ndarray  # warm instances × time (what instance-billed platforms charge for)
    cold_start_calibration: np.ndarray  # factor applied to hourly cold starts from the resource's minutes
    month_factor: np.ndarray
    source: np.ndarray
    assumptions: tuple[Assumption, ...]
    notes: list[list[str]] = field(default_factory=list)

    @property
    def billed_gb_seconds_per_mb(self) -> np.ndarray:
        """Billed seconds (duration + init) per MB of memory / 1024: multiply by memory GB for GB-s."""
        return (self.billed_ms + self.init_billed_ms) / 1000.0

    @property
    def cold_start_share(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.requests > 0, self.cold_starts / np.maximum(self.requests, 1e-12), 0.0)

    def monthly(self, values: np.ndarray) -> np.ndarray:
        return np.nan_to_num(values * self.month_factor)


@dataclass(frozen=True)
class BlockState:
    """A block with everything every FaaS-like model reuses: peaks, pool input, billed ms per request."""

    block: Block
    peaks: np.ndarray
    measured: np.ndarray
    pool: PoolInput
    billed_per_request: np.ndarray  # (rows, periods) ms


def resource_init_ms(prepared: Prepared, model: FaasModel) -> tuple[np.ndarray, np.ndarray]:
    """(init ms per cold start, measured?) per resource: the data's cold-start-weighted mean, else the model's."""
    n = prepared.resources
    if model.init_ms is not None:
        return np.full(n, float(model.init_ms)), np.zeros(n, dtype=bool)
    weighted, weights = np.zeros(n), np.zeros(n)
    for block in prepared.blocks:
        panel = block.panel
        if panel.cold_starts is None or panel.init_duration_ms_avg is None:
            continue
        known = block.counted & ~np.isnan(panel.cold_starts) & ~np.isnan(panel.init_duration_ms_avg)
        w = np.where(known, panel.cold_starts * block.weight, 0.0)
        np.add.at(weighted, block.rows, (w * np.nan_to_num(panel.init_duration_ms_avg)).sum(axis=1))
        np.add.at(weights, block.rows, w.sum(axis=1))
    measured = weights > 0
    return np.where(measured, weighted / np.maximum(weights, 1e-12), DEFAULT_INIT_MS), measured


def block_states(
    prepared: Prepared, model: FaasModel, init_ms: np.ndarray
) -> tuple[list[BlockState], np.ndarray]:
    """Per block: peaks, pool input and per-request billed ms; and the per-resource peak calibration."""
    calibration = peak_calibration(prepared)
    states = []
    for block in prepared.blocks:
        panel = block.panel
        peaks, measured = period_peaks(block, calibration)
        deterministic = _measured_rows(block, measured) if panel.period_s == 60 else np.zeros(panel.rows, bool)
        inp = pool_input(block, peaks, model.keep_alive_s, prepared.traffic.starts_cold, deterministic, init_ms)
        factor = model.duration_factor
        billed = billed_ms_per_request(
            panel.duration_ms_avg * factor,
            model.increment_ms,
            p50_ms=None if panel.duration_ms_p50 is None else panel.duration_ms_p50 * factor,
            p90_ms=None if panel.duration_ms_p90 is None else panel.duration_ms_p90 * factor,
            p99_ms=None if panel.duration_ms_p99 is None else panel.duration_ms_p99 * factor,
            default_sigma=model.duration_sigma,
        )
        states.append(BlockState(block, peaks, measured, inp, billed))
    return states, calibration


def _measured_rows(block: Block, measured: np.ndarray, share: float = 0.9) -> np.ndarray:
    """Rows whose active cells nearly all have a measured peak: the deterministic pool applies to them."""
    active = block.counted & (block.panel.requests > 0)
    count = active.sum(axis=1)
    return np.where(count > 0, (measured & active).sum(axis=1) >= share * count, True)


def cold_start_calibration(
    prepared: Prepared, model: FaasModel, states: list[BlockState], init_ms: np.ndarray
) -> np.ndarray:
    """Per resource: (minute-model cold starts + 1) / (hourly model on the same minutes' hours + 1).

    Only resources with both minute and hourly cells need it; 1 elsewhere. The +1 keeps a handful of
    cold starts from swinging the factor.
    """
    factor = np.ones(prepared.resources)
    minutes = next((s for s in states if s.block.panel.period_s == 60), None)
    if minutes is None or prepared.hourly is None:
        return factor
    both = (prepared.minute_s > 0) & (prepared.measured_s > prepared.minute_s)
    rows = np.flatnonzero(both[minutes.block.rows])
    if not rows.size:
        return factor
    minute_counts = cold_starts(minutes.pool).cold_starts[rows]
    panel = minutes.block.panel
    sub = _rows_of(panel, rows)
    hours = to_hours(sub)
    hour_block = Block(hours, minutes.block.rows[rows], np.ones_like(hours.covered_s))
    hour_pool = pool_input(
        hour_block,
        np.zeros_like(hours.requests),
        model.keep_alive_s,
        prepared.traffic.starts_cold,
        np.zeros(len(rows), dtype=bool),
        init_ms,
    )
    hour_counts = cold_starts(hour_pool).cold_starts
    factor[minutes.block.rows[rows]] = np.clip((minute_counts + 1.0) / (hour_counts + 1.0), 0.05, 20.0)
    return factor


def _rows_of(panel: object, rows: np.ndarray) -> object:
    """The same panel restricted to some rows."""
    from dataclasses import fields, replace

    changes = {}
    for item in fields(panel):
        value = getattr(panel, item.name)
        if isinstance(value, np.ndarray) and value.ndim == 2:
            changes[item.name] = value[rows]
    return replace(panel, **changes)


def faas(prepared: Prepared, model: FaasModel | None = None) -> FaasResult:
    """Every resource of ``prepared`` on the FaaS platform ``model`` describes."""
    model = model or FaasModel()
    init, init_measured = resource_init_ms(prepared, model)
    states, peak_ratio = block_states(prepared, model, init)
    calibration = cold_start_calibration(prepared, model, states, init)
    n = prepared.resources
    totals = {name: np.zeros(n) for name in ("billed", "cold", "startup", "alive", "measured")}
    has_measured = np.zeros(n, dtype=bool)
    peak = np.zeros(n)
    peak_measured = np.zeros(n, dtype=bool)
    for state in states:
        block, panel, rows = state.block, state.block.panel, state.block.rows
        counted = block.counted
        counts = cold_starts(state.pool, 0.0, calibration if panel.period_s == 3600 else None)
        requests = np.where(counted, block.requests, 0.0)
        np.add.at(totals["billed"], rows, (requests * state.billed_per_request).sum(axis=1))
        np.add.at(totals["cold"], rows, counts.cold_starts)
        np.add.at(totals["startup"], rows, counts.startup_cold_starts)
        np.add.at(totals["alive"], rows, counts.instance_seconds)
        top = np.where(counted, state.peaks, 0.0)
        best = top.max(axis=1, initial=0.0)
        at_best = np.take_along_axis(state.measured, np.argmax(top, axis=1)[:, None], axis=1)[:, 0]
        better = best > peak[rows]
        peak_measured[rows] = np.where(better, at_best, peak_measured[rows])
        peak[rows] = np.maximum(peak[rows], best)
        if panel.cold_starts is not None:
            known = counted & ~np.isnan(panel.cold_starts)
            np.add.at(totals["measured"], rows, np.where(known, panel.cold_starts * block.weight, 0.0).sum(axis=1))
            has_measured[rows] |= known.any(axis=1)
    all_cold = totals["cold"] + totals["startup"]
    notes = prepared.notes()
    for r in np.flatnonzero(peak_ratio != 1.0):
        notes[r].append(f"modelled peaks scaled x{peak_ratio[r]:.2f} to match this resource's measured minute peaks")
    return FaasResult(
        requests=prepared.requests,
        billed_ms=totals["billed"],
        init_billed_ms=all_cold * init if model.init_billed else np.zeros(n),
        cold_starts=totals["cold"],
        startup_cold_starts=totals["startup"],
        cold_starts_measured=np.where(has_measured, totals["measured"], np.nan),
        init_ms=init,
        init_measured=init_measured,
        peak_concurrency=peak,
        peak_measured=peak_measured,
        instance_seconds=totals["alive"],
        cold_start_calibration=calibration,
        month_factor=prepared.month_factor,
        source=prepared.source(),
        assumptions=model.assumptions(),
        notes=notes,
    )
