"""SageMaker Serverless throttling and Cloud Run instance time against exact replays of the same trace."""

from __future__ import annotations

import numpy as np
import pytest

from replay import Traffic, cloud_run, prepare, serverless, serverless_memory_mb
from tests.replay import cloudwatch, exact, traces


@pytest.fixture(scope="module")
def busy() -> tuple[traces.Trace, exact.Replay, Traffic]:
    tr = traces.diurnal(31, 25, 6, amplitude=0.5, median_ms=300, sigma=0.4)
    outcome = exact.replay(tr, 600.0)
    agg = cloudwatch.aggregate(outcome, 60, (tr.start_s, tr.end_s))
    return tr, outcome, Traffic(hourly=None, minutes=cloudwatch.panel([agg]))


def test_serverless_throttles_what_a_capped_replay_rejects(busy) -> None:
    tr, _, traffic = busy
    cap = 8
    rejected = exact.replay(tr, 600.0, slots=cap).faas_requests  # requests that found all 8 busy
    result = serverless(prepare(traffic), max_concurrency=cap)
    assert rejected > 1000
    assert result.throttled_requests[0] == pytest.approx(rejected, rel=0.1)
    assert result.faas.init_billed_ms[0] == 0  # model setup is latency, not billed


def test_the_overflow_alone_is_the_full_curves_overflow(busy) -> None:
    """Serverless reads only the overflow of its capped pool, so it skips the warm pool's replay: the
    overflow must not depend on it, level by level."""
    from replay import FaasModel, floor_curve

    prepared = prepare(busy[2])
    model = FaasModel(keep_alive_s=600.0, init_ms=500.0, increment_ms=1.0, init_billed=False)
    full = floor_curve(prepared, model, 4.0, 3)
    alone = floor_curve(prepared, model, 4.0, 3, with_cold_starts=False)
    assert full.faas_requests[0, 1] > 0 and full.faas_cold_starts.sum() > 0
    assert alone.faas_requests.tolist() == full.faas_requests.tolist()
    assert alone.faas_billed_ms.tolist() == full.faas_billed_ms.tolist()
    assert not alone.faas_cold_starts.any()


def test_serverless_bills_the_measured_inference_time(busy) -> None:
    _, outcome, traffic = busy
    result = serverless(prepare(traffic))
    assert result.faas.billed_ms[0] == pytest.approx(np.ceil(outcome.duration_ms[outcome.inside]).sum(), rel=0.01)
    assert result.throttled_requests[0] < 1


def _union_length(starts: np.ndarray, ends: np.ndarray) -> float:
    """Length of the union of [start, end) intervals: the time at least one request was running."""
    order = np.argsort(starts)
    total, current_start, current_end = 0.0, starts[order[0]], ends[order[0]]
    for s, e in zip(starts[order[1:]], ends[order[1:]], strict=True):
        if s > current_end:
            total += current_end - current_start
            current_start, current_end = s, e
        else:
            current_end = max(current_end, e)
    return total + current_end - current_start


def test_cloud_run_busy_time_brackets_the_replay(busy) -> None:
    tr, outcome, traffic = busy
    prepared = prepare(traffic)
    inside = outcome.inside
    starts = outcome.arrivals_s[inside]
    ends = np.minimum(starts + outcome.duration_ms[inside] / 1000, tr.end_s)
    one = cloud_run(prepared, concurrency=1)
    assert one.busy_instance_seconds[0] == pytest.approx((ends - starts).sum(), rel=0.03)
    many = cloud_run(prepared, concurrency=1000)  # one instance takes everything: busy = time anything runs
    assert many.busy_instance_seconds[0] == pytest.approx(_union_length(starts, ends), rel=0.05)
    assert np.all(many.alive_instance_seconds >= many.busy_instance_seconds * 0.99)


def test_serverless_memory_is_the_smallest_size_that_holds_the_model() -> None:
    sizes = serverless_memory_mb(np.array([500.0, 1024.0, 1025.0, 6144.0, 7000.0]))
    assert sizes[:4].tolist() == [1024.0, 1024.0, 2048.0, 6144.0] and np.isnan(sizes[4])
