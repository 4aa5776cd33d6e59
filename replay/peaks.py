"""Peak concurrency per period: measured where CloudWatch gives it, else modelled and calibrated.

The model is the expected maximum in flight of Poisson traffic with the period's mean concurrency and
request count (replay.poisson). A resource with per-minute ``concurrency_max`` calibrates it: the ratio
of its measured hourly peaks (the max of its minute peaks) to the model's over the same hours scales the
modelled peaks of its other hours, so a bursty resource is not sized as if it were smooth.
"""

from __future__ import annotations

import numpy as np

from replay import poisson
from replay.constants import HOUR_S
from replay.traffic import Block, Prepared

MIN_CALIBRATION_HOURS = 3


def mean_concurrency(block: Block) -> np.ndarray:
    """Little's law per cell: arrival rate × mean duration (0 where idle or unmeasured)."""
    panel = block.panel
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(panel.covered_s > 0, panel.requests / np.maximum(panel.covered_s, 1e-9), 0.0)
    return rate * np.nan_to_num(panel.duration_ms_avg) / 1000.0


def modelled_peaks(block: Block) -> np.ndarray:
    """Expected peak in flight per cell for Poisson arrivals (no calibration)."""
    panel = block.panel
    return poisson.expected_max(mean_concurrency(block), np.where(panel.covered_s > 0, panel.requests, 0.0))


def measured_peaks(block: Block) -> tuple[np.ndarray, np.ndarray]:
    """(peaks, measured mask): measured where present and the cell has requests; 0 where idle."""
    panel = block.panel
    active = (panel.covered_s > 0) & (panel.requests > 0)
    if panel.concurrency_max is None:
        return np.zeros_like(panel.requests), np.zeros_like(active)
    measured = active & ~np.isnan(panel.concurrency_max)
    return np.where(measured, panel.concurrency_max, 0.0), measured


def peak_calibration(prepared: Prepared) -> np.ndarray:
    """Per resource: measured / modelled hourly peak over the hours its minute data fully covers (else 1)."""
    ratio = np.ones(prepared.resources)
    block = prepared.minutes
    if block is None or block.panel.concurrency_max is None:
        return ratio
    hours = prepared.minute_hours
    whole = hours.covered_s >= HOUR_S - 1e-6
    hour_block = Block(hours, block.rows, whole.astype(float))
    model = modelled_peaks(hour_block)
    measured = np.nan_to_num(hours.concurrency_max)
    usable = whole & (hours.requests > 0) & (model > 0) & ~np.isnan(hours.concurrency_max)
    enough = usable.sum(axis=1) >= MIN_CALIBRATION_HOURS
    with np.errstate(invalid="ignore", divide="ignore"):
        fitted = np.where(usable, measured, 0.0).sum(axis=1) / np.where(usable, model, 0.0).sum(axis=1)
    ratio[block.rows[enough]] = np.clip(fitted[enough], 0.25, 50.0)
    return ratio


def period_peaks(block: Block, calibration: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(peak per cell, measured mask): measured where present, else modelled × the resource's calibration."""
    peaks, measured = measured_peaks(block)
    missing = block.counted & (block.panel.requests > 0) & ~measured
    if missing.any():
        panel = block.panel
        rho = mean_concurrency(block)[missing]
        model = poisson.expected_max(rho, panel.requests[missing])
        peaks[missing] = model * np.broadcast_to(calibration[block.rows][:, None], peaks.shape)[missing]
    return peaks, measured
