"""The truth with environment recycling: the exact FaaS replay of tests/replay/exact.py, where an instance
also retires ``lifetime_s`` after it started (as Lambda recycles execution environments every few hours,
however busy): the next request it would have taken finds another warm instance or starts a new one.

A separate replay rather than an option of the shared one, so the truth every replay test leans on is left
as it is; with an infinite lifetime the two agree request for request (tested).
"""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from tests.replay.exact import Replay
from tests.replay.traces import Trace


def replay(trace: Trace, keep_alive_s: float, lifetime_s: float = float("inf"), *, slots: int = 0) -> Replay:
    """Every request of ``trace`` on FaaS instances that expire when idle for ``keep_alive_s`` or at
    ``lifetime_s`` of age, whichever comes first (checked when a request would reuse the instance).

    ``slots`` always-on slots take a request whenever one is free, as in tests/replay/exact.py (provisioned
    concurrency, or a hybrid's endpoint instances): recycled behind the scenes, they never start cold."""
    arrivals, durations, inits = trace.arrivals_s, trace.duration_ms, trace.init_ms
    n = len(arrivals)
    busy_until = np.empty(n)
    cold = np.zeros(n, dtype=bool)
    on_slot = np.zeros(n, dtype=bool)
    slot_heap: list[float] = []  # end times of busy slots
    busy: list[tuple[float, float]] = []  # (free at, born at) of busy instances
    free: deque[tuple[float, float]] = deque()  # (freed at, born at) of idle warm instances, oldest first
    peak = 0
    for i in range(n):
        a = arrivals[i]
        if slots:
            while slot_heap and slot_heap[0] <= a:
                heapq.heappop(slot_heap)
            if len(slot_heap) < slots:
                heapq.heappush(slot_heap, a + durations[i] / 1000.0)
                on_slot[i] = True
                busy_until[i] = a + durations[i] / 1000.0
                continue
        while busy and busy[0][0] <= a:
            free.append(heapq.heappop(busy))
        while free and free[0][0] < a - keep_alive_s:
            free.popleft()
        born = None
        while free:
            _, birth = free.pop()  # the most recently freed
            if a < birth + lifetime_s:
                born = birth
                break
        if born is None:
            cold[i] = True
            born = a
            end = a + (inits[i] + durations[i]) / 1000.0
        else:
            end = a + durations[i] / 1000.0
        heapq.heappush(busy, (end, born))
        busy_until[i] = end
        if a >= trace.start_s:
            peak = max(peak, len(busy) + len(free))
    init_paid = np.where(cold, inits, 0.0)
    billed = np.where(on_slot, 0.0, np.ceil(durations + init_paid - 1e-9))
    return Replay(trace.window(), arrivals, durations, busy_until, cold, on_slot, init_paid, billed, peak)
