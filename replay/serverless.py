"""SageMaker Serverless Inference and Cloud Run on the same traffic.

Serverless Inference is a FaaS pool with model-setup cold starts (latency, not billed as inference) and a
concurrency cap (200 per endpoint at most): requests that find every slot busy are throttled, Erlang B
of the cap as in the hybrid. Cloud Run serves ``concurrency`` requests per instance: with request-based
billing the instances are billed while busy, E[ceil(N / c)] for N ~ Poisson(concurrency met), plus their
start-ups; with instance-based billing for their whole life, the warm pool of ceil(peak / c) instances.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from replay import constants as c
from replay import poisson
from replay.assumptions import Assumption
from replay.faas import FaasResult, faas
from replay.hybrid import burst_rho, floor_curve
from replay.model import FaasModel
from replay.peaks import mean_concurrency
from replay.pool import cold_starts, pool_input, pools
from replay.state import states
from replay.traffic import Prepared


def serverless_memory_mb(memory_needed_mb: np.ndarray) -> np.ndarray:
    """The smallest Serverless Inference memory size holding each model (NaN: more than 6 GB, infeasible)."""
    sizes = np.asarray(c.SERVERLESS_MEMORY_MB, dtype=float)
    needed = np.asarray(memory_needed_mb, dtype=float)
    index = np.searchsorted(sizes, needed, side="left")
    return np.where(index < sizes.size, sizes[np.minimum(index, sizes.size - 1)], np.nan)


@dataclass(frozen=True)
class ServerlessResult:
    faas: FaasResult  # requests, inference ms billed, model-setup cold starts (init not billed)
    throttled_requests: np.ndarray  # window requests beyond max concurrency
    max_concurrency: int
    assumptions: tuple[Assumption, ...]

    @property
    def throttled_share(self) -> np.ndarray:
        requests = self.faas.requests
        return np.where(requests > 0, self.throttled_requests / np.maximum(requests, 1e-12), 0.0)


def serverless(
    prepared: Prepared,
    *,
    keep_alive_s: float = c.DEFAULT_KEEP_ALIVE_S,
    model_setup_ms: float | None = None,
    max_concurrency: int = c.SERVERLESS_MAX_CONCURRENCY,
    duration_factor: float = 1.0,
) -> ServerlessResult:
    """Inference duration (1 ms granularity assumed), cold starts with model setup, throttling at the cap."""
    if not 1 <= max_concurrency <= c.SERVERLESS_MAX_CONCURRENCY:
        raise ValueError(f"max_concurrency must be 1..{c.SERVERLESS_MAX_CONCURRENCY}")
    model = FaasModel(
        keep_alive_s=keep_alive_s,
        init_ms=model_setup_ms if model_setup_ms is not None else c.DEFAULT_MODEL_SETUP_MS,
        increment_ms=1.0,
        init_billed=False,
        duration_factor=duration_factor,
    )
    result = faas(prepared, model)
    capped = floor_curve(prepared, model, float(max_concurrency), 1, with_cold_starts=False)  # the throttled share
    assumptions = (
        *model.assumptions(),
        Assumption(
            "max_concurrency",
            max_concurrency,
            "requests",
            "Serverless Inference allows at most 200 concurrent requests per endpoint; the rest is throttled",
            "verified",
        ),
        Assumption("inference_granularity_ms", 1.0, "ms", "inference duration billed per millisecond", "unconfirmed"),
        Assumption("model_setup_billed", False, "", "model setup adds latency and is not billed", "unconfirmed"),
    )
    return ServerlessResult(result, capped.faas_requests[:, 1], max_concurrency, assumptions)


@dataclass(frozen=True)
class CloudRunResult:
    """Window totals per resource for Cloud Run with ``concurrency`` requests per instance."""

    requests: np.ndarray
    busy_instance_seconds: np.ndarray  # request-based billing: instances while serving, start-ups included
    alive_instance_seconds: np.ndarray  # instance-based billing: the warm pool's whole life
    idle_min_instance_seconds: np.ndarray  # min instances idle (request-based billing charges them apart)
    cold_starts: np.ndarray
    startup_cold_starts: np.ndarray
    peak_instances: np.ndarray
    month_factor: np.ndarray
    assumptions: tuple[Assumption, ...]


def _expected_instances(rho: np.ndarray, concurrency: int) -> np.ndarray:
    """E[ceil(N / c)] for N ~ Poisson(rho): instances busy when requests pack ``concurrency`` to one."""
    if concurrency == 1:
        return rho
    out = rho / concurrency + (1 - 1 / concurrency) / 2  # many instances: the remainder is uniform
    small = (rho > 0) & (rho / concurrency <= 20)
    if small.any():
        r = rho[small]
        terms = int(np.ceil((r.max() + 10 * np.sqrt(r.max()) + 10) / concurrency)) + 1
        j = np.arange(terms, dtype=float)[:, None]
        out[small] = (1.0 - poisson.cdf(j * concurrency, r[None, :])).sum(axis=0)
    return np.where(rho > 0, out, 0.0)


def cloud_run(
    prepared: Prepared,
    concurrency: int = 80,
    *,
    min_instances: int = 0,
    keep_alive_s: float = 900.0,
    startup_ms: float | None = None,
) -> CloudRunResult:
    """Cloud Run instance time for the measured traffic (requests take as long as they were measured)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    model = FaasModel(keep_alive_s=keep_alive_s, init_ms=startup_ms, increment_ms=100.0)
    st = states(prepared, model)
    n = prepared.resources
    totals = {name: np.zeros(n) for name in ("busy", "alive", "idle", "cold", "startup", "peak")}
    for state in st.blocks:
        block, rows = state.block, state.block.rows
        rho = burst_rho(state)
        mean = np.where(block.counted, mean_concurrency(block), 0.0)
        active = np.where(rho > 0, np.minimum(mean / np.maximum(rho, 1e-300), 1.0), 0.0)
        busy = active * _expected_instances(rho, concurrency) * block.seconds
        need = np.ceil(np.round(state.peaks / concurrency, 9))
        inp = pool_input(block, need, keep_alive_s, prepared.traffic.starts_cold, state.pool.deterministic, st.init_ms)
        if not state.pool.deterministic.all():  # stochastic rows: instances follow the concurrency level
            inp = replace(inp, need=np.ceil(np.round(inp.need / concurrency, 9)))
        counts = cold_starts(pools(inp), float(min_instances))
        startup_s = (counts.cold_starts + counts.startup_cold_starts) * st.init_ms[rows] / 1000.0
        idle = np.maximum(min_instances - np.maximum(busy / np.maximum(block.seconds, 1e-9), 0.0), 0.0)
        np.add.at(totals["busy"], rows, np.where(block.counted, busy, 0.0).sum(axis=1) + startup_s)
        np.add.at(totals["alive"], rows, counts.instance_seconds)
        np.add.at(totals["idle"], rows, np.where(block.counted, idle * block.seconds, 0.0).sum(axis=1))
        np.add.at(totals["cold"], rows, counts.cold_starts)
        np.add.at(totals["startup"], rows, counts.startup_cold_starts)
        np.maximum.at(totals["peak"], rows, counts.peak)
    assumptions = (
        *model.assumptions(),
        Assumption("concurrency", concurrency, "requests", "requests one instance serves at once"),
        Assumption("min_instances", min_instances, "instances", "kept warm"),
        Assumption("idle_retention_s", keep_alive_s, "s", "an idle instance is kept this long", "unconfirmed"),
        Assumption("billable_rounding", "none", "", "100 ms rounding of billable time not applied", "model"),
    )
    return CloudRunResult(
        requests=prepared.requests,
        busy_instance_seconds=totals["busy"],
        alive_instance_seconds=totals["alive"],
        idle_min_instance_seconds=totals["idle"],
        cold_starts=totals["cold"],
        startup_cold_starts=totals["startup"],
        peak_instances=totals["peak"],
        month_factor=prepared.month_factor,
        assumptions=assumptions,
    )
