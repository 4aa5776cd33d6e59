"""The FaaS platform an alternative is modelled on: keep-alive, init, billing increment, duration factor."""

from __future__ import annotations

from dataclasses import dataclass

from replay.assumptions import Assumption
from replay.constants import (
    DEFAULT_DURATION_SIGMA,
    DEFAULT_INIT_MS,
    DEFAULT_KEEP_ALIVE_S,
    LAMBDA_INCREMENT_MS,
)


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
