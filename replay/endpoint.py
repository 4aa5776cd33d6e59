"""An always-on endpoint on the measured traffic: target-tracking autoscaling per minute, a fixed size,
and the right size of today's endpoint.

Per-minute cells run the policy as a recurrence over minutes, vectorised over resources: a metric above
target for ``scale_out_periods`` consecutive minutes (and outside the cooldown) launches
ceil(instances × utilisation / target) − instances more, in service ``provisioning_s`` later; one below
``scale_in_ratio`` × target for ``scale_in_periods`` minutes removes down to that count, never under the
minimum. Hourly cells have no minutes to react to: each hour runs the count its mean needs (the scaler
settles within minutes), and a resource with minute data has its hours scaled by how its simulated
minutes compare with that rule on the same hours. Instance-seconds include instances still launching
(billed from launch: an assumption).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from replay import constants as c
from replay.assumptions import Assumption
from replay.minute_rows import simulate_rows
from replay.poisson import cdf
from replay.state import calibration_ratio, rows_of
from replay.traffic import Block, Prepared


@dataclass(frozen=True)
class ScalingPolicy:
    """Target tracking on requests per instance (equivalently CPU, under a linear CPU model)."""

    target_utilization: float = 0.7
    min_instances: int = 1
    max_instances: int = 100
    scale_out_periods: int = c.SAGEMAKER_SCALE_OUT_DATAPOINTS
    scale_in_periods: int = c.SAGEMAKER_SCALE_IN_DATAPOINTS
    scale_in_ratio: float = c.SAGEMAKER_SCALE_IN_RATIO
    scale_out_cooldown_s: float = c.SAGEMAKER_COOLDOWN_S
    scale_in_cooldown_s: float = c.SAGEMAKER_COOLDOWN_S
    provisioning_s: float = c.SAGEMAKER_PROVISIONING_S
    confidence: str = "third-party"

    def __post_init__(self) -> None:
        if not 0 < self.target_utilization <= 1:
            raise ValueError("target_utilization must be in (0, 1]")
        if self.min_instances < 0 or self.max_instances < max(self.min_instances, 1):
            raise ValueError("need 0 <= min_instances <= max_instances and max_instances >= 1")

    @classmethod
    def sagemaker(cls, **changes: object) -> ScalingPolicy:
        return cls(**changes)

    @classmethod
    def vertex(cls, **changes: object) -> ScalingPolicy:
        values = {
            "target_utilization": c.VERTEX_TARGET_UTILIZATION,
            "min_instances": c.VERTEX_MIN_REPLICAS,
            "confidence": "unconfirmed",
        }
        return cls(**{**values, **changes})

    def assumptions(self) -> tuple[Assumption, ...]:
        delays = "unconfirmed" if self.confidence == "unconfirmed" else "third-party"
        return (
            Assumption("target_utilization", self.target_utilization, "fraction", "autoscaling target per instance"),
            Assumption("min_instances", self.min_instances, "instances", "never fewer"),
            Assumption("max_instances", self.max_instances, "instances", "never more"),
            Assumption(
                "scale_out_periods",
                self.scale_out_periods,
                "minutes",
                "consecutive minutes above target before scaling out",
                delays,
            ),
            Assumption(
                "scale_in_periods",
                self.scale_in_periods,
                "minutes",
                f"consecutive minutes below {self.scale_in_ratio:.0%} of target before scaling in",
                delays,
            ),
            Assumption("cooldown_s", self.scale_out_cooldown_s, "s", "between scaling actions", delays),
            Assumption(
                "provisioning_s",
                self.provisioning_s,
                "s",
                "a new instance serves this long after launch",
                "unconfirmed",
            ),
        )


@dataclass(frozen=True)
class EndpointResult:
    """Window totals per resource for an autoscaled endpoint of the given per-instance capacity."""

    instance_seconds: np.ndarray
    peak_instances: np.ndarray
    minutes_above_capacity: np.ndarray  # measured minutes whose demand exceeded the serving instances
    minutes: np.ndarray  # measured minutes (hours count as 60)
    scaling_actions: np.ndarray
    month_factor: np.ndarray
    assumptions: tuple[Assumption, ...]

    @property
    def share_above_capacity(self) -> np.ndarray:
        return np.where(self.minutes > 0, self.minutes_above_capacity / np.maximum(self.minutes, 1e-12), 0.0)

    @property
    def instance_hours_per_month(self) -> np.ndarray:
        return np.nan_to_num(self.instance_seconds / 3600.0 * self.month_factor)


def _demand(block: Block) -> np.ndarray:
    """Requests per second per cell (0 where unmeasured)."""
    panel = block.panel
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(block.counted, panel.requests / np.maximum(panel.covered_s, 1e-9), 0.0)


@dataclass(frozen=True)
class Limits:
    """Per resource: the target utilisation and the instance bounds (a policy's values, or one per row, so
    endpoints of different targets and minimums are simulated in one pass)."""

    target: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, policy: ScalingPolicy, n: int) -> Limits:
        return cls(
            np.full(n, float(policy.target_utilization)),
            np.full(n, float(policy.min_instances)),
            np.full(n, float(policy.max_instances)),
        )

    def take(self, rows: np.ndarray) -> Limits:
        return Limits(self.target[rows], self.low[rows], self.high[rows])


_any = np.logical_or.reduce  # ndarray.any without its Python-level wrapper (called four times a minute)
SCALAR_ROWS = 24  # rows up to which replay.minute_rows steps each row in plain floats (~7 ms a row, numpy ~0.1-0.2 s)


def _needed(demand: np.ndarray, capacity: np.ndarray, limits: Limits) -> np.ndarray:
    per_instance = capacity[:, None] * limits.target[:, None]
    count = np.ceil(np.round(demand / np.maximum(per_instance, 1e-300), 9))
    return np.clip(count, limits.low[:, None], limits.high[:, None])


def _cooldown_steps(cooldown_s: float) -> int:
    """The fewest 60-s steps whose seconds reach ``cooldown_s`` (the recurrence's clock counts steps)."""
    steps = max(0, math.ceil(cooldown_s / 60.0))
    while 60.0 * steps < cooldown_s:
        steps += 1
    while steps > 0 and 60.0 * (steps - 1) >= cooldown_s:
        steps -= 1
    return steps


def simulate_minutes(
    demand: np.ndarray,
    counted: np.ndarray,
    capacity: np.ndarray,
    policy: ScalingPolicy,
    limits: Limits | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(serving instances per minute, launching instances per minute, scaling actions per row).

    The first minute starts at the count its demand needs (a running endpoint is not cold). Unmeasured
    minutes keep the state unchanged. Demand is kept in units of "instances at target", so utilisation
    against target is load / serving and every comparison is one array operation. ``limits`` (per row)
    replaces the policy's target and bounds; the alarm shapes and delays are the policy's.
    """
    rows, periods = demand.shape
    limits = limits or Limits.of(policy, rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        load = np.ascontiguousarray((demand / (capacity * limits.target)[:, None]).T)
    live_at = np.ascontiguousarray(counted.T)
    first = np.argmax(counted, axis=1)
    low_count, high_count = limits.low, limits.high
    serving = np.clip(np.ceil(np.round(load[first, np.arange(rows)], 9)), low_count, high_count)
    delay = max(1, int(np.ceil(policy.provisioning_s / 60.0)))
    ratio, out_dp, in_dp = policy.scale_in_ratio, policy.scale_out_periods, policy.scale_in_periods
    out_cool, in_cool = policy.scale_out_cooldown_s, policy.scale_in_cooldown_s
    if rows <= SCALAR_ROWS:  # a few rows: a plain-float step per row is cheaper than numpy's per-minute calls
        alarms = (ratio, out_dp, in_dp, out_cool, in_cool)
        serving_out, pending_out, actions = simulate_rows(load, live_at, serving, low_count, high_count, delay, alarms)
        return serving_out.T, pending_out.T, actions
    ring = np.zeros((delay, rows))
    pending = np.zeros(rows)
    high = np.zeros(rows)
    low = np.zeros(rows)
    # the cooldowns as the step of each row's last action (a clock of 60 s steps from 1e18 s: exact)
    last_out, last_in = np.full(rows, -1e18), np.full(rows, -1e18)
    wait_out, wait_in = _cooldown_steps(out_cool), _cooldown_steps(in_cool)
    keep_at = np.maximum(np.ceil(load - 1e-9), low_count)  # scale-in target per minute: state-free
    actions = np.zeros(rows)
    serving_out = np.empty((periods, rows))
    pending_out = np.empty((periods, rows))
    filled = [False] * delay  # ring slots holding a launch (the others add zeros: nothing to do)
    everywhere = live_at.all(axis=1).tolist()  # minutes every row measured: no row keeps its counters
    for t in range(periods):
        slot = t % delay
        if filled[slot]:
            arrived = ring[slot]
            serving += arrived
            pending -= arrived
            ring[slot] = 0.0
            filled[slot] = False
        here = load[t]
        if everywhere[t]:
            high = (high + 1.0) * (here > serving)
            low = (low + 1.0) * (here < ratio * serving)
        else:
            live = live_at[t]
            high = np.where(live, (high + 1.0) * (here > serving), high)
            low = np.where(live, (low + 1.0) * (here < ratio * serving), low)
        # each action is taken only where its alarm is armed: minutes where none is skip its arithmetic
        grow = None
        armed = high >= out_dp
        if _any(armed):
            total = serving + pending
            wanted = np.minimum(np.maximum(np.ceil(total * here / serving - 1e-9), low_count), high_count)
            grow = armed & (last_out <= t - wait_out) & (wanted > total)
            if _any(grow):
                added = np.where(grow, wanted - total, 0.0)
                ring[slot] = added  # in service `delay` minutes from now
                filled[slot] = True
                pending += added
                last_out[grow] = t
                high[grow] = 0.0
                actions += grow
            else:
                grow = None
        ready = low >= in_dp
        if _any(ready):
            keep = keep_at[t]
            shrink = ready & (last_in <= t - wait_in) & (pending == 0) & (keep < serving)
            if _any(shrink):
                serving = np.where(shrink, keep, serving)
                last_in[shrink] = t
                low[shrink] = 0.0
                actions += shrink if grow is None else shrink & ~grow
        serving_out[t] = serving
        pending_out[t] = pending
    return serving_out.T, pending_out.T, actions


def autoscale(
    prepared: Prepared,
    capacity_rps: np.ndarray,
    policy: ScalingPolicy | None = None,
    limits: Limits | None = None,
) -> EndpointResult:
    """Every resource's traffic on an autoscaled endpoint whose instances each carry ``capacity_rps``
    (``limits``: a target and bounds per resource instead of the policy's)."""
    return autoscale_each(prepared, [capacity_rps], policy, limits)[0]


def autoscale_each(
    prepared: Prepared,
    capacities: list[np.ndarray],
    policy: ScalingPolicy | None = None,
    limits: Limits | None = None,
) -> list[EndpointResult]:
    """``autoscale`` for each of several per-resource capacities (a sizing's ranked types), with the minute
    recurrence run once for all of them: its rows are independent, and its cost is the Python step per
    minute, not the rows, so stacking the capacities as extra rows costs about one run instead of several."""
    policy = policy or ScalingPolicy()
    n = prepared.resources
    limits = limits or Limits.of(policy, n)
    wanted = [np.broadcast_to(np.asarray(c, dtype=float), (n,)).copy() for c in capacities]
    runs: list[tuple[np.ndarray, np.ndarray, np.ndarray] | None] = [None] * len(wanted)
    if prepared.minutes is not None and wanted:
        block = prepared.minutes
        m = block.rows.size
        demand = _demand(block)
        serving, launching, actions = simulate_minutes(
            np.concatenate([demand] * len(wanted)),
            np.concatenate([block.counted] * len(wanted)),
            np.concatenate([c[block.rows] for c in wanted]),
            policy,
            Limits(
                *(np.concatenate([getattr(limits, f)[block.rows]] * len(wanted)) for f in ("target", "low", "high"))
            ),
        )
        runs = [
            (serving[i * m : (i + 1) * m], launching[i * m : (i + 1) * m], actions[i * m : (i + 1) * m])
            for i in range(len(wanted))
        ]
    return [_autoscaled(prepared, c, policy, limits, run) for c, run in zip(wanted, runs, strict=True)]


def _autoscaled(
    prepared: Prepared,
    capacity: np.ndarray,
    policy: ScalingPolicy,
    limits: Limits,
    minute_run: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> EndpointResult:
    """One capacity's result, from its minute recurrence's run (``simulate_minutes``' output)."""
    n = prepared.resources
    totals = {name: np.zeros(n) for name in ("seconds", "above", "minutes", "actions")}
    peak = np.zeros(n)
    ratio = np.ones(n)
    if minute_run is not None and prepared.hourly is not None:
        ratio = _hour_ratio(prepared, capacity, policy, limits, minute_run)
    for block in prepared.blocks:
        rows = block.rows
        demand = _demand(block)
        seconds = block.seconds
        if block.panel.period_s == 60:
            serving, launching, actions = minute_run
            billed = np.where(block.counted, (serving + launching) * seconds, 0.0).sum(axis=1)
            above = (demand > serving * capacity[rows][:, None]) & block.counted
            np.add.at(totals["above"], rows, above.sum(axis=1))
            np.add.at(totals["minutes"], rows, (seconds / 60.0).sum(axis=1))
            np.add.at(totals["actions"], rows, actions)
            np.maximum.at(peak, rows, np.where(block.counted, serving + launching, 0.0).max(axis=1, initial=0))
        else:
            count = np.where(block.counted, _needed(demand, capacity[rows], limits.take(rows)), 0.0)
            billed = (count * seconds).sum(axis=1) * ratio[rows]
            np.add.at(totals["above"], rows, _hourly_above(block, demand, count, capacity[rows]))
            np.add.at(totals["minutes"], rows, (seconds / 60.0).sum(axis=1))
            np.maximum.at(peak, rows, count.max(axis=1, initial=0))
        np.add.at(totals["seconds"], rows, billed)
    assumptions = (
        *policy.assumptions(),
        Assumption(
            "hourly_autoscaling",
            "settled",
            "",
            "in hours without minute data the endpoint runs the count the hour's mean needs",
        ),
    )
    return EndpointResult(
        instance_seconds=totals["seconds"],
        peak_instances=peak,
        minutes_above_capacity=totals["above"],
        minutes=totals["minutes"],
        scaling_actions=totals["actions"],
        month_factor=prepared.month_factor,
        assumptions=assumptions,
    )


def _hourly_above(block: Block, demand: np.ndarray, count: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Expected minutes of each hour above the capacity its count serves (Poisson minute counts)."""
    limit = np.floor(count * capacity[:, None] * 60.0)
    expected = demand * 60.0
    spread = 8 * np.sqrt(expected) + 8
    above_share = np.where(limit < expected - spread, 1.0, 0.0)  # far under the demand: every minute
    band = block.counted & (expected > 0) & (np.abs(limit - expected) <= spread)
    if band.any():
        above_share[band] = 1.0 - cdf(limit[band], expected[band])
    return np.where(block.counted, above_share * block.seconds / 60.0, 0.0).sum(axis=1)


def _hour_ratio(
    prepared: Prepared,
    capacity: np.ndarray,
    policy: ScalingPolicy,
    limits: Limits,
    minute_run: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Per resource with both: simulated minute instance-seconds / the hourly rule on the same hours
    (``minute_run``: the minute block's simulation, reused)."""
    ratio = np.ones(prepared.resources)
    block = prepared.minutes
    both = (prepared.minute_s > 0) & (prepared.measured_s > prepared.minute_s + 1e-6)
    rows = np.flatnonzero(both[block.rows])
    if not rows.size:
        return ratio
    resources = block.rows[rows]
    counted = block.counted[rows]
    serving, launching = minute_run[0][rows], minute_run[1][rows]
    minute_seconds = np.where(counted, (serving + launching) * block.seconds[rows], 0.0).sum(axis=1)
    hours = rows_of(prepared.minute_hours, rows)  # the minutes summed to hours once per prepared traffic
    hour_block = Block(hours, resources, np.ones_like(hours.covered_s))
    hour_count = np.where(
        hour_block.counted, _needed(_demand(hour_block), capacity[resources], limits.take(resources)), 0.0
    )
    hour_seconds = (hour_count * hour_block.seconds).sum(axis=1)
    ratio[resources] = calibration_ratio(minute_seconds, hour_seconds, 3600.0)
    return ratio
