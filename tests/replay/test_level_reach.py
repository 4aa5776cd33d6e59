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


def _prepared() -> Prepared:
    trs = [
        mixed(30, 8, base_rate=4, burst_rate=12, median_ms=1200),
        traces.on_off(13, 5, 12, on_mean_s=120, off_mean_s=900, init_ms=800),
        traces.poisson(51, 0.5, 8),
    ]
    minutes = [cloudwatch.aggregate(exact.replay(tr, KEEP_ALIVE), 60, (tr.start_s, tr.end_s)) for tr in trs]
    return prepare(Traffic(hourly=None, minutes=cloudwatch.panel(minutes)))


@pytest.mark.parametrize("with_cold_starts", [True, False])
def test_a_curve_far_past_the_traffics_reach_equals_stepping_every_level(
    monkeypatch: pytest.MonkeyPatch, with_cold_starts: bool
) -> None:
    prepared, model = _prepared(), FaasModel(keep_alive_s=KEEP_ALIVE)
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
    for item in fields(every):
        ours, theirs = getattr(early, item.name), getattr(every, item.name)
        if isinstance(theirs, np.ndarray):
            assert ours.shape == theirs.shape and np.array_equal(ours, theirs), item.name
        else:
            assert ours == theirs, item.name
    assert every.faas_requests[:, -1].tolist() == [0.0, 0.0, 0.0]  # at the top nothing overflows
