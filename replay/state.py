"""What every FaaS-like model derives from a block once: peaks, warm-pool input, billed ms per request;
and, for a resource with both minute and hourly cells, the pair of blocks that calibrates its hours.

Calibration: the hours of a resource that also has minutes are modelled from hourly data, which cannot
see bursts inside an hour. The same hourly model is run on the hours its minutes cover (the minutes
summed to hours); the ratio of the minute model to it, for each quantity and level, scales the other
hours. Traffic whose shape changes between the two stretches is then modelled from its recent shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.constants import DEFAULT_INIT_MS, MINUTE_S
from replay.durations import billed_ms_per_request
from replay.model import FaasModel
from replay.peaks import peak_calibration, period_peaks
from replay.pool import PoolInput, pool_input
from replay.traffic import Block, Panel, Prepared


@dataclass(frozen=True)
class BlockState:
    block: Block
    peaks: np.ndarray  # (rows, periods) peak concurrency, measured or modelled
    measured: np.ndarray  # where the peak was measured
    pool: PoolInput
    billed_per_request: np.ndarray  # (rows, periods) ms

    @property
    def hourly(self) -> bool:
        return self.block.panel.period_s > MINUTE_S


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


def _measured_rows(block: Block, measured: np.ndarray, share: float = 0.9) -> np.ndarray:
    """Rows whose active cells nearly all have a measured peak: the deterministic pool applies to them."""
    active = block.counted & (block.panel.requests > 0)
    count = active.sum(axis=1)
    return np.where(count > 0, (measured & active).sum(axis=1) >= share * count, True)


def block_state(
    block: Block,
    model: FaasModel,
    peak_ratio: np.ndarray,
    init_ms: np.ndarray,
    starts_cold: np.ndarray,
    peaks: tuple[np.ndarray, np.ndarray] | None = None,
) -> BlockState:
    """``peaks``: the block's (peaks, measured), when the caller has them (they do not depend on the model)."""
    panel = block.panel
    peaks, measured = period_peaks(block, peak_ratio) if peaks is None else peaks
    hourly = panel.period_s > MINUTE_S
    deterministic = np.zeros(panel.rows, dtype=bool) if hourly else _measured_rows(block, measured)
    inp = pool_input(block, peaks, model.keep_alive_s, starts_cold, deterministic, init_ms)
    factor = model.duration_factor

    def scaled(values: np.ndarray | None) -> np.ndarray | None:
        return None if values is None else values * factor

    billed = billed_ms_per_request(
        panel.duration_ms_avg * factor,
        model.increment_ms,
        p50_ms=scaled(panel.duration_ms_p50),
        p90_ms=scaled(panel.duration_ms_p90),
        p99_ms=scaled(panel.duration_ms_p99),
        default_sigma=model.duration_sigma,
    )
    return BlockState(block, peaks, measured, inp, billed)


@dataclass(frozen=True)
class States:
    """Every block's state, the per-resource peak calibration and init time, and the calibration pair."""

    blocks: list[BlockState]
    peak_ratio: np.ndarray
    init_ms: np.ndarray
    init_measured: np.ndarray
    minutes_of_both: BlockState | None  # minute rows of resources that also have hourly cells
    hours_of_both: BlockState | None  # the same minutes summed to hours


def states(prepared: Prepared, model: FaasModel) -> States:
    """Every block's state for ``model``, computed once per prepared traffic and model."""
    key = ("states", model)
    if key not in prepared.memo:
        prepared.memo[key] = _states(prepared, model)
    return prepared.memo[key]


def _states(prepared: Prepared, model: FaasModel) -> States:
    shared = _model_free(prepared)
    peak_ratio = shared.peak_ratio
    init, init_measured = resource_init_ms(prepared, model)
    starts_cold = prepared.traffic.starts_cold
    blocks = [
        block_state(b, model, peak_ratio, init, starts_cold, peaks)
        for b, peaks in zip(prepared.blocks, shared.peaks, strict=True)
    ]
    minutes_of_both = hours_of_both = None
    if shared.both is not None:
        (sub, sub_peaks), (hour_block, hour_peaks) = shared.both
        minutes_of_both = block_state(sub, model, peak_ratio, init, starts_cold, sub_peaks)
        hours_of_both = block_state(hour_block, model, peak_ratio, init, starts_cold, hour_peaks)
    return States(blocks, peak_ratio, init, init_measured, minutes_of_both, hours_of_both)


@dataclass(frozen=True)
class _ModelFree:
    """What the states of every model share on one prepared traffic: the peak calibration, each block's
    peaks, and the calibration pair's blocks (minute rows of resources with hours too; their minutes summed
    to hours) with theirs."""

    peak_ratio: np.ndarray
    peaks: list[tuple[np.ndarray, np.ndarray]]
    both: tuple[tuple[Block, tuple[np.ndarray, np.ndarray]], tuple[Block, tuple[np.ndarray, np.ndarray]]] | None


def _model_free(prepared: Prepared) -> _ModelFree:
    """Computed once per prepared traffic (the FaaS, Serverless and Cloud Run models of a group read the same
    peaks; nothing writes into them)."""
    key = ("model-free states",)
    if key in prepared.memo:
        return prepared.memo[key]
    peak_ratio = peak_calibration(prepared)
    peaks = [period_peaks(b, peak_ratio) for b in prepared.blocks]
    both_blocks = None
    minute_block = prepared.minutes
    if minute_block is not None and prepared.hourly is not None:
        both = (prepared.minute_s > 0) & (prepared.measured_s > prepared.minute_s + 1e-6)
        rows = np.flatnonzero(both[minute_block.rows])
        if rows.size:
            sub = Block(rows_of(minute_block.panel, rows), minute_block.rows[rows], minute_block.weight[rows])
            hours = rows_of(prepared.minute_hours, rows)
            hour_block = Block(hours, sub.rows, np.ones_like(hours.covered_s))
            both_blocks = ((sub, period_peaks(sub, peak_ratio)), (hour_block, period_peaks(hour_block, peak_ratio)))
    done = _ModelFree(peak_ratio, peaks, both_blocks)
    prepared.memo[key] = done
    return done


def rows_of(panel: Panel, rows: np.ndarray) -> Panel:
    """The same panel restricted to some rows."""
    return panel.take_rows(rows)


def calibration_ratio(minute_value: np.ndarray, hour_value: np.ndarray, prior: float) -> np.ndarray:
    """(minutes + prior) / (hours + prior), bounded: how much the hourly model misses on this resource."""
    return np.clip((minute_value + prior) / (hour_value + prior), 0.05, 20.0)
