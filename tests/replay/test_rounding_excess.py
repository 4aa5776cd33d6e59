"""The rounding excess of a billed duration (replay.durations.rounding_excess_ms) per cell: its own cell's
alone, whichever cells share the call, and against a brute-force sum far past every cell's top."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from replay.durations import rounding_excess_ms


def _brute(mean: float, sigma: float, inc: float, terms: int = 20_000) -> float:
    mu = np.log(mean) - sigma**2 / 2
    k = np.arange(1, terms, dtype=float)
    return inc * (1.0 + (1.0 - ndtr((np.log(k * inc) - mu) / sigma)).sum()) - mean


def test_a_cells_excess_does_not_depend_on_the_cells_beside_it() -> None:
    rng = np.random.default_rng(5)
    mean = rng.lognormal(np.log(40), 1.0, 300)
    sigma = rng.uniform(0.05, 1.5, 300)
    together = rounding_excess_ms(mean, sigma, 100.0)
    alone = np.array([rounding_excess_ms(mean[[i]], sigma[[i]], 100.0)[0] for i in range(mean.size)])
    assert np.array_equal(together, alone)
    with_long = rounding_excess_ms(np.append(mean, 3000.0), np.append(sigma, 3.0), 100.0)[:-1]
    assert np.array_equal(with_long, together)


def test_the_per_cell_sum_is_the_full_sum() -> None:
    """Cells whose 6-sigma top is under the 128-term cap: the sum to it is the whole sum."""
    for mean, sigma, inc in [(40.0, 0.3, 100.0), (150.0, 0.5, 100.0), (3.2, 0.05, 1.0), (0.4, 0.8, 1.0)]:
        got = rounding_excess_ms(np.array([mean]), np.array([sigma]), inc)[0]
        assert abs(got - _brute(mean, sigma, inc)) <= 3e-8 * inc, (mean, sigma, inc)
        assert 0 < got < inc
