"""Many resources in one panel give what each gives alone: rows never leak into each other, whatever
mix of minute and hourly data, lengths and start-up flags they have."""

from __future__ import annotations

import numpy as np
import pytest

from replay import FaasModel, Traffic, autoscale, chunked, faas, floor_curve, prepare
from tests.replay import cloudwatch
from tests.replay.conftest import views

NAMES = ("poisson-5/s", "on-off", "rarely-used", "flash-crowd")


@pytest.fixture(scope="module")
def estate() -> tuple[Traffic, list[Traffic]]:
    hours = [views(name, 600.0).hours for name in NAMES]
    minutes = [views(name, 600.0).minutes for name in NAMES]
    with_minutes = np.array([0, 1, 3])  # rarely-used has hours only
    starts_cold = np.array([False, True, False, True])
    stacked = Traffic(
        hourly=cloudwatch.panel(hours),
        minutes=cloudwatch.panel([minutes[i] for i in with_minutes]),
        minute_rows=with_minutes,
        starts_cold=starts_cold,
    )
    alone = []
    for i in range(len(NAMES)):
        has = i in with_minutes
        alone.append(
            Traffic(
                hourly=cloudwatch.panel([hours[i]]),
                minutes=cloudwatch.panel([minutes[i]]) if has else None,
                minute_rows=np.array([0]) if has else None,
                starts_cold=starts_cold[[i]],
            )
        )
    return stacked, alone


def test_faas_rows_are_independent(estate) -> None:
    stacked, alone = estate
    model = FaasModel(keep_alive_s=600.0)
    together = faas(prepare(stacked), model)
    for i, traffic in enumerate(alone):
        single = faas(prepare(traffic), model)
        for name in ("requests", "billed_ms", "cold_starts", "startup_cold_starts", "init_billed_ms"):
            assert getattr(together, name)[i] == pytest.approx(getattr(single, name)[0], rel=1e-9), (NAMES[i], name)


def test_hybrid_and_endpoint_rows_are_independent(estate) -> None:
    stacked, alone = estate
    model = FaasModel(keep_alive_s=600.0)
    together = floor_curve(prepare(stacked), model, 2, 6)
    scaled = autoscale(prepare(stacked), np.full(len(NAMES), 3.0))
    for i, traffic in enumerate(alone):
        single = floor_curve(prepare(traffic), model, 2, 6)
        assert together.faas_requests[i] == pytest.approx(single.faas_requests[0], rel=1e-9)
        assert together.faas_cold_starts[i] == pytest.approx(single.faas_cold_starts[0], rel=1e-9, abs=1e-9)
        one = autoscale(prepare(traffic), np.array([3.0]))
        assert scaled.instance_seconds[i] == pytest.approx(one.instance_seconds[0], rel=1e-9)


def test_chunks_of_resources_give_the_result_of_the_whole(estate) -> None:
    stacked, _ = estate
    model = FaasModel(keep_alive_s=600.0)
    whole = faas(prepare(stacked), model)
    parts = chunked(stacked, lambda prepared: faas(prepared, model), rows=3)
    for name in ("requests", "billed_ms", "cold_starts", "startup_cold_starts", "month_factor"):
        assert getattr(parts, name) == pytest.approx(getattr(whole, name), rel=1e-12)
    assert parts.notes == whole.notes and list(parts.source) == list(whole.source)
    curve = floor_curve(prepare(stacked), model, 2, 6)
    curve_parts = chunked(stacked, lambda prepared: floor_curve(prepared, model, 2, 6), rows=3)
    assert curve_parts.k.tolist() == curve.k.tolist()
    assert curve_parts.faas_requests == pytest.approx(curve.faas_requests, rel=1e-12)


@pytest.mark.parametrize(
    "wanted",
    [
        [True, False, True, False],
        [False, True, False, True],
        [False, False, True, True],
        [False, False, True, False],  # none of the rows with minutes and hours: their blocks compute nothing
    ],
)
def test_a_curve_for_some_rows_is_the_full_curve_there(estate, wanted) -> None:
    """``floor_curve(rows=...)`` sets up only the rows a caller reads: the same figures there, bit for bit
    (minute rows with their hours' calibration among them), zeros elsewhere."""
    stacked, _ = estate
    mask = np.array(wanted)
    model = FaasModel(keep_alive_s=600.0)
    full = floor_curve(prepare(stacked), model, 1.0, 6)
    some = floor_curve(prepare(stacked), model, 1.0, 6, rows=mask)
    for name in ("faas_requests", "faas_billed_ms", "faas_cold_starts", "startup_cold_starts", "floor_billed_ms"):
        mine, theirs = getattr(some, name), getattr(full, name)
        assert np.array_equal(mine[mask], theirs[mask]), name
        assert theirs[mask].any() or name == "startup_cold_starts"
        assert not getattr(some, name)[~mask].any() or name == "floor_billed_ms", name


def test_the_hybrid_search_on_shared_states_is_its_rows_alone(estate) -> None:
    """The search runs on the whole prepared traffic's states for the rows it needs: each row's curve is
    the one its own traffic gives alone (bit for bit: every per-cell quantity depends on the cell only)."""
    from replay import HybridPrices, hybrid_optimum, linear_faas_prices

    stacked, alone = estate
    model = FaasModel(keep_alive_s=600.0)
    prices = HybridPrices(0.02, linear_faas_prices(0.2e-6, 0.0000166667), 2.0)
    best = hybrid_optimum(prepare(stacked), model, 2.0, prices, k_max=5)
    assert best.curve is not None and best.curve_needed.sum() >= 2
    for j, i in enumerate(np.flatnonzero(best.curve_needed)):
        single = floor_curve(prepare(alone[i]), model, 2.0, int(best.curve.k_max[j]))
        width = single.k.size
        for name in ("faas_requests", "faas_billed_ms", "faas_cold_starts", "floor_billed_ms"):
            assert np.array_equal(getattr(best.curve, name)[j, :width], getattr(single, name)[0]), (NAMES[i], name)


def test_burst_concurrency_by_rows_is_that_of_all_rows(estate) -> None:
    """``burst_rho`` computed for some rows, then the rest, equals it computed at once (the level curves
    ask only for the rows they set up); a row not asked for yet holds its mean concurrency."""
    from replay.hybrid import burst_rho
    from replay.peaks import mean_concurrency
    from replay.state import states

    stacked, _ = estate
    model = FaasModel(keep_alive_s=600.0)
    whole, parts = states(prepare(stacked), model), states(prepare(stacked), model)
    (a,) = [b for b in parts.blocks if not b.hourly]
    (b,) = [b for b in whole.blocks if not b.hourly]
    first = np.arange(a.block.panel.rows) == 1  # the on-off trace: bursts its mean cannot show
    partial = burst_rho(a, first).copy()
    assert np.array_equal(partial[~first], mean_concurrency(a.block)[~first])
    full = burst_rho(b)
    assert np.array_equal(partial[first], full[first]) and not np.array_equal(full, mean_concurrency(b.block))
    assert np.array_equal(burst_rho(a, ~first), full)
