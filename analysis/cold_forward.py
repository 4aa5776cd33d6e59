"""Cold starts under a what-if: the measured count carried forward by the model's own response.

The warm-pool replay sees two causes of a cold start: scaling out (more requests in flight than warm
instances) and idle expiry (an instance reclaimed after the keep-alive). A platform's measured count also
holds causes the model does not see: Lambda recycles execution environments every few hours however busy
they are (no interval is documented), deployments and configuration changes start every instance afresh,
crashed instances are replaced. On a busy function these dominate (the demo's fraud-score: 11,883 measured
against 241 modelled a month), so showing the model alone under a what-if made doubling the traffic appear
to remove 96 % of its cold starts (475 modelled under ×2).

The rule, per resource with measured cold starts (window counts; M measured and m the model's count on the
measured traffic)::

    estimate = min(M, m) × cold growth + max(M − m, 0) × warm growth

- ``min(M, m)`` is what the model accounts for: it grows as the model's cold starts grow under the what-if.
  Where the model over-counts (M < m: a keep-alive assumed shorter than the platform's) this is the measured
  count scaled by the model's response, a bias in proportion.
- ``max(M − m, 0)`` is what the model does not see. It grows with the model's warm instance-seconds: an
  environment is recycled per stretch of life it spends warm, so recycling follows the warm pool, not the
  requests that reuse it (the pool grows slower than the traffic on a busy function).
- Both growths are the engine's own, what-if ÷ baseline, from its Poisson warm pool: the traffic without its
  measured peaks on both sides, so the growth follows random arrivals (whose peaks grow like their mean plus
  a multiple of its square root) whatever the measured peaks did. Against exact replays with environments
  recycled every 10 minutes (tests/analysis/test_cold_forward.py: 36,500 measured a month, 33,489 of them
  unseen; the doubled trace's truth 56,392) this rule gives 56,940 (+1 %), the model alone 5,036 (−91 %),
  and the measured count × the model's own ratio 61,036 (+8 %; +29 % while a what-if scaled measured peaks
  linearly, before ``analysis.scaled_peaks``). On sparse traffic (a few dozen cold starts from idle gaps)
  the model's response itself is poor and so is any carried figure. A growth the pool cannot give (no cold
  start, nothing warm) falls back to the other, then to the requests' ratio.

Without a what-if both growths are 1 and the estimate is the measurement exactly. Where the platform
reports no cold starts the model's count on the traffic in effect is all there is.

Cost and latency read the same figure: today's Lambda cost under a what-if bills init on these cold starts
(``analysis.estate``), and the share of requests they hit is this count over the what-if's requests.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from analysis.runs import PLATFORMS, FaasRows, faas_rows, platform_model
from replay.pool import pools
from replay.state import states

if TYPE_CHECKING:
    from analysis.context import Context
    from replay import FaasModel, Prepared, Traffic

MEASURED = "measured"  # no what-if: the measurement itself
CARRIED = "carried"  # a what-if: the measurement carried forward by the model's response
MODELLED = "modelled"  # nothing measured: the model alone


@dataclass(frozen=True)
class ColdForward:
    """Per row, window counts: measured (on the measured traffic; NaN where the platform reports none), the
    model's on the measured traffic and on the traffic in effect, and the model's response to the what-if
    (its Poisson pool's cold starts and warm instance-seconds on both traffics, and the requests)."""

    measured: np.ndarray
    modelled_base: np.ndarray  # steady + start-up cold starts, measured traffic, as the baseline models them
    modelled: np.ndarray  # the same on the traffic in effect (the what-if's)
    pool_base: np.ndarray  # the Poisson pool's cold starts, measured traffic
    pool: np.ndarray  # on the traffic in effect
    warm_base: np.ndarray  # the Poisson pool's warm instance-seconds
    warm: np.ndarray
    requests_base: np.ndarray
    requests: np.ndarray
    what_if: bool

    @cached_property
    def seen(self) -> np.ndarray:
        """The part of the measurement the model accounts for (NaN: unmeasured)."""
        return np.minimum(self.measured, self.modelled_base)

    @cached_property
    def unseen(self) -> np.ndarray:
        """What the model does not see on the measured traffic: recycling, deployments (NaN: unmeasured)."""
        return np.maximum(self.measured - self.modelled_base, 0.0)

    @cached_property
    def cold_growth(self) -> np.ndarray:
        return _ratio(self.pool, self.pool_base, _ratio(self.warm, self.warm_base, self._requests_growth))

    @cached_property
    def warm_growth(self) -> np.ndarray:
        return _ratio(self.warm, self.warm_base, _ratio(self.pool, self.pool_base, self._requests_growth))

    @cached_property
    def _requests_growth(self) -> np.ndarray:
        return _ratio(self.requests, self.requests_base, np.ones(self.measured.shape))

    @cached_property
    def rule(self) -> list[str]:
        known = np.isfinite(self.measured)
        return [CARRIED if k and self.what_if else MEASURED if k else MODELLED for k in known]

    @cached_property
    def estimate(self) -> np.ndarray:
        """The window's cold starts on the traffic in effect: the measurement carried forward (see the module)."""
        carried = self.seen * self.cold_growth + self.unseen * self.warm_growth
        if not self.what_if:
            carried = self.measured
        return np.where(np.isfinite(self.measured), carried, self.modelled)


def _ratio(top: np.ndarray, bottom: np.ndarray, otherwise: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(bottom > 0, top / np.maximum(bottom, 1e-12), np.nan)
    return np.where(np.isfinite(ratio), ratio, otherwise)


def cold_forward(ctx: Context, measured_traffic: Traffic) -> ColdForward:
    """The measured cold starts of every row beside the model's, on both traffics (under a what-if, three
    replays of the rows with measured cold starts: the model on the measured traffic, and its Poisson pool on
    both traffics)."""
    platform = ctx.platform
    modelled = platform.cold_starts + platform.startup_cold_starts
    if not ctx.params.what_if or ctx.traffic is measured_traffic:
        same = platform.instance_seconds
        return ColdForward(
            platform.cold_starts_measured, modelled, modelled, modelled, modelled, same, same,
            platform.requests, platform.requests, False,
        )  # fmt: skip
    reported = _reported(ctx)
    keys = [
        ctx.info[r]["service"] if reported[r] and platform.has(r) and ctx.info[r]["service"] in PLATFORMS else None
        for r in range(ctx.size)
    ]
    model = lambda service: platform_model(service, ctx.params)  # noqa: E731
    base = faas_rows(measured_traffic, keys, model)
    pool_base = faas_rows(_without_peaks(measured_traffic), keys, model)
    pool = faas_rows(_without_peaks(ctx.traffic), keys, model)
    return ColdForward(
        base.cold_starts_measured,
        base.cold_starts + base.startup_cold_starts,
        modelled,
        pool_base.cold_starts + pool_base.startup_cold_starts,
        pool.cold_starts + pool.startup_cold_starts,
        pool_base.instance_seconds,
        pool.instance_seconds,
        base.requests,
        platform.requests,
        True,
    )


def _without_peaks(traffic: Traffic) -> Traffic:
    """The traffic without its measured peaks: the warm pool then follows the model's Poisson arrivals, on the
    measured and the what-if's traffic alike (the growth is the Poisson pool's, not the scaled peaks')."""
    return replace(
        traffic,
        hourly=None if traffic.hourly is None else replace(traffic.hourly, concurrency_max=None),
        minutes=None if traffic.minutes is None else replace(traffic.minutes, concurrency_max=None),
    )


def _reported(ctx: Context) -> np.ndarray:
    """Rows whose measured traffic holds a cold-start count in a counted cell."""
    out = np.zeros(ctx.size, dtype=bool)
    for block in ctx.measured.blocks:
        values = block.panel.cold_starts
        if values is not None:
            np.logical_or.at(out, block.rows, (block.counted & ~np.isnan(values)).any(axis=1))
    return out


def as_billed(platform: FaasRows, forward: ColdForward) -> FaasRows:
    """``platform`` with the carried-forward count where a measured one stands, for today's cost under a
    what-if: Lambda bills init on every cold start, so the bill follows the same count the pages show."""
    out = copy(platform)
    out.cold_starts_measured = np.where(np.isfinite(forward.measured), forward.estimate, np.nan)
    return out


# Options that keep a part of today's FaaS pool (a hybrid's overflow, Lambda with provisioned concurrency): the
# same rule, each part scaled by what the option keeps of it. The seen part by the option's modelled cold
# starts over FaaS alone's on the same traffic (its level curve at k and at 0); the unseen part by the share
# of the pool's warm instance-seconds above the always-warm floor: environments recycled while they serve the
# on-demand overflow start cold, those behind the floor (endpoint slots, provisioned instances, replaced
# pre-initialised) do not. FaaS alone (floor 0) keeps both whole, so its figure is today's.


def option_cold_starts(
    ctx: Context,
    r: int,
    service: str,
    prepared: Prepared,
    i: int,
    model: FaasModel,
    floor: float,
    cold_k: float,
    cold_0: float,
) -> float:
    """Window cold starts of an option of row ``r`` that puts ``floor`` always-warm slots in front of
    ``service`` (row ``i`` of ``prepared``, the option's traffic): the measured count carried to it where the
    row's own platform measured one (see above), else the model's ``cold_k``."""
    forward = ctx.cold
    if forward is None or service != ctx.info[r]["service"] or not np.isfinite(forward.measured[r]):
        return float(cold_k)
    warm = warm_share_above(prepared, model, i, floor)
    kept = cold_k / cold_0 if cold_0 > 0 else warm
    return float(forward.seen[r] * forward.cold_growth[r] * kept + forward.unseen[r] * forward.warm_growth[r] * warm)


def carried_init_ms(model: FaasModel, init_ms: float, carried: float, modelled: float) -> float:
    """Init milliseconds to bill on an option's carried-forward cold starts beyond the ones its curve billed
    (negative where the model counted more): Lambda bills init on every cold start, as today's cost does."""
    return (carried - modelled) * init_ms if model.init_billed else 0.0


def warm_share_above(prepared: Prepared, model: FaasModel, i: int, floor: float) -> float:
    """The share of row ``i``'s warm instance-seconds above ``floor`` always-warm instances (1 at floor 0)."""
    total = above = 0.0
    for rows, alive, seconds in _alive(prepared, model):
        for j in np.flatnonzero(rows == i):
            total += float((alive[j] * seconds[j]).sum())
            above += float((np.maximum(alive[j] - floor, 0.0) * seconds[j]).sum())
    return above / total if total > 0 else 0.0


def _alive(prepared: Prepared, model: FaasModel) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per block: (rows, instances warm per cell, seconds per cell) of the FaaS pool, computed once per
    prepared traffic and model (the states the option's level curve was built from)."""
    key = ("cold_forward.alive", model)
    if key not in prepared.memo:
        out = []
        for state in states(prepared, model).blocks:
            counted = state.block.counted
            alive = np.where(counted, np.maximum(pools(state.pool).warm, state.pool.need), 0.0)
            out.append((state.block.rows, alive, np.where(counted, state.block.seconds, 0.0)))
        prepared.memo[key] = out
    return prepared.memo[key]
