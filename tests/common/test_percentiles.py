"""The one percentile definition, against hand computations and numpy's default (linear) method."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.percentiles import percentile


def test_hand_computed_values() -> None:
    durations = [141.07, 128.51, 1912.40, 130.00, 150.49]  # sorted: 128.51 130.00 141.07 150.49 1912.40
    assert percentile(durations, 0.5) == 141.07  # the middle of an odd count
    assert percentile(durations, 0.9) == pytest.approx(150.49 + 0.6 * (1912.40 - 150.49))  # rank 3.6
    assert percentile(durations, 0.99) == pytest.approx(150.49 + 0.96 * (1912.40 - 150.49))  # rank 3.96
    assert percentile([10.0, 20.0], 0.5) == 15.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile(durations, 0.0) == 128.51 and percentile(durations, 1.0) == 1912.40


@given(
    values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=200),
    q=st.floats(0, 1, allow_nan=False),
)
def test_agrees_with_numpy_linear(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q * 100)), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("values", "q"), [([], 0.5), ([1.0], 1.5), ([1.0], -0.1)])
def test_nonsense_is_refused(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, q)
