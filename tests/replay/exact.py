"""The truth: an exact per-request replay of a trace.

FaaS: one request per instance; an instance stays warm for ``keep_alive_s`` after its last request; a
request takes the most recently freed warm instance, else starts a new one (a cold start: init, then the
request). Lambda bills each request's duration rounded up to ``increment_ms`` (init included on a cold
start: Billed Duration = ceil(Init Duration + Duration)). Hybrid / provisioned concurrency: ``slots``
always-on slots take a request whenever one is free; the rest overflows to the FaaS pool above.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np

from tests.replay.traces import Trace


@dataclass(frozen=True)
class Replay:
    """Per-request outcome of a replay: every request (warm-up included); ``inside`` marks the window's."""

    inside: np.ndarray
    arrivals_s: np.ndarray
    duration_ms: np.ndarray
    busy_until_s: np.ndarray  # when the request's instance or slot became free again
    cold: np.ndarray  # started a new FaaS instance
    on_slot: np.ndarray  # served by an always-on slot (endpoint instance or provisioned concurrency)
    init_ms: np.ndarray  # init paid (0 unless cold)
    billed_ms: np.ndarray  # FaaS billed duration per request (0 on a slot)
    peak_instances: int

    @property
    def requests(self) -> int:
        return int(self.inside.sum())

    @property
    def cold_starts(self) -> int:
        return int((self.cold & self.inside).sum())

    @property
    def faas_requests(self) -> int:
        return int((~self.on_slot & self.inside).sum())

    @property
    def faas_billed_ms(self) -> float:
        return float(self.billed_ms[self.inside].sum())


def replay(trace: Trace, keep_alive_s: float, *, slots: int = 0, increment_ms: float = 1.0) -> Replay:
    """Replay every request of ``trace`` (warm-up included); report the ones inside its window."""
    arrivals, durations, inits = trace.arrivals_s, trace.duration_ms, trace.init_ms
    n = len(arrivals)
    busy_until = np.empty(n)
    cold = np.zeros(n, dtype=bool)
    on_slot = np.zeros(n, dtype=bool)
    slot_heap: list[float] = []  # end times of busy slots
    busy_heap: list[float] = []  # end times of busy FaaS instances
    free: deque[float] = deque()  # release times of idle warm instances, oldest first
    peak = 0
    for i in range(n):
        a = arrivals[i]
        d = durations[i] / 1000.0
        if slots:
            while slot_heap and slot_heap[0] <= a:
                heapq.heappop(slot_heap)
            if len(slot_heap) < slots:
                heapq.heappush(slot_heap, a + d)
                on_slot[i] = True
                busy_until[i] = a + d
                continue
        while busy_heap and busy_heap[0] <= a:
            free.append(heapq.heappop(busy_heap))
        while free and free[0] < a - keep_alive_s:
            free.popleft()
        if free:
            free.pop()
            end = a + d
        else:
            cold[i] = True
            end = a + inits[i] / 1000.0 + d
        heapq.heappush(busy_heap, end)
        busy_until[i] = end
        if a >= trace.start_s:
            peak = max(peak, len(busy_heap) + len(free))
    inside = trace.window()
    init_paid = np.where(cold, inits, 0.0)
    billed = np.where(on_slot, 0.0, np.ceil((durations + init_paid) / increment_ms - 1e-9) * increment_ms)
    return Replay(inside, arrivals, durations, busy_until, cold, on_slot, init_paid, billed, peak)


@dataclass(frozen=True)
class Rates:
    """Plain prices for the truth's cost (Lambda x86 us-east-1 first tier and an ml.c5.xlarge-like instance)."""

    request_usd: float = 0.20 / 1e6
    gb_second_usd: float = 0.0000166667
    memory_gb: float = 2.0
    instance_hour_usd: float = 0.204


def faas_cost(outcome: Replay, rates: Rates) -> float:
    """Exact FaaS cost of the window: requests plus billed GB-seconds (init included)."""
    return outcome.faas_requests * rates.request_usd + outcome.faas_billed_ms / 1000 * rates.memory_gb * (
        rates.gb_second_usd
    )


def hybrid_curve(
    trace: Trace, keep_alive_s: float, slots_per_instance: int, k_max: int, rates: Rates
) -> tuple[np.ndarray, list[Replay]]:
    """Exact window cost of k = 0..k_max always-on instances plus FaaS overflow."""
    hours = (trace.end_s - trace.start_s) / 3600
    costs, outcomes = [], []
    for k in range(k_max + 1):
        outcome = replay(trace, keep_alive_s, slots=k * slots_per_instance)
        outcomes.append(outcome)
        costs.append(k * hours * rates.instance_hour_usd + faas_cost(outcome, rates))
    return np.array(costs), outcomes
