"""The Poisson tail stepped from level to level (replay.poisson.LevelTail) against the direct forms
(``gammaincc`` for the CDF, ``log_pmf``, ``max_cdf_at_mode``) over a grid of rates and levels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaincc

from replay import poisson

RATES = np.concatenate([[1e-6, 1e-3, 0.05], np.geomspace(0.3, 1e4, 40)])


@pytest.mark.parametrize(("start", "step"), [(1, 1), (1, 4), (0, 3), (7, 1)])
def test_stepped_cdf_matches_gammaincc(start: int, step: int) -> None:
    tail = poisson.LevelTail.at(start, RATES)
    worst = 0.0
    for x in range(start, start + 60 * step, step):
        if x > start:
            tail.step_to(x)
        direct = gammaincc(x + 1.0, RATES)
        assert np.array_equal(tail.log_pmf, poisson.log_pmf(np.full(RATES.size, float(x)), RATES))
        # relative to the CDF (a sum of positive terms keeps it), and never above 1
        rel = np.abs(tail.cdf - direct) / np.maximum(direct, 1e-300)
        worst = max(worst, float(np.max(np.where(direct > 1e-280, rel, 0.0))))
        assert np.all(tail.cdf <= 1.0)
    assert worst < 1e-12


def test_stepped_window_maximum_matches_direct_form() -> None:
    rng = np.random.default_rng(3)
    rho = RATES
    arrivals = rho * rng.uniform(5, 5e4, rho.size)
    mode = poisson.mode_cdf(rho, arrivals)
    tail = poisson.LevelTail.at(1, rho)
    for x in range(1, 80):
        tail.step_to(x)
        direct = poisson.max_cdf_at_mode(np.full(rho.size, float(x)), rho, arrivals, mode)
        stepped = tail.max_cdf_at_mode(arrivals, mode)
        # what the level curve uses is 1 - this: absolute agreement near 1, relative where it is small
        assert np.allclose(stepped, direct, rtol=1e-12, atol=1e-14)


def test_take_keeps_the_cells_level() -> None:
    tail = poisson.LevelTail.at(2, RATES)
    part = tail.take(slice(10, None)).step_to(5)
    assert np.allclose(part.cdf, gammaincc(6.0, RATES[10:]), rtol=1e-13, atol=0)
    assert tail.x == 2 and part.x == 5
