"""Percentiles and means from Cloud Monitoring histograms, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.gcp.distribution import bucket_bounds, from_distribution, histogram, mean, merge, percentile
from tests.gcp.fake_monitoring import distribution


def pct(h, q):
    return percentile(h, q)


def test_explicit_buckets_interpolate_inside_the_bucket():
    # (-inf,0) [0,10) [10,20) [20,50) [50,inf): 4, 4, 2 values in the three middle buckets.
    h = histogram([0, 10, 20, 50], [0, 4, 4, 2, 0], mean=14.0)
    assert pct(h, 0.50) == pytest.approx(12.5)  # rank 5: 1 of the 4 in [10,20)
    assert pct(h, 0.90) == pytest.approx(35.0)  # rank 9: 1 of the 2 in [20,50)
    assert pct(h, 0.99) == pytest.approx(48.5)  # rank 9.9: 1.9 of 2
    assert mean(h) == 14.0


def test_explicit_underflow_interpolates_from_zero_not_the_first_bound():
    # Every value below the first bound (5 ms): a median of "5" would overstate it.
    h = histogram([5, 10], [4, 0, 0], mean=2.0)
    assert pct(h, 0.50) == pytest.approx(2.5)  # 0 + 5 × 2/4
    ranged = histogram([5, 10], [4, 0, 0], mean=2.0, value_range=(1.0, 4.0))
    assert pct(ranged, 0.50) == pytest.approx(3.0)  # from range.min: 1 + 4 × 2/4
    signed = histogram([5, 10], [4, 0, 0], mean=2.0, nonnegative=False)
    assert pct(signed, 0.50) == 5.0  # no lower end known at all: the bound itself


def test_overflow_reports_its_lower_bound_unless_a_range_is_known():
    h = histogram([0, 100], [0, 0, 10], mean=250.0)
    assert pct(h, 0.50) == 100.0  # "at least 100"
    ranged = histogram([0, 100], [0, 0, 10], mean=250.0, value_range=(150.0, 300.0))
    assert pct(ranged, 0.50) == pytest.approx(200.0)


def test_linear_buckets():
    d = distribution("linear", {"n": 4, "width": 5, "offset": 10}, [0, 2, 6, 2, 0, 0], 18.0)
    assert bucket_bounds(d.bucket_options) == (10, 15, 20, 25, 30)
    h = from_distribution(d)
    assert pct(h, 0.50) == pytest.approx(17.5)  # rank 5: 3 of the 6 in [15,20)
    assert pct(h, 0.90) == pytest.approx(22.5)  # rank 9: 1 of the 2 in [20,25)
    under = from_distribution(distribution("linear", {"n": 4, "width": 5, "offset": 10}, [4], 4.0))
    assert pct(under, 0.50) == pytest.approx(5.0)  # underflow [0,10): 0 + 10 × 2/4


def test_exponential_buckets():
    d = distribution("exponential", {"n": 3, "growth": 10, "scale": 1}, [1, 1, 7, 1, 0], 120.0)
    assert bucket_bounds(d.bucket_options) == (1, 10, 100, 1000)
    h = from_distribution(d)
    assert pct(h, 0.50) == pytest.approx(10 + 90 * 3 / 7)  # rank 5: 3 of the 7 in [10,100)
    assert pct(h, 0.90) == pytest.approx(100.0)  # rank 9 closes [10,100)
    assert pct(h, 0.99) == pytest.approx(910.0)  # rank 9.9: 0.9 of the 1 in [100,1000)
    assert pct(h, 0.05) == pytest.approx(0.5)  # rank 0.5 of the 1 in the underflow [0,1)


def test_short_bucket_counts_are_padded_with_zeros():
    d = distribution("explicit", {"bounds": [0, 10, 20, 30]}, [0, 2], 5.0)  # 5 buckets, 2 counts given
    h = from_distribution(d)
    assert h.counts == (0, 2, 0, 0, 0) and pct(h, 0.5) == pytest.approx(5.0)


def test_merge_with_equal_bounds_adds_counts_and_weights_the_mean():
    a = histogram([0, 10, 20], [0, 2, 0, 0], mean=5.0)
    b = histogram([0, 10, 20], [0, 0, 2, 0], mean=15.0)
    merged = merge([a, b])
    assert merged.counts == (0, 2, 2, 0) and merged.count == 4 and mean(merged) == 10.0
    assert pct(merged, 0.5) == pytest.approx(10.0)


def test_merge_with_different_bounds_spreads_buckets_over_the_union():
    a = histogram([0, 10, 20], [0, 10, 10, 0], mean=10.0)
    b = histogram([0, 5, 10, 20], [0, 10, 0, 0, 0], mean=2.5)
    merged = merge([a, b])
    assert merged.bounds == (0, 5, 10, 20)
    assert merged.counts == pytest.approx((0, 15, 5, 10, 0))  # a's [0,10) split 5/5
    assert pct(merged, 0.5) == pytest.approx(5.0)  # rank 15 closes [0,5)
    assert mean(merged) == pytest.approx(7.5)  # (20 × 10 + 10 × 2.5) / 30


def test_empty_and_bucketless_histograms():
    assert merge([]) is None
    assert merge([histogram([0, 10], [0, 0, 0], mean=0.0)]) is None
    assert pct(None, 0.5) is None and mean(None) is None
    d = distribution("explicit", {"bounds": [0, 1]}, [], 3.0)
    d.ClearField("bucket_options")
    d.count = 4
    h = from_distribution(d)
    assert pct(h, 0.5) is None and mean(h) == 3.0
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        percentile(histogram([0, 1], [0, 1, 0], mean=0.5), 1.0)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=1000), min_size=6, max_size=6),
    extra=st.lists(st.integers(min_value=0, max_value=1000), min_size=6, max_size=6),
)
def test_percentiles_are_ordered_bounded_and_merge_like_one_histogram(counts, extra):
    bounds = [0, 1, 2, 4, 8]
    h = histogram(bounds, counts, mean=1.0)
    if sum(counts) == 0:
        assert pct(h, 0.5) is None
        return
    p50, p90, p99 = (pct(h, q) for q in (0.5, 0.9, 0.99))
    assert 0.0 <= p50 <= p90 <= p99 <= 8.0
    merged = merge([h, histogram(bounds, extra, mean=1.0)])
    together = histogram(bounds, [a + b for a, b in zip(counts, extra, strict=True)], mean=1.0)
    assert pct(merged, 0.9) == pytest.approx(pct(together, 0.9))
    assert not math.isnan(mean(merged))
