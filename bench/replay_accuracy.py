"""Print the replay engine's accuracy against exact per-request replays (the figures in docs/replay.md).

For every trace family of tests/replay and keep-alives of 5, 10 and 15 minutes: replayed cold starts, and
the engine's ratio to them from per-minute CloudWatch data (with ConcurrentExecutions), from per-minute
data without it, and from hourly data; the Lambda bill ratio from per-minute data. Then the hybrid cases:
the replayed optimum and the engine's, from minutes, from hours, and from hours calibrated by a day of
minutes. Usage: ``python bench/replay_accuracy.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replay import FaasModel, HybridPrices, Traffic, faas, floor_curve, hybrid_costs, prepare
from tests.replay import cloudwatch, exact
from tests.replay.conftest import FAMILIES, KEEP_ALIVES, hours_only, lambda_cost, minutes_only, mixed, replayed, views
from tests.replay.test_hybrid_accuracy import FAAS, HYBRID_TRACES, KEEP_ALIVE, RATES, SLOTS

LAMBDA = exact.Rates()


def faas_table() -> None:
    print("cold starts: engine / exact replay; bill: engine / exact Lambda bill (1 ms rounding, init billed)")
    print(f"{'family':16} {'keep-alive':>10} {'replayed':>8} {'minutes':>8} {'no peaks':>8} {'hours':>7} {'bill':>7}")
    for name in FAMILIES:
        for keep_alive in KEEP_ALIVES:
            truth = replayed(name, keep_alive)
            seen = views(name, keep_alive)
            model = FaasModel(keep_alive_s=keep_alive)
            with_peaks = faas(prepare(minutes_only(seen.minutes)), model)
            no_peaks = faas(prepare(minutes_only(seen.minutes, drop=("concurrency_max",))), model)
            hourly = faas(prepare(hours_only(seen.hours)), model)
            bill = lambda_cost(with_peaks.requests[0], with_peaks.billed_ms[0] + with_peaks.init_billed_ms[0], LAMBDA)
            cold = max(truth.cold_starts, 1)
            print(
                f"{name:16} {keep_alive / 60:>8.0f} m {truth.cold_starts:>8d} {with_peaks.cold_starts[0] / cold:>8.2f} "
                f"{no_peaks.cold_starts[0] / cold:>8.2f} {hourly.cold_starts[0] / cold:>7.2f} "
                f"{bill / exact.faas_cost(truth, LAMBDA):>7.3f}"
            )


def _window_costs(traffic: Traffic, hours: float, k_max: int) -> tuple[np.ndarray, int]:
    curve = floor_curve(prepare(traffic), FaasModel(keep_alive_s=KEEP_ALIVE), SLOTS, k_max)
    factor = curve.month_factor[0]
    costs = hybrid_costs(curve, HybridPrices(RATES.instance_hour_usd * hours / 730 * factor, FAAS, RATES.memory_gb))
    return costs.monthly_usd[0] / factor, int(costs.best_k[0])


def hybrid_table() -> None:
    print("\nhybrid: k instances x 4 slots + Lambda overflow; optimum cost vs the replayed optimum")
    print(f"{'trace':34} {'replay k*':>9} {'vs Lambda':>9} {'engine k*':>9} {'cost':>7} {'replay at k':>11}")
    cases = []
    for name, make in sorted(HYBRID_TRACES.items()):
        tr = make()
        true_costs, _ = exact.hybrid_curve(tr, KEEP_ALIVE, SLOTS, 10, RATES)
        outcome = exact.replay(tr, KEEP_ALIVE)
        hours = (tr.end_s - tr.start_s) / 3600
        for period in (60, 3600):
            panel = cloudwatch.panel([cloudwatch.aggregate(outcome, period, (tr.start_s, tr.end_s))])
            traffic = Traffic(hourly=panel) if period == 3600 else Traffic(hourly=None, minutes=panel)
            cases.append((f"{name} ({'minutes' if period == 60 else 'hours'})", true_costs, traffic, hours, 10))
    tr = mixed(40, 30, base_rate=2.5, burst_rate=8, median_ms=1800)
    true_costs, _ = exact.hybrid_curve(tr, KEEP_ALIVE, SLOTS, 8, RATES)
    outcome = exact.replay(tr, KEEP_ALIVE)
    hours = cloudwatch.panel([cloudwatch.aggregate(outcome, 3600, (0.0, tr.end_s))])
    minutes = cloudwatch.panel([cloudwatch.aggregate(outcome, 60, (6 * 3600.0, tr.end_s))])
    cases.append(("30 h bursts (hours only)", true_costs, Traffic(hourly=hours), 30.0, 8))
    calibrated = Traffic(hourly=hours, minutes=minutes, minute_rows=np.array([0]))
    cases.append(("30 h bursts (hours + last 24 h minutes)", true_costs, calibrated, 30.0, 8))
    for label, true_costs, traffic, hours, k_max in cases:
        model, k = _window_costs(traffic, hours, k_max)
        best = int(np.argmin(true_costs))
        print(
            f"{label:34} {best:>9d} {true_costs[best] / true_costs[0] - 1:>+9.1%} {k:>9d} "
            f"{model[k] / true_costs[best] - 1:>+7.1%} {true_costs[k] / true_costs[best] - 1:>+11.1%}"
        )


if __name__ == "__main__":
    faas_table()
    hybrid_table()
