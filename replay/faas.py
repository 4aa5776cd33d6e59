"""FaaS on the measured traffic: requests, billed duration, cold starts (modelled beside measured), init.

One configuration at a time (the caller splits a window at a memory change). Per-minute cells use the
deterministic warm pool on measured peaks (or the stochastic one without them); hourly cells the
stationary-Poisson pool, calibrated for a resource with minute data (replay.state). Durations are billed
per request with the platform's increment (replay.durations); init is billed on every cold start when
``init_billed`` (Lambda since 2025-08-01).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from replay.assumptions import Assumption
from replay.model import FaasModel
from replay.pool import cold_starts, pools
from replay.state import States, calibration_ratio, states
from replay.traffic import Prepared


@dataclass(frozen=True)
class FaasResult:
    """Window totals per resource (multiply by ``month_factor`` for a 730-hour month; never the start-up)."""

    requests: np.ndarray
    billed_ms: np.ndarray  # request duration billed, rounded per request (init excluded)
    init_billed_ms: np.ndarray
    cold_starts: np.ndarray  # steady cold starts in the window (scale with the month)
    startup_cold_starts: np.ndarray  # one-off, when the data shows the resource starting
    cold_starts_measured: np.ndarray  # NaN where the data has none
    init_ms: np.ndarray  # init time per cold start used (the latency a cold request adds)
    init_measured: np.ndarray  # bool: init_ms came from the data
    peak_concurrency: np.ndarray  # highest per-period peak (measured or modelled)
    peak_measured: np.ndarray  # bool: the highest peak was measured
    instance_seconds: np.ndarray  # warm instances × time (what instance-billed platforms charge for)
    cold_start_calibration: np.ndarray  # factor applied to hourly cold starts from the resource's minutes
    month_factor: np.ndarray
    source: np.ndarray
    assumptions: tuple[Assumption, ...]
    notes: list[list[str]] = field(default_factory=list)

    @property
    def billed_seconds(self) -> np.ndarray:
        """Billed seconds, duration and init: times memory in GB gives GB-seconds."""
        return (self.billed_ms + self.init_billed_ms) / 1000.0

    @property
    def added_latency_ms(self) -> np.ndarray:
        """Mean latency cold starts add per request (init time × share of requests that start cold)."""
        return self.cold_start_share * self.init_ms

    @property
    def cold_start_share(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.requests > 0, self.cold_starts / np.maximum(self.requests, 1e-12), 0.0)

    def monthly(self, values: np.ndarray) -> np.ndarray:
        """A window total as a 730-hour month (0 for a resource without data)."""
        return np.nan_to_num(values * self.month_factor)


def hourly_cold_start_calibration(prepared: Prepared, st: States) -> np.ndarray:
    """Per resource: how the minute model's cold starts compare with the hourly model on the same stretch."""
    factor = np.ones(prepared.resources)
    if st.minutes_of_both is None or st.hours_of_both is None:
        return factor
    minute = cold_starts(st.minutes_of_both.pool).cold_starts
    hour = cold_starts(st.hours_of_both.pool).cold_starts
    factor[st.minutes_of_both.block.rows] = calibration_ratio(minute, hour, prior=1.0)
    return factor


def faas(prepared: Prepared, model: FaasModel | None = None) -> FaasResult:
    """Every resource of ``prepared`` on the FaaS platform ``model`` describes."""
    model = model or FaasModel()
    st = states(prepared, model)
    calibration = hourly_cold_start_calibration(prepared, st)
    n = prepared.resources
    totals = {name: np.zeros(n) for name in ("billed", "cold", "startup", "alive", "measured")}
    has_measured = np.zeros(n, dtype=bool)
    peak = np.zeros(n)
    peak_measured = np.zeros(n, dtype=bool)
    for state in st.blocks:
        block, panel, rows = state.block, state.block.panel, state.block.rows
        counted = block.counted
        counts = cold_starts(pools(state.pool))
        scale = calibration[rows] if state.hourly else 1.0
        requests = np.where(counted, block.requests, 0.0)
        np.add.at(totals["billed"], rows, (requests * state.billed_per_request).sum(axis=1))
        np.add.at(totals["cold"], rows, counts.cold_starts * scale)
        np.add.at(totals["startup"], rows, counts.startup_cold_starts)
        np.add.at(totals["alive"], rows, counts.instance_seconds)
        top = np.where(counted, state.peaks, 0.0)
        best = top.max(axis=1, initial=0.0)
        at_best = np.take_along_axis(state.measured, np.argmax(top, axis=1)[:, None], axis=1)[:, 0]
        peak_measured[rows] = np.where(best > peak[rows], at_best, peak_measured[rows])
        peak[rows] = np.maximum(peak[rows], best)
        if panel.cold_starts is not None:
            known = counted & ~np.isnan(panel.cold_starts)
            np.add.at(totals["measured"], rows, np.where(known, panel.cold_starts * block.weight, 0.0).sum(axis=1))
            has_measured[rows] |= known.any(axis=1)
    all_cold = totals["cold"] + totals["startup"]
    notes = prepared.notes()
    for r in np.flatnonzero(st.peak_ratio != 1.0):
        notes[r].append(f"modelled peaks scaled x{st.peak_ratio[r]:.2f} to match this resource's measured minute peaks")
    for r in np.flatnonzero(calibration != 1.0):
        notes[r].append(f"hourly cold starts scaled x{calibration[r]:.2f} by this resource's per-minute replay")
    return FaasResult(
        requests=prepared.requests,
        billed_ms=totals["billed"],
        init_billed_ms=all_cold * st.init_ms if model.init_billed else np.zeros(n),
        cold_starts=totals["cold"],
        startup_cold_starts=totals["startup"],
        cold_starts_measured=np.where(has_measured, totals["measured"], np.nan),
        init_ms=st.init_ms,
        init_measured=st.init_measured,
        peak_concurrency=peak,
        peak_measured=peak_measured,
        instance_seconds=totals["alive"],
        cold_start_calibration=calibration,
        month_factor=prepared.month_factor,
        source=prepared.source(),
        assumptions=(
            *model.assumptions(),
            Assumption(
                "peak_concurrency",
                "measured, else modelled",
                "",
                "ConcurrentExecutions Maximum where the data has it, else the expected peak of Poisson traffic "
                "at the period's mean, scaled by the resource's measured/modelled minute peaks where it has them",
            ),
        ),
        notes=notes,
    )
