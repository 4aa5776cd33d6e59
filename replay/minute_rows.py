"""The autoscaling recurrence of ``replay.endpoint.simulate_minutes`` for a few rows, one row at a time in
plain Python floats.

The vectorised recurrence pays a fixed price per minute (some thirty numpy calls over 10,080 minutes
whatever the rows), which is most of one resource's view: for a handful of rows a scalar step is several
times cheaper. Every operation is the vectorised one's, in the same order, on IEEE doubles, so the
results are the same numbers: a division by zero gives numpy's inf or NaN, and ``ceil`` of NaN or inf
stays NaN or inf (the zero's sign can differ, which no output can see: a zero count adds to a positive
zero at the next minute, and every output adds the launching count to it first).
"""

from __future__ import annotations

import math

import numpy as np

INF = math.inf


def _divide(a: float, b: float) -> float:
    """``a / b`` as numpy divides (inf or NaN for a zero ``b``; here ``a`` is never negative)."""
    if b:
        return a / b
    if a != a or a == 0:
        return math.nan
    return math.copysign(INF, a) * math.copysign(1.0, b)


def simulate_rows(
    load: np.ndarray,
    live_at: np.ndarray,
    serving0: np.ndarray,
    low_count: np.ndarray,
    high_count: np.ndarray,
    delay: int,
    alarms: tuple[float, int, int, float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``simulate_minutes``' loop for ``load`` and ``live_at`` of shape (periods, rows), one row at a time.

    ``alarms`` is (scale-in ratio, scale-out periods, scale-in periods, scale-out cooldown s, scale-in
    cooldown s). Returns (serving, launching) of shape (periods, rows) and the actions per row.
    """
    periods, rows = load.shape
    serving_out = np.empty((periods, rows))
    pending_out = np.empty((periods, rows))
    actions_out = np.zeros(rows)
    ratio, out_dp, in_dp, out_cool, in_cool = alarms
    for r in range(rows):
        loads = load[:, r].tolist()
        lives = live_at[:, r].tolist()
        keeps = np.maximum(np.ceil(load[:, r] - 1e-9), low_count[r]).tolist()  # scale-in target: state-free
        low_c, high_c = float(low_count[r]), float(high_count[r])
        serving = float(serving0[r])
        ring = [0.0] * delay
        pending = high = low = 0.0
        since_out = since_in = 1e18
        actions = 0.0
        served, launching = [serving] * periods, [0.0] * periods
        busy = np.flatnonzero(live_at[:, r] | (load[:, r] != 0))
        end = int(busy[-1]) + 1 if busy.size else 0
        # before the first measured minute no alarm can fire (its counters start at 0 and move only on
        # measured minutes): the state, and what is served, stay as they start
        start = int(busy[0]) if busy.size and out_dp >= 1 and in_dp >= 1 else 0
        for t in range(start, periods):
            if t >= end and pending == 0 and not (low >= in_dp and keeps[t] < serving):
                # past the last measured minute with nothing launching: no load can arm a scale-out, and a
                # scale-in is not armed or has nothing to remove, so nothing changes again
                served[t:] = [serving] * (periods - t)
                break
            slot = t % delay
            arrived = ring[slot]
            serving += arrived
            pending -= arrived
            ring[slot] = 0.0
            here = loads[t]
            if lives[t]:
                high = high + 1.0 if here > serving else 0.0
                low = low + 1.0 if here < ratio * serving else 0.0
            since_out += 60.0
            since_in += 60.0
            total = serving + pending
            wanted = (total * here / serving if serving else _divide(total * here, serving)) - 1e-9
            if -INF < wanted < INF:  # numpy's ceil keeps NaN and inf; its clip keeps NaN
                wanted = min(max(float(math.ceil(wanted)), low_c), high_c)
            elif wanted == wanted:
                wanted = min(max(wanted, low_c), high_c)
            if high >= out_dp and since_out >= out_cool and wanted > total:
                added = wanted - total
                ring[slot] = added
                pending += added
                since_out = 0.0
                high = 0.0
                grow = True
            else:
                grow = False
            keep = keeps[t]
            if low >= in_dp and since_in >= in_cool and pending == 0 and keep < serving:
                serving = keep
                since_in = 0.0
                low = 0.0
                actions += 1.0
            elif grow:
                actions += 1.0
            served[t] = serving
            launching[t] = pending
        serving_out[:, r] = served
        pending_out[:, r] = launching
        actions_out[r] = actions
    return serving_out, pending_out, actions_out
