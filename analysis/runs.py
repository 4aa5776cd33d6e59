"""Running the replay engine over many rows at once, a group at a time where prices or platforms differ.

Resources never interact in the engine, so a model run on a subset of rows (``replay.chunks.select``)
gives each row what a run on all rows would; rows are grouped only where a model needs one value for the
whole run (a FaaS platform's billing increment, a price to choose k with), and the results are scattered
back into arrays as long as the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.params import ModelParams
from replay import FaasModel, FaasResult, Prepared, Traffic, faas, prepare
from replay.chunks import select

# Today's FaaS-like platforms: (billing increment ms, init billed, keep-alive override s).
# Lambda rounds to 1 ms and bills INIT since 2025-08-01 [verified]; Cloud Functions (1st gen) rounds to
# 100 ms; whether it bills start-up time is unconfirmed, taken as not. Serverless Inference bills
# inference per ms [unconfirmed], not model setup. Cloud Run keeps idle instances about 15 minutes
# [unconfirmed]; its start-up is billed as instance time, not per request.
PLATFORMS: dict[str, tuple[float, bool, float | None]] = {
    "lambda": (1.0, True, None),
    "cloud-functions": (100.0, False, None),
    "sagemaker-serverless": (1.0, False, None),
    "cloud-run": (100.0, False, 900.0),
}


def platform_model(service: str, params: ModelParams, duration_factor: float = 1.0) -> FaasModel:
    increment, init_billed, keep_alive = PLATFORMS[service]
    return FaasModel(
        keep_alive_s=keep_alive if keep_alive is not None else params.keep_alive_s,
        init_ms=params.init_ms,
        increment_ms=increment,
        init_billed=init_billed,
        duration_factor=duration_factor,
    )


def groups(keys: Sequence[Hashable | None]) -> dict[Hashable, np.ndarray]:
    """Row indices per key, in first-seen order (rows whose key is None belong to no group)."""
    out: dict[Hashable, list[int]] = {}
    for row, key in enumerate(keys):
        if key is not None:
            out.setdefault(key, []).append(row)
    return {key: np.array(rows, dtype=int) for key, rows in out.items()}


def prepared_rows(traffic: Traffic, rows: np.ndarray, cache: dict | None = None) -> Prepared:
    """The prepared traffic of some rows (memoised in ``cache`` by the rows, so models share states)."""
    key = ("rows", tuple(rows.tolist()))
    if cache is not None and key in cache:
        return cache[key]
    prepared = prepare(
        traffic if rows.size == traffic.resources and np.all(rows == np.arange(rows.size)) else select(traffic, rows)
    )
    if cache is not None:
        cache[key] = prepared
    return prepared


@dataclass
class FaasRows:
    """``replay.faas`` per row (NaN where the row was not run), with each row's assumptions and notes."""

    size: int
    requests: np.ndarray = field(init=False)
    billed_ms: np.ndarray = field(init=False)
    init_billed_ms: np.ndarray = field(init=False)
    cold_starts: np.ndarray = field(init=False)
    startup_cold_starts: np.ndarray = field(init=False)
    cold_starts_measured: np.ndarray = field(init=False)
    init_ms: np.ndarray = field(init=False)
    init_measured: np.ndarray = field(init=False)
    peak_concurrency: np.ndarray = field(init=False)
    instance_seconds: np.ndarray = field(init=False)  # warm instances × time (what recycling grows with)
    month_factor: np.ndarray = field(init=False)
    assumptions: dict[int, tuple] = field(default_factory=dict)
    notes: dict[int, list[str]] = field(default_factory=dict)

    NAMES = (
        "requests",
        "billed_ms",
        "init_billed_ms",
        "cold_starts",
        "startup_cold_starts",
        "cold_starts_measured",
        "init_ms",
        "init_measured",
        "peak_concurrency",
        "instance_seconds",
        "month_factor",
    )

    def __post_init__(self) -> None:
        for name in self.NAMES:
            setattr(self, name, np.full(self.size, np.nan))

    def put(self, rows: np.ndarray, result: FaasResult) -> None:
        for name in self.NAMES:
            getattr(self, name)[rows] = np.asarray(getattr(result, name), dtype=float)
        for i, row in enumerate(rows):
            self.assumptions[int(row)] = result.assumptions
            self.notes[int(row)] = list(result.notes[i]) if result.notes else []

    def has(self, row: int) -> bool:
        return bool(np.isfinite(self.requests[row]))

    def monthly(self, values: np.ndarray) -> np.ndarray:
        return np.nan_to_num(values * self.month_factor)

    @property
    def billed_seconds(self) -> np.ndarray:
        return (self.billed_ms + self.init_billed_ms) / 1000.0


def faas_rows(
    traffic: Traffic,
    keys: Sequence[Hashable | None],
    model_of: Callable[[Hashable], FaasModel],
    cache: dict | None = None,
) -> FaasRows:
    """``replay.faas`` for every row with a key, one run per key's model."""
    out = FaasRows(traffic.resources)
    for key, rows in groups(keys).items():
        out.put(rows, faas(prepared_rows(traffic, rows, cache), model_of(key)))
    return out
