"""A level curve asked for far more levels than the traffic reaches (provisioned concurrency 10,000, the
What-if lever's top) stops stepping once no cell can overflow or start cold any more, and gives exactly the
arrays of stepping every level: the levels above the traffic's reach repeat its last, as they would compute."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from replay import FaasModel, Traffic, floor_curve, prepare
from replay.levels import LevelCurve
from replay.traffic import Prepared
from tests.replay import cloudwatch, exact, traces
from tests.replay.conftest import mixed

KEEP_ALIVE = 600.0
LEVELS = 3_000  # far above what any of these traces' minutes reach at one request a slot


def _prepared(period_s: int) -> Prepared:
    """The traces as CloudWatch would report them: per minute (with each minute's peak concurrency, so the
    warm pool is the measured one) or per hour (a stochastic pool whose churn reaches past the Erlang cells'
    caps: there the warm pool's cells are the last to settle)."""
    trs = [
        mixed(30, 8, base_rate=4, burst_rate=12, median_ms=1200),
        traces.on_off(13, 5, 12, on_mean_s=120, off_mean_s=900, init_ms=800),
        traces.poisson(51, 0.5, 8),
    ]
    periods = [cloudwatch.aggregate(exact.replay(tr, KEEP_ALIVE), period_s, (tr.start_s, tr.end_s)) for tr in trs]
    panel = cloudwatch.panel(periods)
    return prepare(Traffic(hourly=None, minutes=panel) if period_s == 60 else Traffic(hourly=panel))


def _differing(ours: object, theirs: object) -> list[str]:
    """The fields of two curves that differ (arrays compared exactly)."""
    differ = []
    for item in fields(theirs):
        a, b = getattr(ours, item.name), getattr(theirs, item.name)
        same = a.shape == b.shape and np.array_equal(a, b) if isinstance(b, np.ndarray) else a == b
        if not same:
            differ.append(item.name)
    return differ


@pytest.mark.parametrize("period_s", [60, 3600])
@pytest.mark.parametrize("with_cold_starts", [True, False])
def test_a_curve_far_past_the_traffics_reach_equals_stepping_every_level(
    monkeypatch: pytest.MonkeyPatch, with_cold_starts: bool, period_s: int
) -> None:
    prepared, model = _prepared(period_s), FaasModel(keep_alive_s=KEEP_ALIVE)
    stepped: list[int] = []
    real = LevelCurve._erlang_to

    def counted(self: LevelCurve, slots: int, first: int) -> int:
        stepped.append(slots)
        return real(self, slots, first)

    monkeypatch.setattr(LevelCurve, "_erlang_to", counted)
    early = floor_curve(prepared, model, 1, LEVELS, with_cold_starts=with_cold_starts)
    early_steps = len(stepped)
    monkeypatch.setattr(LevelCurve, "_settled", lambda self, e_first, p_first, cold: False)
    stepped.clear()
    every = floor_curve(prepared, model, 1, LEVELS, with_cold_starts=with_cold_starts)
    assert len(stepped) == LEVELS  # levels 0..LEVELS: the reference did step every level
    assert early_steps < LEVELS // 10  # and the curve with the stop did not: the traffic reaches far less
    assert _differing(early, every) == []
    if with_cold_starts and period_s == 3600:
        # the stop's second condition is needed here: stopped once the Erlang cells alone are past their caps,
        # the pool's churn above that level would be lost (the curve would differ from stepping every level)
        monkeypatch.setattr(LevelCurve, "_settled", lambda self, e_first, p_first, cold: e_first == self.e_cap.size)
        erlang_only = floor_curve(prepared, model, 1, LEVELS, with_cold_starts=True)
        assert "faas_cold_starts" in _differing(erlang_only, every)
    assert every.faas_requests[:, -1].tolist() == [0.0, 0.0, 0.0]  # at the top nothing overflows
